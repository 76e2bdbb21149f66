"""Benchmark: verify one provider's ledger hash chain of many entries on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ojodeagua_bench_ledger \\
        .venv/bin/python benchmarks/ledger_verify.py --entries 1000000

The issue's target: a chain of 1 million entries verified in under 10 s. The script drops and
creates the database named in DATABASE_URL (never point it at a database you care about),
migrates it, and builds one committee's chain with COPY: entries of two or three lines (fees
charged to a connection, payments, expenses), each hashed by ``ledger.entry_digest`` exactly as
``post_entry`` hashes, each linked to the one before. Then it times ``ledger.verify_chain`` (the
function ``ojodeagua ledger verify`` and the public page call) and prints the rate. ``--keep``
reuses a chain built before with the same number of entries.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ojodeagua_bench_ledger"
TARGET_PER_MILLION = 10.0
CONNECTIONS = 500


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000, help="entries in the chain")
    parser.add_argument("--keep", action="store_true", help="reuse the chain built before")
    parser.add_argument("--runs", type=int, default=3, help="timed verifications")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.path.lstrip("/")}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ojodeagua.settings")
    os.environ["DEBUG"] = "1"  # a development secret key; DEBUG is switched off below
    os.environ.setdefault("OJODEAGUA_VAR_DIR", tempfile.mkdtemp(prefix="ojodeagua-bench-"))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log


def make_provider():
    from ojodeagua.books.models import Connection
    from ojodeagua.places.models import Municipality, State
    from ojodeagua.providers.models import Provider

    state, _ = State.objects.get_or_create(key="07", defaults={"name": "Chiapas"})
    municipality, _ = Municipality.objects.get_or_create(
        key="07012", defaults={"state": state, "name": "Berriozábal"}
    )
    provider = Provider.objects.create(
        name="Comité del banco de pruebas", kind="committee", municipality=municipality
    )
    Connection.objects.bulk_create(
        Connection(provider=provider, code=f"T-{n:04d}") for n in range(CONNECTIONS)
    )
    return provider


def entry_lines(n: int, connection_ids: list[int]):
    """Fees, payments and now and then an expense paid half from cash and half from the bank."""
    from ojodeagua.books.ledger import credit, debit
    from ojodeagua.books.models import Account

    amount = Decimal(50 + n % 450) + Decimal(n % 100) / 100
    toma = connection_ids[n % len(connection_ids)]
    kind = n % 5
    if kind in (0, 1):
        return "Cuota del mes", [
            debit(Account.RECEIVABLE, amount, toma),
            credit(Account.INCOME_FEES, amount),
        ]
    if kind in (2, 3):
        return f"Recibo {n}", [
            debit(Account.CASH, amount),
            credit(Account.RECEIVABLE, amount, toma),
        ]
    half = (amount / 2).quantize(Decimal("0.01"))
    return "Cloro y reparaciones", [
        debit(Account.EXPENSE_CHLORINE, amount),
        credit(Account.CASH, half),
        credit(Account.BANK, amount - half),
    ]


def build_chain(provider_id: int, entries: int) -> str:
    """COPY ``entries`` chained entries and their lines; returns the head hash."""
    from django.db import connection

    from ojodeagua.books.ledger import GENESIS, entry_digest
    from ojodeagua.books.models import Connection, JournalEntry, JournalLine

    connection_ids = list(
        Connection.objects.filter(provider_id=provider_id).values_list("pk", flat=True)
    )
    start = datetime.date(2020, 1, 1)
    stamp = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    previous = GENESIS
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {JournalEntry._meta.db_table} (id, provider_id, sequence, entry_date, memo, "
            "source, recorded_at, previous_hash, entry_hash) FROM STDIN"
        ) as copy:
            for sequence in range(1, entries + 1):
                memo, lines = entry_lines(sequence, connection_ids)
                day = start + datetime.timedelta(days=sequence * 2000 // entries)
                source = f"books.bench:{sequence}"
                digest = entry_digest(
                    provider_id=provider_id,
                    sequence=sequence,
                    entry_date=day,
                    memo=memo,
                    source=source,
                    reverses_sequence=None,
                    lines=lines,
                    previous_hash=previous,
                )
                copy.write_row(
                    (sequence, provider_id, sequence, day, memo, source, stamp, previous, digest)
                )
                previous = digest
        # The lines in a second pass (one COPY at a time per connection); entry_lines is
        # deterministic, so they are the lines that were hashed.
        line_id = 0
        with cursor.cursor.copy(
            f"COPY {JournalLine._meta.db_table} (id, entry_id, account, debit, credit, "
            "connection_id) FROM STDIN"
        ) as copy:
            for sequence in range(1, entries + 1):
                for line in entry_lines(sequence, connection_ids)[1]:
                    line_id += 1
                    copy.write_row(
                        (
                            line_id,
                            sequence,
                            line.account,
                            line.debit,
                            line.credit,
                            line.connection_id,
                        )
                    )
        for table in (JournalEntry._meta.db_table, JournalLine._meta.db_table):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"built {entries:,} entries and {line_id:,} lines in {time.perf_counter() - started:.1f} s"
    )
    return previous


def main() -> None:
    args = parse_args()
    if not args.keep:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    from ojodeagua.books import ledger
    from ojodeagua.books.models import JournalEntry
    from ojodeagua.providers.models import Provider

    if args.keep:
        provider = Provider.objects.filter(name="Comité del banco de pruebas").first()
        stored = JournalEntry.objects.filter(provider=provider).count() if provider else 0
        if stored != args.entries:
            sys.exit(f"--keep: the database holds {stored:,} entries, not {args.entries:,}")
        head = ledger.head_hash(provider.pk)
    else:
        call_command("migrate", verbosity=0)
        provider = make_provider()
        head = build_chain(provider.pk, args.entries)

    timings = []
    for _run in range(args.runs):
        started = time.perf_counter()
        report = ledger.verify_chain(provider.pk)
        timings.append(time.perf_counter() - started)
        if not (report.ok and report.entries == args.entries and report.head == head):
            sys.exit(f"the chain did not verify: {report}")
    best = min(timings)
    rate = args.entries / best
    print(
        f"verify_chain: {args.entries:,} entries in {best:.2f} s (best of {args.runs}; runs: "
        + ", ".join(f"{t:.2f}" for t in timings)
        + f") = {rate:,.0f} entries/s"
    )
    projected = 1_000_000 / rate
    verdict = "met" if projected < TARGET_PER_MILLION else "NOT met"
    print(
        f"1 million entries at this rate: {projected:.1f} s "
        f"(target {TARGET_PER_MILLION:.0f} s, {verdict})"
    )


if __name__ == "__main__":
    main()
