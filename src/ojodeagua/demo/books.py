"""The demo's books: 24 months of padrón, fees, receipts, cash counts, deposits, expenses, sales.

Twelve committees (the treasurer's and the others the NGO facilitator covers), the two kiosks and
two school water committees keep their books in Ojo de Agua from the calendar's first month. Two
stories are planted for the red flags: one committee stops depositing four months before the
calendar's last day while it keeps collecting (``no_deposit_60_days``), and another buys one job
in parts just under its quotes threshold (``expenses_under_threshold``).

Every record is written through the books' own services, as a treasurer's page or phone would
write it: receipts in batches through ``payments.record_payments``, a month's fees through
``charges.generate_charges``, and each expense, sale, deposit, cash count, fine, void, opening
balance and report through its function, each with its audit event. Building the books this way
takes about 30 s of CPU (about 4 s with the bulk writer that kept a second copy of the posting
rules before December 2026); the test suite copies a cached build (``demo/cached.py``). The
padrón, tariffs, exemption rules, money accounts and settings are still created directly.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import transaction

from ojodeagua.audit.trail import save_audited
from ojodeagua.books.cash import (
    opening_balance,
    record_cash_count,
    record_deposit,
    record_expense,
    record_sale,
)
from ojodeagua.books.charges import charge_connection_fee, charge_fine, generate_charges
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
    JournalLine,
    MoneyAccount,
    Payment,
    Sale,
    Signer,
    Tariff,
)
from ojodeagua.books.payments import BATCH_LIMIT, PaymentIn, record_payments, void_payment
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


# The treasurer -----------------------------------------------------------------------------------
MONEY_ACCOUNTS = (Account.CASH, Account.BANK, Account.RESERVE)
# The records counted in ``load-demo``'s summary, by their model's name.
COUNTED = (Charge, Payment, Expense, Sale, Deposit, CashCount)


class Treasurer:
    """A provider's treasurer: every record of its books written through the books' services.

    Receipts wait in a queue and go to ``record_payments`` together, in the order they were
    taken, as a phone sends the receipts it took offline; any other record is written at once
    (``write``), after the receipts taken before it, so the ledger holds the records in the order
    the month lived them. To decide amounts the demo asks what each toma owes (its charges less
    its receipts, added up as they are written) and what cash, bank and reserve hold (read from
    the ledger after the queue is written: the lines of the entries posted since the last read
    are added to what was read before, which is what ``ledger.balances`` adds up from the start).
    """

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        # connection pk → what its charges add up to, less its receipts.
        self.owes: dict[int, Decimal] = defaultdict(lambda: ZERO)
        self.receipts: list[PaymentIn] = []
        self.held = dict.fromkeys(MONEY_ACCOUNTS, ZERO)
        # The last entry whose lines ``held`` counts, and whether entries were posted since.
        self.read_through = 0
        self.posted = True
        self.written: dict[str, int] = defaultdict(int)

    # Money held ------------------------------------------------------------------------------
    def balance(self, account: str) -> Decimal:
        self.flush()
        if self.posted:
            lines = JournalLine.objects.filter(
                entry__provider_id=self.provider.pk,
                entry__sequence__gt=self.read_through,
                account__in=MONEY_ACCOUNTS,
            ).values_list("entry__sequence", "account", "debit", "credit")
            for sequence, name, debit, credit in lines:
                self.held[name] += debit - credit
                self.read_through = max(self.read_through, sequence)
            self.posted = False
        return self.held[account]

    def owed(self, connection: Connection) -> Decimal:
        return self.owes[connection.pk]

    def write(self, service, *args, **kwargs):
        """Call a books service, after the receipts taken before; balances are read anew."""
        self.flush()
        result = service(*args, **kwargs)
        self.posted = True
        for record in result if isinstance(result, list) else [result]:
            if isinstance(record, COUNTED):
                self.written[record._meta.model_name] += 1
            if isinstance(record, Charge):
                self.owes[record.connection_id] += record.amount
        return result

    # Charges ---------------------------------------------------------------------------------
    def month_fees(self, period: datetime.date) -> list[Charge]:
        """The month's fee of every active toma, as the treasurer charges it on the 1st."""
        return self.write(generate_charges, self.provider, period)

    # Receipts --------------------------------------------------------------------------------
    def pay(
        self,
        connection: Connection,
        amount: Decimal,
        paid_on: datetime.date,
        *,
        record_id: str,
        method: str = Payment.Method.CASH,
    ) -> None:
        """A receipt taken: queued for ``record_payments``, which gives it the next number."""
        if len(self.receipts) == BATCH_LIMIT:
            self.flush()
        self.receipts.append(PaymentIn(record_id, amount, paid_on, connection, method))
        self.owes[connection.pk] -= amount

    def void(self, record_id: str, reason: str, on: datetime.date) -> None:
        """Cancel a receipt with ``void_payment``; what it paid is owed again."""
        self.flush()
        payment = Payment.objects.get(provider=self.provider, record_id=record_id)
        self.write(void_payment, payment, reason, None, on)
        self.owes[payment.connection_id] += payment.amount

    def flush(self) -> None:
        """Write the receipts taken so far, all in one call."""
        if not self.receipts:
            return
        receipts, self.receipts = self.receipts, []
        recorded = record_payments(self.provider, receipts)
        self.written["payment"] += len(recorded)
        self.posted = True

    # Cash ------------------------------------------------------------------------------------
    def matching_count(self, **signers) -> CashCount:
        """A cash count that found what the books say: no difference, so no entry."""
        counted = self.balance(Account.CASH)
        return self.write(record_cash_count, self.provider, counted=counted, **signers)


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
        self.treasurer = Treasurer(provider)
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
                # Charged for some months, then suspended (``suspend``), still owing them.
                home.last_month = rng.randint(3, 9)
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
        treasurer = self.treasurer
        treasurer.write(
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
                treasurer.write(
                    publish_report,
                    self.provider,
                    current().month_starts[first],
                    month_end(current().month_starts[last]),
                    day_of(start, rng.randint(5, 15)),
                )
                self.counts["reports"] += 1
            # The month in date order, so the cash the ledger holds is the cash of that day.
            events = self.fees_and_receipts(month, start) if self.kind == "committee" else []
            events += self.sales(month, start) + self.expenses(month, start)
            ordered = sorted(enumerate(events), key=lambda item: (item[1][0], item[0]))
            for _position, (day, action) in ordered:
                action(day)
            self.count_and_deposit(month, start)
        treasurer.flush()
        for model, written in treasurer.written.items():
            self.counts[model] += written
        return {name: value for name, value in self.counts.items() if not name.endswith("_seq")}

    # Fees and receipts -----------------------------------------------------------------------
    def fees_and_receipts(self, month: int, start: datetime.date) -> list[tuple]:
        """The month's fees, charged on its first day; the rest of the month as dated events:
        new connections, fines and the receipts, each amount decided on its day."""
        rng = self.random
        treasurer = self.treasurer
        tariff = self.tariff_on(Tariff.Kind.MONTHLY_FEE, start)
        # Every active toma, from the month it was connected: ``generate_charges`` picks them.
        treasurer.month_fees(start)
        for home in self.homes:
            if home.habit == "never" and home.last_month == month:
                self.suspend(home.connection)
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

    def suspend(self, connection: Connection) -> None:
        """The committee suspends a toma that stopped paying; it still owes its months."""
        connection.status = Connection.Status.SUSPENDED
        save_audited(None, connection, lambda: connection.save(update_fields=["status"]))

    def connection_fee(self, home: Home):
        def act(day):
            self.treasurer.write(
                charge_connection_fee,
                home.connection,
                on=day,
                amount=self.tariff_on(Tariff.Kind.CONNECTION_FEE, day).amount,
                description="Derecho de conexión a la red",
                record_id=f"{self.key}-conexion-{home.connection.code}",
            )

        return act

    def fine(self, home: Home, month: int):
        def act(day):
            self.treasurer.write(
                charge_fine,
                home.connection,
                on=day,
                amount=self.tariff_on(Tariff.Kind.FINE, day).amount,
                description="Falta a la faena",
                record_id=f"{self.key}-multa-{month:02d}-{home.connection.code}",
            )

        return act

    def receipt(self, home: Home, month: int, tariff: Tariff, copied: bool):
        def act(day):
            treasurer = self.treasurer
            amount = self.pays_this_month(home, month, tariff.amount)
            if copied and amount <= ZERO:
                amount = treasurer.owed(home.connection)
            if amount <= ZERO:
                return
            method = Payment.Method.CASH
            if home.habit == "transfer":
                method = Payment.Method.TRANSFER
            connection = home.connection
            treasurer.pay(connection, amount, day, method=method, record_id=self.next_id("pago"))
            if copied and treasurer.owed(connection) == ZERO:
                # The same payment written on two receipts: the copy is cancelled that day.
                copy = self.next_id("pago")
                treasurer.pay(connection, amount, day, method=method, record_id=copy)
                treasurer.void(copy, VOID_DUPLICATE, day)
                self.counts["voids"] += 1

        return act

    def wrong_toma(self, right: Home, wrong: Home):
        """The treasurer wrote the receipt to another toma, cancelled it the next day and wrote
        it again to the right one."""

        def act(day):
            treasurer = self.treasurer
            amount = treasurer.owed(right.connection)
            if amount <= ZERO:
                return
            mistaken = self.next_id("pago")
            treasurer.pay(wrong.connection, amount, day, record_id=mistaken)
            next_day = day + datetime.timedelta(days=1)
            treasurer.void(mistaken, VOID_WRONG_TOMA % {"code": right.connection.code}, next_day)
            self.counts["voids"] += 1
            treasurer.pay(right.connection, amount, next_day, record_id=self.next_id("pago"))

        return act

    def pays_this_month(self, home: Home, month: int, fee: Decimal) -> Decimal:
        """What the household pays this month, after its habit; never more than it owes."""
        rng = self.random
        owed = self.treasurer.owed(home.connection)
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
            short = self.treasurer.balance(Account.CASH) < amount
            self.treasurer.write(
                record_expense,
                self.provider,
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
            treasurer = self.treasurer
            if treasurer.balance(Account.BANK) >= amount:
                paid_from = Expense.PaidFrom.BANK
            elif treasurer.balance(Account.CASH) >= amount:
                paid_from = Expense.PaidFrom.CASH
            else:
                return
            treasurer.write(
                record_expense,
                self.provider,
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
            if self.treasurer.balance(Account.BANK) < amount:
                self.big_repairs.add(month + 1)
                return
            self.treasurer.write(
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
            self.treasurer.write(
                record_sale,
                self.provider,
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
        treasurer = self.treasurer
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
            expected = treasurer.balance(Account.CASH)
            if rng.random() < 0.75:
                counted = max(ZERO, expected - Decimal(rng.choice([20, 30, 50])))
                notes = rng.choice(SHORTFALL_NOTES)
            else:
                counted, notes = expected + Decimal(10), SURPLUS_NOTES[0]
            treasurer.write(
                record_cash_count,
                self.provider,
                counted_on=day,
                counted=counted,
                notes=notes,
                **signers,
            )
        elif rng.random() < 0.88 or last_months:
            treasurer.matching_count(counted_on=day, **signers)
        stopped = self.kind == "committee" and self.index == DEPOSITS_STOP
        if stopped and month >= MONTHS - MONTHS_WITHOUT_DEPOSIT:
            return  # the money stays with the treasurer: the red flag's story
        if not last_months and rng.random() > 0.85:
            return
        deposit_on = day_of(start, rng.randint(28, 30))
        available = treasurer.balance(Account.CASH) - self.float
        if self.reserve is not None and month % 3 == 2 and available > 1000:
            put_aside = down_to_hundreds(available * Decimal("0.25"))
            self.deposit(self.reserve, put_aside, deposit_on, "reserva")
            available -= put_aside
        amount = down_to_hundreds(available)
        if amount >= HUNDRED:
            self.deposit(self.accounts[0], amount, deposit_on, "cuenta")

    def deposit(self, account: MoneyAccount, amount: Decimal, on: datetime.date, what: str):
        self.treasurer.write(
            record_deposit,
            self.provider,
            account=account,
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
