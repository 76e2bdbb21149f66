"""App configuration for water samples, results, norms and verdicts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaterQualityConfig(AppConfig):
    name = "ojodeagua.waterquality"
    verbose_name = _("calidad del agua")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The observation import page and command live in monitoring, below this app, and
        # cannot import it: samples join their list from here.
        from ojodeagua.monitoring.import_spec import register_import_spec

        from .import_spec import SAMPLES

        register_import_spec(SAMPLES)
