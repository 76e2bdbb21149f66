"""Read a CSV or XLSX file into normalised column names and rows numbered as in the file."""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ojodeagua.lib.folding import fold
from ojodeagua.lib.tabular import TabularFileError, read_csv

XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    """A file's normalised column names and its rows, each with its line number in the file."""

    encoding: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


def normalise_column(name: object) -> str:
    """ "Servicio/Hours " → "hours": KoboToolbox and ODK Central join group paths with "/"."""
    text = fold(str(name or "").strip().strip('"').strip()) or ""
    text = text.rsplit("/", 1)[-1]
    return re.sub(r"[\s\-]+", "_", text.strip())


def read_table(data: bytes, filename: str = "") -> Table:
    """A CSV (any common encoding or delimiter) or XLSX file (its first sheet) as a Table."""
    if data[:4] == XLSX_MAGIC or filename.lower().endswith((".xlsx", ".xlsm")):
        encoding, header, rows = _read_xlsx(data)
    else:
        csv_table = read_csv(data)
        encoding, header = csv_table.encoding, csv_table.columns
        rows = (
            (line, [raw.get(column, "") for column in header]) for line, raw in csv_table.rows()
        )
    columns = [normalise_column(name) for name in header]
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise TabularFileError(
                _("La columna %(column)s aparece dos veces. Deje solo una y vuelva a importar.")
                % {"column": name}
            )
        seen.add(name)
    table_rows = [
        (line, {name: value.strip() for name, value in zip(columns, values, strict=False) if name})
        for line, values in rows
    ]
    return Table(encoding=encoding, columns=[name for name in columns if name], rows=table_rows)


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise TabularFileError(
            _("No se pudo leer la hoja de cálculo. Guárdela como XLSX (Excel) o como CSV.")
        ) from error
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if not header or not any(cell not in (None, "") for cell in header):
        raise TabularFileError(_("La primera hoja está vacía: ponga los encabezados en la fila 1."))
    header = [_cell_text(cell) for cell in header]
    rows = []
    for line, row in enumerate(values, start=2):
        cells = [_cell_text(cell) for cell in row]
        if any(cells):
            rows.append((line, cells + [""] * (len(header) - len(cells))))
    workbook.close()
    if _has_formulas(data):
        _refuse_uncalculated_formulas(data)
    return "xlsx", header, rows


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet holds a formula, found without parsing the XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.startswith("xl/worksheets/"):
                continue
            tail = b""
            with archive.open(name) as stream:
                while chunk := stream.read(1 << 20):
                    text = tail + chunk
                    if b"<f>" in text or b"<f " in text:
                        return True
                    tail = text[-3:]
    return False


def _refuse_uncalculated_formulas(data: bytes) -> None:
    """A formula saved without its result would be read as an empty cell: refuse the file.

    Spreadsheet programs store each formula's result; files written by other programs often
    do not, and an empty cell would silently drop the value.
    """
    from openpyxl import load_workbook

    values = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False).worksheets[0]
    for value_row, formula_row in zip(values.iter_rows(), formulas.iter_rows(), strict=False):
        for value_cell, formula_cell in zip(value_row, formula_row, strict=False):
            formula = getattr(formula_cell, "value", None)
            is_formula = getattr(formula_cell, "data_type", "") == "f" or (
                isinstance(formula, str) and formula.startswith("=")
            )
            if is_formula and getattr(value_cell, "value", None) is None:
                raise TabularFileError(
                    _(
                        "La celda %(cell)s tiene una fórmula sin su resultado guardado. Abra el "
                        "archivo en Excel o LibreOffice y guárdelo de nuevo, o copie las celdas "
                        "y péguelas como valores."
                    )
                    % {"cell": formula_cell.coordinate}
                )


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would have, so both go through the same parsers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()
