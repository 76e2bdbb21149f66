"""URLs for the norm pages (read by everyone, edited by coordinators)."""

from django.urls import path

from . import norm_views as views

app_name = "norms"
urlpatterns = [
    path("", views.norm_list, name="norm_list"),
    path("version/<int:pk>/", views.version_detail, name="version_detail"),
    path("version/<int:pk>/editar/", views.version_edit, name="version_edit"),
    path("version/<int:pk>/copiar/", views.version_copy, name="version_copy"),
    path("version/<int:version_pk>/limite/nuevo/", views.limit_edit, name="limit_create"),
    path("limite/<int:pk>/editar/", views.limit_edit, name="limit_edit"),
    path("parametros/", views.parameter_list, name="parameter_list"),
    path("parametros/<int:pk>/editar/", views.parameter_edit, name="parameter_edit"),
]
