"""Sign-in is throttled by account and by address (django-axes), and new passwords must pass
Django's validators: long enough, not common, not all digits, not like the username."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from ojodeagua.lib.clients import client_address
from ojodeagua.organisations.models import Membership

LIMIT = settings.AXES_FAILURE_LIMIT


def sign_in(username: str, password: str, address: str = "10.1.1.1"):
    return Client().post(
        "/entrar/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def assert_locked_out(response) -> None:
    assert response.status_code == 429
    html = response.content.decode()
    assert "Demasiados intentos para entrar" in html
    assert "15 minutos" in html
    assert "_auth_user_id" not in response.client.session


@pytest.mark.django_db
def test_wrong_passwords_lock_the_account_until_the_cool_off_ends():
    for attempt in range(LIMIT - 1):
        response = sign_in("tesorera", f"adivinanza-{attempt}")
        assert response.status_code == 200
        assert "contraseña correctos" in response.content.decode()

    assert_locked_out(sign_in("tesorera", "adivinanza-final"))
    # The right password does not get in during the lockout either.
    assert_locked_out(sign_in("tesorera", "demo"))

    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        assert sign_in("tesorera", "demo").status_code == 302


@pytest.mark.django_db
def test_an_account_is_locked_even_when_each_guess_comes_from_another_address():
    for attempt in range(LIMIT):
        sign_in("tesorera", "adivinanza", address=f"10.2.0.{attempt + 1}")

    assert_locked_out(sign_in("tesorera", "demo", address="10.2.1.1"))
    assert sign_in("ong", "demo", address="10.2.1.1").status_code == 302


@pytest.mark.django_db
def test_an_address_trying_many_accounts_is_locked_for_all_of_them():
    for attempt in range(LIMIT):
        sign_in(f"persona{attempt}", "contraseña123", address="10.3.0.1")

    assert_locked_out(sign_in("tesorera", "demo", address="10.3.0.1"))
    assert sign_in("tesorera", "demo", address="10.3.0.2").status_code == 302


@override_settings(BEHIND_TLS_PROXY=True)
def test_behind_the_proxy_the_address_is_the_one_the_proxy_added():
    request = RequestFactory().post(
        "/entrar/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    assert client_address(request) == "203.0.113.9"


def test_without_a_proxy_the_forwarded_header_is_ignored():
    request = RequestFactory().post(
        "/entrar/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert client_address(request) == "198.51.100.7"


@pytest.mark.django_db
def test_a_coordinator_cannot_give_a_short_numeric_password(agencia):
    agency = Membership.objects.get(user__username="agencia").organisation

    response = agencia.post(
        "/equipo/nuevo/",
        {
            "organisation": agency.pk,
            "username": "cobradora",
            "password": "73920184",
            "role": "viewer",
            "municipalities": list(
                Membership.objects.get(user__username="agencia").municipalities.values_list(
                    "pk", flat=True
                )
            ),
            "active": "on",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Debe contener por lo menos 10 caracteres" in html
    assert "Esta contraseña es totalmente numérica" in html
    assert not Membership.objects.filter(user__username="cobradora").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "explained"),
    [
        ("73920184", "totalmente numérica"),
        ("password123", "muy común"),
        ("tesorera2026", "muy similar"),
    ],
)
def test_ones_own_new_password_must_pass_the_validators(tesorera, password, explained):
    response = tesorera.post(
        "/mi-contrasena/",
        {"old_password": "demo", "new_password1": password, "new_password2": password},
    )

    assert response.status_code == 200
    assert explained in response.content.decode()
    assert tesorera.get("/").status_code == 200  # the old password is still hers
