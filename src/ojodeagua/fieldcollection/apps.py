"""App configuration for field collection: ODK Collect and any OpenRosa client."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldCollectionConfig(AppConfig):
    name = "ojodeagua.fieldcollection"
    verbose_name = _("captura en campo (ODK Collect)")

    def ready(self) -> None:
        # The mapping task registers with the Celery app, as the jobs' tasks do.
        from . import tasks  # noqa: F401
