"""Downloads that may be big: one builder per export, the same for the page and the task queue.

An app registers each of its downloads by name with a builder ``(user, query) → Table``: the
rows that person may see for those filters (``query`` is a ``QueryDict``: the page's GET, plus
what its address names). The page (``pages.exports.export_response``) builds the table and
sends it at once when it is small; when it holds more than ``EXPORT_QUEUE_ROWS`` rows it offers
to prepare the file on the task queue, and the job (``jobs.work.export``) builds the same table
for the same person and writes it with :func:`write`, reporting the rows written. One builder,
two ways out: the file is the same either way.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.http import QueryDict

from .tabular import csv_lines
from .xlsx import DOWNLOAD_FORMATS, write_xlsx

# How often the rows written are reported (the job's page throttles what it stores anyway).
REPORT_EVERY = 500


@dataclass
class Table:
    """What a download holds: its file name (without extension), sheet title, header, rows and,
    when it can be counted in one query, how many rows."""

    name: str
    sheet: str
    header: list[str]
    rows: Iterable[list[object]]
    count: int | None = None


class ExportRefused(Exception):
    """The filters cannot be read; the message (Spanish) says what to fix."""


Builder = Callable[[Any, QueryDict], Table]
_builders: dict[str, Builder] = {}


def register(name: str, builder: Builder) -> None:
    _builders[name] = builder


def build(name: str, user: Any, query: QueryDict) -> Table:
    """The table of export ``name`` for this person; ``KeyError`` for an unknown name."""
    return _builders[name](user, query)


def names() -> list[str]:
    return sorted(_builders)


Progress = Callable[[int, int, str], object]


def counted(rows: Iterable[list[object]], total: int, progress: Progress | None):
    """The rows, telling ``progress`` every ``REPORT_EVERY`` rows how many went by."""
    done = 0
    for row in rows:
        yield row
        done += 1
        if progress is not None and done % REPORT_EVERY == 0:
            progress(done, max(total, done), "")
    if progress is not None:
        progress(done, max(total, done), "")


def write(table: Table, fmt: str, handle: IO[bytes], progress: Progress | None = None) -> int:
    """Write the table as CSV or XLSX (``fmt`` in ``DOWNLOAD_FORMATS``) to a binary file;
    returns the rows written."""
    if fmt not in DOWNLOAD_FORMATS:
        raise ValueError(f"no export format {fmt!r}")
    written = [0]

    def rows() -> Iterator[list[object]]:
        for row in counted(table.rows, table.count or 0, progress):
            written[0] += 1
            yield row

    if fmt == "xlsx":
        write_xlsx(handle, table.sheet, table.header, rows())
    else:
        for line in csv_lines(table.header, rows()):
            handle.write(line.encode("utf-8"))
    return written[0]
