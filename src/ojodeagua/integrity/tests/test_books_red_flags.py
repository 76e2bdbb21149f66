"""The red flags drawn from the books: each fires on its pattern and stays quiet otherwise."""

import datetime
from decimal import Decimal

import pytest

from ojodeagua.books.ledger import credit, debit, post_entry
from ojodeagua.books.models import (
    Account,
    BooksSettings,
    Deposit,
    Expense,
    MoneyAccount,
    Payment,
    ReceiptCounter,
)
from ojodeagua.books.tests.factories import make_committee
from ojodeagua.books.tests.tampering import tamper
from ojodeagua.integrity.red_flags import run_check
from ojodeagua.providers.models import Provider

D = datetime.date
TODAY = D(2026, 11, 27)


@pytest.fixture
def committee(db) -> Provider:
    provider = make_committee("Comité con cuentas")
    # Keeping books: the ledger has an entry.
    post_entry(
        provider.pk,
        D(2026, 1, 1),
        "Saldo inicial",
        [debit(Account.CASH, Decimal("100")), credit(Account.OPENING, Decimal("100"))],
    )
    return provider


def paid(provider, number, day, method="cash"):
    return Payment.objects.create(
        provider=provider, receipt_number=number, paid_on=day, amount=Decimal("50"), method=method
    )


def test_cash_collected_and_not_deposited_for_60_days_fires(committee):
    account = MoneyAccount.objects.create(
        provider=committee, institution="Caja Popular", kind="cooperative"
    )
    paid(committee, 1, D(2026, 11, 20))
    Deposit.objects.create(
        provider=committee, account=account, deposited_on=D(2026, 9, 27), amount=Decimal("40")
    )
    finding = run_check("no_deposit_60_days", committee, TODAY)
    assert finding.fired and "27/09/2026 (61 días)" in finding.detail
    Deposit.objects.create(
        provider=committee, account=account, deposited_on=D(2026, 9, 28), amount=Decimal("40")
    )
    assert not run_check("no_deposit_60_days", committee, TODAY).fired  # 60 days: still on time


def test_no_cash_collected_means_nothing_to_deposit(committee):
    MoneyAccount.objects.create(provider=committee, institution="Banco", kind="bank")
    paid(committee, 1, D(2026, 11, 20), method="transfer")
    paid(committee, 2, D(2026, 9, 1))
    assert not run_check("no_deposit_60_days", committee, TODAY).fired


def test_collecting_without_any_account_fires(committee):
    paid(committee, 1, D(2026, 11, 20))
    finding = run_check("no_deposit_60_days", committee, TODAY)
    assert finding.fired and "no tiene cuenta" in finding.detail


JUNE_1 = D(2026, 6, 1)


def expense(provider, amount, day=JUNE_1):
    return Expense.objects.create(
        provider=provider,
        spent_on=day,
        category="repairs",
        amount=Decimal(amount),
        supplier="Ferretería",
        description="Tubo",
    )


def test_three_expenses_just_under_the_threshold_fire(committee):
    BooksSettings.objects.create(provider=committee, quotes_threshold=Decimal("2000.00"))
    expense(committee, "1950.00")
    expense(committee, "1700.00")
    expense(committee, "1200.00")  # not "just under"
    expense(committee, "1800.00", day=D(2025, 11, 1))  # more than a year ago
    assert not run_check("expenses_under_threshold", committee, TODAY).fired
    expense(committee, "1999.99")
    finding = run_check("expenses_under_threshold", committee, TODAY)
    assert finding.fired and len(finding.evidence) == 3
    expense(committee, "2000.00")  # at the threshold it needed quotes: not "under"
    assert len(run_check("expenses_under_threshold", committee, TODAY).evidence) == 3


def test_a_missing_receipt_number_fires(committee):
    for number in (1, 2, 3):
        paid(committee, number, D(2026, 11, 1))
    assert not run_check("receipt_sequence_gaps", committee, TODAY).fired
    paid(committee, 5, D(2026, 11, 2))
    finding = run_check("receipt_sequence_gaps", committee, TODAY)
    assert finding.fired and "Falta 1 número de recibo: 4." == finding.detail


def test_the_last_receipt_removed_is_a_gap_as_ledger_verify_says(committee):
    """The counter remembers the last number given: removing receipt 3 of 3 leaves a gap that
    the receipts alone would not show, and the red flag and ``ledger verify`` agree on it."""
    from ojodeagua.books.verification import record_problems

    for number in (1, 2, 3):
        paid(committee, number, D(2026, 11, 1))
    ReceiptCounter.objects.create(provider=committee, last_number=3)
    finding = run_check("receipt_sequence_gaps", committee, TODAY)
    assert not finding.fired and "del 1 al 3" in finding.detail
    tamper(
        f"DELETE FROM {Payment._meta.db_table} WHERE provider_id = %s AND receipt_number = 3",
        [committee.pk],
    )
    finding = run_check("receipt_sequence_gaps", committee, TODAY)
    assert finding.fired and finding.detail == "Falta 1 número de recibo: 3."
    assert any("falta el recibo número 3" in problem for problem in record_problems(committee.pk))


def test_a_receipt_removed_from_the_database_is_caught(committee):
    for number in (1, 2, 3):
        paid(committee, number, D(2026, 11, 1))
    tamper(
        f"DELETE FROM {Payment._meta.db_table} WHERE provider_id = %s AND receipt_number = 2",
        [committee.pk],
    )
    assert run_check("receipt_sequence_gaps", committee, TODAY).fired
