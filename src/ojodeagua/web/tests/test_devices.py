"""Device keys: one per device with a name, made and withdrawn by their owner on «Mis
dispositivos», withdrawn by coordinators for people in their area, and ended by a password change,
a deactivated account or the end of a person's last access. The API refuses a dead key in
Spanish, with 401."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from ojodeagua.audit.models import AuditEvent
from ojodeagua.conftest import login_client
from ojodeagua.organisations import tokens
from ojodeagua.organisations.models import ApiToken, Membership, Organisation
from ojodeagua.organisations.tests.factories import device_key
from ojodeagua.providers.models import Provider

PROVIDERS = "/api/v1/providers/"
NEW_PASSWORD = "Pozo-de-la-cañada-7"


def make_key_on_the_page(client: Client, name: str, days: int = 90) -> str:
    """Fill «Mis dispositivos» as the person does and read the key the page shows once."""
    response = client.post("/mis-dispositivos/", {"name": name, "lifetime_days": days})
    assert response.status_code == 200, response.content.decode()
    shown = response.content.decode()
    match = re.search(r'<code id="new-key" class="key">(oda_[\w-]+)</code>', shown)
    assert match, "the new key is shown"
    return match.group(1)


def api_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def refused(key: str) -> str:
    response = api_with(key).get(PROVIDERS)
    assert response.status_code == 401
    return response.json()["detail"]


def reset_password_as_coordinator(coordinator: Client, username: str, password: str):
    membership = Membership.objects.get(user__username=username)
    return coordinator.post(
        f"/equipo/{membership.pk}/editar/",
        {
            "organisation": membership.organisation_id,
            "username": username,
            "first_name": membership.user.first_name,
            "role": membership.role,
            "providers": [p.pk for p in membership.providers.all()],
            "password": password,
            "active": "on",
        },
    )


@pytest.mark.django_db
def test_a_coordinators_password_reset_ends_the_treasurers_old_key(tesorera, agencia):
    key = make_key_on_the_page(tesorera, "Teléfono de la tesorera")
    assert api_with(key).get(PROVIDERS).status_code == 200

    response = reset_password_as_coordinator(agencia, "tesorera", NEW_PASSWORD)

    assert response.status_code == 302
    assert "cambió la contraseña" in refused(key)
    stored = ApiToken.objects.get(digest=tokens.digest_of(key))
    assert stored.ending == ApiToken.Ending.PASSWORD and stored.revoked_at is not None


@pytest.mark.django_db
def test_each_device_has_its_own_named_key_and_one_is_withdrawn_alone(tesorera):
    phone = make_key_on_the_page(tesorera, "Teléfono de la tesorera")
    laptop = make_key_on_the_page(tesorera, "Computadora del comité", days=30)

    page = tesorera.get("/mis-dispositivos/").content.decode()
    assert "Teléfono de la tesorera" in page and "Computadora del comité" in page
    assert phone not in page and laptop not in page  # shown once, never again
    assert "nunca se ha usado" in page

    assert api_with(phone).get(PROVIDERS).status_code == 200
    page = tesorera.get("/mis-dispositivos/").content.decode()
    assert "último uso el" in page

    token = ApiToken.objects.get(digest=tokens.digest_of(phone))
    response = tesorera.post(f"/mis-dispositivos/{token.pk}/retirar/")

    assert response.status_code == 302
    assert "la retiró su dueño(a)" in refused(phone)
    assert api_with(laptop).get(PROVIDERS).status_code == 200
    event = AuditEvent.objects.get(
        content_type__model="apitoken", object_id=str(token.pk), action="update"
    )
    assert event.actor_label == "tesorera"


@pytest.mark.django_db
def test_only_the_hash_of_a_key_is_stored(tesorera):
    key = make_key_on_the_page(tesorera, "Teléfono")
    token = ApiToken.objects.get(user__username="tesorera")

    stored_text = " ".join(str(value) for value in ApiToken.objects.values().get().values())
    assert key not in stored_text
    assert token.digest == tokens.digest_of(key) and len(token.digest) == 64
    assert token.prefix == key[:8]
    created = AuditEvent.objects.get(
        content_type__model="apitoken", object_id=str(token.pk), action="create"
    )
    assert key not in str(created.changes)


@pytest.mark.django_db
def test_an_expired_key_is_refused_with_a_spanish_message(tesorera):
    key = make_key_on_the_page(tesorera, "Teléfono", days=30)

    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        assert api_with(key).get(PROVIDERS).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        assert "venció el" in refused(key)
        # A month later her session has ended too; she signs in again.
        page = login_client("tesorera").get("/mis-dispositivos/").content.decode()
    assert "venció el" in page and "No tiene claves en uso." in page


@pytest.mark.django_db
def test_the_last_use_is_written_at_most_every_five_minutes():
    key = device_key("ong")
    start = timezone.now()

    def last_use_after(minutes: int):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert api_with(key).get(PROVIDERS).status_code == 200
        return ApiToken.objects.get(digest=tokens.digest_of(key)).last_used_at

    first = last_use_after(0)
    assert first == start
    assert last_use_after(4) == first
    assert last_use_after(6) == start + timedelta(minutes=6)


@pytest.mark.django_db
def test_a_coordinator_sees_and_withdraws_the_keys_of_people_in_her_area(agencia):
    key = device_key("tesorera", "Teléfono de la tesorera")
    outsider = User.objects.create_user("vecina", password="x")
    neighbour_committee = Provider.objects.filter(municipality__key="07061").first()
    membership = Membership.objects.create(
        user=outsider,
        organisation=Organisation.objects.create(
            name="Comité vecino", kind="committee", provider=neighbour_committee
        ),
        role=Membership.Role.COMMITTEE_MEMBER,
    )
    membership.providers.add(neighbour_committee)
    outside_key = device_key("vecina", "Teléfono de la vecina")
    User.objects.create_superuser("raiz", password="x")
    admin_key = device_key("raiz", "Servidor de respaldo")

    page = agencia.get("/equipo/dispositivos/").content.decode()

    assert "Teléfono de la tesorera" in page
    assert "Teléfono de la vecina" not in page
    assert "Servidor de respaldo" not in page
    for other in (outside_key, admin_key):
        other_pk = ApiToken.objects.get(digest=tokens.digest_of(other)).pk
        assert agencia.post(f"/mis-dispositivos/{other_pk}/retirar/").status_code == 404

    token = ApiToken.objects.get(digest=tokens.digest_of(key))
    response = agencia.post(f"/mis-dispositivos/{token.pk}/retirar/")

    assert response.status_code == 302 and response["Location"] == "/equipo/dispositivos/"
    assert "la retiró quien coordina" in refused(key)
    token.refresh_from_db()
    assert token.revoked_by.username == "agencia"
    assert api_with(outside_key).get(PROVIDERS).status_code == 200


@pytest.mark.django_db
def test_people_who_do_not_coordinate_neither_see_nor_withdraw_others_keys(ong, tesorera):
    key = device_key("agencia", "Tableta de la agencia")
    token = ApiToken.objects.get(digest=tokens.digest_of(key))

    for client in (ong, tesorera):
        assert client.get("/equipo/dispositivos/").status_code == 403
        assert client.post(f"/mis-dispositivos/{token.pk}/retirar/").status_code == 404
        assert "Tableta de la agencia" not in client.get("/mis-dispositivos/").content.decode()
    assert api_with(key).get(PROVIDERS).status_code == 200


@pytest.mark.django_db
def test_changing_ones_own_password_ends_ones_keys(tesorera):
    key = make_key_on_the_page(tesorera, "Teléfono")

    response = tesorera.post(
        "/mi-contrasena/",
        {"old_password": "demo", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert "Se cambió su contraseña" in response.content.decode()
    assert "cambió la contraseña" in refused(key)
    assert tesorera.get("/mis-dispositivos/").status_code == 200  # still signed in


@pytest.mark.django_db
def test_a_deactivated_account_loses_its_keys():
    key = device_key("ong")
    person = User.objects.get(username="ong")

    person.is_active = False
    person.save()

    assert "se desactivó la cuenta" in refused(key)
    event = AuditEvent.objects.get(action="update", content_type__model="apitoken")
    assert event.actor_label == "sistema"


@pytest.mark.django_db
def test_switching_off_the_last_access_ends_the_keys(agencia):
    key = device_key("tesorera")
    membership = Membership.objects.get(user__username="tesorera")

    response = agencia.post(
        f"/equipo/{membership.pk}/editar/",
        {
            "organisation": membership.organisation_id,
            "username": "tesorera",
            "first_name": membership.user.first_name,
            "role": membership.role,
            "providers": [p.pk for p in membership.providers.all()],
        },
    )

    assert response.status_code == 302
    assert "terminó su acceso" in refused(key)


@pytest.mark.django_db
def test_signing_in_and_saving_a_name_keep_the_keys():
    key = device_key("tesorera")
    client = Client()

    signed_in = client.post("/entrar/", {"username": "tesorera", "password": "demo"})
    person = User.objects.get(username="tesorera")
    person.first_name = "Tesorera del comité"
    person.save()

    assert signed_in.status_code == 302
    assert api_with(key).get(PROVIDERS).status_code == 200


@pytest.mark.django_db
def test_a_superuser_withdraws_keys_in_the_admin():
    key = device_key("ong")
    token = ApiToken.objects.get(digest=tokens.digest_of(key))
    User.objects.create_superuser("raiz", password="x")

    response = login_client("raiz").post(
        "/admin/organisations/apitoken/",
        {"action": "withdraw", "_selected_action": [token.pk]},
        follow=True,
    )

    assert "Se retiró 1 clave." in response.content.decode()
    assert "la retiró quien coordina" in refused(key)


@pytest.mark.django_db
def test_a_key_needs_a_name(tesorera):
    response = tesorera.post("/mis-dispositivos/", {"name": "  ", "lifetime_days": 90})

    assert response.status_code == 400
    assert not ApiToken.objects.filter(user__username="tesorera").exists()
