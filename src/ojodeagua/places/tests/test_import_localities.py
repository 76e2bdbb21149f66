"""Importing INEGI catalogues: encodings, coordinates, quoting, errors, atomicity, re-imports."""

from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from ojodeagua.audit.models import AuditEvent
from ojodeagua.imports.engine import run_import
from ojodeagua.places.import_spec import LocalityImport, LocalitySpec
from ojodeagua.places.models import Locality, Municipality

AGEEML_HEADER = (
    "CVEGEO,CVE_ENT,NOM_ENT,CVE_MUN,NOM_MUN,CVE_LOC,NOM_LOC,AMBITO,LATITUD,LONGITUD,ALTITUD,"
    "POB_TOTAL,TOTAL DE VIVIENDAS HABITADAS\n"
)
ROWS = [
    '070270001,07,Chiapas,027,Chiapilla,0001,Chiapilla,U,"16°34\'35.123"" N",'
    '"92°42\'52.456"" W",520,"5,512",1380\n',
    '070270012,07,Chiapas,027,Chiapilla,0012,"Los Ángeles, Ampliación",R,16.601234,-92.731234,'
    "610,87,21\n",
    "070270013,07,Chiapas,027,Chiapilla,0013,Nuevo Paraíso,R,,,,*,\n",
]


def write(tmp_path, text: str, encoding: str = "utf-8", name: str = "catalogo.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, *args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("import-localities", str(path), *args, stdout=out, stderr=StringIO())
    except SystemExit as exit:
        return out.getvalue(), int(exit.code)
    return out.getvalue(), 0


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "cp1252"])
def test_it_reads_every_encoding_catalogues_come_in(tmp_path, encoding):
    path = write(tmp_path, AGEEML_HEADER + "".join(ROWS), encoding)

    output, code = run(path, "--catalogue-version", "AGEEML 2025-10")

    assert code == 0, output
    assert "creadas: 3" in output
    ampliacion = Locality.objects.get(key="070270012")
    assert ampliacion.name == "Los Ángeles, Ampliación"
    assert ampliacion.municipality.name == "Chiapilla"
    assert ampliacion.municipality.state.name == "Chiapas"
    assert ampliacion.catalogue_version == "AGEEML 2025-10"
    seat = Locality.objects.get(key="070270001")
    assert seat.latitude == Decimal("16.576423")
    assert seat.longitude == Decimal("-92.714571")
    assert seat.population == 5512
    assert seat.inhabited_dwellings == 1380
    assert seat.area == Locality.Area.URBAN
    confidential = Locality.objects.get(key="070270013")
    assert confidential.population is None
    assert confidential.latitude is None


@pytest.mark.django_db
def test_reimporting_updates_and_never_duplicates(tmp_path):
    first = write(tmp_path, AGEEML_HEADER + "".join(ROWS))
    run(first, "--catalogue-version", "2020")
    again, _ = run(first, "--catalogue-version", "2020")
    assert "creadas: 0; actualizadas: 0; sin cambios: 3" in again
    changed = ROWS[1].replace(",87,21", ",95,23")
    second = write(tmp_path, AGEEML_HEADER + ROWS[0] + changed + ROWS[2], name="nuevo.csv")

    output, code = run(second, "--catalogue-version", "2020")

    assert code == 0
    assert "creadas: 0; actualizadas: 1; sin cambios: 2" in output
    assert Locality.objects.filter(key__startswith="07027").count() == 3
    assert Locality.objects.get(key="070270012").population == 95


@pytest.mark.django_db
def test_it_reads_iter_files_and_skips_their_total_rows(tmp_path):
    text = (
        "ENTIDAD,NOM_ENT,MUN,NOM_MUN,LOC,NOM_LOC,LONGITUD,LATITUD,ALTITUD,POBTOT,VIVTOT,TVIVHAB\n"
        "07,Chiapas,000,Total de la Entidad Chiapas,0000,Total de la Entidad,,,,5543828,,\n"
        "07,Chiapas,027,Chiapilla,0000,Total del Municipio,,,,6000,,\n"
        "7,Chiapas,27,Chiapilla,1,Chiapilla,0924252,163435,520,5512,1500,1380\n"
        "07,Chiapas,027,Chiapilla,9998,Localidades de una vivienda,,,,12,,\n"
    )
    output, code = run(write(tmp_path, text, "latin-1"))

    assert code == 0, output
    assert "omitidas" in output
    seat = Locality.objects.get(key="070270001")
    assert seat.longitude == Decimal("-92.714444")
    assert seat.latitude == Decimal("16.576389")
    assert seat.dwellings == 1500
    assert seat.area == Locality.Area.URBAN


