"""The demo's integrity cycles tell their stories: ten committees, women's priorities apart."""

from collections import Counter

import pytest
from django.db.models import Count
from django.utils import timezone

from ojodeagua.demo import calendar
from ojodeagua.demo.cached import SUITE_DEMO_CALENDAR, SUITE_DEMO_DAY
from ojodeagua.demo.integrity import IntegrityDemo
from ojodeagua.integrity import applicable
from ojodeagua.integrity.models import (
    AssessedRisk,
    CoachingAnswer,
    CoachingSession,
    Complaint,
    ComplianceAnswer,
    Cycle,
    Participant,
    Rating,
    RoadmapItem,
    ScorecardScore,
)
from ojodeagua.integrity.reassessment import checklist_progress, risk_movements
from ojodeagua.integrity.workshop import ratings_by_sex
from ojodeagua.organisations.models import Membership
from ojodeagua.providers.models import Provider, Sex

pytestmark = pytest.mark.django_db

CALENDAR = SUITE_DEMO_CALENDAR  # the calendar the suite's demo was built with


def cycles():
    return (
        Cycle.objects.filter(participants__record_id__startswith="demo-integridad-")
        .distinct()
        .order_by("provider", "number")
    )


def code(comparison) -> str:
    return comparison.assessed_risk.risk.code if comparison.assessed_risk.risk else "propio"


def test_ten_committees_have_a_dated_workshop_two_of_them_twice():
    per_provider = Counter(cycles().values_list("provider", flat=True))
    assert len(per_provider) == 10
    assert sorted(per_provider.values()) == [1] * 8 + [2, 2]
    assert not cycles().filter(workshop_on__isnull=True).exists()
    treasurer = Provider.objects.get(members__name="Rosa Gómez Sántiz")
    assert treasurer.pk in per_provider
    facilitated = set(
        Membership.objects.filter(user__username="ong").values_list("providers", flat=True)
    )
    assert 0 < len(set(per_provider) - facilitated) < len(set(per_provider) & facilitated)
    days = sorted(cycles().values_list("workshop_on", flat=True))
    assert days[0] < CALENDAR.reference.replace(year=CALENDAR.reference.year - 1)
    assert days[-1] <= CALENDAR.reference


def test_every_workshop_has_8_to_20_participants_of_both_sexes_rating_everything():
    for cycle in cycles().prefetch_related("participants"):
        # Everything a committee's workshop asks (issue 13: not the kiosks' or schools' own).
        asked = applicable.workshop_entries(cycle)
        assert len(asked.risks) == 18 and len(asked.checklist) == 17
        people = list(cycle.participants.all())
        assert 8 <= len(people) <= 20
        sexes = Counter(p.sex for p in people)
        assert sexes[Sex.FEMALE] >= 3 and sexes[Sex.MALE] >= 3
        assert {p.role for p in people} >= {"committee", "user"}
        assert {a.item for a in cycle.compliance.all()} == set(asked.checklist)
        assert not cycle.compliance.filter(evidence="").exists()
        assessed = cycle.assessed_risks.annotate(n=Count("ratings"))
        assert {a.risk for a in assessed.filter(risk__isnull=False)} == set(asked.risks)
        assert {a.n for a in assessed} == {len(people)}
        assert not assessed.filter(consensus_likelihood__isnull=True).exists()
        assert sorted(assessed.exclude(priority=None).values_list("priority", flat=True)) == [
            1,
            2,
            3,
        ]
    assert cycles().filter(assessed_risks__own_title__gt="").exists()
    names = Counter(
        bool(name)
        for name in Participant.objects.filter(cycle__in=cycles()).values_list("name", flat=True)
    )
    assert 0 < names[True] < names[False]


def test_womens_and_mens_priorities_differ():
    differing_top_three = 0
    differing_order = 0
    for cycle in cycles():
        comparisons = ratings_by_sex(cycle)
        women = [code(c) for c in sorted(comparisons, key=lambda c: (-c.women_mean, code(c)))]
        men = [code(c) for c in sorted(comparisons, key=lambda c: (-c.men_mean, code(c)))]
        consensus = {
            a.risk.code if a.risk else "propio" for a in cycle.assessed_risks.exclude(priority=None)
        }
        differing_order += women[:3] != men[:3]
        differing_top_three += set(women[:3]) != consensus
    assert differing_order >= 5
    assert differing_top_three >= 3
    # Across all workshops, women weigh water quality and men fees and favouritism.
    gaps = Counter()
    for cycle in cycles():
        for comparison in ratings_by_sex(cycle):
            gaps[code(comparison)] += comparison.difference
    assert gaps["R06"] > 0 and gaps["R11"] > 0
    assert gaps["R02"] < 0 and gaps["R09"] < 0


