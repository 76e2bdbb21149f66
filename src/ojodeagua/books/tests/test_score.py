"""The books' figures month by month (for the indicators) against a hand count and against
``finance_indicators`` for every window."""

import pytest

from ojodeagua.books.cash import opening_balance, record_expense
from ojodeagua.books.charges import credit_charge, generate_charges
from ojodeagua.books.indicators import finance_indicators
from ojodeagua.books.models import Charge
from ojodeagua.books.payments import void_payment
from ojodeagua.books.score import monthly_books
from ojodeagua.indicators.months import add_months, month_end, month_range

from .factories import D, M, add_connection, add_tariff, make_committee, pay


def keep_books(provider):
    """Fifteen months of one committee's books, written with the domain functions.

    * 15 January 2025: opening balance, $100 in cash and $360 in the reserve fund;
    * 10 February 2025: $500 of repairs (it leaves the 12-month window in February 2026);
    * January to March 2026: $50 a month for tomas A, B and C (9 charges, $450);
    * A pays $150 on 10 January (January to March); B $50 on 5 February (January); C $80 on
      3 March (January, and $30 of February); B $50 on 10 March (February), voided on the 12th;
    * C's March charge was wrong: a credit of $50 on 25 March;
    * spent $120 on energy on 15 February 2026 and $90 on chlorine on 20 March 2026.

    So for January 2026 … March 2026 (charge months): collected $150, $80 and $50 of the
    charges of each month; charged $150, $150 and $100; income as charged.
    """
    opening_balance(provider, cash=M(100), reserve=M(360), on=D(2025, 1, 15))
    record_expense(
        provider,
        spent_on=D(2025, 2, 10),
        category="repairs",
        amount=M(500),
        supplier="Ferretería El Tubo",
        description="Tubo y coples",
    )
    add_tariff(provider, "50", D(2025, 12, 1))
    tomas = {code: add_connection(provider, code) for code in "ABC"}
    for month in (1, 2, 3):
        generate_charges(provider, D(2026, month, 1))

    pay(provider, None, M(150), D(2026, 1, 10), tomas["A"])
    pay(provider, None, M(50), D(2026, 2, 5), tomas["B"])
    pay(provider, None, M(80), D(2026, 3, 3), tomas["C"])
    twice, _ = pay(provider, None, M(50), D(2026, 3, 10), tomas["B"])
    void_payment(twice, "Se anotó dos veces", on=D(2026, 3, 12))
    wrong = Charge.objects.get(connection=tomas["C"], period=D(2026, 3, 1))
    credit_charge(wrong, "La toma estaba cortada en marzo", on=D(2026, 3, 25))
    record_expense(
        provider,
        spent_on=D(2026, 2, 15),
        category="energy",
        amount=M(120),
        supplier="CFE",
        description="Bomba, enero",
    )
    record_expense(
        provider,
        spent_on=D(2026, 3, 20),
        category="chlorine",
        amount=M(90),
        supplier="Química del Sur",
        description="Hipoclorito",
    )
    return tomas


@pytest.fixture
def committee(db):
    provider = make_committee("Comité con cuentas (prueba)")
    keep_books(provider)
    return provider


def test_months_of_books_add_up_as_counted_by_hand(committee):
    books = monthly_books([committee.pk])[committee.pk]
    assert (books.first_month, books.last_month) == (D(2025, 1, 1), D(2026, 3, 1))
    assert books.charged == {D(2026, 1, 1): 150, D(2026, 2, 1): 150, D(2026, 3, 1): 100}
    assert books.collected == {D(2026, 1, 1): 150, D(2026, 2, 1): 80, D(2026, 3, 1): 50}
    assert {m: a for m, a in books.income.items() if a} == {
        D(2026, 1, 1): 150,
        D(2026, 2, 1): 150,
        D(2026, 3, 1): 100,  # $150 charged, $50 credited
    }
    assert {m: a for m, a in books.expenses.items() if a} == {
        D(2025, 2, 1): 500,
        D(2026, 2, 1): 120,
        D(2026, 3, 1): 90,
    }

    # March 2026's 12 months (April 2025 to March 2026): the repairs of 2025 are out.
    march = books.window(D(2025, 4, 1), D(2026, 3, 1))
    assert (march.collection_efficiency.numerator, march.collection_efficiency.denominator) == (
        280,
        400,
    )
    assert (march.cost_coverage.numerator, march.cost_coverage.denominator) == (400, 210)
    # $210 over 12 months is $17.50 a month; $360 of reserve is 20.6 months.
    assert (march.reserve_months.numerator, march.reserve_months.denominator) == (360, M("17.50"))

    # February 2025, a month after the books began: $500 over two months, $250 a month.
    start = books.window(D(2025, 1, 1), D(2025, 2, 1))
    assert start.collection_efficiency.denominator == 0
    assert (start.cost_coverage.numerator, start.cost_coverage.denominator) == (0, 500)
    assert start.reserve_months.value == M("1.44")


def test_every_window_agrees_with_the_financial_indicators(committee):
    """The grouped figures are finance_indicators' own, for every month's window."""
    books = monthly_books([committee.pk])[committee.pk]
    for month in month_range(books.first_month, books.last_month):
        first = max(add_months(month, -11), books.first_month)
        grouped = books.window(first, month)
        direct = finance_indicators(committee, first, month_end(month))
        for name in ("collection_efficiency", "cost_coverage", "reserve_months"):
            mine, theirs = getattr(grouped, name), getattr(direct, name)
            assert (mine.numerator, mine.denominator) == (theirs.numerator, theirs.denominator), (
                month,
                name,
            )


def test_a_provider_without_books_has_no_months(db):
    bare = make_committee("Comité sin cuentas (prueba)")
    assert monthly_books([bare.pk]) == {}
