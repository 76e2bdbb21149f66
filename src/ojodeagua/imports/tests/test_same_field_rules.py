"""An import refuses what the forms and the API refuse: NUL characters, text over the limit.

A row with such a cell is rejected with its line, its column and what to fix; nothing is cut.
"""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from ojodeagua.books.models import Household
from ojodeagua.books.padron import import_padron
from ojodeagua.books.tests.factories import treasurers_new_committee
from ojodeagua.imports.engine import run_import
from ojodeagua.monitoring.forms import SystemVisitForm
from ojodeagua.monitoring.import_spec import import_specs
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Locality
from ojodeagua.watersystems.models import WaterSystem

pytestmark = pytest.mark.django_db
LONG_NOTE = "Se revisó la caja rompedora. " * 150  # 4,350 characters, the last one a space


def ong() -> User:
    return User.objects.get(username="ong")


def a_system() -> WaterSystem:
    return scope_for(ong()).editable(WaterSystem.objects.all()).order_by("pk").first()


def supply_days(*notes: str) -> bytes:
    system = a_system()
    lines = ["record_id,observed_on,system_id,hours,notes"]
    lines += [f'nul-{n},2024-05-0{n + 1},{system.pk},5,"{note}"' for n, note in enumerate(notes)]
    return ("\n".join(lines) + "\n").encode()


def test_a_nul_character_or_an_overlong_note_rejects_the_row_and_nothing_is_cut():
    data = supply_days("sin agua\x00 en la tarde", LONG_NOTE, "todo bien", "x" * 100_000)
    result = run_import(import_specs()["supply-days"], data, user=ong())
    reasons = dict(result.rejected)
    assert sorted(reasons) == [2, 3, 5]
    assert "la columna notes tiene un carácter nulo (NUL)" in reasons[2]
    assert "la columna notes tiene 4349 caracteres; el máximo es 4000" in reasons[3]
    assert "la columna notes tiene 100000 caracteres; el máximo es 4000" in reasons[5]
    assert list(SupplyDay.objects.filter(record_id__startswith="nul-").values_list("notes")) == [
        ("todo bien",)
    ]


def test_a_nul_character_in_a_padron_name_rejects_the_row():
    committee = treasurers_new_committee()
    key = committee.locality.key
    data = f"numero,nombre,localidad\n1,Rosalba\x00 Pérez,{key}\n2,Eusebio Díaz,{key}\n".encode()
    result = import_padron(committee, data, user=User.objects.get(username="tesorera"))
    assert result.rejected == [
        (
            2,
            "la columna nombre tiene un carácter nulo (NUL), que no es texto; bórrelo o escriba "
            "el valor de nuevo",
        )
    ]
    assert list(Household.objects.filter(provider=committee).values_list("name")) == [
        ("Eusebio Díaz",)
    ]


def test_the_forms_refuse_the_same_notes():
    field = SystemVisitForm.base_fields["notes"]
    assert field.clean("todo bien") == "todo bien"
    for refused in ("sin agua\x00", LONG_NOTE):
        with pytest.raises(ValidationError):
            field.clean(refused)


def test_the_api_refuses_the_same_notes():
    client = APIClient()
    client.force_authenticate(User.objects.get(username="tesorera"))
    provider = Membership.objects.get(user__username="tesorera").providers.get()
    system = WaterSystem.objects.filter(provider=provider).first()
    day = {"observed_on": "2023-03-04", "source": "self_report", "system": system.pk, "hours": 5}
    for number, note in enumerate(["sin agua\x00", LONG_NOTE]):
        response = client.post(
            "/api/v1/supply-days/",
            {**day, "record_id": f"api-{number}", "notes": note},
            format="json",
        )
        assert response.status_code == 400, response.content
        assert "notes" in response.json()
    assert not SupplyDay.objects.filter(record_id__startswith="api-").exists()


# INEGI's catalogue -------------------------------------------------------------------------------
HEADER = "CVE_ENT,NOM_ENT,CVE_MUN,NOM_MUN,CVE_LOC,NOM_LOC,PERIODO\n"


def import_localities(tmp_path, body: str, *args: str) -> tuple[str, int]:
    path = tmp_path / "catalogo.csv"
    path.write_text(HEADER + body)
    out = StringIO()
    try:
        call_command("import-localities", str(path), *args, stdout=out, stderr=StringIO())
    except SystemExit as exit:
        return out.getvalue(), int(exit.code)
    return out.getvalue(), 0


def test_a_locality_name_too_long_is_a_rejected_row_not_a_cut_name(tmp_path):
    long_name = "San Juan" + " y sus anexos" * 20  # 268 characters
    output, code = import_localities(
        tmp_path,
        f"07,Chiapas,101,Tuxtla,9001,{long_name}\n"
        "07,Chiapas,101,Tuxtla,9002,Paraíso\x00 Nuevo\n"
        f"07,Chiapas,101,Tuxtla,9003,El Limón,{'ITER-' * 20}\n"
        "07,Chiapas,101,Tuxtla,9004,El Limón,ITER 2020\n",
    )
    assert code == 1, output
    assert "Línea 2: la columna NOM_LOC tiene 268 caracteres; el máximo es 200" in output
    assert "Línea 3: la columna NOM_LOC tiene un carácter nulo (NUL)" in output
    assert "Línea 4: la columna PERIODO tiene 100 caracteres; el máximo es 60" in output
    assert list(Locality.objects.filter(key__startswith="071019").values_list("key")) == [
        ("071019004",)
    ]


def test_a_catalogue_version_too_long_is_refused_before_anything_is_read(tmp_path):
    with pytest.raises(CommandError, match="La versión del catálogo tiene 61 caracteres"):
        import_localities(
            tmp_path, "07,Chiapas,101,Tuxtla,9004,El Limón,\n", "--catalogue-version", "v" * 61
        )
    assert not Locality.objects.filter(key="071019004").exists()
