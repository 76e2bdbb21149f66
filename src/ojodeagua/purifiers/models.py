"""The register of household and school UV purification units ("Mesitas Azules") and their life:
follow-up visits, E. coli tests before and after the unit, lamp changes and repairs.

Rows are written only by ``services`` (scope, rules, resends, audit) and figures are read only by
``selectors``. What a row can check alone (its owner, its dates against the unit's) is in the
models' ``clean``, so every way in (page, import, API) gives the same answer.
"""

import calendar
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ojodeagua.facilities.models import School
from ojodeagua.lib.records import record_id_field
from ojodeagua.lib.scoping import Area, SearchableQuerySet
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

# How long a UV lamp is trusted before it is changed. OUR ASSUMPTION, not a manufacturer's
# figure: low-pressure UV lamps lose output with the hours they burn, and the programmes we know
# plan one change a year. A lamp's due date can be set by hand where the maker says otherwise.
LAMP_LIFE_MONTHS = 12

# E. coli after the unit below this (per 100 mL) counts as "not detected", by method, as
# NOM-127-SSA1-2021 accepts it: < 1.1 by MPN, < 1 CFU by membrane filtration
# (/work/shared/domain/water-quality.md, first table) — the same reading the laboratory
# verdicts of ``waterquality`` give a network's water, so a unit and a tap are judged alike.
# "Not detected" is written as 0.
NOT_DETECTED_BELOW = {"mpn": Decimal("1.1"), "cfu": Decimal("1")}


def ecoli_not_detected(value: Decimal | None, method: str) -> bool | None:
    """Whether a count after the unit is "not detected" for its method; None without one."""
    if value is None:
        return None
    return value < NOT_DETECTED_BELOW.get(method, Decimal("1"))


# A date before this is a typo (a year written 0225 or 1025), not a unit's history.
EARLIEST_DAY = datetime.date(2000, 1, 1)
NOTES_MAX_LENGTH = 4000


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later; the 31st of a shorter month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def default_lamp_due(lamp_installed_on: datetime.date) -> datetime.date:
    """When a lamp put in on ``lamp_installed_on`` is due for a change (``LAMP_LIFE_MONTHS``)."""
    return months_after(lamp_installed_on, LAMP_LIFE_MONTHS)


def day_text(day: datetime.date | None) -> str:
    return "" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def notes_field() -> models.TextField:
    return models.TextField(
        gettext_lazy("notas"),
        blank=True,
        max_length=NOTES_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTES_MAX_LENGTH)],
    )


class UnitQuerySet(SearchableQuerySet):
    search_lookups = (
        "place_label__icontains",
        "school__name__icontains",
        "locality__name__icontains",
        "unit_model__icontains",
    )

    def in_area(self, area: Area, *, for_edit: bool = False) -> "UnitQuerySet":
        """A unit belongs to its locality's municipality, and to the committee or organisation
        that accompanies it (``provider``), covered one by one."""
        return self.filter(
            Q(locality__municipality_id__in=area.municipality_ids)
            | Q(provider_id__in=area.provider_ids)
        )


