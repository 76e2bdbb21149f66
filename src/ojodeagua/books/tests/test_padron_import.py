"""Importing a padrón from CSV or XLSX: good rows, rejected rows, re-imports, page and command."""

import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books.models import Connection, Household
from ojodeagua.books.padron import import_padron
from ojodeagua.books.tests.factories import add_rule, treasurers_new_committee
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

HEADER = (
    "numero,nombre,localidad,referencia,personas,toma,tipo_toma,estado,motivo_exencion,"
    "regla_exencion"
)


@pytest.fixture
def committee(db) -> Provider:
    """The treasurer's committee, with the assembly's rule for older adults."""
    provider = treasurers_new_committee()
    add_rule(
        provider,
        name="Personas adultas mayores",
        approved_on=datetime.date(2025, 3, 2),
        minutes_reference="Acta 3/2025",
    )
    return provider


def tesorera() -> User:
    return User.objects.get(username="tesorera")


def good_file(committee: Provider, *, people_1="4", status_2="suspendida", owner_2b="2") -> bytes:
    locality = committee.locality
    names = {"2": "Eusebio Díaz", "4": "Juan Sin Toma"}
    lines = [
        HEADER,
        f"1,Rosalba Pérez,{locality.key},Junto a la iglesia,{people_1},T-1,domiciliaria,activa,,",
        f"2,Eusebio Díaz,{locality.name.upper()},,3,T-2,domiciliaria,{status_2},,",
        f"{owner_2b},{names[owner_2b]},{locality.key},,{3 if owner_2b == '2' else 2},T-2B,,,,",
        f"3,Herminia López,{locality.key[-4:]},,1,T-3,domiciliaria,exenta,Tiene 82 años,"
        "personas adultas mayores",
        f"4,Juan Sin Toma,{locality.key},,2,,,,,",
        ",,,,,H-1,publica,activa,,",
    ]
    return ("\n".join(lines) + "\n").encode()


def events_for(provider: Provider):
    return AuditEvent.objects.filter(
        provider_id=provider.pk,
        content_type__in=[
            ContentType.objects.get_for_model(Household),
            ContentType.objects.get_for_model(Connection),
        ],
    )


def test_a_good_file_builds_the_padron_with_its_tomas_and_audits_each_row(committee):
    result = import_padron(committee, good_file(committee), user=tesorera())
    assert result.rejected == []
    assert (result.households_created, result.connections_created) == (4, 5)
    households = {h.number: h for h in Household.objects.filter(provider=committee)}
    assert sorted(households) == ["1", "2", "3", "4"]
    assert households["1"].reference == "Junto a la iglesia"
    assert households["2"].locality == committee.locality  # found by its name, in capitals
    assert households["3"].locality == committee.locality  # found by its last four digits
    tomas = {c.code: c for c in Connection.objects.filter(provider=committee)}
    assert tomas["T-2"].status == "suspended" and tomas["T-2B"].status == "active"
    assert tomas["T-2"].household == tomas["T-2B"].household == households["2"]
    assert tomas["T-3"].status == "exempt" and tomas["T-3"].exemption.name.startswith("Personas")
    assert tomas["H-1"].kind == "public_tap" and tomas["H-1"].household is None
    assert not households["4"].connections.exists()
    events = events_for(committee)
    assert events.count() == 9
    assert set(events.values_list("action", flat=True)) == {"create"}
    assert set(events.values_list("actor__username", flat=True)) == {"tesorera"}


def test_importing_the_same_file_twice_changes_nothing(committee):
    import_padron(committee, good_file(committee), user=tesorera())
    before = list(Connection.objects.filter(provider=committee).values().order_by("pk"))
    event_count = events_for(committee).count()
    again = import_padron(committee, good_file(committee), user=tesorera())
    assert again.rejected == []
    assert (again.created, again.updated) == (0, 0)
    assert (again.households_unchanged, again.connections_unchanged) == (4, 5)
    assert list(Connection.objects.filter(provider=committee).values().order_by("pk")) == before
    assert events_for(committee).count() == event_count


