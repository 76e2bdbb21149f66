"""The JMP's health-care facility ladders: every rung boundary of the five services, the
unknown rung, and the area values the engine stores for them."""

import datetime
from collections import defaultdict

import pytest

from ojodeagua.facilities.models import HealthCentre
from ojodeagua.indicators import ladders
from ojodeagua.indicators.catalogue import HEALTH_CARE_LADDER_CODES, definition
from ojodeagua.indicators.engine import refresh_after
from ojodeagua.indicators.engine.aggregates import institution_value
from ojodeagua.indicators.engine.families.ladders import health_centre_rungs
from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.indicators.presentation import rungs
from ojodeagua.monitoring.models import HealthCentreSurvey
from ojodeagua.places.models import Locality, Municipality

D = datetime.date
MARCH = D(2026, 3, 1)


# Water ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("improved", "on_premises", "available", "distance", "rung"),
    [
        (True, True, True, None, "basic"),
        (True, True, False, None, "limited"),
        (True, False, True, 0, "limited"),
        (True, False, True, 499, "limited"),
        (True, False, True, 500, "limited"),  # within 500 m of the premises
        (True, False, True, 501, "no_service"),  # more than 500 m away
        (True, False, True, 2000, "no_service"),
        (True, False, False, 300, "limited"),  # the ladder asks only the distance off premises
        (True, False, True, None, "unknown"),  # neither pushed down nor up
        (False, True, True, None, "no_service"),
        (False, False, True, 100, "no_service"),  # unimproved, however near
    ],
)
def test_health_centre_water_rungs(improved, on_premises, available, distance, rung):
    assert ladders.health_centre_water_rung(improved, on_premises, available, distance) == rung


# Sanitation ------------------------------------------------------------------------------------
ALL_MET = {
    "usable": True,
    "for_staff": True,
    "sex_separated": True,
    "menstrual_hygiene": True,
    "accessible": True,
}


def sanitation(improved=True, **answers):
    return ladders.health_centre_sanitation_rung(improved, **{**ALL_MET, **answers})


def test_usable_improved_toilets_meeting_every_requirement_are_basic():
    assert sanitation() == "basic"


@pytest.mark.parametrize("requirement", sorted(ALL_MET))
def test_improved_toilets_missing_one_requirement_are_limited(requirement):
    assert sanitation(**{requirement: False}) == "limited"


@pytest.mark.parametrize("requirement", ["for_staff", "menstrual_hygiene", "accessible"])
def test_a_requirement_not_asked_leaves_sanitation_unknown_unless_another_fails(requirement):
    assert sanitation(**{requirement: None}) == "unknown"
    assert sanitation(**{requirement: None, "usable": False}) == "limited"


def test_unimproved_toilets_or_none_are_no_service_whatever_else_is_answered():
    assert sanitation(improved=False) == "no_service"
    assert sanitation(improved=False, for_staff=None) == "no_service"


# Hand hygiene, waste and cleaning: both parts basic, one limited, neither no service ---------
TWO_PART = [
    (True, True, "basic"),
    (True, False, "limited"),
    (False, True, "limited"),
    (False, False, "no_service"),
    (True, None, "unknown"),  # basic or limited
    (None, True, "unknown"),
    (False, None, "unknown"),  # limited or no service
    (None, False, "unknown"),
    (None, None, "unknown"),
]


@pytest.mark.parametrize(("first", "second", "rung"), TWO_PART)
@pytest.mark.parametrize(
    "rung_of",
    [
        ladders.health_centre_hygiene_rung,
        ladders.health_centre_waste_rung,
        ladders.health_centre_cleaning_rung,
    ],
)
def test_two_part_health_care_ladders(rung_of, first, second, rung):
    assert rung_of(first, second) == rung


# The engine's reading of a survey -------------------------------------------------------------
def survey_row(**answers):
    row = {
        "water_source_improved": True,
        "water_on_premises": True,
        "water_source_distance_m": None,
        "water_available": True,
        "toilets_improved": True,
        "toilets_usable": True,
        "toilet_for_staff": True,
        "toilets_single_sex": True,
        "toilet_menstrual_hygiene": True,
        "toilet_accessible": True,
        "hand_hygiene_at_care_points": True,
        "hand_hygiene_near_toilets": True,
        "waste_segregated": True,
        "waste_treated_safely": True,
        "cleaning_protocol": True,
        "cleaning_staff_trained": True,
    }
    row.update(answers)
    return row


