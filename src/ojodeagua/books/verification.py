"""The whole check of a provider's books, as ``ojodeagua ledger verify`` prints it.

The hash chain (every entry unchanged, linked and balanced), the receipt numbers (1 to the last
one given, without gaps), every money record with its ledger entry: there, and saying what
the entry says (``record_checks``), the monthly totals pages read (the sums of their lines), and
what the posting code keeps of the charges (their months' totals and what is left of each).
"""

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import ledger, record_checks
from .models import (
    CashCount,
    ChainCheck,
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


@dataclass
class RecordFindings:
    """What the records show: receipt gaps and records without their entry (``bookkeeping``),
    and records that say something else than their entry (``disagreements``)."""

    bookkeeping: list[str]
    disagreements: list[str]

    def beside(self, chain: ledger.ChainReport) -> list[str]:
        """The problems to report with the chain. Entries are the evidence a record is held to
        only while the chain holds: when it does not, the chain's own first bad entry is what
        to look at, not every record that disagrees with an altered entry."""
        return self.bookkeeping + (self.disagreements if chain.ok else [])


def verify_books(provider_id: int) -> BooksReport:
    if not ledger.may_read_in_threads():
        chain = ledger.verify_chain(provider_id)
        return BooksReport(provider_id, chain, record_findings(provider_id).beside(chain))
    # The records are checked on connections of their own while the chain is read: a long
    # chain keeps PostgreSQL busy for seconds on two connections, and once it is done the
    # records' long passes (each record against its entry; the settlements per toma; the
    # monthly totals against their lines; the charges' kept figures against the charges and
    # their allocations, and who paid when against the receipts) share the processors instead
    # of following each other.
    with ThreadPoolExecutor(max_workers=4) as pool:
        own = pool.submit(ledger.in_own_connection, entry_findings, provider_id)
        settled = pool.submit(ledger.in_own_connection, record_checks.settlements, provider_id)
        totalled = pool.submit(ledger.in_own_connection, record_checks.monthly_totals, provider_id)
        kept = pool.submit(ledger.in_own_connection, record_checks.kept_figures, provider_id)
        chain = ledger.verify_chain(provider_id)
        bookkeeping, against = own.result()
        quoted = record_checks.quotes(provider_id)
        found = record_checks.combined(against, settled.result(), quoted)
        findings = RecordFindings(
            bookkeeping,
            [first.describe() for first in found]
            + totals_problems(totalled.result())
            + record_checks.kept_problems(found, kept.result()),
        )
        return BooksReport(provider_id, chain, findings.beside(chain))


def described(name: str, report: BooksReport) -> list[str]:
    """What ``ledger verify`` (and a restore's check) prints of one committee's books."""
    if report.ok:
        return [
            ngettext(
                "%(name)s: %(count)s asiento, cabeza %(head)s: OK",
                "%(name)s: %(count)s asientos, cabeza %(head)s: OK",
                report.chain.entries,
            )
            % {"name": name, "count": report.chain.entries, "head": report.chain.head}
        ]
    return [f"{name}: {message}" for message in report.messages()]


def remember(report: BooksReport) -> None:
    """Keep a full check's result (the chain's and the records') for ``books_status``."""
    ledger.remember(report.chain)
    ChainCheck.objects.filter(provider_id=report.provider_id).update(
        record_problems=report.problems
    )


def books_status(provider_id: int) -> BooksReport:
    """The books' state for a page: the chain as ``ledger.chain_status`` reads it, and the records.

    When the chain was read in full just now (a short chain, or a long one whose last full check
    was too old) the records are checked now too. Otherwise a long chain stands on its last full
    check, and so do its records: a municipal office has as many records as entries, and pages
    must not read them all on every view.
    """
    chain = ledger.chain_status(provider_id)
    if chain.checked_at is None:
        problems = record_findings(provider_id).beside(chain)
        if chain.last_sequence > ledger.LIVE_LIMIT:
            ChainCheck.objects.filter(provider_id=provider_id).update(record_problems=problems)
        return BooksReport(provider_id, chain, problems)
    stored = (
        ChainCheck.objects.filter(provider_id=provider_id)
        .values_list("record_problems", flat=True)
        .first()
    )
    return BooksReport(provider_id, chain, list(stored or []))


def record_problems(provider_id: int) -> list[str]:
    """Receipt numbers with gaps, money records without their ledger entry or disagreeing with it,
    in sentences (all of them, whatever the chain says)."""
    findings = record_findings(provider_id)
    return findings.bookkeeping + findings.disagreements


def record_findings(provider_id: int) -> RecordFindings:
    """Receipt numbers with gaps and money records without their ledger entry, and the records
    that disagree with their entry, in sentences."""
    found = record_checks.disagreements(provider_id)
    disagreeing = [first.describe() for first in found]
    disagreeing += totals_problems(record_checks.monthly_totals(provider_id))
    if record_checks.still_telling(found, record_checks.KEPT_STAND_ON):
        disagreeing += record_checks.kept_problems(found, record_checks.kept_figures(provider_id))
    return RecordFindings(bookkeeping_problems(provider_id), disagreeing)


def totals_problems(found: record_checks.TotalDisagreement | None) -> list[str]:
    """The monthly total that does not hold, as a sentence beside the records'. Like them it is
    held to the lines only while the chain holds: a changed line makes its month's total
    disagree too, and the chain's first bad entry is what to look at then."""
    return [] if found is None else [found.describe()]


def entry_findings(provider_id: int) -> tuple[list[str], list[record_checks.Disagreement]]:
    """The bookkeeping problems and the records that disagree with their own entry."""
    return bookkeeping_problems(provider_id), record_checks.against_entries(provider_id)


def bookkeeping_problems(provider_id: int) -> list[str]:
    """Receipt numbers with gaps and money records without their ledger entry, in sentences."""
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
