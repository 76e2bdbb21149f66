"""App configuration for the jobs: the task queue's work, its progress and its page."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "ojodeagua.jobs"
    verbose_name = _("Trabajos en segundo plano")

    def ready(self) -> None:
        # The tasks register with the Celery app; the queue joins /health/; the upload page,
        # an app below this one, hands its big files over through lib/background.py.
        from ojodeagua.lib import background, health

        from . import services, tasks  # noqa: F401

        health.register("queue", services.check_queue)
        background.register(services.start_for_page)
