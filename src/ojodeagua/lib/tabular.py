"""Read and write tabular files (CSV in any common encoding) with line numbers for errors."""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

# Tried in order. UTF-8 is strict, so a Latin-1 file fails it and falls through;
# cp1252 is Latin-1 plus the curly quotes and dashes Excel writes.
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


class TabularFileError(ValueError):
    """The whole file cannot be read; the message tells the person what to fix."""


def decode(data: bytes) -> tuple[str, str]:
    """Return the text and the name of the encoding it was read with."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise TabularFileError(_("No se pudo leer el archivo: guárdelo como CSV en UTF-8 o Latin-1."))


def normalise_header(name: str) -> str:
    return name.strip().strip('"').strip().upper().replace(" ", "_")


@dataclass
class CsvTable:
    """A decoded CSV file: its normalised column names and rows keyed by them."""

    encoding: str
    columns: list[str]
    text: str = field(repr=False)
    row_count: int = 0

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Yield (line number in the file, row). Line 1 is the header."""
        reader = csv.reader(io.StringIO(self.text, newline=""))
        next(reader, None)
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            padded = values + [""] * (len(self.columns) - len(values))
            yield line, dict(zip(self.columns, padded, strict=False))


def read_csv(data: bytes) -> CsvTable:
    text, encoding = decode(data)
    if not text.strip():
        raise TabularFileError(_("El archivo está vacío."))
    # The header line decides the delimiter: Excel in Spanish saves with ";".
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    if delimiter != ",":
        text = _rewrite_delimiter(text, delimiter)
    header = next(csv.reader(io.StringIO(text, newline="")))
    columns = [normalise_header(name) for name in header]
    row_count = max(text.count("\n") - 1, 0)
    return CsvTable(encoding=encoding, columns=columns, text=text, row_count=row_count)


def _rewrite_delimiter(text: str, delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        writer.writerow(row)
    return out.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe.

    Numbers (including negative longitudes) pass untouched; only typed-in text is guarded.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[list[object]]):
    """Stream a CSV download; UTF-8 with a BOM so spreadsheet programs show accents right."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(
                ["" if value is None else spreadsheet_safe(value) for value in row]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
