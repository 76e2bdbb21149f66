"""Financial indicators against a hand-counted committee and kiosk."""

import datetime
from decimal import Decimal

import pytest

from ojodeagua.books import kept
from ojodeagua.books.indicators import finance_indicators, kiosk_indicators
from ojodeagua.books.ledger import credit, debit, post_entry
from ojodeagua.books.models import (
    Account,
    BooksSettings,
    Charge,
    Payment,
    PaymentAllocation,
    PaymentVoid,
    Sale,
)
from ojodeagua.books.tests.factories import add_connection, make_provider
from ojodeagua.providers.models import Provider

D = datetime.date
M = Decimal
YEAR = (D(2026, 1, 1), D(2026, 3, 31))


def provider(kind="committee") -> Provider:
    return make_provider(f"Prueba {kind}", kind)


def entry(p, day, lines):
    post_entry(p.pk, day, "prueba", lines)


@pytest.fixture
def committee(db):
    """Three households, $50 a month for January to March; paid: A all, B January only,
    C nothing (and one of C's payments was voided). Spent $120; reserve $360."""
    p = provider()
    tomas = {code: add_connection(p, code, name=code) for code in "ABC"}
    add_connection(p, "D", name="D", status="suspended")
    charges = {}
    for code, toma in tomas.items():
        for month in (1, 2, 3):
            charges[code, month] = Charge.objects.create(
                provider=p,
                connection=toma,
                period=D(2026, month, 1),
                kind="monthly_fee",
                amount=M(50),
            )
            entry(
                p,
                D(2026, month, 1),
                [debit(Account.RECEIVABLE, M(50), toma.pk), credit(Account.INCOME_FEES, M(50))],
            )
    number = 0

    def pay(code, months, day, void=False):
        nonlocal number
        number += 1
        payment = Payment.objects.create(
            provider=p,
            receipt_number=number,
            connection=tomas[code],
            paid_on=day,
            amount=M(50 * len(months)),
        )
        for month in months:
            PaymentAllocation.objects.create(
                payment=payment, charge=charges[code, month], amount=M(50)
            )
        if void:
            PaymentVoid.objects.create(payment=payment, reason="Se anotó dos veces", voided_on=day)

    pay("A", [1, 2, 3], D(2026, 1, 10))
    pay("B", [1], D(2026, 1, 12))
    pay("C", [1], D(2026, 2, 1), void=True)
    entry(p, D(2026, 2, 15), [debit(Account.EXPENSE_ENERGY, M(120)), credit(Account.CASH, M(120))])
    entry(p, D(2026, 3, 1), [debit(Account.RESERVE, M(360)), credit(Account.OPENING, M(360))])
    # A wrong March charge for B, corrected by a credit.
    Charge.objects.create(
        provider=p,
        connection=tomas["B"],
        period=D(2026, 3, 1),
        kind="credit",
        amount=M(-50),
        corrects=charges["B", 3],
    )
    # Written behind the posting code: fill the figures it keeps, as the migration did.
    kept.rebuild([p.pk])
    return p


def test_the_committee_indicators_match_the_hand_count(committee):
    figures = finance_indicators(committee, *YEAR)
    # Charged 9 × 50 − 50 (credit) = 400; collected 4 × 50 = 200 (the voided one does not count).
    assert (figures.collection_efficiency.numerator, figures.collection_efficiency.denominator) == (
        200,
        400,
    )
    assert figures.collection_efficiency.value == M("0.5")
    # Income 450 in fees against 120 spent.
    assert figures.cost_coverage.value == M("3.75")
    # $120 over 3 months is $40 a month: $360 of reserve is 9 months.
    assert figures.reserve_months.value == M("9")
    # Owed after March: B February (50) and C January to March (150).
    assert (figures.arrears_amount, figures.connections_in_arrears) == (200, 2)
    # A and B paid; C's only payment was voided; D's toma is suspended but it is still served.
    assert (figures.households_paying.numerator, figures.households_paying.denominator) == (2, 4)


