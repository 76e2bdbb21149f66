"""Every money record held against the ledger entry it posted, to find a record changed by hand.

The hash chain proves the entries were not changed; the records beside them (a receipt, an
expense, a deposit…) are what pages and receipts show. Someone with the database file can drop
the append-only triggers and change a record, which no chain would notice: here each record is
compared with its entry (``source="books.<model>:<pk>"``) on what the entry says — the amount,
the date, the accounts, the toma, what a void or a credit reverses — and the records that post
no entry of their own (what a receipt settled, the quotes of an expense) are held to the sums
the verified records make.

Every query returns only the records that disagree, so a municipal office's million records
are checked where they are, not in Python: the kinds written by the hundred (each month's fees,
the receipts) entry by entry in the order they were posted, the others record by record, and
the settlements in two passes that add them up per toma. On PostgreSQL this costs about as much
again as reading the chain (see ``PLANNER_SETTINGS``); ``ledger verify`` runs both at once.
"""

import datetime
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .kept import month_of
from .models import (
    NO_MONTH,
    Account,
    CashCount,
    Charge,
    ChargeMonthTotal,
    Connection,
    Deposit,
    Expense,
    JournalEntry,
    JournalLine,
    MoneyAccount,
    MonthlyTotal,
    OwedCharge,
    PaidMonth,
    PaidStep,
    Payment,
    PaymentAllocation,
    PaymentVoid,
    Quote,
    Sale,
)
from .postings import CHARGE_INCOME, EXPENSE_ACCOUNTS, RECEIVED_INTO

# What an entry can disagree on, in the order a sentence names them.
AMOUNT, DATE, ACCOUNT, TOMA, LINK = "amount", "date", "account", "toma", "link"
FIELDS = (AMOUNT, DATE, ACCOUNT, TOMA, LINK)

ENTRIES = JournalEntry._meta.db_table
LINES = JournalLine._meta.db_table
PAYMENTS = Payment._meta.db_table
VOIDS = PaymentVoid._meta.db_table
CHARGES = Charge._meta.db_table
ALLOCATIONS = PaymentAllocation._meta.db_table
QUOTES = Quote._meta.db_table
EXPENSES = Expense._meta.db_table
TOTALS = MonthlyTotal._meta.db_table


@dataclass(frozen=True)
class Disagreement:
    """The first record of a kind that does not hold, and how many of its kind do not."""

    kind: str
    label: int
    sequence: int | None = None
    fields: tuple[str, ...] = ()
    count: int = 1

    def describe(self) -> str:
        values = {
            "label": self.label,
            "sequence": self.sequence,
            "fields": ", ".join(field_names()[name] for name in self.fields),
        }
        sentence = sentences()[self.kind] % values
        if self.count > 1:
            sentence += ngettext(
                " (y %(count)s registro más así)",
                " (y %(count)s registros más así)",
                self.count - 1,
            ) % {"count": self.count - 1}
        return sentence


def field_names() -> dict[str, str]:
    """What an entry can disagree on, in the active language."""
    return {
        AMOUNT: _("monto"),
        DATE: _("fecha"),
        ACCOUNT: _("cuenta"),
        TOMA: _("toma"),
        LINK: _("a qué se refiere"),
    }


def sentences() -> dict[str, str]:
    """How each kind of record is named when it disagrees, in the active language."""
    return {
        "payment": _("el recibo %(label)s no coincide con su asiento %(sequence)s (%(fields)s)"),
        "void": _(
            "la cancelación del recibo %(label)s no coincide con su asiento %(sequence)s "
            "(%(fields)s)"
        ),
        "charge": _("el cargo %(label)s no coincide con su asiento %(sequence)s (%(fields)s)"),
        "credit": _(
            "la corrección de cargo %(label)s no coincide con su asiento %(sequence)s (%(fields)s)"
        ),
        "expense": _("el gasto %(label)s no coincide con su asiento %(sequence)s (%(fields)s)"),
        "deposit": _("el depósito %(label)s no coincide con su asiento %(sequence)s (%(fields)s)"),
        "cash_count": _(
            "el corte de caja %(label)s no coincide con su asiento %(sequence)s (%(fields)s)"
        ),
        "sale": _("la venta %(label)s no coincide con su asiento %(sequence)s (%(fields)s)"),
        "allocation": _(
            "lo que el recibo %(label)s pagó de cada cargo no cuadra con lo pagado y lo cobrado"
        ),
        "quote": _("las cotizaciones del gasto %(label)s no coinciden con el gasto"),
    }


# The records compared with their entries ---------------------------------------------------------
NAME = re.compile(r"^[a-z_]+$")


def case(column: str, mapping: dict[str, str]) -> str:
    """A SQL CASE that maps a column's stored value to an account, from the posting code's own
    tables (constants of ours, never input)."""
    arms = []
    for value, account in mapping.items():
        assert NAME.match(str(value)) and NAME.match(str(account))
        arms.append(f"WHEN '{value}' THEN '{account}'")
    return f"CASE {column} {' '.join(arms)} END"


