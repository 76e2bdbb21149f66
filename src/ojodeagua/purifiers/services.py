"""The only writers of the purifier register: one function per use case.

Pages, the importer and the API write units, visits, tests, lamp changes and repairs only
through ``register_unit``, ``record_visit``, ``record_test``, ``record_lamp_change``,
``record_repair`` and ``retire_unit``. Each one, in this order:

1. builds the record from what was sent;
2. recognises a resend: the same ``record_id`` with the same content answers the stored record
   with ``created`` False; with other content it raises ``RecordConflict`` naming the fields
   (``lib/records.py``, as ``integrity.register.file_complaint`` does);
3. checks the actor's scope: ``PermissionDenied`` with a Spanish sentence;
4. checks the rules (``ValidationError`` field by field, in Spanish, saying what to fix): the
   model's own ``clean`` (a visit before installation…) and the dates not after today;
5. refuses, only then, a record id taken by a record the actor may not see
   (``RecordIdUnavailable``), so that a wrong request gets the same answer either way;
6. saves, audited (``audit.trail.save_audited``), in one transaction.

``actor`` None is the system (a management command, a data migration): no scope is checked.
The ``check_*`` functions run steps 1–5 and write nothing: the importer uses them to reject rows
before any is written, with the same words as the pages and the API.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.audit.trail import save_audited
from ojodeagua.facilities.models import School
from ojodeagua.lib.records import RecordConflict, RecordIdUnavailable, differing_fields
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

from .models import (
    EcoliTest,
    FollowUpVisit,
    LampChange,
    Repair,
    Unit,
    UnitRecord,
    day_text,
    default_lamp_due,
)

# What a resent record must repeat to be the same record. A unit's lamp dates move with each
# lamp change, and its status with retirement: they are compared only while they have not moved.
UNIT_FIELDS = (
    "locality",
    "owner",
    "place_label",
    "school",
    "provider",
    "unit_model",
    "installed_on",
    "notes",
)
UNIT_LAMP_FIELDS = ("lamp_installed_on", "lamp_due_on")
VISIT_FIELDS = (
    "unit",
    "visited_on",
    "in_use",
    "is_clean",
    "lamp_working",
    "stored_water_covered",
    "notes",
)
TEST_FIELDS = ("unit", "sampled_on", "method", "ecoli_before", "ecoli_after", "notes")
LAMP_FIELDS = ("unit", "done_on", "lamp_due_on", "notes")
REPAIR_FIELDS = ("unit", "done_on", "what", "notes")


@dataclass
class Checked:
    """A record checked and ready to save, or the stored one it resends (``stored``)."""

    record: models.Model
    stored: models.Model | None = None
    # What a resend must repeat: compared again if the same record arrives twice at once.
    compared: tuple[str, ...] = ()

    @property
    def is_resend(self) -> bool:
        return self.stored is not None


# Shared steps ------------------------------------------------------------------------------------
def _stored(actor, model, record_id: str | None, candidate, compared) -> tuple[object, bool]:
    """(the stored record this resends, or None; whether the id is taken out of sight)."""
    if not record_id:
        return None, False
    candidate.record_id = record_id
    stored = model._default_manager.filter(record_id=record_id).first()
    if stored is None:
        return None, False
    if (
        actor is not None
        and not scope_for(actor).visible(model._default_manager.filter(pk=stored.pk)).exists()
    ):
        return None, True
    if changed := differing_fields(stored, candidate, compared):
        raise RecordConflict(record_id, changed)
    return stored, False


def _not_after_today(record, names: tuple[str, ...]) -> None:
    today = timezone.localdate()
    errors = {
        name: _("La fecha es posterior a hoy; anote el día en que se hizo.")
        for name in names
        if (day := getattr(record, name)) is not None and day > today
    }
    if errors:
        raise ValidationError(errors)


def _validated(record, taken_elsewhere: bool, record_id: str | None, dates: tuple[str, ...]):
    """The model's rules, the dates, and last the record id taken out of sight."""
    record.full_clean(exclude=["record_id"] if taken_elsewhere else None)
    _not_after_today(record, dates)
    if taken_elsewhere:
        raise RecordIdUnavailable(record_id or "")


