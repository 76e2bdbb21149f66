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
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.providers.models import Provider

from .models import ZERO, Account, ChainCheck, JournalEntry, JournalLine, MonthlyTotal

# What each account holds is read once, with the books' other figures; posting code reads it here.
from .selectors import balances as balances

GENESIS = "0" * 64
CENT = Decimal("0.01")
# Built once: ``Account.values`` makes a new list on every call, and every line is checked.
ACCOUNTS = frozenset(Account.values)


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
        if line.account not in ACCOUNTS:
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


@dataclass(frozen=True)
class EntryDraft:
    """An entry still to be posted: ``post_entries`` gives it its number and hash."""

    entry_date: datetime.date
    memo: str
    lines: list[Line]
    source: str = ""
    reverses: JournalEntry | None = None


def post_entries(
    provider_id: int, drafts: list[EntryDraft], *, user=None, locked: bool = False
) -> list[JournalEntry]:
    """Append balanced entries to the provider's chain, in order, with three queries in all.

    Each entry is numbered after the previous one and hashed over it, exactly as if they had
    been posted one by one. The provider lock keeps the chain head from moving while we build:
    it is taken here unless the caller says it holds it already (``locked``). Were it missing,
    two writers would take the same number and the unique (provider, sequence) constraint
    would refuse the second: an error, never a forked chain.
    """
    for draft in drafts:
        check_balanced(draft.lines)
    if not drafts:
        return []
    recorder = user if user is not None and user.is_authenticated else None
    # No savepoint when nested: a failure here fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        if not locked:
            lock_provider(provider_id)
        last = (
            JournalEntry.objects.filter(provider_id=provider_id)
            .order_by("-sequence")
            .values_list("sequence", "entry_hash")[:1]
        )
        sequence, previous_hash = (last[0][0], last[0][1]) if last else (0, GENESIS)
        entries = []
        for draft in drafts:
            sequence += 1
            memo = draft.memo[:300]
            entry_hash = entry_digest(
                provider_id=provider_id,
                sequence=sequence,
                entry_date=draft.entry_date,
                memo=memo,
                source=draft.source,
                reverses_sequence=draft.reverses.sequence if draft.reverses else None,
                lines=draft.lines,
                previous_hash=previous_hash,
            )
            entries.append(
                JournalEntry(
                    provider_id=provider_id,
                    sequence=sequence,
                    entry_date=draft.entry_date,
                    memo=memo,
                    source=draft.source,
                    reverses=draft.reverses,
                    recorded_by=recorder,
                    previous_hash=previous_hash,
                    entry_hash=entry_hash,
                )
            )
            previous_hash = entry_hash
        JournalEntry.objects.bulk_create(entries)
        JournalLine.objects.bulk_create(
            JournalLine(
                entry=entry,
                account=line.account,
                debit=line.debit,
                credit=line.credit,
                connection_id=line.connection_id,
            )
            for entry, draft in zip(entries, drafts, strict=True)
            for line in draft.lines
        )
        add_to_monthly_totals(provider_id, drafts)
    return entries


def add_to_monthly_totals(provider_id: int, drafts: list[EntryDraft]) -> None:
    """Add the drafts' lines to the provider's monthly totals, in one statement.

    An insert that adds to the row already there (``ON CONFLICT … DO UPDATE``, which SQLite has
    too): the caller's transaction holds the provider lock, so no other writer of these totals
    runs at once, and the first entry of a month makes its row.
    """
    sums: dict[tuple[str, datetime.date], list[Decimal]] = {}
    for draft in drafts:
        month = draft.entry_date.replace(day=1)
        for line in draft.lines:
            found = sums.setdefault((line.account, month), [ZERO, ZERO])
            found[0] += line.debit
            found[1] += line.credit
    table = MonthlyTotal._meta.db_table
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(sums))
    values = [
        value
        for (account, month), (debit_sum, credit_sum) in sorted(sums.items())
        for value in (provider_id, account, month, debit_sum, credit_sum)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (provider_id, account, month, debit, credit) VALUES {rows} "
            f"ON CONFLICT (provider_id, account, month) DO UPDATE SET "
            f"debit = {table}.debit + excluded.debit, credit = {table}.credit + excluded.credit",
            values,
        )


def post_entry(
    provider_id: int,
    entry_date,
    memo: str,
    lines: list[Line],
    *,
    source: str = "",
    reverses: JournalEntry | None = None,
    user=None,
    locked: bool = False,
) -> JournalEntry:
    """Append one balanced entry to the provider's chain (see ``post_entries``)."""
    draft = EntryDraft(entry_date, memo, lines, source=source, reverses=reverses)
    return post_entries(provider_id, [draft], user=user, locked=locked)[0]


