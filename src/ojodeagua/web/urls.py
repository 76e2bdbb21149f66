"""URLs for sign-in, sign-out, the home page and a person's own devices and password."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import device_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "entrar/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("salir/", auth_views.LogoutView.as_view(), name="logout"),
    path("mis-dispositivos/", device_views.my_devices, name="my_devices"),
    path("mis-dispositivos/<int:pk>/retirar/", device_views.revoke_device, name="device_revoke"),
    path("mi-contrasena/", device_views.PasswordChangeView.as_view(), name="password_change"),
]
