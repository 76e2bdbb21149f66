"""A member's term: a year typed by mistake (1015 for 2015) is refused by the page and the API."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from ojodeagua.organisations.models import Membership
from ojodeagua.providers.models import Member

WRONG_YEAR = "Escriba un año entre 1950 y 2036."  # the suite runs in 2026


def own_provider():
    return Membership.objects.get(user__username="tesorera").providers.get()


def member_form(provider, **member) -> dict[str, str]:
    return {
        "name": provider.name,
        "kind": provider.kind,
        "municipality": provider.municipality_id,
        "locality": provider.locality_id,
        "member-TOTAL_FORMS": "1",
        "member-INITIAL_FORMS": "0",
        "member-MIN_NUM_FORMS": "0",
        "member-MAX_NUM_FORMS": "1000",
        "member-0-name": "Juana Pérez",
        "member-0-role": "secretary",
        "member-0-sex": "F",
        **{f"member-0-{name}": value for name, value in member.items()},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "term",
    [
        {"term_start": "1015-05-01", "term_end": "2028-04-30"},
        {"term_start": "2025-05-01", "term_end": "2925-04-30"},
    ],
)
def test_the_page_refuses_a_term_year_out_of_range(tesorera, term):
    provider = own_provider()

    response = tesorera.post(f"/prestadores/{provider.pk}/editar/", member_form(provider, **term))

    assert response.status_code == 400
    assert WRONG_YEAR in response.content.decode()
    assert not Member.objects.filter(name="Juana Pérez").exists()


@pytest.mark.django_db
def test_the_page_accepts_a_sane_term(tesorera):
    provider = own_provider()
    term = {"term_start": "2025-05-01", "term_end": "2028-04-30"}

    response = tesorera.post(f"/prestadores/{provider.pk}/editar/", member_form(provider, **term))

    assert response.status_code == 302
    assert Member.objects.get(name="Juana Pérez").term_start == datetime.date(2025, 5, 1)


@pytest.mark.django_db
def test_the_api_refuses_the_year_1015_with_the_same_words(tesorera):
    member = own_provider().members.first()
    client = APIClient()
    client.force_authenticate(User.objects.get(username="tesorera"))

    response = client.patch(
        f"/api/v1/members/{member.pk}/", {"term_start": "1015-05-01"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"term_start": [WRONG_YEAR]}
    member.refresh_from_db()
    assert member.term_start.year > 2000


@pytest.mark.django_db
def test_the_model_keeps_the_rule_for_every_way_in():
    member = own_provider().members.first()
    member.term_end = datetime.date(1015, 1, 1)

    with pytest.raises(ValidationError) as refused:
        member.full_clean()

    assert refused.value.message_dict["term_end"] == [WRONG_YEAR]
