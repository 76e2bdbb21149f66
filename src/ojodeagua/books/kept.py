"""The figures the posting code keeps beside the records, in the same transaction: what was
charged per charge month (``ChargeMonthTotal``) and what is left unpaid of each charge
(``OwedCharge``). What was collected of a month's charges is what was charged less what is left
of them, so a receipt or a void moves one kept figure, not two.

Beside them, who paid when: the live receipts of each toma per month (``PaidMonth``) and, per
provider, how many households paid in a month after last paying in another (``PaidStep``), from
which the households that paid in any run of whole months are read in a few hundred rows. A
receipt or a void of a toma with a household re-steps that household (its steps taken off
before, added again after: three statements a batch); a toma moved to another household
re-steps both (``moving_tomas``).

Every charge, allocation of a payment and void is inserted through ``postings.create_audited``
or ``create_all_audited``, which hand the new rows here; nothing else writes these tables but the
migration that filled them from the records already there (``rebuild`` does the same, for data
loaded behind the application's back). Money is never edited in place, so the figures only move
by what a new record adds. ``ojodeagua ledger verify`` holds them to the records they sum
(``record_checks.kept_totals`` and ``record_checks.owed_charges``).
"""

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection
from django.db.models import Model, Sum

from . import ledger
from .models import (
    NO_MONTH,
    ZERO,
    Charge,
    ChargeMonthTotal,
    Connection,
    OwedCharge,
    PaidMonth,
    PaidStep,
    Payment,
    PaymentAllocation,
    PaymentVoid,
)

TOTALS = ChargeMonthTotal._meta.db_table
OWED = OwedCharge._meta.db_table
VOIDS = PaymentVoid._meta.db_table
PAID = PaidMonth._meta.db_table
STEPS = PaidStep._meta.db_table
TOMAS = Connection._meta.db_table
PAYMENTS = Payment._meta.db_table


def add(instances: Iterable[Model]) -> None:
    """Count new records in the kept figures; records of other kinds are left alone."""
    rows = list(instances)
    if not rows:
        return
    first = rows[0]
    if isinstance(first, Charge):
        add_charges(rows)
    elif isinstance(first, Payment):
        add_receipts(rows)
    elif isinstance(first, PaymentAllocation):
        add_allocations(rows)
    elif isinstance(first, PaymentVoid):
        for void in rows:
            add_void(void)
        add_receipts([void.payment for void in rows], -1)


def add_charges(charges: list[Charge]) -> None:
    """A charge is charged for its month and owed in full; a credit (a correction) takes its
    amount off both, the owed part of the charge it corrects."""
    charged: dict[tuple[int, datetime.date], Decimal] = {}
    owed: dict[int, tuple[int, int, datetime.date, Decimal]] = {}
    for charge in charges:
        key = (charge.provider_id, charge.period)
        charged[key] = charged.get(key, ZERO) + charge.amount
        target = charge.corrects_id if charge.kind == Charge.Kind.CREDIT else charge.pk
        _add_owed(owed, target, charge, charge.amount)
    _add_totals(charged)
    _add_to_owed(owed)


def add_allocations(allocations: list[PaymentAllocation]) -> None:
    """What a payment settled of each charge is no longer owed (and so collected)."""
    owed: dict[int, tuple[int, int, datetime.date, Decimal]] = {}
    for allocation in allocations:
        charge = allocation.charge
        _add_owed(owed, charge.pk, charge, -allocation.amount)
    _add_to_owed(owed)


def add_void(void: PaymentVoid) -> None:
    """A voided receipt settled nothing: what it settled is owed again (and not collected)."""
    owed: dict[int, tuple[int, int, datetime.date, Decimal]] = {}
    for row in (
        PaymentAllocation.objects.filter(payment_id=void.payment_id)
        .values("charge_id", "charge__provider_id", "charge__connection_id", "charge__period")
        .annotate(amount=Sum("amount"))
        .order_by("charge_id")
    ):
        owed[row["charge_id"]] = (
            row["charge__provider_id"],
            row["charge__connection_id"],
            row["charge__period"],
            row["amount"],
        )
    _add_to_owed(owed)


def _add_owed(owed: dict, charge_id: int, charge: Charge, amount: Decimal) -> None:
    """Add ``amount`` to what is left of charge ``charge_id`` (``charge`` or the one it corrects:
    a correction is for the same toma and month)."""
    before = owed.get(charge_id)
    total = amount + (before[3] if before else ZERO)
    owed[charge_id] = (charge.provider_id, charge.connection_id, charge.period, total)