@dataclass(frozen=True)
class Posted:
    """How one kind of record posts its entry, as SQL over the record (under ``alias``) and the
    entry ``e`` with its debit line ``dl`` and its credit line ``cl``.

    ``amount`` is debited to ``debit_account`` and credited to ``credit_account``, the toma (if
    any) on the side that says so. ``link`` is whatever else must hold (what a void reverses, a
    sale's total); ``joins`` bring in the rows the expectations read (the voided receipt…).
    """

    kind: str
    model: type
    alias: str
    label: str
    date: str = "1 = 1"
    amount: str = ""
    debit_account: str = "''"
    credit_account: str = "''"
    debit_toma: str = "NULL"
    credit_toma: str = "NULL"
    link: str = "1 = 1"
    joins: str = ""
    # Which rows of the table are this kind (charges and their credits share a table).
    which: str = ""
    # A record's own entry is never a reversal, except a void's or a credit's.
    may_reverse: bool = False
    # The record's committee (a void's is its receipt's).
    provider: str = ""

    @property
    def prefix(self) -> str:
        return f"books.{self.model._meta.model_name}:"

    def flags(self) -> dict[str, str]:
        """Each field as a SQL condition that holds when record and entry agree."""
        amount = self.amount or f"{self.alias}.amount"
        return {
            AMOUNT: f"dl.debit = {amount} AND cl.credit = {amount}",
            DATE: self.date,
            ACCOUNT: f"dl.account = {self.debit_account} AND cl.account = {self.credit_account}",
            TOMA: f"COALESCE(dl.connection_id, 0) = COALESCE({self.debit_toma}, 0) "
            f"AND COALESCE(cl.connection_id, 0) = COALESCE({self.credit_toma}, 0)",
            LINK: self.link,
        }


# Each entry these records post has one debit line and one credit line: the code posts them
# so, and the chain shows they were not changed since. The lines are joined one by one (no
# grouping), and every query returns only the records that disagree, in no order.
SIDES = (
    f"LEFT JOIN {LINES} dl ON dl.entry_id = e.id AND dl.debit > 0 "
    f"LEFT JOIN {LINES} cl ON cl.entry_id = e.id AND cl.credit > 0 "
)


def held(flags: dict[str, str]) -> list[str]:
    """Each field's flag as 1 or 0, never NULL: a NULL (a side missing, a sale's total that is
    not its quantity times its price) must count as a disagreement."""
    return [f"CASE WHEN {flags[field]} THEN 1 ELSE 0 END" for field in FIELDS]


def disagrees(flags: dict[str, str]) -> str:
    """The condition of a record that disagrees, stopping at the first field that does (a NULL
    counts as disagreeing)."""
    return f"NOT COALESCE({' AND '.join(f'({flags[field]})' for field in FIELDS)}, FALSE)"


def entries_sql(posted: "Posted") -> str:
    """For the kinds a committee writes by the hundred (each month's fees, the receipts), the
    provider's entries of that kind in the order they were posted, each joined to the record its
    source names: the entries whose record disagrees, as (sequence, kind, label, flags…).

    Read in sequence order, an entry's lines and its record sit next to the previous one's: a
    municipal office's half a million receipts are read about as fast as the chain's own check
    reads their entries.
    """
    # What a reversal reverses is joined only record by record.
    assert not posted.may_reverse
    prefix = posted.prefix
    number = f"substr(e.source, {len(prefix) + 1})"
    record = f"CAST({number} AS BIGINT)"
    if connection.vendor == "postgresql":
        # A source that is not a number would stop the cast; only a changed (and so already
        # named) entry could carry one.
        record = f"CASE WHEN {number} ~ '^[0-9]{{1,18}}$' THEN {record} END"
    flags = held(posted.flags())
    which = f"AND {posted.which}" if posted.which else ""
    return (
        f"SELECT e.sequence, '{posted.kind}', {posted.label}, {', '.join(flags)} "
        f"FROM {ENTRIES} e "
        f"JOIN {posted.model._meta.db_table} {posted.alias} ON {posted.alias}.id = {record} "
        f"{which} {posted.joins} {SIDES}"
        f"WHERE e.provider_id = %s AND e.sequence > 0 "
        f"AND substr(e.source, 1, {len(prefix)}) = '{prefix}' AND e.reverses_id IS NULL "
        f"AND {disagrees(posted.flags())}"
    )


def records_sql(posted: "Posted") -> str:
    """For the kinds written now and then (a void, an expense, a deposit…), each record of the
    provider joined to its entry by source: the records that disagree, as above."""
    provider = posted.provider or f"{posted.alias}.provider_id"
    flags = held(posted.flags())
    own = "" if posted.may_reverse else "AND e.reverses_id IS NULL"
    which = f"AND {posted.which}" if posted.which else ""
    return (
        f"SELECT e.sequence, '{posted.kind}', {posted.label}, {', '.join(flags)} "
        f"FROM {posted.model._meta.db_table} {posted.alias} {posted.joins} "
        f"JOIN {ENTRIES} e ON e.provider_id = {provider} "
        f"AND e.source = '{posted.prefix}' || CAST({posted.alias}.id AS TEXT) {own} "
        f"LEFT JOIN {ENTRIES} reversed ON reversed.id = e.reverses_id {SIDES}"
        f"WHERE {provider} = %s {which} AND {disagrees(posted.flags())}"
    )


