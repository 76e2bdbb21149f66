"""The books' figures read once: the grouped form for many providers and the single provider's
are the same numbers, counted by hand, in few queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ojodeagua.books import selectors
from ojodeagua.books.cash import opening_balance, record_deposit, record_expense, record_sale
from ojodeagua.books.charges import generate_charges
from ojodeagua.books.models import Account, MoneyAccount, Payment, ReceiptCounter
from ojodeagua.books.payments import void_payment

from .factories import D, M, add_connection, add_tariff, make_committee, make_provider, pay
from .tampering import tamper

JANUARY, FEBRUARY, MARCH = D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)


def small_books(name: str, fee: str) -> tuple:
    """Two tomas charged ``fee`` for January and February 2026; A pays both months on 10
    February, B pays January on 5 March and a second payment that is voided; $80 of chlorine
    in February, and an opening balance of $100 in cash and $300 in the reserve on 2 January."""
    provider = make_committee(name)
    add_tariff(provider, fee, D(2025, 12, 1))
    a, b = add_connection(provider, "A"), add_connection(provider, "B")
    opening_balance(provider, cash=M(100), reserve=M(300), on=D(2026, 1, 2))
    for month in (JANUARY, FEBRUARY):
        generate_charges(provider, month)
    pay(provider, None, M(fee) * 2, D(2026, 2, 10), a)
    pay(provider, None, M(fee), D(2026, 3, 5), b)
    twice, _ = pay(provider, None, M(fee), D(2026, 3, 6), b)
    void_payment(twice, "Se anotó dos veces", on=D(2026, 3, 7))
    record_expense(
        provider,
        spent_on=D(2026, 2, 20),
        category="chlorine",
        amount=M(80),
        supplier="Distribuidora",
        description="Hipoclorito",
    )
    return provider, a, b


@pytest.fixture
def two(db):
    return small_books("Comité uno (prueba)", "50"), small_books("Comité dos (prueba)", "70")


def test_collection_by_month_and_whole_agree_for_every_provider(two):
    (one, *_), (other, *_) = two
    with CaptureQueriesContext(connection) as queries:
        monthly = selectors.collections([one.pk, other.pk], by_month=True)
    assert len(queries) == 2  # what was charged and what is left, for both providers at once
    assert monthly[one.pk].charged == {JANUARY: 100, FEBRUARY: 100}
    # A paid both months; B paid January (the voided payment settles nothing).
    assert monthly[one.pk].collected == {JANUARY: 100, FEBRUARY: 50}
    assert monthly[other.pk].collected == {JANUARY: 140, FEBRUARY: 70}
    for provider in (one, other):
        whole = selectors.collection(provider.pk, JANUARY, D(2026, 12, 31)).ratio()
        by_month = monthly[provider.pk].ratio()
        assert (whole.numerator, whole.denominator) == (by_month.numerator, by_month.denominator)
    assert selectors.collection(one.pk, JANUARY, JANUARY).ratio().value == M("1.000")
    assert selectors.collection(one.pk, FEBRUARY, MARCH).ratio().value == M("0.500")
    nothing = selectors.collection(one.pk, MARCH, MARCH).ratio()
    assert (nothing.numerator, nothing.denominator, nothing.value) == (0, 0, None)


def test_balances_are_the_ledger_moved_up_to_a_day(two):
    (one, *_), (other, *_) = two
    with CaptureQueriesContext(connection) as queries:
        monthly = selectors.movements([one.pk, other.pk], by_month=True)
    assert len(queries) == 1
    assert set(monthly[one.pk]) == {JANUARY, FEBRUARY, MARCH}
    held = selectors.balances(one.pk)
    added = {}
    for moved in monthly[one.pk].values():
        for account, amount in moved.items():
            added[account] = added.get(account, M(0)) + amount
    assert held == added
    # Cash: 100 opening + 100 (A) + 50 (B) + 50 (B, voided) − 50 (the void) − 80 (chlorine).
    assert held[Account.CASH] == M("170.00")
    assert held[Account.RESERVE] == M("300.00")
    assert selectors.balances(one.pk, until=D(2026, 2, 28))[Account.CASH] == M("120.00")
    assert selectors.balances(one.pk, until=D(2025, 12, 31)) == {}


def test_operating_income_and_expenses_of_a_period(two):
    (one, *_), _other = two
    # Income is charged, not paid: January and February's fees; O&M is the chlorine.
    assert selectors.operating(one.pk, JANUARY, D(2026, 2, 28)) == (M(200), M(80))
    assert selectors.operating(one.pk, JANUARY, D(2026, 1, 31)) == (M(100), M(0))
    months = selectors.reserve_months(M(300), M(80), selectors.months_between(JANUARY, FEBRUARY))
    assert (months.numerator, months.denominator, months.value) == (300, M("40.00"), M("7.500"))


def test_arrears_of_a_toma_are_its_part_of_the_providers(two):
    (one, a, b), _other = two
    # On 1 March B owes January and February; on 5 March (after paying January) February only.
    assert selectors.provider_arrears(one, D(2026, 3, 1)) == {b.pk: M(100)}
    assert selectors.arrears(b, D(2026, 3, 5)) == M(50)
    assert selectors.arrears(a, D(2026, 3, 5)) == M(0)
    # The second payment settles February until it is voided on 7 March.
    assert selectors.arrears(b, D(2026, 3, 6)) == M(0)
    assert selectors.arrears_total(one, D(2026, 3, 8)) == (M(50), 1)
    assert selectors.arrears_total(one, D(2026, 2, 15)) == (M(50), 1)  # January only, B's


def test_missing_receipts_count_up_to_the_last_number_given(two):
    (one, *_), _other = two
    assert selectors.receipt_numbers(one.pk) == selectors.ReceiptNumbers(3, [])
    tamper(
        f"UPDATE {Payment._meta.db_table} SET receipt_number = 5 "
        "WHERE provider_id = %s AND receipt_number = 2",
        [one.pk],
    )
    assert selectors.missing_receipts(one.pk) == [2, 4]
    ReceiptCounter.objects.filter(provider=one).update(last_number=7)
    assert selectors.receipt_numbers(one.pk) == selectors.ReceiptNumbers(7, [2, 4, 6, 7])


def test_money_in_is_the_receipts_not_voided_and_the_sales_of_every_provider(two):
    """A committee's money is its receipts, a kiosk's its sales: both read in one place."""
    (one, *_), (other, *_) = two
    pay(other, None, M(70), D(2026, 3, 9), method="transfer")
    kiosk = make_provider("Kiosco (prueba)", "kiosk")
    for day, jugs in ((D(2026, 2, 7), 100), (D(2026, 3, 14), 80), (D(2026, 4, 1), 50)):
        record_sale(kiosk, sold_on=day, product="jug_20l", quantity=jugs, unit_price=M(14))
    with CaptureQueriesContext(connection) as queries:
        found = selectors.money_in([one.pk, other.pk, kiosk.pk], FEBRUARY, D(2026, 3, 31))
    assert len(queries) == 2  # receipts and sales, for every provider at once
    # A paid $100 and B $50 in cash; B's second payment was voided.
    assert found[one.pk] == selectors.MoneyIn(receipts=2, received=150, received_in_cash=150)
    # $140 and $70 in cash, and $70 by transfer that never passed through the cash box.
    assert found[other.pk] == selectors.MoneyIn(receipts=3, received=280, received_in_cash=210)
    assert found[other.pk].cash == 210
    # 180 jugs at $14 in February and March; April's are out of the period.
    assert found[kiosk.pk] == selectors.MoneyIn(sales=2, sold=M(2520))
    assert found[kiosk.pk].cash == 2520
    april = selectors.provider_money_in(kiosk.pk, D(2026, 4, 1), D(2026, 4, 30))
    assert (april.sales, april.sold, april.receipts) == (1, 700, 0)
    assert selectors.money_in([one.pk], D(2026, 4, 1), D(2026, 4, 30)) == {}


def test_the_last_deposit_up_to_a_day(db):
    kiosk = make_provider("Kiosco (prueba)", "kiosk")
    account = MoneyAccount.objects.create(provider=kiosk, institution="Caja", kind="cooperative")
    record_sale(kiosk, sold_on=D(2026, 3, 1), product="jug_20l", quantity=200, unit_price=M(14))
    assert selectors.last_deposit_on(kiosk.pk, D(2026, 12, 31)) is None
    for day in (D(2026, 3, 2), D(2026, 3, 30)):
        record_deposit(kiosk, account=account, deposited_on=day, amount=M(1000))
    assert selectors.last_deposit_on(kiosk.pk, D(2026, 3, 29)) == D(2026, 3, 2)
    assert selectors.last_deposit_on(kiosk.pk, D(2026, 12, 31)) == D(2026, 3, 30)
