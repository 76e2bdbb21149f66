"""The jobs' one writer and reader: start a job, run it, and who may see or start one.

``start`` records the job and hands it to the queue: to a worker through the broker, or, with
no broker (the demo, the tests), run at once in this process. ``run`` is what the worker does.
"""

import datetime
import logging
import uuid
from typing import Any

import redis
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, transaction
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.celery import app
from ojodeagua.lib import exports
from ojodeagua.lib import refresh as figures
from ojodeagua.lib.exports import ExportRefused
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider

from . import progress
from .models import Job, JobUpload

logger = logging.getLogger(__name__)

# Seconds /health/ waits for the broker before it calls the queue down.
BROKER_TIMEOUT = 2

# Errors that say "not now" rather than "wrong": a locked or restarting database, a Redis (the
# cache, the broker) that does not answer. The task tries the job again, later each time
# (``tasks.run_job``); the work is all-or-nothing and safe to repeat.
TRANSIENT = (OperationalError, redis.ConnectionError, redis.TimeoutError)


# Who ------------------------------------------------------------------------------------------
def visible_jobs(user) -> QuerySet[Job]:
    """The jobs a person may see: her own, and for a coordinator those of her area and the
    service-wide ones (``JobQuerySet.visible_to``)."""
    scope = scope_for(user)
    if not user.is_authenticated:
        return Job.objects.none()
    coordinates = scope.audit if Membership.Role.COORDINATOR in scope.roles else None
    return Job.objects.visible_to(user, everything=scope.everything, coordinates=coordinates)


def may_start_service_wide(user) -> bool:
    """A full recompute is for the agency: a coordinator of whole municipalities."""
    scope = scope_for(user)
    return scope.everything or bool(
        Membership.Role.COORDINATOR in scope.roles and scope.audit.municipality_ids
    )


def area_of(user) -> set[int]:
    """The municipalities a person's own work reaches (where she may add records); none for a
    superuser, whose work is service-wide."""
    scope = scope_for(user)
    if scope.everything:
        return set()
    municipalities = set(scope.create.municipality_ids)
    municipalities |= set(
        Provider.objects.filter(pk__in=scope.create.provider_ids).values_list(
            "municipality_id", flat=True
        )
    )
    return municipalities


# Start ----------------------------------------------------------------------------------------
def start(
    kind: str,
    user=None,
    *,
    municipality_ids: set[int] | None = None,
    upload: tuple[str, bytes] | None = None,
    **params: Any,
) -> Job:
    """Record a job and queue it; ``upload`` is (filename, bytes) for an import."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            user=user if user is not None and user.is_authenticated else None,
            params=params,
            celery_task_id=str(uuid.uuid4()),
        )
        if municipality_ids:
            job.municipalities.set(municipality_ids)
        if upload is not None:
            JobUpload.objects.create(job=job, filename=upload[0], data=upload[1])
    enqueue(job)
    job.refresh_from_db()
    return job


def enqueue(job: Job) -> None:
    from .tasks import run_job

    if app.conf.task_always_eager:
        # In-process: the work runs now, inside the page or command that asked for it.
        run_job.apply(args=[job.pk], task_id=job.celery_task_id)
    else:
        # Only once the job's row is stored can a worker find it.
        transaction.on_commit(
            lambda: run_job.apply_async(args=[job.pk], task_id=job.celery_task_id)
        )


def start_for_page(kind: str, user, **params: Any) -> str:
    """``lib.background``'s starter: the upload page's big files, the big downloads
    (``pages.exports``). Returns the job's address."""
    if kind == Job.Kind.IMPORT:
        job = start(
            Job.Kind.IMPORT,
            user,
            municipality_ids=area_of(user),
            upload=(params.pop("filename"), params.pop("data")),
            **params,
        )
    elif kind == Job.Kind.EXPORT:
        forget_old_files()
        job = start(Job.Kind.EXPORT, user, municipality_ids=area_of(user), **params)
    else:
        raise ValueError(f"no page starts {kind!r} jobs")
    return reverse("jobs:detail", args=[job.pk])


def start_refresh(places: list[dict], municipality_ids: set[int]) -> Job:
    """``lib.refresh``'s queue: the indicators a big change touched, refreshed by one job.

    A refresh already waiting for the same places and days is not queued twice (a form saved
    twice, an import run again)."""
    waiting = Job.objects.filter(
        kind=Job.Kind.REFRESH, state=Job.State.QUEUED, params__places=places
    ).first()
    if waiting is not None:
        return waiting
    return start(Job.Kind.REFRESH, municipality_ids=municipality_ids, places=places)


def recomputable_municipalities(user) -> QuerySet[Municipality]:
    """The municipalities whose figures a person may recompute: those she coordinates; any,
    for a superuser."""
    scope = scope_for(user)
    if scope.everything:
        return Municipality.objects.order_by("name")
    if Membership.Role.COORDINATOR not in scope.roles:
        return Municipality.objects.none()
    return Municipality.objects.filter(pk__in=scope.audit.municipality_ids).order_by("name")


