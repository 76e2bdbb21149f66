"""The whole check of a provider's books, as ``ojodeagua ledger verify`` prints it.

The hash chain (every entry unchanged, linked and balanced), the receipt numbers (1 to the last
one given, without gaps) and every money record with its ledger entry.
"""

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat
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
    Sale,
)
from .selectors import missing_receipts

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


def without_entry(queryset, provider_id: int) -> list[int]:
    """Ids of the records in ``queryset`` whose entry is not in the provider's ledger."""
    prefix = f"books.{queryset.model._meta.model_name}:"
    entry = JournalEntry.objects.filter(
        provider_id=provider_id,
        source=Concat(Value(prefix), Cast(OuterRef("pk"), CharField()), output_field=CharField()),
    )
    return list(queryset.filter(~Exists(entry)).order_by("pk").values_list("pk", flat=True))


def verify_books(provider_id: int) -> BooksReport:
    if not ledger.may_read_in_threads():
        return BooksReport(
            provider_id, ledger.verify_chain(provider_id), record_problems(provider_id)
        )
    # The records are checked on another connection while the chain is read: a long chain
    # keeps PostgreSQL busy for seconds, and the records check has its own work.
    with ThreadPoolExecutor(max_workers=1) as pool:
        problems = pool.submit(ledger.in_own_connection, record_problems, provider_id)
        chain = ledger.verify_chain(provider_id)
        return BooksReport(provider_id, chain, problems.result())


def record_problems(provider_id: int) -> list[str]:
    """Receipt numbers with gaps, and money records without their ledger entry, in sentences."""
    problems: list[str] = []
    missing = missing_receipts(provider_id)
    if missing:
        problems.append(
            ngettext(
                "falta el recibo número %(numbers)s: la numeración tiene un hueco",
                "faltan los recibos números %(numbers)s: la numeración tiene huecos",
                len(missing),
            )
            % {"numbers": _listed(missing)}
        )
    payments = Payment.objects.filter(provider_id=provider_id)
    if lost := without_entry(payments, provider_id):
        numbers = payments.filter(pk__in=lost).values_list("receipt_number", flat=True)
        problems.append(
            ngettext(
                "el recibo %(numbers)s no tiene su asiento en las cuentas",
                "los recibos %(numbers)s no tienen su asiento en las cuentas",
                len(lost),
            )
            % {"numbers": _listed(numbers)}
        )
    voids = PaymentVoid.objects.filter(payment__provider_id=provider_id)
    if unreversed := without_entry(voids, provider_id):
        numbers = voids.filter(pk__in=unreversed).values_list("payment__receipt_number", flat=True)
        problems.append(
            ngettext(
                "la cancelación del recibo %(numbers)s no tiene su asiento de reversa",
                "las cancelaciones de los recibos %(numbers)s no tienen su asiento de reversa",
                len(unreversed),
            )
            % {"numbers": _listed(numbers)}
        )
    others = [
        (Charge.objects.all(), _("cargos")),
        (Deposit.objects.all(), _("depósitos")),
        (Expense.objects.all(), _("gastos")),
        (Sale.objects.all(), _("ventas")),
        # A count that matched the books posts nothing.
        (CashCount.objects.exclude(counted=F("expected")), _("cortes de caja")),
    ]
    for queryset, label in others:
        if lacking := without_entry(queryset.filter(provider_id=provider_id), provider_id):
            problems.append(
                _("%(count)s %(what)s no tienen su asiento en las cuentas (ids %(ids)s)")
                % {"count": len(lacking), "what": label, "ids": _listed(lacking)}
            )
    return problems


def providers_with_books() -> list[int]:
    """Providers that have ledger entries or payments (a payment without entries is checked too)."""
    ids = set(JournalEntry.objects.values_list("provider_id", flat=True).distinct())
    ids |= set(Payment.objects.values_list("provider_id", flat=True).distinct())
    return sorted(ids)