def test_a_survey_gives_the_five_health_care_ladders():
    assert health_centre_rungs(survey_row()) == dict.fromkeys(HEALTH_CARE_LADDER_CODES, "basic")
    found = health_centre_rungs(
        survey_row(
            water_on_premises=False,
            water_source_distance_m=501,
            toilet_accessible=False,
            hand_hygiene_near_toilets=None,
            waste_segregated=False,
            waste_treated_safely=False,
            cleaning_staff_trained=False,
        )
    )
    assert found == {
        "jmp_health_water": "no_service",
        "jmp_health_sanitation": "limited",
        "jmp_health_hygiene": "unknown",
        "jmp_health_waste": "no_service",
        "jmp_health_cleaning": "limited",
    }


def test_every_health_care_ladder_has_a_definition_that_names_the_jmp():
    for code in HEALTH_CARE_LADDER_CODES:
        assert "JMP" in str(definition(code).name)


# Area values --------------------------------------------------------------------------------
def counts(**rungs_found):
    return {"rungs": defaultdict(int, rungs_found), "ids": [1, 2, 3], "model": "m"}


def test_an_unknown_centre_is_in_the_breakdown_but_out_of_the_share():
    value = institution_value("jmp_health_water", 70, MARCH, counts(basic=1, limited=1, unknown=1))
    assert (value.numerator, value.denominator, value.value) == (1, 2, 0.5)
    assert value.breakdown == {"basic": 1, "limited": 1, "unknown": 1}


def test_only_unknown_centres_give_no_share_rather_than_zero():
    value = institution_value("jmp_health_hygiene", 70, MARCH, counts(unknown=2))
    assert (value.numerator, value.denominator, value.value) == (0, 0, None)


def test_the_ladder_shows_unknown_last_with_its_own_label():
    value = IndicatorValue(indicator="jmp_health_water", breakdown={"unknown": 1, "limited": 3})
    shown = rungs(value)
    assert [(r.code, r.label, r.colour) for r in shown] == [
        ("limited", "limitado", "yellow"),
        ("unknown", "no se sabe", "grey"),
    ]
    assert [r.share for r in shown] == [0.75, 0.25]


@pytest.fixture
def two_centres(db):
    """Two health centres alone in a municipality of their own."""
    reference = Municipality.objects.get(key="07012")
    municipality = Municipality.objects.create(
        state=reference.state, key="07990", name="Municipio de prueba"
    )
    locality = Locality.objects.create(
        municipality=municipality, key="079900001", name="Prueba", population=800
    )
    return [HealthCentre.objects.create(name=f"Centro {n}", locality=locality) for n in (1, 2)]


def centre_survey(centre, day, state="validated", **answers):
    fields = {
        key: value
        for key, value in survey_row(**answers).items()
        if key in HealthCentreSurvey.ANSWER_FIELDS
    }
    return HealthCentreSurvey.objects.create(
        record_id=f"prueba-{centre.pk}-{day:%Y%m%d}",
        observed_on=day,
        health_centre=centre,
        municipality_id=centre.locality.municipality_id,
        state=state,
        **fields,
    )


def test_the_engine_stores_the_five_ladders_for_the_municipality_and_the_state(two_centres):
    first, second = two_centres
    surveys = [
        # An earlier survey is replaced by the latest of the 12 months.
        centre_survey(first, D(2025, 6, 1), water_source_improved=False),
        centre_survey(first, D(2026, 2, 10)),
        centre_survey(
            second,
            D(2026, 3, 3),
            water_on_premises=False,
            water_source_distance_m=501,
            toilet_for_staff=None,
            hand_hygiene_near_toilets=False,
            waste_treated_safely=None,
            cleaning_protocol=False,
            cleaning_staff_trained=False,
        ),
    ]
    refresh_after(surveys)
    municipality_id = first.locality.municipality_id
    found = {
        v.indicator: v
        for v in IndicatorValue.objects.filter(
            entity="municipality", entity_id=municipality_id, period=MARCH
        )
    }
    breakdowns = {code: found[code].breakdown for code in HEALTH_CARE_LADDER_CODES}
    assert breakdowns == {
        "jmp_health_water": {"basic": 1, "no_service": 1},
        "jmp_health_sanitation": {"basic": 1, "unknown": 1},
        "jmp_health_hygiene": {"basic": 1, "limited": 1},
        "jmp_health_waste": {"basic": 1, "unknown": 1},
        "jmp_health_cleaning": {"basic": 1, "no_service": 1},
    }
    assert (found["jmp_health_water"].numerator, found["jmp_health_water"].denominator) == (1, 2)
    assert found["jmp_health_sanitation"].denominator == 1
    state = IndicatorValue.objects.get(
        entity="state",
        entity_id=first.locality.municipality.state_id,
        period=MARCH,
        indicator="jmp_health_water",
    )
    # The demo's own centres count in the state too: ours are part of its sums.
    assert state.breakdown["no_service"] >= 1 and state.denominator >= 2


