"""The health-centre survey's JMP questions: the page, the model's rules and the import all
take the same answers, and refuse a wrong distance in Spanish."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from ojodeagua.facilities.models import HealthCentre
from ojodeagua.imports.engine import run_import
from ojodeagua.monitoring.forms import HealthCentreSurveyForm
from ojodeagua.monitoring.import_spec import import_specs
from ojodeagua.monitoring.models import HealthCentreSurvey, InstitutionSurvey

HEALTH_CARE_FIELDS = (
    "water_source_distance_m",
    "toilet_for_staff",
    "toilet_menstrual_hygiene",
    "toilet_accessible",
    "hand_hygiene_at_care_points",
    "hand_hygiene_near_toilets",
    "waste_segregated",
    "waste_treated_safely",
    "cleaning_protocol",
    "cleaning_staff_trained",
)
NEGATIVE = "La distancia no puede ser negativa"
ON_PREMISES = "La fuente está dentro del centro de salud"


def centre() -> HealthCentre:
    return HealthCentre.objects.get(locality__municipality__key="07012")


def test_the_answers_are_one_list_the_school_ones_then_the_health_care_ones():
    answers = HealthCentreSurvey.ANSWER_FIELDS
    assert set(InstitutionSurvey.ANSWER_FIELDS) <= set(answers)
    assert set(HEALTH_CARE_FIELDS) <= set(answers)
    form_fields = HealthCentreSurveyForm.Meta.fields
    assert [name for name in form_fields if name in answers] == list(answers)


@pytest.mark.django_db
def test_a_survey_without_the_health_care_answers_stays_valid():
    survey = HealthCentreSurvey(
        record_id="antes",
        observed_on="2026-01-05",
        source="visit",
        health_centre=centre(),
        water_source_improved=True,
        water_available=True,
    )
    survey.full_clean()
    assert all(getattr(survey, name) is None for name in HEALTH_CARE_FIELDS)


@pytest.mark.django_db
def test_the_page_saves_the_health_care_answers(agencia):
    response = agencia.post(
        "/encuestas/centros-de-salud/nueva/",
        {
            "health_centre": centre().pk,
            "observed_on": "2026-11-12",
            "source": "visit",
            **dict.fromkeys(InstitutionSurvey.ANSWER_FIELDS, "False"),
            "water_source_improved": "True",
            "water_available": "True",
            "water_source_distance_m": "500",
            "toilets_improved": "True",
            "toilet_for_staff": "true",
            "toilet_menstrual_hygiene": "false",
            "toilet_accessible": "unknown",
            "hand_hygiene_at_care_points": "true",
            "hand_hygiene_near_toilets": "false",
            "waste_segregated": "true",
            "waste_treated_safely": "true",
            "cleaning_protocol": "false",
            "cleaning_staff_trained": "unknown",
        },
    )
    assert response.status_code == 302
    survey = HealthCentreSurvey.objects.filter(health_centre=centre()).latest("pk")
    assert survey.water_on_premises is False and survey.water_source_distance_m == 500
    assert (survey.toilet_for_staff, survey.toilet_menstrual_hygiene) == (True, False)
    assert survey.toilet_accessible is None and survey.cleaning_staff_trained is None
    assert survey.hand_hygiene_at_care_points and not survey.hand_hygiene_near_toilets
    detail = agencia.get(survey.get_absolute_url()).content.decode()
    assert "distancia del centro a la fuente de agua (metros)" in detail.lower()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"water_source_distance_m": "-1"}, NEGATIVE),
        ({"water_source_distance_m": "100001"}, "Más de 100 000 m"),
        ({"water_on_premises": "True", "water_source_distance_m": "120"}, ON_PREMISES),
    ],
)
def test_the_page_refuses_a_wrong_distance_in_spanish(agencia, answers, message):
    before = HealthCentreSurvey.objects.count()
    response = agencia.post(
        "/encuestas/centros-de-salud/nueva/",
        {
            "health_centre": centre().pk,
            "observed_on": "2026-11-12",
            "source": "visit",
            **dict.fromkeys(InstitutionSurvey.ANSWER_FIELDS, "False"),
            "water_source_improved": "True",
            **answers,
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert HealthCentreSurvey.objects.count() == before


@pytest.mark.django_db
def test_the_model_rules_on_the_distance():
    survey = HealthCentreSurvey(
        health_centre=centre(), water_source_improved=True, water_available=True
    )
    survey.water_on_premises = False
    for fine in (None, 0, 500, 501, 100_000):
        survey.water_source_distance_m = fine
        survey.clean()
        survey.clean_fields(exclude=["record_id", "observed_on", "source"])
    survey.water_source_distance_m = 100_001
    with pytest.raises(ValidationError, match="Más de 100 000 m"):
        survey.clean_fields(exclude=["record_id", "observed_on", "source"])
    with pytest.raises(ValidationError, match="Más de 100 000 m"):
        survey.clean()
    survey.water_source_distance_m = -1
    with pytest.raises(ValidationError, match=NEGATIVE):
        survey.clean()
    survey.water_on_premises = True
    survey.water_source_distance_m = 0  # on the premises the distance is nothing
    survey.clean()
    survey.water_source_distance_m = 30
    with pytest.raises(ValidationError, match=ON_PREMISES):
        survey.clean()


@pytest.mark.django_db
def test_the_import_takes_the_health_care_columns_and_refuses_a_negative_distance():
    header = "record_id,observed_on,health_centre_id,water_source_improved,water_available," + (
        ",".join(("water_on_premises", *HEALTH_CARE_FIELDS))
    )
    pk = centre().pk
    rows = [
        f"hc-1,2026-03-01,{pk},si,si,no,501,si,no,si,si,no,si,no,si,si",
        f"hc-2,2026-03-02,{pk},si,si,no,,,,,,,,,,",
        f"hc-3,2026-03-03,{pk},si,si,no,-5,si,si,si,si,si,si,si,si,si",
        f"hc-4,2026-03-04,{pk},si,si,si,40,si,si,si,si,si,si,si,si,si",
    ]
    result = run_import(
        import_specs()["health-centre-surveys"],
        "\n".join([header, *rows]).encode(),
        user=User.objects.get(username="agencia"),
    )
    assert result.created == 2
    rejected = dict(result.rejected)
    assert set(rejected) == {4, 5}
    assert "water_source_distance_m debe ser un número entero entre 0 y 100000" in rejected[4]
    assert ON_PREMISES in rejected[5]
    first = HealthCentreSurvey.objects.get(record_id="hc-1")
    assert first.water_source_distance_m == 501 and first.toilet_menstrual_hygiene is False
    assert (first.waste_segregated, first.waste_treated_safely) == (True, False)
    empty = HealthCentreSurvey.objects.get(record_id="hc-2")
    assert all(getattr(empty, name) is None for name in HEALTH_CARE_FIELDS)
