"""The figures the posting code keeps beside the records, in the same transaction: what was
charged per charge month (``ChargeMonthTotal``) and what is left unpaid of each charge
(``OwedCharge``). What was collected of a month's charges is what was charged less what is left
of them, so a receipt or a void moves one kept figure, not two.

Every charge, allocation of a payment and void is inserted through ``postings.create_audited``
or ``create_all_audited``, which hand the new rows here; nothing else writes these tables but the
migration that filled them from the records already there (``rebuild`` does the same, for data
loaded behind the application's back). Money is never edited in place, so the figures only move
by what a new record adds. ``ojodeagua ledger verify`` holds them to the records they sum
(``record_checks.kept_totals`` and ``record_checks.owed_charges``).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import Model, Sum

from .models import ZERO, Charge, ChargeMonthTotal, OwedCharge, PaymentAllocation, PaymentVoid

TOTALS = ChargeMonthTotal._meta.db_table
OWED = OwedCharge._meta.db_table
VOIDS = PaymentVoid._meta.db_table


def add(instances: Iterable[Model]) -> None:
    """Count new records in the kept figures; records of other kinds are left alone."""
    rows = list(instances)
    if not rows:
        return
    first = rows[0]
    if isinstance(first, Charge):
        add_charges(rows)
    elif isinstance(first, PaymentAllocation):
        add_allocations(rows)
    elif isinstance(first, PaymentVoid):
        for void in rows:
            add_void(void)


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


def rebuild(provider_ids: Iterable[int] | None = None) -> None:
    """Fill the kept figures again from the records (every provider's when None): for data
    written behind the posting code, as the migration that made these tables did."""
    with connection.cursor() as cursor:
        for statement, wanted in rebuild_statements(provider_ids):
            cursor.execute(statement, wanted)


def rebuild_statements(provider_ids: Iterable[int] | None = None) -> list:
    """The statements ``rebuild`` runs (the migration runs them too), with their parameters."""
    ids = None if provider_ids is None else list(provider_ids)
    only = "" if ids is None else f" IN ({', '.join(['%s'] * len(ids))})"
    params = [] if ids is None else ids
    where = f"WHERE c.provider_id{only}" if ids is not None else "WHERE 1 = 1"
    mine = f" WHERE provider_id{only}" if ids is not None else ""
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
