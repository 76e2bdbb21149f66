"""The books' financial figures for many providers and months at once, for the indicators engine.

The figures are those of ``indicators.finance_indicators`` for a window of months: collection
efficiency (what payments not voided settled of the window's charges ÷ what was charged), O&M
cost coverage (operating income ÷ O&M expenses, from the ledger) and the reserve in months of
spending (reserve balance at the window's end ÷ the window's spending per month). Both read the
books through ``selectors``: that function one provider and one window at a time; this module
every provider's books at once, month by month, in the selectors' grouped form (three queries
for any number of providers), and adds months up. ``books/tests/test_score.py`` holds both to
the same numbers.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Min, Q, Sum
from django.db.models.functions import TruncMonth

from ojodeagua.providers.models import Provider

from . import selectors
from .models import ZERO, Account, JournalEntry, Sale
from .selectors import Ratio, first_of_month, months_between

# The accounts behind each figure, as plain text for the sources a figure keeps.
OPERATING_INCOME_ACCOUNTS = [str(account) for account in selectors.INCOME_ACCOUNTS]
OM_EXPENSES = [str(account) for account in selectors.OM_EXPENSE_ACCOUNTS]
RESERVE = str(Account.RESERVE)
# Providers whose water sales are figures of their own: kiosks and school systems.
SELLING_KINDS = (Provider.Kind.KIOSK, Provider.Kind.SCHOOL)


def _add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first days of the months ``first`` to ``last``, both included."""
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = _add_months(month, 1)
    return months


@dataclass
class WindowFigures:
    """A window's figures, each a ``Ratio`` with its numerator and denominator."""

    start: datetime.date
    end: datetime.date
    collection_efficiency: Ratio
    cost_coverage: Ratio
    reserve_months: Ratio


@dataclass
class MonthlyBooks:
    """One provider's books added up per calendar month (keys are first days of months)."""

    first_month: datetime.date
    last_month: datetime.date
    charged: dict[datetime.date, Decimal] = field(default_factory=dict)
    collected: dict[datetime.date, Decimal] = field(default_factory=dict)
    income: dict[datetime.date, Decimal] = field(default_factory=dict)
    expenses: dict[datetime.date, Decimal] = field(default_factory=dict)
    reserve_moved: dict[datetime.date, Decimal] = field(default_factory=dict)
    # Water sales, for kiosks and school systems judged as businesses.
    kind: str = ""
    sales_income: dict[datetime.date, Decimal] = field(default_factory=dict)
    pay: dict[datetime.date, Decimal] = field(default_factory=dict)
    litres_sold: dict[datetime.date, Decimal] = field(default_factory=dict)
    jugs_sold: dict[datetime.date, Decimal] = field(default_factory=dict)
    jug_sales: dict[datetime.date, Decimal] = field(default_factory=dict)
    bottled_jug_price: Decimal | None = None

    def covers(self, month: datetime.date) -> bool:
        return self.first_month <= month <= self.last_month

    def window(self, first: datetime.date, last: datetime.date) -> WindowFigures:
        """The figures of the months ``first`` to ``last`` (first days), both included."""
        months = _months(first, last)

        def total(amounts: dict) -> Decimal:
            return sum((amounts.get(m, ZERO) for m in months), ZERO)

        expenses = total(self.expenses)
        reserve = sum(
            (amount for month, amount in self.reserve_moved.items() if month <= last), ZERO
        )
        return WindowFigures(
            start=first,
            end=_add_months(last, 1) - datetime.timedelta(days=1),
            collection_efficiency=Ratio(total(self.collected), total(self.charged)),
            cost_coverage=Ratio(total(self.income), expenses),
            reserve_months=selectors.reserve_months(reserve, expenses, months_between(first, last)),
        )


@dataclass
class BusinessFigures:
    """A window's water sales against its costs (kiosks and school systems)."""

    months: int
    litres: Decimal
    revenue: Decimal
    costs: Decimal
    pay: Decimal
    jugs: Decimal
    jug_amount: Decimal

    @property
    def average_jug_price(self) -> Decimal | None:
        return (self.jug_amount / self.jugs).quantize(Decimal("0.01")) if self.jugs else None


