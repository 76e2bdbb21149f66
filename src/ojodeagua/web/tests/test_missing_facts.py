"""A fact nobody recorded reads "sin dato" on a record's page, never the word "None"."""

import re

import pytest
from django.contrib.auth.models import User

from ojodeagua.conftest import login_client
from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import WaterSystem

pytestmark = pytest.mark.django_db

TAG = re.compile(r"<[^>]+>")


@pytest.mark.parametrize("model", [Locality, WaterSystem, Provider, School, HealthCentre])
def test_record_pages_never_print_none(model):
    client = login_client("agencia")
    scope = scope_for(User.objects.get(username="agencia"))
    records = scope.visible(model.objects.order_by("pk"))[:60]
    assert records
    for record in records:
        text = TAG.sub(" ", client.get(record.get_absolute_url()).content.decode())
        assert not re.search(r"\bNone\b", text), record.get_absolute_url()


def test_a_system_without_design_households_says_there_is_no_data():
    system = WaterSystem.objects.filter(design_households__isnull=True).first()
    system_page = login_client("agencia").get(system.get_absolute_url()).content.decode()
    assert re.search(r"Viviendas de diseño</dt><dd>sin dato</dd>", system_page)
