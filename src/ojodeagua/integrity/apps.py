"""App configuration for the integrity cycle: catalogues, assessments, road maps, complaints."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    name = "ojodeagua.integrity"
    verbose_name = _("integridad")
    default_auto_field = "django.db.models.BigAutoField"
