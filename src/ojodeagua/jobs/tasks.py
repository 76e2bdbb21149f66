"""The Celery tasks: run a recorded job, and start the nightly ones (``CELERY_BEAT_SCHEDULE``)."""

from celery import Task

from ojodeagua.celery import app

from . import services


class JobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Called once the retries are spent: the job ends failed instead of waiting forever.
        services.fail(args[0], exc)


@app.task(
    bind=True,
    base=JobTask,
    name="ojodeagua.jobs.tasks.run_job",
    # A locked or lost database, or a Redis that does not answer (``services.TRANSIENT``), is
    # worth trying again, later each time (1, 2, 4 … s, with jitter, at most 10 minutes
    # apart); the work is all-or-nothing and safe to repeat.
    autoretry_for=services.TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=3,
)
def run_job(self, job_id: int) -> None:
    services.run(job_id, attempt=self.request.retries + 1)


@app.task(name="ojodeagua.jobs.tasks.run_scheduled")
def run_scheduled(kind: str) -> int:
    """Beat's entry: record a job nobody started (``user`` empty) and queue it."""
    return services.start(kind).pk
