"""Every persona tries every page, search, export and API endpoint of another scope."""

import csv
import io
import re

import pytest
from rest_framework.test import APIClient

from ojodeagua.conftest import login_client
from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import device_key
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Member, Provider
from ojodeagua.watersystems.models import WaterSystem

NEIGHBOUR = "07061"  # Ocozocoautla: in the demo, but outside every persona's scope


def foreign_objects(persona: str) -> dict[str, object]:
    """One object of each kind that ``persona`` must not reach, chosen from the demo's facts."""
    neighbour_system = WaterSystem.objects.filter(municipality__key=NEIGHBOUR).first()
    foreign_school = School.objects.create(
        name="Escuela Primaria Fuera De Alcance",
        level=School.Level.PRIMARY,
        locality=neighbour_system.locality,
        water_system=neighbour_system,
    )
    if persona == "agencia":
        provider = neighbour_system.provider
        locality = Locality.objects.filter(municipality__key=NEIGHBOUR).last()
        health_centre = HealthCentre.objects.get(locality__municipality__key=NEIGHBOUR)
    else:
        covered = Membership.objects.get(user__username=persona).providers.all()
        provider = (
            Provider.objects.filter(municipality__key="07012", kind=Provider.Kind.COMMITTEE)
            .exclude(pk__in=covered)
            .order_by("-pk")
            .first()
        )
        locality = provider.locality
        health_centre = HealthCentre.objects.get(locality__municipality__key=NEIGHBOUR)
        # A school of her municipality whose committee she does not accompany, if any.
        foreign_school = (
            School.objects.filter(locality__municipality__key="07012")
            .exclude(water_system__provider__in=covered)
            .first()
            or foreign_school
        )
    return {
        "provider": provider,
        "system": provider.systems.first(),
        "locality": locality,
        "school": foreign_school,
        "health_centre": health_centre,
        "member": provider.members.first(),
        "component": provider.systems.first().components.first(),
        "source": provider.systems.first().sources.first(),
        "served_locality": provider.systems.first().served_localities.first(),
    }