def reverses(model: type, column: str) -> str:
    """The entry, when it is a reversal, reverses the entry of the record in ``column``."""
    return (
        f"(e.reverses_id IS NULL OR reversed.source = "
        f"'books.{model._meta.model_name}:' || CAST({column} AS TEXT))"
    )


def postings() -> list[Posted]:
    receivable_or_other = (
        f"CASE WHEN {{toma}} IS NULL THEN '{Account.INCOME_OTHER}' ELSE '{Account.RECEIVABLE}' END"
    )
    return [
        Posted(
            "payment",
            Payment,
            "pay",
            label="pay.receipt_number",
            date="e.entry_date = pay.paid_on",
            debit_account=case("pay.method", RECEIVED_INTO),
            credit_account=receivable_or_other.format(toma="pay.connection_id"),
            credit_toma="pay.connection_id",
            link="pay.provider_id = e.provider_id",
        ),
        Posted(
            "void",
            PaymentVoid,
            "vd",
            joins=f"LEFT JOIN {PAYMENTS} vp ON vp.id = vd.payment_id",
            label="vp.receipt_number",
            provider="vp.provider_id",
            date="e.entry_date = vd.voided_on",
            amount="vp.amount",
            debit_account=receivable_or_other.format(toma="vp.connection_id"),
            credit_account=case("vp.method", RECEIVED_INTO),
            debit_toma="vp.connection_id",
            link="vp.provider_id = e.provider_id AND " + reverses(Payment, "vd.payment_id"),
            may_reverse=True,
        ),
        Posted(
            "charge",
            Charge,
            "ch",
            which=f"ch.kind <> '{Charge.Kind.CREDIT}'",
            label="ch.id",
            date=f"{month_of('e.entry_date')} = ch.period",
            debit_account=f"'{Account.RECEIVABLE}'",
            credit_account=case("ch.kind", CHARGE_INCOME),
            debit_toma="ch.connection_id",
            link="ch.provider_id = e.provider_id",
        ),
        # A credit keeps the month and toma of the charge it corrects; its entry (a reversal of
        # that charge's entry, or a partial one) moves the income back out of the receivable.
        Posted(
            "credit",
            Charge,
            "cr",
            which=f"cr.kind = '{Charge.Kind.CREDIT}'",
            joins=f"LEFT JOIN {CHARGES} co ON co.id = cr.corrects_id",
            label="cr.id",
            # Computed amounts are rounded: SQLite keeps money as floating point.
            amount="ROUND(-cr.amount, 2)",
            debit_account=case("co.kind", CHARGE_INCOME),
            credit_account=f"'{Account.RECEIVABLE}'",
            credit_toma="cr.connection_id",
            link="cr.provider_id = e.provider_id AND co.provider_id = cr.provider_id "
            "AND co.period = cr.period AND co.connection_id = cr.connection_id AND "
            + reverses(Charge, "cr.corrects_id"),
            may_reverse=True,
        ),
        Posted(
            "expense",
            Expense,
            "ex",
            label="ex.id",
            date="e.entry_date = ex.spent_on",
            debit_account=case("ex.category", EXPENSE_ACCOUNTS),
            credit_account=case(
                "ex.paid_from",
                {Expense.PaidFrom.CASH: Account.CASH, Expense.PaidFrom.BANK: Account.BANK},
            ),
            link="ex.provider_id = e.provider_id",
        ),
        Posted(
            "deposit",
            Deposit,
            "dp",
            joins=f"LEFT JOIN {MoneyAccount._meta.db_table} ma ON ma.id = dp.account_id",
            label="dp.id",
            date="e.entry_date = dp.deposited_on",
            debit_account=(
                f"CASE WHEN ma.is_reserve THEN '{Account.RESERVE}' ELSE '{Account.BANK}' END"
            ),
            credit_account=f"'{Account.CASH}'",
            link="dp.provider_id = e.provider_id AND ma.provider_id = dp.provider_id",
        ),
        # Only a difference is posted: a shortfall as an expense, a surplus as income.
        Posted(
            "cash_count",
            CashCount,
            "cc",
            label="cc.id",
            date="e.entry_date = cc.counted_on",
            amount="ROUND(ABS(cc.counted - cc.expected), 2)",
            debit_account=(
                f"CASE WHEN cc.counted < cc.expected THEN '{Account.EXPENSE_OTHER}' "
                f"ELSE '{Account.CASH}' END"
            ),
            credit_account=(
                f"CASE WHEN cc.counted < cc.expected THEN '{Account.CASH}' "
                f"ELSE '{Account.INCOME_OTHER}' END"
            ),
            link="cc.provider_id = e.provider_id",
        ),
        Posted(
            "sale",
            Sale,
            "sa",
            label="sa.id",
            date="e.entry_date = sa.sold_on",
            debit_account=f"'{Account.CASH}'",
            credit_account=f"'{Account.INCOME_SALES}'",
            # The total is the quantity times the price, as it was recorded.
            amount="CASE WHEN ROUND(sa.quantity * sa.unit_price, 2) = sa.amount "
            "THEN sa.amount ELSE NULL END",
            link="sa.provider_id = e.provider_id",
        ),
    ]


