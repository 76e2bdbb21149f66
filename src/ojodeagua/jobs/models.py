"""A job: one run of long work on the task queue, its progress and what came of it."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.scoping import Area
from ojodeagua.places.models import Municipality


class JobFiles(FileSystemStorage):
    """Where a job's file is kept (``JOB_FILES_DIR``, read on each use): a private folder no
    web server serves; the job's page hands the file to the person who asked for it."""

    @property
    def base_location(self) -> str:
        return str(settings.JOB_FILES_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def job_files() -> FileSystemStorage:
    # A job's folder holds its own file only: a retried export writes the same name again
    # instead of leaving the first try's file behind under another.
    return JobFiles(allow_overwrite=True)


def job_file_name(job: "Job", filename: str) -> str:
    return f"{job.pk}/{filename}"


class JobQuerySet(models.QuerySet):
    def visible_to(self, user, *, everything: bool, coordinates: Area | None) -> "JobQuerySet":
        """Jobs a person may see: her own; for a coordinator, the service-wide ones (no
        municipality: a full recompute, the nightly checks) and those whose municipalities all
        lie in the area she coordinates; everything for a superuser."""
        if everything:
            return self
        condition = models.Q(user=user)
        if coordinates:
            outside = Municipality.objects.exclude(pk__in=coordinates.municipality_ids)
            inside = self.exclude(municipalities__in=outside).values("pk")
            condition |= models.Q(pk__in=inside)
        return self.filter(condition)


class Job(models.Model):
    class Kind(models.TextChoices):
        RECOMPUTE = "recompute", _("Recalcular todos los indicadores")
        LEDGER_VERIFY = "ledger_verify", _("Revisar las cuentas de todos los comités")
        BOOKS_INDICATORS = "books_indicators", _("Actualizar las cifras de las cuentas")
        IMPORT = "import", _("Importar observaciones")
        EXPORT = "export", _("Preparar un archivo para descargar")
        REFRESH = "refresh", _("Actualizar los indicadores de lo que cambió")
        RECOMPUTE_MUNICIPALITY = (
            "recompute_municipality",
            _("Recalcular los indicadores de un municipio"),
        )
        ESCALATE_COMPLAINTS = (
            "escalate_complaints",
            _("Turnar a la agencia las quejas que no se respondieron a tiempo"),
        )

    class State(models.TextChoices):
        QUEUED = "queued", _("En espera")
        RUNNING = "running", _("En curso")
        DONE = "done", _("Terminado")
        FAILED = "failed", _("Falló")

    FINISHED = (State.DONE, State.FAILED)

    kind = models.CharField(_("tipo"), max_length=32, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("iniciado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    # The area the work is about; none for service-wide work (a full recompute, nightly checks).
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("municipios"), blank=True, related_name="+"
    )
    params = models.JSONField(_("parámetros"), default=dict, blank=True)
    state = models.CharField(_("estado"), max_length=16, choices=State.choices, default="queued")
    progress_done = models.PositiveIntegerField(_("hecho"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    progress_label = models.CharField(_("paso"), max_length=200, blank=True)
    result = models.JSONField(_("resultado"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # What an export job prepared, until it is downloaded and for ``JOB_FILES_KEPT_DAYS``.
    file = models.FileField(
        _("archivo"), storage=job_files, upload_to=job_file_name, blank=True, max_length=300
    )
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    celery_task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    started_at = models.DateTimeField(_("empezó"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminó"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("trabajo")
        verbose_name_plural = _("trabajos")
        indexes = [models.Index(fields=["kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED


class JobUpload(models.Model):
    """The file an import job reads, kept in the database (every worker reaches it, whatever
    machine it runs on) until the job has run."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="upload")
    filename = models.CharField(max_length=255)
    data = models.BinaryField()

    def __str__(self) -> str:
        return self.filename
