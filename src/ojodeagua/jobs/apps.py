"""App configuration for the jobs: the task queue's work, its progress and its page."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "ojodeagua.jobs"
    verbose_name = _("Trabajos en segundo plano")

    def ready(self) -> None:
        # The tasks register with the Celery app; the queue joins /health/; the pages of the
        # apps below this one hand their big files and downloads over through lib/background.py.
        from ojodeagua.lib import background, health, refresh

        from . import services, tasks  # noqa: F401

        health.register("queue", services.check_queue)
        background.register(services.start_for_page)
        # A change that touched many water systems has its indicators refreshed by a job.
        refresh.register_queue(services.start_refresh)
