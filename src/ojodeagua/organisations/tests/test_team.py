"""Coordinators give people access inside their own area, and nowhere else."""

import re

import pytest
from django.test import Client

from ojodeagua.audit.models import AuditEvent
from ojodeagua.organisations.models import Membership
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider


@pytest.mark.django_db
def test_the_coordinator_gives_a_technician_access_to_two_committees(agencia):
    agency = Membership.objects.get(user__username="agencia").organisation
    committees = Provider.objects.filter(municipality__key="07012").order_by("pk")[:2]

    response = agencia.post(
        "/equipo/nuevo/",
        {
            "organisation": agency.pk,
            "username": "tecnico",
            "first_name": "Técnico de campo",
            "password": "agua-limpia-2026",
            "role": "facilitator",
            "providers": [c.pk for c in committees],
            "active": "on",
        },
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user__username="tecnico")
    assert set(membership.providers.all()) == set(committees)
    assert AuditEvent.objects.filter(action="create", object_id=str(membership.pk)).exists()
    client = Client()
    assert client.login(username="tecnico", password="agua-limpia-2026")
    listed = client.get("/prestadores/").content.decode()
    assert all(c.get_absolute_url() in listed for c in committees)
    assert len(re.findall(r'href="/prestadores/\d+/"', listed)) == 2


@pytest.mark.django_db
def test_the_coordinator_cannot_grant_a_municipality_outside_her_area(agencia):
    agency = Membership.objects.get(user__username="agencia").organisation
    neighbour = Municipality.objects.get(key="07061")

    response = agencia.post(
        "/equipo/nuevo/",
        {
            "organisation": agency.pk,
            "username": "intruso",
            "password": "agua-limpia-2026",
            "role": "coordinator",
            "municipalities": [neighbour.pk],
            "active": "on",
        },
    )

    assert response.status_code == 400
    assert "Seleccione una opción válida" in response.content.decode()
    assert not Membership.objects.filter(user__username="intruso").exists()


@pytest.mark.django_db
def test_the_coordinator_can_switch_off_the_treasurers_access(agencia):
    membership = Membership.objects.get(user__username="tesorera")
    assert "tesorera" in agencia.get("/equipo/").content.decode()

    response = agencia.post(
        f"/equipo/{membership.pk}/editar/",
        {
            "organisation": membership.organisation_id,
            "username": "tesorera",
            "role": membership.role,
            "providers": [p.pk for p in membership.providers.all()],
        },
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.active is False
    event = AuditEvent.objects.get(action="update", object_id=str(membership.pk))
    assert event.changes == {"activa": [True, False]}


@pytest.mark.django_db
def test_only_coordinators_manage_access(ong, tesorera):
    membership = Membership.objects.get(user__username="tesorera")
    for client in (ong, tesorera):
        assert client.get("/equipo/").status_code == 403
        assert client.get("/equipo/nuevo/").status_code == 403
        assert client.get(f"/equipo/{membership.pk}/editar/").status_code == 403


@pytest.mark.django_db
def test_a_coordinator_does_not_see_memberships_of_other_organisations(agencia):
    ngo_membership = Membership.objects.get(user__username="ong")
    assert agencia.get(f"/equipo/{ngo_membership.pk}/editar/").status_code == 404
    assert "ong" not in [
        line.strip() for line in agencia.get("/equipo/").content.decode().split("<strong>")
    ]
