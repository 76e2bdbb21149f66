"""The whole check of a provider's books, as ``ojodeagua ledger verify`` prints it.

The hash chain (every entry unchanged, linked and balanced), the receipt numbers (1 to the last
one given, without gaps) and every money record with its ledger entry.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import ledger
from .models import (
    CashCount,
    Charge,
    Deposit,
    Expense,
    JournalEntry,
    Payment,
    PaymentVoid,
    ReceiptCounter,
    Sale,
)

SHOWN = 10


@dataclass
class BooksReport:
    provider_id: int
    chain: ledger.ChainReport
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems

    def messages(self) -> list[str]:
        """Every problem in a sentence, the chain's first bad entry first."""
        return ([self.chain.describe()] if not self.chain.ok else []) + self.problems


def _listed(numbers: Iterable[int]) -> str:
    numbers = sorted(numbers)
    shown = ", ".join(str(number) for number in numbers[:SHOWN])
    return shown + ("…" if len(numbers) > SHOWN else "")


def missing_receipts(provider_id: int) -> list[int]:
    """Receipt numbers between 1 and the last one given that no payment carries."""
    numbers = set(
        Payment.objects.filter(provider_id=provider_id).values_list("receipt_number", flat=True)
    )
    last = ReceiptCounter.objects.filter(provider_id=provider_id).aggregate(top=Max("last_number"))
    top = max([*numbers, last["top"] or 0], default=0)
    return sorted(set(range(1, top + 1)) - numbers)


def _without_entry(model, ids: set[int], sources: set[str]) -> list[int]:
    prefix = f"books.{model._meta.model_name}:"
    return sorted(pk for pk in ids if f"{prefix}{pk}" not in sources)


def verify_books(provider_id: int) -> BooksReport:
    report = BooksReport(provider_id, ledger.verify_chain(provider_id))
    missing = missing_receipts(provider_id)
    if missing:
        report.problems.append(
            ngettext(
                "falta el recibo número %(numbers)s: la numeración tiene un hueco",
                "faltan los recibos números %(numbers)s: la numeración tiene huecos",
                len(missing),
            )
            % {"numbers": _listed(missing)}
        )
    sources = set(
        JournalEntry.objects.filter(provider_id=provider_id)
        .exclude(source="")
        .values_list("source", flat=True)
    )
    payments = set(
        Payment.objects.filter(provider_id=provider_id).values_list("pk", "receipt_number")
    )
    by_pk = dict(payments)
    lost = _without_entry(Payment, set(by_pk), sources)
    if lost:
        report.problems.append(
            ngettext(
                "el recibo %(numbers)s no tiene su asiento en las cuentas",
                "los recibos %(numbers)s no tienen su asiento en las cuentas",
                len(lost),
            )
            % {"numbers": _listed(by_pk[pk] for pk in lost)}
        )
    voids = dict(
        PaymentVoid.objects.filter(payment__provider_id=provider_id).values_list(
            "pk", "payment__receipt_number"
        )
    )
    unreversed = _without_entry(PaymentVoid, set(voids), sources)
    if unreversed:
        report.problems.append(
            ngettext(
                "la cancelación del recibo %(numbers)s no tiene su asiento de reversa",
                "las cancelaciones de los recibos %(numbers)s no tienen su asiento de reversa",
                len(unreversed),
            )
            % {"numbers": _listed(voids[pk] for pk in unreversed)}
        )
    others = [
        (Charge, Charge.objects.all(), _("cargos")),
        (Deposit, Deposit.objects.all(), _("depósitos")),
        (Expense, Expense.objects.all(), _("gastos")),
        (Sale, Sale.objects.all(), _("ventas")),
        # A count that matched the books posts nothing.
        (CashCount, CashCount.objects.exclude(counted=F("expected")), _("cortes de caja")),
    ]
    for model, queryset, label in others:
        ids = set(queryset.filter(provider_id=provider_id).values_list("pk", flat=True))
        lacking = _without_entry(model, ids, sources)
        if lacking:
            report.problems.append(
                _("%(count)s %(what)s no tienen su asiento en las cuentas (ids %(ids)s)")
                % {"count": len(lacking), "what": label, "ids": _listed(lacking)}
            )
    return report


def providers_with_books() -> list[int]:
    """Providers that have ledger entries or payments (a payment without entries is checked too)."""
    ids = set(JournalEntry.objects.values_list("provider_id", flat=True).distinct())
    ids |= set(Payment.objects.values_list("provider_id", flat=True).distinct())
    return sorted(ids)
