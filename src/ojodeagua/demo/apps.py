"""App configuration for the demo data."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "ojodeagua.demo"
    verbose_name = _("Demostración")