def test_road_maps_hold_every_status_with_their_history():
    items = RoadmapItem.objects.filter(assessed_risk__cycle__in=cycles())
    for cycle in cycles():
        per_problem = Counter(
            items.filter(assessed_risk__cycle=cycle).values_list("assessed_risk", flat=True)
        )
        assert len(per_problem) == 3 and set(per_problem.values()) <= {2, 3, 4}
    statuses = Counter(items.values_list("status", flat=True))
    assert set(statuses) == {"pending", "in_progress", "done", "dropped"}
    assert not items.filter(status="done", done_on__isnull=True).exists()
    assert not items.filter(status="done", done_on__gt=CALENDAR.reference).exists()
    assert not items.filter(status="dropped", dropped_reason="").exists()
    overdue = items.filter(status__in=["pending", "in_progress"], deadline__lt=CALENDAR.reference)
    assert overdue.exists()
    # Replaying the kept changes gives each item's present values.
    moved = 0
    for item in items.prefetch_related("changes"):
        values = {"status": "pending", "done_on": None}
        for change in item.changes.all():
            assert change.reason.strip()
            assert timezone.localtime(change.changed_at).date() <= CALENDAR.reference
            for name, (_before, after) in change.changes.items():
                values[name] = after
            moved += "deadline" in change.changes
        assert values["status"] == item.status
        assert values["done_on"] == (str(item.done_on) if item.done_on else None)
        if "deadline" in values:
            assert values["deadline"] == str(item.deadline)
    assert moved > 0
    answers = CoachingAnswer.objects.filter(session__cycle__in=cycles())
    for question in ("goals_reached", "unintended_effects", "goals_missed", "problems"):
        assert not answers.filter(**{question: ""}).exists(), question
    assert all(c.coaching.exists() for c in cycles())
    assert cycles().filter(scorecard__isnull=False).distinct().count() >= 3


def test_second_cycles_show_risks_down_and_the_checklist_up():
    for second in cycles().filter(number=2):
        first = second.previous()
        assert first.stage == Cycle.Stage.CLOSED and first.workshop_on < second.workshop_on
        risks = [m.change for m in risk_movements(first, second) if m.change is not None]
        down, up = sum(1 for c in risks if c < 0), sum(1 for c in risks if c > 0)
        assert down >= 3 and down > up
        checklist = [m.change for m in checklist_progress(first, second)]
        assert all(change >= 0 for change in checklist) and any(checklist)


def test_complaint_registers_with_some_overdue():
    complaints = Complaint.objects.filter(record_id__startswith="demo-queja-")
    assert complaints.values("provider").distinct().count() > 10
    assert set(complaints.values_list("status", flat=True)) == {
        "received",
        "answered",
        "resolved",
        "not_resolved",
    }
    assert len(set(complaints.values_list("channel", flat=True))) >= 3
    assert complaints.overdue(CALENDAR.reference).count() >= 3
    treasurer = Provider.objects.get(members__name="Rosa Gómez Sántiz")
    assert complaints.overdue(CALENDAR.reference).filter(provider=treasurer).exists()
    assert not complaints.filter(received_on__gt=CALENDAR.reference).exists()
    assert not complaints.filter(status="not_resolved", not_resolved_reason="").exists()
    late = [c for c in complaints.exclude(answered_on=None) if c.answered_on > c.respond_by]
    assert late  # the register shows real response times, some late


def test_the_plan_is_the_same_every_time():
    committees = list(
        Provider.objects.filter(kind="committee", municipality__key="07012").order_by("pk")
    )

    def planned():
        demo = IntegrityDemo(committees)
        with calendar.use(SUITE_DEMO_DAY):
            demo.plan()
        return [(i.record_id, i.status, i.deadline, i.done_on) for i in demo.rows.items], [
            (c.record_id, c.status, c.respond_by) for c in demo.rows.complaints
        ]

    first = planned()
    assert first == planned()
    stored = sorted(
        RoadmapItem.objects.filter(record_id__startswith="demo-integridad-").values_list(
            "record_id", "status", "deadline", "done_on"
        )
    )
    assert sorted(first[0]) == stored


def test_every_demo_row_passes_the_rules_a_page_would_apply():
    demo = Cycle.objects.filter(pk__in=cycles().values("pk"))
    rows = [
        *demo,
        *Participant.objects.filter(cycle__in=demo),
        *ComplianceAnswer.objects.filter(cycle__in=demo),
        *AssessedRisk.objects.filter(cycle__in=demo),
        *Rating.objects.filter(assessed_risk__cycle__in=demo)[:300],
        *RoadmapItem.objects.filter(assessed_risk__cycle__in=demo),
        *CoachingSession.objects.filter(cycle__in=demo),
        *CoachingAnswer.objects.filter(session__cycle__in=demo),
        *ScorecardScore.objects.filter(cycle__in=demo),
        *Complaint.objects.filter(record_id__startswith="demo-queja-"),
    ]
    for row in rows:
        row.full_clean()