def _check_may_edit_unit(actor, unit: Unit, message: str) -> None:
    if actor is None:
        return
    scope = scope_for(actor)
    if not scope.visible(Unit.objects.filter(pk=unit.pk)).exists():
        raise PermissionDenied(_("Este purificador no está en su área."))
    if not scope.can_edit(unit):
        raise PermissionDenied(message)


def _save(actor, checked: Checked) -> tuple[models.Model, bool]:
    if checked.stored is not None:
        return checked.stored, False
    record = checked.record
    try:
        with transaction.atomic():
            save_audited(actor, record, record.save)
    except IntegrityError:
        # The same record id saved meanwhile (a phone's outbox sending twice at once): it is
        # answered as a resend, or as a conflict, like any other.
        model = type(record)
        stored = model._default_manager.filter(record_id=record.record_id).first()
        if stored is None:
            raise
        if (
            actor is not None
            and not scope_for(actor).visible(model._default_manager.filter(pk=stored.pk)).exists()
        ):
            raise RecordIdUnavailable(record.record_id) from None
        if changed := differing_fields(stored, record, checked.compared):
            raise RecordConflict(record.record_id, changed) from None
        return stored, False
    return record, True


# Units ---------------------------------------------------------------------------------------
def check_unit(
    actor,
    *,
    locality: Locality,
    installed_on: datetime.date,
    owner: str = Unit.Owner.HOUSEHOLD,
    place_label: str = "",
    school: School | None = None,
    provider: Provider | None = None,
    unit_model: str = "",
    lamp_installed_on: datetime.date | None = None,
    lamp_due_on: datetime.date | None = None,
    notes: str = "",
    record_id: str | None = None,
) -> Checked:
    """``register_unit`` without writing: the unit to save, or the stored one it resends."""
    lamp_installed_on = lamp_installed_on or installed_on
    unit = Unit(
        locality=locality,
        owner=owner,
        place_label=(place_label or "").strip(),
        school=school,
        provider=provider,
        unit_model=(unit_model or "").strip(),
        installed_on=installed_on,
        lamp_installed_on=lamp_installed_on,
        lamp_due_on=lamp_due_on or (lamp_installed_on and default_lamp_due(lamp_installed_on)),
        notes=(notes or "").strip(),
    )
    compared = UNIT_FIELDS
    stored_unit = Unit.objects.filter(record_id=record_id).first() if record_id else None
    if stored_unit is not None and not stored_unit.lamp_changes.exists():
        compared = UNIT_FIELDS + UNIT_LAMP_FIELDS
    stored, taken_elsewhere = _stored(actor, Unit, record_id, unit, compared)
    if stored is not None:
        return Checked(unit, stored)
    if actor is not None:
        _check_may_register(actor, unit)
    _validated(unit, taken_elsewhere, record_id, ("installed_on", "lamp_installed_on"))
    return Checked(unit, compared=compared)


def _check_may_register(actor, unit: Unit) -> None:
    """The locality's municipality or the accompanying committee must be in the actor's edit
    area; the locality one the actor sees, and the committee one the actor may edit."""
    scope = scope_for(actor)
    if scope.everything:
        return
    if not scope.visible(Locality.objects.filter(pk=unit.locality_id)).exists():
        raise PermissionDenied(_("Esa localidad no está en su área; elija una de su área."))
    if (
        unit.provider_id is not None
        and not scope.editable(Provider.objects.filter(pk=unit.provider_id)).exists()
    ):
        raise PermissionDenied(
            _("Ese comité u organización no está entre los que usted atiende; elija uno suyo.")
        )
    if not scope.edit.covers(unit.locality.municipality_id, unit.provider_id):
        raise PermissionDenied(
            _(
                "Puede ver esta localidad, pero no anotar purificadores en ella. Elija el comité "
                "u organización que usted atiende y que acompaña el purificador."
            )
        )


@transaction.atomic
def register_unit(actor, **fields) -> tuple[Unit, bool]:
    """Put a unit in the register; ``(unit, created)``.

    Fields: ``locality``, ``installed_on`` (required); ``owner`` (household or school),
    ``place_label`` (a household's number, never a name), ``school``, ``provider``,
    ``unit_model``, ``lamp_installed_on`` (default: the day installed), ``lamp_due_on``
    (default: ``LAMP_LIFE_MONTHS`` after the lamp was put in), ``notes``, ``record_id``.
    """
    return _save(actor, check_unit(actor, **fields))  # type: ignore[return-value]


