"""App configuration for water samples, results, norms and verdicts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaterQualityConfig(AppConfig):
    name = "ojodeagua.waterquality"
    verbose_name = _("calidad del agua")
    default_auto_field = "django.db.models.BigAutoField"
