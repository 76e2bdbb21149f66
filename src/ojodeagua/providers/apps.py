"""App configuration for providers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "ojodeagua.providers"
    verbose_name = _("Prestadores del servicio")
