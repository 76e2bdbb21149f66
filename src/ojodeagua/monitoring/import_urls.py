"""URL of the observation upload page."""

from django.urls import path

from .import_views import import_view

app_name = "imports"
urlpatterns = [path("", import_view, name="upload")]