# Read entry by entry; every other kind, record by record.
BY_THE_HUNDRED = ("payment", "charge")


def _against_entries(cursor, provider_id: int) -> list[Disagreement]:
    """The first record of each kind that disagrees with its entry, in the order of kinds."""
    kinds = postings()
    statements = [
        entries_sql(posted) if posted.kind in BY_THE_HUNDRED else records_sql(posted)
        for posted in kinds
    ]
    by_kind: dict[str, list[tuple]] = {}
    for statement in statements:
        cursor.execute(statement, [provider_id])
        for sequence, kind, label, *flags in cursor.fetchall():
            by_kind.setdefault(kind, []).append((label, sequence, flags))
    found = []
    for posted in kinds:
        rows = sorted(by_kind.get(posted.kind, []))
        if rows:
            label, sequence, flags = rows[0]
            fields = tuple(name for name, flag in zip(FIELDS, flags, strict=True) if not flag)
            count = len({row[0] for row in rows})
            found.append(Disagreement(posted.kind, label, sequence, fields, count))
    return found


# What posts no entry of its own ------------------------------------------------------------------
VOIDED = f"EXISTS (SELECT 1 FROM {VOIDS} v WHERE v.payment_id = p.id)"
CENT = Decimal("0.01")


def cents(value) -> Decimal:
    """A sum as the database gives it (a float on SQLite) to the cent."""
    return Decimal(str(value or 0)).quantize(CENT)


def fence() -> str:
    """Keeps PostgreSQL from folding a subquery into the query around it, which would work out
    each of its per-row sums once for every place the outer query names it."""
    return " OFFSET 0" if connection.vendor == "postgresql" else ""


def settled_by_receipts_sql() -> str:
    """Per toma, from the receipts' side: what live receipts paid, what they settled, and how
    many receipts settled more than their amount."""
    per_receipt = (
        f"SELECT p.connection_id, p.amount, "
        f"CASE WHEN {VOIDED} THEN 0 ELSE 1 END AS live, "
        f"COALESCE((SELECT SUM(a.amount) FROM {ALLOCATIONS} a WHERE a.payment_id = p.id), 0) "
        f"AS settled FROM {PAYMENTS} p WHERE p.provider_id = %s{fence()}"
    )
    return (
        f"SELECT x.connection_id, SUM(x.live * x.amount), SUM(x.live * x.settled), "
        f"SUM(CASE WHEN ROUND(x.settled, 2) > x.amount THEN 1 ELSE 0 END) "
        f"FROM ({per_receipt}) x GROUP BY x.connection_id"
    )


def settled_on_charges_sql() -> str:
    """Per toma, from the charges' side: what it was charged (credits are negative charges),
    what live receipts settled of its charges, and how many charges were settled beyond what
    they ask less their credit, or settled at all if they are a credit.

    A charge and its credit are one family (the credit points at the charge): the family's net
    is what may be settled of it.
    """
    live_settled = (
        f"SELECT SUM(a.amount) FROM {ALLOCATIONS} a WHERE a.charge_id = c.id AND NOT EXISTS "
        f"(SELECT 1 FROM {VOIDS} v WHERE v.payment_id = a.payment_id)"
    )
    per_charge = (
        f"SELECT COALESCE(c.corrects_id, c.id) AS family, c.connection_id, c.amount, c.kind, "
        f"COALESCE(({live_settled}), 0) AS settled "
        f"FROM {CHARGES} c WHERE c.provider_id = %s{fence()}"
    )
    per_family = (
        f"SELECT x.family, MAX(x.connection_id) AS connection_id, SUM(x.amount) AS net, "
        f"SUM(x.settled) AS settled, SUM(CASE WHEN x.kind = '{Charge.Kind.CREDIT}' "
        f"AND x.settled > 0 THEN 1 ELSE 0 END) AS settled_credits "
        f"FROM ({per_charge}) x GROUP BY x.family"
    )
    return (
        f"SELECT f.connection_id, SUM(f.net), SUM(f.settled), "
        f"SUM(CASE WHEN ROUND(f.settled, 2) > ROUND(f.net, 2) OR f.settled_credits > 0 "
        f"THEN 1 ELSE 0 END) FROM ({per_family}) f GROUP BY f.connection_id"
    )


