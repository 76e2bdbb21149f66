"""The ledger chain: balanced entries, reversals, and tampering found by its first bad entry."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

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
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

D = datetime.date
M = Decimal


@pytest.fixture
def committee(db) -> Provider:
    locality = Locality.objects.filter(municipality__key="07012").first()
    return Provider.objects.create(
        name="Comité de cuentas", kind="committee", municipality=locality.municipality
    )


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
    with connection.cursor() as cursor:
        # Both sides, so the entry still balances: only the hash can tell.
        for side in ("debit", "credit"):
            cursor.execute(
                f"UPDATE {lines} SET {side} = %s WHERE entry_id = %s AND {side} > 0",
                ["6.00", tampered.pk],
            )
    report = verify_chain(committee.pk)
    assert not report.ok
    assert report.first_bad == (2, "su contenido cambió después de registrarse")


def test_a_deleted_entry_breaks_the_sequence(committee):
    fee(committee, "50.00")
    gone = fee(committee, "60.00")
    fee(committee, "70.00")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {JournalLine._meta.db_table} WHERE entry_id = %s", [gone.pk])
        cursor.execute(f"DELETE FROM {JournalEntry._meta.db_table} WHERE id = %s", [gone.pk])
    assert verify_chain(committee.pk).first_bad == (3, "falta el asiento 2")
