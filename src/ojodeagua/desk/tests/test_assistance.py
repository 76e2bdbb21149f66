"""The agency as an assistance provider: visits, days to answer a failure, current cycles."""

import datetime

import pytest

from ojodeagua.desk import assistance
from ojodeagua.integrity.tests.factories import make_cycle
from ojodeagua.monitoring.observation import Observation
from ojodeagua.monitoring.tests.factories import make_visit

from .factories import build

pytestmark = pytest.mark.django_db
ON = datetime.date(2026, 6, 30)


def test_visits_answers_and_cycles_for_this_year_and_the_one_before():
    hand = build()  # three committees; S2's visit of 20 May found it stopped
    validated = Observation.State.VALIDATED
    s2, s3 = hand.systems["S2"], hand.systems["S3"]
    make_visit(s2, datetime.date(2026, 5, 30), validated)  # answered in 10 days
    make_visit(s3, datetime.date(2026, 1, 10), validated, working=False)
    make_visit(s3, datetime.date(2026, 1, 16), validated)  # answered in 6 days
    make_visit(s3, datetime.date(2025, 3, 1), validated, working=False)  # the year before
    make_visit(s3, datetime.date(2025, 6, 1), validated, source="self_report")  # not a visit
    make_cycle(hand.providers["P1"], workshop_on=datetime.date(2026, 2, 1))
    make_cycle(hand.providers["P2"], workshop_on=datetime.date(2025, 6, 1))

    figures = assistance.assistance(hand.municipality, ON)
    now, before = figures.now, figures.before
    assert (now.start, now.end) == (datetime.date(2025, 7, 1), ON)
    assert now.committees == before.committees == 3
    # This year: S2 20 May, 30 May; S3 20 May, 10 Jan, 16 Jan; S4 20 May = 6 visits.
    assert now.visits == 6
    assert now.visits_per_committee == 2
    assert (now.failures, now.answered_days, now.unanswered) == (2, [10, 6], 0)
    assert now.median_days_to_answer == 8
    # The year before: S3's stopped visit of March 2025, answered only on 10 Jan (315 days).
    assert (before.visits, before.failures, before.answered_days) == (1, 1, [315])
    assert now.cycle_percent == 33  # P1's workshop of February
    assert before.cycle_percent == 33  # P2's of June 2025