class Unit(models.Model):
    """One UV purification unit in a household or a school."""

    class Owner(models.TextChoices):
        HOUSEHOLD = "household", gettext_lazy("hogar")
        SCHOOL = "school", gettext_lazy("escuela")

    class Status(models.TextChoices):
        ACTIVE = "active", gettext_lazy("instalado")
        RETIRED = "retired", gettext_lazy("retirado")

    record_id = record_id_field()
    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        related_name="purifier_units",
        verbose_name=gettext_lazy("localidad"),
    )
    owner = models.CharField(
        gettext_lazy("dónde está"),
        max_length=10,
        choices=Owner.choices,
        default=Owner.HOUSEHOLD,
    )
    # A number or a key, never a person's name: the unit's pages and downloads show it.
    place_label = models.CharField(
        gettext_lazy("vivienda o lugar"),
        max_length=60,
        blank=True,
        help_text=gettext_lazy(
            "Número o clave de la vivienda (por ejemplo su número en el padrón), o el salón de "
            "la escuela. No escriba el nombre de quien vive ahí."
        ),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="purifier_units",
        null=True,
        blank=True,
        verbose_name=gettext_lazy("escuela"),
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="purifier_units",
        null=True,
        blank=True,
        verbose_name=gettext_lazy("comité u organización que lo acompaña"),
    )
    unit_model = models.CharField(gettext_lazy("modelo"), max_length=100, blank=True)
    installed_on = models.DateField(gettext_lazy("instalado el"))
    lamp_installed_on = models.DateField(gettext_lazy("lámpara puesta el"))
    lamp_due_on = models.DateField(gettext_lazy("cambiar la lámpara a más tardar el"))
    status = models.CharField(
        pgettext_lazy("de un purificador", "estado"),
        max_length=10,
        choices=Status.choices,
        default=Status.ACTIVE,
    )
    retired_on = models.DateField(gettext_lazy("retirado el"), null=True, blank=True)
    retired_reason = models.CharField(gettext_lazy("por qué se retiró"), max_length=200, blank=True)
    notes = notes_field()
    created_at = models.DateTimeField(gettext_lazy("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("actualizado"), auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["locality_id", "place_label", "pk"]
        verbose_name = gettext_lazy("purificador")
        verbose_name_plural = gettext_lazy("purificadores")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(owner="household", school__isnull=True) & ~Q(place_label="")
                    | Q(owner="school", school__isnull=False)
                ),
                name="purifier_owner_is_a_household_or_a_school",
                violation_error_message=gettext_lazy(
                    "Un purificador está en una vivienda (con su número) o en una escuela."
                ),
            ),
            models.CheckConstraint(
                condition=Q(lamp_due_on__gt=models.F("lamp_installed_on")),
                name="purifier_lamp_due_after_installed",
                violation_error_message=gettext_lazy(
                    "La fecha para cambiar la lámpara debe ser después del día en que se puso."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="retired", retired_on__isnull=False)
                | Q(status="active", retired_on__isnull=True),
                name="purifier_retired_has_its_date",
                violation_error_message=gettext_lazy(
                    "Un purificador retirado lleva la fecha en que se retiró."
                ),
            ),
        ]

    def __str__(self) -> str:
        return _("Purificador de %(owner)s, %(locality)s") % {
            "owner": self.owner_text(),
            "locality": self.locality.name,
        }

    def get_absolute_url(self) -> str:
        return reverse("purifiers:unit_detail", args=[self.pk])

    def owner_text(self) -> str:
        """Whose unit it is, in a few words: "la vivienda 12" or "la escuela Benito Juárez"."""
        if self.owner == self.Owner.SCHOOL and self.school_id:
            return _("la escuela %(school)s") % {"school": self.school.name}
        return _("la vivienda %(label)s") % {"label": self.place_label}

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.locality.municipality_id, self.provider_id

    @property
    def is_retired(self) -> bool:
        return self.status == self.Status.RETIRED

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.place_label = (self.place_label or "").strip()
        if self.owner == self.Owner.HOUSEHOLD:
            if not self.place_label:
                errors["place_label"] = _(
                    "Escriba el número o la clave de la vivienda (no el nombre de quien vive ahí)."
                )
            if self.school_id:
                errors["school"] = _(
                    "Un purificador de hogar no lleva escuela. Deje vacía la escuela o elija "
                    "«escuela» en «dónde está»."
                )
        elif self.owner == self.Owner.SCHOOL:
            if not self.school_id:
                errors["school"] = _("Elija la escuela donde está el purificador.")
            elif self.locality_id and self.school.locality_id != self.locality_id:
                errors["school"] = _(
                    "La escuela «%(school)s» está en %(where)s, no en la localidad elegida. "
                    "Elija la localidad de la escuela."
                ) % {"school": self.school.name, "where": self.school.locality.name}
        installed = self.installed_on
        if installed and installed < EARLIEST_DAY:
            errors["installed_on"] = _("La fecha %(date)s es demasiado antigua; revise el año.") % {
                "date": day_text(installed)
            }
        if installed and self.lamp_installed_on and self.lamp_installed_on < installed:
            errors["lamp_installed_on"] = _(
                "La lámpara no se pudo poner antes de instalar el purificador (%(date)s). "
                "Revise la fecha de la lámpara."
            ) % {"date": day_text(installed)}
        if (
            self.lamp_installed_on
            and self.lamp_due_on
            and self.lamp_due_on <= self.lamp_installed_on
        ):
            errors["lamp_due_on"] = _(
                "La fecha para cambiar la lámpara debe ser después del día en que se puso "
                "(%(date)s)."
            ) % {"date": day_text(self.lamp_installed_on)}
        if self.retired_on and installed and self.retired_on < installed:
            errors["retired_on"] = _(
                "El purificador no se pudo retirar antes de instalarse (%(date)s)."
            ) % {"date": day_text(installed)}
        if errors:
            raise ValidationError(errors)


