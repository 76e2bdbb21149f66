"""Monthly totals: kept by the posting code, read by the ledger's selectors, held to their lines
by ``ledger verify`` (and the public page), whatever the period's shape."""

import datetime
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ojodeagua.books import ledger, selectors
from ojodeagua.books.ledger import EntryDraft, credit, debit, post_entries, post_entry
from ojodeagua.books.models import Account, JournalLine, MonthlyTotal, Payment
from ojodeagua.books.payments import record_payment, void_payment
from ojodeagua.books.tests.factories import (
    D,
    add_connection,
    charged_tomas,
    make_committee,
    treasurers_new_committee,
)

CENT = Decimal("0.01")
TOTALS = MonthlyTotal._meta.db_table


def lines_by_month(provider_id: int) -> dict[tuple[str, datetime.date], tuple[Decimal, Decimal]]:
    """(account, month) → (debits, credits), added up here from every line, the long way."""
    found: dict = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in JournalLine.objects.filter(entry__provider_id=provider_id).select_related("entry"):
        sums = found[(line.account, line.entry.entry_date.replace(day=1))]
        sums[0] += line.debit
        sums[1] += line.credit
    return {key: (d.quantize(CENT), c.quantize(CENT)) for key, (d, c) in found.items()}


def kept_totals(provider_id: int) -> dict[tuple[str, datetime.date], tuple[Decimal, Decimal]]:
    return {
        (row.account, row.month): (Decimal(row.debit).quantize(CENT), row.credit.quantize(CENT))
        for row in MonthlyTotal.objects.filter(provider_id=provider_id)
    }


def give(provider, day: datetime.date, amount: str, into=Account.CASH) -> None:
    post_entry(
        provider.pk,
        day,
        "Donativo",
        [debit(into, Decimal(amount)), credit(Account.INCOME_OTHER, Decimal(amount))],
    )


def spend(provider, day: datetime.date, amount: str) -> None:
    post_entry(
        provider.pk,
        day,
        "Cloro",
        [debit(Account.EXPENSE_CHLORINE, Decimal(amount)), credit(Account.CASH, Decimal(amount))],
    )


@pytest.fixture
def committee(db):
    """Fees for January to March for two tomas, receipts in March and April, one voided in May,
    and a batch of entries over several months posted at once."""
    provider = make_committee("Comité de Agua Las Flores")
    first, second = charged_tomas(provider, ["T-01", "T-02"])
    for record_id, amount, day, toma in (
        ("r1", "150", D(2026, 3, 5), first),
        ("r2", "100", D(2026, 3, 31), second),
        ("r3", "50.25", D(2026, 4, 1), first),
    ):
        record_payment(provider, record_id=record_id, amount=amount, paid_on=day, connection=toma)
    void_payment(Payment.objects.get(record_id="r3"), "Pago repetido", on=D(2026, 5, 2))
    post_entries(
        provider.pk,
        [
            EntryDraft(
                D(2026, month, day),
                "Cloro",
                [debit(Account.EXPENSE_CHLORINE, amount), credit(Account.CASH, amount)],
            )
            for month, day, amount in (
                (2, 10, Decimal("12.10")),
                (2, 28, Decimal("7.90")),
                (4, 30, Decimal("3.33")),
                (6, 1, Decimal("40")),
            )
        ],
    )
    return provider


def test_posting_keeps_each_months_totals_equal_to_its_lines(committee):
    kept = kept_totals(committee.pk)
    assert kept == lines_by_month(committee.pk)
    # Two chlorine purchases of February in one total; the void credits May's cash.
    assert kept[(Account.EXPENSE_CHLORINE, D(2026, 2, 1))] == (Decimal("20.00"), Decimal("0.00"))
    assert kept[(Account.CASH, D(2026, 5, 1))] == (Decimal("0.00"), Decimal("50.25"))
    assert kept[(Account.RECEIVABLE, D(2026, 5, 1))] == (Decimal("50.25"), Decimal("0.00"))


def test_a_void_and_a_reversal_adjust_the_totals_of_their_own_month(committee):
    entry = post_entry(
        committee.pk,
        D(2026, 7, 9),
        "Donativo",
        [debit(Account.BANK, Decimal("500")), credit(Account.INCOME_OTHER, Decimal("500"))],
    )
    ledger.reverse_entry(entry, D(2026, 8, 1), "Se anotó dos veces")
    moved = selectors.movements([committee.pk], by_month=True)[committee.pk]
    assert moved[D(2026, 7, 1)][Account.BANK] == Decimal("500")
    assert moved[D(2026, 8, 1)][Account.BANK] == Decimal("-500")
    assert selectors.balances(committee.pk).get(Account.BANK, Decimal(0)) == Decimal("0.00")
    # The receipt voided in May: paid in April, taken back in May.
    assert moved[D(2026, 4, 1)][Account.CASH] == Decimal("50.25") - Decimal("3.33")
    assert moved[D(2026, 5, 1)][Account.CASH] == Decimal("-50.25")
    assert kept_totals(committee.pk) == lines_by_month(committee.pk)


def from_lines(provider_id: int, start, end, by_month: bool) -> dict:
    """What ``movements`` must say, from the lines one by one."""
    found: dict = defaultdict(dict)
    for line in JournalLine.objects.filter(entry__provider_id=provider_id).select_related("entry"):
        day = line.entry.entry_date
        if (start and day < start) or (end and day > end):
            continue
        key = day.replace(day=1) if by_month else None
        found[key][line.account] = found[key].get(line.account, Decimal(0)) + (
            line.debit - line.credit
        )
    return {
        month: {account: amount.quantize(CENT) for account, amount in accounts.items()}
        for month, accounts in found.items()
    }


