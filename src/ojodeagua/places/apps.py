"""App configuration for places."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "ojodeagua.places"
    verbose_name = _("Lugares")
