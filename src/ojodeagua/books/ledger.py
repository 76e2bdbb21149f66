"""The ledger: balanced entries chained by hash per provider, and the check that finds tampering.

Each entry's hash is SHA-256 over a canonical text of its content (provider, sequence, date,
memo, source, the entry it reverses, its lines) and the previous entry's hash. Changing any
amount, date or line in the database breaks that entry's hash and every link after it, which
``verify_chain`` reports by naming the first bad entry. The chain head (the last hash) is printed
on every public report, so a printed report can be checked against the live books.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum

from ojodeagua.providers.models import Provider

from .models import ZERO, Account, JournalEntry, JournalLine

GENESIS = "0" * 64
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    connection_id: int | None = None


def debit(account: str, amount: Decimal, connection_id: int | None = None) -> Line:
    return Line(account, debit=amount, connection_id=connection_id)


def credit(account: str, amount: Decimal, connection_id: int | None = None) -> Line:
    return Line(account, credit=amount, connection_id=connection_id)


class UnbalancedEntry(ValueError):
    """An entry whose debits and credits differ, or with a line that is neither."""


def _amount(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def entry_digest(
    *,
    provider_id: int,
    sequence: int,
    entry_date,
    memo: str,
    source: str,
    reverses_sequence: int | None,
    lines: Iterable[Line],
    previous_hash: str,
) -> str:
    """The hash of an entry; the same text is rebuilt from the database when verifying."""
    parts = [
        "ojodeagua-ledger-v1",
        str(provider_id),
        str(sequence),
        entry_date.isoformat(),
        memo,
        source,
        "" if reverses_sequence is None else str(reverses_sequence),
    ]
    for line in sorted(
        lines,
        key=lambda x: (x.account, _amount(x.debit), _amount(x.credit), x.connection_id or 0),
    ):
        amounts = f"{_amount(line.debit)}|{_amount(line.credit)}"
        parts.append(f"{line.account}|{amounts}|{line.connection_id or ''}")
    parts.append(previous_hash)
    # Unit separators keep "ab"+"c" and "a"+"bc" apart.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def check_balanced(lines: list[Line]) -> None:
    if len(lines) < 2:
        raise UnbalancedEntry("an entry needs at least two lines")
    for line in lines:
        if (line.debit > 0) == (line.credit > 0) or line.debit < 0 or line.credit < 0:
            raise UnbalancedEntry(f"line {line} must be a positive debit or a positive credit")
        if line.account not in Account.values:
            raise UnbalancedEntry(f"unknown account {line.account}")
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    if debits != credits:
        raise UnbalancedEntry(f"debits {debits} and credits {credits} differ")


def _lock_provider(provider_id: int) -> None:
    """Serialise writers of one provider's chain (SQLite serialises all writers already)."""
    if connection.vendor == "postgresql":
        Provider.objects.select_for_update().filter(pk=provider_id).values_list("pk").first()


def post_entry(
    provider_id: int,
    entry_date,
    memo: str,
    lines: list[Line],
    *,
    source: str = "",
    reverses: JournalEntry | None = None,
    user=None,
) -> JournalEntry:
    """Append a balanced entry to the provider's chain; the caller's transaction holds the lock."""
    check_balanced(lines)
    with transaction.atomic():
        _lock_provider(provider_id)
        last = (
            JournalEntry.objects.filter(provider_id=provider_id)
            .order_by("-sequence")
            .values_list("sequence", "entry_hash")
            .first()
        )
        sequence, previous_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        entry = JournalEntry(
            provider_id=provider_id,
            sequence=sequence,
            entry_date=entry_date,
            memo=memo[:300],
            source=source,
            reverses=reverses,
            recorded_by=user if user is not None and user.is_authenticated else None,
            previous_hash=previous_hash,
        )
        entry.entry_hash = entry_digest(
            provider_id=provider_id,
            sequence=sequence,
            entry_date=entry_date,
            memo=entry.memo,
            source=source,
            reverses_sequence=reverses.sequence if reverses else None,
            lines=lines,
            previous_hash=previous_hash,
        )
        entry.save(force_insert=True)
        JournalLine.objects.bulk_create(
            JournalLine(
                entry=entry,
                account=line.account,
                debit=line.debit,
                credit=line.credit,
                connection_id=line.connection_id,
            )
            for line in lines
        )
    return entry