def _add_totals(sums: dict[tuple[int, datetime.date], Decimal]) -> None:
    """Add what was charged to each (provider, month) total, in one statement: an insert that
    adds to the row already there, as ``ledger.add_to_monthly_totals`` does (the caller holds
    the provider lock)."""
    if not sums:
        return
    rows = ", ".join(["(%s, %s, %s)"] * len(sums))
    values = [
        value
        for (provider_id, month), charged in sorted(sums.items())
        for value in (provider_id, month, charged)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TOTALS} (provider_id, month, charged) VALUES {rows} "
            f"ON CONFLICT (provider_id, month) DO UPDATE SET "
            f"charged = {TOTALS}.charged + excluded.charged",
            values,
        )


def _add_to_owed(owed: dict[int, tuple[int, int, datetime.date, Decimal]]) -> None:
    """Add to what is left of each charge, in one statement. A charge paid up keeps its row at
    zero (removing it would cost every receipt one more statement): a row at zero and no row
    say the same, and readers skip both."""
    if not owed:
        return
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(owed))
    values = [
        value
        for charge_id, (provider_id, connection_id, period, amount) in sorted(owed.items())
        for value in (charge_id, provider_id, connection_id, period, amount)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {OWED} (charge_id, provider_id, connection_id, period, unpaid) "
            f"VALUES {rows} ON CONFLICT (charge_id) DO UPDATE SET "
            f"unpaid = {OWED}.unpaid + excluded.unpaid",
            values,
        )


def month_of(day: str) -> str:
    """SQL for the first day of the month of ``day``, comparable with a stored month."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {day}) AS date)"
    return f"strftime('%%Y-%%m-01', {day})"


def add_receipts(payments: list[Payment], sign: int = 1) -> None:
    """Count new receipts (``sign`` 1) or voided ones (-1) in their toma's month, re-stepping
    the households of those tomas around the change; receipts without a toma count nowhere."""
    counts: dict[tuple[int, int, datetime.date], int] = {}
    for payment in payments:
        if payment.connection_id is None:
            continue
        key = (payment.provider_id, payment.connection_id, payment.paid_on.replace(day=1))
        counts[key] = counts.get(key, 0) + sign
    if not counts:
        return
    # One provider a batch (the posting code's lock is one provider's); grouped all the same.
    for provider_id in sorted({provider_id for provider_id, _toma, _month in counts}):
        mine = {key: count for key, count in counts.items() if key[0] == provider_id}
        tomas = sorted({toma for _provider, toma, _month in mine})
        households = (
            f"SELECT w.household_id FROM {TOMAS} w WHERE w.id IN ({', '.join(['%s'] * len(tomas))})"
        )
        with restepping(provider_id, households, tomas):
            _add_paid_months(mine)


def _add_paid_months(counts: dict[tuple[int, int, datetime.date], int]) -> None:
    """Add to each toma's receipts of a month, in one statement. A row brought to zero stays
    (a void would cost one more statement to remove it): zero and no row say the same."""
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(counts))
    values = [
        value
        for (provider_id, toma, month), count in sorted(counts.items())
        for value in (provider_id, toma, month, count)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PAID} (provider_id, connection_id, month, receipts) VALUES {rows} "
            f"ON CONFLICT (connection_id, month) DO UPDATE SET "
            f"receipts = {PAID}.receipts + excluded.receipts",
            values,
        )


def steps_sql(households: str, *, by_provider: str = "%s", count: str = "COUNT(*)") -> str:
    """SELECT (provider, month, previous, households) of the steps of the households whose ids
    ``households`` (SQL) gives, from their tomas' paid months: each household's paid months in
    order, each with the one before it (``NO_MONTH``, the second parameter, for the first).
    ``by_provider`` is the provider column's SQL (a parameter, the first, by default);
    ``count`` the households column's."""
    return (
        f"SELECT {by_provider}, s.month, s.previous, {count} FROM ("
        f"SELECT m.provider_id, m.month, COALESCE(LAG(m.month) OVER "
        f"(PARTITION BY m.household_id ORDER BY m.month), %s) AS previous FROM ("
        f"SELECT DISTINCT t.provider_id, t.household_id, p.month FROM {PAID} p "
        f"JOIN {TOMAS} t ON t.id = p.connection_id "
        f"WHERE p.receipts > 0 AND t.household_id IN ({households})) m"
        # WHERE: SQLite reads an ON CONFLICT after a bare FROM as a join's ON.
        f") s WHERE 1 = 1 GROUP BY s.provider_id, s.month, s.previous"
    )


def _step(cursor, provider_id: int, households: str, params: list, sign: int) -> None:
    """Add (``sign`` 1) or take off (-1) the steps of the households ``households`` picks."""
    selected = steps_sql(households, count=f"{sign} * COUNT(*)")
    cursor.execute(
        f"INSERT INTO {STEPS} (provider_id, month, previous, households) {selected} "
        f"ON CONFLICT (provider_id, month, previous) DO UPDATE SET "
        f"households = {STEPS}.households + excluded.households",
        [provider_id, NO_MONTH, *params],
    )


