"""App configuration for field observations: visits, supply logs and surveys."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "ojodeagua.monitoring"
    verbose_name = _("observaciones del servicio")
    default_auto_field = "django.db.models.BigAutoField"
