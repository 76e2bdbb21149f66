"""URLs for place pages."""

from .views import pages

app_name = "places"
urlpatterns = pages.urls()