@transaction.atomic
def retire_unit(actor, unit: Unit, *, retired_on: datetime.date, reason: str) -> tuple[Unit, bool]:
    """Take a unit out of use (it stays in the register and its history); ``(unit, changed)``.

    The same retirement sent again (the same day and reason) changes nothing; a unit retired
    already with another day or reason is a ``RecordConflict``.
    """
    reason = (reason or "").strip()
    _check_may_edit_unit(actor, unit, _("Puede ver este purificador, pero no retirarlo."))
    # Locked: a retirement and a record of the same unit do not cross each other.
    unit.refresh_from_db(from_queryset=Unit.objects.select_for_update())
    if unit.is_retired:
        if unit.retired_on == retired_on and unit.retired_reason == reason:
            return unit, False
        changed = [
            name
            for name, value in (("retired_on", retired_on), ("retired_reason", reason))
            if getattr(unit, name) != value
        ]
        raise RecordConflict(
            unit.record_id,
            changed,
            _("Este purificador ya se había retirado el %(date)s, con otros datos.")
            % {"date": unit.retired_on.strftime("%d/%m/%Y")},
        )
    if not reason:
        raise ValidationError({"retired_reason": _("Escriba por qué se retira el purificador.")})
    latest = _latest_record_day(unit)
    if latest is not None and retired_on < latest:
        raise ValidationError(
            {
                "retired_on": _(
                    "El purificador tiene registros hasta el %(date)s; no se pudo retirar antes."
                )
                % {"date": latest.strftime("%d/%m/%Y")}
            }
        )
    unit.status, unit.retired_on, unit.retired_reason = Unit.Status.RETIRED, retired_on, reason
    try:
        unit.full_clean()
        _not_after_today(unit, ("retired_on",))
    except ValidationError:
        unit.refresh_from_db()  # the caller's unit stays as stored
        raise
    save_audited(actor, unit, unit.save)
    return unit, True


def _latest_record_day(unit: Unit) -> datetime.date | None:
    days = [
        unit.visits.aggregate(day=models.Max("visited_on"))["day"],
        unit.tests.aggregate(day=models.Max("sampled_on"))["day"],
        unit.lamp_changes.aggregate(day=models.Max("done_on"))["day"],
        unit.repairs.aggregate(day=models.Max("done_on"))["day"],
    ]
    found = [day for day in days if day is not None]
    return max(found) if found else None


# A unit's dated records ----------------------------------------------------------------------
NOT_YOURS = {
    FollowUpVisit: lambda: _("Puede ver este purificador, pero no anotar sus visitas."),
    EcoliTest: lambda: _("Puede ver este purificador, pero no anotar sus pruebas."),
    LampChange: lambda: _("Puede ver este purificador, pero no anotar cambios de lámpara."),
    Repair: lambda: _("Puede ver este purificador, pero no anotar sus reparaciones."),
}


def _check_part(actor, record: UnitRecord, compared, record_id: str | None) -> Checked:
    stored, taken_elsewhere = _stored(actor, type(record), record_id, record, compared)
    if stored is not None:
        return Checked(record, stored)
    _check_may_edit_unit(actor, record.unit, NOT_YOURS[type(record)]())
    _validated(record, taken_elsewhere, record_id, (record.DATE_FIELD,))
    return Checked(record, compared=compared)


def check_visit(
    actor,
    unit: Unit,
    *,
    visited_on: datetime.date,
    in_use: bool,
    is_clean: bool,
    lamp_working: bool,
    stored_water_covered: bool,
    notes: str = "",
    record_id: str | None = None,
) -> Checked:
    """``record_visit`` without writing."""
    visit = FollowUpVisit(
        unit=unit,
        visited_on=visited_on,
        in_use=in_use,
        is_clean=is_clean,
        lamp_working=lamp_working,
        stored_water_covered=stored_water_covered,
        notes=(notes or "").strip(),
    )
    return _check_part(actor, visit, VISIT_FIELDS, record_id)


