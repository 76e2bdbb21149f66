"""Payments: receipt numbers without gaps, resends recognised, oldest debts first, voids.

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

What is owed (arrears) is read in ``selectors``, with the books' other figures.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import DecimalField, F, Q, Sum, Value
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
    create_all_audited,
    create_audited,
    entry_of,
    lock,
    past_day,
    person,
    positive,
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
    return open_charges_of([connection.pk]).get(connection.pk, [])


def open_charges_of(connection_ids) -> dict[int, list[OpenCharge]]:
    """``open_charges`` of many connections in one query: connection id → its open charges."""
    charges = (
        Charge.objects.filter(connection_id__in=connection_ids)
        .select_related("connection")
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
        .order_by("connection_id", "period", "pk")
    )
    found: dict[int, list[OpenCharge]] = {}
    for charge in charges:
        found.setdefault(charge.connection_id, []).append(OpenCharge(charge, charge.left))
    return found


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


def _allocations(
    payment: Payment, available: Decimal, opens: list[OpenCharge]
) -> tuple[list[PaymentAllocation], Decimal]:
    """Settle ``opens`` in order with up to ``available`` of the payment.

    ``opens`` is updated in place with what is left of each charge, so the next payment of the
    same connection (in a batch) settles what this one did not. Returns the allocations to save
    and the money left over (credit).
    """
    made = []
    for index, item in enumerate(opens):
        if available <= ZERO:
            break
        if item.open <= ZERO:
            continue
        amount = min(available, item.open)
        made.append(PaymentAllocation(payment=payment, charge=item.charge, amount=amount))
        opens[index] = OpenCharge(item.charge, item.open - amount)
        available -= amount
    return made, available


def _allocate(payment: Payment, available: Decimal, opens: list[OpenCharge], user) -> Decimal:
    """Settle ``opens`` in order with up to ``available`` of the payment; returns what is left."""
    made, left = _allocations(payment, available, opens)
    for allocation in made:
        create_audited(user, allocation)
    return left


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
@dataclass(frozen=True)
class PaymentIn:
    """One payment as the phone, the form or the API sends it."""

    record_id: str | None
    amount: object
    paid_on: datetime.date
    connection: Connection | None = None
    method: str = Payment.Method.CASH
    concept: str = ""


class PaymentBatchRefused(ValidationError):
    """Some payments of a batch cannot be recorded; none was. ``by_item``: position → error."""

    def __init__(self, by_item: dict[int, ValidationError]):
        self.by_item = by_item
        super().__init__(
            [
                _("Pago %(position)s: %(message)s")
                % {"position": position + 1, "message": " ".join(error.messages)}
                for position, error in sorted(by_item.items())
            ]
        )


# Most payments a batch may carry: a week of a committee's receipts fits many times over, and
# one batch holds the committee's books lock for at most a fraction of a second.
BATCH_LIMIT = 500


def _take_receipt_numbers(provider, count: int) -> int:
    """Reserve ``count`` receipt numbers and return the first; one statement, one row lock.

    The counter row stays locked until the transaction ends, so two writers never take the same
    numbers, and a transaction that fails gives its numbers back: no gaps. The highest number
    already on a receipt is taken into account, so a number that reached the table another way
    is never handed out again.
    """
    counters = ReceiptCounter._meta.db_table
    receipts = Payment._meta.db_table
    greatest = "GREATEST" if db_connection.vendor == "postgresql" else "MAX"
    statement = (
        f"UPDATE {counters} SET last_number = {greatest}(last_number, COALESCE("
        f"(SELECT MAX(receipt_number) FROM {receipts} WHERE provider_id = %s), 0)) + %s "
        f"WHERE provider_id = %s RETURNING last_number"
    )
    with db_connection.cursor() as cursor:
        cursor.execute(statement, [provider.pk, count, provider.pk])
        row = cursor.fetchone()
        if row is None:
            # First payment of this provider: make the counter, without failing when another
            # writer makes it at the same moment, and take the numbers as any other time.
            ReceiptCounter.objects.bulk_create(
                [ReceiptCounter(provider=provider, last_number=0)], ignore_conflicts=True
            )
            cursor.execute(statement, [provider.pk, count, provider.pk])
            row = cursor.fetchone()
    return row[0] - count + 1


def _checked(provider, item: PaymentIn) -> tuple[str, dict]:
    """The payment's id and its content as stored, or the Spanish error of what to fix."""
    amount = positive(item.amount, _("El monto del pago"))
    paid_on = past_day(item.paid_on, _("la fecha del pago"))
    if item.method not in Payment.Method.values:
        raise ValidationError(_("Elija la forma de pago: efectivo o transferencia."))
    connection = item.connection
    if connection is not None and connection.provider_id != provider.pk:
        raise ValidationError(_("Esa toma es del padrón de otro comité; elija una de este comité."))
    return record_id_or_new(item.record_id), {
        "amount": amount,
        "paid_on": paid_on,
        "connection_id": connection.pk if connection else None,
        "method": item.method,
        "concept": (item.concept or "").strip()[:200],
    }


