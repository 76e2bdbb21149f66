"""URLs for observation pages: visits, supply log and surveys."""

from django.contrib.auth.decorators import login_required
from django.urls import path

from .views import (
    health_centre_pages,
    household_pages,
    school_pages,
    supply_pages,
    supply_week,
    visit_pages,
)

app_name = "monitoring"
urlpatterns = [
    path("suministro/semana/", login_required(supply_week), name="supply_week"),
    *visit_pages.urls(),
    *supply_pages.urls(),
    *household_pages.urls(),
    *school_pages.urls(),
    *health_centre_pages.urls(),
]
