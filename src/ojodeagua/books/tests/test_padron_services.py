"""The one way the padrón is written (``padron.save_household``, ``padron.save_connection``)."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books import padron
from ojodeagua.books.models import Connection, ExemptionRule, Household
from ojodeagua.books.tests.factories import treasurers_new_committee
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

D = datetime.date


@pytest.fixture
def committee(db) -> Provider:
    return treasurers_new_committee()


def user(username: str) -> User:
    return User.objects.get(username=username)


def household(committee: Provider, number: str = " 15 ", **extra) -> Household:
    return Household(
        provider=committee, number=number, name="Rosa", locality=committee.locality, **extra
    )


def test_a_household_and_its_toma_are_added_once_audited(committee):
    toma = Connection(provider=committee, code=" T-15 ", kind="house", status="active")
    saved, created = padron.save_household(user("tesorera"), household(committee), [toma])

    assert created and saved.number == "15"
    assert toma.household == saved and toma.code == "T-15"
    for record in (saved, toma):
        assert AuditEvent.objects.filter(
            object_id=str(record.pk), content_type__model=record._meta.model_name, action="create"
        ).exists()
    saved.people = 6
    again, created_again = padron.save_household(user("tesorera"), saved)
    assert not created_again and again.pk == saved.pk
    assert Household.objects.get(pk=saved.pk).people == 6


def test_a_taken_number_or_code_or_a_foreign_locality_is_refused(committee):
    padron.save_household(
        user("tesorera"),
        household(committee),
        [Connection(provider=committee, code="T-15", kind="house", status="active")],
    )
    far = Locality.objects.exclude(municipality_id=committee.municipality_id)
    far = far.exclude(served_by__system__provider=committee).first()

    with pytest.raises(ValidationError) as number:
        padron.save_household(user("tesorera"), household(committee, "15"))
    with pytest.raises(ValidationError) as code:
        padron.save_connection(
            user("tesorera"), Connection(provider=committee, code="T-15", kind="house")
        )
    with pytest.raises(ValidationError) as locality:
        padron.save_household(
            user("tesorera"), Household(provider=committee, number="16", locality=far)
        )

    assert number.value.message_dict["number"] == [
        "El número 15 ya es de otro hogar de este padrón; use otro número."
    ]
    assert "ya es de otro hogar" in code.value.message_dict["code"][0]
    assert "Esa localidad no es del municipio" in locality.value.message_dict["locality"][0]
    assert Household.objects.filter(provider=committee).count() == 1


def test_an_exemption_rule_of_another_committee_is_refused(committee):
    other = Provider.objects.exclude(pk=committee.pk).filter(kind="committee").first()
    foreign = ExemptionRule.objects.create(
        provider=other,
        name="Viudas",
        discount_percent=100,
        approved_on=D(2025, 3, 2),
        minutes_reference="Acta 3/2025",
    )
    toma = Connection(
        provider=committee, code="T-1", status="exempt", exemption=foreign, exemption_reason="x"
    )
    with pytest.raises(ValidationError, match="de otro comité"):
        padron.save_connection(user("tesorera"), toma)


def test_who_does_not_read_the_names_does_not_write_the_padron(committee):
    with pytest.raises(PermissionDenied, match="lo cambian el comité"):
        padron.save_household(user("agencia"), household(committee))
    assert not Household.objects.filter(provider=committee).exists()
