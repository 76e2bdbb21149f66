"""Finance: a provider's collection efficiency, O&M cost coverage and reserve in months, from
its books month by month (``books.score.MonthlyBooks``); and for kiosks and school systems,
their water sales as a business: litres and revenue a month, margin, the jug's price against
the shop's, and for schools whether sales cover O&M and the technician's pay."""

import datetime
from collections.abc import Iterable
from typing import Any

from ojodeagua.books import score as books_score

from ...catalogue import Code
from ...models import Entity
from ...months import add_months
from ..values import Value, source


def finance_values(
    books: "books_score.MonthlyBooks",
    month: datetime.date,
    provider_id: int,
    municipality_id: int | None,
) -> Iterable[Value]:
    """Collection efficiency, O&M cost coverage and reserve in months for the 12 months ending
    with ``month``, or since the provider's first month of books if that is later: months
    before a committee kept its books here are not months without income or spending."""
    first = max(add_months(month, -11), books.first_month)
    figures = books.window(first, month)
    window = (figures.start, figures.end)

    def books_source(model: str, **lookups: Any) -> dict[str, Any]:
        return source(model, provider_id=provider_id, **lookups)

    charges = books_source("books.charge", period__gte=window[0], period__lte=window[1])
    income = books_source(
        "books.journalentry",
        entry_date__gte=window[0],
        entry_date__lte=window[1],
        lines__account__in=books_score.OPERATING_INCOME_ACCOUNTS,
    )
    spending = books_source(
        "books.journalentry",
        entry_date__gte=window[0],
        entry_date__lte=window[1],
        lines__account__in=books_score.OM_EXPENSES,
    )
    reserve = books_source(
        "books.journalentry", entry_date__lte=window[1], lines__account=books_score.RESERVE
    )
    for code, ratio_, sources in (
        (Code.COLLECTION, figures.collection_efficiency, [charges]),
        (Code.COST_COVERAGE, figures.cost_coverage, [income, spending]),
        (Code.RESERVE_MONTHS, figures.reserve_months, [reserve, spending]),
    ):
        if ratio_.denominator <= 0:
            continue
        numerator, denominator = float(ratio_.numerator), float(ratio_.denominator)
        yield _ratio(
            code, provider_id, municipality_id, month, window, numerator, denominator, sources
        )


def _ratio(
    code: str,
    provider_id: int,
    municipality_id: int | None,
    month: datetime.date,
    window: tuple[datetime.date, datetime.date],
    numerator: float,
    denominator: float,
    sources: list[dict],
    breakdown: dict | None = None,
) -> Value:
    """One of a provider's figures from its books: numerator ÷ denominator over ``window``."""
    return Value(
        code,
        Entity.PROVIDER,
        provider_id,
        month,
        window[0],
        window[1],
        numerator / denominator,
        numerator,
        denominator,
        sources=sources,
        breakdown=breakdown or {},
        municipality_id=municipality_id,
        provider_id=provider_id,
    )


def business_values(
    books: "books_score.MonthlyBooks",
    month: datetime.date,
    provider_id: int,
    municipality_id: int | None,
) -> Iterable[Value]:
    """The sales figures of a kiosk or a school system for the same window as its finances."""
    if books.kind not in books_score.SELLING_KINDS:
        return
    first = max(add_months(month, -11), books.first_month)
    figures = books_score.business(books, first, month)
    window = (first, add_months(month, 1) - datetime.timedelta(days=1))
    sales = source(
        "books.sale", provider_id=provider_id, sold_on__gte=window[0], sold_on__lte=window[1]
    )
    ledger = source(
        "books.journalentry",
        provider_id=provider_id,
        entry_date__gte=window[0],
        entry_date__lte=window[1],
    )
    litres, revenue = float(figures.litres), float(figures.revenue)
    costs, pay = float(figures.costs), float(figures.pay)
    found = []
    if litres:
        found.append((Code.SALES_LITRES, litres, figures.months, [sales], {}))
    if revenue:
        found.append((Code.SALES_REVENUE, revenue, figures.months, [ledger], {}))
        found.append((Code.SALES_MARGIN, revenue - costs, revenue, [ledger], {}))
    price = figures.average_jug_price
    if price is not None and books.bottled_jug_price:
        found.append((Code.JUG_PRICE, float(price), float(books.bottled_jug_price), [sales], {}))
    if books.kind == "school" and costs:
        income = float(books.window(first, month).cost_coverage.numerator)
        breakdown = {"technician_pay": round(pay, 2), "other_costs": round(costs - pay, 2)}
        found.append((Code.SCHOOL_COVERAGE, income, costs, [ledger], breakdown))
    for code, numerator, denominator, sources, breakdown in found:
        yield _ratio(
            code,
            provider_id,
            municipality_id,
            month,
            window,
            numerator,
            denominator,
            sources,
            breakdown,
        )