def unsettled_tomas(cursor, provider_id: int) -> list[int | None]:
    """Tomas whose settlements do not hold (None: the receipts without a toma).

    A settlement joins a receipt to a charge of the same toma; a receipt settles at most its
    amount and a charge at most what it asks less its credit. And because the books settle
    every open charge with any money a toma paid ahead, a toma never has both: what its live
    receipts settled is the lesser of what it was charged and what it paid. Both sides are
    added up per toma (two passes, one over the receipts and one over the charges) and held
    to each other and to that rule.
    """
    cursor.execute(settled_by_receipts_sql(), [provider_id])
    by_receipts = {row[0]: row[1:] for row in cursor.fetchall()}
    cursor.execute(settled_on_charges_sql(), [provider_id])
    on_charges = {row[0]: row[1:] for row in cursor.fetchall()}
    wrong = []
    for toma in by_receipts.keys() | on_charges.keys():
        paid, settled, over_paid = by_receipts.get(toma, (0, 0, 0))
        charged, settled_on_charges, over_charged = on_charges.get(toma, (0, 0, 0))
        paid, settled, charged = cents(paid), cents(settled), cents(charged)
        if (
            over_paid
            or over_charged
            or settled != cents(settled_on_charges)
            or settled != min(charged, paid)
        ):
            wrong.append(toma)
    return wrong


def receipts_of_tomas(cursor, provider_id: int, tomas: list[int | None]) -> set[int]:
    """For each toma whose settlements do not hold, the receipt to name: one that settled another
    toma's charge (or anything, without a toma) or more than its amount, else a live one with
    money it did not settle (a settlement went missing), else its latest."""
    if not tomas:
        return set()
    known = [toma for toma in tomas if toma is not None]
    which = []
    if known:
        which.append(f"p.connection_id IN ({', '.join(['%s'] * len(known))})")
    if None in tomas:
        which.append("p.connection_id IS NULL")
    cursor.execute(
        f"SELECT p.connection_id, p.receipt_number, p.amount, COALESCE(SUM(a.amount), 0), "
        f"CASE WHEN {VOIDED} THEN 0 ELSE 1 END "
        f"FROM {PAYMENTS} p LEFT JOIN {ALLOCATIONS} a ON a.payment_id = p.id "
        f"WHERE p.provider_id = %s AND ({' OR '.join(which)}) "
        f"GROUP BY p.id, p.connection_id, p.receipt_number, p.amount",
        [provider_id, *known],
    )
    receipts = cursor.fetchall()
    cursor.execute(
        f"SELECT DISTINCT p.receipt_number FROM {PAYMENTS} p "
        f"JOIN {ALLOCATIONS} a ON a.payment_id = p.id JOIN {CHARGES} c ON c.id = a.charge_id "
        f"WHERE p.provider_id = %s AND ({' OR '.join(which)}) AND (p.connection_id IS NULL "
        f"OR c.connection_id <> p.connection_id OR c.provider_id <> p.provider_id "
        f"OR c.kind = '{Charge.Kind.CREDIT}')",
        [provider_id, *known],
    )
    misplaced = {row[0] for row in cursor.fetchall()}
    ranked: dict[int | None, tuple] = {}
    for toma, number, amount, settled, live in receipts:
        amount, settled = cents(amount), cents(settled)
        if number in misplaced or settled > amount:
            rank = (0, number)
        elif toma is not None and live and settled < amount:
            rank = (1, number)
        else:
            rank = (2, -number)
        if toma not in ranked or rank < ranked[toma]:
            ranked[toma] = rank
    return {abs(number) for _order, number in ranked.values()}


def quote_sql() -> str:
    """Expenses whose quotes do not have exactly one chosen, for the amount of the expense."""
    return (
        f"SELECT x.id FROM {EXPENSES} x JOIN {QUOTES} q ON q.expense_id = x.id "
        f"WHERE x.provider_id = %s GROUP BY x.id, x.amount "
        f"HAVING SUM(CASE WHEN q.chosen THEN 1 ELSE 0 END) <> 1 "
        f"OR ROUND(SUM(CASE WHEN q.chosen THEN q.amount ELSE 0 END), 2) <> ROUND(x.amount, 2) "
        f"ORDER BY x.id"
    )


def _labels(cursor, statement: str, provider_id: int) -> set:
    cursor.execute(statement, [provider_id] * statement.count("%s"))
    return {row[0] for row in cursor.fetchall()}


def _settlements(cursor, provider_id: int) -> Disagreement | None:
    tomas = unsettled_tomas(cursor, provider_id)
    if not tomas:
        return None
    # A toma whose receipts are all another committee's (a settlement moved across) still
    # counts, under the number of its tomas.
    labels = receipts_of_tomas(cursor, provider_id, tomas) or {0}
    return Disagreement("allocation", min(labels), count=max(len(labels), len(tomas)))


def _quotes(cursor, provider_id: int) -> Disagreement | None:
    labels = _labels(cursor, quote_sql(), provider_id)
    return Disagreement("quote", min(labels), count=len(labels)) if labels else None


# Every query here walks one provider's rows through an index, in the order they were written,
# and probes the rows each one names. With its default costs (random reads priced as on a
# spinning disk) PostgreSQL reads and hashes whole tables, every provider's rows, instead: on
# the state-wide benchmark that made a municipal office's check several times slower. And
# compiling these queries (JIT) costs more than running them.
PLANNER_SETTINGS = {
    "jit": "off",
    "random_page_cost": "1.1",
    "enable_hashjoin": "off",
    "enable_mergejoin": "off",
}