PERIODS = [
    (None, None),
    (D(2026, 1, 1), D(2026, 12, 31)),
    (D(2026, 3, 1), D(2026, 4, 30)),  # whole months only
    (D(2026, 3, 6), D(2026, 4, 30)),  # a month begun, then a whole one
    (D(2026, 2, 1), D(2026, 3, 30)),  # a whole month, then one not ended
    (D(2026, 2, 15), D(2026, 5, 1)),  # both ends inside their months
    (D(2026, 3, 2), D(2026, 3, 31)),  # inside one month
    (D(2026, 3, 5), D(2026, 3, 5)),  # one day
    (None, D(2026, 3, 31)),
    (None, D(2026, 4, 15)),
    (D(2026, 4, 2), None),
    (D(2026, 5, 1), D(2026, 4, 30)),  # empty
]


@pytest.mark.parametrize("by_month", [False, True])
@pytest.mark.parametrize("start,end", PERIODS)
def test_movements_are_the_lines_sums_for_whole_months_and_for_days(
    committee, start, end, by_month
):
    moved = selectors.movements([committee.pk], start, end, by_month=by_month).get(committee.pk, {})
    rounded = {
        month: {account: Decimal(amount).quantize(CENT) for account, amount in accounts.items()}
        for month, accounts in moved.items()
    }
    assert rounded == from_lines(committee.pk, start, end, by_month)


def test_whole_months_are_read_from_the_totals_and_days_from_the_lines(committee):
    """A total changed behind the posting code's back moves the figures of its whole month, not
    a period that only holds some of its days (and ``ledger verify`` names it: below)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TOTALS} SET debit = debit + 1000 WHERE account = %s AND month = %s",
            [Account.CASH, D(2026, 3, 1)],
        )
    march = selectors.account_totals(committee.pk, [Account.CASH], D(2026, 3, 1), D(2026, 3, 31))
    assert march[Account.CASH] == Decimal("1250")
    days = selectors.account_totals(committee.pk, [Account.CASH], D(2026, 3, 2), D(2026, 3, 31))
    assert days[Account.CASH] == Decimal("250")


def verify(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def change_total(sql: str, params: list) -> None:
    """Totals carry no trigger (posting updates them): anyone who can write SQL can change one."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_ledger_verify_names_a_monthly_total_changed_in_the_database(committee, client):
    output, code = verify("--provider", str(committee.pk))
    assert code == 0, output
    change_total(
        f"UPDATE {TOTALS} SET credit = credit + 10 WHERE account = %s AND month = %s",
        [Account.INCOME_FEES, D(2026, 2, 1)],
    )
    output, code = verify("--provider", str(committee.pk))
    assert code == 1
    assert output.strip() == (
        "Comité de Agua Las Flores: el total de 02/2026 de la cuenta ingresos por cuotas "
        "no coincide con sus asientos"
    )
    page = client.get(f"/transparencia/{committee.pk}/").content.decode()
    assert (
        "El total de 02/2026 de la cuenta ingresos por cuotas no coincide con sus asientos" in page
    )


def test_a_total_removed_or_added_is_named_too_the_first_month_first(committee):
    change_total(
        f"DELETE FROM {TOTALS} WHERE account = %s AND month = %s",
        [Account.EXPENSE_CHLORINE, D(2026, 6, 1)],
    )
    change_total(
        f"INSERT INTO {TOTALS} (provider_id, account, month, debit, credit) "
        f"VALUES (%s, %s, %s, 5, 0)",
        [committee.pk, Account.RESERVE, D(2026, 4, 1)],
    )
    output, code = verify("--provider", str(committee.pk))
    assert code == 1
    assert output.strip() == (
        "Comité de Agua Las Flores: el total de 04/2026 de la cuenta fondo de reserva "
        "no coincide con sus asientos (y 1 total más así)"
    )


def test_a_changed_total_stands_with_the_records_on_a_long_chains_page(
    committee, client, monkeypatch
):
    """A long chain's page reads what the nightly check found (``books_status``)."""
    monkeypatch.setattr(ledger, "LIVE_LIMIT", 5)
    change_total(
        f"UPDATE {TOTALS} SET debit = debit + 1 WHERE account = %s AND month = %s",
        [Account.CASH, D(2026, 3, 1)],
    )
    verify("--provider", str(committee.pk))
    page = client.get(f"/transparencia/{committee.pk}/").content.decode()
    assert "El total de 03/2026 de la cuenta caja no coincide con sus asientos" in page


def books_page_queries(client, provider) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/cuentas/{provider.pk}/").status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_the_books_pages_queries_do_not_grow_with_months(tesorera):
    provider = treasurers_new_committee()
    add_connection(provider, "T-9", number="9", name="Guadalupe Díaz Méndez")
    give(provider, D(2026, 1, 3), "100")
    before = books_page_queries(tesorera, provider)
    for month in range(1, 13):
        for year in (2024, 2025):
            give(provider, D(year, month, 3), "100", into=Account.BANK)
            spend(provider, D(year, month, 20), "30")
    assert books_page_queries(tesorera, provider) == before