PAGES = {
    "provider": ("/prestadores/{pk}/", "/prestadores/{pk}/editar/"),
    "system": ("/sistemas/{pk}/", "/sistemas/{pk}/editar/"),
    "locality": ("/localidades/{pk}/", "/localidades/{pk}/editar/"),
    "school": ("/escuelas/{pk}/", "/escuelas/{pk}/editar/"),
    "health_centre": ("/centros-de-salud/{pk}/", "/centros-de-salud/{pk}/editar/"),
}
LISTS = {
    "provider": "/prestadores/",
    "system": "/sistemas/",
    "locality": "/localidades/",
    "school": "/escuelas/",
    "health_centre": "/centros-de-salud/",
}
API = {
    "provider": "/api/v1/providers/",
    "system": "/api/v1/systems/",
    "locality": "/api/v1/localities/",
    "school": "/api/v1/schools/",
    "health_centre": "/api/v1/health-centres/",
    "member": "/api/v1/members/",
    "component": "/api/v1/components/",
    "source": "/api/v1/sources/",
    "served_locality": "/api/v1/served-localities/",
}
UNSEARCHABLE = {"member", "component", "source", "served_locality"}
PERSONAS = ["agencia", "ong", "tesorera"]


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def api_client(username: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {device_key(username)}")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_of_another_scope_answer_404_or_403(persona):
    client = login_client(persona)
    for kind, obj in foreign_objects(persona).items():
        for template in PAGES.get(kind, ()):
            url = template.format(pk=obj.pk)
            assert client.get(url).status_code in {403, 404}, url
            assert client.post(url, {"name": "Cambiado"}).status_code in {403, 404}, url


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_searches_and_exports_never_show_another_scope(persona):
    client = login_client(persona)
    for kind, obj in foreign_objects(persona).items():
        if kind not in LISTS:
            continue
        for query in ("", f"?q={obj.name}"):
            listing = body(client.get(LISTS[kind] + query))
            assert f'href="{obj.get_absolute_url()}"' not in listing, (kind, query)
            results = body(
                client.get(
                    LISTS[kind] + query, headers={"HX-Request": "true", "HX-Target": "results"}
                )
            )
            assert obj.get_absolute_url() not in results
            export = body(client.get(LISTS[kind] + "exportar.csv" + query))
            cells = {cell for row in csv.reader(io.StringIO(export)) for cell in row}
            assert obj.name not in cells, (kind, query)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_of_another_scope_answers_404_and_lists_do_not_leak(persona):
    client = api_client(persona)
    for kind, obj in foreign_objects(persona).items():
        url = f"{API[kind]}{obj.pk}/"
        assert client.get(url).status_code == 404, url
        # Read-only endpoints answer 405 to everyone; the others must not admit the object.
        refused = {403, 404, 405}
        assert client.patch(url, {"name": "Cambiado"}, format="json").status_code in refused
        assert client.put(url, {"name": "Cambiado"}, format="json").status_code in refused
        query = {"page_size": 1000} if kind in UNSEARCHABLE else {"page_size": 1000, "q": obj.name}
        listed = client.get(API[kind], query)
        ids = [row["id"] for row in listed.json()["results"]]
        assert obj.pk not in ids, (kind, url)


@pytest.mark.django_db
def test_a_treasurer_sees_only_her_own_committee():
    own = Membership.objects.get(user__username="tesorera").providers.get()
    client = api_client("tesorera")

    providers = client.get("/api/v1/providers/").json()
    systems = client.get("/api/v1/systems/").json()
    members = client.get("/api/v1/members/").json()

    assert [row["id"] for row in providers["results"]] == [own.pk]
    assert {row["provider"] for row in systems["results"]} == {own.pk}
    assert {row["provider"] for row in members["results"]} == {own.pk}
    # The list itself (her menu links to her committee too).
    page = body(login_client("tesorera").get("/prestadores/")).partition("<main")[2]
    assert re.findall(r'href="/prestadores/(\d+)/"', page) == [str(own.pk)]


@pytest.mark.django_db
def test_the_facilitator_sees_exactly_the_committees_she_accompanies():
    covered = set(
        Membership.objects.get(user__username="ong").providers.values_list("pk", flat=True)
    )
    listed = api_client("ong").get("/api/v1/providers/", {"page_size": 1000}).json()
    assert {row["id"] for row in listed["results"]} == covered


@pytest.mark.django_db
def test_the_agency_sees_its_whole_municipality_and_nothing_beyond():
    listed = api_client("agencia").get("/api/v1/localities/").json()
    assert listed["count"] == Locality.objects.filter(municipality__key="07012").count()
    keys = {row["municipality_key"] for row in listed["results"]}
    assert keys == {"07012"}


@pytest.mark.django_db
def test_a_form_cannot_attach_a_system_to_a_committee_out_of_scope():
    own = Membership.objects.get(user__username="tesorera").providers.get()
    system = own.systems.first()
    foreign = Provider.objects.exclude(pk=own.pk).first()
    client = login_client("tesorera")

    response = client.post(
        f"/sistemas/{system.pk}/editar/",
        {
            "name": system.name,
            "kind": system.kind,
            "provider": foreign.pk,
            "locality": system.locality_id,
            **empty_formsets(),
        },
    )

    assert response.status_code == 400
    assert "Seleccione una opción válida" in body(response)
    system.refresh_from_db()
    assert system.provider_id == own.pk


@pytest.mark.django_db
def test_the_api_refuses_to_create_a_member_for_another_committee():
    foreign = Provider.objects.filter(municipality__key=NEIGHBOUR).first()
    response = api_client("ong").post(
        "/api/v1/members/",
        {"provider": foreign.pk, "name": "Alguien", "role": "president", "sex": "F"},
        format="json",
    )
    assert response.status_code == 400
    assert not Member.objects.filter(name="Alguien").exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in_and_the_api_refuses_them():
    from django.test import Client

    client = Client()
    for url in [*LISTS.values(), "/", "/bitacora/", "/sistemas/1/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/entrar/" in response["Location"], url
    assert client.get("/api/v1/providers/").status_code in {401, 403}


def empty_formsets() -> dict[str, str]:
    data = {}
    for prefix in ("source", "component", "servedlocality"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


@pytest.mark.django_db
def test_the_treasurer_adds_components_to_her_system_only():
    own = Membership.objects.get(user__username="tesorera").providers.get().systems.get()
    foreign = WaterSystem.objects.exclude(pk=own.pk).first()
    client = api_client("tesorera")

    added = client.post(
        "/api/v1/components/",
        {"system": own.pk, "kind": "chlorinator", "condition": "good", "install_year": 2026},
        format="json",
    )
    refused = client.post(
        "/api/v1/components/",
        {"system": foreign.pk, "kind": "chlorinator", "condition": "good"},
        format="json",
    )

    assert added.status_code == 201, added.json()
    assert refused.status_code == 400
    assert not foreign.components.filter(kind="chlorinator", install_year=2026).exists()