def check_payments(
    provider, items: list[PaymentIn]
) -> tuple[list[tuple[str, dict]], dict[int, ValidationError]]:
    """Each payment's id and stored content, and by position the errors of those that are wrong."""
    checked: list[tuple[str, dict]] = []
    errors: dict[int, ValidationError] = {}
    for position, item in enumerate(items):
        try:
            checked.append(_checked(provider, item))
        except ValidationError as error:
            errors[position] = error
    return checked, errors


def _differences(stored: Payment, provider, wanted: dict) -> list[str]:
    """The fields of a resent payment that differ from the stored one, named as sent."""
    changed = ["provider"] if stored.provider_id != provider.pk else []
    changed += [
        name.removesuffix("_id") for name, value in wanted.items() if getattr(stored, name) != value
    ]
    return changed


def _conflict(stored: Payment, fields: list[str]) -> PaymentConflict:
    return PaymentConflict(
        stored.record_id,
        fields,
        _(
            "Este pago ya se había anotado con el recibo %(number)s, pero con otros datos "
            "(monto, fecha, toma, forma de pago o concepto). No se anotó de nuevo. Revise el "
            "recibo %(number)s; si se trata de otro pago, captúrelo como un pago nuevo."
        )
        % {"number": stored.receipt_number},
    )


def _stored_by_id(record_ids) -> dict[str, Payment]:
    return {
        payment.record_id: payment for payment in Payment.objects.filter(record_id__in=record_ids)
    }


def _replays(provider, wanted: list[tuple[str, dict]]) -> tuple[dict[int, Payment], dict]:
    """Payments of the batch that were recorded before: position → stored payment.

    The same id with other content is a conflict (position → error). The same id twice within
    the batch is one payment sent twice: the second is a replay of the first.
    """
    stored = _stored_by_id({record_id for record_id, _content in wanted})
    replays: dict[int, Payment] = {}
    conflicts: dict[int, ValidationError] = {}
    first_seen: dict[str, dict] = {}
    for position, (record_id, content) in enumerate(wanted):
        if record_id in stored:
            if changed := _differences(stored[record_id], provider, content):
                conflicts[position] = _conflict(stored[record_id], changed)
            else:
                replays[position] = stored[record_id]
        elif record_id in first_seen and first_seen[record_id] != content:
            conflicts[position] = ValidationError(
                _("Este pago repite el identificador de otro pago del envío, con otros datos."),
                code="conflict",
            )
        first_seen.setdefault(record_id, content)
    return replays, conflicts


def _receipt_lines(payment: Payment, connection: Connection | None) -> tuple[str, list]:
    """The memo and lines a receipt posts: Dr cash or bank / Cr the toma's receivable."""
    received = RECEIVED_INTO[payment.method]
    if connection is None:
        memo = _("Recibo %(number)s: %(concept)s") % {
            "number": payment.receipt_number,
            "concept": payment.concept or _("otros ingresos"),
        }
        return memo, [
            ledger.debit(received, payment.amount),
            ledger.credit(Account.INCOME_OTHER, payment.amount),
        ]
    memo = _("Recibo %(number)s, toma %(code)s") % {
        "number": payment.receipt_number,
        "code": connection.code,
    }
    return memo, [
        ledger.debit(received, payment.amount),
        ledger.credit(Account.RECEIVABLE, payment.amount, connection.pk),
    ]


def record_payments(provider, items: list[PaymentIn], user=None) -> list[tuple[Payment, bool]]:
    """Record a batch of payments of one provider, all or none; ``[(payment, created)]``.

    This is how a phone sends the receipts it took offline, and how the API takes many at once.
    Receipt numbers follow the order of ``items``. A payment whose ``record_id`` was recorded
    before comes back with ``created`` False and nothing is posted for it again. If any payment
    is wrong (a bad amount, another committee's toma, an id reused with other content), none is
    recorded and ``PaymentBatchRefused`` says which and why.

    One transaction and about a dozen queries however many payments there are: that is what
    lets a committee's week of receipts, or a whole municipality's, post in a blink.
    """
    if len(items) > BATCH_LIMIT:
        raise ValidationError(
            _("Se pueden enviar hasta %(limit)s pagos a la vez; envíe los demás en otro envío.")
            % {"limit": BATCH_LIMIT}
        )
    checked, errors = check_payments(provider, items)
    if errors:
        raise PaymentBatchRefused(errors)
    replays, conflicts = _replays(provider, checked)
    if conflicts:
        raise PaymentBatchRefused(conflicts)
    if len(replays) == len(items):
        return [(replays[position], False) for position in range(len(items))]
    with transaction.atomic():
        lock(provider.pk)
        # Looked up again under the lock: the same payment may have arrived twice at once.
        replays, conflicts = _replays(provider, checked)
        if conflicts:
            raise PaymentBatchRefused(conflicts)
        results = _record_new(provider, items, checked, replays, user)
    return results


