"""Finance: a provider's collection efficiency, O&M cost coverage and reserve in months, from
its books month by month (``books.score.MonthlyBooks``)."""

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
        yield Value(
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
            municipality_id=municipality_id,
            provider_id=provider_id,
        )