def reverse_entry(
    entry: JournalEntry,
    entry_date,
    memo: str,
    *,
    user=None,
    source: str | None = None,
    locked: bool = False,
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
        locked=locked,
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
    # When the entries up to ``checked_through`` were last read in full, if that was not now
    # (a long chain: see ``chain_status``); None when the whole chain was read just now.
    checked_at: datetime.datetime | None = None
    checked_through: int = 0
    last_sequence: int = 0

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
SEPARATOR = "\x1f"
HEADER = "ojodeagua-ledger-v1"

# A verified row: (sequence, entry_date, previous_hash, entry_hash, balanced, recomputed,
# previous row's sequence, previous row's entry_hash), where ``recomputed`` is the SHA-256 of the
# text entry_digest hashes, rebuilt from the stored entry and its lines. The previous row's
# values are None for the first row of a chunk.
VerifiedRow = tuple[int, datetime.date, str, str, bool, str, int | None, str | None]

# PostgreSQL rebuilds the hashed text and hashes it itself, one row per entry: verifying a
# million entries must take seconds, and moving every line into Python to sort, join and hash
# it costs more than the rest together. The lines are ordered as entry_digest orders them (text
# compared byte by byte, hence COLLATE "C"); amounts of numeric(12,2) print with two decimals,
# as _amount writes them. The SQLite path (``_python_rows``) builds the same text in Python, and
# the tests check both against entry_digest.
POSTGRESQL_CHUNK = f"""
SELECT e.sequence, e.entry_date, e.previous_hash, e.entry_hash,
  COALESCE(agg.balanced, FALSE) AS balanced,
  encode(sha256(convert_to(concat_ws(chr(31), '{HEADER}', e.provider_id::text, e.sequence::text,
    e.entry_date::text, e.memo, e.source,
    CASE WHEN e.reverses_id IS NULL THEN ''
      ELSE (SELECT r.sequence FROM books_journalentry r WHERE r.id = e.reverses_id)::text END,
    COALESCE(agg.lines, ''), e.previous_hash), 'UTF8')), 'hex') AS recomputed
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
ORDER BY e.provider_id, e.sequence
LIMIT %s
"""

# Each entry is compared with the one before it in the database too (lag), and only the rows
# Python needs come back: the first and last of the chunk and any that do not hold. A million
# rows crossing into Python cost more than checking them where they are.
POSTGRESQL_CHECKED_CHUNK = f"""
WITH chunk AS ({POSTGRESQL_CHUNK})
SELECT sequence, entry_date, previous_hash, entry_hash, balanced, recomputed, prev_sequence,
  prev_hash, total
FROM (
  SELECT c.*, lag(c.sequence) OVER w AS prev_sequence, lag(c.entry_hash) OVER w AS prev_hash,
    row_number() OVER w AS position, count(*) OVER () AS total
  FROM chunk c WINDOW w AS (ORDER BY c.sequence)
) x
WHERE position = 1 OR position = total OR NOT balanced OR recomputed <> entry_hash
  OR sequence <> prev_sequence + 1 OR previous_hash <> prev_hash
ORDER BY sequence
"""


def _cents(text: str) -> int:
    return int(text.replace(".", ""))


def _postgresql_rows(
    provider_id: int, cursor, after: int, high: int
) -> tuple[list[VerifiedRow], int]:
    """The chunk's rows that Python must see, and how many entries the chunk had."""
    cursor.execute(
        POSTGRESQL_CHECKED_CHUNK,
        [sorted(ACCOUNTS), provider_id, after, high, VERIFY_CHUNK],
    )
    rows = cursor.fetchall()
    return [row[:8] for row in rows], (rows[0][8] if rows else 0)


def _python_rows(provider_id: int, cursor, after: int, high: int) -> tuple[list[VerifiedRow], int]:
    """Every row of the chunk, with the text, the hash and the balance worked out here."""
    entries = JournalEntry._meta.db_table
    cursor.execute(
        f"SELECT e.id, e.sequence, e.entry_date, e.memo, e.source, r.sequence, e.previous_hash, "
        f"e.entry_hash FROM {entries} e LEFT JOIN {entries} r ON r.id = e.reverses_id "
        f"WHERE e.provider_id = %s AND e.sequence > %s AND e.sequence <= %s ORDER BY e.sequence "
        f"LIMIT %s",
        [provider_id, after, high, VERIFY_CHUNK],
    )
    rows = cursor.fetchall()
    if not rows:
        return [], 0
    cursor.execute(
        f"SELECT l.entry_id, l.account, l.debit, l.credit, l.connection_id "
        f"FROM {JournalLine._meta.db_table} l JOIN {entries} e ON e.id = l.entry_id "
        f"WHERE e.provider_id = %s AND e.sequence > %s AND e.sequence <= %s",
        [provider_id, after, rows[-1][1]],
    )
    lines: dict[int, list[tuple]] = {}
    for entry_id, account, line_debit, line_credit, connection_id in cursor.fetchall():
        # SQLite hands numbers back as int or float; two decimals, as _amount writes them.
        debit_text, credit_text = f"{line_debit:.2f}", f"{line_credit:.2f}"
        lines.setdefault(entry_id, []).append(
            (account, debit_text, credit_text, connection_id or 0, connection_id)
        )
    verified: list[VerifiedRow] = []
    before: tuple[int | None, str | None] = (None, None)
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
        recomputed = hashlib.sha256(text.encode("utf-8")).hexdigest()
        balanced = balanced and debits == credits
        verified.append((sequence, entry_date, previous, stored, balanced, recomputed, *before))
        before = (sequence, stored)
    return verified, len(verified)


def _verified_chunks(
    provider_id: int, low: int, high: int
) -> Iterator[tuple[list[VerifiedRow], int]]:
    """The provider's entries numbered above ``low`` up to ``high``, in order, a chunk at a time.

    Each chunk comes with how many entries it had; on PostgreSQL its rows are only the first,
    the last and those that do not hold.

    Chunks are read by key (the entries after the last one read, up to a limit), which keeps
    PostgreSQL on the (provider, sequence) index however the numbers are spread.
    """
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
            # A date cast to text is written YYYY-MM-DD in this style (and far quicker than
            # to_char).
            cursor.execute("SELECT set_config('datestyle', 'ISO, YMD', true)")
        after = low
        while after < high:
            rows, total = rows_of(provider_id, cursor, after, high)
            if not rows:
                break
            yield rows, total
            after = rows[-1][0]


@dataclass
class _Part:
    """What one range of sequence numbers showed: its ends, and its own first bad entry.

    The first entry's link to the previous range is not known inside the range; ``verify_chain``
    checks it when it joins the parts.
    """

    first: tuple[int, str, datetime.date] | None = None  # sequence, previous hash, date
    last_sequence: int = 0
    last_hash: str = GENESIS
    entries: int = 0
    # (sequence, kind, date, expected sequence) of the first entry that does not hold.
    bad: tuple[int, str, datetime.date, int] | None = None


def _verify_part(provider_id: int, low: int, high: int) -> _Part:
    part = _Part()
    expected_previous = GENESIS
    expected_sequence = low + 1
    for rows, total in _verified_chunks(provider_id, low, high):
        for sequence, entry_date, previous, stored, balanced, recomputed, *before in rows:
            if before[0] is not None:
                # Rows in between were not sent: they hold. Compare with the row just before.
                expected_sequence, expected_previous = before[0] + 1, before[1]
            if part.first is None:
                part.first = (sequence, previous, entry_date)
                # The link into this range is checked when the ranges are joined.
                expected_previous, expected_sequence = previous, sequence
            if part.bad is None:
                kind = None
                if sequence != expected_sequence:
                    kind = MISSING
                elif previous != expected_previous:
                    kind = UNLINKED
                elif not balanced:
                    kind = UNBALANCED
                elif recomputed != stored:
                    kind = CHANGED
                if kind is not None:
                    part.bad = (sequence, kind, entry_date, expected_sequence)
            expected_previous = stored
            expected_sequence = sequence + 1
        part.entries += total
    part.last_sequence = expected_sequence - 1
    part.last_hash = expected_previous
    return part


# A chain this long is read over two database connections at once: PostgreSQL rebuilding each
# entry's text is most of the work, and the machine has more than one processor.
PARALLEL_FROM = 200_000
VERIFY_WORKERS = 2


def may_read_in_threads() -> bool:
    """Whether reads may go over other connections at once: PostgreSQL, outside a transaction.

    SQLite has one file and one writer; inside a transaction (a test, a page) other connections
    would not see what this one has not committed.
    """
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def in_own_connection(function, *args):
    """Run ``function`` in a worker thread with the thread's own connection, closed after."""
    try:
        return function(*args)
    finally:
        connection.close()


def _parts(provider_id: int, first: int, last: int) -> list[_Part]:
    """The entries after ``first`` up to ``last``, read in one range or several at once."""
    if last - first < PARALLEL_FROM:
        return [_verify_part(provider_id, first, last)]
    step = -(-(last - first) // VERIFY_WORKERS)
    bounds = [(low, min(low + step, last)) for low in range(first, last, step)]
    if not may_read_in_threads():
        return [_verify_part(provider_id, low, high) for low, high in bounds]
    with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
        futures = [
            pool.submit(in_own_connection, _verify_part, provider_id, low, high)
            for low, high in bounds
        ]
        return [future.result() for future in futures]


def last_sequence(provider_id: int) -> int:
    last = (
        JournalEntry.objects.filter(provider_id=provider_id)
        .order_by("-sequence")
        .values_list("sequence", flat=True)[:1]
    )
    return last[0] if last else 0


def verify_chain(provider_id: int, *, after: tuple[int, str] = (0, GENESIS)) -> ChainReport:
    """Recompute every hash and link of one provider's chain, and check each entry balances.

    ``after`` (a sequence and its hash, already verified) verifies only the entries after it,
    the first of them linked to that hash; ``entries`` then counts only those.
    """
    report = ChainReport(provider_id)
    previous_sequence, previous_hash = after
    for part in _parts(provider_id, previous_sequence, last_sequence(provider_id)):
        if part.first is None:
            continue
        if report.first_bad is None:
            sequence, link, entry_date = part.first
            bad = None
            if sequence != previous_sequence + 1:
                bad = (sequence, MISSING, entry_date, previous_sequence + 1)
            elif link != previous_hash:
                bad = (sequence, UNLINKED, entry_date, sequence)
            bad = bad or part.bad
            if bad is not None:
                sequence, kind, entry_date, expected = bad
                report.first_bad = (sequence, PROBLEMS[kind].format(expected))
                report.first_bad_kind = kind
                report.first_bad_date = entry_date
                if kind == MISSING:
                    report.missing_sequence = expected
        report.entries += part.entries
        previous_hash, previous_sequence = part.last_hash, part.last_sequence
    report.head = previous_hash
    report.last_sequence = previous_sequence
    return report


# Chains up to this long are verified on every page view (a tenth of a second or so); longer
# ones rely on a full check at most FULL_CHECK_AGE old, plus the entries posted since.
LIVE_LIMIT = 20_000
FULL_CHECK_AGE = datetime.timedelta(hours=24)


def remember(report: ChainReport) -> None:
    """Keep a full check's result for ``chain_status``."""
    ChainCheck.objects.update_or_create(
        provider_id=report.provider_id,
        defaults={
            "checked_at": timezone.now(),
            "entries": report.entries,
            "last_sequence": report.last_sequence,
            "head": report.head,
            "first_bad_sequence": report.first_bad[0] if report.first_bad else None,
            "first_bad_kind": report.first_bad_kind or "",
            "first_bad_date": report.first_bad_date,
            "missing_sequence": report.missing_sequence,
        },
    )


def chain_status(provider_id: int) -> ChainReport:
    """The chain's state for a page: read in full when short, else as of the last full check.

    A long chain's last full check (at most FULL_CHECK_AGE old) vouches for the entries up to
    its head; the entries posted since are verified now and must link to that head. With no
    recent full check, the whole chain is read now and the result kept.
    """
    last = last_sequence(provider_id)
    if last <= LIVE_LIMIT:
        return verify_chain(provider_id)
    stored = ChainCheck.objects.filter(provider_id=provider_id).first()
    if (
        stored is None
        or stored.checked_at < timezone.now() - FULL_CHECK_AGE
        # The head it vouched for must still be there, unchanged (a cut tail would not show).
        or not JournalEntry.objects.filter(
            provider_id=provider_id, sequence=stored.last_sequence, entry_hash=stored.head
        ).exists()
    ):
        report = verify_chain(provider_id)
        remember(report)
        return report
    if stored.first_bad_sequence is not None:
        report = ChainReport(provider_id, entries=stored.entries, head=stored.head)
        kind = stored.first_bad_kind
        expected = stored.missing_sequence if kind == MISSING else stored.first_bad_sequence
        report.first_bad = (stored.first_bad_sequence, PROBLEMS[kind].format(expected))
        report.first_bad_kind = kind
        report.first_bad_date = stored.first_bad_date
        report.missing_sequence = stored.missing_sequence
    else:
        report = verify_chain(provider_id, after=(stored.last_sequence, stored.head))
        report.entries += stored.entries
    report.checked_at = stored.checked_at
    report.checked_through = stored.last_sequence
    return report


# The short texts kept in ``ChainReport.first_bad`` (pages compare against them).
PROBLEMS = {
    MISSING: "falta el asiento {}",
    UNLINKED: "no enlaza con el asiento anterior",
    UNBALANCED: "el debe y el haber no cuadran",
    CHANGED: "su contenido cambió después de registrarse",
}