@contextmanager
def restepping(provider_id: int, households: str, params: list) -> Iterator[None]:
    """Take the steps of the households ``households`` (SQL, with ``params``) off before what
    runs inside changes their paid months or tomas, and add them again after: two statements,
    however many households. Steps at zero stay (they count nothing)."""
    with connection.cursor() as cursor:
        _step(cursor, provider_id, households, params, -1)
        yield
        _step(cursor, provider_id, households, params, 1)


@contextmanager
def moving_tomas(provider_id: int, household_ids: Iterable[int | None]) -> Iterator[None]:
    """Around tomas moving from one household to another (``household_ids``: where they were
    and where they go; None, no household, counts nothing): both re-stepped. Takes the
    provider's lock, so no receipt re-steps the same households meanwhile."""
    ids = sorted({pk for pk in household_ids if pk is not None})
    if not ids:
        yield
        return
    ledger.lock_provider(provider_id)
    with restepping(provider_id, ", ".join(["%s"] * len(ids)), ids):
        yield


def rebuild(provider_ids: Iterable[int] | None = None) -> None:
    """Fill the kept figures again from the records (every provider's when None): for data
    written behind the posting code, as the migrations that made these tables did."""
    with connection.cursor() as cursor:
        for statement, wanted in [
            *rebuild_statements(provider_ids),
            *paid_rebuild_statements(provider_ids),
        ]:
            cursor.execute(statement, wanted)


def _providers(provider_ids: Iterable[int] | None) -> tuple[str, list[int]]:
    """The rebuild statements' provider filter: (" IN (%s, …)", the ids), or ("", []) for
    every provider."""
    if provider_ids is None:
        return "", []
    ids = list(provider_ids)
    return f" IN ({', '.join(['%s'] * len(ids))})", ids


def paid_rebuild_statements(provider_ids: Iterable[int] | None = None) -> list:
    """The statements that fill ``PaidMonth`` and ``PaidStep`` from the live receipts (run by
    ``rebuild`` and by the migration that made the two tables), with their parameters."""
    only, params = _providers(provider_ids)
    mine = f" WHERE provider_id{only}" if only else ""
    paid_by = f" AND p.provider_id{only}" if only else ""
    households = "SELECT h.id FROM books_household h"
    if only:
        households += f" WHERE h.provider_id{only}"
    month = month_of("p.paid_on")
    return [
        (f"DELETE FROM {STEPS}{mine}", params),
        (f"DELETE FROM {PAID}{mine}", params),
        (
            f"INSERT INTO {PAID} (provider_id, connection_id, month, receipts) "
            f"SELECT p.provider_id, p.connection_id, {month}, COUNT(*) FROM {PAYMENTS} p "
            f"WHERE p.connection_id IS NOT NULL{paid_by} AND NOT EXISTS "
            f"(SELECT 1 FROM {VOIDS} v WHERE v.payment_id = p.id) "
            f"GROUP BY p.provider_id, p.connection_id, {month}",
            params,
        ),
        (
            f"INSERT INTO {STEPS} (provider_id, month, previous, households) "
            f"{steps_sql(households, by_provider='s.provider_id')}",
            [NO_MONTH, *params],
        ),
    ]


def rebuild_statements(provider_ids: Iterable[int] | None = None) -> list:
    """The statements that fill the charges' kept figures (``rebuild`` runs them, and the
    migration that made those tables), with their parameters."""
    only, params = _providers(provider_ids)
    where = f"WHERE c.provider_id{only}" if only else "WHERE 1 = 1"
    mine = f" WHERE provider_id{only}" if only else ""
    live = f"NOT EXISTS (SELECT 1 FROM {VOIDS} v WHERE v.payment_id = a.payment_id)"
    return [
        (f"DELETE FROM {TOTALS}{mine}", params),
        (f"DELETE FROM {OWED}{mine}", params),
        (
            f"INSERT INTO {TOTALS} (provider_id, month, charged) "
            f"SELECT c.provider_id, c.period, SUM(c.amount) FROM books_charge c {where} "
            f"GROUP BY c.provider_id, c.period",
            params,
        ),
        (
            f"INSERT INTO {OWED} (charge_id, provider_id, connection_id, period, unpaid) "
            f"SELECT x.id, x.provider_id, x.connection_id, x.period, x.unpaid FROM ("
            f"SELECT c.id, c.provider_id, c.connection_id, c.period, "
            f"c.amount - COALESCE(s.settled, 0) + COALESCE(r.amount, 0) AS unpaid "
            f"FROM books_charge c LEFT JOIN ("
            f"SELECT a.charge_id, SUM(a.amount) AS settled FROM books_paymentallocation a "
            f"WHERE {live} "
            f"GROUP BY a.charge_id) s ON s.charge_id = c.id "
            f"LEFT JOIN books_charge r ON r.corrects_id = c.id "
            f"{where} AND c.kind <> 'credit') x WHERE x.unpaid <> 0",
            params,
        ),
    ]
