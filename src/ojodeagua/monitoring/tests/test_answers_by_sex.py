"""The household surveys' answers side by side for women, men and who preferred not to say
(``monitoring.selectors.answers_by_sex``), against a hand-counted locality of our own."""

import datetime
import html
import re

import pytest

from ojodeagua.monitoring.models import HouseholdSurvey
from ojodeagua.monitoring.observation import Observation
from ojodeagua.monitoring.selectors import answers_by_sex
from ojodeagua.places.models import Locality
from ojodeagua.providers.tests.factories import make_place

D = datetime.date


def text(response) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags))


def survey(locality, sex, problem, satisfied, sufficient, state=Observation.State.VALIDATED):
    return HouseholdSurvey.objects.create(
        locality=locality,
        observed_on=D(2026, 10, 14),
        source="visit",
        state=state,
        respondent_sex=sex,
        household_size=4,
        water_source="piped_yard",
        water_on_premises=True,
        sufficient_last_month=sufficient,
        toilet="pit_slab",
        handwashing="mobile",
        water_has_problem=problem,
        satisfied=satisfied,
    )


@pytest.fixture
def locality(db) -> Locality:
    """Validated surveys, by who answered (problem with the water / satisfied / enough water):
    women: yes/yes/yes, yes/no/yes, no/no/yes → problem 2 of 3, satisfied 1 of 3, enough 3 of 3
    men:   no/yes/yes, no/yes/unknown        → problem 0 of 2, satisfied 2 of 2, enough 1 of 2
    preferred not to say: yes/unknown/no    → problem 1 of 1, satisfied 0 of 1, enough 0 of 1
    and one woman's survey still pending validation, which counts nowhere."""
    place = Locality.objects.create(
        municipality=make_place().municipality, key="070129901", name="Localidad de las voces"
    )
    survey(place, "F", "yes", "yes", "yes")
    survey(place, "F", "yes", "no", "yes")
    survey(place, "F", "no", "no", "yes")
    survey(place, "M", "no", "yes", "yes")
    survey(place, "M", "no", "yes", "unknown")
    survey(place, "X", "yes", "unknown", "no")
    survey(place, "F", "yes", "yes", "yes", state=Observation.State.SUBMITTED)
    return place


def test_the_answers_by_sex_match_the_hand_count(locality):
    table = answers_by_sex(HouseholdSurvey.objects.filter(locality=locality))
    rows = [[(cell.value, cell.of) for cell in row.cells] for row in table.rows]

    assert rows == [
        [(3, None), (2, None), (1, None)],  # validated surveys
        [(2, 3), (0, 2), (1, 1)],  # the water has a problem
        [(1, 3), (2, 2), (0, 1)],  # satisfied with the service
        [(3, 3), (1, 2), (0, 1)],  # enough water last month
    ]
    assert table.with_sex == 6 and table.without_sex == 0


def test_with_no_validated_survey_there_is_no_data(locality):
    table = answers_by_sex(HouseholdSurvey.objects.filter(state=Observation.State.DRAFT))
    assert not table.has_data


def test_the_survey_list_shows_the_answers_side_by_side(agencia, locality):
    response = agencia.get(f"/encuestas/hogares/?locality={locality.pk}")
    page = text(response)

    assert response.status_code == 200
    assert "Respuestas según quién contestó la encuesta" in page
    assert "Encuestas validadas 3 2 1" in page
    assert "Dijo que el agua tiene algún problema 2 de 3 (67 %) 0 de 2 (0 %) 1 de 1 (100 %)" in page
    assert "Dijo que el servicio le satisface 1 de 3 (33 %) 2 de 2 (100 %) 0 de 1 (0 %)" in page
    assert (
        "Dijo que tuvo agua suficiente el último mes 3 de 3 (100 %) 1 de 2 (50 %) 0 de 1 (0 %)"
        in page
    )


def test_the_figures_follow_the_filters_when_htmx_swaps_the_results(agencia, locality):
    response = agencia.get(
        f"/encuestas/hogares/?locality={locality.pk}&state=pending",
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    page = text(response)

    # Only the pending survey is listed: nothing validated to count.
    assert "<html" not in response.content.decode()
    assert "Respuestas según quién contestó la encuesta: sin datos." in page
    assert "1 resultado" in page
