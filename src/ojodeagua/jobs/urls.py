"""Every path of the jobs' pages."""

from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("recalcular/", views.start_recompute, name="recompute"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path(
        "recalcular-municipio/", views.start_municipality_recompute, name="recompute_municipality"
    ),
    path("<int:pk>/estado/", views.job_status, name="status"),
    path("<int:pk>/archivo/", views.job_file, name="file"),
]
