"""URLs for school and health-centre pages."""

from .views import health_centre_pages, school_pages

app_name = "facilities"
urlpatterns = school_pages.urls() + health_centre_pages.urls()
