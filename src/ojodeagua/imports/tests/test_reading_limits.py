"""Every file is read within limits, and a file past them is refused with what to fix."""

import io
import itertools
import time
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from ojodeagua.imports.reading import read_table
from ojodeagua.lib import tabular
from ojodeagua.lib.tabular import ReadLimits, TabularFileError, read_csv

from .bombs import SHEET_END, SHEET_START, header_row, text_cell, xlsx_with_first_sheet

SMALL = ReadLimits(rows=10, columns=5, megabytes=1, seconds=0)


def csv_rows(count: int, header: str = "record_id,hours") -> bytes:
    return (header + "\n" + "".join(f"r-{n},5\n" for n in range(count))).encode()


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# CSV --------------------------------------------------------------------------------------------
def test_a_csv_with_more_rows_than_allowed_is_refused_and_says_how_to_split_it():
    assert len(read_table(csv_rows(10), limits=SMALL).rows) == 10
    with pytest.raises(TabularFileError, match=r"más de 10 filas de datos\. Divídalo en partes"):
        read_table(csv_rows(11), limits=SMALL)


def test_empty_lines_are_not_rows():
    data = b"record_id,hours\n" + b"\n" * 50 + b"a,1\n"
    assert read_table(data, limits=SMALL).rows == [(52, {"record_id": "a", "hours": "1"})]


def test_a_csv_heavier_than_allowed_is_refused_before_it_is_read():
    data = csv_rows(5) + b"#" * (1024 * 1024)
    with pytest.raises(TabularFileError, match="pesa más de 1 MB"):
        read_csv(data, SMALL)


def test_a_csv_with_too_many_columns_is_refused():
    header = ",".join(f"c{n}" for n in range(6))
    with pytest.raises(TabularFileError, match="tiene 6 columnas y el máximo es 5"):
        read_table(f"{header}\n1,2,3,4,5,6\n".encode(), limits=SMALL)
    with pytest.raises(TabularFileError, match="tiene 7 columnas y el máximo es 5"):
        read_table(b"a,b\n1,2,3,4,5,6,7\n", limits=SMALL)


def test_a_cell_over_the_csv_limit_is_a_clear_error_not_a_crash():
    # A quote left open makes the rest of the file one cell.
    data = b'record_id,notes\nA,"' + b"x" * 200_000 + b"\n"
    with pytest.raises(TabularFileError, match="Una celda de la línea 2 tiene más de 131,072"):
        read_table(data)


def test_a_line_too_long_to_be_a_row_is_refused():
    data = b"record_id,notes\n" + b"x;" * 600_000 + b"\n"
    with pytest.raises(TabularFileError, match="La línea 2 del archivo tiene más de 1,000,000"):
        read_table(data)


def test_a_semicolon_csv_keeps_its_quoted_cells():
    table = read_table(b'record_id;notes\nA;"uno; dos"\n')
    assert table.rows == [(2, {"record_id": "A", "notes": "uno; dos"})]


def test_reading_stops_when_it_takes_longer_than_allowed(monkeypatch):
    seconds = itertools.count(0, 1.0)
    monkeypatch.setattr(tabular.time, "monotonic", lambda: next(seconds))
    limits = ReadLimits(rows=1000, columns=5, megabytes=1, seconds=5)
    with pytest.raises(TabularFileError, match="tomó más de 5 segundos y se detuvo"):
        read_table(csv_rows(100), limits=limits)


# XLSX -------------------------------------------------------------------------------------------
def test_an_xlsx_with_more_rows_than_allowed_is_refused_at_the_first_row_too_many():
    header = [["record_id", "hours"]]
    assert len(read_table(xlsx(header + [["a", 1]] * 10), "d.xlsx", SMALL).rows) == 10
    with pytest.raises(TabularFileError, match="La hoja tiene datos en la fila 12"):
        read_table(xlsx(header + [["a", 1]] * 11), "d.xlsx", SMALL)


def test_a_sheet_that_does_not_state_its_size_is_counted_before_it_is_parsed():
    rows = b"".join(b"<row>" + text_cell("a") + b"</row>" for _ in range(11))
    data = xlsx_with_first_sheet(
        [SHEET_START, b"<sheetData>", header_row(["record_id"]), rows, SHEET_END]
    )
    with pytest.raises(TabularFileError, match="más de 10 filas de datos"):
        read_table(data, "d.xlsx", SMALL)