def test_a_changed_row_updates_its_household_or_toma_with_before_and_after(committee):
    import_padron(committee, good_file(committee), user=tesorera())
    changed = good_file(committee, people_1="6", status_2="activa", owner_2b="4")
    result = import_padron(committee, changed, user=tesorera())
    assert result.rejected == []
    assert (result.households_updated, result.connections_updated) == (1, 2)
    assert Household.objects.get(provider=committee, number="1").people == 6
    toma = Connection.objects.get(provider=committee, code="T-2B")
    assert toma.household.number == "4"
    updates = events_for(committee).filter(action="update")
    changes = [event.changes for event in updates]
    assert {"people": [4, 6]} in changes
    assert {"status": ["suspended", "active"]} in changes
    # A toma's history names households by padrón number, not by the person's name.
    assert {"household": ["2", "4"]} in changes


BAD_ROWS = [
    ("5,,{key},,2,T-5,,,,", "la columna nombre está vacía"),
    ("6,Ana Ruiz,Xochimilco,,2,T-6,,,,", "no hay una localidad «Xochimilco» en el municipio de"),
    ("7,Luis Gómez,{key},,2,T-7,domiciliaria,exenta,,", "Una toma exenta necesita la regla"),
    ("8,Eva Cruz,{key},,2,T-8,,exenta,Viuda,Viudas", "no hay una regla de exención «Viudas»"),
    ("9,Pedro Sol,{key},,2,T-1,,,,", "la toma «T-1» ya apareció en la fila 2"),
    ("10,Rita Paz,{key},,tres,T-10,,,,", "la columna personas debe ser un número"),
    (",,,,,T-11,domiciliaria,,,", "falta el número de padrón"),
    ("12,Olga Sanz,{foreign},,2,T-12,,,,", "no del de este comité"),
    (
        "1,Otra Persona,{key},,4,T-13,,,,",
        "el hogar 1 ya apareció en la fila 2 con otro valor en nombre",
    ),
    ("14,Raúl Mena,{key},,2,T-14,tinaco,,,", "la columna tipo_toma no acepta «tinaco»"),
    ("15,Susana Ortiz,{key},,2,,,suspendida,,", "falta su número en la columna toma"),
]


def bad_file(committee: Provider) -> bytes:
    key = committee.locality.key
    foreign = Locality.objects.exclude(municipality=committee.municipality).first().key
    lines = [HEADER, f"1,Rosalba Pérez,{key},,4,T-1,,,,"]
    lines += [row.format(key=key, foreign=foreign) for row, _reason in BAD_ROWS]
    return ("\n".join(lines) + "\n").encode()


def test_bad_rows_are_rejected_with_their_line_and_what_to_fix_and_good_ones_go_in(committee):
    result = import_padron(committee, bad_file(committee), user=tesorera())
    reasons = dict(result.rejected)
    assert sorted(reasons) == list(range(3, 3 + len(BAD_ROWS)))
    for line, (_row, expected) in enumerate(BAD_ROWS, start=3):
        assert expected in reasons[line], (line, reasons[line])
    assert result.written
    assert list(Household.objects.filter(provider=committee).values_list("number", flat=True)) == [
        "1"
    ]
    assert list(Connection.objects.filter(provider=committee).values_list("code", flat=True)) == [
        "T-1"
    ]


def test_strict_writes_nothing_and_dry_run_writes_nothing_but_counts(committee):
    strict = import_padron(committee, bad_file(committee), user=tesorera(), strict=True)
    assert strict.rejected and not strict.written
    assert not Household.objects.filter(provider=committee).exists()
    dry = import_padron(committee, good_file(committee), user=tesorera(), dry_run=True)
    assert (dry.households_created, dry.connections_created) == (4, 5)
    assert not dry.written
    assert not Household.objects.filter(provider=committee).exists()
    assert not events_for(committee).exists()


def test_a_file_without_the_key_columns_is_refused_whole(committee):
    with pytest.raises(TabularFileError, match="Al archivo le faltan columnas: localidad"):
        import_padron(committee, b"numero,nombre\n1,Ana\n", user=tesorera())


def test_semicolons_latin1_and_spanish_headers_with_accents(committee):
    text = (
        "Número;Nombre;Localidad;Tipo de toma;Toma;Estado\n"
        f"1;José Núñez;{committee.locality.key};Pública;T-1;Suspendida\n"
    )
    result = import_padron(committee, text.encode("latin-1"), user=tesorera())
    assert result.rejected == [] and result.encoding == "cp1252"
    toma = Connection.objects.get(provider=committee, code="T-1")
    assert (toma.kind, toma.status, toma.household.name) == (
        "public_tap",
        "suspended",
        "José Núñez",
    )


