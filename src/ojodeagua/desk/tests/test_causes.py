"""Why systems fail: each person counted once, under the main cause, checked by hand."""

import pytest

from ojodeagua.desk import causes, facts
from ojodeagua.desk.causes import Cause
from ojodeagua.desk.facts import Service

from .factories import ON, build

pytestmark = pytest.mark.django_db


def test_people_add_up_across_causes_as_computed_by_hand():
    hand = build()
    found = facts.load(hand.municipality, ON)
    summary = causes.summary(found)

    assert summary.population == 2000
    assert round(summary.safe) == 600  # S1
    by_cause = {row.cause: round(row.people) for row in summary.rows}
    assert by_cause == {
        Cause.INFRASTRUCTURE: 400,  # S2: the pump
        Cause.SOURCE: 25,  # S6: below its design flow
        Cause.OPERATION: 400,  # S3: E. coli, chlorinator broken (its money problem comes after)
        Cause.MONEY: 0,
        Cause.GOVERNANCE: 50,  # S4: stoppages for "problemas de organización"
        Cause.UNEXPLAINED: 0,
        Cause.NO_SYSTEM: 325,  # C's 300 and the 25 of B no system reaches
        Cause.NOT_VISITED: 200,  # S5, capped at D's 200 people
    }
    assert summary.safe + sum(row.people for row in summary.rows) == pytest.approx(2000)
    assert round(summary.lacking) == 1400
    # Operation and governance: 450 of the 1,400 are not a works problem.
    assert round(summary.not_fixed_by_works) == 450
    assert summary.percent_not_fixed_by_works == 32


def test_each_system_keeps_all_its_evidence_and_one_main_cause():
    hand = build()
    found = facts.load(hand.municipality, ON)
    by_name = {d.system.name: d for d in causes.diagnoses(found)}

    operation = by_name["Sistema S3"]
    assert operation.main == Cause.OPERATION
    assert [e.cause for e in operation.evidence] == [
        Cause.OPERATION,
        Cause.MONEY,
        Cause.GOVERNANCE,
    ]
    assert "60 %" in operation.of(Cause.MONEY)[0].text
    assert "clorador no funcionaba" in operation.of(Cause.OPERATION)[0].text
    stopped = by_name["Sistema S2"]
    assert stopped.main == Cause.INFRASTRUCTURE
    # Down since the visit of 20 May, 41 days before 30 June.
    assert "41 días" in stopped.of(Cause.INFRASTRUCTURE)[0].text
    assert "falla de la bomba" in stopped.of(Cause.INFRASTRUCTURE)[0].text
    assert by_name["Sistema S5"].main == Cause.NOT_VISITED
    assert "Sistema S1" not in by_name  # T4: nothing to explain


def test_localities_take_the_level_half_their_people_reach():
    hand = build()
    found = facts.load(hand.municipality, ON)
    levels = {loc.name: loc.service for loc in found.localities.values()}
    assert levels == {
        "Localidad A": Service.SAFE,
        "Localidad B": Service.RELIABLE,
        "Localidad C": Service.NONE,
        "Localidad D": Service.RECORD,
    }


def test_the_demo_people_add_up_to_the_municipality(db):
    from ojodeagua.places.models import Municipality

    municipality = Municipality.objects.get(key="07012")
    found = facts.load(municipality, ON)
    summary = causes.summary(found)
    population = sum(loc.population for loc in found.localities.values())
    assert summary.population == population > 0
    assert summary.safe + sum(row.people for row in summary.rows) == pytest.approx(population)
    # The demo's stories are there: a pump still down, and systems below T4 for each reason.
    assert summary.people(Cause.INFRASTRUCTURE) > 0
    assert any(
        "falla de la bomba" in e.text
        for d in summary.diagnoses
        for e in d.of(Cause.INFRASTRUCTURE)
        if d.system.tier == 0
    )
