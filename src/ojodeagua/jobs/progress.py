"""A job's progress as it runs: reported by the work, read by the job's page.

The work often runs inside one transaction (a full recompute, an import: all or nothing), and
what it writes there is seen by no one else until it commits. So the live progress goes to the
cache, which the web processes and the workers share (``REDIS_URL``; in-process runs share the
process's memory), and onto the job's row only when no transaction holds it. The final state is
written on the row when the job ends (``services``). Writes are throttled: a loop may report
every row, and at most one write per ``THROTTLE_SECONDS`` reaches the cache.
"""

import logging
import time

import redis
from django.core.cache import cache
from django.db import connection

from .models import Job

logger = logging.getLogger(__name__)

THROTTLE_SECONDS = 0.5
# A live progress outlives any job; it is removed when the job ends.
KEPT_SECONDS = 24 * 60 * 60

# The clock the throttle reads; the tests replace it.
clock = time.monotonic


def cache_key(job_id: int) -> str:
    return f"ojodeagua:job:{job_id}:progress"


def report_progress(job: Job, done: int, total: int, label: str = "", *, force: bool = False):
    """Tell the job's page how far the work is; returns whether it was written.

    Skipped when the last write was less than ``THROTTLE_SECONDS`` ago, unless the work is
    complete (``done >= total``) or ``force``: the last step is never lost.
    """
    now = clock()
    last = getattr(job, "_progress_written_at", None)
    complete = total > 0 and done >= total
    if not force and not complete and last is not None and now - last < THROTTLE_SECONDS:
        return False
    job._progress_written_at = now
    job.progress_done, job.progress_total = max(done, 0), max(total, 0)
    job.progress_label = str(label)[:200]
    progress = {
        "done": job.progress_done,
        "total": job.progress_total,
        "label": job.progress_label,
    }
    try:
        cache.set(cache_key(job.pk), progress, KEPT_SECONDS)
    except (redis.ConnectionError, redis.TimeoutError):
        # The bar stands still for a while; the work itself need not stop for it.
        logger.warning("job %s: the cache did not take its progress", job.pk)
    if not connection.in_atomic_block:
        Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
            progress_done=job.progress_done,
            progress_total=job.progress_total,
            progress_label=job.progress_label,
        )
    return True


def with_live_progress(job: Job) -> Job:
    """The job with the progress its work last reported, while it runs."""
    if job.state == Job.State.RUNNING:
        live = cache.get(cache_key(job.pk))
        if live:
            job.progress_done, job.progress_total = live["done"], live["total"]
            job.progress_label = live["label"]
    return job


def with_live_progress_all(jobs) -> list[Job]:
    """The same for a page of jobs, with one read of the cache."""
    jobs = list(jobs)
    running = {job.pk: job for job in jobs if job.state == Job.State.RUNNING}
    found = cache.get_many([cache_key(pk) for pk in running])
    for pk, job in running.items():
        if live := found.get(cache_key(pk)):
            job.progress_done, job.progress_total = live["done"], live["total"]
            job.progress_label = live["label"]
    return jobs


def forget(job: Job) -> None:
    cache.delete(cache_key(job.pk))


def percent(job: Job) -> int:
    if job.state == Job.State.DONE:
        return 100
    if not job.progress_total:
        return 0
    return min(100, round(100 * job.progress_done / job.progress_total))
