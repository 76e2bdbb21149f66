"""The books' figures, each read in one place: collection, the money that came in (receipts and
sales) and the deposits, the ledger's movements and balances, arrears and missing receipt numbers.

Pages, the public accounts, the API, the indicators engine (through ``books.score``) and the
integrity red flags all ask here, so a figure cannot mean one thing on a page and another in an
indicator. A figure that is needed for many providers at once is read for all of them in one
grouped query; the single provider's figure is the same query with one id, never a second copy.
Only reads: nothing here writes, and nothing here imports another app.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from .models import (
    ZERO,
    Account,
    ChainCheck,
    ChargeMonthTotal,
    Connection,
    Deposit,
    JournalEntry,
    JournalLine,
    MonthlyTotal,
    OwedCharge,
    Payment,
    PaymentAllocation,
    ReceiptCounter,
    Sale,
)

CENT = Decimal("0.01")
# Income that comes from running the service; opening balances and transfers are not income.
INCOME_ACCOUNTS = [
    Account.INCOME_FEES,
    Account.INCOME_CONNECTIONS,
    Account.INCOME_FINES,
    Account.INCOME_SALES,
    Account.INCOME_OTHER,
]
# Operation and maintenance: every expense account (``postings.EXPENSE_ACCOUNTS`` posts to them).
OM_EXPENSE_ACCOUNTS = [account for account in Account if account.name.startswith("EXPENSE_")]
MONEY_ACCOUNTS = [Account.CASH, Account.BANK, Account.RESERVE]
NOTHING = Value(ZERO, output_field=DecimalField(max_digits=12, decimal_places=2))
# The key of a total that is not split by month.
WHOLE = None


@dataclass
class Ratio:
    """A figure with what it was computed from; no value when there is nothing to divide by."""

    numerator: Decimal
    denominator: Decimal

    @property
    def value(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (self.numerator / self.denominator).quantize(Decimal("0.001"))


def first_of_month(value: datetime.date | datetime.datetime) -> datetime.date:
    day = value.date() if isinstance(value, datetime.datetime) else value
    return day.replace(day=1)


def months_between(start: datetime.date, end: datetime.date) -> int:
    """How many calendar months the period touches, both ends included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _in_period(field_name: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    bounds = Q()
    if start is not None:
        bounds &= Q(**{f"{field_name}__gte": start})
    if end is not None:
        bounds &= Q(**{f"{field_name}__lte": end})
    return bounds


def _grouped(queryset: QuerySet, date_field: str, by_month: bool) -> QuerySet:
    """Group by calendar month of ``date_field``, or not at all (the key is then ``WHOLE``)."""
    if by_month:
        return queryset.annotate(month=TruncMonth(date_field))
    return queryset.annotate(month=Value(None, output_field=DateField()))


def _month_key(value) -> datetime.date | None:
    return None if value is None else first_of_month(value)


# Collection ---------------------------------------------------------------------------------------
@dataclass
class Collection:
    """What was charged for some months, and what payments not voided settled of those charges;
    by month (first days) or, for a whole period, under ``WHOLE``."""

    charged: dict[datetime.date | None, Decimal] = field(default_factory=dict)
    collected: dict[datetime.date | None, Decimal] = field(default_factory=dict)

    def ratio(self) -> Ratio:
        """Collection efficiency: collected ÷ charged, over every month held here."""
        return Ratio(sum(self.collected.values(), ZERO), sum(self.charged.values(), ZERO))


def collections(
    provider_ids: Iterable[int],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    *,
    by_month: bool = False,
) -> dict[int, Collection]:
    """Provider id → the charges of the months in [start, end] and what was collected of them.

    A charge counts by the month it is for, not the day it was made; a payment counts for the
    charges it settled, unless it was voided. Read from what the posting code keeps
    (``books.kept``): what was charged per month (``ChargeMonthTotal``), and what is left of
    each charge (``OwedCharge``); what was collected is the one less the other. Two queries for
    any number of providers, a dozen totals a year and the open charges, however many tomas.
    """
    ids = list(provider_ids)
    found: dict[int, Collection] = defaultdict(Collection)
    totals = ChargeMonthTotal.objects.filter(_in_period("month", start, end), provider_id__in=ids)
    keys = ("provider_id", "month") if by_month else ("provider_id",)
    for row in totals.values(*keys).annotate(charged_sum=Sum("charged")).order_by():
        month = _month_key(row["month"]) if by_month else WHOLE
        found[row["provider_id"]].charged[month] = (row["charged_sum"] or ZERO).quantize(CENT)
    owed = OwedCharge.objects.filter(_in_period("period", start, end), provider_id__in=ids).exclude(
        unpaid=0
    )
    keys = ("provider_id", "period") if by_month else ("provider_id",)
    left: dict[tuple[int, datetime.date | None], Decimal] = {}
    for row in owed.values(*keys).annotate(unpaid_sum=Sum("unpaid")).order_by():
        month = _month_key(row["period"]) if by_month else WHOLE
        left[row["provider_id"], month] = row["unpaid_sum"]
    for provider_id, collection in found.items():
        for month, charged in collection.charged.items():
            # Receipts settle only what was charged: something collected is a live receipt.
            if collected := (charged - left.get((provider_id, month), ZERO)).quantize(CENT):
                collection.collected[month] = collected
    return dict(found)


def collection(provider_id: int, start: datetime.date, end: datetime.date) -> Collection:
    """One provider's charges of [start, end] and what was collected of them, as totals."""
    return collections([provider_id], start, end).get(provider_id, Collection())


# Money in and deposits ----------------------------------------------------------------------------
@dataclass
class MoneyIn:
    """What came in during a period: receipts not voided (any method, and those paid in cash)
    and sales. A committee's money is its receipts; a kiosk's or a school's, its sales."""

    receipts: int = 0
    received: Decimal = ZERO
    received_in_cash: Decimal = ZERO
    sales: int = 0
    sold: Decimal = ZERO

    @property
    def cash(self) -> Decimal:
        """The cash that should reach the bank: receipts paid in cash and sales (always cash)."""
        return self.received_in_cash + self.sold


def money_in(
    provider_ids: Iterable[int],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> dict[int, MoneyIn]:
    """Provider id → the receipts (not voided) and sales dated in [start, end]; providers with
    neither are left out. Two grouped queries for any number of providers."""
    ids = list(provider_ids)
    found: dict[int, MoneyIn] = defaultdict(MoneyIn)
    for row in (
        Payment.objects.filter(_in_period("paid_on", start, end), provider_id__in=ids)
        .filter(void__isnull=True)
        .values("provider_id")
        .annotate(
            count=Count("pk"),
            total=Sum("amount"),
            cash=Sum("amount", filter=Q(method=Payment.Method.CASH)),
        )
        .order_by()
    ):
        came_in = found[row["provider_id"]]
        came_in.receipts = row["count"]
        came_in.received = row["total"] or ZERO
        came_in.received_in_cash = row["cash"] or ZERO
    for row in (
        Sale.objects.filter(_in_period("sold_on", start, end), provider_id__in=ids)
        .values("provider_id")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by()
    ):
        came_in = found[row["provider_id"]]
        came_in.sales = row["count"]
        came_in.sold = row["total"] or ZERO
    return dict(found)


def provider_money_in(provider_id: int, start: datetime.date, end: datetime.date) -> MoneyIn:
    """One provider's receipts and sales of [start, end]."""
    return money_in([provider_id], start, end).get(provider_id, MoneyIn())


def last_deposits(provider_ids: Iterable[int], on: datetime.date) -> dict[int, datetime.date]:
    """Provider id → the day of its latest deposit up to ``on``; providers that never deposited
    are left out. One grouped query for any number of providers."""
    return dict(
        Deposit.objects.filter(provider_id__in=list(provider_ids), deposited_on__lte=on)
        .values("provider_id")
        .annotate(last=Max("deposited_on"))
        .order_by()
        .values_list("provider_id", "last")
    )


def last_deposit_on(provider_id: int, on: datetime.date) -> datetime.date | None:
    """The day of the provider's latest deposit up to ``on``, or None if it never deposited."""
    return last_deposits([provider_id], on).get(provider_id)


def keeping_books(provider_ids: Iterable[int]) -> set[int]:
    """The providers, among these, that keep their books here (they have a ledger entry)."""
    return set(
        JournalEntry.objects.filter(provider_id__in=list(provider_ids))
        .values_list("provider_id", flat=True)
        .distinct()
        .order_by()
    )


# The ledger ---------------------------------------------------------------------------------------
Moved = dict[int, dict[datetime.date | None, dict[str, Decimal]]]
DAY = datetime.timedelta(days=1)


def whole_months(
    start: datetime.date | None, end: datetime.date | None
) -> tuple[tuple[datetime.date | None, datetime.date | None] | None, list[tuple]]:
    """[start, end] split into the whole months it holds, read from the monthly totals, and the
    days before and after them, read from the lines: ``((first, last) or None, [(from, to)…])``.

    None is an open end, as in the selectors: no start is the first entry, no end the last.
    """
    first = start if start is None or start.day == 1 else (start.replace(day=28) + 4 * DAY)
    if first is not None:
        first = first.replace(day=1)
    last = end if end is None or (end + DAY).day == 1 else end.replace(day=1) - DAY
    if first is not None and last is not None and first > last:
        return None, [(start, end)]
    days = []
    if start is not None and start < first:
        days.append((start, first - DAY))
    if end is not None and end > last:
        days.append((last + DAY, end))
    return (first, last), days


def _add_moved(found: dict, provider_id: int, month, account: str, amount: Decimal) -> None:
    by_account = found[provider_id][month]
    by_account[account] = by_account.get(account, ZERO) + amount


def movements(
    provider_ids: Iterable[int],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    *,
    accounts: Iterable[str] | None = None,
    by_month: bool = False,
) -> Moved:
    """Provider id → month (or ``WHOLE``) → account → debit − credit of the lines of entries
    dated in [start, end], for any number of providers at once.

    Whole months are read from the monthly totals the posting code keeps (``MonthlyTotal``, a
    dozen rows per account and year however many lines a municipal office posts), and only the
    days of a month the period holds in part from the lines: one grouped query for each, three
    at most. Accounts without lines are left out; a month appears when any of its entries has a
    line in ``accounts`` (every account when None).
    """
    ids = list(provider_ids)
    wanted = None if accounts is None else list(accounts)
    months, days = whole_months(start, end)
    found: dict[int, dict] = defaultdict(lambda: defaultdict(dict))
    if months is not None:
        totals = MonthlyTotal.objects.filter(_in_period("month", *months), provider_id__in=ids)
        if wanted is not None:
            totals = totals.filter(account__in=wanted)
        keys = ("provider_id", "account", "month") if by_month else ("provider_id", "account")
        for row in totals.values(*keys).annotate(d=Sum("debit"), c=Sum("credit")).order_by():
            month = _month_key(row["month"]) if by_month else WHOLE
            amount = (row["d"] or ZERO) - (row["c"] or ZERO)
            _add_moved(found, row["provider_id"], month, row["account"], amount)
    for low, high in days:
        lines = JournalLine.objects.filter(
            _in_period("entry__entry_date", low, high), entry__provider_id__in=ids
        )
        if wanted is not None:
            lines = lines.filter(account__in=wanted)
        for row in (
            _grouped(lines, "entry__entry_date", by_month)
            .values("entry__provider_id", "month", "account")
            .annotate(d=Sum("debit"), c=Sum("credit"))
            .order_by()
        ):
            amount = (row["d"] or ZERO) - (row["c"] or ZERO)
            month = _month_key(row["month"])
            _add_moved(found, row["entry__provider_id"], month, row["account"], amount)
    return {provider_id: dict(months) for provider_id, months in found.items()}


def account_totals(
    provider_id: int,
    accounts: Iterable[str] | None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> dict[str, Decimal]:
    """Account → debit − credit of one provider's entries dated in [start, end]."""
    found = movements([provider_id], start, end, accounts=accounts).get(provider_id, {})
    return found.get(WHOLE, {})


def balances(provider_id: int, *, until: datetime.date | None = None) -> dict[str, Decimal]:
    """Account → what it holds at the end of ``until`` (all the ledger when None), to the cent."""
    return {
        account: amount.quantize(CENT)
        for account, amount in account_totals(provider_id, None, end=until).items()
    }


def operating_income(by_account: dict[str, Decimal]) -> Decimal:
    """Income from running the service, out of ledger movements (income is a credit)."""
    return -sum((by_account.get(account, ZERO) for account in INCOME_ACCOUNTS), ZERO)


def om_expenses(by_account: dict[str, Decimal]) -> Decimal:
    """Operation and maintenance spending, out of ledger movements."""
    return sum((by_account.get(account, ZERO) for account in OM_EXPENSE_ACCOUNTS), ZERO)


def operating(
    provider_id: int, start: datetime.date, end: datetime.date
) -> tuple[Decimal, Decimal]:
    """(operating income, O&M expenses) of the period, from the ledger."""
    moved = account_totals(provider_id, INCOME_ACCOUNTS + OM_EXPENSE_ACCOUNTS, start, end)
    return operating_income(moved), om_expenses(moved)


def reserve_months(reserve: Decimal, expenses: Decimal, months: int) -> Ratio:
    """The reserve in months of spending: reserve ÷ the period's O&M spending per month."""
    monthly = expenses / months
    return Ratio(reserve.quantize(CENT), monthly.quantize(CENT) if monthly else ZERO)


# Arrears ------------------------------------------------------------------------------------------
def owed_charges(
    on: datetime.date,
    *,
    provider_ids: Iterable[int] | None = None,
    connection_ids: Iterable[int] | None = None,
) -> list[tuple[int, int, datetime.date, Decimal]]:
    """(provider id, connection id, month, what is left) of the charges still owed on ``on``,
    for months before ``on``'s month, of these providers or connections.

    Payments count from the day they were made until the day they were voided. A credit (a
    corrected charge) counts always: the charge it corrects should never have been owed.

    Read from what the posting code keeps of each charge as it stands (``OwedCharge``: the
    charge less live receipts and its credit), moved back to ``on`` by the few receipts that
    stand otherwise today: those paid after ``on`` and still live had not been paid then, and
    those voided after ``on`` still were. Three queries, however many charges the tomas have.
    """
    month = first_of_month(on)
    owed = OwedCharge.objects.filter(period__lt=month).exclude(unpaid=0)
    settled = PaymentAllocation.objects.filter(charge__period__lt=month)
    if provider_ids is not None:
        ids = list(provider_ids)
        owed = owed.filter(provider_id__in=ids)
        settled = settled.filter(payment__provider_id__in=ids, charge__provider_id__in=ids)
    if connection_ids is not None:
        tomas = list(connection_ids)
        owed = owed.filter(connection_id__in=tomas)
        settled = settled.filter(charge__connection_id__in=tomas)
    left: dict[int, list] = {
        charge_id: [provider_id, connection_id, period, unpaid]
        for charge_id, provider_id, connection_id, period, unpaid in owed.values_list(
            "charge_id", "provider_id", "connection_id", "period", "unpaid"
        )
    }
    paid_later = settled.filter(payment__paid_on__gt=on, payment__void__isnull=True)
    voided_later = settled.filter(payment__paid_on__lte=on, payment__void__voided_on__gt=on)
    fields = ("charge_id", "charge__provider_id", "charge__connection_id", "charge__period")
    for sign, allocations in ((1, paid_later), (-1, voided_later)):
        for charge_id, provider_id, connection_id, period, amount in allocations.values_list(
            *fields, "amount"
        ):
            row = left.setdefault(charge_id, [provider_id, connection_id, period, ZERO])
            row[3] += sign * amount
    return [
        (provider_id, connection_id, _month_key(period), unpaid)
        for provider_id, connection_id, period, unpaid in left.values()
        if unpaid > 0
    ]


def arrears_by_connection(
    on: datetime.date,
    *,
    provider_ids: Iterable[int] | None = None,
    connection_ids: Iterable[int] | None = None,
) -> dict[int, Decimal]:
    """Connection id → what it owed on ``on`` for months before ``on``'s month, of these
    providers or connections; only those that owe."""
    owed: dict[int, Decimal] = {}
    for _provider_id, connection_id, _month, left in owed_charges(
        on, provider_ids=provider_ids, connection_ids=connection_ids
    ):
        owed[connection_id] = owed.get(connection_id, ZERO) + left
    return owed


def provider_arrears(provider, on: datetime.date) -> dict[int, Decimal]:
    """Connection id → what it owed on ``on`` for earlier months; only those that owe."""
    return arrears_by_connection(on, provider_ids=[provider.pk])


def arrears(connection: Connection, on: datetime.date) -> Decimal:
    """What the connection owed on ``on`` for months before the current one."""
    owed = arrears_by_connection(on, connection_ids=[connection.pk])
    return owed.get(connection.pk, ZERO)


def arrears_total(provider, on: datetime.date) -> tuple[Decimal, int]:
    """What is owed on ``on`` for past months (after payments and corrections), and by how
    many tomas."""
    owed = provider_arrears(provider, on)
    return sum(owed.values(), ZERO), len(owed)


# Receipts -----------------------------------------------------------------------------------------
@dataclass
class ReceiptNumbers:
    """The last receipt number given and those between 1 and it that no payment carries."""

    last: int
    missing: list[int]


def receipt_numbers_of(provider_ids: Iterable[int]) -> dict[int, ReceiptNumbers]:
    """Provider id → its receipts' numbering, for every provider asked (three queries at most,
    whatever their number). The last number is the highest on a receipt or in the counter (a
    receipt given and then removed still took its number)."""
    ids = list(provider_ids)
    receipts = {
        row["provider_id"]: row
        for row in Payment.objects.filter(provider_id__in=ids)
        .values("provider_id")
        .annotate(count=Count("pk"), low=Min("receipt_number"), high=Max("receipt_number"))
        .order_by()
    }
    counters = dict(
        ReceiptCounter.objects.filter(provider_id__in=ids)
        .values("provider_id")
        .annotate(top=Max("last_number"))
        .order_by()
        .values_list("provider_id", "top")
    )
    found: dict[int, ReceiptNumbers] = {}
    gapped: list[int] = []
    for provider_id in ids:
        row = receipts.get(provider_id, {"count": 0, "low": None, "high": None})
        last = max(row["high"] or 0, counters.get(provider_id) or 0)
        found[provider_id] = ReceiptNumbers(last, [])
        # Numbers are unique per provider: as many receipts as the last number, from 1, is no gap.
        if not (row["count"] == last and (row["low"] or 1) >= 1):
            gapped.append(provider_id)
    if gapped:
        numbers: dict[int, set[int]] = defaultdict(set)
        for provider_id, number in Payment.objects.filter(provider_id__in=gapped).values_list(
            "provider_id", "receipt_number"
        ):
            numbers[provider_id].add(number)
        for provider_id in gapped:
            last = found[provider_id].last
            found[provider_id].missing = sorted(set(range(1, last + 1)) - numbers[provider_id])
    return found


def receipt_numbers(provider_id: int) -> ReceiptNumbers:
    """One provider's receipt numbering (``receipt_numbers_of`` with one id)."""
    return receipt_numbers_of([provider_id])[provider_id]


def missing_receipts(provider_id: int) -> list[int]:
    """Receipt numbers between 1 and the last one given that no payment carries."""
    return receipt_numbers(provider_id).missing


# The chain's last full check ----------------------------------------------------------------------
def last_full_checks(provider_ids: Iterable[int]) -> dict[int, bool]:
    """Provider id → whether its books held at their last full check (``ledger verify``, or the
    page that checked a long chain): the chain unbroken and every money record saying what its
    entry says. Providers never checked are left out. One query for any number of providers;
    reading every chain again would take seconds each."""
    return {
        provider_id: first_bad is None and not problems
        for provider_id, first_bad, problems in ChainCheck.objects.filter(
            provider_id__in=list(provider_ids)
        ).values_list("provider_id", "first_bad_sequence", "record_problems")
    }


# A jug sold without its litres written down is 20 litres.
LITRES_PER_JUG = Decimal("20")
LITRES = DecimalField(max_digits=14, decimal_places=1)


def litres_sold():
    """A sale's litres, as an expression: those written down, or 20 for each jug."""
    return Coalesce(
        "litres",
        Case(
            When(product=Sale.Product.JUG_20L, then=F("quantity") * LITRES_PER_JUG),
            default=Value(ZERO),
            output_field=LITRES,
        ),
        output_field=LITRES,
    )
