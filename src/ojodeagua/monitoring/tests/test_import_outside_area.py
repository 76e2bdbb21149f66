"""A file cannot be used to learn what lies outside the user's area.

A system, school or health centre outside it reads exactly as one that does not exist ("no
existe … o no está en su área"), never by its name; a record_id taken outside it is refused
without saying whether or where it exists, and a row refused anyway says the same with it.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.imports.engine import run_import
from ojodeagua.monitoring.import_spec import import_specs
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.organisations.scope import scope_for
from ojodeagua.watersystems.models import WaterSystem

pytestmark = pytest.mark.django_db
SPECS = import_specs()
MISSING = 999_999


def user(name: str) -> User:
    return User.objects.get(username=name)


def editable(model, username: str = "ong"):
    return scope_for(user(username)).editable(model.objects.all())


def outside(model, username: str = "ong"):
    return model.objects.exclude(pk__in=editable(model, username)).order_by("pk")


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def reasons(kind: str, *lines: str, username: str = "ong") -> dict[int, str]:
    result = run_import(SPECS[kind], csv_bytes(*lines), user=user(username), dry_run=True)
    return dict(result.rejected)


def same_words(reason: str, key, other: str, other_key) -> bool:
    return reason.replace(f"«{key}»", "«?»") == other.replace(f"«{other_key}»", "«?»")


def test_a_system_outside_the_area_reads_as_one_that_does_not_exist():
    foreign = outside(WaterSystem).first()
    found = reasons(
        "supply-days",
        "record_id,observed_on,system_id,hours",
        f"a,2024-05-01,{foreign.pk},5",
        f"b,2024-05-01,{MISSING},5",
    )

    assert same_words(found[2], foreign.pk, found[3], MISSING)
    assert found[2] == (
        f"no existe sistema con system_id «{foreign.pk}» o no está en su área; revise la clave"
    )
    assert foreign.name not in found[2]


ANSWERS = "water_source_improved,water_available,handwashing_water,handwashing_soap"


def test_schools_and_health_centres_outside_the_area_are_not_named():
    # The treasurer records for her own committee only.
    school = outside(School, "tesorera").exclude(key="").first()
    centre = outside(HealthCentre, "tesorera").exclude(key="").first()
    schools = reasons(
        "school-surveys",
        f"record_id,observed_on,school_id,{ANSWERS}",
        f"e-1,2024-05-01,{school.pk},si,no,si,no",
        f"e-2,2024-05-01,{MISSING},si,no,si,no",
        username="tesorera",
    )
    by_key = reasons(
        "school-surveys",
        f"record_id,observed_on,school_key,{ANSWERS}",
        f"e-3,2024-05-01,{school.key},si,no,si,no",
        "e-4,2024-05-01,07XXX0000Z,si,no,si,no",
        username="tesorera",
    )
    centres = reasons(
        "health-centre-surveys",
        f"record_id,observed_on,health_centre_key,{ANSWERS}",
        f"c-1,2024-05-01,{centre.key},si,no,si,no",
        "c-2,2024-05-01,CSXXX000000,si,no,si,no",
        username="tesorera",
    )

    assert same_words(schools[2], school.pk, schools[3], MISSING)
    assert same_words(by_key[2], school.key, by_key[3], "07XXX0000Z")
    assert same_words(centres[2], centre.key, centres[3], "CSXXX000000")
    for reason in [*schools.values(), *by_key.values(), *centres.values()]:
        assert school.name not in reason and centre.name not in reason
        assert "no está en su área" in reason


def test_a_household_with_a_foreign_system_reads_as_one_with_a_missing_system():
    foreign = outside(WaterSystem).first()
    locality = editable(WaterSystem).first().locality
    columns = (
        "record_id,observed_on,locality_key,system_id,respondent_sex,household_size,"
        "water_source,water_on_premises,sufficient_last_month,toilet,handwashing,"
        "water_has_problem,satisfied"
    )
    answers = "mujer,5,agua entubada en el patio o terreno,si,si,letrina con losa,fixed,no,si"
    found = reasons(
        "household-surveys",
        columns,
        f"h-1,2024-05-01,{locality.key},{foreign.pk},{answers}",
        f"h-2,2024-05-01,{locality.key},{MISSING},{answers}",
    )

    assert sorted(found) == [2, 3]
    assert f"system_id «{foreign.pk}» o no está en su área" in found[2]
    assert same_words(found[2], foreign.pk, found[3], MISSING)


def test_the_ngo_cannot_list_the_systems_outside_her_area_through_the_page(ong):
    foreign = list(outside(WaterSystem)[:40])
    lines = ["record_id,observed_on,system_id,hours"]
    lines += [f"x-{s.pk},2024-05-01,{s.pk},5" for s in foreign]
    upload = SimpleUploadedFile("dias.csv", csv_bytes(*lines), content_type="text/csv")

    page = ong.post(
        "/importar/", {"kind": "supply-days", "file": upload, "dry_run": "on"}
    ).content.decode()

    assert page.count("o no está en su área") == len(foreign)
    for system in foreign:
        assert system.name not in page
    assert "fuera de su área" not in page


def test_a_record_id_taken_outside_the_area_says_nothing_of_its_record():
    foreign = outside(WaterSystem).first()
    run_import(
        SPECS["supply-days"],
        csv_bytes("record_id,observed_on,system_id,hours", f"ajeno,2024-05-01,{foreign.pk},5"),
    )
    own = editable(WaterSystem).first()
    header = "record_id,observed_on,system_id,hours"

    in_area = reasons("supply-days", header, f"ajeno,2024-05-03,{own.pk},5")
    refused_anyway = reasons(
        "supply-days",
        header,
        f"ajeno,2024-05-03,{MISSING},5",
        f"libre,2024-05-03,{MISSING},5",
    )

    assert in_area == {2: "el record_id «ajeno» no se puede usar para este registro; use otro"}
    assert refused_anyway[2] == refused_anyway[3]
    assert not re.search(r"fuera|existe y", in_area[2])
    assert SupplyDay.objects.get(record_id="ajeno").system_id == foreign.pk
