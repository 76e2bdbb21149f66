"""App configuration for organisations and access."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "ojodeagua.organisations"
    verbose_name = _("Organizaciones y acceso")
