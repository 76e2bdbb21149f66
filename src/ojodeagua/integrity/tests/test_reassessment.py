"""A second cycle compared with the first, across catalogue versions."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from ojodeagua.integrity.catalogue import copy_version, publish
from ojodeagua.integrity.models import (
    CatalogueVersion,
    ComplianceAnswer,
    ScorecardScore,
    SetAside,
)
from ojodeagua.integrity.reassessment import (
    checklist_progress,
    risk_movements,
    scorecard_by_principle,
)
from ojodeagua.integrity.tests.factories import assess, make_cycle


@pytest.fixture
def two_cycles(fresh_committee):
    provider = fresh_committee
    first_catalogue = CatalogueVersion.current()
    first = make_cycle(
        provider, number=1, catalogue=first_catalogue, workshop_on=datetime.date(2025, 2, 1)
    )
    # A year later the catalogue has a new version; codes stay the same.
    second_catalogue = copy_version(first_catalogue, "Catálogo 2026")
    publish(second_catalogue)
    second = make_cycle(
        provider, number=2, catalogue=second_catalogue, workshop_on=datetime.date(2026, 2, 1)
    )
    return first, second


def test_risks_go_up_or_down_by_code(two_cycles):
    first, second = two_cycles
    assess(first, "R01", 3, 3)
    assess(first, "R11", 2, 2)
    assess(second, "R01", 1, 2)
    assess(second, "R06", 3, 2)
    movements = {m.code: m for m in risk_movements(first, second)}
    assert (movements["R01"].before, movements["R01"].after, movements["R01"].change) == (9, 2, -7)
    assert movements["R11"].after is None and movements["R11"].change is None
    assert movements["R06"].before is None and movements["R06"].after == 6
    assert second.previous() == first


def test_checklist_and_scorecard_progress(two_cycles):
    first, second = two_cycles
    for cycle, answer in ((first, "no"), (second, "partly")):
        ComplianceAnswer.objects.create(
            cycle=cycle, item=cycle.catalogue.checklist.get(code="C01"), answer=answer
        )
    (movement,) = checklist_progress(first, second)
    assert (movement.before, movement.after, movement.change) == (0, 1, 1)
    indicators = list(second.catalogue.scorecard_indicators.filter(principle__code="P1"))
    for indicator, score in zip(indicators[:2], (2, 5), strict=True):
        ScorecardScore.objects.create(
            cycle=second, indicator=indicator, score=score, evidence="Acta de asamblea"
        )
    assert scorecard_by_principle(second) == {"P1": 3.5}
    foreign = ScorecardScore(cycle=first, indicator=indicators[0], score=3, evidence="x")
    with pytest.raises(ValidationError, match="otra versión"):
        foreign.full_clean()


def test_an_item_set_aside_in_the_second_cycle_is_not_counted_as_progress(two_cycles):
    first, second = two_cycles
    for cycle, answer in ((first, "no"), (second, "yes")):
        ComplianceAnswer.objects.create(
            cycle=cycle, item=cycle.catalogue.checklist.get(code="C01"), answer=answer
        )
    SetAside.objects.create(
        cycle=second,
        checklist_item=second.catalogue.checklist.get(code="C01"),
        reason="El grupo ya no cobra cuotas: vende garrafones.",
    )
    (movement,) = checklist_progress(first, second)
    assert (movement.before, movement.after) == (0, None)
