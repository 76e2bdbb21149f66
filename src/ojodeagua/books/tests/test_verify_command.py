"""`ojodeagua ledger verify`: OK for honest books; after tampering, the first bad entry, exit 1.

Tampering is done as a database administrator would: the append-only triggers dropped first.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connection, connections

from ojodeagua.books import ledger
from ojodeagua.books.models import JournalEntry, JournalLine, Payment, PaymentAllocation
from ojodeagua.books.payments import record_payment, void_payment
from ojodeagua.books.tests.factories import (
    D,
    charged_tomas,
    make_committee,
)
from ojodeagua.books.tests.tampering import database_administrator


@pytest.fixture
def committee(db):
    """Fees for January to March, three receipts and one of them voided: 3 + 3 + 1 entries."""
    provider = make_committee("Comité de Agua Las Flores")
    (toma,) = charged_tomas(provider, ["T-01"])
    for number, day in ((1, 5), (2, 12), (3, 20)):
        record_payment(
            provider, record_id=f"r{number}", amount="100", paid_on=D(2026, 3, day), connection=toma
        )
    void_payment(Payment.objects.get(record_id="r3"), "Pago repetido", on=D(2026, 3, 21))
    return provider


def verify(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def test_honest_books_are_ok_with_their_head_and_exit_zero(committee):
    output, code = verify("--provider", str(committee.pk))
    head = ledger.head_hash(committee.pk)
    assert code == 0
    assert output.strip() == f"Comité de Agua Las Flores: 7 asientos, cabeza {head}: OK"


def test_without_a_provider_every_committee_with_books_is_checked(committee):
    other = make_committee("Comité de Agua El Ocote")
    record_payment(other, record_id="o1", amount="10", paid_on=D(2026, 1, 2))
    output, code = verify()
    assert code == 0
    assert "Comité de Agua Las Flores: 7 asientos" in output
    assert "Comité de Agua El Ocote: 1 asiento, cabeza" in output


def test_an_amount_changed_in_the_database_names_the_entry_and_exits_one(committee):
    payment = Payment.objects.get(record_id="r2")
    entry = JournalEntry.objects.get(source=f"books.payment:{payment.pk}")
    with database_administrator(), connection.cursor() as cursor:
        for side in ("debit", "credit"):
            cursor.execute(
                f"UPDATE {JournalLine._meta.db_table} SET {side} = 10 "
                f"WHERE entry_id = %s AND {side} > 0",
                [entry.pk],
            )
    output, code = verify("--provider", str(committee.pk))
    assert code == 1
    assert output.strip() == (
        f"Comité de Agua Las Flores: el asiento {entry.sequence} (12/03/2026) "
        "cambió después de registrarse"
    )
    # The other committees' books are not blamed.
    assert "Las Flores" not in verify("--provider", str(make_committee("Limpio").pk))[0]


def test_a_removed_receipt_is_a_gap_and_a_payment_without_its_entry(committee):
    payment = Payment.objects.get(record_id="r2")
    entry = JournalEntry.objects.get(source=f"books.payment:{payment.pk}")
    with database_administrator(), connection.cursor() as cursor:
        # Someone removes the entry of receipt 2 and rewrites nothing else.
        cursor.execute(f"DELETE FROM {JournalLine._meta.db_table} WHERE entry_id = %s", [entry.pk])
        cursor.execute(f"DELETE FROM {JournalEntry._meta.db_table} WHERE id = %s", [entry.pk])
    output, code = verify()
    assert code == 1
    assert (
        f"Comité de Agua Las Flores: falta el asiento {entry.sequence} "
        f"(el que sigue es el {entry.sequence + 1}, del 20/03/2026)"
    ) in output
    assert "Comité de Agua Las Flores: el recibo 2 no tiene su asiento en las cuentas" in output
    with database_administrator(), connection.cursor() as cursor:
        # And then the receipt itself.
        PaymentAllocation.objects.filter(payment=payment)._raw_delete(connection.alias)
        cursor.execute(f"DELETE FROM {Payment._meta.db_table} WHERE id = %s", [payment.pk])
    output, code = verify()
    assert code == 1
    assert "falta el recibo número 2: la numeración tiene un hueco" in output


def test_the_last_receipt_removed_still_shows_as_a_gap(committee):
    payment = Payment.objects.get(record_id="r3")
    with database_administrator(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM books_paymentvoid WHERE payment_id = %s", [payment.pk])
        PaymentAllocation.objects.filter(payment=payment)._raw_delete(connection.alias)
        cursor.execute(f"DELETE FROM {Payment._meta.db_table} WHERE id = %s", [payment.pk])
    output, code = verify("--provider", str(committee.pk))
    assert code == 1 and "falta el recibo número 3" in output


def test_an_unknown_provider_is_an_error(db):
    with pytest.raises(CommandError, match="No hay un comité con el id 999999"):
        call_command("ledger", "verify", "--provider", "999999")


def test_the_exit_code_reaches_the_shell(committee, monkeypatch, capsys):
    # The command closes connections when it ends; keep the test's transaction open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as ended:
        with database_administrator(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {JournalEntry._meta.db_table} SET memo = 'otra cosa' WHERE provider_id = "
                "%s AND sequence = 1",
                [committee.pk],
            )
        execute_from_command_line(
            ["ojodeagua", "ledger", "verify", "--provider", str(committee.pk)]
        )
    assert ended.value.code == 1
    captured = capsys.readouterr()
    assert "el asiento 1 (01/01/2026) cambió después de registrarse" in captured.out
    assert "no están bien" in captured.err


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_checking_every_committee_shows_a_bar_on_standard_error_and_clean_findings(committee):
    other = make_committee("Comité de Agua El Ocote")
    record_payment(other, record_id="o1", amount="10", paid_on=D(2026, 1, 2))
    out, log, terminal = StringIO(), StringIO(), Terminal()
    call_command("ledger", "verify", stdout=out, stderr=log)
    # The findings alone on standard output, one line per committee, whatever the bar did.
    assert all(line.endswith(": OK") for line in out.getvalue().splitlines())
    bar = log.getvalue().splitlines()
    assert bar[0].startswith("[") and " 0/" in bar[0]
    assert bar[-1].startswith("[" + "#" * 30 + "]") and bar[-1].endswith("Cuentas revisadas")
    # On a terminal the bar is wiped before each committee's lines and ends on its own line.
    call_command("ledger", "verify", stdout=terminal, stderr=terminal)
    drawn = terminal.getvalue()
    assert drawn.endswith("Cuentas revisadas\n")
    for line in drawn.split("\r\033[K"):
        assert not line.startswith("[") or "OK" not in line


def test_one_committee_is_checked_without_a_bar(committee):
    log = StringIO()
    call_command("ledger", "verify", "--provider", str(committee.pk), stdout=StringIO(), stderr=log)
    assert log.getvalue() == ""
