"""Every public path of the users' voice: no login anywhere below /agua/."""

from django.urls import include, path, re_path

from . import views

app_name = "voice"

urlpatterns = [
    path("", views.find_locality, name="find"),
    path("derechos/", include("ojodeagua.voice.rights")),
    path("seguimiento/", views.follow, name="follow"),
    re_path(r"^(?P<key>\d{9})/$", views.locality_page, name="locality"),
    re_path(r"^(?P<key>\d{9})/queja/$", views.complain, name="complain"),
    re_path(r"^(?P<key>\d{9})/cartel/$", views.locality_poster, name="locality_poster"),
    re_path(r"^(?P<key>\d{9})/cartel\.pdf$", views.locality_poster_pdf, name="locality_poster_pdf"),
]
