"""App configuration for organisations and access."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "ojodeagua.organisations"
    verbose_name = _("Organizaciones y acceso")

    def ready(self) -> None:
        # A new password or an ended account withdraws the person's device keys.
        from . import signals  # noqa: F401