def _record_new(provider, items, checked, replays, user) -> list[tuple[Payment, bool]]:
    """Write the batch's new payments, their allocations and entries; the lock is held."""
    fresh, seen = [], set()
    for position, (record_id, _content) in enumerate(checked):
        if position not in replays and record_id not in seen:
            fresh.append(position)
        seen.add(record_id)
    first_number = _take_receipt_numbers(provider, len(fresh))
    recorder = person(user)
    payments: dict[int, Payment] = {}
    for offset, position in enumerate(fresh):
        record_id, content = checked[position]
        payments[position] = Payment(
            provider=provider,
            record_id=record_id,
            receipt_number=first_number + offset,
            connection=items[position].connection,
            received_by=recorder,
            **{name: value for name, value in content.items() if name != "connection_id"},
        )
    new_payments = list(payments.values())
    create_all_audited(user, new_payments)
    opens = open_charges_of({p.connection_id for p in new_payments if p.connection_id})
    allocations: list[PaymentAllocation] = []
    drafts = []
    for payment in new_payments:
        if payment.connection_id is not None:
            made, _left = _allocations(
                payment, payment.amount, opens.setdefault(payment.connection_id, [])
            )
            allocations.extend(made)
        memo, lines = _receipt_lines(payment, payment.connection)
        drafts.append(ledger.EntryDraft(payment.paid_on, memo, lines, source=source_of(payment)))
    create_all_audited(user, allocations)
    ledger.post_entries(provider.pk, drafts, user=recorder, locked=True)
    by_id = {payment.record_id: payment for payment in new_payments}
    results = []
    for position, (record_id, _content) in enumerate(checked):
        if position in replays:
            results.append((replays[position], False))
        elif position in payments:
            results.append((payments[position], True))
        else:
            results.append((by_id[record_id], False))
    return results


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
    item = PaymentIn(record_id, amount, paid_on, connection, method, concept)
    try:
        return record_payments(provider, [item], user=user)[0]
    except PaymentBatchRefused as refused:
        # One payment: its own error, as the form and the API expect it.
        raise refused.by_item[0] from None


def void_payment(
    payment: Payment, reason: str, user=None, on: datetime.date | None = None
) -> tuple[PaymentVoid, bool]:
    """Cancel a receipt: its number stays used, its charges open again, its entry is reversed.

    Returns (void, created). A receipt is voided once: the same cancellation sent again (the
    same reason) returns the stored void; another reason is a ``RecordConflict`` on
    ``reason``. Pages and the API answer through here alike.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Escriba por qué se cancela el recibo; queda en las cuentas."))
    on = past_day(on or timezone.localdate(), _("la fecha de la cancelación"))
    with transaction.atomic():
        lock(payment.provider_id)
        existing = PaymentVoid.objects.filter(payment=payment).first()
        if existing is not None:
            if existing.reason == reason:
                return existing, False
            raise RecordConflict(
                payment.record_id,
                ["reason"],
                _(
                    "El recibo %(number)s ya estaba cancelado el %(date)s, con otro motivo: "
                    "«%(reason)s». Un recibo se cancela una sola vez."
                )
                % {
                    "number": payment.receipt_number,
                    "date": existing.voided_on.strftime("%d/%m/%Y"),
                    "reason": existing.reason,
                },
            )
        if on < payment.paid_on:
            raise ValidationError(
                _("Un recibo no se cancela antes de la fecha en que se pagó (%(date)s).")
                % {"date": payment.paid_on.strftime("%d/%m/%Y")}
            )
        void = PaymentVoid(payment=payment, reason=reason, voided_on=on, voided_by=person(user))
        create_audited(user, void)
        memo = _("Cancelación del recibo %(number)s: %(reason)s") % {
            "number": payment.receipt_number,
            "reason": reason,
        }
        entry = entry_of(payment)
        if entry is not None:
            ledger.reverse_entry(
                entry, on, memo, user=person(user), source=source_of(void), locked=True
            )
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
                payment.provider_id,
                on,
                memo,
                lines,
                source=source_of(void),
                user=person(user),
                locked=True,
            )
        if payment.connection_id:
            apply_credit(payment.connection, user)
    return void, True
