"""The demo's books: 24 months of padrón, fees, receipts, cash counts, deposits, expenses, sales.

Twelve committees (the treasurer's and the others the NGO facilitator covers), the two kiosks and
two school water committees keep their books in Ojo de Agua from the calendar's first month. Two
stories are planted for the red flags: one committee stops depositing four months before the
calendar's last day while it keeps collecting (``no_deposit_60_days``), and another buys one job
in parts just under its quotes threshold (``expenses_under_threshold``).

Speed: through the domain functions a receipt costs about 5 ms and a charge, expense or deposit
2 to 10 ms (audit trail, locks, replay checks, balances read from the ledger), so the ~30,000
records of the demo would add minutes to every demo load and test session. The routine records
(monthly fees, receipts, expenses, sales, deposits, cash counts that match) are therefore written
in bulk by ``RoutineWriter``, which posts exactly what the domain functions post: the same rows,
memos, accounts and allocations (oldest charge first), hashed onto the provider's chain with
``ledger.entry_digest``; ``tests/test_books_demo.py`` runs both on the same inputs and compares
every row. Like the rest of the demo, these bulk rows leave no audit events. What carries a rule
of its own goes through the domain functions, on the same chain: opening balances, voided
receipts, expenses above the threshold with their three quotes, cash counts that found a
difference, and the reports to the assembly.
"""

import datetime
import enum
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db import connection as database
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.books import ledger
from ojodeagua.books.cash import (
    opening_balance,
    plain_number,
    record_cash_count,
    record_expense,
)
from ojodeagua.books.charges import monthly_fee
from ojodeagua.books.models import (
    ZERO,
    Account,
    BooksSettings,
    CashCount,
    Charge,
    Connection,
    Deposit,
    ExemptionRule,
    Expense,
    Household,
    JournalEntry,
    JournalLine,
    MoneyAccount,
    Payment,
    PaymentAllocation,
    ReceiptCounter,
    Sale,
    Signer,
    Tariff,
)
from ojodeagua.books.payments import void_payment
from ojodeagua.books.postings import (
    CHARGE_INCOME,
    EXPENSE_ACCOUNTS,
    RECEIVED_INTO,
    month_start,
    source_of,
)
from ojodeagua.books.transparency import publish_report
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import Component, ServedLocality, WaterSystem

from .calendar import MONTHS, add_months, current

BOOKS_SEED = "7012-books"
# The first twelve Berriozábal committees: the treasurer's (index 0) and those the NGO covers.
BOOK_COMMITTEES = 12
BOOK_SCHOOLS = 2
# Index of the committee that stops depositing, and of the one that splits its purchases.
DEPOSITS_STOP = 3
SPLIT_EXPENSES = 5
# The last months without a deposit in the committee that stops depositing.
MONTHS_WITHOUT_DEPOSIT = 4
# Households on a committee's padrón: enough to look like a village, few enough to load fast.
HOUSEHOLDS = (30, 60)
# Assemblies hear the accounts of each half year in the month after it ends.
REPORT_PERIODS = [(0, 5), (6, 11), (12, 17)]


WOMEN = [
    "María",
    "Juana",
    "Rosa",
    "Guadalupe",
    "Margarita",
    "Verónica",
    "Petrona",
    "Catalina",
    "Elena",
    "Teresa",
    "Micaela",
    "Josefa",
    "Lucía",
    "Andrea",
    "Martha",
    "Candelaria",
    "Hermelinda",
    "Reyna",
    "Alicia",
    "Esperanza",
]
MEN = [
    "José",
    "Juan",
    "Pedro",
    "Manuel",
    "Antonio",
    "Francisco",
    "Miguel",
    "Domingo",
    "Sebastián",
    "Mariano",
    "Alonso",
    "Ernesto",
    "Raúl",
    "Jacinto",
    "Rigoberto",
    "Eliseo",
    "Abelardo",
    "Humberto",
    "Nicolás",
    "Gilberto",
]
SURNAMES = [
    "Gómez",
    "Pérez",
    "López",
    "Hernández",
    "Díaz",
    "Ruiz",
    "Cruz",
    "Méndez",
    "Vázquez",
    "Sántiz",
    "Jiménez",
    "Morales",
    "Gutiérrez",
    "Velasco",
    "Cancino",
    "Toledo",
    "Nandayapa",
    "Coutiño",
    "Zenteno",
    "Grajales",
    "Nájera",
    "Gordillo",
    "Trujillo",
    "Camacho",
    "Moreno",
    "Álvarez",
]
STREETS = [
    "Calle principal",
    "Barrio centro",
    "Barrio de arriba",
    "Barrio de abajo",
    "Camino al panteón",
    "Frente a la escuela",
    "Junto a la agencia municipal",
    "Salida a Berriozábal",
    "Colonia de la loma",
    "Cerca del tanque",
]
BANKS = [
    ("Banco del Bienestar, sucursal Berriozábal", MoneyAccount.Kind.BANK),
    ("BBVA, sucursal Berriozábal", MoneyAccount.Kind.BANK),
    ("Caja Popular Mexicana, sucursal Berriozábal", MoneyAccount.Kind.COOPERATIVE),
    ("Caja Solidaria Tuxtla", MoneyAccount.Kind.COOPERATIVE),
]
HARDWARE = [
    "Ferretería El Progreso",
    "Materiales y Tubos de Tuxtla",
    "Casa Hernández Materiales",
    "Ferretería La Esperanza",
    "Plomería y Materiales del Centro",
]
SMALL_REPAIRS = [
    "Copes, abrazaderas y tubo de 1/2 pulgada",
    "Reparación de una fuga en la línea de conducción",
    "Válvula de compuerta de 2 pulgadas",
    "Pegamento, teflón y coples para tomas",
    "Cambio de un tramo de manguera",
    "Candado y bisagras para la caja de válvulas",
]
BIG_REPAIRS = [
    "Cambio de 60 metros de tubería de 2 pulgadas dañada por un derrumbe",
    "Impermeabilización y limpieza del tanque de almacenamiento",
    "Reparación de la bomba sumergible",
    "Rehabilitación de la caja de captación del manantial",
]
# The same kind of work, bought in parts a little below the threshold.
SPLIT_PURCHASES = [
    "Tubo hidráulico de 2 pulgadas (primera parte)",
    "Tubo hidráulico de 2 pulgadas (segunda parte)",
    "Conexiones y válvulas para el cambio de tubería",
    "Tubo hidráulico de 2 pulgadas (tercera parte)",
]
SHORTFALL_NOTES = [
    "No cuadró por un cambio mal dado; se revisarán los recibos del mes.",
    "Faltó dinero; la tesorera lo explicará en la asamblea.",
]
SURPLUS_NOTES = ["Sobró dinero: un usuario pagó de más y no se le dio cambio."]
VOID_DUPLICATE = "Se hicieron dos recibos por el mismo pago; se cancela la copia."
VOID_WRONG_TOMA = "Se anotó en la toma equivocada; el pago era de la toma %(code)s."

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT)


