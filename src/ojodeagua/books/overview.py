"""The committee's books page: balances, the chain's state, the year's indicators, who owes,
the latest receipts; for a kiosk or a school, whose money is its sales, this month's and the
latest sales instead. Read-only; each figure comes from the ledger or the records in few queries."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ojodeagua.organisations.scope import get_visible_or_404, scope_for
from ojodeagua.providers.models import Provider

from . import selectors
from .desk import largest_debts
from .indicators import finance_indicators, kiosk_indicators
from .models import ZERO, Account, AssemblyReport, Payment, Sale, lives_on_sales
from .padron import may_see_names
from .public_views import last_twelve_months
from .verification import books_status

LATEST_RECEIPTS = 15
LATEST_SALES = 15
OWING_SHOWN = 30


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
    debtors, debtors_total, _owed = (
        ([], 0, ZERO) if sells else largest_debts([provider.pk], today, OWING_SHOWN)[provider.pk]
    )
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
        "debtors": debtors,
        "debtors_total": debtors_total,
        "last_report": AssemblyReport.objects.filter(provider=provider).first(),
        "this_month": Payment.objects.filter(
            provider=provider, paid_on__gte=today.replace(day=1), void__isnull=True
        ).aggregate(count=Count("pk"), total=Sum("amount", filter=Q(void__isnull=True))),
    }
    return render(request, "books/overview/page.html", context)
