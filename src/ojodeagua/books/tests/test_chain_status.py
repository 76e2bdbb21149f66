"""Pages and long chains: a full check is kept and later views verify only what came after it."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from ojodeagua.books import ledger
from ojodeagua.books.models import ChainCheck, JournalEntry
from ojodeagua.books.tests.factories import make_committee
from ojodeagua.books.tests.test_ledger_ranges import change_amount, delete, post_chain


@pytest.fixture
def long_chains(monkeypatch):
    """Chains above 5 entries count as long."""
    monkeypatch.setattr(ledger, "LIVE_LIMIT", 5)


@pytest.mark.django_db
def test_a_short_chain_is_verified_on_every_view_and_nothing_is_kept(monkeypatch):
    committee = make_committee()
    entries = post_chain(committee)
    monkeypatch.setattr(ledger, "LIVE_LIMIT", 100)
    assert ledger.chain_status(committee.pk).ok
    change_amount(entries[3])
    report = ledger.chain_status(committee.pk)
    assert report.first_bad == (4, "su contenido cambió después de registrarse")
    assert report.checked_at is None
    assert not ChainCheck.objects.exists()


@pytest.mark.django_db
def test_a_long_chain_is_checked_in_full_once_then_only_its_new_entries(long_chains):
    committee = make_committee()
    entries = post_chain(committee)
    first = ledger.chain_status(committee.pk)
    assert first.ok and first.entries == 13 and first.checked_at is None
    kept = ChainCheck.objects.get(provider=committee)
    assert (kept.entries, kept.last_sequence, kept.head) == (13, 13, entries[-1].entry_hash)

    more = post_chain(committee)
    later = ledger.chain_status(committee.pk)
    assert later.ok and later.entries == 26 and later.head == more[-1].entry_hash
    assert later.checked_at == kept.checked_at and later.checked_through == 13

    # A change before the kept head waits for the next full check; one after it shows now.
    change_amount(entries[2])
    assert ledger.chain_status(committee.pk).ok
    change_amount(more[1])
    assert ledger.chain_status(committee.pk).first_bad == (15, ledger.PROBLEMS[ledger.CHANGED])

    # The next full check (nightly, or once the kept one is a day old) finds the earlier one.
    ChainCheck.objects.filter(provider=committee).update(
        checked_at=timezone.now() - datetime.timedelta(hours=25)
    )
    report = ledger.chain_status(committee.pk)
    assert report.first_bad == (3, ledger.PROBLEMS[ledger.CHANGED])
    assert ChainCheck.objects.get(provider=committee).first_bad_sequence == 3
    # The bad verdict is kept and shown on later views, with its wording.
    again = ledger.chain_status(committee.pk)
    assert again.first_bad == (3, ledger.PROBLEMS[ledger.CHANGED])
    assert again.describe().startswith("el asiento 3 (03/01/2026) cambió")


@pytest.mark.django_db
def test_a_cut_tail_or_a_changed_head_sends_the_page_back_to_a_full_check(long_chains):
    committee = make_committee()
    entries = post_chain(committee)
    ledger.chain_status(committee.pk)
    delete(entries[-1])
    report = ledger.chain_status(committee.pk)
    assert report.checked_at is None
    assert report.head == entries[-2].entry_hash
    assert ChainCheck.objects.get(provider=committee).last_sequence == 12


@pytest.mark.django_db
def test_ledger_verify_keeps_its_full_check_for_the_pages(long_chains):
    committee = make_committee()
    post_chain(committee)
    call_command("ledger", "verify", "--provider", str(committee.pk))
    kept = ChainCheck.objects.get(provider=committee)
    assert kept.entries == 13 and kept.first_bad_sequence is None
    assert JournalEntry.objects.get(provider=committee, sequence=13).entry_hash == kept.head


@pytest.mark.django_db
def test_the_public_page_of_a_long_chain_says_when_it_was_checked_in_full(client, long_chains):
    committee = make_committee()
    post_chain(committee)
    first = client.get(f"/transparencia/{committee.pk}/").content.decode()
    assert "13 asientos revisados hoy, ninguno alterado" in first
    post_chain(committee)
    later = client.get(f"/transparencia/{committee.pk}/").content.decode()
    when = ChainCheck.objects.get(provider=committee).checked_at
    when = timezone.localtime(when).strftime("%d/%m/%Y %H:%M")
    assert f"26 asientos revisados, ninguno alterado (revisión completa del {when}" in later


@pytest.mark.django_db
def test_a_long_chains_public_figures_are_computed_on_every_view(client, long_chains):
    """No process keeps public figures: money posted now shows on the next view, a long chain's
    too (its figures add up monthly totals)."""
    from ojodeagua.books.ledger import credit, debit, post_entry
    from ojodeagua.books.models import Account
    from ojodeagua.books.public_views import last_twelve_months

    committee = make_committee()
    post_chain(committee)
    url = f"/transparencia/{committee.pk}/"
    first = client.get(url).content.decode()
    assert "Cifras calculadas a las" not in first
    held = "$1,208.00"  # the chain's $208 in cash and the $1,000 given below
    assert held not in first
    day = last_twelve_months(timezone.localdate())[1]
    post_entry(
        committee.pk,
        day,
        "Donativo",
        [debit(Account.CASH, Decimal("1000")), credit(Account.INCOME_OTHER, Decimal("1000"))],
    )
    assert held in client.get(url).content.decode()
