"""The public accounts of a provider: figures without names, reports to the assembly, and the
check that lets anyone holding a printed report compare its hash with the live books."""

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ojodeagua.audit.trail import record
from ojodeagua.providers.models import Provider

from . import ledger, selectors
from .models import ZERO, Account, AssemblyReport, JournalEntry
from .postings import CHARGE_INCOME
from .selectors import INCOME_ACCOUNTS, MONEY_ACCOUNTS, OM_EXPENSE_ACCOUNTS, months_between
from .verification import BooksReport, books_status

CENT = Decimal("0.01")
# The income accounts a charge to a toma credits: fees, new connections and fines.
CHARGED_ACCOUNTS = list(dict.fromkeys(CHARGE_INCOME.values()))


def cents(amount: Decimal) -> str:
    """Two decimals always: SQLite's sums come back as 60 where PostgreSQL says 60.00."""
    return str(Decimal(amount).quantize(CENT))


@dataclass
class PublicFigures:
    """What the assembly and the public see; amounts as text so they survive JSON unchanged."""

    period_start: str
    period_end: str
    income: dict[str, str] = field(default_factory=dict)
    income_total: str = "0.00"
    expenses: dict[str, str] = field(default_factory=dict)
    expenses_total: str = "0.00"
    result: str = "0.00"
    cash: str = "0.00"
    bank: str = "0.00"
    reserve: str = "0.00"
    balance: str = "0.00"
    reserve_months: str | None = None
    # What was charged to the tomas (fees, new connections and fines, less corrections) and
    # what was paid in the period, both read off the ledger: what was charged is not what came in.
    charged: str = "0.00"
    charged_by_account: dict[str, str] = field(default_factory=dict)
    # What the tomas paid in the period (receipts less those voided).
    paid: str = "0.00"
    # Collection as the indicators read it: what live receipts paid of the charges for the
    # period's months (``collected``), out of those charges (``collection_charged``).
    collection_charged: str = "0.00"
    collected: str = "0.00"
    collection_rate: str | None = None
    # Money that came in: payments (less voided receipts), sales and other income.
    came_in: str | None = None
    sold: str = "0.00"
    other_income: str = "0.00"

    def as_dict(self) -> dict:
        return asdict(self)


def public_figures(provider: Provider, start: datetime.date, end: datetime.date) -> PublicFigures:
    """Income and expenses of the period, money held at its end, reserve and collection.

    Everything but collection comes from the ledger, by account. A charge credits its income
    account (fees, new connections or fines) and debits the tomas' receivable; a payment credits
    the receivable; a correction and a voided receipt post the opposite. So what was charged is
    those three income accounts, and what the tomas paid is what was charged less what the
    receivable grew. The collection rate is the indicators' own (``selectors.collection``): of
    what was charged for the period's months, what live receipts have paid.
    """
    moved = selectors.account_totals(
        provider.pk, INCOME_ACCOUNTS + OM_EXPENSE_ACCOUNTS + [Account.RECEIVABLE], start, end
    )
    income = {account: -amount for account, amount in moved.items() if account in INCOME_ACCOUNTS}
    spent = {account: amount for account, amount in moved.items() if account in OM_EXPENSE_ACCOUNTS}
    held = selectors.balances(provider.pk, until=end)
    income_total = sum(income.values(), ZERO)
    expenses_total = sum(spent.values(), ZERO)
    cash, bank, reserve = (held.get(account, ZERO) for account in MONEY_ACCOUNTS)
    monthly_spending = expenses_total / months_between(start, end)
    charged_by_account = {
        account: income.get(account, ZERO) for account in CHARGED_ACCOUNTS if income.get(account)
    }
    charged = sum(charged_by_account.values(), ZERO)
    paid = charged - moved.get(Account.RECEIVABLE, ZERO)
    collection = selectors.collection(provider.pk, start, end).ratio()
    sold = income.get(Account.INCOME_SALES, ZERO)
    other_income = income.get(Account.INCOME_OTHER, ZERO)
    return PublicFigures(
        period_start=start.isoformat(),
        period_end=end.isoformat(),
        income={account: cents(amount) for account, amount in income.items() if amount},
        income_total=cents(income_total),
        expenses={account: cents(amount) for account, amount in spent.items() if amount},
        expenses_total=cents(expenses_total),
        result=cents(income_total - expenses_total),
        cash=cents(cash),
        bank=cents(bank),
        reserve=cents(reserve),
        balance=cents(cash + bank + reserve),
        reserve_months=(
            str((reserve / monthly_spending).quantize(Decimal("0.1")))
            if monthly_spending > 0
            else None
        ),
        charged=cents(charged),
        charged_by_account={
            account: cents(amount) for account, amount in charged_by_account.items()
        },
        paid=cents(paid),
        collection_charged=cents(collection.denominator),
        collected=cents(collection.numerator),
        # The same efficiency as the indicators' (to 0.001), as a percentage.
        collection_rate=(
            str((collection.value * 100).quantize(Decimal("0.1")))
            if collection.denominator > 0
            else None
        ),
        came_in=cents(paid + sold + other_income),
        sold=cents(sold),
        other_income=cents(other_income),
    )


