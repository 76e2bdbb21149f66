"""Charges: each month's fee per connection, new-connection fees, fines, and credits that correct.

A charge posts Dr receivable (of its connection) / Cr the income it belongs to. A wrong charge is
never edited: ``credit_charge`` writes a credit (a charge of kind "credit", negative, pointing at
it) and posts the reversal.

A fine, a new-connection fee or a credit carries the ``record_id`` the form or the phone made:
the same record sent again gets the stored charge back, and the same id with other content is
refused (``postings.replayed``).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.lib.money import mxn

from . import ledger
from .models import ZERO, Account, Charge, Connection, JournalEntry, Tariff
from .payments import apply_credit, connections_with_credit, open_charges
from .postings import (
    CENT,
    CHARGE_INCOME,
    EARLIEST_DAY,
    a_date,
    create_all_audited,
    create_audited,
    day_refusal,
    entry_of,
    lock,
    month_start,
    next_month,
    past_day,
    person,
    positive,
    post,
    record_conflict,
    record_id_or_new,
    replayed,
    source_of,
)

MONTHLY_KINDS = [Tariff.Kind.MONTHLY_FEE, Tariff.Kind.SCHOOL_FAMILY]


def tariff_on(provider, kinds: list[str], on: datetime.date) -> Tariff | None:
    """The tariff of those kinds in force on ``on``: the latest that started on or before it."""
    return (
        Tariff.objects.filter(provider=provider, kind__in=kinds, valid_from__lte=on)
        .order_by("-valid_from", "kind")
        .first()
    )


def monthly_fee(connection: Connection, tariff: Tariff) -> Decimal:
    """The month's fee for a connection after its exemption discount; zero when exempt."""
    if connection.status == Connection.Status.EXEMPT:
        return ZERO
    discount = connection.exemption.discount_percent if connection.exemption_id else 0
    if discount >= 100:
        return ZERO
    return (tariff.amount * (100 - discount) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _charge_row(connection, *, period, kind, amount, description, user, record_id=None) -> Charge:
    """A new charge of the connection, not yet saved."""
    return Charge(
        provider_id=connection.provider_id,
        record_id=record_id_or_new(record_id),
        connection=connection,
        period=period,
        kind=kind,
        amount=amount,
        description=description[:200],
        created_by=person(user),
    )


def _charge_lines(charge: Charge) -> list[ledger.Line]:
    """What a charge posts: Dr the connection's receivable / Cr the income it belongs to."""
    return [
        ledger.debit(Account.RECEIVABLE, charge.amount, charge.connection_id),
        ledger.credit(CHARGE_INCOME[charge.kind], charge.amount),
    ]


def _charge(
    connection, *, period, kind, amount, description, entry_date, memo, user, record_id=None
) -> Charge:
    charge = _charge_row(
        connection,
        period=period,
        kind=kind,
        amount=amount,
        description=description,
        user=user,
        record_id=record_id,
    )
    create_audited(user, charge)
    post(charge, entry_date, memo, _charge_lines(charge), user=user)
    return charge


def generate_charges(provider, period: datetime.date, user=None) -> list[Charge]:
    """Charge the month's fee to every active connection; running it again adds nothing.

    The fee is the monthly tariff (or the school's monthly contribution per family) in force on
    the first day of the month, less the connection's exemption discount. Suspended and exempt
    connections, and those connected after the month, are not charged. Returns the new charges.
    """
    period = month_start(a_date(period, _("el mes")))
    # A month ahead may be charged (some committees charge before the month begins); one before
    # the books could exist is a mistyped year.
    if period < EARLIEST_DAY:
        raise ValidationError(day_refusal(period, _("la fecha del mes que se cobra")), code="date")
    tariff = tariff_on(provider, MONTHLY_KINDS, period)
    if tariff is None:
        raise ValidationError(
            _(
                "No hay una cuota mensual aprobada que valga para %(month)s. Anote primero la "
                "tarifa que aprobó la asamblea, con la fecha desde la que vale."
            )
            % {"month": period.strftime("%m/%Y")}
        )
    month_end = next_month(period) - datetime.timedelta(days=1)
    created: list[Charge] = []
    with transaction.atomic():
        lock(provider.pk)
        already = set(
            Charge.objects.filter(
                provider=provider, period=period, kind=Charge.Kind.MONTHLY_FEE
            ).values_list("connection_id", flat=True)
        )
        connections = (
            Connection.objects.filter(provider=provider, status=Connection.Status.ACTIVE)
            .filter(Q(connected_on__isnull=True) | Q(connected_on__lte=month_end))
            .exclude(pk__in=already)
            .select_related("exemption")
            .order_by("code")
        )
        drafts = []
        for connection in connections:
            amount = monthly_fee(connection, tariff)
            if amount <= ZERO:
                continue
            # The lock keeps a second run out until this one commits; the unique constraint
            # (one fee per connection and month) backs it up.
            charge = _charge_row(
                connection,
                period=period,
                kind=Charge.Kind.MONTHLY_FEE,
                amount=amount,
                description=str(tariff.get_kind_display()),
                user=user,
            )
            # The provider at hand: the audit trail reads its municipality from each row.
            charge.provider = provider
            created.append(charge)
        # The month's fees inserted and audited together, and their entries posted together,
        # numbered and hashed in the order of the tomas' codes as if posted one by one: a
        # padrón of hundreds is charged in a handful of queries.
        create_all_audited(user, created)
        for charge in created:
            memo = _("Cuota del mes %(month)s, toma %(code)s") % {
                "month": period.strftime("%m/%Y"),
                "code": charge.connection.code,
            }
            drafts.append(
                ledger.EntryDraft(period, memo, _charge_lines(charge), source=source_of(charge))
            )
        ledger.post_entries(provider.pk, drafts, user=person(user), locked=True)
        with_credit = connections_with_credit(provider)
        for charge in created:
            if charge.connection_id in with_credit:
                apply_credit(charge.connection, user)
    return created


def posted_on(record: Charge) -> datetime.date | None:
    """The day of the first entry a charge or a credit posted (the row keeps only the month)."""
    return (
        JournalEntry.objects.filter(provider_id=record.provider_id, source=source_of(record))
        .order_by("sequence")
        .values_list("entry_date", flat=True)
        .first()
    )


def replayed_charge(
    record_id: str | None, provider, wanted: dict, on: datetime.date | None
) -> Charge | None:
    """The stored charge when ``record_id`` came before with the same content and, when ``on``
    is given, the same day; the same id with anything else is refused."""
    stored = replayed(Charge, record_id, provider, wanted)
    if stored is not None and on is not None and posted_on(stored) != on:
        raise record_conflict(record_id or "", ["on"])
    return stored


def _one_off(
    connection: Connection, kind, tariff_kind, on, amount, description, user, record_id
) -> Charge:
    on = past_day(on, _("la fecha del cargo"))
    description = (description or "").strip()
    given_description = description[:200]
    if amount is None:
        tariff = tariff_on(connection.provider_id, [tariff_kind], on)
        if tariff is None:
            raise ValidationError(
                _(
                    "No hay una tarifa aprobada para «%(kind)s» el %(date)s; anote la tarifa o "
                    "escriba el monto que aprobó la asamblea."
                )
                % {"kind": Tariff.Kind(tariff_kind).label, "date": on.strftime("%d/%m/%Y")}
            )
        amount = tariff.amount
        description = description or tariff.description or str(tariff.get_kind_display())
    amount = positive(amount)
    label = Charge.Kind(kind).label
    wanted = {
        "connection_id": connection.pk,
        "kind": kind,
        "period": month_start(on),
        "amount": amount,
    }
    if given_description:
        # Only what was typed: a description taken from the tariff or the kind's name could
        # read differently by the time the same record comes again.
        wanted["description"] = given_description
    provider = connection.provider
    if stored := replayed_charge(record_id, provider, wanted, on):
        return stored
    with transaction.atomic():
        lock(connection.provider_id)
        if stored := replayed_charge(record_id, provider, wanted, on):
            return stored
        charge = _charge(
            connection,
            period=month_start(on),
            kind=kind,
            amount=amount,
            description=description or str(label),
            entry_date=on,
            memo=_("%(what)s, toma %(code)s") % {"what": label, "code": connection.code},
            user=user,
            record_id=record_id,
        )
        apply_credit(connection, user)
    return charge


def charge_fine(
    connection: Connection,
    *,
    on: datetime.date,
    amount=None,
    description: str = "",
    record_id: str | None = None,
    user=None,
) -> Charge:
    """A fine the reglamento sets (missed faena, illegal connection); the fine tariff by default.

    The same ``record_id`` sent again returns the stored fine; nothing is charged twice.
    """
    return _one_off(
        connection, Charge.Kind.FINE, Tariff.Kind.FINE, on, amount, description, user, record_id
    )


def charge_connection_fee(
    connection: Connection,
    *,
    on: datetime.date,
    amount=None,
    description: str = "",
    record_id: str | None = None,
    user=None,
) -> Charge:
    """The fee for a new connection; the approved tariff by default.

    The same ``record_id`` sent again returns the stored fee; nothing is charged twice.
    """
    return _one_off(
        connection,
        Charge.Kind.CONNECTION_FEE,
        Tariff.Kind.CONNECTION_FEE,
        on,
        amount,
        description,
        user,
        record_id,
    )


def credit_charge(
    charge: Charge,
    reason: str,
    *,
    user=None,
    on: datetime.date | None = None,
    amount=None,
    record_id: str | None = None,
) -> Charge:
    """Correct a wrong charge with a credit (all of it by default, or part); returns the credit.

    Only what is still unpaid can be credited: for a paid charge, void the receipt first. The
    same ``record_id`` sent again returns the stored credit; a charge is corrected once.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Escriba por qué se corrige el cargo; queda en las cuentas."))
    if charge.kind == Charge.Kind.CREDIT:
        raise ValidationError(_("Una corrección no se corrige; si hace falta, anote un cargo."))
    given_on = on
    on = past_day(on or timezone.localdate(), _("la fecha de la corrección"))
    if amount is not None:
        amount = positive(amount)
    wanted = {"corrects_id": charge.pk, "kind": Charge.Kind.CREDIT, "description": reason[:200]}
    if amount is not None:
        # Left out when not given: "all that is unpaid" is nothing once the credit is written.
        wanted["amount"] = -amount
    provider = charge.provider
    # The day counts only when it was given: a resend the next day is still the same credit.
    if stored := replayed_charge(record_id, provider, wanted, given_on):
        return stored
    with transaction.atomic():
        lock(charge.provider_id)
        if stored := replayed_charge(record_id, provider, wanted, given_on):
            return stored
        if Charge.objects.filter(corrects=charge).exists():
            raise ValidationError(_("Ese cargo ya tiene su corrección; no se corrige dos veces."))
        left = next(
            (item.open for item in open_charges(charge.connection) if item.charge.pk == charge.pk),
            ZERO,
        )
        amount = left if amount is None else amount
        if amount <= ZERO or amount > left:
            raise ValidationError(
                _(
                    "De ese cargo quedan %(left)s sin pagar y sólo eso se puede corregir. Si "
                    "el cargo ya se pagó, cancele primero el recibo."
                )
                % {"left": mxn(left)}
            )
        credit = Charge(
            provider_id=charge.provider_id,
            record_id=record_id_or_new(record_id),
            connection_id=charge.connection_id,
            period=charge.period,
            kind=Charge.Kind.CREDIT,
            amount=-amount,
            description=reason[:200],
            corrects=charge,
            created_by=person(user),
        )
        create_audited(user, credit)
        memo = _("Corrección del cargo %(charge)s: %(reason)s") % {
            "charge": charge,
            "reason": reason,
        }
        original = entry_of(charge)
        if original is not None and amount == charge.amount:
            ledger.reverse_entry(
                original, on, memo, user=person(user), source=source_of(credit), locked=True
            )
        else:
            post(
                credit,
                on,
                memo,
                [
                    ledger.debit(CHARGE_INCOME[charge.kind], amount),
                    ledger.credit(Account.RECEIVABLE, amount, charge.connection_id),
                ],
                user=user,
            )
    return credit
