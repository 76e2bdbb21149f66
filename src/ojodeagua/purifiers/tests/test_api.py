"""The purifier register through /api/v1/: the same service, the same answers as every create."""

import datetime

import pytest
from rest_framework.test import APIClient

from ojodeagua.organisations.tests.factories import device_key
from ojodeagua.purifiers.models import FollowUpVisit, Unit

from .factories import build_area, ecoli_result, unit, visit

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def area():
    return build_area()


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {device_key(user.username)}")
    return client


def test_a_unit_posted_twice_is_created_once_and_other_content_is_a_conflict(area):
    client = api(area.people["facilitadora"])
    sent = {
        "record_id": "api-u-1",
        "locality": area.localities["L1"].pk,
        "place_label": "31",
        "installed_on": "2026-04-01",
    }

    created = client.post("/api/v1/purifier-units/", sent, format="json")
    resent = client.post("/api/v1/purifier-units/", sent, format="json")
    changed = client.post("/api/v1/purifier-units/", {**sent, "place_label": "32"}, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["lamp_due_on"] == "2027-04-01"
    assert resent.status_code == 200 and resent.json()["id"] == created.json()["id"]
    assert changed.status_code == 409 and changed.json()["fields"] == ["place_label"]
    assert Unit.objects.filter(record_id="api-u-1").count() == 1


def test_visits_are_written_through_the_service_and_read_within_scope(area):
    target = unit(area.localities["L1"], "1", D(2026, 1, 10))
    body = {
        "unit": target.pk,
        "visited_on": "2026-05-01",
        "in_use": True,
        "is_clean": True,
        "lamp_working": False,
        "stored_water_covered": True,
    }

    created = api(area.people["facilitadora"]).post("/api/v1/purifier-visits/", body, format="json")
    refused = api(area.people["lectora"]).post("/api/v1/purifier-visits/", body, format="json")
    outside = api(area.people["ajena"]).get("/api/v1/purifier-visits/")

    assert created.status_code == 201 and created.json()["lamp_working"] is False
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Puede ver este purificador, pero no anotar sus visitas."
    assert outside.status_code == 200 and outside.json()["results"] == []
    assert FollowUpVisit.objects.filter(unit=target).count() == 1


def test_the_figures_by_locality_are_the_selectors(area):
    target = unit(area.localities["L1"], "1", D(2026, 1, 10))
    visit(target, D(2026, 6, 1))
    ecoli_result(target, D(2026, 6, 1), after=0)
    unit(area.localities["L2"], "2", D(2026, 1, 10))

    answer = api(area.people["facilitadora"]).get(
        "/api/v1/purifier-units/figures/",
        {"on": "2026-06-30", "municipality": area.municipality.pk},
    )

    assert answer.status_code == 200
    data = answer.json()
    assert data["total"]["units"] == 2 and data["total"]["effective"] == 1
    assert data["total"]["share_in_use"] == 0.5
    assert [(row["locality_name"], row["in_use"]) for row in data["localities"]] == [
        ("El Mirador", 0),
        ("Los Pinos", 1),
    ]