@pytest.mark.django_db
def test_bad_rows_are_rejected_with_line_numbers_in_spanish(tmp_path):
    text = (
        AGEEML_HEADER
        + ROWS[0]
        + (
            "070270020,07,Chiapas,027,Chiapilla,,Sin clave,R,,,,10,\n"
            "070270021,07,Chiapas,027,Chiapilla,0021,Coordenada rota,R,norte,-92.7,,10,\n"
            "070270022,07,Chiapas,027,Chiapilla,0022,Gente negativa,R,,,,-4,\n"
            '070270023,07,Chiapas,027,Chiapilla,0023,"Muchos, muchos",X,,,,10,\n'
        )
        + ROWS[0]
    )

    output, code = run(write(tmp_path, text))

    assert code == 1
    assert "Línea 3: falta la clave de localidad (CVE_LOC)" in output
    assert "Línea 4: no se entiende la coordenada «norte»" in output
    assert "Línea 5: la población no puede ser menor que cero (-4)" in output
    assert "Línea 6: el ámbito «X» debe ser U (urbana) o R (rural)" in output
    assert "Línea 7: la localidad 070270001 ya apareció en la línea 2" in output
    assert "Filas rechazadas: 5" in output
    # The good row still went in; re-importing after fixing the file will not duplicate it.
    assert Locality.objects.filter(key__startswith="07027").count() == 1


@pytest.mark.django_db
def test_strict_mode_writes_nothing_when_a_row_is_rejected(tmp_path):
    text = AGEEML_HEADER + ROWS[0] + "070270020,07,Chiapas,027,Chiapilla,,Sin clave,R,,,,10,\n"

    output, code = run(write(tmp_path, text), "--strict")

    assert code == 1
    assert "No se escribió nada" in output
    assert not Locality.objects.filter(key__startswith="07027").exists()
    assert not Municipality.objects.filter(key="07027").exists()


@pytest.mark.django_db
def test_nothing_is_half_written_when_the_import_fails(tmp_path):
    path = write(tmp_path, AGEEML_HEADER + "".join(ROWS))
    with mock.patch.object(
        LocalityImport, "record_audit", side_effect=IntegrityError("disco lleno a media escritura")
    ):
        with pytest.raises(IntegrityError):
            run_import(LocalitySpec(), path.read_bytes(), filename=path.name)

    assert not Locality.objects.filter(key__startswith="07027").exists()
    assert not Municipality.objects.filter(key="07027").exists()


@pytest.mark.django_db
def test_a_file_without_the_key_columns_is_refused_with_what_to_fix(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="le faltan columnas: CVE_ENT, CVE_MUN y CVE_LOC"):
        run(write(tmp_path, "NOMBRE,POBLACION\nX,1\n"))


@pytest.mark.django_db
def test_semicolon_files_from_spanish_excel_are_read(tmp_path):
    text = (
        "CVE_ENT;NOM_ENT;CVE_MUN;NOM_MUN;CVE_LOC;NOM_LOC;POB_TOTAL\n"
        "07;Chiapas;027;Chiapilla;0005;El Ocote;140\n"
    )

    output, code = run(write(tmp_path, text, "cp1252"))

    assert code == 0, output
    assert Locality.objects.get(key="070270005").area == Locality.Area.RURAL


@pytest.mark.django_db
def test_an_import_leaves_one_audit_event_per_municipality(tmp_path):
    run(write(tmp_path, AGEEML_HEADER + "".join(ROWS)))

    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert event.municipality_id == Municipality.objects.get(key="07027").pk
    assert event.changes["creadas"] == ["070270001", "070270012", "070270013"]
    assert event.changes["actualizadas"] == {}


@pytest.mark.django_db
def test_an_update_keeps_the_old_values_in_the_audit_trail(tmp_path):
    run(write(tmp_path, AGEEML_HEADER + "".join(ROWS)), "--catalogue-version", "2020")
    changed = ROWS[1].replace(",87,21", ",95,23")
    run(write(tmp_path, AGEEML_HEADER + changed, name="b.csv"), "--catalogue-version", "2020")

    event = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).first()
    assert event.changes["actualizadas"] == {
        "070270012": {"population": [87, 95], "inhabited_dwellings": [21, 23]}
    }


@pytest.mark.django_db
def test_columns_missing_from_a_file_leave_stored_values_alone(tmp_path):
    run(write(tmp_path, AGEEML_HEADER + "".join(ROWS)), "--catalogue-version", "2020")
    names_only = "CVEGEO,NOM_LOC\n070270001,Chiapilla Centro\n"

    output, code = run(
        write(tmp_path, names_only, name="nombres.csv"), "--catalogue-version", "2020"
    )

    assert code == 0, output
    seat = Locality.objects.get(key="070270001")
    assert seat.name == "Chiapilla Centro"
    assert seat.population == 5512
    assert seat.latitude == Decimal("16.576423")
    assert seat.area == Locality.Area.URBAN


@pytest.mark.django_db
def test_the_agency_adds_a_locality_missing_from_the_catalogue():
    from ojodeagua.conftest import login_client

    agencia = login_client("agencia")
    berriozabal = Municipality.objects.get(key="07012")
    data = {
        "municipality": berriozabal.pk,
        "name": "Nuevo Asentamiento",
        "area": "R",
        "population": "35",
        "catalogue_version": "registro propio",
    }

    wrong = agencia.post("/localidades/nuevo/", {**data, "key": "070610999"})
    right = agencia.post("/localidades/nuevo/", {**data, "key": "070129990"})

    assert wrong.status_code == 400
    assert "La clave debe empezar con la del municipio (07012)." in wrong.content.decode()
    created = Locality.objects.get(key="070129990")
    assert right.status_code == 302 and right["Location"] == created.get_absolute_url()
    assert login_client("ong").get("/localidades/nuevo/").status_code == 403
