"""Payments: receipt numbers without gaps, resends recognised, oldest debts first, voids, arrears.

How money becomes a payment:

* **Receipt numbers** come from the provider's ``ReceiptCounter``, locked with
  ``select_for_update`` and raised in the same transaction that creates the payment. Two people
  entering payments at once queue on that lock; a payment that fails rolls its number back with
  it, so numbers have no gaps. A voided receipt keeps its number: numbers are never reused.
* **Resends**: the phone makes the ``record_id``. The same id with the same content returns the
  stored payment; with other content it is refused (``PaymentConflict``).
* **Allocation**: a payment settles the connection's open charges, oldest first; it may settle
  part of one. What is left over is credit for the connection (a prepayment).
* **Posting**: Dr cash (or bank for a transfer) / Cr receivable of the connection, for the whole
  amount, including any prepayment. The connection's receivable then goes below zero, which is
  exactly its credit, and the next charges (Dr receivable) use it up. We chose this over
  crediting "other income" because a prepayment is not income yet: it is money the committee owes
  back in water, and the fee becomes income when the month is charged. The credit is applied to
  new charges as they are made (``apply_credit``), so the allocations always say which months
  are paid. A receipt without a connection (a donation, a sale written as a receipt) is Cr
  other income.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from . import ledger
from .models import (
    ZERO,
    Account,
    Charge,
    Connection,
    Payment,
    PaymentAllocation,
    PaymentVoid,
    ReceiptCounter,
)
from .postings import (
    RECEIVED_INTO,
    RecordConflict,
    a_date,
    create_audited,
    entry_of,
    lock,
    month_start,
    person,
    positive,
    post,
    record_id_or_new,
    source_of,
)

MONEY = DecimalField(max_digits=12, decimal_places=2)
NOTHING = Value(ZERO, output_field=MONEY)


class PaymentConflict(RecordConflict):
    """A payment id sent again with other content: it is not the same payment."""


@dataclass(frozen=True)
class OpenCharge:
    charge: Charge
    open: Decimal


# What is still owed ------------------------------------------------------------------------------
def open_charges(connection: Connection) -> list[OpenCharge]:
    """The connection's charges not yet settled, oldest first, with what is left of each.

    What is left is the charge minus what live payments settled and minus its credit, if any.
    """
    charges = (
        Charge.objects.filter(connection=connection)
        .exclude(kind=Charge.Kind.CREDIT)
        .annotate(
            paid=Coalesce(
                Sum("allocations__amount", filter=Q(allocations__payment__void__isnull=True)),
                NOTHING,
            ),
            credited=Coalesce(F("correction__amount"), NOTHING),
        )
        .annotate(left=F("amount") - F("paid") + F("credited"))
        .filter(left__gt=0)
        .order_by("period", "pk")
    )
    return [OpenCharge(charge, charge.left) for charge in charges]


def unapplied_payments(connection: Connection) -> list[tuple[Payment, Decimal]]:
    """Live payments of the connection with money not yet applied to a charge (its credit)."""
    payments = (
        Payment.objects.filter(connection=connection, void__isnull=True)
        .annotate(applied=Coalesce(Sum("allocations__amount"), NOTHING))
        .filter(applied__lt=F("amount"))
        .order_by("paid_on", "receipt_number")
    )
    return [(payment, payment.amount - payment.applied) for payment in payments]


def connections_with_credit(provider) -> set[int]:
    """Ids of the provider's connections that hold credit (money paid ahead, not yet applied)."""
    return set(
        Payment.objects.filter(provider=provider, connection__isnull=False, void__isnull=True)
        .annotate(applied=Coalesce(Sum("allocations__amount"), NOTHING))
        .filter(applied__lt=F("amount"))
        .values_list("connection_id", flat=True)
    )


def _allocate(payment: Payment, available: Decimal, opens: list[OpenCharge], user) -> Decimal:
    """Settle ``opens`` in order with up to ``available`` of the payment; returns what is left."""
    for index, item in enumerate(opens):
        if available <= ZERO:
            break
        if item.open <= ZERO:
            continue
        amount = min(available, item.open)
        create_audited(user, PaymentAllocation(payment=payment, charge=item.charge, amount=amount))
        opens[index] = OpenCharge(item.charge, item.open - amount)
        available -= amount
    return available


