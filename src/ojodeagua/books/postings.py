"""What every money record shares: amounts checked, the books locked, rows audited, entries posted.

Each record that moves money (a charge, a payment, a void, a deposit, an expense, a sale, a cash
count with a difference) posts one ledger entry in the same transaction, with
``source="books.<model>:<pk>"`` so a figure can be traced back to the record that made it.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ojodeagua.audit.trail import record_created, save_audited
from ojodeagua.lib.records import RecordConflict, new_record_id

from . import kept, ledger
from .models import ZERO, Account, Charge, Expense, JournalEntry, Payment

CENT = Decimal("0.01")

CHARGE_INCOME = {
    Charge.Kind.MONTHLY_FEE: Account.INCOME_FEES,
    Charge.Kind.VOLUME: Account.INCOME_FEES,
    Charge.Kind.CONNECTION_FEE: Account.INCOME_CONNECTIONS,
    Charge.Kind.FINE: Account.INCOME_FINES,
}
EXPENSE_ACCOUNTS = {
    Expense.Category.ENERGY: Account.EXPENSE_ENERGY,
    Expense.Category.CHLORINE: Account.EXPENSE_CHLORINE,
    Expense.Category.REPAIRS: Account.EXPENSE_REPAIRS,
    Expense.Category.PAY: Account.EXPENSE_PAY,
    Expense.Category.TRANSPORT: Account.EXPENSE_TRANSPORT,
    Expense.Category.OTHER: Account.EXPENSE_OTHER,
}
# Money received by transfer lands in the bank; in hand, in the cash box.
RECEIVED_INTO = {Payment.Method.CASH: Account.CASH, Payment.Method.TRANSFER: Account.BANK}


def to_money(value, label: str | None = None) -> Decimal:
    """An amount as Decimal with two places; floats are refused (they lose cents)."""
    if isinstance(value, float):
        raise TypeError("money is never a float; pass a Decimal, an int or a string")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise ValidationError(
            _("«%(value)s» no es un monto; escríbalo con números, por ejemplo 150.50.")
            % {"value": value}
        ) from error
    if not amount.is_finite():
        raise ValidationError(_("Escriba el monto con números, por ejemplo 150.50."))
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded != amount:
        raise ValidationError(
            _("%(label)s lleva a lo más dos decimales (centavos): %(value)s.")
            % {"label": label or _("El monto"), "value": value}
        )
    return rounded


def positive(value, label: str | None = None) -> Decimal:
    amount = to_money(value, label)
    if amount <= ZERO:
        raise ValidationError(
            _("%(label)s debe ser mayor que cero.") % {"label": label or _("El monto")}
        )
    return amount


def a_date(value, label: str) -> datetime.date:
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValidationError(_("Falta %(label)s, o no es una fecha.") % {"label": label})
    return value


# No committee's books kept here go back further: a day before it is a mistyped year (1900 for
# 2000, 0026 for 2026), not history, and it would sit before every balance the books show.
EARLIEST_DAY = datetime.date(2000, 1, 1)


def day_refusal(day: datetime.date, label: str | None = None) -> str | None:
    """Why money cannot be written on ``day``, or None: not after today, not before EARLIEST_DAY.

    One rule for pages, the API and imports: the pages' forms ask it for their fields' errors
    and every function that writes money asks it again through ``past_day``.
    """
    if day > timezone.localdate():
        if label:
            return _("%(label)s no puede ser posterior a hoy; anote el día en que ocurrió.") % {
                "label": capfirst(label)
            }
        return _("La fecha no puede ser posterior a hoy; anote el día en que ocurrió.")
    if day < EARLIEST_DAY:
        values = {
            "label": capfirst(label or _("la fecha")),
            "date": f"{day.day:02d}/{day.month:02d}/{day.year:04d}",
            "earliest": EARLIEST_DAY.year,
        }
        return (
            _(
                "%(label)s (%(date)s) es demasiado antigua: las cuentas empiezan en "
                "%(earliest)s. Revise el año."
            )
            % values
        )
    return None


def past_day(value, label: str) -> datetime.date:
    """The day money moved: a date, not after today and not absurdly old (``day_refusal``)."""
    day = a_date(value, label)
    if refusal := day_refusal(day, label):
        raise ValidationError(refusal, code="date")
    return day


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def person(user):
    """The user to store on a row; imports and the system act without one."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def source_of(instance: models.Model) -> str:
    return f"books.{instance._meta.model_name}:{instance.pk}"


def lock(provider_id: int) -> None:
    """Every writer of a provider's books takes this first (see ``ledger.lock_provider``)."""
    ledger.lock_provider(provider_id)


def create_audited(user, instance: models.Model) -> models.Model:
    """Insert a new row (never an update), write it to the audit trail and count it in the
    figures kept beside the records (``kept``), all in the caller's transaction."""
    saved = save_audited(user, instance, lambda: instance.save(force_insert=True))
    kept.add([instance])
    return saved


def create_all_audited(user, instances: list) -> list:
    """Insert new rows in one statement, write each to the audit trail (one more statement) and
    count them in the kept figures (one or two more)."""
    if instances:
        type(instances[0])._default_manager.bulk_create(instances)
        record_created(user, instances)
        kept.add(instances)
    return instances


def post(
    instance: models.Model,
    entry_date: datetime.date,
    memo: str,
    lines: list[ledger.Line],
    *,
    user=None,
) -> JournalEntry:
    """The record's entry, traced back to it by its source; the caller holds ``lock``."""
    return ledger.post_entry(
        instance.provider_id,  # type: ignore[attr-defined]
        entry_date,
        memo,
        lines,
        source=source_of(instance),
        user=person(user),
        locked=True,
    )


def entry_of(instance: models.Model) -> JournalEntry | None:
    """The entry a record posted (not a reversal of it)."""
    return (
        JournalEntry.objects.filter(
            provider_id=instance.provider_id,  # type: ignore[attr-defined]
            source=source_of(instance),
            reverses__isnull=True,
        )
        .order_by("sequence")
        .first()
    )


def replayed(model: type[models.Model], record_id: str | None, provider, wanted: dict):
    """The stored record when ``record_id`` was seen before with the same content.

    A phone that lost the answer sends the record again with the same id: it gets the stored
    record back and nothing is posted twice. The same id with other content is refused.
    """
    if not record_id:
        return None
    stored = model._default_manager.filter(record_id=record_id).first()
    if stored is None:
        return None
    changed = ["provider"] if stored.provider_id != provider.pk else []  # type: ignore[attr-defined]
    changed += [name for name, value in wanted.items() if getattr(stored, name) != value]
    if changed:
        raise record_conflict(record_id, changed)
    return stored


def record_conflict(record_id: str = "", fields=()) -> RecordConflict:
    """The refusal of a record id already used with other content."""
    return RecordConflict(
        record_id,
        fields,
        _(
            "Ya se anotó otro registro con el mismo identificador y datos distintos. "
            "Si es un registro nuevo, vuelva a capturarlo desde el principio."
        ),
    )


def record_id_or_new(record_id: str | None) -> str:
    return record_id or new_record_id()
