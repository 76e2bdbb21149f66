"""The demo's books: two years of receipts that verify, and the stories the red flags catch."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import Client

from ojodeagua.books import ledger
from ojodeagua.books.cash import (
    expected_cash,
)
from ojodeagua.books.indicators import kiosk_indicators
from ojodeagua.books.models import (
    AssemblyReport,
    BooksSettings,
    CashCount,
    Charge,
    Connection,
    Deposit,
    Expense,
    Household,
    JournalEntry,
    MoneyAccount,
    Payment,
    PaymentVoid,
    Quote,
    ReceiptCounter,
    Sale,
    Tariff,
)
from ojodeagua.books.transparency import check_hash
from ojodeagua.books.verification import providers_with_books, verify_books
from ojodeagua.demo.books import (
    BOOK_COMMITTEES,
    DEPOSITS_STOP,
    SPLIT_EXPENSES,
)
from ojodeagua.demo.cached import SUITE_DEMO_CALENDAR
from ojodeagua.demo.calendar import MONTHS, add_months
from ojodeagua.integrity.red_flags import run_check
from ojodeagua.providers.models import Provider

pytestmark = pytest.mark.django_db
CALENDAR = SUITE_DEMO_CALENDAR  # the calendar the suite's demo was built with
D = datetime.date
M = Decimal


def demo_committees() -> list[Provider]:
    """The Berriozábal committees in the order the demo made them."""
    return list(Provider.objects.filter(kind="committee", municipality__key="07012").order_by("pk"))


def treasurers_committee() -> Provider:
    return Provider.objects.get(members__name="Rosa Gómez Sántiz")


def with_books() -> list[Provider]:
    return list(Provider.objects.filter(pk__in=providers_with_books()).order_by("pk"))


def fired(check: str) -> set[int]:
    return {p.pk for p in with_books() if run_check(check, p, CALENDAR.reference).fired}


# What the demo holds ------------------------------------------------------------------------------
def test_the_committees_the_facilitator_covers_the_kiosks_and_two_schools_keep_books():
    kinds = dict(
        Provider.objects.filter(pk__in=providers_with_books())
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    assert kinds == {"committee": BOOK_COMMITTEES, "kiosk": 2, "school": 2}
    assert {p.pk for p in demo_committees()[:BOOK_COMMITTEES]} <= set(providers_with_books())
    assert treasurers_committee().pk == demo_committees()[0].pk


def test_the_treasurers_committee_has_receipts_in_each_of_the_24_months():
    committee = treasurers_committee()
    months = {
        day.replace(day=1)
        for day in Payment.objects.filter(provider=committee).values_list("paid_on", flat=True)
    }
    assert months == {add_months(CALENDAR.start, index) for index in range(MONTHS)}
    fees = Tariff.objects.filter(provider=committee, kind=Tariff.Kind.MONTHLY_FEE)
    # One raise approved by the assembly during the period, within $40–$120.
    raised = fees.filter(valid_from__range=(CALENDAR.start, CALENDAR.reference)).get()
    before = fees.exclude(pk=raised.pk).get()
    assert M(40) <= before.amount < raised.amount <= M(120)
    assert raised.approved_on < raised.valid_from and raised.minutes_reference
    charged = Charge.objects.filter(provider=committee, kind=Charge.Kind.MONTHLY_FEE)
    assert set(charged.filter(period__lt=raised.valid_from).values_list("amount", flat=True)) <= {
        before.amount,
        before.amount / 2,
    }
    # The padrón: mostly house connections, a few public taps, suspended and exempt tomas.
    households = Household.objects.filter(provider=committee).count()
    assert 30 <= households <= 60
    tomas = Connection.objects.filter(provider=committee)
    assert tomas.filter(kind=Connection.Kind.PUBLIC_TAP).count() in {1, 2, 3}
    assert tomas.filter(kind=Connection.Kind.HOUSE).count() == households
    assert tomas.filter(status=Connection.Status.SUSPENDED).exists()
    exempt = tomas.filter(status=Connection.Status.EXEMPT)
    assert exempt.exists()
    assert not exempt.filter(Q(exemption__isnull=True) | Q(exemption_reason="")).exists()
    assert all(rule.minutes_reference for rule in {toma.exemption for toma in exempt})
    assert not charged.filter(connection__in=exempt).exists()


def test_receipt_numbers_have_no_gaps_and_voided_receipts_keep_theirs():
    for provider in with_books():
        numbers = list(
            Payment.objects.filter(provider=provider)
            .order_by("receipt_number")
            .values_list("receipt_number", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1)), provider
        if numbers:
            assert ReceiptCounter.objects.get(provider=provider).last_number == len(numbers)
    for committee in demo_committees()[:BOOK_COMMITTEES]:
        voids = PaymentVoid.objects.filter(payment__provider=committee)
        assert 1 <= voids.count() <= 2
        assert all(void.reason and void.voided_on >= void.payment.paid_on for void in voids)


def test_every_chain_and_every_book_verifies():
    providers = with_books()
    assert len(providers) == BOOK_COMMITTEES + 4
    for provider in providers:
        report = verify_books(provider.pk)
        assert report.ok, (provider, report.messages())
        assert report.chain.entries > 50
    # `ojodeagua ledger verify` ends with an error when anything does not hold.
    output = io.StringIO()
    call_command("ledger", "verify", stdout=output)
    assert output.getvalue().count(": OK") == len(providers)


def test_every_record_is_dated_within_the_24_months():
    providers = providers_with_books()
    dated = [
        (Payment, "paid_on"),
        (Charge, "period"),
        (Expense, "spent_on"),
        (Deposit, "deposited_on"),
        (Sale, "sold_on"),
        (CashCount, "counted_on"),
        (JournalEntry, "entry_date"),
    ]
    for model, name in dated:
        rows = model.objects.filter(provider__in=providers)
        assert rows.exists(), model
        outside = rows.exclude(**{f"{name}__range": (CALENDAR.start, CALENDAR.reference)})
        assert not outside.exists(), model


def test_cash_counts_have_two_signers_and_find_what_the_ledger_says():
    for provider in [treasurers_committee(), Provider.objects.filter(kind="kiosk").first()]:
        counts = CashCount.objects.filter(provider=provider)
        assert counts.count() >= 18  # most months
        for count in counts:
            assert count.first_signer != count.second_signer
            # What was counted is what the box held at the end of that day, once any
            # difference was posted.
            assert count.counted == expected_cash(provider, count.counted_on), count
        differences = [c.difference for c in counts if c.difference]
        assert 1 <= len(differences) <= 2
        assert all(abs(difference) <= 50 for difference in differences)


def test_the_reports_to_the_assembly_carry_a_hash_the_live_chain_still_holds():
    for provider in with_books():
        reports = AssemblyReport.objects.filter(provider=provider)
        assert reports.count() == 3
        for report in reports:
            assert report.presented_on > report.period_end
            assert check_hash(provider, report.head_hash).trustworthy


# The stories the red flags catch ------------------------------------------------------------------
def test_deposits_stop_in_one_committee_and_its_red_flag_fires():
    stopped = demo_committees()[DEPOSITS_STOP]
    assert fired("no_deposit_60_days") == {stopped.pk}
    last = Deposit.objects.filter(provider=stopped).latest("deposited_on").deposited_on
    assert (CALENDAR.reference - last).days > 100 and last > add_months(CALENDAR.reference, -6)
    # Cash kept coming in, and counting, after the deposits stopped.
    assert Payment.objects.filter(provider=stopped, paid_on__gt=last, method="cash").count() > 50
    assert CashCount.objects.filter(provider=stopped, counted_on__gt=last).count() >= 2
    quiet = run_check("no_deposit_60_days", treasurers_committee(), CALENDAR.reference)
    assert not quiet.fired and "Último depósito" in quiet.detail


def test_one_committee_buys_in_parts_just_under_its_quotes_threshold():
    split = demo_committees()[SPLIT_EXPENSES]
    assert fired("expenses_under_threshold") == {split.pk}
    threshold = BooksSettings.objects.get(provider=split).quotes_threshold
    near = Expense.objects.filter(
        provider=split,
        spent_on__gt=CALENDAR.reference - datetime.timedelta(days=365),
        amount__gte=threshold * M("0.85"),
        amount__lt=threshold,
    )
    assert near.count() >= 3
    assert not Quote.objects.filter(expense__provider=split).exists()
    # Everyone else asks for three quotes from the threshold up, and chooses one.
    large = Expense.objects.filter(provider__in=providers_with_books()).exclude(provider=split)
    big = [
        e
        for e in large
        if e.amount >= BooksSettings.objects.get(provider=e.provider_id).quotes_threshold
    ]
    assert len(big) >= 10
    for expense in big:
        quotes = list(expense.quotes.all())
        assert len(quotes) == 3 and sum(quote.chosen for quote in quotes) == 1
    assert fired("receipt_sequence_gaps") == set()


# Kiosks and schools -------------------------------------------------------------------------------
def test_a_kiosk_sells_jugs_every_month_below_the_shops_price():
    kiosk = Provider.objects.filter(kind="kiosk").order_by("pk").first()
    sales = Sale.objects.filter(provider=kiosk, product=Sale.Product.JUG_20L)
    months = {day.replace(day=1) for day in sales.values_list("sold_on", flat=True)}
    assert len(months) == MONTHS
    shop = BooksSettings.objects.get(provider=kiosk).bottled_jug_price
    assert M(30) <= shop <= M(40)
    prices = set(
        Tariff.objects.filter(provider=kiosk, kind=Tariff.Kind.PER_JUG).values_list(
            "amount", flat=True
        )
    )
    assert len(prices) == 2 and all(M(12) <= price <= M(15) for price in prices)
    assert set(sales.values_list("unit_price", flat=True)) == prices
    figures = kiosk_indicators(kiosk, add_months(CALENDAR.reference, -11), CALENDAR.reference)
    assert figures.litres_sold > 0 and figures.margin > 0
    assert figures.price_against_bottled <= M("0.5")
    assert MoneyAccount.objects.filter(provider=kiosk).exists()
    assert Deposit.objects.filter(provider=kiosk).count() >= 18


def test_a_school_committee_lives_on_the_families_contributions():
    school = Provider.objects.filter(kind="school", pk__in=providers_with_books()).first()
    contributions = Sale.objects.filter(provider=school, product=Sale.Product.FAMILY_MONTH)
    months = {day.month for day in contributions.values_list("sold_on", flat=True)}
    assert months == set(range(1, 13)) - {7, 8}  # no classes in July and August
    assert Tariff.objects.filter(provider=school, kind=Tariff.Kind.SCHOOL_FAMILY).count() == 2
    assert Expense.objects.filter(provider=school, category=Expense.Category.PAY).exists()


# Pages --------------------------------------------------------------------------------------------
def test_the_public_page_of_a_demo_committee_shows_no_padron_names():
    committee = treasurers_committee()
    response = Client().get(f"/transparencia/{committee.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ledger.head_hash(committee.pk) in html
    names = list(Household.objects.filter(provider=committee).values_list("name", flat=True))
    assert len(names) >= 30
    assert not [name for name in names if name in html]


def test_the_treasurer_opens_her_committees_books(tesorera):
    committee = treasurers_committee()
    response = tesorera.get(f"/cuentas/{committee.pk}/")
    assert response.status_code == 200
    last = Payment.objects.filter(provider=committee).order_by("-receipt_number").first()
    assert str(last.receipt_number) in response.content.decode()
