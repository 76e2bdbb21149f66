"""The ledger chain: balanced entries, reversals, and tampering found by its first bad entry."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from ojodeagua.books.ledger import (
    GENESIS,
    UnbalancedEntry,
    balances,
    credit,
    debit,
    head_hash,
    post_entry,
    reverse_entry,
    verify_chain,
)
from ojodeagua.books.models import Account, JournalEntry, JournalLine
from ojodeagua.books.tests.factories import make_committee
from ojodeagua.books.tests.tampering import database_administrator
from ojodeagua.providers.models import Provider

D = datetime.date
M = Decimal


@pytest.fixture
def committee(db) -> Provider:
    return make_committee("Comité de cuentas")


JANUARY_5 = D(2026, 1, 5)


def fee(committee, amount):
    return post_entry(
        committee.pk,
        JANUARY_5,
        "Cuota de enero",
        [debit(Account.CASH, M(amount)), credit(Account.INCOME_FEES, M(amount))],
    )


def test_entries_chain_from_genesis_and_balances_add_up(committee):
    assert head_hash(committee.pk) == GENESIS
    first = fee(committee, "50.00")
    second = fee(committee, "75.50")
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == GENESIS and second.previous_hash == first.entry_hash
    assert head_hash(committee.pk) == second.entry_hash
    assert balances(committee.pk) == {
        Account.CASH: M("125.50"),
        Account.INCOME_FEES: M("-125.50"),
    }
    report = verify_chain(committee.pk)
    assert report.ok and report.entries == 2 and report.head == second.entry_hash


def test_an_unbalanced_entry_is_refused(committee):
    with pytest.raises(UnbalancedEntry):
        post_entry(
            committee.pk,
            D(2026, 1, 5),
            "Mal",
            [debit(Account.CASH, M("10")), credit(Account.INCOME_FEES, M("9"))],
        )
    assert not JournalEntry.objects.filter(provider=committee).exists()


def test_a_reversal_undoes_an_entry_without_touching_it(committee):
    wrong = fee(committee, "500.00")
    reversal = reverse_entry(wrong, D(2026, 1, 6), "Se anotó 500 en vez de 50")
    assert reversal.reverses == wrong
    assert balances(committee.pk) == {Account.CASH: M("0.00"), Account.INCOME_FEES: M("0.00")}
    assert verify_chain(committee.pk).ok


def test_an_amount_changed_in_the_database_is_found(committee):
    fee(committee, "50.00")
    tampered = fee(committee, "60.00")
    fee(committee, "70.00")
    lines = JournalLine._meta.db_table
    # The trigger refuses the change; a database administrator drops it first.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {lines} SET debit = %s WHERE entry_id = %s", ["6.00", tampered.pk])
    with database_administrator(), connection.cursor() as cursor:
        # Both sides, so the entry still balances: only the hash can tell.
        for side in ("debit", "credit"):
            cursor.execute(
                f"UPDATE {lines} SET {side} = %s WHERE entry_id = %s AND {side} > 0",
                ["6.00", tampered.pk],
            )
    report = verify_chain(committee.pk)
    assert not report.ok
    assert report.first_bad == (2, "su contenido cambió después de registrarse")
    assert report.describe() == "el asiento 2 (05/01/2026) cambió después de registrarse"
    assert report.entries == 3


def test_a_deleted_entry_breaks_the_sequence(committee):
    fee(committee, "50.00")
    gone = fee(committee, "60.00")
    fee(committee, "70.00")
    with database_administrator(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {JournalLine._meta.db_table} WHERE entry_id = %s", [gone.pk])
        cursor.execute(f"DELETE FROM {JournalEntry._meta.db_table} WHERE id = %s", [gone.pk])
    report = verify_chain(committee.pk)
    assert report.first_bad == (3, "falta el asiento 2")
    assert report.describe() == "falta el asiento 2 (el que sigue es el 3, del 05/01/2026)"


def test_a_rewritten_link_is_found(committee):
    fee(committee, "50.00")
    relinked = fee(committee, "60.00")
    with database_administrator(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {JournalEntry._meta.db_table} SET previous_hash = %s WHERE id = %s",
            ["f" * 64, relinked.pk],
        )
    report = verify_chain(committee.pk)
    assert report.first_bad == (2, "no enlaza con el asiento anterior")


def test_one_side_changed_is_named_as_unbalanced(committee):
    changed = fee(committee, "50.00")
    with database_administrator(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {JournalLine._meta.db_table} SET debit = %s WHERE entry_id = %s AND debit > 0",
            ["5.00", changed.pk],
        )
    report = verify_chain(committee.pk)
    assert report.first_bad == (1, "el debe y el haber no cuadran")
    assert "no cuadra" in report.describe()


@pytest.mark.parametrize("model", [JournalEntry, JournalLine])
def test_the_database_refuses_to_change_entries(committee, model):
    entry = fee(committee, "50.00")
    row = entry.pk if model is JournalEntry else entry.lines.first().pk
    column = "memo" if model is JournalEntry else "account"
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {model._meta.db_table} SET {column} = 'x' WHERE id = %s", [row])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [row])
    assert verify_chain(committee.pk).ok


def test_the_fast_check_hashes_exactly_as_posting_does(committee):
    """verify_chain rebuilds the hash its own way; odd memos, amounts and line orders agree."""
    toma_free = [
        debit(Account.CASH, M("0.10")),
        debit(Account.BANK, M("1234567.89")),
        credit(Account.INCOME_FEES, M("1000000")),
        credit(Account.INCOME_FEES, M("234567.99")),
    ]
    first = post_entry(committee.pk, JANUARY_5, "Ñandú | «x»\x1f", toma_free, source="a:1")
    reverse_entry(first, D(2026, 2, 1), "", source="")
    post_entry(
        committee.pk,
        D(2026, 2, 28),
        "Cuota",
        [debit(Account.CASH, M("10.5")), credit(Account.INCOME_FEES, M("10.50"))],
    )
    report = verify_chain(committee.pk)
    assert report.ok, report.first_bad
    assert report.entries == 3 and report.head == head_hash(committee.pk)


def test_lines_that_differ_only_in_their_connection_are_ordered_by_number(committee):
    """The hash orders such lines by connection id as a number (9… before 10…), not as text."""
    from ojodeagua.books.models import Connection

    low, high = (
        Connection.objects.create(pk=pk, provider=committee, code=str(pk))
        for pk in (99_999_999, 100_000_000)
    )
    post_entry(
        committee.pk,
        JANUARY_5,
        "Cuotas de dos tomas",
        [
            debit(Account.RECEIVABLE, M("10.00"), high.pk),
            debit(Account.RECEIVABLE, M("10.00"), low.pk),
            credit(Account.INCOME_FEES, M("20.00")),
        ],
    )
    assert verify_chain(committee.pk).ok
