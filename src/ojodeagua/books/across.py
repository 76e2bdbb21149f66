"""Money across committees: one row per committee in a user's scope, for the agency and the
facilitator. No names: only figures, the last deposit's day and the state of the books' check.

The figures are the books' own (``score.monthly_books``, the indicators engine's reading of the
books, and ``selectors``); nothing is computed here that the books compute elsewhere. A fixed
number of queries whatever the number of committees.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from ojodeagua.organisations.scope import scope_for
from ojodeagua.providers.models import Provider

from . import selectors
from .public_views import last_twelve_months
from .score import WindowFigures, monthly_books


@dataclass
class MoneyRow:
    provider: Provider
    figures: WindowFigures
    last_deposit: datetime.date | None
    # True: its last full check held; False: it found something altered; None: never checked.
    checked: bool | None

    @property
    def chain_state(self) -> str:
        """ok, broken or unchecked."""
        if self.checked is None:
            return "unchecked"
        return "ok" if self.checked else "broken"

    @property
    def reserve(self):
        """The reserve fund's balance at the window's end (what ``reserve_months`` divides)."""
        return self.figures.reserve_months.numerator


@dataclass
class MoneyAcross:
    start: datetime.date
    end: datetime.date
    rows: list[MoneyRow]
    # Providers in scope that keep no books here.
    without_books: int


def money_across(providers, today: datetime.date) -> MoneyAcross:
    """Collection, cost coverage and reserve over the 12 whole months before ``today``'s month,
    the last deposit up to ``today`` and the last full check, for every provider keeping books."""
    providers = list(providers)
    start, end = last_twelve_months(today)
    books = monthly_books([p.pk for p in providers])
    keeping = [p for p in providers if p.pk in books]
    deposits = selectors.last_deposits([p.pk for p in keeping], today)
    checks = selectors.last_full_checks([p.pk for p in keeping])
    rows = [
        MoneyRow(
            provider=provider,
            figures=books[provider.pk].window(start, selectors.first_of_month(end)),
            last_deposit=deposits.get(provider.pk),
            checked=checks.get(provider.pk),
        )
        for provider in keeping
    ]
    return MoneyAcross(start, end, rows, len(providers) - len(keeping))


@login_required
def money_across_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    providers = scope.visible(Provider.objects.all()).order_by("name", "pk")
    found = money_across(providers, timezone.localdate())
    return render(request, "books/across.html", {"money": found})


urlpatterns = [path("comites/", money_across_page, name="across")]