@contextmanager
def planned(cursor) -> Iterator[None]:
    """PLANNER_SETTINGS for the queries run inside, put back as they were after: a caller's
    transaction (a page's, a test's) keeps its own."""
    if connection.vendor != "postgresql":
        yield
        return
    names = list(PLANNER_SETTINGS)
    cursor.execute(f"SELECT {', '.join(['current_setting(%s)'] * len(names))}", names)
    before = cursor.fetchone()
    for name, value in PLANNER_SETTINGS.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    yield
    # Not reached after an error: the savepoint's rollback undoes the settings then.
    for name, value in zip(names, before, strict=True):
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


@contextmanager
def reading() -> Iterator:
    """A cursor for these checks: on PostgreSQL in a transaction holding PLANNER_SETTINGS; on
    SQLite outside one, which would take the write lock and keep payments waiting while we
    read."""
    postgresql = connection.vendor == "postgresql"
    with (
        transaction.atomic() if postgresql else nullcontext(),
        connection.cursor() as cursor,
        planned(cursor),
    ):
        yield cursor


def against_entries(provider_id: int) -> list[Disagreement]:
    """The first record of each kind that disagrees with its own entry."""
    with reading() as cursor:
        return _against_entries(cursor, provider_id)


def settlements(provider_id: int) -> Disagreement | None:
    """The first receipt whose settlements do not hold, if any."""
    with reading() as cursor:
        return _settlements(cursor, provider_id)


def quotes(provider_id: int) -> Disagreement | None:
    """The first expense whose quotes do not hold, if any."""
    with reading() as cursor:
        return _quotes(cursor, provider_id)


# The monthly totals against the lines they sum -------------------------------------------------
@dataclass(frozen=True)
class TotalDisagreement:
    """The first monthly total (by month, then account) that is not the sum of its lines, and
    how many do not hold."""

    month: datetime.date
    account: str
    count: int = 1

    def describe(self) -> str:
        values = {
            "month": self.month.strftime("%m/%Y"),
            "account": dict(Account.choices).get(self.account, self.account),
        }
        sentence = _("el total de %(month)s de la cuenta %(account)s no coincide con sus asientos")
        sentence %= values
        if self.count > 1:
            sentence += ngettext(
                " (y %(count)s total más así)", " (y %(count)s totales más así)", self.count - 1
            ) % {"count": self.count - 1}
        return sentence


def totals_sql() -> str:
    """The provider's (account, month) pairs whose total is not what its lines add up to: each
    total less its month's lines, grouped, and only the pairs left with something. A total with
    no lines, or lines with no total, are caught the same way."""
    return (
        f"SELECT x.account, x.month, COUNT(*) OVER () FROM ("
        f"SELECT t.account, t.month, t.debit AS d, t.credit AS c FROM {TOTALS} t "
        f"WHERE t.provider_id = %s UNION ALL "
        f"SELECT l.account, {month_of('e.entry_date')}, -SUM(l.debit), -SUM(l.credit) "
        f"FROM {LINES} l JOIN {ENTRIES} e ON e.id = l.entry_id WHERE e.provider_id = %s "
        f"GROUP BY l.account, {month_of('e.entry_date')}"
        f") x GROUP BY x.account, x.month "
        f"HAVING ROUND(SUM(x.d), 2) <> 0 OR ROUND(SUM(x.c), 2) <> 0 "
        f"ORDER BY x.month, x.account LIMIT 1"
    )


def monthly_totals(provider_id: int) -> TotalDisagreement | None:
    """The first monthly total that does not hold, if any (one grouped pass over the lines).

    Under PLANNER_SETTINGS: a provider's lines are a small share of the table, found through
    its entries (by provider) and their lines (by entry). Left to itself PostgreSQL hashes the
    whole lines table instead: 6.9 s for the 1-million-entry office against 1.5 s
    (``benchmarks/books_state.py``, 6 Dec 2026).
    """
    with reading() as cursor:
        cursor.execute(totals_sql(), [provider_id, provider_id])
        row = cursor.fetchone()
    if row is None:
        return None
    account, month, count = row
    if isinstance(month, str):
        month = datetime.date.fromisoformat(month)
    return TotalDisagreement(month, account, count)


# When a record of these kinds disagrees with its entry, it is what was changed: the sums that
# settlements (and quotes) are held to say nothing more.
SETTLEMENTS_STAND_ON = frozenset({"payment", "void", "charge", "credit"})
QUOTES_STAND_ON = frozenset({"expense"})


def still_telling(own: list[Disagreement], stands_on: frozenset[str]) -> bool:
    """Whether a check of sums still says something beside the records' own disagreements."""
    return not {first.kind for first in own} & stands_on


def combined(
    own: list[Disagreement], settled: Disagreement | None, quoted: Disagreement | None
) -> list[Disagreement]:
    """What to report of the three checks, in order."""
    found = list(own)
    if settled is not None and still_telling(own, SETTLEMENTS_STAND_ON):
        found.append(settled)
    if quoted is not None and still_telling(own, QUOTES_STAND_ON):
        found.append(quoted)
    return found


