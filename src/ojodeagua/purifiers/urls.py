"""Every path of the purifier register, under /purificadores/."""

from django.urls import path

from . import views

app_name = "purifiers"
urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("nuevo/", views.unit_create, name="unit_create"),
    path("importar/", views.import_view, name="import"),
    path("<int:pk>/", views.unit_detail, name="unit_detail"),
    path("<int:pk>/visita/", views.visit_create, name="visit_create"),
    path("<int:pk>/prueba/", views.test_create, name="test_create"),
    path("<int:pk>/lampara/", views.lamp_create, name="lamp_create"),
    path("<int:pk>/reparacion/", views.repair_create, name="repair_create"),
    path("<int:pk>/retirar/", views.unit_retire, name="unit_retire"),
]
