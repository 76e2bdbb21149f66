"""What a cycle's workshop walks through: the catalogue entries written for its provider's kind,
less those its facilitator set aside with a reason; and setting aside and bringing back.

Every page, printable and service that asks, counts or lists checklist items, risks or scorecard
indicators of a cycle takes them from here, so that a kiosk is never asked about its padrón on
one page and counted as missing it on another.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from ojodeagua.audit.models import AuditEvent
from ojodeagua.audit.trail import record, save_audited, snapshot
from ojodeagua.organisations.scope import scope_for

from .models import ChecklistItem, ComplianceAnswer, Cycle, Risk, ScorecardIndicator, SetAside


def for_kind(entries: Iterable, kind: str) -> list:
    """The entries written for providers of ``kind`` (in the order given)."""
    return [entry for entry in entries if entry.applies_to(kind)]


@dataclass
class WorkshopEntries:
    """One cycle's entries: those the workshop asks, and those set aside (with their reasons)."""

    checklist: list[ChecklistItem] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)

    @property
    def set_aside_checklist(self) -> list[SetAside]:
        return [row for row in self.set_aside if row.checklist_item_id]

    @property
    def set_aside_risks(self) -> list[SetAside]:
        return [row for row in self.set_aside if row.risk_id]

    def counted_answers(self, answers: Iterable[ComplianceAnswer]) -> list[ComplianceAnswer]:
        """The answers to items the workshop asks: one given before its item was set aside
        stays stored (it comes back with the item), but is not counted meanwhile."""
        asked = {item.pk for item in self.checklist}
        return [answer for answer in answers if answer.item_id in asked]


def answers_not_set_aside(answers: QuerySet) -> QuerySet:
    """Compliance answers of many cycles less those to items set aside in their cycle: the
    database's side of ``WorkshopEntries.counted_answers``, for figures over many cycles."""
    aside = SetAside.objects.filter(cycle=OuterRef("cycle"), checklist_item=OuterRef("item"))
    return answers.filter(~Exists(aside))


def set_aside_rows(cycle: Cycle) -> list[SetAside]:
    rows = cycle.set_aside.select_related("checklist_item", "risk", "set_aside_by")
    # Checklist items first, then risks, each by code (SQLite and PostgreSQL sort nulls apart).
    return sorted(rows, key=lambda row: (row.risk_id is not None, row.code))


def workshop_entries(cycle: Cycle) -> WorkshopEntries:
    """The checklist and catalogue risks the cycle's workshop goes through, by code."""
    rows = set_aside_rows(cycle)
    items_aside = {row.checklist_item_id for row in rows if row.checklist_item_id}
    risks_aside = {row.risk_id for row in rows if row.risk_id}
    kind = cycle.provider.kind
    return WorkshopEntries(
        checklist=[
            item
            for item in for_kind(cycle.catalogue.checklist.order_by("code"), kind)
            if item.pk not in items_aside
        ],
        risks=[
            risk
            for risk in for_kind(
                cycle.catalogue.risks.select_related("process").order_by("code"), kind
            )
            if risk.pk not in risks_aside
        ],
        set_aside=rows,
    )


def checklist_for(cycle: Cycle) -> list[ChecklistItem]:
    return workshop_entries(cycle).checklist


def risks_for(cycle: Cycle) -> list[Risk]:
    return workshop_entries(cycle).risks


def indicators_for(cycle: Cycle, indicators: Iterable[ScorecardIndicator]) -> list:
    """The self-assessment's indicators (of the cycle's catalogue) for the provider's kind."""
    return for_kind(indicators, cycle.provider.kind)


# Checks for the workshop's writes -------------------------------------------------------------
def check_asked(cycle: Cycle, entry: ChecklistItem | Risk) -> None:
    """A checklist item answered, or a catalogue risk assessed, must be one the cycle asks."""
    if entry.version_id != cycle.catalogue_id:
        return  # the caller says "another version" in its own words
    if not entry.applies_to(cycle.provider.kind):
        raise ValidationError(
            _("Ese punto del catálogo no es para %(kind)s.")
            % {"kind": cycle.provider.get_kind_display()}
        )
    aside = cycle.set_aside.filter(
        **({"checklist_item": entry} if isinstance(entry, ChecklistItem) else {"risk": entry})
    )
    if aside.exists():
        raise ValidationError(
            _(
                "Ese punto se dejó de lado en este ciclo porque no aplica; vuelva a incluirlo "
                "para responderlo."
            )
        )


# Setting aside and bringing back ---------------------------------------------------------------
def check_may_edit(user, cycle: Cycle) -> None:
    if not scope_for(user).can_edit(cycle):
        raise PermissionDenied(_("Puede ver este ciclo, pero no cambiarlo."))


def find_entry(cycle: Cycle, code: str) -> ChecklistItem | Risk | None:
    """A checklist item (C…) or catalogue risk (R…) of the cycle's catalogue, by its code."""
    for model in (ChecklistItem, Risk):
        entry = model.objects.filter(version=cycle.catalogue_id, code=code).first()
        if entry is not None:
            return entry
    return None


@transaction.atomic
def set_aside(
    user, cycle: Cycle, entry: ChecklistItem | Risk, reason: str
) -> tuple[SetAside, bool]:
    """Set aside, for this cycle, an entry that does not apply to the group, (row, created);
    audited. The reason is required: it is kept with the cycle and shown wherever the entry
    would have been. Setting aside again what is already set aside changes nothing.

    A risk the group has rated (or chosen among its key problems) stays: its ratings count.
    """

    check_may_edit(user, cycle)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Diga por qué este punto no aplica a este grupo.")})
    if entry.version_id != cycle.catalogue_id:
        raise ValidationError(_("Ese punto es de otra versión del catálogo."))
    is_item = isinstance(entry, ChecklistItem)
    stored = cycle.set_aside.filter(**{"checklist_item" if is_item else "risk": entry}).first()
    if stored is not None:
        return stored, False
    if not is_item:
        assessed = cycle.assessed_risks.filter(risk=entry).first()
        if assessed is not None:
            if (
                assessed.ratings.exists()
                or assessed.consensus_likelihood is not None
                or assessed.priority is not None
            ):
                raise ValidationError(
                    _(
                        "El grupo ya valoró este riesgo: sus valoraciones cuentan y no se puede "
                        "dejar de lado. Borre primero las valoraciones si de verdad no aplica."
                    )
                )
            # An empty row left by a rating taken back: nothing in it to keep.
            record(user, AuditEvent.Action.DELETE, assessed, snapshot(assessed))
            assessed.delete()
    row = SetAside(
        cycle=cycle,
        checklist_item=entry if is_item else None,
        risk=None if is_item else entry,
        reason=reason,
        set_aside_by=user if user is not None and user.is_authenticated else None,
    )
    row.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            save_audited(user, row, row.save)
    except IntegrityError:
        # The same form sent twice at once: the first one set it aside.
        stored = cycle.set_aside.filter(**{"checklist_item" if is_item else "risk": entry}).first()
        if stored is None:
            raise
        return stored, False
    return row, True


@transaction.atomic
def bring_back(user, row: SetAside) -> None:
    """The entry goes back into the workshop (audited); an answer it had counts again."""
    check_may_edit(user, row.cycle)
    record(user, AuditEvent.Action.DELETE, row, snapshot(row))
    row.delete()
