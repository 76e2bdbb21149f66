"""Workshop rules against a small hand-counted workshop."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from ojodeagua.integrity.models import (
    AssessedRisk,
    Cycle,
    Participant,
    Rating,
    RoadmapItem,
)
from ojodeagua.integrity.tests.factories import make_cycle
from ojodeagua.integrity.workshop import (
    band_of_score,
    choose_top_three,
    completion,
    heat_map,
    months_after,
    ratings_by_sex,
    voices_apart,
)

D = datetime.date


@pytest.fixture
def cycle(fresh_committee) -> Cycle:
    return make_cycle(fresh_committee, number=1, workshop_on=D(2026, 1, 31))


def people(cycle, sexes):
    return [
        Participant.objects.create(cycle=cycle, role="user", sex=sex, age_group="adult")
        for sex in sexes
    ]


def test_women_and_men_are_counted_apart(cycle):
    women = people(cycle, "FFF")
    men = people(cycle, "MM")
    fees = AssessedRisk.objects.create(cycle=cycle, risk=cycle.catalogue.risks.get(code="R01"))
    for person, (likelihood, impact) in zip(women, [(3, 3), (3, 2), (2, 3)], strict=True):
        Rating.objects.create(
            assessed_risk=fees, participant=person, likelihood=likelihood, impact=impact
        )
    for person in men:
        Rating.objects.create(assessed_risk=fees, participant=person, likelihood=1, impact=2)
    (comparison,) = ratings_by_sex(cycle)
    assert comparison.women_mean == pytest.approx((9 + 6 + 6) / 3)
    assert comparison.men_mean == 2
    assert (comparison.women_count, comparison.men_count) == (3, 2)
    assert comparison.difference == pytest.approx(5)


def test_a_mean_score_takes_the_nearer_band_and_the_higher_when_both_are_as_near(cycle):
    # 3 × 3: low 1–2, medium 3–4, high 6–9.
    def band(score):
        return band_of_score(cycle.scale, score)["code"]

    assert [band(score) for score in (1, 2, 2.4, 2.5, 3, 4, 4.4, 5, 6, 9)] == [
        "low", "low", "low", "medium", "medium", "medium", "medium", "high", "high", "high",
    ]  # fmt: skip
    assert band_of_score(cycle.scale, None) is None


def test_a_group_rating_far_from_the_womens_own_is_flagged(cycle):
    women, men = people(cycle, "FF"), people(cycle, "M")
    fees = AssessedRisk.objects.create(
        cycle=cycle,
        risk=cycle.catalogue.risks.get(code="R01"),
        consensus_likelihood=1,
        consensus_impact=2,
    )
    same = AssessedRisk.objects.create(
        cycle=cycle,
        risk=cycle.catalogue.risks.get(code="R06"),
        consensus_likelihood=3,
        consensus_impact=3,
    )
    for person, (likelihood, impact) in zip([*women, *men], [(3, 3), (3, 2), (1, 1)], strict=True):
        Rating.objects.create(
            assessed_risk=fees, participant=person, likelihood=likelihood, impact=impact
        )
        Rating.objects.create(assessed_risk=same, participant=person, likelihood=3, impact=3)
    by_risk = {c.assessed_risk.pk: c for c in ratings_by_sex(cycle)}
    apart = by_risk[fees.pk]
    # The group said "low" (2); the women averaged 7.5 ("high"); the man said 1 ("low").
    assert (apart.group_band["code"], apart.women_band["code"], apart.men_band["code"]) == (
        "low",
        "high",
        "low",
    )
    assert apart.group_far_from_women and not apart.group_far_from_men
    assert not by_risk[same.pk].group_far_from_women
    assert voices_apart(list(by_risk.values())) == [apart]
    # No consensus yet: nothing to compare with.
    fees.consensus_likelihood = fees.consensus_impact = None
    fees.save()
    assert voices_apart(ratings_by_sex(cycle)) == []


def test_a_rating_must_fit_the_cycles_scale(cycle):
    (person,) = people(cycle, "F")
    assessed = AssessedRisk.objects.create(cycle=cycle, own_title="Se pierden las llaves")
    with pytest.raises(ValidationError, match="no está en la escala"):
        Rating(assessed_risk=assessed, participant=person, likelihood=5, impact=1).full_clean()


def test_heat_map_and_top_three(cycle):
    risks = [
        AssessedRisk.objects.create(
            cycle=cycle,
            risk=cycle.catalogue.risks.get(code=code),
            consensus_likelihood=likelihood,
            consensus_impact=impact,
        )
        for code, likelihood, impact in [("R01", 3, 3), ("R06", 3, 3), ("R11", 2, 1)]
    ]
    unrated = AssessedRisk.objects.create(cycle=cycle, own_title="Nadie revisa el tanque")
    cells = heat_map(cycle)
    assert {r.pk for r in cells[(3, 3)]} == {risks[0].pk, risks[1].pk}
    assert risks[0].consensus_band()["code"] == "high"
    with pytest.raises(ValidationError):
        choose_top_three(cycle, [risks[0].pk, unrated.pk])
    with pytest.raises(ValidationError):
        choose_top_three(cycle, [r.pk for r in risks] + [unrated.pk])
    choose_top_three(cycle, [risks[1].pk, risks[0].pk])
    priorities = dict(cycle.assessed_risks.values_list("pk", "priority"))
    assert priorities[risks[1].pk] == 1 and priorities[risks[0].pk] == 2
    assert priorities[risks[2].pk] is None


def test_completion_at_six_and_twelve_months(cycle):
    top = AssessedRisk.objects.create(
        cycle=cycle,
        risk=cycle.catalogue.risks.get(code="R01"),
        consensus_likelihood=3,
        consensus_impact=3,
        priority=1,
    )

    def item(status, done_on=None, reason=""):
        return RoadmapItem.objects.create(
            assessed_risk=top,
            action="Usar recibos foliados",
            responsible="Tesorera",
            deadline=D(2026, 3, 1),
            done_when="Cada pago tiene recibo",
            status=status,
            done_on=done_on,
            dropped_reason=reason,
        )

    item("done", D(2026, 3, 10))
    item("done", D(2026, 7, 31))  # the last day of the first six months (31 January + 6)
    item("done", D(2026, 8, 1))
    item("in_progress")
    item("dropped", reason="La asamblea decidió otra cosa")
    six, twelve = completion(cycle, 6), completion(cycle, 12)
    assert (six.done, six.planned) == (2, 5)
    assert (twelve.done, twelve.planned) == (3, 5)
    assert twelve.share == pytest.approx(0.6)
    assert months_after(D(2026, 8, 31), 6) == D(2027, 2, 28)


def test_the_road_map_says_what_is_missing(cycle):
    unchosen = AssessedRisk.objects.create(cycle=cycle, own_title="Tomas sin permiso")
    action = RoadmapItem(
        assessed_risk=unchosen,
        action="Recorrer la red",
        responsible="Vocal",
        deadline=D(2026, 3, 1),
        done_when="Hay acta del recorrido",
        status="dropped",
    )
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert "dropped_reason" in error.value.message_dict


def test_a_road_map_change_keeps_its_reason_and_history(cycle):
    from django.contrib.auth.models import User

    from ojodeagua.audit.models import AuditEvent
    from ojodeagua.integrity.models import CoachingAnswer, CoachingSession
    from ojodeagua.integrity.workshop import change_roadmap

    facilitator = User.objects.get(username="ong")
    top = AssessedRisk.objects.create(
        cycle=cycle,
        risk=cycle.catalogue.risks.get(code="R01"),
        consensus_likelihood=3,
        consensus_impact=3,
        priority=1,
    )
    item = RoadmapItem.objects.create(
        assessed_risk=top,
        action="Abrir cuenta en la cooperativa",
        responsible="Tesorera",
        deadline=D(2026, 3, 1),
        done_when="Hay estado de cuenta",
    )
    with pytest.raises(ValidationError):
        change_roadmap(item, facilitator, "  ", deadline=D(2026, 6, 1))
    change = change_roadmap(
        item,
        facilitator,
        "La cooperativa pidió el acta de la asamblea",
        deadline=D(2026, 6, 1),
        status="in_progress",
    )
    assert change.changes == {
        "deadline": ["2026-03-01", "2026-06-01"],
        "status": ["pending", "in_progress"],
    }
    assert change_roadmap(item, facilitator, "nada", deadline=D(2026, 6, 1)) is None
    with pytest.raises(ValidationError):
        change_roadmap(item, facilitator, "Se terminó", status="done")  # needs the date
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert [c.reason for c in item.changes.all()] == ["La cooperativa pidió el acta de la asamblea"]
    assert AuditEvent.objects.filter(
        object_id=str(item.pk), content_type__model=item._meta.model_name, actor=facilitator
    ).exists()

    session = CoachingSession.objects.create(
        cycle=cycle, held_on=D(2026, 4, 2), attendees="Tesorera, presidente, ong"
    )
    answer = CoachingAnswer(session=session, item=item, goals_reached="Se juntaron papeles")
    answer.full_clean()
    other = Cycle.objects.create(
        provider=cycle.provider, number=2, catalogue=cycle.catalogue, scale=cycle.scale
    )
    elsewhere = CoachingSession.objects.create(cycle=other, held_on=D(2027, 4, 2), attendees="x")
    with pytest.raises(ValidationError, match="otro ciclo"):
        CoachingAnswer(session=elsewhere, item=item).full_clean()
