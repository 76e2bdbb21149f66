"""URLs for provider pages."""

from .views import pages

app_name = "providers"
urlpatterns = pages.urls()
