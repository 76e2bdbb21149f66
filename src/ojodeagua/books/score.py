"""The books' financial figures for many providers and months at once, for the indicators engine.

The figures are those of ``indicators.finance_indicators`` for a window of months: collection
efficiency (what payments not voided settled of the window's charges ÷ what was charged), O&M
cost coverage (operating income ÷ O&M expenses, from the ledger) and the reserve in months of
spending (reserve balance at the window's end ÷ the window's spending per month). That function
runs eight queries per provider and window, arrears and households included; a recompute needs
three figures for every provider and month, so this module reads each provider's books once,
month by month, in three grouped queries, and adds months up. ``books/tests/test_score.py``
holds both to the same numbers.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Min, Q, Sum
from django.db.models.functions import TruncMonth

from .indicators import OPERATING_INCOME, Ratio
from .models import ZERO, Account, Charge, JournalEntry, JournalLine, PaymentAllocation
from .transparency import EXPENSE_ACCOUNTS, months_between

CENT = Decimal("0.01")
# The accounts behind each figure, as plain text for the sources a figure keeps.
OPERATING_INCOME_ACCOUNTS = [str(account) for account in OPERATING_INCOME]
OM_EXPENSES = [str(account) for account in EXPENSE_ACCOUNTS.values()]
RESERVE = str(Account.RESERVE)


def _month(value) -> datetime.date:
    day = value.date() if isinstance(value, datetime.datetime) else value
    return day.replace(day=1)


def _add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


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

    def covers(self, month: datetime.date) -> bool:
        return self.first_month <= month <= self.last_month

    def window(self, first: datetime.date, last: datetime.date) -> WindowFigures:
        """The figures of the months ``first`` to ``last`` (first days), both included."""
        months = []
        month = first
        while month <= last:
            months.append(month)
            month = _add_months(month, 1)

        def total(amounts: dict) -> Decimal:
            return sum((amounts.get(m, ZERO) for m in months), ZERO)

        expenses = total(self.expenses)
        reserve = sum(
            (amount for month, amount in self.reserve_moved.items() if month <= last), ZERO
        )
        monthly = expenses / months_between(first, last)
        return WindowFigures(
            start=first,
            end=_add_months(last, 1) - datetime.timedelta(days=1),
            collection_efficiency=Ratio(total(self.collected), total(self.charged)),
            cost_coverage=Ratio(total(self.income), expenses),
            reserve_months=Ratio(
                reserve.quantize(CENT), monthly.quantize(CENT) if monthly else ZERO
            ),
        )


def book_months() -> tuple[datetime.date, datetime.date] | None:
    """The first and last month of any provider's ledger, or None when nobody keeps books."""
    found = JournalEntry.objects.aggregate(first=Min("entry_date"), last=Max("entry_date"))
    if found["first"] is None:
        return None
    return _month(found["first"]), _month(found["last"])


def providers_with_books() -> set[int]:
    return set(JournalEntry.objects.values_list("provider_id", flat=True).distinct().order_by())


def monthly_books(provider_ids: Iterable[int]) -> dict[int, MonthlyBooks]:
    """Provider id → its books month by month; providers without ledger entries are left out.

    A provider keeps books from the month of its first ledger entry to the month of its last.
    """
    ids = list(provider_ids)
    if not ids:
        return {}
    income, expenses, reserve = (
        Q(account__in=OPERATING_INCOME),
        Q(account__in=OM_EXPENSES),
        Q(account=Account.RESERVE),
    )
    ledger_rows = (
        JournalLine.objects.filter(entry__provider_id__in=ids)
        .annotate(month=TruncMonth("entry__entry_date"))
        .values("entry__provider_id", "month")
        .annotate(
            income_debit=Sum("debit", filter=income),
            income_credit=Sum("credit", filter=income),
            expense_debit=Sum("debit", filter=expenses),
            expense_credit=Sum("credit", filter=expenses),
            reserve_debit=Sum("debit", filter=reserve),
            reserve_credit=Sum("credit", filter=reserve),
        )
        .order_by()
    )
    per_provider: dict[int, dict[str, dict]] = defaultdict(lambda: defaultdict(dict))
    for row in ledger_rows:
        books, month = per_provider[row["entry__provider_id"]], _month(row["month"])
        books["income"][month] = (row["income_credit"] or ZERO) - (row["income_debit"] or ZERO)
        books["expenses"][month] = (row["expense_debit"] or ZERO) - (row["expense_credit"] or ZERO)
        books["reserve_moved"][month] = (row["reserve_debit"] or ZERO) - (
            row["reserve_credit"] or ZERO
        )
    for row in (
        Charge.objects.filter(provider_id__in=ids)
        .annotate(month=TruncMonth("period"))
        .values("provider_id", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        per_provider[row["provider_id"]]["charged"][_month(row["month"])] = row["total"] or ZERO
    for row in (
        PaymentAllocation.objects.filter(charge__provider_id__in=ids, payment__void__isnull=True)
        .annotate(month=TruncMonth("charge__period"))
        .values("charge__provider_id", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        per_provider[row["charge__provider_id"]]["collected"][_month(row["month"])] = (
            row["total"] or ZERO
        )
    found = {}
    for provider_id, books in per_provider.items():
        months = set(books["income"])  # every month with a ledger entry
        if not months:
            continue  # charges without entries are not books kept here
        found[provider_id] = MonthlyBooks(
            first_month=min(months),
            last_month=max(months),
            charged=dict(books["charged"]),
            collected=dict(books["collected"]),
            income=dict(books["income"]),
            expenses=dict(books["expenses"]),
            reserve_moved=dict(books["reserve_moved"]),
        )
    return found
