"""The registry API: tokens, schema, reading and writing within scope, and the audit trail."""

from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from ojodeagua.audit.models import AuditEvent
from ojodeagua.organisations.models import ApiToken, Membership
from ojodeagua.organisations.tests.factories import municipal_viewer
from ojodeagua.organisations.tokens import digest_of
from ojodeagua.places.models import Locality
from ojodeagua.watersystems.models import WaterSystem


def token_for(username: str) -> str:
    out = StringIO()
    call_command("api-token", username, stdout=out)
    return out.getvalue().strip()


def client_for(username: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(username)}")
    return client


@pytest.mark.django_db
def test_api_token_makes_a_new_key_each_time_and_keeps_only_its_hash():
    first, second = token_for("ong"), token_for("ong")

    assert first != second
    assert first.startswith("oda_") and len(first) >= 4 + 43  # 32 random bytes in base64
    stored = ApiToken.objects.get(digest=digest_of(first))
    assert stored.user.username == "ong"
    assert first not in {stored.digest, stored.prefix, stored.name}
    assert client_for("ong").get("/api/v1/providers/").status_code == 200


@pytest.mark.django_db
def test_api_token_explains_an_unknown_user():
    with pytest.raises(CommandError, match="No existe el usuario «nadie»"):
        call_command("api-token", "nadie")


@pytest.mark.django_db
def test_the_openapi_schema_lists_the_registry_endpoints():
    response = client_for("agencia").get("/api/v1/openapi.json")
    schema = response.json()
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/providers/", "/api/v1/systems/{id}/", "/api/v1/localities/"):
        assert path in schema["paths"], path


@pytest.mark.django_db
def test_a_bad_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token no-es-una-clave")
    assert client.get("/api/v1/providers/").status_code == 401


@pytest.mark.django_db
def test_the_agency_creates_a_system_through_the_api_and_it_is_audited():
    locality = Locality.objects.filter(municipality__key="07012").last()
    client = client_for("agencia")

    response = client.post(
        "/api/v1/systems/",
        {"name": "Pozo nuevo", "kind": "point", "locality": locality.pk},
        format="json",
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["municipality"] == locality.municipality_id
    event = AuditEvent.objects.get(
        action="create",
        object_id=str(created["id"]),
        content_type=ContentType.objects.get_for_model(WaterSystem),
    )
    assert event.actor.username == "agencia"
    assert event.municipality_id == locality.municipality_id


@pytest.mark.django_db
def test_the_treasurer_updates_her_committee_but_cannot_create_systems():
    own = Membership.objects.get(user__username="tesorera").providers.get()
    before = own.established_year
    client = client_for("tesorera")

    patched = client.patch(
        f"/api/v1/providers/{own.pk}/", {"established_year": 1999}, format="json"
    )
    created = client.post(
        "/api/v1/systems/",
        {"name": "X", "kind": "point", "locality": own.locality_id},
        format="json",
    )

    assert patched.status_code == 200
    own.refresh_from_db()
    assert own.established_year == 1999
    event = AuditEvent.objects.get(
        action="update", object_id=str(own.pk), content_type__model=type(own)._meta.model_name
    )
    assert event.changes == {"established_year": [before, 1999]}
    assert created.status_code == 403


@pytest.mark.django_db
def test_a_viewer_reads_but_cannot_write():
    client = client_for(municipal_viewer())
    provider = client.get("/api/v1/providers/").json()["results"][0]

    response = client.patch(f"/api/v1/providers/{provider['id']}/", {"notes": "x"}, format="json")

    assert response.status_code == 403


@pytest.mark.django_db
def test_nothing_can_be_deleted_through_the_api():
    provider = client_for("agencia").get("/api/v1/providers/").json()["results"][0]
    response = client_for("agencia").delete(f"/api/v1/providers/{provider['id']}/")
    assert response.status_code == 405


def test_the_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").stat().st_size > 1000


@pytest.mark.django_db
def test_the_api_applies_the_same_rules_as_the_forms():
    own = Membership.objects.get(user__username="tesorera").providers.get()
    member = own.members.first()

    response = client_for("tesorera").patch(
        f"/api/v1/members/{member.pk}/",
        {"term_start": "2026-05-01", "term_end": "2025-05-01"},
        format="json",
    )

    assert response.status_code == 400
    assert "El fin del cargo no puede ser antes de su inicio." in str(response.json())


@pytest.mark.django_db
def test_api_filters_only_accept_what_the_user_can_see():
    from ojodeagua.providers.models import Provider

    foreign = Provider.objects.filter(municipality__key="07061").first()
    client = client_for("tesorera")

    by_foreign = client.get("/api/v1/members/", {"provider": foreign.pk})
    by_missing = client.get("/api/v1/members/", {"provider": 999999})
    as_html = client.get("/api/v1/members/", HTTP_ACCEPT="text/html")

    assert by_foreign.status_code == by_missing.status_code == 400
    assert by_foreign.json() == {
        key: [text.replace("999999", str(foreign.pk)) for text in value]
        for key, value in by_missing.json().items()
    }
    assert as_html["Content-Type"].startswith("application/json") or as_html.status_code == 406
    assert foreign.name not in as_html.content.decode()
