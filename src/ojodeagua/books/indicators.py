"""Financial indicators of a provider for a period, read from its books.

Each figure keeps its numerator and denominator, as the service indicators do, so a page can say
what it was computed from. Plain functions: they take a provider and dates and touch no HTTP.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Sum

from ojodeagua.providers.models import Provider

from . import selectors
from .models import (
    ZERO,
    Account,
    BooksSettings,
    Connection,
    Household,
    PaidMonth,
    PaidStep,
    Payment,
    Sale,
)
from .selectors import Ratio


@dataclass
class FinanceIndicators:
    period_start: datetime.date
    period_end: datetime.date
    collection_efficiency: Ratio
    cost_coverage: Ratio
    reserve_months: Ratio
    arrears_amount: Decimal
    connections_in_arrears: int
    households_paying: Ratio


@dataclass
class KioskIndicators:
    litres_sold: Decimal
    revenue: Decimal
    costs: Decimal
    margin: Decimal
    average_jug_price: Decimal | None
    bottled_jug_price: Decimal | None

    @property
    def price_against_bottled(self) -> Decimal | None:
        """The kiosk's jug price as a share of the shop's: 0.4 is 60 % cheaper."""
        if self.average_jug_price is None or not self.bottled_jug_price:
            return None
        return (self.average_jug_price / self.bottled_jug_price).quantize(Decimal("0.01"))


def finance_indicators(
    provider: Provider, start: datetime.date, end: datetime.date
) -> FinanceIndicators:
    collected = selectors.collection(provider.pk, start, end)
    income, expenses = selectors.operating(provider.pk, start, end)
    reserve = selectors.balances(provider.pk, until=end).get(Account.RESERVE, ZERO)
    owed, in_arrears = selectors.arrears_total(provider, end + datetime.timedelta(days=1))
    served, paying = households_paying(provider, start, end)
    return FinanceIndicators(
        period_start=start,
        period_end=end,
        collection_efficiency=collected.ratio(),
        cost_coverage=Ratio(income, expenses),
        reserve_months=selectors.reserve_months(
            reserve, expenses, selectors.months_between(start, end)
        ),
        arrears_amount=owed,
        connections_in_arrears=in_arrears,
        households_paying=Ratio(Decimal(paying), Decimal(served)),
    )


def households_paying(
    provider: Provider, start: datetime.date, end: datetime.date
) -> tuple[int, int]:
    """(households served, those of them that paid in [start, end]): served is having a toma
    not exempt; paid is a receipt not voided, of any of its tomas, dated in the period.

    Whole months (a page's year) are read from the kept steps (``PaidStep``, a few hundred rows):
    the households that paid in them, less the few of those with only exempt tomas, found from
    the exempt tomas' paid months. Any other period is asked of the receipts.
    """
    served = served_households(provider)
    if whole_months(start, end):
        return served.count(), kept_payers(provider.pk, start, end.replace(day=1))
    return served.count(), receipt_payers(provider, start, end)


def served_households(provider: Provider):
    """The provider's households with a toma not exempt."""
    return Household.objects.filter(provider=provider).filter(
        Exists(
            Connection.objects.filter(provider=provider, household=OuterRef("pk")).exclude(
                status=Connection.Status.EXEMPT
            )
        )
    )


def receipt_payers(provider: Provider, start: datetime.date, end: datetime.date) -> int:
    """The served households that paid in [start, end], asked of the receipts: one pass over
    the period's receipts through the (provider, day) index, which also carries their toma."""
    receipts = Payment.objects.filter(
        provider=provider, paid_on__range=(start, end), void__isnull=True
    ).values("connection_id")
    payers = Connection.objects.filter(provider=provider, pk__in=receipts).values("household_id")
    return served_households(provider).filter(pk__in=payers).count()


def whole_months(start: datetime.date, end: datetime.date) -> bool:
    """Whether [start, end] is a run of whole months: from a 1st to a month's last day."""
    return start.day == 1 and start <= end and (end + datetime.timedelta(days=1)).day == 1


def kept_payers(provider_id: int, first: datetime.date, last: datetime.date) -> int:
    """The served households that paid in the months ``first`` to ``last`` (their 1sts).

    A household that paid in them has exactly one step into them from before ``first``: the
    one into its first paid month of the period. Those with only exempt tomas are not served;
    they are few, and found from the provider's exempt tomas (their own index).
    """
    paying = PaidStep.objects.filter(
        provider_id=provider_id, month__range=(first, last), previous__lt=first
    ).aggregate(total=Sum("households"))["total"]
    exempt_paid = PaidMonth.objects.filter(
        connection=OuterRef("pk"), month__range=(first, last), receipts__gt=0
    )
    served = Connection.objects.filter(household=OuterRef("household_id")).exclude(
        status=Connection.Status.EXEMPT
    )
    unserved = (
        Connection.objects.filter(
            provider_id=provider_id, status=Connection.Status.EXEMPT, household__isnull=False
        )
        .filter(Exists(exempt_paid))
        .exclude(Exists(served))
        .values("household_id")
        .distinct()
        .count()
    )
    return (paying or 0) - unserved


def kiosk_indicators(
    provider: Provider, start: datetime.date, end: datetime.date
) -> KioskIndicators:
    """Volume, revenue and margin of water sales, and the jug price against the shops'."""
    sales = Sale.objects.filter(provider=provider, sold_on__range=(start, end))
    litres = sales.aggregate(total=Sum(selectors.litres_sold()))["total"] or ZERO
    jugs = sales.filter(product=Sale.Product.JUG_20L).aggregate(
        quantity=Sum("quantity"), amount=Sum("amount")
    )
    average = (
        (jugs["amount"] / jugs["quantity"]).quantize(Decimal("0.01")) if jugs["quantity"] else None
    )
    revenue = -selectors.account_totals(provider.pk, [Account.INCOME_SALES], start, end).get(
        Account.INCOME_SALES, ZERO
    )
    _income, costs = selectors.operating(provider.pk, start, end)
    settings_row = BooksSettings.objects.filter(provider=provider).first()
    return KioskIndicators(
        litres_sold=litres,
        revenue=revenue,
        costs=costs,
        margin=revenue - costs,
        average_jug_price=average,
        bottled_jug_price=settings_row.bottled_jug_price if settings_row else None,
    )
