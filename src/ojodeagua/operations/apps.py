"""App configuration for running the service (backups, restores)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "ojodeagua.operations"
    verbose_name = _("Operación del servicio")
