"""Whether a system chlorinates and draws on surface water: what the quality figures read."""

import pytest
from rest_framework.test import APIClient

from ojodeagua.api.tests.test_api import token_for
from ojodeagua.providers.tests.factories import make_system
from ojodeagua.watersystems.models import Component, Source, WaterSystem


def facts(*systems):
    return WaterSystem.objects.filter(pk__in=[s.pk for s in systems]).treatment_facts()


@pytest.mark.django_db
def test_chlorination_is_the_registry_answer_or_else_a_chlorinator_on_record():
    unknown = make_system(name="Sin dato")
    with_chlorinator = make_system(name="Con clorador")
    Component.objects.create(system=with_chlorinator, kind=Component.Kind.CHLORINATOR)
    said_no = make_system(name="Dice que no", chlorinates="no")
    # The registry's "no" wins over an idle chlorinator.
    Component.objects.create(system=said_no, kind=Component.Kind.CHLORINATOR)
    said_yes = make_system(name="Dice que sí", chlorinates="yes")
    found = facts(unknown, with_chlorinator, said_no, said_yes)
    assert unknown.chlorinates == "unknown"  # the default is honest: nobody said
    assert found[unknown.pk]["chlorinates"] == "unknown"
    assert found[with_chlorinator.pk]["chlorinates"] == "yes"
    assert found[said_no.pk]["chlorinates"] == "no"
    assert found[said_yes.pk]["chlorinates"] == "yes"
    assert found[said_yes.pk]["name"] == "Dice que sí"


@pytest.mark.django_db
def test_surface_water_by_the_source_kind_or_its_surface_influence():
    river = make_system(name="Río")
    Source.objects.create(system=river, kind=Source.Kind.STREAM, surface_influence="no")
    influenced = make_system(name="Manantial con influencia")
    Source.objects.create(system=influenced, kind=Source.Kind.SPRING, surface_influence="yes")
    deep = make_system(name="Pozo profundo")
    Source.objects.create(system=deep, kind=Source.Kind.BOREHOLE, surface_influence="no")
    mixed = make_system(name="Dos fuentes")
    Source.objects.create(system=mixed, kind=Source.Kind.BOREHOLE, surface_influence="no")
    Source.objects.create(system=mixed, kind=Source.Kind.SPRING)
    no_source = make_system(name="Sin fuentes")
    found = facts(river, influenced, deep, mixed, no_source)
    assert found[river.pk]["surface"] == "yes"
    assert found[influenced.pk]["surface"] == "yes"
    assert found[deep.pk]["surface"] == "no"
    # One source nobody described: not known, never taken for "no".
    assert found[mixed.pk]["surface"] == "unknown"
    assert found[no_source.pk]["surface"] == "unknown"


@pytest.mark.django_db
def test_the_api_reads_and_writes_whether_a_system_chlorinates():
    from ojodeagua.places.models import Locality

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for('agencia')}")
    locality = Locality.objects.filter(municipality__key="07012").last()
    created = client.post(
        "/api/v1/systems/",
        {"name": "Pozo nuevo", "kind": "point", "locality": locality.pk},
        format="json",
    ).json()
    assert created["chlorinates"] == "unknown"
    changed = client.patch(
        f"/api/v1/systems/{created['id']}/", {"chlorinates": "no"}, format="json"
    )
    assert changed.status_code == 200
    assert WaterSystem.objects.get(pk=created["id"]).chlorinates == "no"
    refused = client.patch(
        f"/api/v1/systems/{created['id']}/", {"chlorinates": "a veces"}, format="json"
    )
    assert refused.status_code == 400