def apply_credit(connection: Connection, user=None) -> None:
    """Use the connection's credit (money paid ahead) to settle its open charges, oldest first.

    Called whenever a charge is made or a payment voided. No entry is posted: the receivable
    already holds the credit; only the allocations, which say which months are paid, are written.
    """
    credits = unapplied_payments(connection)
    if not credits:
        return
    opens = open_charges(connection)
    for payment, available in credits:
        if not any(item.open > ZERO for item in opens):
            return
        _allocate(payment, available, opens, user)


# Receiving money ---------------------------------------------------------------------------------
def _next_receipt_number(provider) -> int:
    """Take the next receipt number; the counter stays locked until the transaction ends."""
    counter = ReceiptCounter.objects.select_for_update().filter(provider=provider).first()
    if counter is None:
        # First payment of this provider: make the counter, without failing when another
        # writer makes it at the same moment, then lock it like any other time.
        ReceiptCounter.objects.bulk_create(
            [ReceiptCounter(provider=provider, last_number=0)], ignore_conflicts=True
        )
        counter = ReceiptCounter.objects.select_for_update().get(provider=provider)
    # Never hand out a number already on a receipt, even if rows reached the table another way.
    highest = (
        Payment.objects.filter(provider=provider).aggregate(top=Max("receipt_number"))["top"] or 0
    )
    number = max(counter.last_number, highest) + 1
    ReceiptCounter.objects.filter(pk=counter.pk).update(last_number=number)
    return number


def _same_payment(stored: Payment, provider, wanted: dict) -> bool:
    return stored.provider_id == provider.pk and all(
        getattr(stored, name) == value for name, value in wanted.items()
    )


def _replay(record_id: str, provider, wanted: dict) -> Payment | None:
    stored = Payment.objects.filter(record_id=record_id).first()
    if stored is None:
        return None
    if not _same_payment(stored, provider, wanted):
        raise PaymentConflict(
            _(
                "Este pago ya se había anotado con el recibo %(number)s, pero con otros datos "
                "(monto, fecha, toma, forma de pago o concepto). No se anotó de nuevo. Revise el "
                "recibo %(number)s; si se trata de otro pago, captúrelo como un pago nuevo."
            )
            % {"number": stored.receipt_number},
            code="conflict",
        )
    return stored


def record_payment(
    provider,
    *,
    record_id: str | None,
    amount,
    paid_on: datetime.date,
    connection: Connection | None = None,
    method: str = Payment.Method.CASH,
    concept: str = "",
    user=None,
) -> tuple[Payment, bool]:
    """Record money received and give it the next receipt number; ``(payment, created)``.

    The same ``record_id`` sent again returns the stored payment with ``created`` False.
    """
    amount = positive(amount, _("El monto del pago"))
    paid_on = a_date(paid_on, _("la fecha del pago"))
    if method not in Payment.Method.values:
        raise ValidationError(_("Elija la forma de pago: efectivo o transferencia."))
    if connection is not None and connection.provider_id != provider.pk:
        raise ValidationError(_("Esa toma es del padrón de otro comité; elija una de este comité."))
    concept = (concept or "").strip()[:200]
    record_id = record_id_or_new(record_id)
    wanted = {
        "amount": amount,
        "paid_on": paid_on,
        "connection_id": connection.pk if connection else None,
        "method": method,
        "concept": concept,
    }
    if stored := _replay(record_id, provider, wanted):
        return stored, False
    with transaction.atomic():
        lock(provider.pk)
        # Looked up again under the lock: the same payment may have arrived twice at once.
        if stored := _replay(record_id, provider, wanted):
            return stored, False
        payment = Payment(
            provider=provider,
            record_id=record_id,
            receipt_number=_next_receipt_number(provider),
            connection=connection,
            paid_on=paid_on,
            amount=amount,
            method=method,
            concept=concept,
            received_by=person(user),
        )
        create_audited(user, payment)
        received = RECEIVED_INTO[method]
        if connection is None:
            memo = _("Recibo %(number)s: %(concept)s") % {
                "number": payment.receipt_number,
                "concept": concept or _("otros ingresos"),
            }
            lines = [ledger.debit(received, amount), ledger.credit(Account.INCOME_OTHER, amount)]
        else:
            _allocate(payment, amount, open_charges(connection), user)
            memo = _("Recibo %(number)s, toma %(code)s") % {
                "number": payment.receipt_number,
                "code": connection.code,
            }
            lines = [
                ledger.debit(received, amount),
                ledger.credit(Account.RECEIVABLE, amount, connection.pk),
            ]
        post(payment, paid_on, memo, lines, user=user)
    return payment, True


