"""Priorities: the ranking under the agency's weights, computed by hand, and the weights'
one writer."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from ojodeagua.audit.models import AuditEvent
from ojodeagua.desk import facts, priorities, services
from ojodeagua.desk.models import Factor, PriorityWeight
from ojodeagua.organisations.models import Membership
from ojodeagua.places.models import Municipality

from .factories import ON, build

pytestmark = pytest.mark.django_db

# Factors of each candidate, by hand (see factories.py): people ÷ 400 (the most), service
# (4 − tier) ÷ 4, contamination (no E. coli result here: 0), downtime days ÷ 365, and the money
# and governance evidence ÷ 3 (every committee here lacks a workshop in 12 months).
#   S2: 1,     1,    0, 0,      1/3   (no downtime figure; no workshop)
#   S3: 1,     0.25, 0, 0,      2/3   (60 % cost coverage, no workshop)
#   S4: 0.125, 0.5,  0, 40/365, 2/3   (no workshop, "management" stoppages)
#   S6: 0.0625,0.75, 0, 0,      1/3
#   C:  0.75,  1,    0, 0,      0     (300 people, no system)
# Equal weights (mean of five): S2 0.4667, S3 0.3833, C 0.35, S4 0.2803, S6 0.2292.
# Management weighing 5 (÷ 9): S3 0.5093, S4 0.4520, S2 0.4074, S6 0.2755, C 0.1944.


def names(ranked):
    return [p.name for p in ranked]


def test_equal_weights_rank_as_computed_by_hand():
    hand = build()
    found = facts.load(hand.municipality, ON)
    ranked = priorities.rank(
        priorities.candidates(found), priorities.weights_for(hand.municipality.pk)
    )
    assert names(ranked) == ["Sistema S2", "Sistema S3", "Localidad C", "Sistema S4", "Sistema S6"]
    assert [round(p.score, 4) for p in ranked] == [0.4667, 0.3833, 0.35, 0.2803, 0.2292]
    first = ranked[0]
    assert first.people == 400
    assert first.action == priorities.Action.EQUIPMENT  # the pump
    assert first.reason.startswith("400 personas sin agua confiable y segura; no funciona desde")
    assert ranked[2].action == priorities.Action.WORKS
    assert ranked[1].action == priorities.Action.EQUIPMENT  # the chlorinator


def test_a_weight_change_reorders_the_list_as_computed_by_hand():
    hand = build()
    agency = User.objects.get(username="agencia")
    # The hand municipality is the agency's to weigh, as Berriozábal is.
    Membership.objects.get(user=agency).municipalities.add(hand.municipality)
    weights = {factor: "1" for factor in Factor.values}
    weights[Factor.MANAGEMENT] = "5"
    services.set_weights(agency, hand.municipality, weights)

    found = facts.load(hand.municipality, ON)
    candidates = priorities.candidates(found)
    before = priorities.rank(candidates, {f: Decimal(1) for f in Factor.values})
    after = priorities.rank(candidates, priorities.weights_for(hand.municipality.pk))
    assert names(after) == ["Sistema S3", "Sistema S4", "Sistema S2", "Sistema S6", "Localidad C"]
    assert [round(p.score, 4) for p in after] == [0.5093, 0.452, 0.4074, 0.2755, 0.1944]
    moves = {m.priority.name: m.change for m in priorities.compare(before, after)}
    assert moves == {
        "Sistema S3": 1,
        "Sistema S4": 2,
        "Sistema S2": -2,
        "Sistema S6": 1,
        "Localidad C": -2,
    }
    # Only the factor that changed got a row, and the trail says who changed it.
    assert list(
        PriorityWeight.objects.filter(municipality=hand.municipality).values_list(
            "factor", "weight"
        )
    ) == [(Factor.MANAGEMENT, Decimal("5.0"))]
    event = AuditEvent.objects.filter(object_repr__contains="management").latest("pk")
    assert event.actor == agency


def test_weights_are_refused_with_a_reason_and_only_coordinators_set_them():
    berriozabal = Municipality.objects.get(key="07012")
    agency = User.objects.get(username="agencia")
    with pytest.raises(ValidationError) as refused:
        services.set_weights(agency, berriozabal, {f: "0" for f in Factor.values})
    assert "Al menos un factor" in str(refused.value)
    bad = {f: "1" for f in Factor.values} | {Factor.PEOPLE: "once"}
    with pytest.raises(ValidationError) as refused:
        services.set_weights(agency, berriozabal, bad)
    assert refused.value.message_dict[Factor.PEOPLE] == [
        "Escriba un número de 0 a 10 para «personas sin agua confiable y segura»."
    ]
    with pytest.raises(PermissionDenied):
        services.set_weights(
            User.objects.get(username="tesorera"), berriozabal, {f: "1" for f in Factor.values}
        )
    assert not PriorityWeight.objects.exists()
