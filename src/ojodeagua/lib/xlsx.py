"""Write XLSX downloads: streamed row by row, with text a spreadsheet would run kept as text."""

import tempfile
from collections.abc import Iterable

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .tabular import csv_response, spreadsheet_safe

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_cell(value: object) -> object:
    if isinstance(value, str):
        # openpyxl would store text starting with "=" as a formula, and refuses control bytes.
        return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(handle, sheet_title: str, header: list[str], rows: Iterable[list[object]]) -> None:
    """Write a one-sheet workbook to a binary file. Write-only mode keeps one row in memory at
    a time."""
    workbook = Workbook(write_only=True)
    # Excel allows 31 characters in a sheet's name.
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    workbook.save(handle)


def xlsx_response(
    filename: str, sheet_title: str, header: list[str], rows: Iterable[list[object]]
) -> FileResponse:
    """The workbook as a download, spooled to disk first."""
    handle = tempfile.TemporaryFile()
    write_xlsx(handle, sheet_title, header, rows)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )


DOWNLOAD_FORMATS = ("csv", "xlsx")


def tabular_download(fmt: str, name: str, sheet_title: str, header: list[str], rows):
    """The same rows as CSV or XLSX; ``fmt`` is one of DOWNLOAD_FORMATS."""
    filename = f"{name}.{fmt}"
    if fmt == "xlsx":
        return xlsx_response(filename, sheet_title, header, rows)
    return csv_response(filename, header, rows)
