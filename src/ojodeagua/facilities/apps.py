"""App configuration for schools and health centres."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "ojodeagua.facilities"
    verbose_name = _("Escuelas y centros de salud")
