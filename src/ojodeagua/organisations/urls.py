"""URLs for the team pages."""

from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.team, name="team"),
    path("nuevo/", views.membership_edit, name="membership_create"),
    path("<int:pk>/editar/", views.membership_edit, name="membership_edit"),
]