def test_a_value_beyond_the_last_column_allowed_is_refused_and_empty_cells_there_are_not():
    header = ["a", "b", "c", "d", "e"]
    with pytest.raises(TabularFileError, match="La fila 2 tiene datos en la columna F"):
        read_table(xlsx([header, [1, 2, 3, 4, 5, 6]]), "d.xlsx", SMALL)
    with pytest.raises(TabularFileError, match="La fila 1 tiene datos en la columna F"):
        read_table(xlsx([[*header, "f"]]), "d.xlsx", SMALL)
    table = read_table(xlsx([header, [1, 2, 3, 4, 5, None, None, ""]]), "d.xlsx", SMALL)
    assert table.rows == [(2, {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"})]


def test_a_sheet_that_compresses_like_a_zip_bomb_is_refused():
    row = b"<row>" + text_cell("1") + b"</row>"
    data = xlsx_with_first_sheet(
        [SHEET_START, b"<sheetData>", header_row(["record_id"]), row * 100_000, SHEET_END]
    )
    assert len(data) < 100_000  # about 3 MB of XML
    with pytest.raises(TabularFileError, match="al descomprimirlo crece más de 100 veces"):
        read_table(data, "d.xlsx")


def test_a_damaged_sheet_is_a_clear_error():
    data = xlsx_with_first_sheet([SHEET_START, b"<sheetData><row><c><v>1</v></row>"])
    with pytest.raises(TabularFileError, match="No se pudo leer la hoja de cálculo"):
        read_table(data, "d.xlsx")
    with pytest.raises(TabularFileError, match="No se pudo leer la hoja de cálculo"):
        read_table(b"PK\x03\x04 not a zip", "d.xlsx")


# Pages and commands -----------------------------------------------------------------------------
def test_the_pages_limits_come_from_the_settings(settings):
    settings.IMPORT_LIMITS = {"rows": 3, "columns": 5, "megabytes": 1, "seconds": 0}
    with pytest.raises(TabularFileError, match="más de 3 filas de datos"):
        read_table(csv_rows(4))


@pytest.mark.django_db
def test_the_commands_run_off_the_request_path_and_read_more_than_the_pages(settings, tmp_path):
    """A whole INEGI catalogue is read by the command even where a page would refuse it."""
    settings.IMPORT_LIMITS = {"rows": 2, "columns": 10, "megabytes": 1, "seconds": 0}
    catalogue = tmp_path / "catalogo.csv"
    catalogue.write_text(
        "CVE_ENT,NOM_ENT,CVE_MUN,NOM_MUN,CVE_LOC,NOM_LOC\n"
        + "".join(f"07,Chiapas,101,Tuxtla,{n:04d},Localidad {n}\n" for n in range(1, 4))
    )
    with pytest.raises(TabularFileError, match="más de 2 filas"):
        list(read_csv(catalogue.read_bytes()).rows())
    out = StringIO()
    call_command("import-localities", str(catalogue), "--dry-run", stdout=out, stderr=StringIO())
    assert "3 filas" in out.getvalue()


def test_a_row_beyond_the_last_row_a_spreadsheet_has_is_refused_quickly():
    data = xlsx_with_first_sheet(
        [
            SHEET_START,
            b'<dimension ref="A1:A1"/><sheetData>',
            header_row(["record_id"]),
            b'<row r="999999999">' + text_cell("x") + b"</row>",
            SHEET_END,
        ]
    )
    started = time.perf_counter()
    with pytest.raises(TabularFileError, match="No se pudo leer la hoja de cálculo"):
        read_table(data, "d.xlsx")
    assert time.perf_counter() - started < 5


def test_a_zip_of_thousands_of_parts_is_refused_before_it_is_opened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(1001):
            archive.writestr(f"xl/media/image{number}.png", b"")
    with pytest.raises(TabularFileError, match="tiene 1,001 partes por dentro"):
        read_table(buffer.getvalue(), "d.xlsx")
