"""App configuration for the audit trail."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "ojodeagua.audit"
    verbose_name = _("Bitácora de cambios")
