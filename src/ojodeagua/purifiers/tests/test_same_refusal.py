"""One wrong request, three ways in: a visit dated before the unit was installed gets the same
sentence from the page, the API and the importer, because all three ask the same service."""

import datetime
import html

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ojodeagua.imports.engine import run_import
from ojodeagua.organisations.tests.factories import device_key
from ojodeagua.purifiers.import_spec import VISITS
from ojodeagua.purifiers.models import FollowUpVisit

from .factories import build_area, unit

pytestmark = pytest.mark.django_db

REFUSAL = (
    "La visita es del 01/02/2026, antes de que se instalara el purificador (15/03/2026). "
    "Revise la fecha de la visita."
)


def test_a_visit_before_the_installation_is_refused_alike_by_page_api_and_import():
    area = build_area()
    facilitadora = area.people["facilitadora"]
    target = unit(area.localities["L1"], "1", datetime.date(2026, 3, 15), record_id="u-1")
    seen = {"in_use": True, "is_clean": True, "lamp_working": True, "stored_water_covered": True}

    page = Client()
    page.force_login(facilitadora)
    by_page = page.post(
        reverse("purifiers:visit_create", args=[target.pk]),
        {"visited_on": "2026-02-01", "record_id": "v-page", **seen},
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {device_key(facilitadora.username)}")
    by_api = api.post(
        "/api/v1/purifier-visits/",
        {"unit": target.pk, "visited_on": "2026-02-01", "record_id": "v-api", **seen},
        format="json",
    )
    by_file = run_import(
        VISITS,
        (
            "record_id,unit_record_id,visited_on,in_use,is_clean,lamp_working,"
            "stored_water_covered\nv-file,u-1,2026-02-01,sí,sí,sí,sí\n"
        ).encode(),
        filename="visitas.csv",
        user=facilitadora,
    )

    assert by_page.status_code == 400
    assert REFUSAL in html.unescape(by_page.content.decode())
    assert by_api.status_code == 400 and by_api.json() == {"visited_on": [REFUSAL]}
    assert by_file.rejected == [(2, f"visited_on: {REFUSAL}")]
    assert not FollowUpVisit.objects.filter(unit=target).exists()
