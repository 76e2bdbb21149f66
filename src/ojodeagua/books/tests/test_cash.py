"""Cash: counts with two signers, deposits never above the cash held, three quotes, sales."""

import pytest
from django.core.exceptions import ValidationError

from ojodeagua.books import cash
from ojodeagua.books.ledger import balances, reverse_entry, verify_chain
from ojodeagua.books.models import (
    Account,
    BooksSettings,
    CashCount,
    Deposit,
    Expense,
    JournalEntry,
    MoneyAccount,
    Quote,
    Sale,
    Signer,
)
from ojodeagua.books.payments import record_payment
from ojodeagua.books.tests.factories import D, M, make_committee


@pytest.fixture
def committee(db):
    """Cash: $500 received on 5 January and $300 on 20 January."""
    provider = make_committee()
    for record_id, amount, day in (("in-1", "500", 5), ("in-2", "300", 20)):
        record_payment(provider, record_id=record_id, amount=amount, paid_on=D(2026, 1, day))
    return provider


@pytest.fixture
def bank(committee):
    return MoneyAccount.objects.create(
        provider=committee, institution="Caja Popular", kind="cooperative", last_digits="1234"
    )


@pytest.fixture
def reserve(committee):
    return MoneyAccount.objects.create(
        provider=committee, institution="Banco del Bienestar", kind="bank", is_reserve=True
    )


def count(committee, counted, day=31, **extra):
    return cash.record_cash_count(
        committee,
        counted_on=D(2026, 1, day),
        counted=counted,
        first_signer=extra.pop("first", Signer.TREASURER),
        second_signer=extra.pop("second", Signer.VIGILANCE),
        **extra,
    )


def source_entry(record):
    return JournalEntry.objects.filter(source=f"books.{record._meta.model_name}:{record.pk}")


def test_expected_cash_comes_from_the_ledger(committee):
    assert cash.expected_cash(committee, D(2026, 1, 4)) == M("0")
    assert cash.expected_cash(committee, D(2026, 1, 5)) == M("500.00")
    assert cash.expected_cash(committee, D(2026, 1, 31)) == M("800.00")


def test_a_short_count_posts_the_shortfall(committee):
    short = count(committee, "750.00")
    assert (short.expected, short.counted, short.difference) == (
        M("800.00"),
        M("750.00"),
        M("-50.00"),
    )
    entry = source_entry(short).get()
    assert "faltante de caja" in entry.memo
    assert {(line.account, line.debit, line.credit) for line in entry.lines.all()} == {
        (Account.EXPENSE_OTHER, M("50.00"), M("0.00")),
        (Account.CASH, M("0.00"), M("50.00")),
    }
    assert cash.expected_cash(committee, D(2026, 1, 31)) == M("750.00")


def test_an_over_count_posts_the_surplus_and_an_exact_count_posts_nothing(committee):
    over = count(committee, "810")
    entry = source_entry(over).get()
    assert "sobrante de caja" in entry.memo
    assert balances(committee.pk)[Account.INCOME_OTHER] == M("-810.00")
    exact = count(committee, "810")
    assert exact.difference == 0 and not source_entry(exact).exists()
    assert verify_chain(committee.pk).ok


def test_a_count_needs_two_different_signers(committee):
    with pytest.raises(ValidationError, match="dos personas con cargos distintos"):
        count(committee, "800", first=Signer.TREASURER, second=Signer.TREASURER)
    assert not CashCount.objects.filter(provider=committee).exists()


def test_a_count_sent_twice_is_recorded_once(committee):
    first = count(committee, "790", record_id="count-1")
    again = count(committee, "790", record_id="count-1")
    assert again.pk == first.pk
    assert CashCount.objects.filter(provider=committee).count() == 1
    assert source_entry(first).count() == 1


def test_a_deposit_larger_than_the_cash_held_is_refused(committee, bank):
    with pytest.raises(ValidationError) as refused:
        cash.record_deposit(committee, account=bank, deposited_on=D(2026, 1, 10), amount="600")
    message = refused.value.messages[0]
    assert "en caja hay $500.00 para el 10/01/2026" in message
    assert "el depósito es de $600.00" in message
    assert not Deposit.objects.filter(provider=committee).exists()
    deposit = cash.record_deposit(
        committee, account=bank, deposited_on=D(2026, 1, 21), amount="600", slip_reference="F-9"
    )
    assert source_entry(deposit).exists()
    assert balances(committee.pk)[Account.CASH] == M("200.00")
    assert balances(committee.pk)[Account.BANK] == M("600.00")


def test_a_back_dated_deposit_cannot_take_cash_that_later_left(committee, bank):
    cash.record_deposit(committee, account=bank, deposited_on=D(2026, 1, 21), amount="700")
    # On 6 January the box held 500, but by the 21st only 100 of it was left undeposited.
    with pytest.raises(ValidationError, match=r"en caja hay \$100.00"):
        cash.record_deposit(committee, account=bank, deposited_on=D(2026, 1, 6), amount="150")
    cash.record_deposit(committee, account=bank, deposited_on=D(2026, 1, 6), amount="100")
    assert balances(committee.pk)[Account.CASH] == M("0.00")


def test_a_deposit_to_the_reserve_account_goes_to_the_reserve(committee, reserve):
    cash.record_deposit(committee, account=reserve, deposited_on=D(2026, 1, 31), amount="300")
    held = balances(committee.pk)
    assert held[Account.RESERVE] == M("300.00") and Account.BANK not in held


