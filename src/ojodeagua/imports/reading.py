"""Read a CSV or XLSX file into normalised column names and rows numbered as in the file.

Every file is read within ``ReadLimits`` (rows, columns, megabytes, seconds): an XLSX is a zip
of XML, and a few kilobytes of it can claim a million rows or unpack to gigabytes. So the zip is
measured before it is opened, the sheet is read row by row without trusting the size it
declares, and the reading stops with a TabularFileError that says what to fix.
"""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ojodeagua.lib.folding import fold
from ojodeagua.lib.tabular import (
    ReadingClock,
    ReadLimits,
    TabularFileError,
    number,
    read_csv,
)

XLSX_MAGIC = b"PK\x03\x04"
# The last row of any spreadsheet; a file with a row beyond it is not one.
EXCEL_MAX_ROWS = 1_048_576
# A workbook has a few dozen parts; thousands make a zip that is slow even to list.
MAX_ARCHIVE_MEMBERS = 1_000
# Spreadsheet XML compresses 5 to 20 times; a zip bomb, a thousand. Small parts are left alone.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
# Tags with or without a namespace prefix (<row> or <x:row>), as different programs write them.
SHEET_DATA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData[\s>/]")
DIMENSION_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension[\s>/]")
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


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


def read_table(data: bytes, filename: str = "", limits: ReadLimits | None = None) -> Table:
    """A CSV (any common encoding or delimiter) or XLSX file (its first sheet) as a Table.

    ``limits`` default to the upload pages' (``settings.IMPORT_LIMITS``).
    """
    limits = limits or ReadLimits.for_pages()
    if data[:4] == XLSX_MAGIC or filename.lower().endswith((".xlsx", ".xlsm")):
        encoding, header, rows = _read_xlsx(data, limits)
    else:
        csv_table = read_csv(data, limits)
        encoding, header = csv_table.encoding, csv_table.header
        rows = (
            (line, [raw.get(column, "") for column in csv_table.columns])
            for line, raw in csv_table.rows()
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


# XLSX -------------------------------------------------------------------------------------------
def _read_xlsx(data: bytes, limits: ReadLimits):
    clock = limits.clock()
    has_formulas = _measure_archive(data, limits)
    try:
        header, rows, last_line = _read_first_sheet(data, limits, clock)
        if has_formulas:
            _refuse_uncalculated_formulas(data, limits, clock, last_line=last_line)
    except TabularFileError:
        raise
    except Exception as error:  # openpyxl and the XML parser raise many kinds for a damaged file
        raise unreadable_spreadsheet() from error
    return "xlsx", header, rows


def unreadable_spreadsheet() -> TabularFileError:
    return TabularFileError(
        _("No se pudo leer la hoja de cálculo. Guárdela como XLSX (Excel) o como CSV.")
    )


def _measure_archive(data: bytes, limits: ReadLimits) -> bool:
    """Refuse a zip that unpacks too big, too suspiciously or into a sheet too long to read;
    return whether a sheet holds formulas.

    The sizes come from the zip's directory, which Python's zipfile also holds each part to;
    a sheet that does not state its size first is read whole by openpyxl when the file is
    opened, so its rows are counted here, in the raw XML, before that.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise unreadable_spreadsheet() from error
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise TabularFileError(
            _(
                "El archivo no parece una hoja de cálculo normal: tiene %(count)s partes por "
                "dentro. Ábralo en Excel o LibreOffice y guárdelo de nuevo, o guárdelo como CSV."
            )
            % {"count": number(len(members))}
        )
    if sum(member.file_size for member in members) > limits.bytes:
        raise TabularFileError(
            _(
                "La hoja de cálculo ocupa más de %(max)s MB al descomprimirla. Divídala en "
                "partes y súbalas una por una, o guárdela como CSV."
            )
            % {"max": number(limits.megabytes)}
        )
    for member in members:
        if (
            member.file_size >= RATIO_CHECKED_FROM_BYTES
            and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise TabularFileError(
                _(
                    "El archivo no parece una hoja de cálculo normal: al descomprimirlo crece "
                    "más de %(ratio)s veces. Ábralo en Excel o LibreOffice y guárdelo de nuevo, "
                    "o guárdelo como CSV."
                )
                % {"ratio": MAX_COMPRESSION_RATIO}
            )
    has_formulas = False
    with archive:
        for member in members:
            if not member.filename.endswith(".xml"):
                continue
            try:
                xml = archive.read(member)
            except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError) as error:
                raise unreadable_spreadsheet() from error
            sheet_data = SHEET_DATA_TAG.search(xml)
            if sheet_data is None:
                continue
            has_formulas = has_formulas or FORMULA_TAG.search(xml) is not None
            dimension = DIMENSION_TAG.search(xml, 0, sheet_data.start())
            if dimension is None and len(ROW_TAG.findall(xml)) > limits.rows + 1:
                raise limits.too_many_rows()
    return has_formulas


def _first_sheet(data: bytes, *, data_only: bool):
    """The first sheet, read in streaming mode, with the size it declares forgotten.

    A sheet may claim to reach column XFD and row 1,048,576; trusted, that size pads every row
    to 16,384 cells and adds every missing row. Forgotten, each row is as long as its last cell.
    """
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    return workbook, sheet


def _read_first_sheet(data: bytes, limits: ReadLimits, clock: ReadingClock):
    workbook, sheet = _first_sheet(data, data_only=True)
    values = sheet.iter_rows(values_only=True)
    header = _sheet_header(values, limits)
    if not header:
        raise TabularFileError(_("La primera hoja está vacía: ponga los encabezados en la fila 1."))
    rows, last_line = _sheet_body(values, header, limits, clock)
    workbook.close()
    return header, rows, last_line


def _sheet_header(values, limits: ReadLimits) -> list[str]:
    """The first row's cells as text, up to its last one that is not empty."""
    header = _within_columns(next(values, None) or (), 1, limits)
    while header and header[-1] in (None, ""):
        header = header[:-1]
    return [_cell_text(cell) for cell in header]


def _sheet_body(values, header: list[str], limits: ReadLimits, clock: ReadingClock):
    """The rows below the header that hold something, each with its line in the sheet."""
    rows = []
    last_line = 1
    # Missing rows come as empty ones, so the count keeps the sheet's own row numbers.
    for line, row in enumerate(values, start=2):
        if not row:  # a row the sheet leaves out: many, quickly
            if line > EXCEL_MAX_ROWS:
                raise unreadable_spreadsheet()
            continue
        clock.check()
        last_line = line
        if line > limits.rows + 1:
            if all(value in (None, "") for value in row):
                continue
            raise TabularFileError(
                _(
                    "La hoja tiene datos en la fila %(line)s, y una hoja puede tener hasta "
                    "%(max)s filas de datos debajo de los encabezados. Divídala en partes y "
                    "súbalas una por una; si esas filas sobran, bórrelas."
                )
                % {"line": number(line), "max": number(limits.rows)}
            )
        cells = [_cell_text(cell) for cell in _within_columns(row, line, limits)]
        if any(cells):
            rows.append((line, cells + [""] * (len(header) - len(cells))))
    return rows, last_line


def read_named_sheets(
    data: bytes, names: set[str], limits: ReadLimits | None = None
) -> dict[str, tuple[list[str], list[tuple[int, list[str]]]]]:
    """The sheets of an XLSX called one of ``names`` (case and spaces aside), each as its
    header, as written, and its rows: a workbook whose sheets all count, like an XLSForm. Read
    within the same limits, and as warily, as ``read_table`` reads a first sheet."""
    limits = limits or ReadLimits.for_pages()
    clock = limits.clock()
    _measure_archive(data, limits)
    found = {}
    try:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for sheet in workbook.worksheets:
            name = sheet.title.strip().lower()
            if name not in names:
                continue
            sheet.reset_dimensions()  # the size a sheet declares is not trusted (_first_sheet)
            values = sheet.iter_rows(values_only=True)
            header = _sheet_header(values, limits)
            rows, _last_line = _sheet_body(values, header, limits, clock)
            found[name] = (header, rows)
        workbook.close()
    except TabularFileError:
        raise
    except Exception as error:  # openpyxl and the XML parser raise many kinds for a damaged file
        raise unreadable_spreadsheet() from error
    return found


def _within_columns(row, line: int, limits: ReadLimits):
    """The row's first cells up to the limit; a value further right refuses the file."""
    if len(row) <= limits.columns:
        return row
    beyond = row[limits.columns :]
    if beyond.count(None) + beyond.count("") != len(beyond):
        from openpyxl.utils import get_column_letter

        column = (
            limits.columns
            + 1
            + next(index for index, value in enumerate(beyond) if value not in (None, ""))
        )
        raise TabularFileError(
            _(
                "La fila %(line)s tiene datos en la columna %(column)s, y una hoja puede tener "
                "hasta %(max)s columnas. Borre las columnas que no se importan y vuelva a "
                "intentar."
            )
            % {"line": number(line), "column": get_column_letter(column), "max": limits.columns}
        )
    return row[: limits.columns]


def _refuse_uncalculated_formulas(
    data: bytes, limits: ReadLimits, clock: ReadingClock, *, last_line: int
) -> None:
    """A formula saved without its result would be read as an empty cell: refuse the file.

    Spreadsheet programs store each formula's result; files written by other programs often
    do not, and an empty cell would silently drop the value. Only the rows and columns already
    read are looked at again.
    """
    values_book, values = _first_sheet(data, data_only=True)
    formulas_book, formulas = _first_sheet(data, data_only=False)
    rows = zip(values.iter_rows(), formulas.iter_rows(), strict=False)
    for line, (value_row, formula_row) in enumerate(rows, start=1):
        clock.check()
        if line > last_line:
            break
        width = limits.columns
        for value_cell, formula_cell in zip(value_row[:width], formula_row[:width], strict=False):
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
    values_book.close()
    formulas_book.close()


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


# Spreadsheet XML compresses about ten times: an XLSX counts as a CSV ten times its size.
XLSX_SIZE_FACTOR = 10


def looks_big(data: bytes, filename: str, *, rows: int, megabytes: float) -> bool:
    """Whether a file is worth a job of its own rather than a page that waits: more than
    ``megabytes``, or a CSV of more than ``rows`` lines. Judged without reading the file (an
    XLSX by its size alone), so the page answers at once either way."""
    size = len(data)
    if data[:4] == XLSX_MAGIC or filename.lower().endswith((".xlsx", ".xlsm")):
        return size * XLSX_SIZE_FACTOR > megabytes * 1024 * 1024
    # One line break per row, and one after the header.
    return size > megabytes * 1024 * 1024 or data.count(b"\n") > rows + 1
