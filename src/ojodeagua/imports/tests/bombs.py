"""Files built to stall a reader: small to upload, huge once read. Built here, never stored."""

import io
import zipfile
from collections.abc import Iterable

from openpyxl import Workbook

SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
SHEET_END = b"</sheetData></worksheet>"


def text_cell(text: str, reference: str = "") -> bytes:
    where = f' r="{reference}"' if reference else ""
    return f'<c{where} t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def header_row(columns: Iterable[str]) -> bytes:
    return b'<row r="1">' + b"".join(text_cell(name) for name in columns) + b"</row>"


def xlsx_with_first_sheet(chunks: Iterable[bytes]) -> bytes:
    """A workbook saved by openpyxl whose first sheet's XML is ``chunks``, compressed as read."""
    template = io.BytesIO()
    Workbook().save(template)
    source, target = zipfile.ZipFile(template), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as copy:
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with copy.open(item.filename, "w", force_zip64=True) as sheet:
                    for chunk in chunks:
                        sheet.write(chunk)
            else:
                copy.writestr(item.filename, source.read(item.filename), zipfile.ZIP_DEFLATED)
    return target.getvalue()


def dimension_bomb(columns: Iterable[str]) -> bytes:
    """A sheet that claims every row and column Excel has, with headers and one cell in the
    last row: about 1.6 KB, and a reader that trusts the dimension builds 17 billion cells."""
    return xlsx_with_first_sheet(
        [
            SHEET_START,
            b'<dimension ref="A1:XFD1048576"/><sheetData>',
            header_row(columns),
            b'<row r="1048576">' + text_cell("x", "XFD1048576") + b"</row>",
            SHEET_END,
        ]
    )


def rows_bomb(columns: Iterable[str], rows: int = 2_000_000) -> bytes:
    """Two million identical rows: under 2 MB to upload, hundreds of MB of XML once unpacked."""
    names = list(columns)
    row = b"<row>" + b"".join(text_cell("1") for _name in names) + b"</row>"
    block = row * 10_000

    def chunks():
        yield SHEET_START + b"<sheetData>" + header_row(names)
        for _ in range(rows // 10_000):
            yield block
        yield SHEET_END

    return xlsx_with_first_sheet(chunks())


def csv_bomb(columns: Iterable[str], size: int = 19 * 1024 * 1024) -> bytes:
    """A CSV just under the page's upload limit made of millions of tiny rows."""
    header = (",".join(columns) + "\n").encode()
    row = b"1" + b"," * (header.count(b",")) + b"\n"
    return header + row * ((size - len(header)) // len(row))