def disagreements(provider_id: int) -> list[Disagreement]:
    """The first record of each kind that disagrees with the ledger (receipts first, quotes
    last); an empty list when every record holds. ``verify_books`` runs the same checks on
    connections of their own at once."""
    own = against_entries(provider_id)
    settled = settlements(provider_id) if still_telling(own, SETTLEMENTS_STAND_ON) else None
    quoted = quotes(provider_id) if still_telling(own, QUOTES_STAND_ON) else None
    return combined(own, settled, quoted)


# The charges' kept figures against the records they sum ----------------------------------------
CHARGE_TOTALS = ChargeMonthTotal._meta.db_table
OWED = OwedCharge._meta.db_table
LIVE = f"NOT EXISTS (SELECT 1 FROM {VOIDS} v WHERE v.payment_id = a.payment_id)"


def and_more(sentence: str, count: int) -> str:
    """A kept figure's finding, with how many more like it were found (``count`` in all)."""
    if count > 1:
        sentence += ngettext(
            " (y %(count)s cifra más así)", " (y %(count)s cifras más así)", count - 1
        ) % {"count": count - 1}
    return sentence


@dataclass(frozen=True)
class KeptDisagreement:
    """The first kept figure of the charges that is not what its records add up to: a month's
    charges total (``charge`` None) or what is left of one charge; and how many do not hold."""

    month: datetime.date
    charge: int | None = None
    count: int = 1

    def describe(self) -> str:
        values = {"month": self.month.strftime("%m/%Y"), "charge": self.charge}
        if self.charge is None:
            sentence = _("el total de los cargos de %(month)s no coincide con los cargos del mes")
        else:
            sentence = _(
                "lo que queda por pagar del cargo %(charge)s (%(month)s) no coincide con el "
                "cargo y sus pagos"
            )
        return and_more(sentence % values, self.count)


def charge_totals_sql() -> str:
    """The provider's charge months whose kept total is not what its charges add up to (a
    total missing, or one with no charges, too)."""
    return (
        f"SELECT x.month, COUNT(*) OVER () FROM ("
        f"SELECT t.month, t.charged AS c FROM {CHARGE_TOTALS} t WHERE t.provider_id = %s "
        f"UNION ALL SELECT c.period, -SUM(c.amount) FROM {CHARGES} c WHERE c.provider_id = %s "
        f"GROUP BY c.period"
        f") x GROUP BY x.month HAVING ROUND(SUM(x.c), 2) <> 0 ORDER BY x.month LIMIT 1"
    )


def owed_sql() -> str:
    """The provider's charges whose kept unpaid part is not the charge less its live
    allocations and its credit (a charge with something left and no row, or a row for a charge
    paid up, too; and a row moved to another toma or month). Each part is read on its own,
    through the provider's charges, and added up per charge: no table is read whole."""
    return (
        f"SELECT x.charge_id, x.period, COUNT(*) OVER () FROM ("
        f"SELECT o.charge_id, o.connection_id, o.period, o.unpaid AS u FROM {OWED} o "
        f"WHERE o.provider_id = %s UNION ALL "
        f"SELECT c.id, c.connection_id, c.period, -c.amount FROM {CHARGES} c "
        f"WHERE c.provider_id = %s AND c.kind <> 'credit' UNION ALL "
        f"SELECT r.corrects_id, r.connection_id, r.period, -r.amount FROM {CHARGES} r "
        f"WHERE r.provider_id = %s AND r.kind = 'credit' UNION ALL "
        f"SELECT c.id, c.connection_id, c.period, a.amount FROM {CHARGES} c "
        f"JOIN {ALLOCATIONS} a ON a.charge_id = c.id WHERE c.provider_id = %s AND {LIVE}"
        f") x GROUP BY x.charge_id, x.connection_id, x.period HAVING ROUND(SUM(x.u), 2) <> 0 "
        f"ORDER BY x.period, x.charge_id LIMIT 1"
    )


def kept_figures(provider_id: int) -> list["KeptDisagreement | PaidDisagreement"]:
    """The first charge month total and the first charge's unpaid part that do not hold, if
    any (two grouped passes over the charges, the second with their allocations); then the
    first toma's paid month and the first step of the households that do not hold
    (``paid_figures``)."""
    return charge_figures(provider_id) + paid_figures(provider_id)


def charge_figures(provider_id: int) -> list[KeptDisagreement]:
    """The first charge month total and the first charge's unpaid part that do not hold."""
    found = []
    # Under PLANNER_SETTINGS: the allocations have no provider, so a hash join would read every
    # provider's; through the provider's charges and their index they are probed one by one.
    with reading() as cursor:
        cursor.execute(charge_totals_sql(), [provider_id] * 2)
        if row := cursor.fetchone():
            month, count = row
            found.append(KeptDisagreement(_a_date(month), None, count))
        cursor.execute(owed_sql(), [provider_id] * 4)
        if row := cursor.fetchone():
            charge, month, count = row
            found.append(KeptDisagreement(_a_date(month), charge, count))
    return found


def _a_date(value) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


# Who paid when against the receipts ------------------------------------------------------------
PAID = PaidMonth._meta.db_table
STEPS = PaidStep._meta.db_table
TOMAS = Connection._meta.db_table
LIVE_RECEIPT = f"NOT EXISTS (SELECT 1 FROM {VOIDS} v WHERE v.payment_id = p.id)"


