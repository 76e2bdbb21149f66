"""What every observation shares: client record id, date, source, recorder and validation state."""

import datetime

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# new_record_id stays importable from here: migrations name it by this path.
from ojodeagua.lib.records import new_record_id, record_id_field  # noqa: F401
from ojodeagua.lib.scoping import Area, SearchableQuerySet
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider

# An older date is a typo (a year written 0024 or 1024); the monthly summaries cannot place it.
EARLIEST_OBSERVED_ON = datetime.date(1900, 1, 1)
# About two pages. The forms, the API and the imports all refuse a longer note (and the model's
# validation too): a note of 100,000 characters is a pasted file, not an observation.
NOTES_MAX_LENGTH = 4000


class ObservationQuerySet(SearchableQuerySet):
    def in_area(self, area: Area, *, for_edit: bool = False) -> "ObservationQuerySet":
        return self.filter(
            Q(municipality_id__in=area.municipality_ids) | Q(provider_id__in=area.provider_ids)
        )

    def visible_in(self, scope) -> "ObservationQuerySet":
        """Validated records for everyone in the area; pending ones only for who can edit."""
        if scope.everything:
            return self
        validated = self.in_area(scope.view).filter(state=Observation.State.VALIDATED)
        pending = self.in_area(scope.edit, for_edit=True)
        return validated | pending

    def validated(self) -> "ObservationQuerySet":
        return self.filter(state=Observation.State.VALIDATED)


class Observation(models.Model):
    """A dated fact about a place, from a known source, that only counts once validated."""

    class Source(models.TextChoices):
        VISIT = "visit", _("visita")
        SELF_REPORT = "self_report", _("reporte del operador o comité")
        LABORATORY = "laboratory", _("laboratorio")

    class State(models.TextChoices):
        DRAFT = "draft", _("borrador")
        SUBMITTED = "submitted", _("pendiente de validar")
        VALIDATED = "validated", _("validado")

    class Channel(models.TextChoices):
        """How the record reached Ojo de Agua (empty: recorded before this was kept)."""

        PAGE = "page", _("página")
        IMPORT = "import", _("importación de archivo")
        API = "api", _("API")
        PHONE = "phone", _("teléfono (ODK Collect)")

    # Made by the phone or the spreadsheet that first recorded it, so a resend is recognised.
    record_id = record_id_field()
    observed_on = models.DateField(_("fecha"), db_index=True)
    source = models.CharField(_("origen"), max_length=20, choices=Source.choices)
    state = models.CharField(
        pgettext_lazy("de un registro", "estado"),
        max_length=10,
        choices=State.choices,
        default=State.SUBMITTED,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registrado por"),
    )
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validado por"),
    )
    validated_at = models.DateTimeField(_("validado el"), null=True, blank=True)
    # Copied from the place on save so that scope filters need no join.
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", editable=False
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="+", editable=False, null=True
    )
    notes = models.TextField(
        _("notas"),
        blank=True,
        max_length=NOTES_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTES_MAX_LENGTH)],
    )
    # The database's own default too: the benchmarks' bulk COPY writes records without it.
    channel = models.CharField(
        _("llegó por"),
        max_length=10,
        choices=Channel.choices,
        blank=True,
        editable=False,
        default="",
        db_default="",
    )
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-observed_on", "-pk"]

    def save(self, *args, **kwargs) -> None:
        self.municipality_id, self.provider_id = self.place_scope()
        super().save(*args, **kwargs)

    def place_scope(self) -> tuple[int, int | None]:
        """(municipality id, provider id) of the place observed."""
        raise NotImplementedError

    @property
    def is_validated(self) -> bool:
        return self.state == self.State.VALIDATED

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.place_scope()

    def validate_by(self, user) -> None:
        self.state = self.State.VALIDATED
        self.validated_by = user
        self.validated_at = timezone.now()


def system_scope(system) -> tuple[int, int | None]:
    return system.municipality_id, system.provider_id
