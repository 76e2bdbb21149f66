"""The demo's books: two years of receipts that verify, and the stories the red flags catch."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import Client

from ojodeagua.books import charges as domain_charges
from ojodeagua.books import ledger
from ojodeagua.books.cash import (
    expected_cash,
    record_cash_count,
    record_deposit,
    record_expense,
    record_sale,
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
    PaymentAllocation,
    PaymentVoid,
    Quote,
    ReceiptCounter,
    Sale,
    Signer,
    Tariff,
)
from ojodeagua.books.payments import record_payment, void_payment
from ojodeagua.books.tests.factories import add_connection, add_rule, add_tariff, make_committee
from ojodeagua.books.transparency import check_hash
from ojodeagua.books.verification import providers_with_books, verify_books
from ojodeagua.demo.books import (
    BOOK_COMMITTEES,
    DEPOSITS_STOP,
    SPLIT_EXPENSES,
    RoutineWriter,
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


# The bulk writer posts what the domain functions post ---------------------------------------------
def padron(provider: Provider) -> dict[str, Connection]:
    half = add_rule(provider, 50, "Madres solas y viudas")
    whole = add_rule(provider, 100)
    tomas = {
        "T-001": add_connection(provider, "T-001"),
        "T-002": add_connection(provider, "T-002", exemption=half),
        "T-003": add_connection(
            provider,
            "T-003",
            status=Connection.Status.EXEMPT,
            exemption=whole,
            exemption_reason="Vive sola",
        ),
        "T-004": add_connection(provider, "T-004"),
        "T-005": add_connection(provider, "T-005", connected_on=D(2026, 2, 10)),
    }
    add_tariff(provider, "60", D(2025, 1, 1))
    add_tariff(provider, "150", D(2025, 1, 1), kind=Tariff.Kind.FINE)
    add_tariff(provider, "1500", D(2025, 1, 1), kind=Tariff.Kind.CONNECTION_FEE)
    BooksSettings.objects.create(provider=provider, quotes_threshold=M("2000"))
    return tomas


def accounts(provider: Provider) -> tuple[MoneyAccount, MoneyAccount]:
    bank = MoneyAccount.objects.create(
        provider=provider, institution="Caja Popular", kind="cooperative", last_digits="1234"
    )
    reserve = MoneyAccount.objects.create(
        provider=provider, institution="Caja Popular", kind="cooperative", is_reserve=True
    )
    return bank, reserve


class Domain:
    """The same steps through the domain functions, one call each."""

    def __init__(self, provider):
        self.provider = provider
        self.tomas = padron(provider)
        self.bank, self.reserve = accounts(provider)
        self.n = 0

    def rid(self) -> str:
        self.n += 1
        return f"domain-{self.provider.pk}-{self.n}"

    def fees(self, period):
        domain_charges.generate_charges(self.provider, period)

    def fine(self, code, on):
        domain_charges.charge_fine(self.tomas[code], on=on, description="Falta a la faena")

    def connection_fee(self, code, on):
        domain_charges.charge_connection_fee(self.tomas[code], on=on, description="Derecho")

    def pay(self, code, amount, on, method="cash"):
        payment, _created = record_payment(
            self.provider,
            record_id=self.rid(),
            amount=M(amount),
            paid_on=on,
            connection=self.tomas[code],
            method=method,
        )
        return payment

    def void(self, payment, reason, on):
        void_payment(payment, reason, None, on)

    def expense(self, on, category, amount, paid_from="cash"):
        record_expense(
            self.provider,
            spent_on=on,
            category=category,
            amount=M(amount),
            supplier="Ferretería",
            description="Material",
            paid_from=paid_from,
            record_id=self.rid(),
        )

    def sale(self, on, jugs, price):
        record_sale(
            self.provider,
            sold_on=on,
            product="jug_20l",
            quantity=M(jugs),
            unit_price=M(price),
            litres=M(jugs * 20),
            record_id=self.rid(),
        )

    def deposit(self, on, amount, reserve=False):
        record_deposit(
            self.provider,
            account=self.reserve if reserve else self.bank,
            deposited_on=on,
            amount=M(amount),
            record_id=self.rid(),
        )

    def count(self, on):
        record_cash_count(
            self.provider,
            counted_on=on,
            counted=expected_cash(self.provider, on),
            first_signer=Signer.TREASURER,
            second_signer=Signer.VIGILANCE,
            record_id=self.rid(),
        )

    def done(self):
        pass


class Fast(Domain):
    """The same steps through the demo's bulk writer."""

    def __init__(self, provider):
        super().__init__(provider)
        self.writer = RoutineWriter(provider)

    def fees(self, period):
        end = add_months(period, 1) - datetime.timedelta(days=1)
        active = Connection.objects.filter(
            provider=self.provider, status=Connection.Status.ACTIVE
        ).filter(Q(connected_on__isnull=True) | Q(connected_on__lte=end))
        tariff = domain_charges.tariff_on(self.provider, domain_charges.MONTHLY_KINDS, period)
        self.writer.month_fees(period, tariff, list(active.select_related("exemption")), self.rid())

    def fine(self, code, on):
        self.writer.charge(
            self.tomas[code],
            period=on,
            amount=M("150.00"),
            kind=Charge.Kind.FINE,
            description="Falta a la faena",
            on=on,
            record_id=self.rid(),
        )

    def connection_fee(self, code, on):
        self.writer.charge(
            self.tomas[code],
            period=on,
            amount=M("1500.00"),
            kind=Charge.Kind.CONNECTION_FEE,
            description="Derecho",
            on=on,
            record_id=self.rid(),
        )

    def pay(self, code, amount, on, method="cash"):
        return self.writer.pay(self.tomas[code], M(amount), on, method=method, record_id=self.rid())

    def void(self, payment, reason, on):
        self.writer.void(payment, reason, on)

    def expense(self, on, category, amount, paid_from="cash"):
        self.writer.expense(
            spent_on=on,
            category=category,
            amount=M(amount),
            supplier="Ferretería",
            description="Material",
            paid_from=paid_from,
            record_id=self.rid(),
        )

    def sale(self, on, jugs, price):
        self.writer.sale(
            sold_on=on,
            product="jug_20l",
            quantity=M(jugs),
            unit_price=M(price),
            litres=M(jugs * 20),
            record_id=self.rid(),
        )

    def deposit(self, on, amount, reserve=False):
        self.writer.deposit(
            self.reserve if reserve else self.bank,
            deposited_on=on,
            amount=M(amount),
            record_id=self.rid(),
        )

    def count(self, on):
        self.writer.matching_count(
            counted_on=on,
            first_signer=Signer.TREASURER,
            second_signer=Signer.VIGILANCE,
            record_id=self.rid(),
        )

    def done(self):
        self.writer.flush()


