"""Payments entered at once: gapless receipt numbers, one chain, no debt settled twice.

Also: one payment per resend, and the hash chain stays one straight line.

Each payment runs in its own thread with its own database connection, as two phones hitting the
server at once would. On PostgreSQL the threads share the test database and queue on the row
locks. On SQLite the test database lives in memory with a shared cache, whose writers do not wait
for each other but fail at once ("database table is locked"); so the SQLite run first copies the
test database to a file and lets the threads use it exactly as production does (WAL journal,
``BEGIN IMMEDIATE``, busy timeout: see settings), where writers queue.
"""

import sqlite3
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, connections

from ojodeagua.books import ledger
from ojodeagua.books.models import (
    Charge,
    Connection,
    JournalEntry,
    Payment,
    PaymentAllocation,
)
from ojodeagua.books.payments import open_charges, record_payment
from ojodeagua.books.tests.factories import (
    D,
    M,
    charged_tomas,
    make_committee,
)

PAYMENTS = 20


@pytest.fixture
def database(tmp_path):
    """Where the threads write: the test database, or on SQLite a file copy of it."""
    if connection.vendor != "sqlite":
        yield None
        return
    path = tmp_path / "books.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    yield str(path)


def run_threads(database: str | None, work, arguments: list) -> tuple[list, list]:
    """Run ``work(argument)`` in one thread per argument, all released at the same moment."""
    start = threading.Barrier(len(arguments))
    results, errors = [], []

    def one(argument):
        if database is not None:
            # This thread's own connection, to the file copy instead of the shared memory.
            here = connections["default"]
            here.settings_dict = {**here.settings_dict, "NAME": database}
        try:
            start.wait()
            results.append(work(argument))
        except Exception as error:  # collected and reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def in_database(database: str | None, read):
    """Read the outcome where the threads wrote it."""
    if database is None:
        return read()
    results, errors = run_threads(database, lambda _: read(), [None])
    assert not errors, errors
    return results[0]


@pytest.fixture
def committee(transactional_db):
    """Five connections, each charged $100 for January 2026."""
    provider = make_committee("Comité de la prueba de concurrencia")
    charged_tomas(provider, [f"T-{number}" for number in range(5)], months=[1])
    return provider


def test_twenty_payments_at_once_get_twenty_gapless_numbers_and_one_straight_chain(
    committee, database
):
    tomas = committee_connections(committee)

    def pay(n):
        payment, created = record_payment(
            committee,
            record_id=f"concurrent-{n}",
            amount="30.00",
            paid_on=D(2026, 1, 15),
            connection=tomas[n % len(tomas)],
        )
        assert created
        return payment.receipt_number

    numbers, errors = run_threads(database, pay, list(range(PAYMENTS)))
    assert not errors, errors
    assert sorted(numbers) == list(range(1, PAYMENTS + 1))

    def outcome():
        chain = ledger.verify_chain(committee.pk)
        stored = sorted(
            Payment.objects.filter(provider=committee).values_list("receipt_number", flat=True)
        )
        settled = Counter()
        for charge_id, amount in PaymentAllocation.objects.filter(
            payment__provider=committee
        ).values_list("charge_id", "amount"):
            settled[charge_id] += amount
        charged = dict(Charge.objects.filter(provider=committee).values_list("pk", "amount"))
        return {
            "chain": (chain.ok, chain.entries, chain.first_bad),
            "sequences": list(
                JournalEntry.objects.filter(provider=committee)
                .order_by("sequence")
                .values_list("sequence", flat=True)
            ),
            "receipts": stored,
            "settled": settled,
            "charged": charged,
            "open": sum(item.open for toma in tomas for item in open_charges(toma)),
            "balances": ledger.balances(committee.pk),
        }

    result = in_database(database, outcome)
    # 5 charges and 20 payments, chained one after the other.
    assert result["chain"] == (True, 5 + PAYMENTS, None)
    assert result["sequences"] == list(range(1, 5 + PAYMENTS + 1))
    assert result["receipts"] == list(range(1, PAYMENTS + 1))
    # Four payments of $30 per connection: $100 settles its charge, $20 stays as credit. No
    # charge was settled twice, however the payments interleaved.
    assert result["settled"] == {pk: M("100.00") for pk in result["charged"]}
    assert result["open"] == 0
    assert result["balances"]["cash"] == M("600.00")
    assert result["balances"]["receivable"] == M("-100.00")


def test_the_same_payment_sent_ten_times_at_once_is_recorded_once(committee, database):
    toma = committee_connections(committee)[0]

    def resend(_n):
        payment, created = record_payment(
            committee,
            record_id="the-same-phone-payment",
            amount="100.00",
            paid_on=D(2026, 1, 15),
            connection=toma,
        )
        return payment.receipt_number, created

    results, errors = run_threads(database, resend, list(range(10)))
    assert not errors, errors
    assert sorted(results) == [(1, False)] * 9 + [(1, True)]

    def outcome():
        return (
            Payment.objects.filter(provider=committee).count(),
            # This committee's payment entries: the database may hold the demo's books too.
            JournalEntry.objects.filter(
                provider=committee, source__startswith="books.payment:"
            ).count(),
            ledger.verify_chain(committee.pk).ok,
            sum(item.open for item in open_charges(toma)),
        )

    assert in_database(database, outcome) == (1, 1, True, Decimal("0"))


def committee_connections(committee) -> list[Connection]:
    return list(Connection.objects.filter(provider=committee).order_by("code"))


def test_batches_and_single_payments_at_once_share_one_gapless_numbering(committee, database):
    """Four phones send five receipts each while two single payments come in from the page."""
    from ojodeagua.books.payments import PaymentIn, record_payments

    tomas = committee_connections(committee)

    def send(n):
        if n >= 4:
            payment, _created = record_payment(
                committee,
                record_id=f"page-{n}",
                amount="10.00",
                paid_on=D(2026, 1, 20),
                connection=tomas[n % len(tomas)],
            )
            return [payment.receipt_number]
        items = [PaymentIn(f"phone-{n}-{k}", "10.00", D(2026, 1, 20), tomas[k]) for k in range(5)]
        numbers = [payment.receipt_number for payment, _new in record_payments(committee, items)]
        # One phone's batch takes consecutive numbers, in the order it sent them.
        assert numbers == list(range(numbers[0], numbers[0] + 5))
        return numbers

    results, errors = run_threads(database, send, list(range(6)))
    assert not errors, errors
    assert sorted(number for numbers in results for number in numbers) == list(range(1, 23))

    def outcome():
        chain = ledger.verify_chain(committee.pk)
        return chain.ok, chain.entries, Payment.objects.filter(provider=committee).count()

    assert in_database(database, outcome) == (True, 5 + 22, 22)
