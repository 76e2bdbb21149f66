"""Where action would help most: systems and localities ranked by the agency's weights, each
with its reason in one sentence, the people affected and the kind of action.

A candidate's priority is the weighted mean of five factors, each read from 0 to 1:
people (its people without reliable, safe water ÷ the most any candidate has), service
((4 − tier) ÷ 4; a locality with no system, 1), contamination (1 when its latest E. coli test
failed), downtime (days without service in 12 months ÷ 365, at most 1) and management (money
and governance evidence, ÷ 3, at most 1). Weights are ``PriorityWeight`` rows: data the
agency changes, never code.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.monitoring.models import StoppageCause
from ojodeagua.watersystems.models import Component

from .causes import Cause, Diagnosis, diagnoses
from .facts import SAFE_TIER, DeskFacts, LocalityFacts, Service
from .models import DEFAULT_WEIGHT, Factor, PriorityWeight

MANAGEMENT_EVIDENCE_FULL = 3
DAYS_IN_YEAR = 365
# Broken parts that are bought and installed rather than built.
EQUIPMENT = {
    Component.Kind.PUMP,
    Component.Kind.CHLORINATOR,
    Component.Kind.UV,
    Component.Kind.FILTER,
}


class Action:
    WORKS = "works"
    EQUIPMENT = "equipment"
    COACHING = "coaching"
    MONEY = "money"
    VISIT = "visit"


ACTION_LABELS = {
    Action.WORKS: gettext_lazy("obra"),
    Action.EQUIPMENT: gettext_lazy("equipo"),
    Action.COACHING: gettext_lazy("acompañamiento"),
    Action.MONEY: gettext_lazy("dinero"),
    Action.VISIT: gettext_lazy("visita para saber qué falla"),
}


def weights_for(municipality_id: int) -> dict[str, Decimal]:
    """Each factor's weight in the municipality: its row, or the default."""
    stored = dict(
        PriorityWeight.objects.filter(municipality_id=municipality_id).values_list(
            "factor", "weight"
        )
    )
    return {factor: stored.get(factor, DEFAULT_WEIGHT) for factor in Factor.values}


@dataclass
class Priority:
    key: str  # "system-12" or "locality-40": stable across weights, to compare rankings
    name: str
    place: str
    url: str
    people: float
    action: str
    reason: str
    factors: dict[str, float]
    score: float = 0.0
    rank: int = 0

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])


def _system_action(diagnosis: Diagnosis) -> str:
    main = diagnosis.main
    if main == Cause.INFRASTRUCTURE:
        broken = set(diagnosis.system.broken_components)
        stopped_by = diagnosis.system.stopped_by
        if (broken and broken <= EQUIPMENT) or (not broken and stopped_by == StoppageCause.PUMP):
            return Action.EQUIPMENT
        return Action.WORKS
    if main == Cause.SOURCE:
        return Action.WORKS
    if main == Cause.OPERATION:
        chlorinator_down = diagnosis.system.chlorination == "not_working"
        return Action.EQUIPMENT if chlorinator_down else Action.COACHING
    if main == Cause.MONEY:
        return Action.MONEY
    if main == Cause.GOVERNANCE:
        return Action.COACHING
    return Action.VISIT


def _reason(people: float, texts: list[str]) -> str:
    head = _("%(people)s personas sin agua confiable y segura") % {"people": round(people)}
    return "; ".join([head, *texts])


def _system_candidate(diagnosis: Diagnosis, localities: dict[int, LocalityFacts]) -> Priority:
    system = diagnosis.system
    # The main cause's evidence first, then what money and governance add.
    main = diagnosis.of(diagnosis.main)[:2]
    extra = [e for e in diagnosis.of(Cause.MONEY, Cause.GOVERNANCE) if e not in main][:1]
    served = sorted(system.people_by_locality, key=lambda pk: -system.people_by_locality[pk])
    place = ", ".join(localities[pk].name for pk in served[:3])
    tier = system.tier if system.tier is not None else 0
    return Priority(
        key=f"system-{system.pk}",
        name=system.name,
        place=place,
        url=reverse("watersystems:system_detail", args=[system.pk]),
        people=system.people,
        action=_system_action(diagnosis),
        reason=_reason(system.people, [e.text for e in main + extra]),
        factors={
            Factor.PEOPLE: system.people,
            Factor.SERVICE: (SAFE_TIER - tier) / SAFE_TIER,
            Factor.CONTAMINATION: 1.0 if system.ecoli == "fail" else 0.0,
            Factor.DOWNTIME: min(system.downtime_days, DAYS_IN_YEAR) / DAYS_IN_YEAR,
            Factor.MANAGEMENT: min(
                len(diagnosis.of(Cause.MONEY, Cause.GOVERNANCE)) / MANAGEMENT_EVIDENCE_FULL, 1.0
            ),
        },
    )


def _locality_candidate(locality: LocalityFacts, unserved: float) -> Priority:
    return Priority(
        key=f"locality-{locality.pk}",
        name=locality.name,
        place=locality.key,
        url=reverse("places:locality_detail", args=[locality.pk]),
        people=unserved,
        action=Action.WORKS,
        reason=_reason(unserved, [_("ningún sistema registrado los sirve")]),
        factors={
            Factor.PEOPLE: unserved,
            Factor.SERVICE: 1.0,
            Factor.CONTAMINATION: 0.0,
            Factor.DOWNTIME: 0.0,
            Factor.MANAGEMENT: 0.0,
        },
    )


def candidates(facts: DeskFacts) -> list[Priority]:
    """Systems below T4 that were visited, and localities most of whose people no system on
    record serves."""
    found = [
        _system_candidate(d, facts.localities)
        for d in diagnoses(facts)
        if d.main != Cause.NOT_VISITED
    ]
    for locality in facts.localities.values():
        unserved = locality.population - facts.served_people(locality.pk)
        if locality.service == Service.NONE and unserved > 0:
            found.append(_locality_candidate(locality, unserved))
    most = max((c.people for c in found), default=0.0)
    for candidate in found:
        candidate.factors[Factor.PEOPLE] = candidate.people / most if most else 0.0
    return found


def rank(found: list[Priority], weights: dict[str, Decimal]) -> list[Priority]:
    """The candidates scored by ``weights`` and sorted, highest first (new objects)."""
    total = float(sum(weights.values()))
    ranked = []
    for candidate in found:
        score = (
            sum(float(weights[f]) * value for f, value in candidate.factors.items()) / total
            if total
            else 0.0
        )
        ranked.append(
            Priority(**{**candidate.__dict__, "factors": dict(candidate.factors), "score": score})
        )
    ranked.sort(key=lambda p: (-round(p.score, 9), -p.people, p.name, p.key))
    for position, priority in enumerate(ranked, start=1):
        priority.rank = position
    return ranked


@dataclass
class Move:
    priority: Priority
    before: int

    @property
    def change(self) -> int:
        """Places gained (positive) or lost (negative) against the ranking before."""
        return self.before - self.priority.rank

    @property
    def places(self) -> int:
        return abs(self.change)


def compare(before: list[Priority], after: list[Priority]) -> list[Move]:
    """``after`` in its order, each with its place in ``before``."""
    places = {p.key: p.rank for p in before}
    return [Move(p, places.get(p.key, p.rank)) for p in after]
