"""What a committee's area reaches across the registry, and what a locality's and a system's
pages list of the apps above them (systems, schools, health centres): only what the user sees."""

import re

import pytest
from django.contrib.auth.models import User

from ojodeagua.conftest import login_client
from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.watersystems.models import ServedLocality, WaterSystem


def area_of(username: str):
    return scope_for(User.objects.get(username=username)).view


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["tesorera", "ong"])
def test_a_committee_area_reaches_the_places_its_systems_serve_or_stand_in(username):
    area = area_of(username)
    providers = area.provider_ids
    served = set(
        ServedLocality.objects.filter(system__provider_id__in=providers).values_list(
            "locality_id", flat=True
        )
    )
    sited = set(
        WaterSystem.objects.filter(provider_id__in=providers).values_list("locality_id", flat=True)
    )
    whole = set(
        Locality.objects.filter(municipality_id__in=area.municipality_ids).values_list(
            "pk", flat=True
        )
    )
    assert providers and served
    localities = set(Locality.objects.in_area(area).values_list("pk", flat=True))
    assert localities == served | sited | whole
    editable = set(Locality.objects.in_area(area, for_edit=True).values_list("pk", flat=True))
    assert editable == whole

    municipalities = set(Municipality.objects.in_area(area).values_list("pk", flat=True))
    expected = (
        set(Locality.objects.filter(pk__in=served).values_list("municipality_id", flat=True))
        | set(Municipality.objects.filter(providers__pk__in=providers).values_list("pk", flat=True))
        | set(area.municipality_ids)
    )
    assert municipalities == expected


def linked_ids(html: str, prefix: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf'href="/{prefix}/(\d+)/"', html)}


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["ong", "agencia"])
def test_a_locality_page_lists_the_systems_and_facilities_the_user_may_see(username):
    area = area_of(username)
    visible_systems = WaterSystem.objects.in_area(area)
    visible_schools = School.objects.in_area(area)
    localities = Locality.objects.in_area(area).filter(served_by__system__in=visible_systems)
    # The facilitator sees a committee's systems; the agency its municipality's schools too.
    if username == "agencia":
        localities = localities.filter(schools__in=visible_schools)
    locality = localities.first()
    html = login_client(username).get(locality.get_absolute_url()).content.decode()

    serving = ServedLocality.objects.filter(locality=locality, system__in=visible_systems)
    assert linked_ids(html, "sistemas") == {link.system_id for link in serving} != set()
    schools = set(visible_schools.filter(locality=locality).values_list("pk", flat=True))
    assert linked_ids(html, "escuelas") == schools
    assert schools or username == "ong"
    centres = HealthCentre.objects.in_area(area).filter(locality=locality)
    assert linked_ids(html, "centros-de-salud") == set(centres.values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_system_page_lists_the_schools_and_health_centres_it_supplies():
    area = area_of("agencia")
    system = WaterSystem.objects.in_area(area).filter(schools__isnull=False).first()
    html = login_client("agencia").get(system.get_absolute_url()).content.decode()

    schools = School.objects.in_area(area).filter(water_system=system)
    assert linked_ids(html, "escuelas") == set(schools.values_list("pk", flat=True)) != set()
    centres = HealthCentre.objects.in_area(area).filter(water_system=system)
    assert linked_ids(html, "centros-de-salud") == set(centres.values_list("pk", flat=True))
