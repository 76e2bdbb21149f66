"""URLs for the team pages; their names stay in the ``organisations`` namespace."""

from django.urls import path

from . import device_views, team_views

app_name = "organisations"
urlpatterns = [
    path("", team_views.team, name="team"),
    path("nuevo/", team_views.membership_edit, name="membership_create"),
    path("<int:pk>/editar/", team_views.membership_edit, name="membership_edit"),
    path("dispositivos/", device_views.team_devices, name="devices"),
]
