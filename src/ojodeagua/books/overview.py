"""The committee's books page: balances, the chain's state, the year's indicators, who owes,
the latest receipts; for a kiosk or a school, whose money is its sales, this month's and the
latest sales instead. Read-only; each figure comes from the ledger or the records in few queries."""

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ojodeagua.organisations.scope import get_visible_or_404, scope_for
from ojodeagua.providers.models import Provider

from . import selectors
from .indicators import finance_indicators, kiosk_indicators
from .models import ZERO, Account, AssemblyReport, Charge, Connection, Payment, Sale, lives_on_sales
from .padron import may_see_names
from .public_views import last_twelve_months
from .verification import books_status

LATEST_RECEIPTS = 15
LATEST_SALES = 15
OWING_SHOWN = 30


def owing(provider: Provider, on: datetime.date) -> list[dict]:
    """Tomas with past months unpaid, most owed first.

    Only the charges with something left come out of the database (the rest of a big office's
    half a million charges stay there), and only the tomas that owe are loaded.
    """
    by_connection: dict[int, dict] = {}
    for connection_id, period, amount in selectors.owed_charges(
        Charge.objects.filter(provider=provider), on
    ):
        row = by_connection.setdefault(
            connection_id, {"amount": ZERO, "months": 0, "oldest": period}
        )
        row["amount"] += amount
        row["months"] += 1
        row["oldest"] = min(row["oldest"], period)
    tomas = Connection.objects.select_related("household").in_bulk(list(by_connection))
    listed = [{"connection": tomas[pk], **row} for pk, row in by_connection.items()]
    return sorted(listed, key=lambda row: (-row["amount"], row["connection"].code))


@login_required
def books_overview(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    today = timezone.localdate()
    start, end = last_twelve_months(today)
    held = selectors.balances(provider.pk)
    books = books_status(provider.pk)
    receipts = (
        Payment.objects.filter(provider=provider)
        .select_related("connection__household", "void")
        .order_by("-receipt_number")[:LATEST_RECEIPTS]
    )
    sells = lives_on_sales(provider)
    debtors = [] if sells else owing(provider, today)
    context = {
        "provider": provider,
        "can_edit": scope_for(request.user).can_edit(provider),
        "show_names": may_see_names(request.user, provider),
        "cash": held.get(Account.CASH, ZERO),
        "bank": held.get(Account.BANK, ZERO),
        "reserve": held.get(Account.RESERVE, ZERO),
        "chain": books.chain,
        "books": books,
        "period_start": start,
        "period_end": end,
        "figures": finance_indicators(provider, start, end),
        "kiosk": kiosk_indicators(provider, start, end) if sells else None,
        "receipts": receipts,
        "sales": (
            Sale.objects.filter(provider=provider).order_by("-sold_on", "-pk")[:LATEST_SALES]
            if sells
            else None
        ),
        "sold_this_month": (
            selectors.provider_money_in(provider.pk, today.replace(day=1), today) if sells else None
        ),
        "debtors": debtors[:OWING_SHOWN],
        "debtors_total": len(debtors),
        "last_report": AssemblyReport.objects.filter(provider=provider).first(),
        "this_month": Payment.objects.filter(
            provider=provider, paid_on__gte=today.replace(day=1), void__isnull=True
        ).aggregate(count=Count("pk"), total=Sum("amount", filter=Q(void__isnull=True))),
    }
    return render(request, "books/overview/page.html", context)
