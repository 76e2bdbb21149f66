"""Every path of the agency's desk."""

from django.urls import path

from . import views

app_name = "desk"

urlpatterns = [
    path("", views.desk_home, name="home"),
    path("kioscos-y-escuelas/", views.business_network, name="business"),
    path("<int:pk>/", views.desk, name="desk"),
    path("<int:pk>/mapa/", views.map_page, name="map"),
    path("<int:pk>/mapa/puntos.geojson", views.map_data, name="map_data"),
    path("<int:pk>/pesos/", views.weights, name="weights"),
    path("<int:pk>/wpdx.csv", views.wpdx_download, {"fmt": "csv"}, name="wpdx_csv"),
    path("<int:pk>/wpdx.xlsx", views.wpdx_download, {"fmt": "xlsx"}, name="wpdx_xlsx"),
    path("<int:pk>/puntos.geojson", views.geojson_download, name="geojson"),
    path("<int:pk>/que-pasaria-si/", views.what_if, name="what_if"),
    path("<int:pk>/asistencia/", views.assistance_page, name="assistance"),
    path("<int:pk>/quejas-turnadas/", views.turned_over_page, name="complaints"),
    path("<int:pk>/informe/", views.council_report, name="report"),
    path("<int:pk>/informe.pdf", views.council_report_pdf, name="report_pdf"),
]
