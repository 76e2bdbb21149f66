"""Long chains: read a chunk at a time and in ranges over several connections, same verdict."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from ojodeagua.books import ledger
from ojodeagua.books.ledger import credit, debit, post_entries, verify_chain
from ojodeagua.books.models import Account, JournalEntry, JournalLine
from ojodeagua.books.tests.factories import make_committee
from ojodeagua.books.tests.tampering import tamper

D = datetime.date
ENTRIES = 13


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 entries, and ranges from 1 entry on: 13 entries cross every boundary."""
    monkeypatch.setattr(ledger, "VERIFY_CHUNK", 4)
    monkeypatch.setattr(ledger, "PARALLEL_FROM", 1)
    monkeypatch.setattr(ledger, "VERIFY_WORKERS", 3)


def post_chain(provider) -> list[JournalEntry]:
    drafts = [
        ledger.EntryDraft(
            D(2026, 1, 1) + datetime.timedelta(days=n),
            f"Cuota {n + 1}",
            [debit(Account.CASH, Decimal(10 + n)), credit(Account.INCOME_FEES, Decimal(10 + n))],
        )
        for n in range(ENTRIES)
    ]
    return post_entries(provider.pk, drafts)


def change_amount(entry: JournalEntry) -> None:
    for side in ("debit", "credit"):
        tamper(
            f"UPDATE {JournalLine._meta.db_table} SET {side} = {side} + 1 "
            f"WHERE entry_id = %s AND {side} > 0",
            [entry.pk],
        )


def unbalance(entry: JournalEntry) -> None:
    tamper(
        f"UPDATE {JournalLine._meta.db_table} SET debit = debit + 1 "
        f"WHERE entry_id = %s AND debit > 0",
        [entry.pk],
    )


def relink(entry: JournalEntry) -> None:
    tamper(
        f"UPDATE {JournalEntry._meta.db_table} SET previous_hash = %s WHERE id = %s",
        ["e" * 64, entry.pk],
    )


def delete(entry: JournalEntry) -> None:
    tamper(f"DELETE FROM {JournalLine._meta.db_table} WHERE entry_id = %s", [entry.pk])
    tamper(f"DELETE FROM {JournalEntry._meta.db_table} WHERE id = %s", [entry.pk])


@pytest.mark.django_db
def test_a_whole_chain_read_in_chunks_and_ranges_holds(small_chunks):
    committee = make_committee()
    entries = post_chain(committee)
    report = verify_chain(committee.pk)
    assert report.ok
    assert (report.entries, report.head) == (ENTRIES, entries[-1].entry_hash)


# Sequences at the edges: 1 (first of all), 4 and 5 (end and start of a chunk), 5 and 6 (the
# three ranges are 1–5, 6–10 and 11–13), 13 (the head).
@pytest.mark.django_db
@pytest.mark.parametrize("sequence", [1, 4, 5, 6, 8, 11, 13])
@pytest.mark.parametrize(
    "damage, problem",
    [
        (change_amount, "su contenido cambió después de registrarse"),
        (unbalance, "el debe y el haber no cuadran"),
        (relink, "no enlaza con el asiento anterior"),
        (delete, "falta el asiento {}"),
    ],
)
def test_the_first_bad_entry_is_named_wherever_it_falls(small_chunks, sequence, damage, problem):
    committee = make_committee()
    entries = post_chain(committee)
    damage(entries[sequence - 1])
    report = verify_chain(committee.pk)
    if damage is delete:
        if sequence == ENTRIES:
            # The head itself gone: nothing after it shows a gap; the head moves back one.
            assert report.ok and report.head == entries[-2].entry_hash
            return
        assert report.first_bad == (sequence + 1, problem.format(sequence))
        assert report.missing_sequence == sequence
        assert report.entries == ENTRIES - 1
        return
    assert report.first_bad == (sequence, problem)
    assert report.first_bad_date == entries[sequence - 1].entry_date
    assert report.entries == ENTRIES


@pytest.mark.django_db
def test_of_two_bad_entries_in_different_ranges_the_first_is_named(small_chunks):
    committee = make_committee()
    entries = post_chain(committee)
    change_amount(entries[11])
    relink(entries[2])
    assert verify_chain(committee.pk).first_bad == (3, "no enlaza con el asiento anterior")


@pytest.mark.django_db
def test_missing_entries_at_the_start_of_a_range_are_found(small_chunks):
    committee = make_committee()
    entries = post_chain(committee)
    for entry in entries[:6]:
        delete(entry)
    report = verify_chain(committee.pk)
    assert report.first_bad == (7, "falta el asiento 1")


@pytest.mark.django_db(transaction=True)
def test_ranges_read_over_their_own_connections_find_the_same(small_chunks):
    """Outside a transaction, PostgreSQL reads each range on its own connection at once."""
    committee = make_committee()
    entries = post_chain(committee)
    assert ledger.may_read_in_threads() == (connection.vendor == "postgresql")
    report = verify_chain(committee.pk)
    assert report.ok and report.entries == ENTRIES
    change_amount(entries[8])
    report = verify_chain(committee.pk)
    assert report.first_bad == (9, "su contenido cambió después de registrarse")
    assert report.head == entries[-1].entry_hash
