"""URLs of the integrity pages, gathered from the modules that own them."""

from . import (
    agency_views,
    catalogue_views,
    followup_views,
    printable_views,
    set_aside_views,
    workshop_views,
)

app_name = "integrity"
urlpatterns = [
    *workshop_views.urlpatterns,
    *set_aside_views.urlpatterns,
    *followup_views.urlpatterns,
    *printable_views.urlpatterns,
    *agency_views.urlpatterns,
    *catalogue_views.urlpatterns,
]