def month_end(start: datetime.date) -> datetime.date:
    return add_months(start, 1) - datetime.timedelta(days=1)


def day_of(start: datetime.date, day: int) -> datetime.date:
    """A day of the month starting on ``start``, never past the month or the demo's last day."""
    return min(start.replace(day=min(day, month_end(start).day)), current().reference)


def down_to_hundreds(amount: Decimal) -> Decimal:
    return (amount / HUNDRED).to_integral_value(rounding=ROUND_DOWN) * HUNDRED


# The bulk writer ---------------------------------------------------------------------------------
MONEY_ACCOUNTS = (Account.CASH, Account.BANK, Account.RESERVE)


@dataclass
class Pending:
    """A record waiting to be written, with the entry it posts."""

    record: object
    entry_date: datetime.date
    memo: str
    lines: list[ledger.Line]
    # (charge, amount) that a receipt settles.
    allocations: list[tuple[Charge, Decimal]] = field(default_factory=list)


def insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Plain INSERTs: several times faster than ``bulk_create``, which prepares every value of
    every row field by field. The values are ones both databases take as they are."""
    if not rows:
        return
    quote = database.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with database.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_records(model, records: list, provider_id: int) -> None:
    """Insert new rows of a books model and give each object its id, found by its record id."""
    if not records:
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = database.ops.adapt_datetimefield_value(timezone.now())

    def value(record, field):
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            return now
        value = getattr(record, field.attname)
        # Choices are enum members; the drivers want their plain value.
        return value.value if isinstance(value, enum.Enum) else value

    before = model.objects.aggregate(top=Max("pk"))["top"] or 0
    insert_rows(
        model,
        [field.column for field in fields],
        [tuple(value(record, field) for field in fields) for record in records],
    )
    ids = dict(
        model.objects.filter(provider_id=provider_id, pk__gt=before).values_list("record_id", "pk")
    )
    for record in records:
        record.pk = ids[record.record_id]
        record._state.adding = False
        record._state.db = database.alias


class RoutineWriter:
    """A provider's routine records, queued in memory and written in bulk with their entries.

    Each method posts what its domain function posts (``generate_charges``, ``record_payment``,
    ``record_expense`` below the threshold, ``record_sale``, ``record_deposit``,
    ``record_cash_count`` when the count matches): the same row, memo and lines. ``flush``
    writes the queue, chaining each entry onto the provider's head with ``ledger.entry_digest``;
    domain functions may post in between (``domain``), and the next entry follows theirs.
    The writer keeps what each connection still owes and what cash, bank and reserve hold, so
    the demo can decide amounts without asking the database.
    """

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        # connection pk → [[charge, what is left to pay]], in the order payments settle them.
        self.open: dict[int, list[list]] = defaultdict(list)
        self.queue: list[Pending] = []
        # Written without an entry: cash counts that found what the books say.
        self.silent: list[CashCount] = []
        # What each written receipt settled, so a void can open those charges again.
        self.settled: dict[int, list[tuple[Charge, Decimal]]] = {}
        self.last_receipt: int | None = None
        self.held: dict[str, Decimal] | None = None
        self.written: dict[str, int] = defaultdict(int)
        # Texts asked for once: translating each memo anew costs more than writing the row.
        self.fee_memo = _("Cuota del mes %(month)s, toma %(code)s")
        self.one_off_memo = _("%(what)s, toma %(code)s")
        self.receipt_memo = _("Recibo %(number)s, toma %(code)s")
        self.expense_memo = _("%(category)s: %(description)s")
        self.sale_memo = _("Venta: %(quantity)s × %(product)s")
        self.deposit_memo = _("Depósito en %(account)s")
        self.charge_labels = {kind: str(label) for kind, label in Charge.Kind.choices}
        self.categories = {kind: str(label) for kind, label in Expense.Category.choices}
        self.products = {kind: str(label) for kind, label in Sale.Product.choices}

    # Money held ------------------------------------------------------------------------------
    def balance(self, account: str) -> Decimal:
        if self.held is None:
            # Read after a domain function posted; the queue is empty then (see ``domain``).
            balances = ledger.balances(self.provider.pk)
            self.held = {name: balances.get(name, ZERO) for name in MONEY_ACCOUNTS}
        return self.held[account]

    def post(self, pending: Pending) -> None:
        self.balance(Account.CASH)
        for line in pending.lines:
            if line.account in self.held:
                self.held[line.account] += line.debit - line.credit
        self.queue.append(pending)

    def domain(self, function, *args, **kwargs):
        """Run a domain function on the same chain: write the queue first, read balances after."""
        self.flush()
        result = function(*args, **kwargs)
        self.held = None
        self.last_receipt = None
        return result

    # Charges ---------------------------------------------------------------------------------
    def charge(
        self,
        connection: Connection,
        *,
        period: datetime.date,
        amount: Decimal,
        kind: str = Charge.Kind.MONTHLY_FEE,
        description: str = "",
        on: datetime.date | None = None,
        record_id: str,
    ) -> Charge:
        """A charge as ``generate_charges`` (the month's fee) or ``charge_fine`` and
        ``charge_connection_fee`` (dated the day they are made) write it."""
        if kind == Charge.Kind.MONTHLY_FEE:
            memo = self.fee_memo % {"month": period.strftime("%m/%Y"), "code": connection.code}
            entry_date = period
        else:
            label = self.charge_labels[kind]
            memo = self.one_off_memo % {"what": label, "code": connection.code}
            entry_date, period = on, month_start(on)
            description = description or label
        charge = Charge(
            provider_id=self.provider.pk,
            record_id=record_id,
            connection=connection,
            period=period,
            kind=kind,
            amount=amount,
            description=description[:200],
        )
        lines = [
            ledger.debit(Account.RECEIVABLE, amount, connection.pk),
            ledger.credit(CHARGE_INCOME[kind], amount),
        ]
        self.post(Pending(charge, entry_date, memo, lines))
        self.open[connection.pk].append([charge, amount])
        return charge

    def month_fees(
        self, period: datetime.date, tariff: Tariff, connections: list[Connection], key: str
    ) -> list[Charge]:
        """The month's fee for each connection given, as ``generate_charges`` does for the
        active ones: in order of their code, less the exemption discount, none when zero."""
        description = str(tariff.get_kind_display())
        made = []
        for connection in sorted(connections, key=lambda c: c.code):
            amount = monthly_fee(connection, tariff)
            if amount <= ZERO:
                continue
            made.append(
                self.charge(
                    connection,
                    period=period,
                    amount=amount,
                    description=description,
                    record_id=f"{key}-{period:%Y%m}-{connection.code}",
                )
            )
        return made

    def owed(self, connection: Connection) -> Decimal:
        return sum((item[1] for item in self.open[connection.pk]), ZERO)

    # Receipts --------------------------------------------------------------------------------
    def _next_receipt(self) -> int:
        if self.last_receipt is None:
            counter = ReceiptCounter.objects.filter(provider=self.provider).first()
            top = Payment.objects.filter(provider=self.provider).aggregate(
                top=Max("receipt_number")
            )["top"]
            self.last_receipt = max(counter.last_number if counter else 0, top or 0)
        self.last_receipt += 1
        return self.last_receipt

    def pay(
        self,
        connection: Connection,
        amount: Decimal,
        paid_on: datetime.date,
        *,
        record_id: str,
        method: str = Payment.Method.CASH,
    ) -> Payment:
        """A receipt as ``record_payment`` writes it: the next number, the connection's open
        charges settled oldest first, Dr cash (or bank) / Cr the connection's receivable."""
        payment = Payment(
            provider_id=self.provider.pk,
            record_id=record_id,
            receipt_number=self._next_receipt(),
            connection=connection,
            paid_on=paid_on,
            amount=amount,
            method=method,
        )
        allocations = []
        available = amount
        for item in self.open[connection.pk]:
            if available <= ZERO:
                break
            if item[1] <= ZERO:
                continue
            part = min(available, item[1])
            allocations.append((item[0], part))
            item[1] -= part
            available -= part
        memo = self.receipt_memo % {"number": payment.receipt_number, "code": connection.code}
        lines = [
            ledger.debit(RECEIVED_INTO[method], amount),
            ledger.credit(Account.RECEIVABLE, amount, connection.pk),
        ]
        self.post(Pending(payment, paid_on, memo, lines, allocations))
        return payment

    def void(self, payment: Payment, reason: str, on: datetime.date) -> None:
        """Cancel a written receipt with ``void_payment``; its charges open again here too."""
        self.domain(void_payment, payment, reason, None, on)
        items = self.open[payment.connection_id]
        for charge, amount in self.settled.pop(payment.pk, []):
            for item in items:
                if item[0] is charge:
                    item[1] += amount
                    break
            else:
                items.append([charge, amount])
        # The order open_charges uses: month, then the order the charges were made.
        items.sort(key=lambda item: (item[0].period, item[0].pk))

    # Cash ------------------------------------------------------------------------------------
    def expense(
        self,
        *,
        spent_on: datetime.date,
        category: str,
        amount: Decimal,
        supplier: str,
        description: str,
        record_id: str,
        paid_from: str = Expense.PaidFrom.CASH,
        approved_by: str = "",
    ) -> Expense:
        """An expense below the quotes threshold, as ``record_expense`` writes it."""
        expense = Expense(
            provider_id=self.provider.pk,
            record_id=record_id,
            spent_on=spent_on,
            category=category,
            amount=amount,
            paid_from=paid_from,
            supplier=supplier[:200],
            description=description[:300],
            approved_by=approved_by[:200],
        )
        memo = self.expense_memo % {
            "category": self.categories[category],
            "description": expense.description,
        }
        paid_with = Account.CASH if paid_from == Expense.PaidFrom.CASH else Account.BANK
        lines = [
            ledger.debit(EXPENSE_ACCOUNTS[category], amount),
            ledger.credit(paid_with, amount),
        ]
        self.post(Pending(expense, spent_on, memo, lines))
        return expense

    def sale(
        self,
        *,
        sold_on: datetime.date,
        product: str,
        quantity: Decimal,
        unit_price: Decimal,
        record_id: str,
        litres: Decimal | None = None,
    ) -> Sale:
        """Water sold for cash, as ``record_sale`` writes it."""
        quantity = quantity.quantize(CENT)
        amount = (quantity * unit_price).quantize(CENT)
        sale = Sale(
            provider_id=self.provider.pk,
            record_id=record_id,
            sold_on=sold_on,
            product=product,
            quantity=quantity,
            unit_price=unit_price,
            amount=amount,
            litres=litres,
        )
        memo = self.sale_memo % {
            "quantity": plain_number(quantity),
            "product": self.products[product],
        }
        lines = [ledger.debit(Account.CASH, amount), ledger.credit(Account.INCOME_SALES, amount)]
        self.post(Pending(sale, sold_on, memo, lines))
        return sale

    def deposit(
        self,
        account: MoneyAccount,
        *,
        deposited_on: datetime.date,
        amount: Decimal,
        record_id: str,
        slip_reference: str = "",
    ) -> Deposit:
        """Cash taken to the bank or the reserve account, as ``record_deposit`` writes it."""
        if amount > self.balance(Account.CASH):
            raise ValueError(f"the demo deposits {amount} with {self.held[Account.CASH]} in cash")
        deposit = Deposit(
            provider_id=self.provider.pk,
            record_id=record_id,
            account=account,
            deposited_on=deposited_on,
            amount=amount,
            slip_reference=slip_reference,
        )
        into = Account.RESERVE if account.is_reserve else Account.BANK
        memo = self.deposit_memo % {"account": account}
        lines = [ledger.debit(into, amount), ledger.credit(Account.CASH, amount)]
        self.post(Pending(deposit, deposited_on, memo, lines))
        return deposit

    def matching_count(
        self,
        *,
        counted_on: datetime.date,
        first_signer: str,
        second_signer: str,
        record_id: str,
    ) -> CashCount:
        """A cash count that found what the books say: a row and no entry."""
        cash = self.balance(Account.CASH)
        count = CashCount(
            provider_id=self.provider.pk,
            record_id=record_id,
            counted_on=counted_on,
            expected=cash,
            counted=cash,
            first_signer=first_signer,
            second_signer=second_signer,
        )
        self.silent.append(count)
        return count

    # Writing ---------------------------------------------------------------------------------
    def flush(self) -> None:
        if not self.queue and not self.silent:
            return
        provider_id = self.provider.pk
        by_model: dict[type, list] = defaultdict(list)
        for pending in self.queue:
            by_model[type(pending.record)].append(pending.record)
        for model, records in by_model.items():
            if model in (Charge, Payment):
                insert_records(model, records, provider_id)
            else:
                model.objects.bulk_create(records)
        CashCount.objects.bulk_create(self.silent)
        last = (
            JournalEntry.objects.filter(provider_id=provider_id)
            .order_by("-sequence")
            .values_list("sequence", "entry_hash")
            .first()
        )
        sequence, previous = last if last else (0, ledger.GENESIS)
        first = sequence + 1
        now = database.ops.adapt_datetimefield_value(timezone.now())
        entries, allocations = [], []
        for pending in self.queue:
            sequence += 1
            source = source_of(pending.record)
            memo = pending.memo[:300]
            digest = ledger.entry_digest(
                provider_id=provider_id,
                sequence=sequence,
                entry_date=pending.entry_date,
                memo=memo,
                source=source,
                reverses_sequence=None,
                lines=pending.lines,
                previous_hash=previous,
            )
            entries.append(
                (provider_id, sequence, pending.entry_date, memo, source, now, previous, digest)
            )
            previous = digest
            if pending.allocations:
                payment = pending.record
                allocations += [
                    (payment.pk, charge.pk, amount) for charge, amount in pending.allocations
                ]
                self.settled[payment.pk] = pending.allocations
        insert_rows(
            JournalEntry,
            [
                "provider_id",
                "sequence",
                "entry_date",
                "memo",
                "source",
                "recorded_at",
                "previous_hash",
                "entry_hash",
            ],
            entries,
        )
        entry_ids = dict(
            JournalEntry.objects.filter(provider_id=provider_id, sequence__gte=first).values_list(
                "sequence", "pk"
            )
        )
        insert_rows(
            JournalLine,
            ["entry_id", "account", "debit", "credit", "connection_id"],
            [
                (entry_ids[number], line.account, line.debit, line.credit, line.connection_id)
                for number, pending in enumerate(self.queue, start=first)
                for line in pending.lines
            ],
        )
        insert_rows(PaymentAllocation, ["payment_id", "charge_id", "amount"], allocations)
        if Payment in by_model:
            ReceiptCounter.objects.update_or_create(
                provider=self.provider, defaults={"last_number": self.last_receipt}
            )
        for model, records in by_model.items():
            self.written[model._meta.model_name] += len(records)
        self.written["cashcount"] += len(self.silent)
        self.queue, self.silent = [], []
        # Settled charges are dropped; a void puts back what it opens again.
        for items in self.open.values():
            items[:] = [item for item in items if item[1] > ZERO]


# One provider's books ----------------------------------------------------------------------------
@dataclass
class Home:
    """A household on the padrón with its toma and how it pays."""

    connection: Connection
    habit: str  # punctual, transfer, late, partial, never, new
    every: int = 1  # the late payers come every few months
    offset: int = 0
    first_month: int = 0  # the new tomas are charged from the month they were connected
    last_month: int = MONTHS - 1  # the never-payers are suspended after a while


class ProviderBooks:
    """Plans and writes one provider's 24 months. Committees live on fees from their padrón,
    kiosks on jug sales, schools on the families' contributions; the cash is kept the same way."""

    def __init__(self, provider: Provider, index: int, kind: str) -> None:
        self.provider = provider
        self.index = index
        self.kind = kind  # committee, kiosk or school
        self.random = random.Random(f"{BOOKS_SEED}-{kind}-{index}")
        self.key = f"demo-cuentas-{provider.pk}"
        self.writer = RoutineWriter(provider)
        self.counts: dict[str, int] = defaultdict(int)
        self.homes: list[Home] = []
        self.accounts: list[MoneyAccount] = []
        self.reserve: MoneyAccount | None = None
        self.tariffs: dict[str, list[Tariff]] = defaultdict(list)
        self.voids: dict[int, tuple] = {}
        system = provider.systems.first()
        self.system_kind = system.kind if system else WaterSystem.Kind.GRAVITY
        self.chlorinates = bool(
            system and system.components.filter(kind=Component.Kind.CHLORINATOR).exists()
        )
        served = ServedLocality.objects.filter(system=system).values_list(
            "locality_id", "households"
        )
        self.served = list(served) or [(provider.locality_id, 40)]
        self.threshold = Decimal(self.random.choice([2000, 2500, 3000]))
        if kind == "kiosk":
            self.threshold = Decimal(6000)
        # What the treasurer keeps in the box for small expenses after depositing.
        self.float = Decimal(self.random.choice([300, 500, 800]))
        self.operator_pay = Decimal(self.random.choice([600, 800, 1000, 1200]))

    def next_id(self, what: str) -> str:
        self.counts[f"{what}_seq"] += 1
        return f"{self.key}-{what}-{self.counts[f'{what}_seq']:05d}"

    # Setup -----------------------------------------------------------------------------------
    def minutes(self, day: datetime.date) -> str:
        return f"Acta de asamblea del {day:%d/%m/%Y}"

    def tariff(self, kind: str, amount: int, valid_from: datetime.date, description="") -> None:
        approved = valid_from - datetime.timedelta(days=self.random.randint(12, 30))
        self.tariffs[kind].append(
            Tariff(
                provider=self.provider,
                kind=kind,
                amount=Decimal(amount),
                description=description,
                valid_from=valid_from,
                approved_on=approved,
                minutes_reference=self.minutes(approved),
            )
        )

    def tariff_on(self, kind: str, day: datetime.date) -> Tariff:
        return max(
            (t for t in self.tariffs[kind] if t.valid_from <= day), key=lambda t: t.valid_from
        )

    def setup(self) -> None:
        rng = self.random
        before = current().start.replace(year=current().start.year - rng.randint(1, 3), month=1)
        # The one raise of the period, approved by the assembly a few weeks before.
        raised = current().month_starts[rng.randint(8, 16)]
        if self.kind == "committee":
            fee = rng.choice([40, 50, 60, 70, 80, 100])
            self.tariff(Tariff.Kind.MONTHLY_FEE, fee, before)
            self.tariff(Tariff.Kind.MONTHLY_FEE, fee + rng.choice([10, 20]), raised)
            self.tariff(
                Tariff.Kind.CONNECTION_FEE,
                rng.choice([1500, 2000, 2500]),
                before,
                "Derecho de conexión a la red",
            )
            self.tariff(Tariff.Kind.FINE, rng.choice([100, 150, 200]), before, "Falta a la faena")
        elif self.kind == "kiosk":
            price = rng.choice([12, 13])
            self.tariff(Tariff.Kind.PER_JUG, price, before, "Garrafón de 20 litros")
            self.tariff(Tariff.Kind.PER_JUG, price + 2, raised, "Garrafón de 20 litros")
        else:
            self.tariff(Tariff.Kind.SCHOOL_FAMILY, 20, before, "Aportación de cada familia")
            self.tariff(Tariff.Kind.SCHOOL_FAMILY, 25, raised, "Aportación de cada familia")
            self.tariff(Tariff.Kind.PER_JUG, 10, before, "Garrafón para las familias")
        Tariff.objects.bulk_create([t for kind in self.tariffs.values() for t in kind])
        agreed = before + datetime.timedelta(days=rng.randint(20, 60))
        BooksSettings.objects.update_or_create(
            provider=self.provider,
            defaults={
                "quotes_threshold": self.threshold,
                "threshold_approved_on": agreed,
                "bottled_jug_price": (
                    Decimal(rng.choice([30, 32, 35, 38, 40])) if self.kind == "kiosk" else None
                ),
            },
        )
        institution, kind = BANKS[rng.randrange(len(BANKS))]
        if self.kind != "committee":
            institution, kind = BANKS[2]
        self.accounts = [
            MoneyAccount(
                provider=self.provider,
                institution=institution,
                kind=kind,
                last_digits=f"{rng.randint(0, 9999):04d}",
            )
        ]
        if self.kind == "committee" and rng.random() < 0.45:
            self.accounts.append(
                MoneyAccount(
                    provider=self.provider,
                    institution=BANKS[2][0],
                    kind=MoneyAccount.Kind.COOPERATIVE,
                    last_digits=f"{rng.randint(0, 9999):04d}",
                    is_reserve=True,
                )
            )
        MoneyAccount.objects.bulk_create(self.accounts)
        self.reserve = next((a for a in self.accounts if a.is_reserve), None)
        if self.kind == "committee":
            self.padron()

    def person(self) -> str:
        rng = self.random
        first = rng.choice(WOMEN if rng.random() < 0.45 else MEN)
        return f"{first} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"

    def padron(self) -> None:
        rng = self.random
        low, high = HOUSEHOLDS
        served = sum(households for _locality, households in self.served)
        count = max(low, min(high, served + rng.randint(-5, 5)))
        day = current().start - datetime.timedelta(days=rng.randint(400, 900))
        rules = {
            key: ExemptionRule(
                provider=self.provider,
                name=name,
                discount_percent=percent,
                approved_on=day,
                minutes_reference=self.minutes(day),
            )
            for key, name, percent in [
                ("elderly", "Personas adultas mayores que viven solas", 100),
                ("tap", "Hidrantes de uso común", 100),
                ("half", "Madres solas y viudas", 50),
            ]
        }
        ExemptionRule.objects.bulk_create(rules.values())
        localities = [locality for locality, _households in self.served]
        households, connections, homes = [], [], []
        habits = ["punctual", "transfer", "late", "partial", "never", "new"]
        weights = [62, 4, 16, 9, 4, 5]
        for number in range(1, count + 1):
            code = f"{number:03d}"
            home = Home(connection=None, habit=rng.choices(habits, weights=weights)[0])  # type: ignore[arg-type]
            connected_on = None
            if home.habit == "new":
                home.first_month = rng.randint(3, MONTHS - 3)
                connected_on = day_of(current().month_starts[home.first_month], rng.randint(2, 20))
            registered = connected_on or datetime.date(
                rng.randint(1992, 2023), rng.randint(1, 12), rng.randint(1, 28)
            )
            household = Household(
                provider=self.provider,
                record_id=f"{self.key}-hogar-{code}",
                number=code,
                name=self.person(),
                locality_id=localities[0] if rng.random() < 0.75 else rng.choice(localities),
                reference=rng.choice(STREETS),
                people=rng.randint(1, 8),
                registered_on=registered,
            )
            if number % 17 == 13:
                home.habit = "never"  # every padrón has someone who stopped paying
            status, rule, reason = Connection.Status.ACTIVE, None, ""
            if number % 19 == 7:
                status, rule = Connection.Status.EXEMPT, rules["elderly"]
                reason = "Adulta mayor que vive sola; lo aprobó la asamblea"
                home.habit = "exempt"
            elif number % 23 == 11:
                rule, reason = rules["half"], "Madre sola con hijos pequeños"
            if home.habit == "never":
                # Charged for some months, then suspended, still owing them.
                status, home.last_month = Connection.Status.SUSPENDED, rng.randint(3, 9)
            if home.habit == "late":
                home.every, home.offset = rng.choice([2, 3, 4]), rng.randint(0, 3)
            home.connection = Connection(
                provider=self.provider,
                record_id=f"{self.key}-toma-{code}",
                household=household,
                code=f"T-{code}",
                kind=Connection.Kind.HOUSE,
                status=status,
                exemption=rule,
                exemption_reason=reason,
                connected_on=connected_on,
            )
            households.append(household)
            connections.append(home.connection)
            homes.append(home)
        Household.objects.bulk_create(households)
        # Public taps serve the houses without a toma of their own; the assembly exempts them.
        for number in range(1, rng.randint(1, 3) + 1):
            connections.append(
                Connection(
                    provider=self.provider,
                    record_id=f"{self.key}-hidrante-{number}",
                    code=f"H-{number:02d}",
                    kind=Connection.Kind.PUBLIC_TAP,
                    status=Connection.Status.EXEMPT,
                    exemption=rules["tap"],
                    exemption_reason="Hidrante de uso común; lo aprobó la asamblea",
                )
            )
        Connection.objects.bulk_create(connections)
        self.homes = [home for home in homes if home.habit != "exempt"]
        self.counts["households"] += len(households)
        self.counts["connections"] += len(connections)

    # Month by month --------------------------------------------------------------------------
    def build(self) -> dict[str, int]:
        self.setup()
        rng = self.random
        writer = self.writer
        writer.domain(
            opening_balance,
            self.provider,
            cash=Decimal(rng.randint(3, 15) * 100),
            bank=Decimal(rng.randint(10, 80) * 100),
            reserve=Decimal(rng.randint(10, 60) * 100) if self.reserve else ZERO,
            on=current().start,
        )
        self.voids = self.plan_voids()
        repairs = 1 if self.kind == "school" else 2
        if self.kind == "committee" and self.index == SPLIT_EXPENSES:
            repairs = 0  # this committee never asks for quotes: it buys in parts instead
        self.big_repairs = set(rng.sample(range(2, MONTHS - 1), repairs))
        self.shortfalls = set(rng.sample(range(1, MONTHS - 1), 2 if self.index % 3 == 0 else 1))
        reports = {last + 1: (first, last) for first, last in REPORT_PERIODS}
        for month, start in enumerate(current().month_starts):
            if month in reports:
                # The half year's accounts, read to the assembly early in the next month.
                first, last = reports[month]
                writer.domain(
                    publish_report,
                    self.provider,
                    current().month_starts[first],
                    month_end(current().month_starts[last]),
                    day_of(start, rng.randint(5, 15)),
                )
                self.counts["reports"] += 1
            # The month in date order, so the cash the writer holds is the cash of that day.
            events = self.fees_and_receipts(month, start) if self.kind == "committee" else []
            events += self.sales(month, start) + self.expenses(month, start)
            ordered = sorted(enumerate(events), key=lambda item: (item[1][0], item[0]))
            for _position, (day, action) in ordered:
                action(day)
            self.count_and_deposit(month, start)
        writer.flush()
        for model, written in writer.written.items():
            self.counts[model] += written
        return {name: value for name, value in self.counts.items() if not name.endswith("_seq")}

    # Fees and receipts -----------------------------------------------------------------------
    def fees_and_receipts(self, month: int, start: datetime.date) -> list[tuple]:
        """The month's fees, charged on its first day; the rest of the month as dated events:
        new connections, fines and the receipts, each amount decided on its day."""
        rng = self.random
        writer = self.writer
        tariff = self.tariff_on(Tariff.Kind.MONTHLY_FEE, start)
        charged = [h.connection for h in self.homes if h.first_month <= month <= h.last_month]
        writer.month_fees(start, tariff, charged, f"{self.key}-cuota")
        events: list[tuple] = []
        for home in self.homes:
            if home.habit == "new" and home.first_month == month:
                events.append((home.connection.connected_on, self.connection_fee(home)))
        if rng.random() < 0.2:
            # A missed faena: the reglamento's fine, paid with the next fees.
            home = rng.choice([h for h in self.homes if h.first_month <= month <= h.last_month])
            events.append((day_of(start, rng.randint(3, 25)), self.fine(home, month)))
        plan = self.voids.get(month)
        for home in self.homes:
            if plan and plan[0] == "wrong" and home is plan[1]:
                continue  # its receipt goes to the wrong toma first, below
            high = 10 if home.habit == "transfer" else 25
            copied = bool(plan and plan[0] == "duplicate" and home is plan[1])
            events.append(
                (day_of(start, rng.randint(1, high)), self.receipt(home, month, tariff, copied))
            )
        if plan and plan[0] == "wrong":
            events.append((day_of(start, rng.randint(5, 20)), self.wrong_toma(*plan[1:])))
        return events

    def connection_fee(self, home: Home):
        def act(day):
            self.writer.charge(
                home.connection,
                period=month_start(day),
                amount=self.tariff_on(Tariff.Kind.CONNECTION_FEE, day).amount,
                kind=Charge.Kind.CONNECTION_FEE,
                description="Derecho de conexión a la red",
                on=day,
                record_id=f"{self.key}-conexion-{home.connection.code}",
            )

        return act

    def fine(self, home: Home, month: int):
        def act(day):
            self.writer.charge(
                home.connection,
                period=month_start(day),
                amount=self.tariff_on(Tariff.Kind.FINE, day).amount,
                kind=Charge.Kind.FINE,
                description="Falta a la faena",
                on=day,
                record_id=f"{self.key}-multa-{month:02d}-{home.connection.code}",
            )

        return act

    def receipt(self, home: Home, month: int, tariff: Tariff, copied: bool):
        def act(day):
            writer = self.writer
            amount = self.pays_this_month(home, month, tariff.amount)
            if copied and amount <= ZERO:
                amount = writer.owed(home.connection)
            if amount <= ZERO:
                return
            method = Payment.Method.CASH
            if home.habit == "transfer":
                method = Payment.Method.TRANSFER
            connection = home.connection
            writer.pay(connection, amount, day, method=method, record_id=self.next_id("pago"))
            if copied and writer.owed(connection) == ZERO:
                # The same payment written on two receipts: the copy is cancelled that day.
                copy = writer.pay(
                    connection, amount, day, method=method, record_id=self.next_id("pago")
                )
                writer.void(copy, VOID_DUPLICATE, day)
                self.counts["voids"] += 1

        return act

    def wrong_toma(self, right: Home, wrong: Home):
        """The treasurer wrote the receipt to another toma, cancelled it the next day and wrote
        it again to the right one."""

        def act(day):
            writer = self.writer
            amount = writer.owed(right.connection)
            if amount <= ZERO:
                return
            mistaken = writer.pay(wrong.connection, amount, day, record_id=self.next_id("pago"))
            next_day = day + datetime.timedelta(days=1)
            writer.void(mistaken, VOID_WRONG_TOMA % {"code": right.connection.code}, next_day)
            self.counts["voids"] += 1
            writer.pay(right.connection, amount, next_day, record_id=self.next_id("pago"))

        return act

    def pays_this_month(self, home: Home, month: int, fee: Decimal) -> Decimal:
        """What the household pays this month, after its habit; never more than it owes."""
        rng = self.random
        owed = self.writer.owed(home.connection)
        if owed <= ZERO or month < home.first_month:
            return ZERO
        habit = home.habit
        if habit in {"punctual", "transfer"}:
            return owed if rng.random() > 0.08 else ZERO
        if habit == "new":
            # The connection fee is paid in parts, with the month's fee.
            return min(owed, fee + Decimal(500))
        if habit == "late":
            due = (month + home.offset) % home.every == 0
            return owed if due and rng.random() > 0.1 else ZERO
        if habit == "partial":
            if rng.random() < 0.2:
                return owed
            return min(owed, max(money((fee / 2).to_integral_value()), Decimal(10)))
        return ZERO

    def plan_voids(self) -> dict[int, tuple]:
        """Receipts to cancel: a payment written twice, and in half the committees one written
        to the wrong toma."""
        if self.kind != "committee":
            return {}
        rng = self.random
        punctual = [h for h in self.homes if h.habit == "punctual"]
        owing = [h for h in self.homes if h.habit in {"late", "partial"}]
        months = rng.sample(range(2, MONTHS - 2), 2)
        plans: dict[int, tuple] = {months[0]: ("duplicate", rng.choice(punctual))}
        if self.index % 2 == 0 and owing:
            plans[months[1]] = ("wrong", rng.choice(punctual), rng.choice(owing))
        return plans

    # Money out -------------------------------------------------------------------------------
    def spend(self, category: str, amount, supplier: str, description: str, approved_by: str = ""):
        """A routine expense, kept out of the band just under the threshold (only one
        committee's story lives there) and paid from the account when the box is short."""
        amount = money(amount)
        band = (self.threshold * Decimal("0.85")).quantize(CENT)
        if amount >= band:
            amount = down_to_hundreds(band * Decimal("0.9"))

        def act(day):
            short = self.writer.balance(Account.CASH) < amount
            self.writer.expense(
                spent_on=day,
                category=category,
                amount=amount,
                supplier=supplier,
                description=description,
                approved_by=approved_by,
                paid_from=Expense.PaidFrom.BANK if short else Expense.PaidFrom.CASH,
                record_id=self.next_id("gasto"),
            )

        return act

    def split_purchase(self, amount: Decimal, description: str):
        """One of the parts of a job bought just under the threshold, so no quotes were asked."""

        def act(day):
            writer = self.writer
            if writer.balance(Account.BANK) >= amount:
                paid_from = Expense.PaidFrom.BANK
            elif writer.balance(Account.CASH) >= amount:
                paid_from = Expense.PaidFrom.CASH
            else:
                return
            writer.expense(
                spent_on=day,
                category=Expense.Category.REPAIRS,
                amount=amount,
                supplier=HARDWARE[0],
                description=description,
                approved_by="Presidente del comité",
                paid_from=paid_from,
                record_id=self.next_id("gasto"),
            )

        return act

    def big_repair(self, month: int):
        """Above the threshold: ``record_expense`` with three quotes, the cheapest chosen, paid
        from the account; when the account cannot pay it yet, it waits for the next month."""
        rng = self.random
        amount = down_to_hundreds(
            self.threshold * Decimal(rng.choice(["1.4", "1.8", "2.5", "3.2"]))
        )
        suppliers = rng.sample(HARDWARE, 3)
        quotes = [
            {"supplier": suppliers[0], "amount": amount, "chosen": True},
            {"supplier": suppliers[1], "amount": amount + rng.randint(3, 12) * 100},
            {"supplier": suppliers[2], "amount": amount + rng.randint(13, 25) * 100},
        ]
        description = (
            rng.choice(BIG_REPAIRS)
            if self.kind == "committee"
            else "Cambio de la lámpara UV y del portafiltros"
        )

        def act(day):
            if self.writer.balance(Account.BANK) < amount:
                self.big_repairs.add(month + 1)
                return
            self.writer.domain(
                record_expense,
                self.provider,
                spent_on=day,
                category=Expense.Category.REPAIRS,
                amount=amount,
                supplier=suppliers[0],
                description=description,
                paid_from=Expense.PaidFrom.BANK,
                approved_by="Asamblea de usuarios",
                quotes=quotes,
                record_id=self.next_id("gasto"),
            )
            self.counts["big_repairs"] += 1

        return act

    def expenses(self, month: int, start: datetime.date) -> list[tuple]:
        rng = self.random
        out: list[tuple] = []

        def on(low: int, high: int) -> datetime.date:
            return day_of(start, rng.randint(low, high))

        label = f"{start:%m/%Y}"
        if self.kind == "committee":
            pay = self.operator_pay + (100 if month >= 12 else 0)
            out.append(
                (
                    on(24, 26),
                    self.spend(
                        Expense.Category.PAY,
                        pay,
                        "Fontanero del comité",
                        f"Pago al fontanero, mes {label}",
                    ),
                )
            )
            if month % 2 == 1:
                pumped = self.system_kind == WaterSystem.Kind.PUMPED
                bill = rng.randint(900, 1500) if pumped else rng.randint(120, 380)
                out.append(
                    (
                        on(15, 25),
                        self.spend(
                            Expense.Category.ENERGY,
                            bill,
                            "CFE Suministrador de Servicios Básicos",
                            f"Recibo de luz del bimestre que termina en {label}",
                        ),
                    )
                )
            if self.chlorinates:
                out.append(
                    (
                        on(10, 22),
                        self.spend(
                            Expense.Category.CHLORINE,
                            rng.choice([180, 220, 260, 320, 380]),
                            "Distribuidora de cloro de Tuxtla",
                            "Hipoclorito de calcio para el clorador",
                        ),
                    )
                )
            if rng.random() < 0.5:
                out.append(
                    (
                        on(10, 24),
                        self.spend(
                            Expense.Category.TRANSPORT,
                            rng.choice([60, 80, 120, 150, 200, 250]),
                            "Transporte colectivo Berriozábal",
                            "Pasajes para comprar material y depositar",
                        ),
                    )
                )
            if rng.random() < 0.4:
                out.append(
                    (
                        on(15, 24),
                        self.spend(
                            Expense.Category.REPAIRS,
                            rng.randint(15, 90) * 10,
                            rng.choice(HARDWARE),
                            rng.choice(SMALL_REPAIRS),
                        ),
                    )
                )
            if month % 6 == 2:
                out.append(
                    (
                        on(15, 24),
                        self.spend(
                            Expense.Category.OTHER,
                            rng.choice([90, 150, 240]),
                            "Papelería del Centro",
                            "Recibos foliados con copia y libreta de cuentas",
                        ),
                    )
                )
            if self.index == SPLIT_EXPENSES and month >= MONTHS - 10 and month % 2 == 0:
                share = Decimal(rng.choice(["0.92", "0.95", "0.97"]))
                part = money((self.threshold * share).to_integral_value())
                description = SPLIT_PURCHASES[(month // 2) % len(SPLIT_PURCHASES)]
                out.append((on(12, 24), self.split_purchase(part, description)))
        elif self.kind == "kiosk":
            out += [
                (
                    on(24, 26),
                    self.spend(
                        Expense.Category.PAY,
                        rng.choice([3600, 4000, 4500]),
                        "Compañeras que atienden el kiosco",
                        f"Pago por atender el kiosco, mes {label}",
                    ),
                ),
                (
                    on(15, 22),
                    self.spend(
                        Expense.Category.ENERGY,
                        rng.randint(450, 1100),
                        "CFE Suministrador de Servicios Básicos",
                        f"Recibo de luz del kiosco, {label}",
                    ),
                ),
                (
                    on(5, 20),
                    self.spend(
                        Expense.Category.OTHER,
                        rng.choice([150, 220, 300]),
                        "Envases y Tapas del Sureste",
                        "Tapas y etiquetas para garrafón",
                    ),
                ),
            ]
            if month % 3 == 0:
                out.append(
                    (
                        on(5, 20),
                        self.spend(
                            Expense.Category.REPAIRS,
                            rng.randint(40, 90) * 10,
                            "Purificación y Filtros de Chiapas",
                            "Cartuchos de filtro de sedimentos y carbón activado",
                        ),
                    )
                )
            if rng.random() < 0.3:
                out.append(
                    (
                        on(5, 20),
                        self.spend(
                            Expense.Category.TRANSPORT,
                            rng.choice([150, 250, 350]),
                            "Fletes Berriozábal",
                            "Flete de garrafones vacíos",
                        ),
                    )
                )
        else:
            if start.month not in {7, 8}:
                out.append(
                    (
                        on(20, 26),
                        self.spend(
                            Expense.Category.PAY,
                            rng.choice([400, 500]),
                            "Técnico de mantenimiento",
                            f"Mantenimiento de la purificadora escolar, {label}",
                        ),
                    )
                )
            if month % 2 == 1:
                out.append(
                    (
                        on(15, 22),
                        self.spend(
                            Expense.Category.ENERGY,
                            rng.randint(120, 300),
                            "CFE Suministrador de Servicios Básicos",
                            f"Parte de la escuela en el recibo de luz, {label}",
                        ),
                    )
                )
            if month % 4 == 0:
                out.append(
                    (
                        on(5, 20),
                        self.spend(
                            Expense.Category.REPAIRS,
                            rng.randint(30, 70) * 10,
                            "Purificación y Filtros de Chiapas",
                            "Cartuchos de filtro para la purificadora",
                        ),
                    )
                )
        if month in self.big_repairs:
            out.append((on(10, 20), self.big_repair(month)))
        return out

    # Money in from sales ---------------------------------------------------------------------
    def sales(self, month: int, start: datetime.date) -> list[tuple]:
        rng = self.random
        out: list[tuple] = []
        if self.kind == "kiosk":
            price = self.tariff_on(Tariff.Kind.PER_JUG, start).amount
            # More jugs in the hot dry months, fewer in the rains.
            busy = 1.3 if start.month in {3, 4, 5} else 0.85 if start.month in {8, 9} else 1.0
            for day in (7, 14, 21, 26):
                jugs = int(rng.randint(160, 320) * busy)
                out.append((day_of(start, day), self.sale(Sale.Product.JUG_20L, jugs, price)))
        elif self.kind == "school" and start.month not in {7, 8}:
            # No classes in July and August: no contributions and few jugs.
            price = self.tariff_on(Tariff.Kind.SCHOOL_FAMILY, start).amount
            families = rng.randint(45, 70)
            out.append(
                (
                    day_of(start, rng.randint(5, 12)),
                    self.sale(Sale.Product.FAMILY_MONTH, families, price),
                )
            )
            jug = self.tariff_on(Tariff.Kind.PER_JUG, start).amount
            out.append(
                (
                    day_of(start, rng.randint(15, 25)),
                    self.sale(Sale.Product.JUG_20L, rng.randint(20, 60), jug),
                )
            )
        return out

    def sale(self, product: str, quantity: int, price: Decimal):
        def act(day):
            self.writer.sale(
                sold_on=day,
                product=product,
                quantity=Decimal(quantity),
                unit_price=price,
                litres=Decimal(quantity * 20) if product == Sale.Product.JUG_20L else None,
                record_id=self.next_id("venta"),
            )

        return act

    # Cash counts and deposits ----------------------------------------------------------------
    def count_and_deposit(self, month: int, start: datetime.date) -> None:
        rng = self.random
        writer = self.writer
        # The month's money moves up to the 26th; the count comes after, the deposit after it,
        # so the count sees what the box held at the end of its day.
        day = day_of(start, 27)
        last_months = month >= MONTHS - 2
        signers = {
            "first_signer": Signer.TREASURER,
            "second_signer": Signer.VIGILANCE if rng.random() < 0.7 else Signer.PRESIDENT,
            "record_id": f"{self.key}-corte-{start:%Y%m}",
        }
        if month in self.shortfalls:
            # The count that did not match: the domain function posts the difference.
            expected = writer.balance(Account.CASH)
            if rng.random() < 0.75:
                counted = max(ZERO, expected - Decimal(rng.choice([20, 30, 50])))
                notes = rng.choice(SHORTFALL_NOTES)
            else:
                counted, notes = expected + Decimal(10), SURPLUS_NOTES[0]
            writer.domain(
                record_cash_count,
                self.provider,
                counted_on=day,
                counted=counted,
                notes=notes,
                **signers,
            )
        elif rng.random() < 0.88 or last_months:
            writer.matching_count(counted_on=day, **signers)
        stopped = self.kind == "committee" and self.index == DEPOSITS_STOP
        if stopped and month >= MONTHS - MONTHS_WITHOUT_DEPOSIT:
            return  # the money stays with the treasurer: the red flag's story
        if not last_months and rng.random() > 0.85:
            return
        deposit_on = day_of(start, rng.randint(28, 30))
        available = writer.balance(Account.CASH) - self.float
        if self.reserve is not None and month % 3 == 2 and available > 1000:
            put_aside = down_to_hundreds(available * Decimal("0.25"))
            self.deposit(self.reserve, put_aside, deposit_on, "reserva")
            available -= put_aside
        amount = down_to_hundreds(available)
        if amount >= HUNDRED:
            self.deposit(self.accounts[0], amount, deposit_on, "cuenta")

    def deposit(self, account: MoneyAccount, amount: Decimal, on: datetime.date, what: str):
        self.writer.deposit(
            account,
            deposited_on=on,
            amount=amount,
            slip_reference=f"{self.random.randint(100000, 999999)}",
            record_id=f"{self.key}-deposito-{what}-{on:%Y%m}",
        )


@transaction.atomic
def build_books(committees: list[Provider], kiosks: list[Provider], schools: list) -> dict:
    """Write the demo's books; returns row counts by kind (``books_…``).

    ``schools`` are the demo's schools: their water committees keep the books.
    """
    school_committees = [school.water_system.provider for school in schools[:BOOK_SCHOOLS]]
    chosen = [
        *(
            (provider, index, "committee")
            for index, provider in enumerate(committees[:BOOK_COMMITTEES])
        ),
        *((provider, index, "kiosk") for index, provider in enumerate(kiosks)),
        *((provider, index, "school") for index, provider in enumerate(school_committees)),
    ]
    counts: dict[str, int] = defaultdict(int)
    for provider, index, kind in chosen:
        for name, value in ProviderBooks(provider, index, kind).build().items():
            counts[f"books_{name}"] += value
    counts["books_providers"] = len(chosen)
    return dict(counts)