def business(books: MonthlyBooks, first: datetime.date, last: datetime.date) -> BusinessFigures:
    months = _months(first, last)

    def total(amounts: dict) -> Decimal:
        return sum((amounts.get(m, ZERO) for m in months), ZERO)

    return BusinessFigures(
        months=len(months),
        litres=total(books.litres_sold),
        revenue=total(books.sales_income),
        costs=total(books.expenses),
        pay=total(books.pay),
        jugs=total(books.jugs_sold),
        jug_amount=total(books.jug_sales),
    )


def _sales(provider_ids: list[int]) -> dict[int, dict[str, dict[datetime.date, Decimal]]]:
    """Kiosks' and school systems' sales per month: litres (stated, or 20 per jug), jugs and
    what the jugs brought in. One grouped query."""
    jug = Q(product=Sale.Product.JUG_20L)
    rows = (
        Sale.objects.filter(provider_id__in=provider_ids, provider__kind__in=SELLING_KINDS)
        .annotate(month=TruncMonth("sold_on"))
        .values("provider_id", "month")
        .annotate(
            litres_total=Sum(selectors.litres_sold()),
            jugs=Sum("quantity", filter=jug),
            jug_amount=Sum("amount", filter=jug),
        )
        .order_by()
    )
    found: dict[int, dict[str, dict[datetime.date, Decimal]]] = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        figures = found.setdefault(row["provider_id"], {"litres": {}, "jugs": {}, "jug_amount": {}})
        figures["litres"][month] = row["litres_total"] or ZERO
        figures["jugs"][month] = row["jugs"] or ZERO
        figures["jug_amount"][month] = row["jug_amount"] or ZERO
    return found


def book_months() -> tuple[datetime.date, datetime.date] | None:
    """The first and last month of any provider's ledger, or None when nobody keeps books."""
    found = JournalEntry.objects.aggregate(first=Min("entry_date"), last=Max("entry_date"))
    if found["first"] is None:
        return None
    return first_of_month(found["first"]), first_of_month(found["last"])


def providers_with_books() -> set[int]:
    return set(JournalEntry.objects.values_list("provider_id", flat=True).distinct().order_by())


def monthly_books(provider_ids: Iterable[int]) -> dict[int, MonthlyBooks]:
    """Provider id → its books month by month; providers without ledger entries are left out.

    A provider keeps books from the month of its first ledger entry to the month of its last.
    """
    ids = list(provider_ids)
    if not ids:
        return {}
    collected = selectors.collections(ids, by_month=True)
    kinds = {
        pk: (kind, price)
        for pk, kind, price in Provider.objects.filter(pk__in=ids).values_list(
            "pk", "kind", "books_settings__bottled_jug_price"
        )
    }
    # Always one query, whoever the providers are: the kiosks and schools among them sell.
    sales = _sales(ids)
    found = {}
    for provider_id, months in selectors.movements(ids, by_month=True).items():
        # Every month with a ledger entry; charges without entries are not books kept here.
        collection = collected.get(provider_id, selectors.Collection())
        found[provider_id] = MonthlyBooks(
            first_month=min(months),
            last_month=max(months),
            charged=collection.charged,
            collected=collection.collected,
            income={month: selectors.operating_income(moved) for month, moved in months.items()},
            expenses={month: selectors.om_expenses(moved) for month, moved in months.items()},
            reserve_moved={
                month: moved.get(Account.RESERVE, ZERO) for month, moved in months.items()
            },
            kind=kinds.get(provider_id, ("", None))[0],
            sales_income={
                month: -moved.get(Account.INCOME_SALES, ZERO) for month, moved in months.items()
            },
            pay={month: moved.get(Account.EXPENSE_PAY, ZERO) for month, moved in months.items()},
            litres_sold=sales.get(provider_id, {}).get("litres", {}),
            jugs_sold=sales.get(provider_id, {}).get("jugs", {}),
            jug_sales=sales.get(provider_id, {}).get("jug_amount", {}),
            bottled_jug_price=kinds.get(provider_id, ("", None))[1],
        )
    return found