def reverse_entry(entry: JournalEntry, entry_date, memo: str, *, user=None) -> JournalEntry:
    """The correction of an entry: the same lines with debit and credit swapped."""
    lines = [
        Line(line.account, debit=line.credit, credit=line.debit, connection_id=line.connection_id)
        for line in entry.lines.all()
    ]
    return post_entry(
        entry.provider_id,
        entry_date,
        memo,
        lines,
        source=entry.source,
        reverses=entry,
        user=user,
    )


def head_hash(provider_id: int) -> str:
    """The chain head that reports print; the genesis value when nothing was posted yet."""
    last = (
        JournalEntry.objects.filter(provider_id=provider_id)
        .order_by("-sequence")
        .values_list("entry_hash", flat=True)
        .first()
    )
    return last or GENESIS


def balances(provider_id: int, *, until=None) -> dict[str, Decimal]:
    """Account → debit minus credit, from the ledger itself."""
    lines = JournalLine.objects.filter(entry__provider_id=provider_id)
    if until is not None:
        lines = lines.filter(entry__entry_date__lte=until)
    totals = lines.values("account").annotate(d=Sum("debit"), c=Sum("credit"))
    return {
        row["account"]: ((row["d"] or ZERO) - (row["c"] or ZERO)).quantize(CENT) for row in totals
    }


# Verification -------------------------------------------------------------------------------------
@dataclass
class ChainReport:
    provider_id: int
    entries: int = 0
    head: str = GENESIS
    # (sequence, what is wrong) for the first entry that does not hold; None when all is well.
    first_bad: tuple[int, str] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first_bad is None


VERIFY_CHUNK = 20_000


def _entries_with_lines(provider_id: int) -> Iterator[tuple[tuple, list[Line]]]:
    """Entries in sequence order with their lines, read in chunks with two queries each."""
    after = 0
    while True:
        rows = list(
            JournalEntry.objects.filter(provider_id=provider_id, sequence__gt=after)
            .order_by("sequence")
            .values_list(
                "pk",
                "sequence",
                "entry_date",
                "memo",
                "source",
                "reverses__sequence",
                "previous_hash",
                "entry_hash",
            )[:VERIFY_CHUNK]
        )
        if not rows:
            return
        lines: dict[int, list[Line]] = {}
        for entry_id, account, line_debit, line_credit, connection_id in (
            JournalLine.objects.filter(entry_id__in=[row[0] for row in rows])
            .values_list("entry_id", "account", "debit", "credit", "connection_id")
            .iterator(chunk_size=VERIFY_CHUNK)
        ):
            lines.setdefault(entry_id, []).append(
                Line(account, line_debit, line_credit, connection_id)
            )
        for row in rows:
            yield row, lines.get(row[0], [])
        after = rows[-1][1]


def verify_chain(provider_id: int) -> ChainReport:
    """Recompute every hash and link of one provider's chain, and check each entry balances."""
    report = ChainReport(provider_id)
    expected_previous = GENESIS
    expected_sequence = 1
    for row, lines in _entries_with_lines(provider_id):
        _pk, sequence, entry_date, memo, source, reverses_sequence, previous, stored = row
        problem = None
        if sequence != expected_sequence:
            problem = f"falta el asiento {expected_sequence}"
        elif previous != expected_previous:
            problem = "no enlaza con el asiento anterior"
        else:
            try:
                check_balanced(lines)
            except UnbalancedEntry:
                problem = "el debe y el haber no cuadran"
            recomputed = entry_digest(
                provider_id=provider_id,
                sequence=sequence,
                entry_date=entry_date,
                memo=memo,
                source=source,
                reverses_sequence=reverses_sequence,
                lines=lines,
                previous_hash=previous,
            )
            if problem is None and recomputed != stored:
                problem = "su contenido cambió después de registrarse"
        if problem and report.first_bad is None:
            report.first_bad = (sequence, problem)
        report.entries += 1
        report.head = stored
        expected_previous = stored
        expected_sequence = sequence + 1
    return report
