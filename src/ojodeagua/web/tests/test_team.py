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
    assert AuditEvent.objects.filter(
        action="create",
        object_id=str(membership.pk),
        content_type__model=membership._meta.model_name,
    ).exists()
    client = Client()
    signed_in = client.post("/entrar/", {"username": "tecnico", "password": "agua-limpia-2026"})
    assert signed_in.status_code == 302
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
            "first_name": membership.user.first_name,
            "role": membership.role,
            "providers": [p.pk for p in membership.providers.all()],
        },
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.active is False
    event = AuditEvent.objects.get(
        action="update",
        object_id=str(membership.pk),
        content_type__model="membership",
        actor__username="agencia",
    )
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


@pytest.mark.django_db
def test_a_coordinator_cannot_reset_the_password_of_an_account_that_reaches_further(agencia):
    from django.contrib.auth.models import User

    from ojodeagua.organisations.models import Organisation

    wide = User.objects.create_user("estatal", password="clave-original-2026")
    state_org = Organisation.objects.create(name="Gobierno del estado", kind="agency")
    state_membership = Membership.objects.create(
        user=wide, organisation=state_org, role=Membership.Role.COORDINATOR
    )
    state_membership.municipalities.set(Municipality.objects.all())
    agency = Membership.objects.get(user__username="agencia").organisation
    local = Membership.objects.create(user=wide, organisation=agency, role=Membership.Role.VIEWER)
    local.municipalities.set(Municipality.objects.filter(key="07012"))

    page = agencia.get(f"/equipo/{local.pk}/editar/").content.decode()
    response = agencia.post(
        f"/equipo/{local.pk}/editar/",
        {
            "organisation": agency.pk,
            "username": "estatal",
            "role": "viewer",
            "municipalities": [Municipality.objects.get(key="07012").pk],
            "password": "tomada-por-otra-2026",
            "active": "on",
        },
    )

    assert 'name="password"' not in page
    assert response.status_code == 302
    wide.refresh_from_db()
    assert wide.check_password("clave-original-2026")
    # The other municipality, which the coordinator could not see, is still there.
    assert set(state_membership.municipalities.values_list("key", flat=True)) >= {"07061"}


@pytest.mark.django_db
def test_saving_an_access_keeps_areas_the_coordinator_cannot_see(agencia):
    from django.contrib.auth.models import User

    agency = Membership.objects.get(user__username="agencia").organisation
    user = User.objects.create_user("mixta", password="x-clave-larga-2026")
    membership = Membership.objects.create(
        user=user, organisation=agency, role=Membership.Role.VIEWER
    )
    membership.municipalities.set(Municipality.objects.filter(key__in=["07012", "07061"]))

    response = agencia.post(
        f"/equipo/{membership.pk}/editar/",
        {
            "organisation": agency.pk,
            "username": "mixta",
            "role": "viewer",
            "municipalities": [Municipality.objects.get(key="07012").pk],
            "active": "on",
        },
    )

    assert response.status_code == 302
    assert set(membership.municipalities.values_list("key", flat=True)) == {"07012", "07061"}


@pytest.mark.django_db
def test_the_same_role_twice_in_one_organisation_is_refused_with_a_message(agencia):
    membership = Membership.objects.get(user__username="tesorera")
    other = Membership.objects.create(
        user=membership.user,
        organisation=membership.organisation,
        role=Membership.Role.VIEWER,
    )
    other.providers.set(membership.providers.all())

    response = agencia.post(
        f"/equipo/{other.pk}/editar/",
        {
            "organisation": membership.organisation_id,
            "username": "tesorera",
            "first_name": "Tesorera",
            "role": membership.role,
            "providers": [p.pk for p in membership.providers.all()],
            "active": "on",
        },
    )

    assert response.status_code == 400
    assert "ya tiene ese papel en esa organización" in response.content.decode()


@pytest.mark.django_db
def test_a_committee_coordinator_grants_only_her_own_committee():
    from django.contrib.auth.models import User

    from ojodeagua.conftest import login_client
    from ojodeagua.organisations.models import Organisation

    own, other = Provider.objects.filter(
        municipality__key="07012", organisation__isnull=True
    ).order_by("pk")[:2]
    organisation = Organisation.objects.create(name=own.name, kind="committee", provider=own)
    president = User.objects.create_user("presi", password="x-clave-larga-2026")
    Membership.objects.create(
        user=president, organisation=organisation, role=Membership.Role.COORDINATOR
    ).providers.add(own)
    viewer = Membership.objects.create(
        user=president,
        organisation=Membership.objects.get(user__username="agencia").organisation,
        role=Membership.Role.VIEWER,
    )
    viewer.municipalities.add(own.municipality)

    response = login_client("presi").post(
        "/equipo/nuevo/",
        {
            "organisation": organisation.pk,
            "username": "sock",
            "password": "x-clave-larga-2026",
            "role": "coordinator",
            "providers": [other.pk],
            "active": "on",
        },
    )

    assert response.status_code == 400
    assert not User.objects.filter(username="sock").exists()
