"""App configuration for water systems."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaterSystemsConfig(AppConfig):
    name = "ojodeagua.watersystems"
    verbose_name = _("Sistemas de agua")
