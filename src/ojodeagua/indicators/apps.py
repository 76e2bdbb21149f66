"""App configuration for computed service indicators."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "ojodeagua.indicators"
    verbose_name = _("indicadores")
    default_auto_field = "django.db.models.BigAutoField"