def may_download(user, job: Job) -> bool:
    """A job's file holds what the person who asked for it may see: only she takes it (and a
    superuser, who sees everything anyway)."""
    return bool(job.file) and (job.user_id == user.pk or scope_for(user).everything)


def still_readable(user, job: Job) -> bool:
    """Whether the person who asked may still read everything her file holds.

    The file was written with what she could see then; someone who has since left a committee
    (or whose area shrank) must not take it away. Her table is built again, without reading
    its rows: refused, or fewer rows than the file holds, and the file is hers no longer.
    """
    if job.kind != Job.Kind.EXPORT or scope_for(user).everything:
        return True
    params = job.params
    try:
        table = exports.build(params["export"], user, QueryDict(params["query"]))
    except (Http404, PermissionDenied, ExportRefused, KeyError):
        return False
    written = (job.result or {}).get("rows")
    return table.count is None or written is None or table.count >= written


def forget_old_files(days: int | None = None) -> int:
    """Delete the files of jobs finished more than ``JOB_FILES_KEPT_DAYS`` ago; returns how
    many. Run as each export starts, so the folder holds no more than a week of them."""
    days = settings.JOB_FILES_KEPT_DAYS if days is None else days
    before = timezone.now() - datetime.timedelta(days=days)
    old = list(Job.objects.filter(finished_at__lt=before).exclude(file="").only("file"))
    for job in old:
        job.file.delete(save=False)
    return Job.objects.filter(pk__in=[job.pk for job in old]).update(file="")


# Run ------------------------------------------------------------------------------------------
def run(job_id: int, attempt: int = 1) -> None:
    """Do a job's work and write how it ended. A busy or lost database or Redis (``TRANSIENT``)
    is raised for the task to try again later; anything else ends the job failed."""
    from .work import WORK

    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.finished:
        # Delivered again after it ended (a worker restarted before acknowledging it).
        return
    job.state, job.started_at, job.attempts, job.error = (
        Job.State.RUNNING,
        timezone.now(),
        attempt,
        "",
    )
    job.save(update_fields=["state", "started_at", "attempts", "error"])

    def report(done: int, total: int, label: str) -> None:
        progress.report_progress(job, done, total, label)

    try:
        # A refresh the work asks for (an import's) runs here, not as another job.
        with figures.in_background():
            result = WORK[job.kind](job, report)
    except TRANSIENT:
        Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED)
        raise
    except (TabularFileError, ExportRefused) as error:
        # The file or the filters asked for cannot be read: the message says what to fix.
        finish(job, Job.State.FAILED, error=str(error))
    except (Http404, PermissionDenied):
        # Between the asking and the running, the person lost sight of what she asked for.
        finish(job, Job.State.FAILED, error=_("Ya no puede ver lo que pidió; no se hizo nada."))
    except Exception as error:
        logger.exception("job %s (%s) failed", job.pk, job.kind, extra={"job": job.pk})
        finish(job, Job.State.FAILED, error=unexpected(error))
    else:
        finish(job, Job.State.DONE, result=result)


def unexpected(error: BaseException) -> str:
    return _(
        "Falló por un error del sistema (%(error)s). Avise a quien administra el servicio."
    ) % {"error": type(error).__name__}


def gave_up(error: BaseException, attempts: int) -> str:
    return _(
        "No se pudo terminar: la base de datos o el servidor de la cola no respondió en "
        "%(attempts)s intentos (%(error)s). Vuelva a pedirlo más tarde; si sigue pasando, avise "
        "a quien administra el servicio."
    ) % {"attempts": attempts, "error": type(error).__name__}


def fail(job_id: int, error: BaseException) -> None:
    """The last try failed (the task's ``on_failure``)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is not None and not job.finished:
        message = (
            gave_up(error, job.attempts) if isinstance(error, TRANSIENT) else unexpected(error)
        )
        finish(job, Job.State.FAILED, error=message)


def finish(job: Job, state: str, *, result: dict | None = None, error: str = "") -> None:
    job.state, job.result, job.error, job.finished_at = state, result, error, timezone.now()
    if state == Job.State.DONE:
        job.progress_total = max(job.progress_total, 1)
        job.progress_done = job.progress_total
    job.save(
        update_fields=[
            "state",
            "result",
            "error",
            "finished_at",
            "progress_done",
            "progress_total",
            "progress_label",
        ]
    )
    # The file is read; it is not kept beyond its job.
    JobUpload.objects.filter(job=job).delete()
    progress.forget(job)


# Health ---------------------------------------------------------------------------------------
def check_queue() -> str:
    """``/health/``'s queue check: "eager" when the work runs in-process (nothing to reach);
    otherwise the broker must answer within ``BROKER_TIMEOUT`` seconds."""
    if app.conf.task_always_eager:
        return "eager"
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    return "ok"