def test_a_deposit_into_another_committees_account_is_refused(committee):
    foreign = MoneyAccount.objects.create(
        provider=make_committee("Otro"), institution="Banco", kind="bank"
    )
    with pytest.raises(ValidationError, match="otro comité"):
        cash.record_deposit(committee, account=foreign, deposited_on=D(2026, 1, 31), amount="1")


QUOTES = [
    {"supplier": "Ferretería El Tornillo", "amount": "2500.00", "chosen": True},
    {"supplier": "Materiales Berriozábal", "amount": "2700.00", "chosen": False},
    {"supplier": "Tubos del Sur", "amount": "2900.00", "chosen": False},
]


def expense(committee, amount, quotes=None, **extra):
    return cash.record_expense(
        committee,
        spent_on=D(2026, 1, 25),
        category=extra.pop("category", Expense.Category.REPAIRS),
        amount=amount,
        supplier="Ferretería El Tornillo",
        description="Tubo de 2 pulgadas y coples",
        quotes=quotes,
        **extra,
    )


def test_below_the_threshold_no_quotes_are_needed(committee):
    BooksSettings.objects.create(provider=committee, quotes_threshold=M("2500.00"))
    spent = expense(committee, "2499.99", category=Expense.Category.CHLORINE)
    assert spent.quotes.count() == 0
    assert balances(committee.pk)[Account.EXPENSE_CHLORINE] == M("2499.99")


@pytest.mark.parametrize("amount", ["2500.00", "3000.00"])
def test_at_or_above_the_threshold_three_quotes_are_needed(committee, amount):
    BooksSettings.objects.create(provider=committee, quotes_threshold=M("2500.00"))
    with pytest.raises(ValidationError, match="necesita tres cotizaciones"):
        expense(committee, amount, paid_from=Expense.PaidFrom.BANK)
    with pytest.raises(ValidationError, match="aquí hay 2"):
        expense(committee, amount, QUOTES[:2], paid_from=Expense.PaidFrom.BANK)
    assert not Expense.objects.filter(provider=committee).exists()


def test_with_three_quotes_the_expense_is_the_chosen_one(committee):
    BooksSettings.objects.create(provider=committee, quotes_threshold=M("2500.00"))
    spent = expense(committee, "2500", QUOTES, paid_from=Expense.PaidFrom.BANK)
    assert sorted((q.supplier, q.amount, q.chosen) for q in spent.quotes.all()) == [
        ("Ferretería El Tornillo", M("2500.00"), True),
        ("Materiales Berriozábal", M("2700.00"), False),
        ("Tubos del Sur", M("2900.00"), False),
    ]
    held = balances(committee.pk)
    assert held[Account.EXPENSE_REPAIRS] == M("2500.00")
    assert held[Account.BANK] == M("-2500.00")  # paid from the account
    assert held[Account.CASH] == M("800.00")


def test_the_chosen_quote_must_be_one_and_match_the_amount(committee):
    threshold = cash.quotes_threshold(committee)  # the default, made on first use
    assert threshold == M("2000.00")
    two_chosen = [dict(QUOTES[0]), dict(QUOTES[1], chosen=True), dict(QUOTES[2])]
    with pytest.raises(ValidationError, match="una y sólo una"):
        expense(committee, "2500", two_chosen)
    none_chosen = [dict(quote, chosen=False) for quote in QUOTES]
    with pytest.raises(ValidationError, match="una y sólo una"):
        expense(committee, "2500", none_chosen)
    with pytest.raises(ValidationError, match="deben ser iguales"):
        expense(committee, "2600", QUOTES)
    assert not Quote.objects.filter(expense__provider=committee).exists()
    assert not Expense.objects.filter(provider=committee).exists()


def test_a_sale_is_cash_and_sales_income(committee):
    sale = cash.record_sale(
        committee, sold_on=D(2026, 1, 9), product=Sale.Product.JUG_20L, quantity=12, unit_price="15"
    )
    assert sale.amount == M("180.00")
    assert balances(committee.pk)[Account.INCOME_SALES] == M("-180.00")
    assert source_entry(sale).get().memo == "Venta: 12 × garrafón de 20 litros"
    with pytest.raises(ValidationError, match="cantidad por el precio unitario"):
        cash.record_sale(
            committee,
            sold_on=D(2026, 1, 9),
            product=Sale.Product.JUG_20L,
            quantity=2,
            unit_price="15",
            amount="35",
        )


def test_an_opening_balance_is_posted_once(db):
    committee = make_committee("Comité que ya tenía dinero")
    entry = cash.opening_balance(
        committee, cash="1200.50", bank="8000", reserve="15000", on=D(2025, 12, 31)
    )
    assert entry.source == f"books.opening:{committee.pk}"
    assert balances(committee.pk) == {
        Account.CASH: M("1200.50"),
        Account.BANK: M("8000.00"),
        Account.RESERVE: M("15000.00"),
        Account.OPENING: M("-24200.50"),
    }
    with pytest.raises(ValidationError, match="ya tiene su saldo inicial"):
        cash.opening_balance(committee, cash="1", on=D(2026, 1, 1))
    # A mistaken opening, once reversed, can be written again correctly.
    reverse_entry(entry, D(2026, 1, 2), "El saldo del banco era 8,500")
    cash.opening_balance(committee, cash="1200.50", bank="8500", reserve="15000", on=D(2026, 1, 2))
    assert balances(committee.pk)[Account.BANK] == M("8500.00")
    with pytest.raises(ValidationError, match="ya tiene su saldo inicial"):
        cash.opening_balance(committee, cash="1", on=D(2026, 1, 3))
    with pytest.raises(ValidationError, match="con cuánto dinero empieza"):
        cash.opening_balance(make_committee("Vacío"), on=D(2026, 1, 1))
