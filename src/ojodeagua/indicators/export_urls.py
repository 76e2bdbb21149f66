"""URLs of the indicator downloads (mounted at /indicadores/exportar/)."""

from django.urls import path

from . import export_views

app_name = "indicator_exports"

urlpatterns = [
    path("valores.csv", export_views.export_csv, name="csv"),
    path("valores.xlsx", export_views.export_xlsx, name="xlsx"),
]
