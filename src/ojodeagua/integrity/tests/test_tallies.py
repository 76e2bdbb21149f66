"""Rating by tallies: how many women and how many men chose each level, without names."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from ojodeagua.audit.models import AuditEvent
from ojodeagua.conftest import login_client
from ojodeagua.integrity import workshop
from ojodeagua.integrity.models import AssessedRisk, Participant, Rating, RatingTally
from ojodeagua.integrity.tests.factories import make_cycle
from ojodeagua.integrity.tests.test_workshop_pages import HX, ong_committee, text, url
from ojodeagua.lib.records import new_record_id
from ojodeagua.organisations.tests.factories import make_viewer

D = datetime.date


def people(cycle, sexes: str) -> list[Participant]:
    return [
        Participant.objects.create(cycle=cycle, role="user", sex=sex, age_group="adult")
        for sex in sexes
    ]


@pytest.fixture
def cycle(fresh_committee):
    return make_cycle(fresh_committee, number=1, workshop_on=D(2026, 1, 31))


@pytest.fixture
def fees(cycle) -> AssessedRisk:
    return AssessedRisk.objects.create(cycle=cycle, risk=cycle.catalogue.risks.get(code="R01"))


# The service --------------------------------------------------------------------------------
def test_a_tally_is_kept_by_sex_and_a_second_count_replaces_the_first(cycle, fees):
    people(cycle, "FFFFMMM")
    tally, created = workshop.tally_risk(None, fees, "F", {1: 1, 2: 0, 3: 3}, {2: 2, 3: 2})
    assert created
    assert tally.likelihood_counts == {"1": 1, "3": 3}  # a level nobody chose is not kept
    assert tally.people == 4
    again, created = workshop.tally_risk(None, fees, "F", {3: 4}, {3: 4})
    assert not created and again.pk == tally.pk
    assert RatingTally.objects.get().likelihood_counts == {"3": 4}
    events = AuditEvent.objects.filter(content_type__model="ratingtally")
    assert sorted(events.values_list("action", flat=True)) == ["create", "update"]
    cycle.refresh_from_db()
    assert cycle.stage == cycle.Stage.WORKSHOP


def test_a_tally_cannot_count_more_women_than_came(cycle, fees):
    women = people(cycle, "FFF")
    people(cycle, "MMMMM")
    with pytest.raises(ValidationError, match="Se contaron 4 mujeres en probabilidad"):
        workshop.tally_risk(None, fees, "F", {2: 4}, {2: 3})
    # Those who rated one by one are not counted again.
    Rating.objects.create(assessed_risk=fees, participant=women[0], likelihood=1, impact=1)
    with pytest.raises(ValidationError, match="1 ya valoraron una por una"):
        workshop.tally_risk(None, fees, "F", {2: 3}, {2: 3})
    workshop.tally_risk(None, fees, "F", {2: 2}, {2: 2})
    workshop.tally_risk(None, fees, "M", {1: 5}, {1: 5})
    assert not RatingTally.objects.filter(sex="F", likelihood_counts={"2": 3}).exists()


def test_a_level_off_the_scale_is_refused(cycle, fees):
    people(cycle, "FF")
    with pytest.raises(ValidationError, match="El nivel 4 no está en la escala"):
        workshop.tally_risk(None, fees, "F", {4: 1}, {1: 1})


def test_the_women_and_men_view_reads_the_tallies_beside_the_rows(cycle, fees):
    women = people(cycle, "FFFFF")
    people(cycle, "MMMM")
    # Two women rated one by one: 9 and 6.
    Rating.objects.create(assessed_risk=fees, participant=women[0], likelihood=3, impact=3)
    Rating.objects.create(assessed_risk=fees, participant=women[1], likelihood=3, impact=2)
    # Three more by tally: mean likelihood (3+3+2)/3, mean impact 3 → 8/3 × 3 = 8 each.
    workshop.tally_risk(None, fees, "F", {3: 2, 2: 1}, {3: 3})
    workshop.tally_risk(None, fees, "M", {1: 4}, {1: 2, 2: 2})
    fees.consensus_likelihood, fees.consensus_impact = 1, 2
    fees.save()
    (comparison,) = workshop.ratings_by_sex(cycle)
    assert comparison.women_count == 5
    assert comparison.women_mean == pytest.approx((9 + 6 + 3 * 8) / 5)
    assert comparison.men_count == 4
    assert comparison.men_mean == pytest.approx(1 * 1.5)
    # The group agreed "low" (2) while the women's mean (7.8) is "high": said out loud.
    assert comparison.group_far_from_women and not comparison.group_far_from_men
    assert workshop.voices_apart([comparison]) == [comparison]


def test_a_tally_of_one_dimension_only_counts_nobody_yet(cycle, fees):
    people(cycle, "FF")
    workshop.tally_risk(None, fees, "F", {2: 2}, {})
    (comparison,) = workshop.ratings_by_sex(cycle)
    assert comparison.women_count == 0 and comparison.women_mean is None


# The page -----------------------------------------------------------------------------------
def count(sex_counts: dict[str, dict[int, int]], risk: str = "R01") -> dict:
    data = {"action": "tally", "riesgo": risk}
    for key, counts in sex_counts.items():
        for level, n in counts.items():
            data[f"{key}-{level}"] = n
    return data


def test_the_facilitator_enters_the_rooms_count_and_sees_what_it_adds_up_to(ong):
    cycle = make_cycle(ong_committee())
    people(cycle, "FFFFFFFMMMMMMMM")
    page = text(ong.get(url("ratings", cycle), {"riesgo": "R03"}))
    # The group's rating comes first, then the count; the one-by-one rows wait folded away.
    assert page.index('id="consenso"') < page.index('id="conteo"') < page.index("one-by-one")
    assert "<select" not in page.split('id="consenso"')[1].split("one-by-one")[0]
    assert 'name="F-likelihood-1"' in page and 'data-tally-most="7"' in page
    assert 'data-tally-most="8"' in page
    assert "7 registradas" in page and "8 registrados" in page

    sent = count(
        {
            "F-likelihood": {1: 0, 2: 2, 3: 5},
            "F-impact": {3: 7},
            "M-likelihood": {1: 6, 2: 2},
            "M-impact": {1: 8},
        },
        risk="R03",
    )
    answer = text(ong.post(url("ratings", cycle), sent, **HX))
    assert answer.startswith('<p id="tally-status"')
    assert "conteo guardado" in answer
    assert "Mujeres: 7 en probabilidad, 7 en impacto" in answer
    assert "Hombres: 8 en probabilidad, 8 en impacto" in answer
    stored = {t.sex: t for t in RatingTally.objects.filter(assessed_risk__cycle=cycle)}
    assert stored["F"].likelihood_counts == {"2": 2, "3": 5}
    assert stored["M"].impact_counts == {"1": 8}
    # Sending the same count again (a replay from the outbox) changes nothing.
    ong.post(url("ratings", cycle), sent, **HX)
    assert RatingTally.objects.filter(assessed_risk__cycle=cycle).count() == 2
    reread = text(ong.get(url("ratings", cycle), {"riesgo": "R03"}))
    assert 'name="F-likelihood-3" value="5"' in reread


def test_a_count_that_does_not_add_up_says_which_and_what_to_fix(ong):
    cycle = make_cycle(ong_committee())
    people(cycle, "FFMM")
    answer = text(ong.post(url("ratings", cycle), count({"M-impact": {2: 3}}), **HX))
    assert "Se contaron 3 hombres en impacto" in answer
    assert "2 hombres registrados" in answer
    assert not RatingTally.objects.exists()
    wrong = text(ong.post(url("ratings", cycle), count({"F-impact": {2: "dos"}}), **HX))
    assert "Mujeres, impacto 2" in wrong and "con números" in wrong


def test_a_count_sent_without_javascript_comes_back_to_the_risk(ong):
    cycle = make_cycle(ong_committee())
    people(cycle, "FM")
    response = ong.post(url("ratings", cycle), count({"F-likelihood": {3: 1}, "F-impact": {3: 1}}))
    assert response["Location"] == url("ratings", cycle) + "?riesgo=R01#conteo"
    assert "Conteo guardado" in text(ong.get(response["Location"]))


def test_a_viewer_cannot_send_a_count(db):
    cycle = make_cycle(ong_committee())
    people(cycle, "F")
    make_viewer(providers=[cycle.provider])
    viewer = login_client("lectora")
    assert viewer.get(url("ratings", cycle)).status_code == 200
    response = viewer.post(url("ratings", cycle), count({"F-likelihood": {3: 1}}), **HX)
    assert response.status_code == 403
    assert not RatingTally.objects.exists()


def test_a_room_is_registered_in_two_forms_and_a_resent_form_adds_nobody(ong):
    cycle = make_cycle(ong_committee())
    women = {
        "action": "add",
        "record_id": new_record_id(),
        "sex": "F",
        "role": "user",
        "age_group": "adult",
        "how_many": "8",
    }
    answer = ong.post(url("participants", cycle), women, follow=True)
    assert "Se registraron 8 personas" in text(answer)
    ong.post(url("participants", cycle), women)  # a double tap, or the outbox sending again
    men = {**women, "record_id": new_record_id(), "sex": "M", "how_many": "7"}
    ong.post(url("participants", cycle), men)
    assert cycle.participants.filter(sex="F").count() == 8
    assert cycle.participants.filter(sex="M").count() == 7
    page = text(ong.get(url("participants", cycle)))
    assert "Mujeres: 8 · Hombres: 7" in page
    named = {**women, "record_id": new_record_id(), "name": "Rosa", "how_many": "3"}
    refused = text(ong.post(url("participants", cycle), named, **HX))
    assert "Con nombre se registra una persona a la vez" in refused
    assert cycle.participants.count() == 15


def test_the_last_woman_a_count_needs_cannot_be_taken_off_the_list(ong):
    cycle = make_cycle(ong_committee())
    first, second, *_ = people(cycle, "FFM")
    risk = AssessedRisk.objects.create(cycle=cycle, risk=cycle.catalogue.risks.get(code="R02"))
    workshop.tally_risk(None, risk, "F", {2: 1}, {2: 1})
    # One woman counted of two: either may leave, but then the other is needed.
    assert workshop.remove_participant(None, first)
    assert not workshop.remove_participant(None, second)
    kept = text(
        ong.post(
            url("participants", cycle), {"action": "remove", "participant": second.pk}, follow=True
        )
    )
    assert "los conteos de la valoración cuentan" in kept
    assert cycle.participants.filter(sex="F").count() == 1