def test_an_xlsx_file_reads_like_a_csv_even_when_the_key_lost_its_leading_zero(committee):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([1, "Rosalba Pérez", int(committee.locality.key), None, 4, "T-1", None, None])
    sheet.append([2, "Eusebio Díaz", committee.locality.name, None, 3.0, 102, "publica", "activa"])
    sheet.append([3, "Sin Persona", committee.locality.key, None, "muchas", "T-3"])
    data = io.BytesIO()
    workbook.save(data)
    result = import_padron(committee, data.getvalue(), filename="padron.xlsx", user=tesorera())
    assert result.encoding == "xlsx"
    assert [line for line, _reason in result.rejected] == [4]
    assert "la columna personas debe ser un número" in result.rejected[0][1]
    households = {h.number: h for h in Household.objects.filter(provider=committee)}
    assert sorted(households) == ["1", "2"]
    assert households["1"].locality == committee.locality
    assert households["2"].people == 3
    assert Connection.objects.get(provider=committee, code="102").kind == "public_tap"


def test_an_empty_cell_in_a_present_column_empties_and_a_missing_column_keeps(committee):
    import_padron(committee, good_file(committee), user=tesorera())
    key = committee.locality.key
    without_people = f"numero,nombre,localidad\n1,Rosalba Pérez,{key}\n".encode()
    result = import_padron(committee, without_people, user=tesorera())
    assert result.households_unchanged == 1
    assert Household.objects.get(provider=committee, number="1").people == 4
    emptied = f"numero,nombre,localidad,personas\n1,Rosalba Pérez,{key},\n".encode()
    result = import_padron(committee, emptied, user=tesorera())
    assert result.households_updated == 1
    assert Household.objects.get(provider=committee, number="1").people is None


# The page ----------------------------------------------------------------------------------------
def upload(client, committee, data: bytes, **options):
    url = reverse("books:padron_import", args=[committee.pk])
    payload = {"file": SimpleUploadedFile("padron.csv", data, content_type="text/csv")}
    payload.update(options)
    return client.post(url, payload)


def test_the_treasurer_checks_then_imports_on_the_page(tesorera, committee):
    url = reverse("books:padron_import", args=[committee.pk])
    form = tesorera.get(url)
    assert form.status_code == 200
    page = form.content.decode()
    assert "regla_exencion" in page and "tipo_toma" in page
    checked = upload(tesorera, committee, bad_file(committee), dry_run="on")
    assert checked.status_code == 200
    page = checked.content.decode()
    assert "no se guardó nada" in page
    assert "no hay una localidad «Xochimilco»" in page
    assert not Household.objects.filter(provider=committee).exists()
    imported = upload(tesorera, committee, good_file(committee))
    page = imported.content.decode()
    assert imported.status_code == 200
    assert "Resultado de la importación" in page
    assert 'data-count="households-created">4<' in page
    assert 'data-count="connections-created">5<' in page
    assert "6 filas aceptadas" in page
    assert Household.objects.filter(provider=committee).count() == 4


def test_an_unreadable_file_says_what_to_do(tesorera, committee):
    response = upload(tesorera, committee, b"numero,nombre\n1,Ana\n")
    assert response.status_code == 400
    assert "Al archivo le faltan columnas: localidad" in response.content.decode()


def test_only_the_committee_and_its_coaches_import(agencia, ong, committee):
    assert upload(agencia, committee, good_file(committee)).status_code == 403
    assert not Household.objects.filter(provider=committee).exists()
    assert upload(ong, committee, good_file(committee)).status_code == 200
    assert Household.objects.filter(provider=committee).count() == 4


# The command -------------------------------------------------------------------------------------
def test_the_command_imports_as_a_user_who_may(committee, tmp_path, capsys):
    path = tmp_path / "padron.csv"
    path.write_bytes(good_file(committee))
    call_command("import-padron", str(committee.pk), str(path), "--user", "tesorera")
    out = capsys.readouterr().out
    assert "Hogares: 4 nuevos" in out and "Tomas: 5 nuevas" in out
    assert Household.objects.filter(provider=committee).count() == 4
    with pytest.raises(CommandError, match="no puede cambiar el padrón"):
        call_command("import-padron", str(committee.pk), str(path), "--user", "agencia")


def test_the_command_lists_rejections_and_exits_non_zero(committee, tmp_path, capsys):
    path = tmp_path / "padron.csv"
    path.write_bytes(bad_file(committee))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-padron", str(committee.pk), str(path), "--dry-run")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "Fila 4: no hay una localidad «Xochimilco»" in out
    assert not Household.objects.filter(provider=committee).exists()
