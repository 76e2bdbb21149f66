"""Importing units, visits and tests through the project's one importer engine."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ojodeagua.imports.engine import run_import
from ojodeagua.purifiers.import_spec import TESTS, UNITS, VISITS
from ojodeagua.purifiers.models import EcoliTest, FollowUpVisit, Unit

from .factories import build_area, unit

pytestmark = pytest.mark.django_db
D = datetime.date

UNITS_FILE = (
    "record_id,locality_key,owner,place_label,school_key,unit_model,installed_on\n"
    "u-1,079960001,hogar,1,,Mesita Azul,2026-01-10\n"  # line 2: right
    "u-2,079960001,escuela,,CCT-1,Mesita Azul,10/02/2026\n"  # line 3: right (a school)
    "u-3,079960002,hogar,,,Mesita Azul,2026-01-10\n"  # line 4: no household number
    "u-4,079950001,hogar,4,,Mesita Azul,2026-01-10\n"  # line 5: another municipality
    "u-1,079960001,hogar,1,,Mesita Azul,2026-01-10\n"  # line 6: line 2 again, the same
)


@pytest.fixture
def area():
    made = build_area()
    made.school.key = "CCT-1"
    made.school.save()
    return made


def test_a_units_file_writes_the_right_rows_rejects_the_others_and_is_idempotent(area):
    facilitadora = area.people["facilitadora"]

    first = run_import(UNITS, UNITS_FILE.encode(), filename="unidades.csv", user=facilitadora)
    again = run_import(UNITS, UNITS_FILE.encode(), filename="unidades.csv", user=facilitadora)

    assert (first.created, first.unchanged, first.written) == (2, 1, True)
    assert first.rejected == [
        (
            4,
            "place_label: Escriba el número o la clave de la vivienda (no el nombre de quien "
            "vive ahí).",
        ),
        (5, "Esa localidad no está en su área; elija una de su área."),
    ]
    assert (again.created, again.unchanged) == (0, 3)
    school_unit = Unit.objects.get(record_id="u-2")
    assert school_unit.school == area.school and school_unit.installed_on == D(2026, 2, 10)
    assert Unit.objects.filter(record_id__in=["u-1", "u-2"]).count() == 2


def test_a_strict_import_with_a_wrong_row_writes_nothing(area):
    result = run_import(
        UNITS, UNITS_FILE.encode(), filename="u.csv", user=area.people["facilitadora"], strict=True
    )

    assert not result.written and len(result.rejected) == 2
    assert not Unit.objects.filter(record_id="u-1").exists()


def test_visits_and_tests_name_their_unit_by_its_record_id(area):
    unit(area.localities["L1"], "1", D(2026, 1, 10), record_id="u-1")
    hidden = unit(area.localities["L9"], "9", D(2026, 1, 10), record_id="u-9")
    facilitadora = area.people["facilitadora"]
    visits = (
        "record_id,unit_record_id,visited_on,in_use,is_clean,lamp_working,stored_water_covered\n"
        "v-1,u-1,2026-03-01,sí,sí,no,sí\n"
        "v-2,u-9,2026-03-01,sí,sí,sí,sí\n"  # a unit out of her area: as if it did not exist
        "v-3,u-1,2026-03-01,quizá,sí,sí,sí\n"
    )
    tests = "record_id,unit_id,sampled_on,method,ecoli_before,ecoli_after\n"
    tests += f"t-1,{Unit.objects.get(record_id='u-1').pk},2026-03-01,NMP,84.2,0\n"

    visited = run_import(VISITS, visits.encode(), filename="v.csv", user=facilitadora)
    tested = run_import(TESTS, tests.encode(), filename="t.csv", user=facilitadora)

    assert visited.created == 1 and tested.created == 1
    assert visited.rejected == [
        (3, "no existe purificador con unit_record_id «u-9» o no está en su área; revise la clave"),
        (4, "la columna in_use debe ser «sí» o «no» y tiene «quizá»"),
    ]
    assert FollowUpVisit.objects.get(record_id="v-1").lamp_working is False
    assert EcoliTest.objects.get(record_id="t-1").ecoli_before == Decimal("84.2")
    assert not FollowUpVisit.objects.filter(unit=hidden).exists()


def test_the_import_page_checks_a_file_without_saving_it(area):
    client = Client()
    client.force_login(area.people["facilitadora"])
    upload = SimpleUploadedFile("unidades.csv", UNITS_FILE.encode(), content_type="text/csv")

    page = client.post(
        reverse("purifiers:import"), {"kind": "purifier-units", "file": upload, "dry_run": "on"}
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert '<td data-count="created">2</td>' in html
    assert "Esa localidad no está en su área" in html
    assert not Unit.objects.filter(record_id="u-1").exists()
