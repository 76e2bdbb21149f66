"""The shared import mechanism: reading files and cells the way people write them."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from ojodeagua.imports.columns import Boolean, Choice, Date, Number, Reference, RowError
from ojodeagua.imports.reading import normalise_column, read_table
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.monitoring.models import StoppageCause
from ojodeagua.watersystems.models import WaterSystem


def test_column_names_are_folded_and_lose_group_paths():
    assert normalise_column(" Servicio/Hours ") == "hours"
    assert normalise_column("meta/instanceID") == "instanceid"
    assert normalise_column("No Water-Reason") == "no_water_reason"


def test_csv_with_semicolons_and_latin1_keeps_line_numbers():
    data = "record_id;hours;notes\nA;5;Berriozábal\n\nB;6;ok\n".encode("latin-1")
    table = read_table(data)
    assert table.columns == ["record_id", "hours", "notes"]
    assert [(line, row["record_id"]) for line, row in table.rows] == [(2, "A"), (4, "B")]
    assert table.rows[0][1]["notes"] == "Berriozábal"


def test_xlsx_cells_become_the_text_a_csv_would_have():
    workbook = Workbook()
    workbook.active.append(["record_id", "observed_on", "hours", "working"])
    workbook.active.append(["A", datetime.datetime(2024, 5, 1, 0, 0), 24.0, True])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "dias.xlsx")
    assert table.rows == [
        (2, {"record_id": "A", "observed_on": "2024-05-01", "hours": "24", "working": "true"})
    ]


def test_repeated_columns_make_the_file_unreadable():
    with pytest.raises(TabularFileError, match="dos veces"):
        read_table(b"hours,Hours\n1,2\n")


def test_dates_iso_and_day_first_but_not_impossible_or_future():
    parser = Date()
    assert parser.parse("2024-05-31", "observed_on") == datetime.date(2024, 5, 31)
    assert parser.parse("31/05/2024", "observed_on") == datetime.date(2024, 5, 31)
    assert parser.parse("2024-05-31T10:20:00.000-06:00", "observed_on") == datetime.date(
        2024, 5, 31
    )
    with pytest.raises(RowError, match="no existe en el calendario"):
        parser.parse("30/02/2024", "observed_on")
    with pytest.raises(RowError, match="como 2024-05-31 o 31/05/2024"):
        parser.parse("mayo 2024", "observed_on")
    with pytest.raises(RowError, match="en el futuro"):
        parser.parse("2999-01-01", "observed_on")


def test_numbers_need_a_decimal_point_and_respect_the_field_limits():
    hours = Number(minimum=0, maximum=24, places=1, max_digits=3)
    assert hours.parse("7.5", "hours") == Decimal("7.5")
    with pytest.raises(RowError, match=r"escriba los decimales con punto, por ejemplo 1\.5"):
        hours.parse("1,5", "hours")
    with pytest.raises(RowError, match="entre 0 y 24"):
        hours.parse("24.5", "hours")
    with pytest.raises(RowError, match="hasta 1 decimales"):
        hours.parse("7.25", "hours")
    with pytest.raises(RowError, match="número entero"):
        Number(minimum=0, whole=True).parse("2.5", "household_size")
    assert Number(minimum=0, whole=True).parse("3.0", "household_size") == 3


def test_choices_take_the_code_or_the_spanish_label_without_accents_or_case():
    parser = Choice(StoppageCause.choices)
    assert parser.parse("source_dried", "c") == "source_dried"
    assert parser.parse("SE SECO LA FUENTE", "c") == "source_dried"
    assert parser.parse("Falla de la bomba", "c") == "pump"
    with pytest.raises(RowError, match="use uno de estos códigos: source_dried"):
        parser.parse("sequía", "c")


def test_booleans_in_spanish_and_english():
    parser = Boolean()
    assert [parser.parse(t, "w") for t in ("Sí", "si", "yes", "1", "NO", "falso")] == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(RowError, match="«sí» o «no»"):
        parser.parse("quizá", "working")


def test_a_date_before_1900_is_a_typo_not_an_observation():
    parser = Date()
    assert parser.parse("1900-01-01", "observed_on") == datetime.date(1900, 1, 1)
    for text in ("1/1/0001", "0024-05-31", "31/05/1024"):
        with pytest.raises(RowError, match="demasiado antigua"):
            parser.parse(text, "observed_on")


def test_an_id_too_large_for_the_database_is_simply_not_found():
    parser = Reference(WaterSystem, whole=True, label="sistema")
    with pytest.raises(RowError, match="no existe sistema"):
        parser.parse("99999999999999999999999", "system_id")


def xlsx_with_formula(cached: str | None) -> bytes:
    """A sheet with a formula in B2, saved with its result or, like many programs do, without."""
    workbook = Workbook()
    workbook.active.append(["record_id", "hours"])
    workbook.active.append(["A", "=2+3"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source, target = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(target, "w") as copy:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/") and cached is not None:
                content = re.sub(rb"<v\s*/>|<v></v>", b"", content)
                content = content.replace(b"</f>", b"</f><v>" + cached.encode() + b"</v>")
            copy.writestr(item, content)
    return target.getvalue()


def test_a_formula_saved_with_its_result_is_read_as_that_result():
    table = read_table(xlsx_with_formula("5"), "dias.xlsx")
    assert table.rows == [(2, {"record_id": "A", "hours": "5"})]


def test_a_formula_saved_without_its_result_refuses_the_file_instead_of_reading_it_empty():
    with pytest.raises(TabularFileError, match="B2 tiene una fórmula sin su resultado"):
        read_table(xlsx_with_formula(None), "dias.xlsx")