class UnitPartQuerySet(models.QuerySet):
    """Visits, tests, lamps and repairs belong to their unit's area."""

    def in_area(self, area: Area, *, for_edit: bool = False) -> "UnitPartQuerySet":
        return self.filter(
            Q(unit__locality__municipality_id__in=area.municipality_ids)
            | Q(unit__provider_id__in=area.provider_ids)
        )


class UnitRecord(models.Model):
    """What every dated record of a unit shares: its client-made id, the unit and notes."""

    # The name of the record's own date field, checked against the unit's dates.
    DATE_FIELD = ""

    record_id = record_id_field()
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, verbose_name=gettext_lazy("purificador")
    )
    notes = notes_field()
    created_at = models.DateTimeField(gettext_lazy("creado"), auto_now_add=True)

    objects = UnitPartQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def day(self) -> datetime.date | None:
        return getattr(self, self.DATE_FIELD)

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.unit.audit_scope()

    def before_installation_message(self) -> str:
        raise NotImplementedError

    def after_retirement_message(self) -> str:
        return _(
            "El purificador se retiró el %(retired)s; no se anota nada con fecha posterior. "
            "Revise la fecha."
        ) % {"retired": day_text(self.unit.retired_on)}

    def clean(self) -> None:
        day = self.day
        if day is None or not self.unit_id:
            return
        if day < self.unit.installed_on:
            raise ValidationError({self.DATE_FIELD: self.before_installation_message()})
        if self.unit.retired_on and day > self.unit.retired_on:
            raise ValidationError({self.DATE_FIELD: self.after_retirement_message()})


class FollowUpVisit(UnitRecord):
    """A follow-up visit: what was seen at the unit that day."""

    DATE_FIELD = "visited_on"

    visited_on = models.DateField(gettext_lazy("fecha de la visita"))
    in_use = models.BooleanField(gettext_lazy("se está usando"))
    is_clean = models.BooleanField(gettext_lazy("está limpio"))
    lamp_working = models.BooleanField(gettext_lazy("la lámpara enciende"))
    stored_water_covered = models.BooleanField(gettext_lazy("el agua guardada está tapada"))

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = gettext_lazy("visita de seguimiento")
        verbose_name_plural = gettext_lazy("visitas de seguimiento")
        default_related_name = "visits"

    def __str__(self) -> str:
        return _("Visita del %(date)s") % {"date": day_text(self.visited_on)}

    def before_installation_message(self) -> str:
        return _(
            "La visita es del %(date)s, antes de que se instalara el purificador (%(installed)s). "
            "Revise la fecha de la visita."
        ) % {"date": day_text(self.visited_on), "installed": day_text(self.unit.installed_on)}


