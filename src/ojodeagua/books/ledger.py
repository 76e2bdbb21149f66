"""The ledger: balanced entries chained by hash per provider, and the check that finds tampering.

Each entry's hash is SHA-256 over a canonical text of its content (provider, sequence, date,
memo, source, the entry it reverses, its lines) and the previous entry's hash. Changing any
amount, date or line in the database breaks that entry's hash and every link after it, which
``verify_chain`` reports by naming the first bad entry. The chain head (the last hash) is printed
on every public report, so a printed report can be checked against the live books.
"""

import datetime
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

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


def lock_provider(provider_id: int) -> None:
    """Serialise writers of one provider's books (SQLite serialises all writers already).

    Every function that writes to the books takes this lock first, so writers of one provider
    queue in one order and never deadlock. ``NO KEY UPDATE`` still lets other transactions
    insert rows that point at the provider (a household, a visit) while a writer holds it.
    """
    if connection.vendor == "postgresql":
        Provider.objects.select_for_update(no_key=True).filter(pk=provider_id).values_list(
            "pk"
        ).first()


_lock_provider = lock_provider


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


def reverse_entry(
    entry: JournalEntry, entry_date, memo: str, *, user=None, source: str | None = None
) -> JournalEntry:
    """The correction of an entry: the same lines with debit and credit swapped.

    ``source`` names the record that made the correction (a void, a credit); by default the
    reversal keeps the source of the entry it reverses.
    """
    lines = [
        Line(line.account, debit=line.credit, credit=line.debit, connection_id=line.connection_id)
        for line in entry.lines.all()
    ]
    return post_entry(
        entry.provider_id,
        entry_date,
        memo,
        lines,
        source=entry.source if source is None else source,
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
CHANGED = "changed"
MISSING = "missing"
UNLINKED = "unlinked"
UNBALANCED = "unbalanced"


@dataclass
class ChainReport:
    provider_id: int
    entries: int = 0
    head: str = GENESIS
    # (sequence, what is wrong) for the first entry that does not hold; None when all is well.
    first_bad: tuple[int, str] | None = None
    problems: list[str] = field(default_factory=list)
    # What kind of problem the first bad entry has (CHANGED, MISSING, UNLINKED, UNBALANCED),
    # its date, and for MISSING the sequence number that is not there.
    first_bad_kind: str | None = None
    first_bad_date: datetime.date | None = None
    missing_sequence: int | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad is None

    def describe(self) -> str:
        """The first bad entry in a sentence for people: "el asiento 57 (12/03/2026) cambió…"."""
        if self.first_bad is None:
            return ""
        sequence = self.first_bad[0]
        values = {
            "sequence": sequence,
            "date": self.first_bad_date.strftime("%d/%m/%Y") if self.first_bad_date else "?",
            "missing": self.missing_sequence,
        }
        if self.first_bad_kind == MISSING:
            return (
                _("falta el asiento %(missing)s (el que sigue es el %(sequence)s, del %(date)s)")
                % values
            )
        if self.first_bad_kind == UNLINKED:
            return (
                _("el asiento %(sequence)s (%(date)s) no enlaza con el asiento anterior") % values
            )
        if self.first_bad_kind == UNBALANCED:
            return (
                _("el asiento %(sequence)s (%(date)s) no cuadra: el debe y el haber son distintos")
                % values
            )
        return _("el asiento %(sequence)s (%(date)s) cambió después de registrarse") % values


VERIFY_CHUNK = 50_000
ACCOUNTS = frozenset(Account.values)
SEPARATOR = "\x1f"
HEADER = "ojodeagua-ledger-v1"

# A verified row: (sequence, entry_date, previous_hash, entry_hash, balanced, text), where
# ``text`` is what entry_digest hashes, rebuilt from the stored entry and its lines.
VerifiedRow = tuple[int, datetime.date, str, str, bool, str]

# PostgreSQL rebuilds the hashed text itself, one row per entry: verifying a million entries
# must take seconds, and moving every line into Python to sort and join it costs more than the
# hashing. The lines are ordered as entry_digest orders them (text compared byte by byte, hence
# COLLATE "C"); amounts of numeric(12,2) print with two decimals, as _amount writes them.
POSTGRESQL_CHUNK = f"""
SELECT e.sequence, e.entry_date, e.previous_hash, e.entry_hash, COALESCE(agg.balanced, FALSE),
  concat_ws(chr(31), '{HEADER}', e.provider_id::text, e.sequence::text,
    to_char(e.entry_date, 'YYYY-MM-DD'), e.memo, e.source,
    CASE WHEN e.reverses_id IS NULL THEN ''
      ELSE (SELECT r.sequence FROM books_journalentry r WHERE r.id = e.reverses_id)::text END,
    COALESCE(agg.lines, ''), e.previous_hash)
FROM books_journalentry e CROSS JOIN LATERAL (
  SELECT
    string_agg(
      l.account || '|' || l.debit::text || '|' || l.credit::text || '|'
        || COALESCE(l.connection_id::text, ''),
      chr(31)
      ORDER BY l.account COLLATE "C", l.debit::text COLLATE "C", l.credit::text COLLATE "C",
        COALESCE(l.connection_id, 0)
    ) AS lines,
    COUNT(*) >= 2 AND SUM(l.debit) = SUM(l.credit)
      AND bool_and((l.debit > 0) <> (l.credit > 0) AND l.debit >= 0 AND l.credit >= 0
        AND l.account = ANY(%s)) AS balanced
  FROM books_journalline l WHERE l.entry_id = e.id
) agg
WHERE e.provider_id = %s AND e.sequence > %s AND e.sequence <= %s
ORDER BY e.sequence
"""


def _cents(text: str) -> int:
    return int(text.replace(".", ""))


def _postgresql_rows(provider_id: int, cursor, low: int, high: int) -> list[VerifiedRow]:
    cursor.execute(
        POSTGRESQL_CHUNK,
        [sorted(ACCOUNTS), provider_id, low, high],
    )
    return cursor.fetchall()


def _python_rows(provider_id: int, cursor, low: int, high: int) -> list[VerifiedRow]:
    """The same rows as on PostgreSQL, with the text and the balance worked out here."""
    entries = JournalEntry._meta.db_table
    cursor.execute(
        f"SELECT e.id, e.sequence, e.entry_date, e.memo, e.source, r.sequence, e.previous_hash, "
        f"e.entry_hash FROM {entries} e LEFT JOIN {entries} r ON r.id = e.reverses_id "
        f"WHERE e.provider_id = %s AND e.sequence > %s AND e.sequence <= %s ORDER BY e.sequence",
        [provider_id, low, high],
    )
    rows = cursor.fetchall()
    cursor.execute(
        f"SELECT l.entry_id, l.account, l.debit, l.credit, l.connection_id "
        f"FROM {JournalLine._meta.db_table} l JOIN {entries} e ON e.id = l.entry_id "
        f"WHERE e.provider_id = %s AND e.sequence > %s AND e.sequence <= %s",
        [provider_id, low, high],
    )
    lines: dict[int, list[tuple]] = {}
    for entry_id, account, line_debit, line_credit, connection_id in cursor.fetchall():
        # SQLite hands numbers back as int or float; two decimals, as _amount writes them.
        debit_text, credit_text = f"{line_debit:.2f}", f"{line_credit:.2f}"
        lines.setdefault(entry_id, []).append(
            (account, debit_text, credit_text, connection_id or 0, connection_id)
        )
    verified = []
    provider_text = str(provider_id)
    for entry_id, sequence, entry_date, memo, source, reverses, previous, stored in rows:
        if isinstance(entry_date, str):
            entry_date = datetime.date.fromisoformat(entry_date)
        own = sorted(lines.get(entry_id, []))
        debits = credits = 0
        balanced = len(own) >= 2
        for account, debit_text, credit_text, _key, _connection in own:
            line_debit, line_credit = _cents(debit_text), _cents(credit_text)
            if (line_debit > 0) == (line_credit > 0) or min(line_debit, line_credit) < 0:
                balanced = False
            if account not in ACCOUNTS:
                balanced = False
            debits += line_debit
            credits += line_credit
        text = SEPARATOR.join(
            [
                HEADER,
                provider_text,
                str(sequence),
                entry_date.isoformat(),
                memo,
                source,
                "" if reverses is None else str(reverses),
                *(f"{a}|{d}|{c}|{'' if n is None else n}" for a, d, c, _k, n in own),
                previous,
            ]
        )
        verified.append(
            (sequence, entry_date, previous, stored, balanced and debits == credits, text)
        )
    return verified


def _verified_rows(provider_id: int) -> Iterator[VerifiedRow]:
    """Every entry of the provider in sequence order, a chunk of sequence numbers at a time."""
    postgresql = connection.vendor == "postgresql"
    rows_of = _postgresql_rows if postgresql else _python_rows
    # On PostgreSQL a transaction holds the setting below; on SQLite one would take the write
    # lock (transactions there begin IMMEDIATE) and keep payments waiting while we read.
    with transaction.atomic() if postgresql else nullcontext(), connection.cursor() as cursor:
        if postgresql:
            # Compiling this query to machine code costs more than running it, and parallel
            # workers only fight the hashing here for the processor.
            cursor.execute("SELECT set_config('jit', 'off', true)")
            cursor.execute("SELECT set_config('max_parallel_workers_per_gather', '0', true)")
        cursor.execute(
            f"SELECT MAX(sequence) FROM {JournalEntry._meta.db_table} WHERE provider_id = %s",
            [provider_id],
        )
        last = cursor.fetchone()[0] or 0
        for low in range(0, last, VERIFY_CHUNK):
            yield from rows_of(provider_id, cursor, low, low + VERIFY_CHUNK)


def verify_chain(provider_id: int) -> ChainReport:
    """Recompute every hash and link of one provider's chain, and check each entry balances."""
    report = ChainReport(provider_id)
    expected_previous = GENESIS
    expected_sequence = 1
    sha256 = hashlib.sha256
    entries = 0
    stored = GENESIS
    for sequence, entry_date, previous, stored, balanced, text in _verified_rows(provider_id):
        if report.first_bad is None:
            kind = None
            if sequence != expected_sequence:
                kind = MISSING
            elif previous != expected_previous:
                kind = UNLINKED
            elif not balanced:
                kind = UNBALANCED
            elif sha256(text.encode("utf-8")).hexdigest() != stored:
                kind = CHANGED
            if kind is not None:
                report.first_bad = (sequence, PROBLEMS[kind].format(expected_sequence))
                report.first_bad_kind = kind
                report.first_bad_date = entry_date
                if kind == MISSING:
                    report.missing_sequence = expected_sequence
        entries += 1
        expected_previous = stored
        expected_sequence = sequence + 1
    report.entries = entries
    report.head = stored
    return report


# The short texts kept in ``ChainReport.first_bad`` (pages compare against them).
PROBLEMS = {
    MISSING: "falta el asiento {}",
    UNLINKED: "no enlaza con el asiento anterior",
    UNBALANCED: "el debe y el haber no cuadran",
    CHANGED: "su contenido cambió después de registrarse",
}
