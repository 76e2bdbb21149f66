"""The health-centre survey's JMP questions through the API: taken, stored, refused in Spanish."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from ojodeagua.facilities.models import HealthCentre
from ojodeagua.monitoring.models import HealthCentreSurvey

pytestmark = pytest.mark.django_db


def agencia() -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username="agencia"))
    return client


def payload(**answers) -> dict:
    centre = HealthCentre.objects.get(locality__municipality__key="07012")
    return {
        "record_id": "api-salud-1",
        "observed_on": "2026-11-20",
        "source": "visit",
        "health_centre": centre.pk,
        "water_source_improved": True,
        "water_available": True,
        **answers,
    }


def test_the_api_takes_and_gives_back_the_health_care_answers():
    answers = {
        "water_on_premises": False,
        "water_source_distance_m": 501,
        "toilet_for_staff": True,
        "toilet_menstrual_hygiene": False,
        "toilet_accessible": None,
        "hand_hygiene_at_care_points": True,
        "hand_hygiene_near_toilets": True,
        "waste_segregated": False,
        "waste_treated_safely": True,
        "cleaning_protocol": True,
        "cleaning_staff_trained": False,
    }
    response = agencia().post("/api/v1/health-centre-surveys/", payload(**answers), format="json")
    assert response.status_code == 201, response.json()
    stored = HealthCentreSurvey.objects.get(record_id="api-salud-1")
    assert {name: getattr(stored, name) for name in answers} == answers
    given = response.json()
    assert {name: given[name] for name in answers} == answers


def test_the_api_leaves_unasked_answers_empty():
    response = agencia().post("/api/v1/health-centre-surveys/", payload(), format="json")
    assert response.status_code == 201, response.json()
    stored = HealthCentreSurvey.objects.get(record_id="api-salud-1")
    assert stored.water_source_distance_m is None and stored.cleaning_protocol is None


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"water_on_premises": False, "water_source_distance_m": -1},
            "La distancia no puede ser negativa",
        ),
        (
            {"water_on_premises": False, "water_source_distance_m": 100_001},
            "Más de 100 000 m",
        ),
        (
            {"water_on_premises": True, "water_source_distance_m": 80},
            "La fuente está dentro del centro de salud",
        ),
    ],
)
def test_the_api_refuses_a_wrong_distance_in_spanish(answers, message):
    response = agencia().post("/api/v1/health-centre-surveys/", payload(**answers), format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    assert not HealthCentreSurvey.objects.filter(record_id="api-salud-1").exists()