def void_payment(payment: Payment, reason: str, user=None, on: datetime.date | None = None):
    """Cancel a receipt: its number stays used, its charges open again, its entry is reversed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Escriba por qué se cancela el recibo; queda en las cuentas."))
    on = a_date(on or timezone.localdate(), _("la fecha de la cancelación"))
    if on < payment.paid_on:
        raise ValidationError(
            _("Un recibo no se cancela antes de la fecha en que se pagó (%(date)s).")
            % {"date": payment.paid_on.strftime("%d/%m/%Y")}
        )
    with transaction.atomic():
        lock(payment.provider_id)
        if PaymentVoid.objects.filter(payment=payment).exists():
            raise ValidationError(
                _("El recibo %(number)s ya estaba cancelado.") % {"number": payment.receipt_number}
            )
        void = PaymentVoid(payment=payment, reason=reason, voided_on=on, voided_by=person(user))
        create_audited(user, void)
        memo = _("Cancelación del recibo %(number)s: %(reason)s") % {
            "number": payment.receipt_number,
            "reason": reason,
        }
        entry = entry_of(payment)
        if entry is not None:
            ledger.reverse_entry(entry, on, memo, user=person(user), source=source_of(void))
        else:
            # A payment without its entry is already a problem `ledger verify` reports; the
            # void still undoes what the payment would have posted.
            received = RECEIVED_INTO[payment.method]
            lines = [
                ledger.debit(
                    Account.RECEIVABLE if payment.connection_id else Account.INCOME_OTHER,
                    payment.amount,
                    payment.connection_id,
                ),
                ledger.credit(received, payment.amount),
            ]
            ledger.post_entry(
                payment.provider_id, on, memo, lines, source=source_of(void), user=person(user)
            )
        if payment.connection_id:
            apply_credit(payment.connection, user)
    return void


# Arrears -----------------------------------------------------------------------------------------
def _arrears_by_connection(charges, on: datetime.date) -> dict[int, Decimal]:
    """What each connection owed on ``on`` for months before ``on``'s month.

    Payments count from the day they were made until the day they were voided. A credit (a
    corrected charge) counts always: the charge it corrects should never have been owed.
    """
    live_on = Q(allocations__payment__paid_on__lte=on) & (
        Q(allocations__payment__void__isnull=True) | Q(allocations__payment__void__voided_on__gt=on)
    )
    rows = (
        charges.filter(period__lt=month_start(on))
        .exclude(kind=Charge.Kind.CREDIT)
        .annotate(
            paid=Coalesce(Sum("allocations__amount", filter=live_on), NOTHING),
            credited=Coalesce(F("correction__amount"), NOTHING),
        )
        .annotate(left=F("amount") - F("paid") + F("credited"))
        .filter(left__gt=0)
        .values_list("connection_id", "left")
    )
    owed: dict[int, Decimal] = {}
    for connection_id, left in rows:
        owed[connection_id] = owed.get(connection_id, ZERO) + left
    return owed


def arrears(connection: Connection, on: datetime.date) -> Decimal:
    """What the connection owed on ``on`` for months before the current one."""
    owed = _arrears_by_connection(Charge.objects.filter(connection=connection), on)
    return owed.get(connection.pk, ZERO)


def provider_arrears(provider, on: datetime.date) -> dict[int, Decimal]:
    """Connection id → what it owed on ``on`` for earlier months; only those that owe."""
    return _arrears_by_connection(Charge.objects.filter(provider=provider), on)
