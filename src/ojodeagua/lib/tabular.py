"""Read and write tabular files (CSV in any common encoding) with line numbers for errors."""

import csv
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

# Tried in order. UTF-8 is strict, so a Latin-1 file fails it and falls through;
# cp1252 is Latin-1 plus the curly quotes and dashes Excel writes.
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
# No row of a real CSV is near this long; a file without line breaks is not a table.
LINE_MAX_CHARS = 1_000_000


class TabularFileError(ValueError):
    """The whole file cannot be read; the message tells the person what to fix."""


def number(value: int) -> str:
    """20,000 as written in Mexico."""
    return f"{value:,}"


@dataclass(frozen=True)
class ReadLimits:
    """How much one file may hold before it is refused: rows, columns, megabytes and seconds.

    A spreadsheet of a few kilobytes can claim a million rows, and one of 2 MB unpack to
    hundreds; reading either whole would hold a worker for minutes. The upload pages read with
    ``settings.IMPORT_LIMITS``; the commands, which run off the request path, with the larger
    ``settings.IMPORT_COMMAND_LIMITS``.
    """

    rows: int  # data rows, below the header
    columns: int
    megabytes: int  # a CSV's size; an XLSX's size once unpacked
    seconds: int  # time to read the file; 0 for no limit

    @classmethod
    def for_pages(cls) -> "ReadLimits":
        return cls(**settings.IMPORT_LIMITS)

    @classmethod
    def for_commands(cls) -> "ReadLimits":
        return cls(**settings.IMPORT_COMMAND_LIMITS)

    @property
    def bytes(self) -> int:
        return self.megabytes * 1024 * 1024

    def clock(self) -> "ReadingClock":
        return ReadingClock(self.seconds)

    def too_many_rows(self) -> TabularFileError:
        return TabularFileError(
            _(
                "El archivo tiene más de %(max)s filas de datos. Divídalo en partes de %(max)s "
                "filas o menos y súbalas una por una."
            )
            % {"max": number(self.rows)}
        )

    def too_many_columns(self, count: int) -> TabularFileError:
        return TabularFileError(
            _(
                "El archivo tiene %(count)s columnas y el máximo es %(max)s. Borre las columnas "
                "que no se importan y vuelva a intentar."
            )
            % {"count": number(count), "max": number(self.columns)}
        )


class ReadingClock:
    """Stops a file that takes longer to read than the limit allows."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.until = time.monotonic() + seconds if seconds else None

    def check(self) -> None:
        if self.until is not None and time.monotonic() > self.until:
            raise TabularFileError(
                _(
                    "Leer el archivo tomó más de %(seconds)s segundos y se detuvo. Divídalo en "
                    "partes más pequeñas y súbalas una por una."
                )
                % {"seconds": self.seconds}
            )


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
    """A decoded CSV file: its normalised column names and rows keyed by them.

    ``rows()`` reads the rows one by one within ``limits``: it stops the file with a
    TabularFileError past the last row, column or second allowed.
    """

    encoding: str
    columns: list[str]
    text: str = field(repr=False)
    row_count: int = 0
    delimiter: str = ","
    header: list[str] = field(default_factory=list)  # the column names as written
    limits: ReadLimits | None = None

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Yield (line number in the file, row). Line 1 is the header."""
        limits = self.limits or ReadLimits.for_pages()
        clock = limits.clock()
        reader = csv.reader(_lines(self.text), delimiter=self.delimiter)
        rows = 0
        with _csv_errors(reader):
            next(reader, None)
            for values in reader:
                clock.check()
                line = reader.line_num
                if not any(value.strip() for value in values):
                    continue
                rows += 1
                if rows > limits.rows:
                    raise limits.too_many_rows()
                if len(values) > limits.columns:
                    raise limits.too_many_columns(len(values))
                padded = values + [""] * (len(self.columns) - len(values))
                yield line, dict(zip(self.columns, padded, strict=False))


def read_csv(data: bytes, limits: ReadLimits | None = None) -> CsvTable:
    """The file's header and a reader of its rows; ``limits`` default to the pages' own."""
    limits = limits or ReadLimits.for_pages()
    if len(data) > limits.bytes:
        raise TabularFileError(
            _("El archivo pesa más de %(max)s MB. Divídalo en partes y súbalas una por una.")
            % {"max": number(limits.megabytes)}
        )
    text, encoding = decode(data)
    if not text.strip():
        raise TabularFileError(_("El archivo está vacío."))
    # The header line decides the delimiter: Excel in Spanish saves with ";".
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = max(",;\t", key=first_line[:LINE_MAX_CHARS].count)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    with _csv_errors(reader):
        header = next(reader)
    if len(header) > limits.columns:
        raise limits.too_many_columns(len(header))
    columns = [normalise_header(name) for name in header]
    row_count = max(text.count("\n") - 1, 0)
    return CsvTable(
        encoding=encoding,
        columns=columns,
        text=text,
        row_count=row_count,
        delimiter=delimiter,
        header=header,
        limits=limits,
    )


# One line and its ending: "\n", "\r\n", or "\r" alone (CSV saved by Excel for Mac).
LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")


def _lines(text: str) -> Iterator[str]:
    """The file's lines for the csv reader, one at a time, refusing one too long to be a row.

    Found one by one in the text, so a reader that stops at the row limit has not gone
    through the rest of the file.
    """
    for number_, match in enumerate(LINE.finditer(text), start=1):
        line = match.group()
        if len(line) > LINE_MAX_CHARS:
            raise TabularFileError(
                _(
                    "La línea %(line)s del archivo tiene más de %(max)s caracteres. Guarde el "
                    "archivo como CSV desde la hoja de cálculo, con una fila por línea."
                )
                % {"line": number(number_), "max": number(LINE_MAX_CHARS)}
            )
        yield line


@contextmanager
def _csv_errors(reader) -> Iterator[None]:
    """The csv module's errors (a cell over its size limit, a stray quote) in plain Spanish."""
    try:
        yield
    except csv.Error as error:
        line = number(reader.line_num or 1)
        if "field larger than field limit" in str(error):
            raise TabularFileError(
                _(
                    "Una celda de la línea %(line)s tiene más de %(max)s caracteres. Revise que "
                    "las comillas del archivo estén bien cerradas."
                )
                % {"line": line, "max": number(csv.field_size_limit())}
            ) from error
        raise TabularFileError(
            _(
                "No se pudo leer la línea %(line)s del archivo. Revise sus comillas, o guárdelo "
                "de nuevo como CSV desde la hoja de cálculo."
            )
            % {"line": line}
        ) from error


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


def csv_lines(header: list[str], rows: Iterable[list[object]]) -> Iterator[str]:
    """A CSV's lines: UTF-8 with a BOM so spreadsheet programs show accents right, and typed
    text a spreadsheet would run kept as text. Streamed to a page or written to a file."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(["" if value is None else spreadsheet_safe(value) for value in row])


def csv_response(filename: str, header: list[str], rows: Iterable[list[object]]):
    """Stream a CSV download."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
