"""URLs for service summaries and the "why this number" pages."""

from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("resumen/", views.summary_home, name="summary_home"),
    path("resumen/municipio/<int:pk>/", views.municipality_summary, name="municipality_summary"),
    path("resumen/estado/<int:pk>/", views.state_summary, name="state_summary"),
    path("indicadores/<int:pk>/", views.value_detail, name="value_detail"),
]
