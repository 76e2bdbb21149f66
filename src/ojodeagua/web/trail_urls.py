"""URLs for the audit trail page; its names stay in the ``audit`` namespace (``audit:trail``)."""

from django.urls import path

from . import trail_views

app_name = "audit"
urlpatterns = [path("", trail_views.trail, name="trail")]