def kiosk_selling_jugs() -> Provider:
    """A kiosk whose shop charges $35 a jug: 30 jugs at $14 in January, 10 in February."""
    kiosk = provider("kiosk")
    BooksSettings.objects.create(provider=kiosk, bottled_jug_price=M("35.00"))
    for day, jugs in ((D(2026, 1, 5), 30), (D(2026, 2, 5), 10)):
        Sale.objects.create(
            provider=kiosk,
            sold_on=day,
            product="jug_20l",
            quantity=jugs,
            unit_price=M(14),
            amount=M(14 * jugs),
        )
        entry(
            kiosk,
            day,
            [debit(Account.CASH, M(14 * jugs)), credit(Account.INCOME_SALES, M(14 * jugs))],
        )
    return kiosk


def test_a_kiosk_sells_below_the_shop_price(db):
    kiosk = kiosk_selling_jugs()
    Sale.objects.create(
        provider=kiosk,
        sold_on=D(2026, 2, 6),
        product="refill",
        quantity=50,
        unit_price=M(1),
        amount=M(50),
        litres=50,
    )
    entry(kiosk, D(2026, 2, 6), [debit(Account.CASH, M(50)), credit(Account.INCOME_SALES, M(50))])
    entry(
        kiosk, D(2026, 2, 7), [debit(Account.EXPENSE_OTHER, M(200)), credit(Account.CASH, M(200))]
    )
    figures = kiosk_indicators(kiosk, *YEAR)
    assert figures.litres_sold == 40 * 20 + 50
    assert (figures.revenue, figures.costs, figures.margin) == (610, 200, 410)
    assert figures.average_jug_price == M("14.00")
    assert figures.price_against_bottled == M("0.40")


def test_the_kiosk_figures_are_stored_as_indicators_with_the_same_numbers(db):
    """The engine's sales figures (``business_values``) for the same kiosk: one window, one
    rule for litres (``selectors.litres_sold``), the same margin and jug price."""
    from ojodeagua.indicators.catalogue import Code
    from ojodeagua.indicators.engine import refresh_books
    from ojodeagua.indicators.models import IndicatorValue

    kiosk = kiosk_selling_jugs()
    entry(kiosk, D(2026, 2, 7), [debit(Account.EXPENSE_PAY, M(200)), credit(Account.CASH, M(200))])
    refresh_books([kiosk.pk])
    values = {
        v.indicator: v
        for v in IndicatorValue.objects.filter(
            entity="provider", entity_id=kiosk.pk, period=D(2026, 2, 1)
        )
    }
    # January and February: 40 jugs, 800 litres, $560 of sales, $200 paid out.
    litres = values[Code.SALES_LITRES]
    assert (litres.numerator, litres.denominator, litres.value) == (800, 2, 400)
    assert values[Code.SALES_REVENUE].value == 280
    margin = values[Code.SALES_MARGIN]
    assert (margin.numerator, margin.denominator) == (360, 560)
    assert values[Code.JUG_PRICE].value == pytest.approx(0.4)
    assert Code.SCHOOL_COVERAGE not in values  # a kiosk, not a school
    figures = kiosk_indicators(kiosk, D(2026, 1, 1), D(2026, 2, 28))
    assert (figures.litres_sold, figures.revenue, figures.margin) == (800, 560, 360)


def test_a_school_sees_whether_sales_cover_costs_and_the_technicians_pay(db):
    from ojodeagua.indicators.catalogue import Code
    from ojodeagua.indicators.engine import refresh_books
    from ojodeagua.indicators.models import IndicatorValue

    school = provider("school")
    entry(school, D(2026, 3, 2), [debit(Account.CASH, M(900)), credit(Account.INCOME_FEES, M(900))])
    entry(
        school, D(2026, 3, 20), [debit(Account.EXPENSE_PAY, M(800)), credit(Account.CASH, M(800))]
    )
    entry(
        school,
        D(2026, 3, 21),
        [debit(Account.EXPENSE_CHLORINE, M(400)), credit(Account.CASH, M(400))],
    )
    refresh_books([school.pk])
    covered = IndicatorValue.objects.get(
        entity="provider", entity_id=school.pk, period=D(2026, 3, 1), indicator=Code.SCHOOL_COVERAGE
    )
    assert (covered.numerator, covered.denominator, covered.value) == (900, 1200, 0.75)
    assert covered.breakdown == {"technician_pay": 800, "other_costs": 400}
