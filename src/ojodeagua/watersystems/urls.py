"""URLs for water system pages."""

from .views import pages

app_name = "watersystems"
urlpatterns = pages.urls()
