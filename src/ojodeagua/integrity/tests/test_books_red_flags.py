"""The red flags drawn from the books: each fires on its pattern and stays quiet otherwise, for a
committee (its money is its receipts) and for a kiosk or a school (its money is its sales)."""

import datetime
from decimal import Decimal

import pytest

from ojodeagua.books.cash import record_deposit, record_sale
from ojodeagua.books.ledger import credit, debit, post_entry
from ojodeagua.books.models import (
    Account,
    BooksSettings,
    Deposit,
    Expense,
    MoneyAccount,
    Payment,
    ReceiptCounter,
    Sale,
)
from ojodeagua.books.tests.factories import make_committee, make_provider
from ojodeagua.books.tests.tampering import tamper
from ojodeagua.integrity.red_flags import RUNNERS, run_check
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


# A kiosk's money is its sales ---------------------------------------------------------------------
def test_a_committees_cash_receipts_keep_their_own_sentences(committee):
    """Receipts alone, no sales: the committee's sentences, unchanged by the kiosks' wording."""
    account = MoneyAccount.objects.create(provider=committee, institution="Banco", kind="bank")
    paid(committee, 1, D(2026, 11, 20))
    Deposit.objects.create(
        provider=committee, account=account, deposited_on=D(2026, 9, 27), amount=Decimal("40")
    )
    finding = run_check("no_deposit_60_days", committee, TODAY)
    assert finding.fired
    assert finding.detail == (
        "Se cobró en efectivo y no hay depósito desde el 27/09/2026 (61 días)."
    )
    assert run_check("receipt_sequence_gaps", committee, TODAY).detail == (
        "Los recibos del 1 al 1 están todos, sin huecos."
    )


def sells(provider, day, jugs, price="14"):
    return record_sale(
        provider,
        sold_on=day,
        product=Sale.Product.JUG_20L,
        quantity=Decimal(jugs),
        unit_price=Decimal(price),
    )


@pytest.fixture
def kiosk(db) -> Provider:
    """A women's kiosk that sells jugs: no tomas, no charges, no receipts."""
    return make_provider("Kiosco de las compañeras", Provider.Kind.KIOSK)


def bank_of(provider) -> MoneyAccount:
    return MoneyAccount.objects.create(provider=provider, institution="Caja Popular", kind="bank")


def test_a_kiosks_sales_not_deposited_for_60_days_fire_in_words_of_sales(kiosk):
    account = bank_of(kiosk)
    sells(kiosk, D(2026, 8, 1), 100)
    record_deposit(kiosk, account=account, deposited_on=D(2026, 8, 2), amount=Decimal("1000"))
    sells(kiosk, D(2026, 10, 7), 200)
    sells(kiosk, D(2026, 11, 14), 150)
    finding = run_check("no_deposit_60_days", kiosk, TODAY)
    assert finding.fired
    # The sales of the last 60 days (350 jugs at $14), not the August ones before them.
    assert finding.detail == (
        "Se anotaron ventas por $4,900.00 en los últimos 60 días, pero no hay depósitos en el "
        "banco o la cooperativa desde el 02/08/2026 (117 días)."
    )
    assert "cobr" not in finding.detail and "recibo" not in finding.detail


def test_a_kiosks_sales_with_a_recent_deposit_stay_quiet(kiosk):
    account = bank_of(kiosk)
    sells(kiosk, D(2026, 10, 7), 200)
    record_deposit(kiosk, account=account, deposited_on=D(2026, 10, 28), amount=Decimal("2500"))
    finding = run_check("no_deposit_60_days", kiosk, TODAY)
    assert not finding.fired
    assert finding.detail == (
        "Se anotaron ventas por $2,800.00 en los últimos 60 días; último depósito: 28/10/2026."
    )


def test_a_kiosk_that_never_deposited_or_has_no_account_fires(kiosk):
    sells(kiosk, D(2026, 11, 14), 10)
    finding = run_check("no_deposit_60_days", kiosk, TODAY)
    assert finding.fired and finding.detail == (
        "Se anotaron ventas por $140.00 en los últimos 60 días, pero no hay cuenta de banco o "
        "cooperativa anotada."
    )
    bank_of(kiosk)
    finding = run_check("no_deposit_60_days", kiosk, TODAY)
    assert finding.fired and "nunca se ha anotado un depósito" in finding.detail


def test_a_kiosk_without_sales_in_60_days_has_nothing_to_deposit(kiosk):
    bank_of(kiosk)
    sells(kiosk, D(2026, 9, 1), 100)  # 87 days before: out of the window
    finding = run_check("no_deposit_60_days", kiosk, TODAY)
    assert not finding.fired
    assert finding.detail == "No se anotaron ventas en los últimos 60 días."


def test_a_school_committee_that_sells_water_is_read_by_its_sales(db):
    school = make_provider("Comité escolar de agua", Provider.Kind.SCHOOL)
    bank_of(school)
    record_sale(
        school,
        sold_on=D(2026, 11, 9),
        product=Sale.Product.FAMILY_MONTH,
        quantity=Decimal("50"),
        unit_price=Decimal("25"),
    )
    finding = run_check("no_deposit_60_days", school, TODAY)
    assert finding.fired and finding.detail.startswith("Se anotaron ventas por $1,250.00")


def test_sales_and_cash_receipts_are_both_cash_to_deposit(committee):
    """One rule for every kind: a committee that also sells counts both, and says both."""
    bank_of(committee)
    paid(committee, 1, D(2026, 11, 20))
    sells(committee, D(2026, 11, 21), 5)
    finding = run_check("no_deposit_60_days", committee, TODAY)
    assert finding.fired and finding.detail.startswith(
        "Se anotaron ventas por $70.00 y cobros en efectivo por $50.00 en los últimos 60 días"
    )


def test_a_kiosks_sales_carry_no_receipt_numbers_to_check(kiosk):
    sells(kiosk, D(2026, 11, 14), 10)
    finding = run_check("receipt_sequence_gaps", kiosk, TODAY)
    assert not finding.fired
    assert finding.detail == "Las ventas no llevan número de recibo: no hay folios que revisar."


def test_no_check_fires_for_a_kiosk_that_sells_and_deposits(kiosk):
    """The checks written for committees with tomas and receipts stay quiet for a kiosk whose
    books are in order; each one answers (the kiosk keeps its books here)."""
    account = bank_of(kiosk)
    sells(kiosk, D(2026, 11, 7), 300)
    record_deposit(kiosk, account=account, deposited_on=D(2026, 11, 27), amount=Decimal("4000"))
    findings = {code: run_check(code, kiosk, TODAY) for code in RUNNERS}
    assert all(finding is not None for finding in findings.values()), findings
    assert not [code for code, finding in findings.items() if finding.fired]
    details = " ".join(finding.detail for finding in findings.values())
    assert "Todavía no hay recibos" not in details and "No hubo cobros" not in details
