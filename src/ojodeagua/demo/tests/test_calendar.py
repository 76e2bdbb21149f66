"""The demo follows the calendar: built on any day, its latest month is full and it raises the
same red flags as the demo the suite was built with."""

import datetime

import time_machine

from ojodeagua.demo.cached import SUITE_DEMO_DAY, noon
from ojodeagua.demo.calendar import DemoCalendar, add_months, reference_for
from ojodeagua.integrity.red_flags import run_check
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.providers.models import Provider

D = datetime.date
CHLORINE = "no_chlorine_reading_30_days"
FLAGS = [CHLORINE, "no_deposit_60_days", "expenses_under_threshold"]


def test_the_reference_is_the_last_day_of_the_last_full_month():
    assert reference_for(D(2026, 12, 6)) == D(2026, 11, 30)
    assert reference_for(D(2027, 3, 1)) == D(2027, 2, 28)
    assert reference_for(D(2028, 3, 31)) == D(2028, 2, 29)
    assert reference_for(D(2027, 1, 15)) == D(2026, 12, 31)


def test_the_calendar_holds_24_whole_months_and_the_days_in_progress():
    calendar = DemoCalendar(D(2027, 3, 10))
    assert calendar.reference == D(2027, 2, 28)
    assert calendar.start == D(2025, 3, 1)
    assert calendar.days[0] == calendar.start and calendar.days[-1] == calendar.reference
    assert len(calendar.month_starts) == 24 and calendar.month_starts[-1] == D(2027, 2, 1)
    assert calendar.survey_start == D(2026, 3, 1)
    assert calendar.in_progress == [D(2027, 3, day) for day in range(1, 10)]
    assert DemoCalendar(D(2027, 3, 1)).in_progress == []


def test_a_story_stays_the_same_distance_back():
    # "the 6th, three months before the end": July when the demo ends in October.
    assert DemoCalendar(SUITE_DEMO_DAY).day(3, 6) == D(2026, 7, 6)
    assert DemoCalendar(D(2027, 4, 20)).day(3, 6) == D(2026, 12, 6)
    # A day past the end of a short month is its last day.
    assert DemoCalendar(D(2027, 5, 2)).day(2, 31) == D(2027, 2, 28)


def flags_by_committee(on: datetime.date) -> dict[str, set[str]]:
    """For each Berriozábal committee (by name: the demo's names come from its seed), the red
    flags that fire on `on`."""
    committees = Provider.objects.filter(kind="committee", municipality__key="07012")
    return {
        committee.name: {
            code for code in FLAGS if (finding := run_check(code, committee, on)) and finding.fired
        }
        for committee in committees
    }


def test_a_demo_built_late_in_another_month_has_a_full_latest_month_and_the_same_flags(demo):
    # The suite's demo, seen the day after its history ends.
    expected = flags_by_committee(SUITE_DEMO_DAY)
    assert any(expected.values()), "the suite's demo plants some red flags"

    # The same demo built (in its own process, as `load-demo --date` would) on the 29th of a
    # month more than a year later, and seen that day.
    day = D(2028, 1, 29)
    demo_database = demo
    demo_database.restore(demo_database.template_for(day))
    with time_machine.travel(noon(day), tick=True):
        found = flags_by_committee(day)

    # The planted stories raise the same flags: a committee stops depositing, another splits a
    # purchase under its quotes threshold.
    def books(flags: dict[str, set[str]]) -> dict[str, set[str]]:
        return {name: codes - {CHLORINE} for name, codes in flags.items()}

    assert books(found) == books(expected)

    # Chlorine readings go on in the month in progress: four weeks after the history's end, no
    # more systems are "without a reading in 30 days" than the day after it (the only ones are
    # those whose chlorine ran out and nobody took the reading).
    def silent(flags: dict[str, set[str]]) -> set[str]:
        return {name for name, codes in flags.items() if CHLORINE in codes}

    assert len(silent(found)) <= len(silent(expected)) <= 2
    latest = add_months(day, -1)
    gravity_logs = SupplyDay.objects.filter(observed_on__gte=latest, observed_on__lt=day)
    logged_days = set(gravity_logs.values_list("observed_on", flat=True))
    assert logged_days == {latest + datetime.timedelta(days=n) for n in range(31)}
    assert not SupplyDay.objects.filter(observed_on__gte=day.replace(day=1)).exists()
