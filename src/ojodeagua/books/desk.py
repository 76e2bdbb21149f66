"""What a committee's treasurer sees first on her home page: who owes most, the last cash count
and the last report to the assembly, read for all her committees in six queries.

Read-only, like ``selectors``; the payment page's list of tomas that owe asks here too, so the
home page and the payment page name the same tomas in the same order.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from . import selectors
from .models import ZERO, AssemblyReport, CashCount, Connection

# Enough to find today's people on a phone's first screen; the full list is on the books page.
DEBTS_SHOWN = 5


@dataclass
class Debt:
    """A toma with past months unpaid: how much, of how many months, since when."""

    connection: Connection
    amount: Decimal
    months: int
    oldest: datetime.date


@dataclass
class Desk:
    """One committee's figures for its treasurer's home page."""

    provider_id: int
    debts: list[Debt] = field(default_factory=list)
    debtors: int = 0
    owed: Decimal = ZERO
    last_count: CashCount | None = None
    last_report: AssemblyReport | None = None

    @property
    def missing(self) -> Decimal:
        """What the last cash count found short of what the books said, or zero."""
        return max(ZERO, -self.last_count.difference) if self.last_count else ZERO

    @property
    def over(self) -> Decimal:
        """What the last cash count found beyond what the books said, or zero."""
        return max(ZERO, self.last_count.difference) if self.last_count else ZERO


def largest_debts(
    provider_ids, on: datetime.date, shown: int = DEBTS_SHOWN
) -> dict[int, tuple[list[Debt], int, Decimal]]:
    """Provider id → (its ``shown`` largest debts, how many tomas owe, what they owe in all).

    Debts are past months unpaid on ``on`` (``selectors.owed_charges``: payments and corrections
    counted), largest first, then the oldest. Four queries for any number of providers: the
    charges with something left (three), and the tomas that are shown.
    """
    ids = list(provider_ids)
    rows: dict[int, dict] = {}
    for provider_id, connection_id, period, left in selectors.owed_charges(on, provider_ids=ids):
        row = rows.setdefault(
            connection_id,
            {"provider_id": provider_id, "amount": ZERO, "months": 0, "oldest": period},
        )
        row["amount"] += left
        row["months"] += 1
        row["oldest"] = min(row["oldest"], period)
    by_provider: dict[int, list[tuple[int, dict]]] = {provider_id: [] for provider_id in ids}
    for connection_id, row in rows.items():
        by_provider[row.pop("provider_id")].append((connection_id, row))
    tops = {
        provider_id: sorted(
            listed, key=lambda item: (-item[1]["amount"], item[1]["oldest"], item[0])
        )[:shown]
        for provider_id, listed in by_provider.items()
    }
    wanted = [connection_id for top in tops.values() for connection_id, _row in top]
    tomas = Connection.objects.select_related("household").in_bulk(wanted) if wanted else {}
    return {
        provider_id: (
            [Debt(tomas[connection_id], **row) for connection_id, row in tops[provider_id]],
            len(listed),
            sum((row["amount"] for _id, row in listed), ZERO),
        )
        for provider_id, listed in by_provider.items()
    }


def _latest(model, provider_ids, *order) -> dict[int, object]:
    """Provider id → its latest ``model`` row by ``order``, in one query."""
    latest = model.objects.filter(provider_id=OuterRef("provider_id")).order_by(*order)
    rows = model.objects.filter(provider_id__in=provider_ids, pk=Subquery(latest.values("pk")[:1]))
    return {row.provider_id: row for row in rows}


def desks(provider_ids, on: datetime.date) -> dict[int, Desk]:
    """Provider id → what its treasurer's home shows, for every provider given; six queries."""
    ids = list(provider_ids)
    if not ids:
        return {}
    debts = largest_debts(ids, on)
    counts = _latest(CashCount, ids, "-counted_on", "-pk")
    reports = _latest(AssemblyReport, ids, "-presented_on", "-pk")
    return {
        provider_id: Desk(
            provider_id,
            *debts[provider_id],
            last_count=counts.get(provider_id),
            last_report=reports.get(provider_id),
        )
        for provider_id in ids
    }