class EcoliTest(UnitRecord):
    """E. coli in the water before the unit and after it, per 100 mL."""

    DATE_FIELD = "sampled_on"

    class Method(models.TextChoices):
        MPN = "mpn", gettext_lazy("NMP/100 mL (número más probable, p. ej. Colilert)")
        CFU = "cfu", gettext_lazy("UFC/100 mL (filtración por membrana)")

    sampled_on = models.DateField(gettext_lazy("fecha de la muestra"))
    method = models.CharField(
        gettext_lazy("método"), max_length=5, choices=Method.choices, default=Method.MPN
    )
    ecoli_before = models.DecimalField(
        gettext_lazy("E. coli antes del purificador (por 100 mL)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    ecoli_after = models.DecimalField(
        gettext_lazy("E. coli después del purificador (por 100 mL)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        ordering = ["-sampled_on", "-pk"]
        verbose_name = gettext_lazy("prueba de E. coli")
        verbose_name_plural = gettext_lazy("pruebas de E. coli")
        default_related_name = "tests"
        constraints = [
            models.CheckConstraint(
                condition=Q(ecoli_before__isnull=False) | Q(ecoli_after__isnull=False),
                name="purifier_test_has_a_result",
                violation_error_message=gettext_lazy(
                    "Anote al menos un resultado: el del agua antes o después del purificador."
                ),
            )
        ]

    def __str__(self) -> str:
        return _("Prueba del %(date)s") % {"date": day_text(self.sampled_on)}

    @property
    def clean_after(self) -> bool | None:
        """E. coli not detected after the unit (``NOT_DETECTED_BELOW``); None without a result."""
        return ecoli_not_detected(self.ecoli_after, self.method)

    def before_installation_message(self) -> str:
        return _(
            "La muestra es del %(date)s, antes de que se instalara el purificador "
            "(%(installed)s). Revise la fecha de la muestra."
        ) % {"date": day_text(self.sampled_on), "installed": day_text(self.unit.installed_on)}

    def clean(self) -> None:
        if self.ecoli_before is None and self.ecoli_after is None:
            raise ValidationError(
                {
                    "ecoli_after": _(
                        "Anote al menos un resultado: el del agua antes o después del "
                        "purificador. Si no se detectó E. coli, escriba 0."
                    )
                }
            )
        super().clean()


class LampChange(UnitRecord):
    """A new UV lamp; the service moves the unit's lamp dates when it is the latest."""

    DATE_FIELD = "done_on"

    done_on = models.DateField(gettext_lazy("fecha del cambio"))
    lamp_due_on = models.DateField(gettext_lazy("cambiar la nueva lámpara a más tardar el"))
    # The due date of the lamp this one replaced, copied from the unit by the service: the unit
    # keeps only its current lamp, and the figures of a past day need the lamp of that day.
    replaced_due_on = models.DateField(
        gettext_lazy("la lámpara anterior vencía el"), null=True, editable=False
    )

    class Meta:
        ordering = ["-done_on", "-pk"]
        verbose_name = gettext_lazy("cambio de lámpara")
        verbose_name_plural = gettext_lazy("cambios de lámpara")
        default_related_name = "lamp_changes"

    def __str__(self) -> str:
        return _("Cambio de lámpara del %(date)s") % {"date": day_text(self.done_on)}

    def before_installation_message(self) -> str:
        return _(
            "El cambio de lámpara es del %(date)s, antes de que se instalara el purificador "
            "(%(installed)s). Revise la fecha del cambio."
        ) % {"date": day_text(self.done_on), "installed": day_text(self.unit.installed_on)}

    def clean(self) -> None:
        if self.done_on and self.lamp_due_on and self.lamp_due_on <= self.done_on:
            raise ValidationError(
                {
                    "lamp_due_on": _(
                        "La fecha para cambiar la nueva lámpara debe ser después del cambio "
                        "(%(date)s)."
                    )
                    % {"date": day_text(self.done_on)}
                }
            )
        super().clean()


class Repair(UnitRecord):
    """A repair of the unit (anything but a lamp change)."""

    DATE_FIELD = "done_on"

    done_on = models.DateField(gettext_lazy("fecha de la reparación"))
    what = models.CharField(gettext_lazy("qué se reparó"), max_length=300)

    class Meta:
        ordering = ["-done_on", "-pk"]
        verbose_name = gettext_lazy("reparación")
        verbose_name_plural = gettext_lazy("reparaciones")
        default_related_name = "repairs"

    def __str__(self) -> str:
        return _("Reparación del %(date)s") % {"date": day_text(self.done_on)}

    def before_installation_message(self) -> str:
        return _(
            "La reparación es del %(date)s, antes de que se instalara el purificador "
            "(%(installed)s). Revise la fecha de la reparación."
        ) % {"date": day_text(self.done_on), "installed": day_text(self.unit.installed_on)}