@transaction.atomic
def publish_report(
    provider: Provider,
    start: datetime.date,
    end: datetime.date,
    presented_on: datetime.date,
    user=None,
    *,
    women_present: int | None = None,
    men_present: int | None = None,
) -> AssemblyReport:
    """Freeze the period's figures with the chain head they were read from, and how many
    women and men came to the assembly when the committee counted them (None: not counted).
    The report is written once: its counts, like its figures, never change afterwards."""
    for name, count in (("women_present", women_present), ("men_present", men_present)):
        if count is not None and count < 0:
            raise ValidationError({name: _("Anote cuántas personas vinieron: 0 o más.")})
    last = (
        JournalEntry.objects.filter(provider=provider)
        .order_by("-sequence")
        .values_list("sequence", "entry_hash")
        .first()
    )
    sequence, head = last if last else (0, ledger.GENESIS)
    report = AssemblyReport.objects.create(
        provider=provider,
        period_start=start,
        period_end=end,
        presented_on=presented_on,
        head_sequence=sequence,
        head_hash=head,
        figures=public_figures(provider, start, end).as_dict(),
        women_present=women_present,
        men_present=men_present,
        published_by=user if user is not None and user.is_authenticated else None,
    )
    record(
        user,
        "create",
        report,
        {
            "head_hash": head,
            "period": [str(start), str(end)],
            "present": {"women": women_present, "men": men_present},
        },
    )
    return report


@dataclass
class HashCheck:
    """What the live books say about a hash someone read off a printed report."""

    found: bool
    sequence: int | None
    entry_date: datetime.date | None
    books: BooksReport
    message: str

    @property
    def chain(self) -> ledger.ChainReport:
        return self.books.chain

    @property
    def trustworthy(self) -> bool:
        """The hash is in the chain and nothing up to now was altered, entries nor records."""
        return self.found and self.books.ok


def normalise_hash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch in "0123456789abcdef")


def check_hash(provider: Provider, text: str, books: BooksReport | None = None) -> HashCheck:
    """Look a printed hash up in the provider's chain and verify the books as they stand
    (``books``: their state, when the caller has it already)."""
    wanted = normalise_hash(text)
    books = books or books_status(provider.pk)
    chain = books.chain
    entry = (
        JournalEntry.objects.filter(provider=provider)
        .filter(Q(entry_hash=wanted) if len(wanted) == 64 else Q(entry_hash__startswith=wanted))
        .values_list("sequence", "entry_date")
        .first()
        if len(wanted) >= 12
        else None
    )
    if entry is None and wanted == ledger.GENESIS:
        entry = (0, None)
    if entry is None:
        message = _(
            "Esa huella no está en las cuentas de este comité. Revise que la copió completa; "
            "si está bien copiada, las cuentas de las que salió el informe ya no existen así."
        )
        return HashCheck(False, None, None, books, message)
    sequence, day = entry
    if books.ok:
        message = _(
            "La huella es la del asiento %(sequence)s y las cuentas no se han alterado desde "
            "entonces: el informe corresponde a las cuentas de verdad."
        ) % {"sequence": sequence}
    elif not chain.ok:
        bad_sequence, _problem = chain.first_bad
        message = _(
            "La huella está en las cuentas, pero el asiento %(bad)s se alteró después de "
            "registrarse: pida al comité que lo explique."
        ) % {"bad": bad_sequence}
    else:
        message = _(
            "La huella está en las cuentas, pero después se alteró un registro: %(problem)s. "
            "Pida al comité que lo explique."
        ) % {"problem": books.problems[0]}
    return HashCheck(True, sequence, day, books, message)
