"""Every path of the jobs' pages."""

from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("recalcular/", views.start_recompute, name="recompute"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/estado/", views.job_status, name="status"),
]
