"""The committee's books page: balances, the chain's state, the year's indicators, who owes,
the latest receipts. Read-only; each figure comes from the ledger or the records in few queries."""

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ojodeagua.organisations.scope import get_visible_or_404, scope_for
from ojodeagua.providers.models import Provider

from . import ledger
from .indicators import finance_indicators, kiosk_indicators, open_charges
from .models import ZERO, Account, AssemblyReport, Payment
from .padron import may_see_names
from .public_views import last_twelve_months

LATEST_RECEIPTS = 15
OWING_SHOWN = 30


def owing(provider: Provider, on: datetime.date) -> list[dict]:
    """Tomas with past months unpaid, most owed first."""
    left_by_connection: dict[int, dict] = {}
    for charge in open_charges(provider, on).select_related("connection__household"):
        left = charge.amount - (charge.settled or ZERO) + (charge.credited or ZERO)
        if left <= 0:
            continue
        row = left_by_connection.setdefault(
            charge.connection_id,
            {"connection": charge.connection, "amount": ZERO, "months": 0, "oldest": charge.period},
        )
        row["amount"] += left
        row["months"] += 1
        row["oldest"] = min(row["oldest"], charge.period)
    return sorted(left_by_connection.values(), key=lambda row: -row["amount"])


@login_required
def books_overview(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    today = timezone.localdate()
    start, end = last_twelve_months(today)
    held = ledger.balances(provider.pk)
    chain = ledger.chain_status(provider.pk)
    receipts = (
        Payment.objects.filter(provider=provider)
        .select_related("connection__household", "void")
        .order_by("-receipt_number")[:LATEST_RECEIPTS]
    )
    debtors = owing(provider, today)
    context = {
        "provider": provider,
        "can_edit": scope_for(request.user).can_edit(provider),
        "show_names": may_see_names(request.user, provider),
        "cash": held.get(Account.CASH, ZERO),
        "bank": held.get(Account.BANK, ZERO),
        "reserve": held.get(Account.RESERVE, ZERO),
        "chain": chain,
        "period_start": start,
        "period_end": end,
        "figures": finance_indicators(provider, start, end),
        "kiosk": (
            kiosk_indicators(provider, start, end)
            if provider.kind in (Provider.Kind.KIOSK, Provider.Kind.SCHOOL)
            else None
        ),
        "receipts": receipts,
        "debtors": debtors[:OWING_SHOWN],
        "debtors_total": len(debtors),
        "last_report": AssemblyReport.objects.filter(provider=provider).first(),
        "this_month": Payment.objects.filter(
            provider=provider, paid_on__gte=today.replace(day=1), void__isnull=True
        ).aggregate(count=Count("pk"), total=Sum("amount", filter=Q(void__isnull=True))),
    }
    return render(request, "books/overview/page.html", context)