def two_months(books: Domain) -> None:
    """Fees, a fine, a new toma, full, partial, late and transfer payments, a receipt written
    twice, one written to the wrong toma, expenses, a sale, deposits and cash counts."""
    books.fees(D(2026, 1, 1))
    books.pay("T-001", "60", D(2026, 1, 5))
    books.pay("T-002", "30", D(2026, 1, 6), method="transfer")
    books.pay("T-004", "20", D(2026, 1, 7))
    books.fine("T-004", D(2026, 1, 10))
    copy = books.pay("T-001", "60", D(2026, 1, 11))
    books.void(copy, "Se hicieron dos recibos por el mismo pago", D(2026, 1, 11))
    books.expense(D(2026, 1, 20), "energy", "25")
    books.sale(D(2026, 1, 21), 10, "12")
    books.count(D(2026, 1, 27))
    books.deposit(D(2026, 1, 28), "100")
    books.deposit(D(2026, 1, 28), "40", reserve=True)
    books.fees(D(2026, 2, 1))
    books.connection_fee("T-005", D(2026, 2, 10))
    wrong = books.pay("T-004", "60", D(2026, 2, 12))
    books.void(wrong, "Era de la toma T-001", D(2026, 2, 13))
    books.pay("T-001", "60", D(2026, 2, 13))
    books.pay("T-004", "250", D(2026, 2, 20))
    books.pay("T-005", "560", D(2026, 2, 21))
    books.expense(D(2026, 2, 22), "repairs", "100", paid_from="bank")
    books.count(D(2026, 2, 27))
    books.done()


def written(provider: Provider) -> dict:
    def code(connection_id):
        return Connection.objects.get(pk=connection_id).code if connection_id else ""

    entries = []
    for entry in JournalEntry.objects.filter(provider=provider).order_by("sequence"):
        lines = sorted(
            (line.account, line.debit, line.credit, code(line.connection_id))
            for line in entry.lines.all()
        )
        entries.append(
            (
                entry.sequence,
                entry.entry_date,
                entry.memo,
                entry.source.split(":")[0],
                entry.reverses.sequence if entry.reverses else None,
                lines,
            )
        )
    return {
        "entries": entries,
        "charges": list(
            Charge.objects.filter(provider=provider)
            .order_by("pk")
            .values_list("connection__code", "period", "kind", "amount", "description")
        ),
        "payments": list(
            Payment.objects.filter(provider=provider)
            .order_by("pk")
            .values_list("receipt_number", "connection__code", "paid_on", "amount", "method")
        ),
        "allocations": list(
            PaymentAllocation.objects.filter(payment__provider=provider)
            .order_by("pk")
            .values_list(
                "payment__receipt_number", "charge__connection__code", "charge__kind", "amount"
            )
        ),
        "voids": list(
            PaymentVoid.objects.filter(payment__provider=provider)
            .order_by("pk")
            .values_list("payment__receipt_number", "reason", "voided_on")
        ),
        "expenses": list(
            Expense.objects.filter(provider=provider)
            .order_by("pk")
            .values_list("spent_on", "category", "amount", "paid_from")
        ),
        "sales": list(
            Sale.objects.filter(provider=provider)
            .order_by("pk")
            .values_list("sold_on", "quantity", "unit_price", "amount", "litres")
        ),
        "deposits": list(
            Deposit.objects.filter(provider=provider)
            .order_by("pk")
            .values_list("deposited_on", "amount", "account__is_reserve")
        ),
        "counts": list(
            CashCount.objects.filter(provider=provider)
            .order_by("pk")
            .values_list("counted_on", "expected", "counted")
        ),
        "balances": ledger.balances(provider.pk),
    }


def test_the_bulk_writer_posts_what_the_domain_functions_post():
    by_domain, by_writer = make_committee("Por las funciones"), make_committee("Por el escritor")
    two_months(Domain(by_domain))
    two_months(Fast(by_writer))
    expected, got = written(by_domain), written(by_writer)
    assert len(expected["entries"]) == 24 and len(expected["voids"]) == 2
    for part in expected:
        assert got[part] == expected[part], part
    assert verify_books(by_writer.pk).ok and verify_books(by_domain.pk).ok