@dataclass(frozen=True)
class PaidDisagreement:
    """The first kept count of who paid when that is not what the receipts say: a toma's live
    receipts of a month (``toma`` its code), or the households that paid in a month after last
    paying in ``previous`` (``NO_MONTH``: never before); and how many do not hold."""

    month: datetime.date
    toma: str | None = None
    previous: datetime.date | None = None
    count: int = 1

    def describe(self) -> str:
        values = {"month": self.month.strftime("%m/%Y"), "toma": self.toma}
        if self.toma is not None:
            sentence = _("los recibos de la toma %(toma)s en %(month)s no coinciden con sus pagos")
        elif self.previous == NO_MONTH:
            sentence = _(
                "los hogares que pagaron por primera vez en %(month)s no coinciden con sus pagos"
            )
        else:
            values["previous"] = self.previous.strftime("%m/%Y")
            sentence = _(
                "los hogares que pagaron en %(month)s, la vez anterior en %(previous)s, no "
                "coinciden con sus pagos"
            )
        return and_more(sentence % values, self.count)


def paid_months_sql() -> str:
    """The provider's (toma, month) pairs whose kept receipts are not its live receipts (a row
    missing, or one with none, too; a row at zero and no row say the same)."""
    month = month_of("p.paid_on")
    return (
        f"SELECT x.connection_id, x.month, COUNT(*) OVER () FROM ("
        f"SELECT k.connection_id, k.month, k.receipts AS r FROM {PAID} k "
        f"WHERE k.provider_id = %s UNION ALL "
        f"SELECT p.connection_id, {month}, -COUNT(*) FROM {PAYMENTS} p "
        f"WHERE p.provider_id = %s AND p.connection_id IS NOT NULL AND {LIVE_RECEIPT} "
        f"GROUP BY p.connection_id, {month}"
        f") x GROUP BY x.connection_id, x.month HAVING SUM(x.r) <> 0 "
        f"ORDER BY x.month, x.connection_id LIMIT 1"
    )


def paid_steps_sql() -> str:
    """The provider's steps (month, previous) whose kept households are not what the live
    receipts of the households' tomas make of them (the receipts themselves, not the kept
    paid months: both tables are held to the records)."""
    month = month_of("p.paid_on")
    from_receipts = (
        f"SELECT t.household_id, {month} AS month FROM {PAYMENTS} p "
        f"JOIN {TOMAS} t ON t.id = p.connection_id "
        f"WHERE p.provider_id = %s AND t.household_id IS NOT NULL AND {LIVE_RECEIPT}"
    )
    return (
        f"SELECT x.month, x.previous, COUNT(*) OVER () FROM ("
        f"SELECT k.month, k.previous, k.households AS n FROM {STEPS} k "
        f"WHERE k.provider_id = %s UNION ALL "
        f"SELECT s.month, s.previous, -COUNT(*) FROM ("
        f"SELECT m.month, COALESCE(LAG(m.month) OVER "
        f"(PARTITION BY m.household_id ORDER BY m.month), %s) AS previous FROM ("
        f"SELECT DISTINCT r.household_id, r.month FROM ({from_receipts}) r) m) s "
        f"GROUP BY s.month, s.previous"
        f") x GROUP BY x.month, x.previous HAVING SUM(x.n) <> 0 "
        f"ORDER BY x.month, x.previous LIMIT 1"
    )


def paid_figures(provider_id: int) -> list[PaidDisagreement]:
    """The first toma's paid month and the first households' step that do not hold, if any
    (two grouped passes over the provider's receipts, the second with their tomas).

    Not under PLANNER_SETTINGS: the receipts and the tomas are both read by provider, whole,
    which is what hash joins are for (measured: 2.4 s for the big office with hash joins, 3.2 s
    without)."""
    found = []
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic() if postgresql else nullcontext(), connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SELECT set_config('jit', 'off', true)")
        cursor.execute(paid_months_sql(), [provider_id] * 2)
        month_row = cursor.fetchone()
        cursor.execute(paid_steps_sql(), [provider_id, NO_MONTH, provider_id])
        step_row = cursor.fetchone()
    if month_row:
        toma, month, count = month_row
        code = Connection.objects.filter(pk=toma).values_list("code", flat=True).first()
        found.append(PaidDisagreement(_a_date(month), code or str(toma), None, count))
    if step_row:
        month, previous, count = step_row
        found.append(PaidDisagreement(_a_date(month), None, _a_date(previous), count))
    return found


# What the kept figures add up stands on these records: when one of them disagrees with its
# entry or its settlements, its kept figures disagree too, and the record is what to look at.
KEPT_STAND_ON = SETTLEMENTS_STAND_ON | {"allocation"}


def kept_problems(found: list[Disagreement], kept: list[KeptDisagreement]) -> list[str]:
    """The kept figures that do not hold, in sentences beside the records' disagreements
    (``found``), while those say nothing of the records the figures add up."""
    return [first.describe() for first in kept] if still_telling(found, KEPT_STAND_ON) else []
