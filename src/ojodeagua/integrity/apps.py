"""App configuration for the integrity cycle: catalogues, assessments, road maps, complaints."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    name = "ojodeagua.integrity"
    verbose_name = _("integridad")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The agency page and the task queue build the downloads from the same tables.
        from ojodeagua.lib import exports as downloads

        from .agency_views import TABLES

        for name, build in TABLES.items():
            downloads.register(name, build)
