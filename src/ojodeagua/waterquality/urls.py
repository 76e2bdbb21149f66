"""URLs for water sample pages."""

from .views import sample_pages

app_name = "waterquality"
urlpatterns = sample_pages.urls()