@transaction.atomic
def record_visit(actor, unit: Unit, **fields) -> tuple[FollowUpVisit, bool]:
    """A follow-up visit: in use, clean, lamp working, stored water covered; ``(visit, created)``.

    A visit dated before the unit was installed (or after it was retired) is refused on
    ``visited_on``.
    """
    return _save(actor, check_visit(actor, unit, **fields))  # type: ignore[return-value]


def check_test(
    actor,
    unit: Unit,
    *,
    sampled_on: datetime.date,
    ecoli_before: Decimal | None = None,
    ecoli_after: Decimal | None = None,
    method: str = EcoliTest.Method.MPN,
    notes: str = "",
    record_id: str | None = None,
) -> Checked:
    """``record_test`` without writing."""
    test = EcoliTest(
        unit=unit,
        sampled_on=sampled_on,
        method=method,
        ecoli_before=ecoli_before,
        ecoli_after=ecoli_after,
        notes=(notes or "").strip(),
    )
    return _check_part(actor, test, TEST_FIELDS, record_id)


@transaction.atomic
def record_test(actor, unit: Unit, **fields) -> tuple[EcoliTest, bool]:
    """E. coli per 100 mL before and after the unit (at least one of them); ``(test, created)``."""
    return _save(actor, check_test(actor, unit, **fields))  # type: ignore[return-value]


def check_lamp_change(
    actor,
    unit: Unit,
    *,
    done_on: datetime.date,
    lamp_due_on: datetime.date | None = None,
    notes: str = "",
    record_id: str | None = None,
) -> Checked:
    """``record_lamp_change`` without writing."""
    change = LampChange(
        unit=unit,
        done_on=done_on,
        lamp_due_on=lamp_due_on or (default_lamp_due(done_on) if done_on else None),
        notes=(notes or "").strip(),
    )
    checked = _check_part(actor, change, LAMP_FIELDS, record_id)
    if not checked.is_resend and done_on and done_on < unit.lamp_installed_on:
        # Lamps follow one another: the unit keeps its current lamp and each change the one
        # it replaced, so a change older than the lamp in place would rewrite that history.
        raise ValidationError(
            {
                "done_on": _(
                    "La lámpara que tiene ahora el purificador se puso el %(date)s; un cambio "
                    "de lámpara no puede ser anterior. Revise la fecha del cambio."
                )
                % {"date": day_text(unit.lamp_installed_on)}
            }
        )
    return checked


@transaction.atomic
def record_lamp_change(actor, unit: Unit, **fields) -> tuple[LampChange, bool]:
    """A new lamp; ``(change, created)``. The unit's lamp dates move to the new lamp, and the
    change keeps the due date of the lamp it replaced. A change dated before the lamp in place
    was put in is refused on ``done_on``."""
    # Locked first: two lamp changes of one unit sent at once are checked one after the other.
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    checked = check_lamp_change(actor, locked, **fields)
    if checked.stored is not None:
        return checked.stored, False  # type: ignore[return-value]
    change: LampChange = checked.record  # type: ignore[assignment]
    change.replaced_due_on = locked.lamp_due_on
    save_audited(actor, change, change.save)
    locked.lamp_installed_on, locked.lamp_due_on = change.done_on, change.lamp_due_on
    save_audited(actor, locked, lambda: locked.save(update_fields=UNIT_LAMP_SAVE))
    unit.lamp_installed_on, unit.lamp_due_on = locked.lamp_installed_on, locked.lamp_due_on
    return change, True


UNIT_LAMP_SAVE = ["lamp_installed_on", "lamp_due_on", "updated_at"]


def check_repair(
    actor,
    unit: Unit,
    *,
    done_on: datetime.date,
    what: str,
    notes: str = "",
    record_id: str | None = None,
) -> Checked:
    """``record_repair`` without writing."""
    repair = Repair(
        unit=unit, done_on=done_on, what=(what or "").strip(), notes=(notes or "").strip()
    )
    return _check_part(actor, repair, REPAIR_FIELDS, record_id)


@transaction.atomic
def record_repair(actor, unit: Unit, **fields) -> tuple[Repair, bool]:
    """A repair of the unit: the day and what was repaired; ``(repair, created)``."""
    return _save(actor, check_repair(actor, unit, **fields))  # type: ignore[return-value]