# The demo, on the municipal summary ---------------------------------------------------------
def test_the_demo_health_house_climbs_from_no_service_to_limited_water(db):
    """The demo's village health house fetched water 650 m away, then from a tap 320 m away."""
    house = HealthCentre.objects.get(key="CSSSA009876")
    earlier, later = HealthCentreSurvey.objects.filter(health_centre=house).order_by("observed_on")
    assert (earlier.water_source_distance_m, later.water_source_distance_m) == (650, 320)
    values = IndicatorValue.objects.filter(
        entity="municipality",
        entity_id=house.locality.municipality_id,
        indicator="jmp_health_water",
    )
    before = values.get(period=earlier.observed_on.replace(day=1))
    after = values.get(period=later.observed_on.replace(day=1))
    assert before.breakdown == {"no_service": 1}
    assert after.breakdown == {"limited": 1}


def test_the_summary_shows_the_jmp_health_care_ladders_under_their_own_heading(admin_client):
    house = HealthCentre.objects.get(key="CSSSA009876")
    municipality_id = house.locality.municipality_id
    later = HealthCentreSurvey.objects.filter(health_centre=house).latest("observed_on")
    month = later.observed_on.replace(day=1)
    html = admin_client.get(
        f"/resumen/municipio/{municipality_id}/", {"mes": f"{month:%Y-%m}"}
    ).content.decode()
    assert "escaleras del JMP para establecimientos de salud" in html
    for code in HEALTH_CARE_LADDER_CODES:
        assert f'data-indicator="{code}"' in html
    assert "Higiene de manos" in html and "Residuos" in html and "Limpieza" in html
    assert "1 centro de salud con nivel conocido." in html


def test_a_centre_without_the_answers_is_shown_apart_as_unknown(two_centres, admin_client):
    first, _second = two_centres
    refresh_after(
        [centre_survey(first, D(2026, 3, 3), water_on_premises=False, cleaning_staff_trained=None)]
    )
    municipality_id = first.locality.municipality_id
    html = admin_client.get(f"/resumen/municipio/{municipality_id}/", {"mes": "2026-03"})
    html = html.content.decode()
    assert "no se sabe" in html
    # Water: off the premises with no distance; the rest is answered and basic.
    assert "0 centros de salud con nivel conocido. 1 centro más, sin respuestas" in html
    assert "1 centro de salud con nivel conocido." in html


def test_the_health_centre_page_shows_its_rungs_from_its_latest_validated_survey(admin_client):
    house = HealthCentre.objects.get(key="CSSSA009876")
    html = admin_client.get(house.get_absolute_url()).content.decode()
    assert "Escaleras del JMP para establecimientos de salud" in html
    expected = {
        "jmp_health_water": "limitado",  # a tap 320 m away
        "jmp_health_sanitation": "limitado",
        "jmp_health_hygiene": "limitado",
        "jmp_health_waste": "limitado",
        "jmp_health_cleaning": "sin servicio",
    }
    for code, label in expected.items():
        item = html[html.index(f'data-indicator="{code}"') :]
        assert item[: item.index("</li>")].endswith(f"<strong>{label}</strong>")


def test_a_health_centre_without_a_validated_survey_says_so(two_centres, admin_client):
    first, _second = two_centres
    centre_survey(first, D(2026, 3, 3), state="submitted")  # pending: not shown
    html = admin_client.get(first.get_absolute_url()).content.decode()
    assert "Todavía no hay una encuesta validada de este centro" in html
