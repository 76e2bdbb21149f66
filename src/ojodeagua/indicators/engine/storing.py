"""Writing values: replacing an entity layer's values for a span of months, inserting them in
batches, and the full rebuild's fresh table on PostgreSQL."""

import contextlib
import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import orjson
from django.db import connection, models
from django.db.models import Q

from ..models import IndicatorValue
from .values import Value

COLUMNS = (
    "indicator",
    "entity",
    "entity_id",
    "period",
    "window_start",
    "window_end",
    "value",
    "label",
    "numerator",
    "denominator",
    "sources",
    "breakdown",
    "computed_at",
    "municipality_id",
    "provider_id",
)
BATCH = 20_000
# Any fixed number: the key of the advisory lock that refreshes and rebuilds share.
WRITERS_LOCK = 7_012_127


def serialise_writers() -> None:
    """Refreshes and full rebuilds take turns, so that none is lost in the swap."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITERS_LOCK])


@dataclass(frozen=True)
class Partial:
    """A layer replaced in part: of the indicators ``codes`` (None: all), only the values in
    ``months`` of ``indicators`` are replaced; the others stand as stored."""

    codes: frozenset[str] | None
    months: set[datetime.date]
    indicators: set[str]

    def replaces(self, month: datetime.date, indicator: str) -> bool:
        if self.codes is not None and indicator not in self.codes:
            return True
        return month in self.months and indicator in self.indicators

    def narrow(self, rows: models.QuerySet) -> models.QuerySet:
        """The rows of ``rows`` this replaces (all of them outside ``codes``)."""
        replaced = Q(period__in=self.months, indicator__in=self.indicators)
        if self.codes is not None:
            replaced |= ~Q(indicator__in=self.codes)
        return rows.filter(replaced)


def delete_values(
    entity: str,
    entity_ids: set[int] | None,
    first_month: datetime.date,
    last_month: datetime.date,
    keep: Iterable[str] = (),
    partial: Partial | None = None,
) -> None:
    """Delete the stored values of these entities (None: all of the kind) in these months,
    all but the indicators in ``keep`` and those ``partial`` leaves standing."""
    rows = IndicatorValue.objects.filter(entity=entity, period__range=(first_month, last_month))
    if entity_ids is not None:
        rows = rows.filter(entity_id__in=entity_ids)
    if partial is not None:
        rows = partial.narrow(rows)
    rows.exclude(indicator__in=list(keep)).delete()


def insert_values(
    values: Iterable[Value], computed_at: datetime.datetime, table: str | None = None
) -> int:
    """Insert values in batches: COPY on PostgreSQL, one executemany on SQLite.

    The values are computed between batches, never while a COPY is open: the computation
    queries the same connection, and psycopg cannot run a query inside a COPY.
    """
    stamp = connection.ops.adapt_datetimefield_value(computed_at)
    table = connection.ops.quote_name(table or IndicatorValue._meta.db_table)
    count, batch = 0, []
    for value in values:
        batch.append(_row(value, stamp))
        if len(batch) >= BATCH:
            _write(batch, table)
            count += len(batch)
            batch = []
    if batch:
        _write(batch, table)
    return count + len(batch)


def _row(v: Value, stamp) -> tuple:
    return (
        v.indicator,
        v.entity,
        v.entity_id,
        v.period,
        v.window_start,
        v.window_end,
        v.value,
        v.label,
        v.numerator,
        v.denominator,
        _json(v.sources),
        _json(v.breakdown) if v.breakdown else "{}",
        stamp,
        v.municipality_id,
        v.provider_id,
    )


def _json(value) -> str:
    # A compiled encoder: the full recompute writes two of these for each of 11.5 million
    # values. Keys that are not text (none today) are written as text, as json.dumps does.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _write(rows: list[tuple], table: str) -> None:
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


@contextlib.contextmanager
def bulk_load(model: type[models.Model]) -> Iterator[str]:
    """Give the table to fill for a full rebuild; yields its name.

    On PostgreSQL the values go into a new table with no indexes, the indexes are built
    once at the end, and the new table then takes the old one's place. Readers keep using
    the old values meanwhile and are held only for the instant of the swap (a TRUNCATE
    would lock them out for the whole rebuild). Elsewhere the table is emptied in place.
    """
    table = model._meta.db_table
    if connection.vendor != "postgresql":
        model.objects.all().delete()
        yield table
        return
    staging = f"{table}_next"
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(staging)}")
        cursor.execute(
            f"CREATE TABLE {quote(staging)} "
            f"(LIKE {quote(table)} INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
    yield staging
    with connection.cursor() as cursor:
        # The same constraints and indexes, built once, under temporary names.
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, definition in constraints:
            cursor.execute(
                f"ALTER TABLE {quote(staging)} ADD CONSTRAINT {quote('next_' + name)} {definition}"
            )
        for name, definition in indexes:
            definition = re.sub(
                rf"INDEX {re.escape(name)} ON (\S+\.)?{re.escape(table)} ",
                f"INDEX next_{name} ON {staging} ",
                definition,
                count=1,
            )
            cursor.execute(definition)
        # The swap: a moment's lock on the old table, then the old names on the new one.
        cursor.execute(f"DROP TABLE {quote(table)}")
        cursor.execute(f"ALTER TABLE {quote(staging)} RENAME TO {quote(table)}")
        for name, _definition in constraints:
            cursor.execute(
                f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote('next_' + name)} "
                f"TO {quote(name)}"
            )
        for name, _definition in indexes:
            cursor.execute(f"ALTER INDEX {quote('next_' + name)} RENAME TO {quote(name)}")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        if sequence:
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {quote(table + '_id_seq')}")
        # A new table has no statistics: without them the planner scans instead of seeking.
        cursor.execute(f"ANALYZE {quote(table)}")
