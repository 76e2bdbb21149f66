"""Integrity records for domain tests: a cycle, its assessed risks and its road-map actions.

A test builds the cycle it counts on a committee of its own (``make_committee``), or on a demo
persona's committee when the test is about that persona's scope. Defaults give the smallest valid
record; every field can be given by keyword.
"""

import datetime

from ojodeagua.integrity.models import (
    AssessedRisk,
    CatalogueVersion,
    Complaint,
    Cycle,
    RoadmapItem,
)
from ojodeagua.providers.models import Provider
from ojodeagua.providers.tests.factories import (
    committee_reached_by,
    make_committee,
    make_place,
    make_provider,
)

__all__ = [
    "action_done",
    "assess",
    "committee_reached_by",
    "make_committee",
    "make_complaint",
    "make_cycle",
    "make_place",
    "make_provider",
    "plan_action",
]


def make_cycle(
    provider: Provider,
    *,
    number: int | None = None,
    scale: str = "3x3",
    catalogue: CatalogueVersion | None = None,
    **fields,
) -> Cycle:
    """A cycle of ``provider`` on the current catalogue and its ``scale``; ``number`` None is the
    provider's next (demo committees may have cycles already). Stage and dates by keyword."""
    catalogue = catalogue or CatalogueVersion.current()
    if number is None:
        latest = provider.integrity_cycles.order_by("-number").first()
        number = latest.number + 1 if latest else 1
    return Cycle.objects.create(
        provider=provider,
        number=number,
        catalogue=catalogue,
        scale=catalogue.scales.get(code=scale),
        **fields,
    )


def assess(
    cycle: Cycle,
    code: str,
    likelihood: int | None = None,
    impact: int | None = None,
    priority: int | None = None,
) -> AssessedRisk:
    """Risk ``code`` of the cycle's catalogue (``R01``…), or the group's own risk titled
    ``code``, with the group's consensus (none if not given) and its place in the top three."""
    if code.startswith("R"):
        kind = {"risk": cycle.catalogue.risks.get(code=code)}
    else:
        kind = {"own_title": code}
    return AssessedRisk.objects.create(
        cycle=cycle,
        consensus_likelihood=likelihood,
        consensus_impact=impact,
        priority=priority,
        **kind,
    )


def plan_action(
    assessed: AssessedRisk,
    deadline: datetime.date | None,
    action: str | None = None,
    **fields,
) -> RoadmapItem:
    """A road-map action against ``assessed``, pending unless ``status`` says otherwise."""
    fields.setdefault("responsible", "Tesorería")
    fields.setdefault("done_when", "Se ve en el acta")
    return RoadmapItem.objects.create(
        assessed_risk=assessed,
        action=action or f"Acción para {deadline}",
        deadline=deadline,
        **fields,
    )


def action_done(assessed: AssessedRisk, on: datetime.date) -> RoadmapItem:
    """An action due and done on the same day."""
    return plan_action(assessed, on, status=RoadmapItem.Status.DONE, done_on=on)


def make_complaint(
    provider: Provider,
    received_on: datetime.date,
    respond_by: datetime.date,
    status: str = Complaint.Status.RECEIVED,
    answered_on: datetime.date | None = None,
    closed_on: datetime.date | None = None,
    *,
    what: str = "Fuga en la calle",
    **fields,
) -> Complaint:
    """A complaint in the register as it stands (any status, with its dates), made directly:
    ``register.file_complaint`` only makes new ones."""
    return Complaint.objects.create(
        provider=provider,
        received_on=received_on,
        respond_by=respond_by,
        what=what,
        status=status,
        answered_on=answered_on,
        closed_on=closed_on,
        **fields,
    )
