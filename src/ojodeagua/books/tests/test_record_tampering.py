"""Money records changed behind the application's back: refused by the database, and, when
someone who owns the file drops the triggers first, named by ``ledger verify`` and announced on
the public page as a changed chain is.

Every kind of money record is made here through the books' own functions, then changed in the
database as a database administrator would: the append-only triggers dropped first.
"""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from ojodeagua.books import ledger, verification
from ojodeagua.books.cash import (
    add_money_account,
    opening_balance,
    record_cash_count,
    record_deposit,
    record_expense,
    record_sale,
)
from ojodeagua.books.charges import charge_fine, credit_charge
from ojodeagua.books.models import (
    CashCount,
    ChainCheck,
    Charge,
    Deposit,
    Expense,
    JournalEntry,
    MoneyAccount,
    Payment,
    PaymentAllocation,
    PaymentVoid,
    Quote,
    Sale,
    Signer,
)
from ojodeagua.books.payments import void_payment
from ojodeagua.books.postings import source_of
from ojodeagua.books.tests.factories import D, charged_tomas, make_committee, pay
from ojodeagua.books.tests.tampering import BOOKS_TABLES, tamper
from ojodeagua.books.transparency import publish_report
from ojodeagua.providers.tests.factories import reached_by

NAME = "Comité de Agua Los Pinos"


@pytest.fixture
def books(db):
    return every_money_record()


def every_money_record():
    """One of every money record, written through the books' functions.

    Two tomas charged $100 for January to March; receipts 1 ($40, part of T-01's January),
    2 ($160, the rest of T-01's January and its February), 3 ($100, T-02, voided) and 4 (a
    $25 donation, by transfer); T-02's March credited; a fine for T-02; an opening balance;
    a deposit; an expense of $2,500 with its three quotes; a sale; a cash count $10 short.
    """
    provider = make_committee(NAME)
    first, second = charged_tomas(provider, ["T-01", "T-02"])
    opening_balance(provider, cash="3000", bank="3000", on=D(2025, 12, 31))
    pay(provider, "r1", "40", D(2026, 3, 2), first)
    pay(provider, "r2", "160", D(2026, 3, 3), first)
    voided, _new = pay(provider, "r3", "100", D(2026, 3, 4), second)
    void_payment(voided, "Se anotó en la toma equivocada", on=D(2026, 3, 5))
    pay(provider, "r4", "25", D(2026, 3, 6), method=Payment.Method.TRANSFER, concept="Donativo")
    march = Charge.objects.get(connection=second, period=D(2026, 3, 1))
    credit_charge(march, "La toma estuvo suspendida en marzo", on=D(2026, 3, 7), record_id="c1")
    charge_fine(second, on=D(2026, 3, 8), amount="50", description="Faena", record_id="f1")
    account = add_money_account(provider, institution="Caja Popular", kind="cooperative")
    record_deposit(
        provider, account=account, deposited_on=D(2026, 3, 9), amount="100", record_id="d1"
    )
    record_expense(
        provider,
        spent_on=D(2026, 3, 10),
        category=Expense.Category.REPAIRS,
        amount="2500",
        supplier="Ferretería El Tubo",
        description="Tubería para la línea de conducción",
        paid_from=Expense.PaidFrom.BANK,
        quotes=[
            {"supplier": "Ferretería El Tubo", "amount": "2500", "chosen": True},
            {"supplier": "Materiales Ocosingo", "amount": "2800"},
            {"supplier": "Tubos del Sur", "amount": "3100"},
        ],
        record_id="x1",
    )
    record_sale(
        provider,
        sold_on=D(2026, 3, 11),
        product="jug_20l",
        quantity="4",
        unit_price="12.50",
        record_id="s1",
    )
    expected = ledger.balances(provider.pk, until=D(2026, 3, 12))["cash"]
    record_cash_count(
        provider,
        counted_on=D(2026, 3, 12),
        counted=expected - 10,
        first_signer=Signer.TREASURER,
        second_signer=Signer.VIGILANCE,
        record_id="k1",
    )
    return provider


def verify(provider) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("ledger", "verify", "--provider", str(provider.pk), stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def sequence_of(record) -> int:
    return JournalEntry.objects.get(source=source_of(record)).sequence


def receipt(books, number: int) -> Payment:
    return Payment.objects.get(provider=books, receipt_number=number)


def test_honest_books_hold_every_record_to_its_entry(books):
    output, code = verify(books)
    assert code == 0, output
    assert output.strip().endswith(": OK")
    assert verification.record_problems(books.pk) == []


# Every table of money refuses to change, whatever code runs ---------------------------------------
MONEY_TABLES = [
    (Payment, "amount = amount + 1"),
    (PaymentAllocation, "amount = amount + 1"),
    (PaymentVoid, "reason = 'otra'"),
    (Charge, "amount = amount + 1"),
    (Expense, "amount = amount + 1"),
    (Quote, "amount = amount + 1"),
    (Deposit, "amount = amount + 1"),
    (CashCount, "counted = counted + 1"),
    (Sale, "quantity = quantity + 1"),
]


@pytest.mark.parametrize(
    ("model", "change"), MONEY_TABLES, ids=lambda v: getattr(v, "__name__", "")
)
def test_every_money_table_refuses_an_update(books, model, change):
    table = model._meta.db_table
    assert table in BOOKS_TABLES  # the tampering helper can lift its trigger
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {change}")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize("model", [model for model, _change in MONEY_TABLES])
def test_on_postgresql_no_money_row_is_deleted_either(books, model):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table}")


# Each kind of record, changed by someone who dropped the triggers, is named -----------------------
def changed_receipt_amount(books):
    # The finding's example: receipt 1 from $40 to $540.
    payment = receipt(books, 1)
    tamper("UPDATE books_payment SET amount = 540 WHERE id = %s", [payment.pk])
    return f"el recibo 1 no coincide con su asiento {sequence_of(payment)} (monto)"


def changed_receipt_date(books):
    payment = receipt(books, 2)
    tamper("UPDATE books_payment SET paid_on = %s WHERE id = %s", ["2026-02-20", payment.pk])
    return f"el recibo 2 no coincide con su asiento {sequence_of(payment)} (fecha)"


def changed_receipt_method(books):
    payment = receipt(books, 2)
    tamper("UPDATE books_payment SET method = 'transfer' WHERE id = %s", [payment.pk])
    return f"el recibo 2 no coincide con su asiento {sequence_of(payment)} (cuenta)"


def changed_receipt_toma(books):
    payment = receipt(books, 1)
    others = Charge.objects.filter(provider=books).exclude(connection=payment.connection)
    other = others.first().connection_id
    tamper("UPDATE books_payment SET connection_id = %s WHERE id = %s", [other, payment.pk])
    return f"el recibo 1 no coincide con su asiento {sequence_of(payment)} (toma)"


def changed_void_date(books):
    void = PaymentVoid.objects.get(payment__provider=books)
    tamper("UPDATE books_paymentvoid SET voided_on = %s WHERE id = %s", ["2026-03-20", void.pk])
    return f"la cancelación del recibo 3 no coincide con su asiento {sequence_of(void)} (fecha)"


def changed_void_receipt(books):
    # The cancellation moved from receipt 3 to receipt 1: another amount, toma and entry.
    void = PaymentVoid.objects.get(payment__provider=books)
    tamper(
        "UPDATE books_paymentvoid SET payment_id = %s WHERE id = %s",
        [receipt(books, 1).pk, void.pk],
    )
    return (
        f"la cancelación del recibo 1 no coincide con su asiento {sequence_of(void)} "
        "(monto, toma, a qué se refiere)"
    )


def changed_charge_amount(books):
    fees = Charge.objects.filter(provider=books, kind=Charge.Kind.MONTHLY_FEE)
    charge = fees.order_by("pk").first()
    tamper("UPDATE books_charge SET amount = 10 WHERE id = %s", [charge.pk])
    return f"el cargo {charge.pk} no coincide con su asiento {sequence_of(charge)} (monto)"


def changed_charge_month(books):
    charge = Charge.objects.get(provider=books, kind=Charge.Kind.FINE)
    tamper("UPDATE books_charge SET period = %s WHERE id = %s", ["2026-01-01", charge.pk])
    return f"el cargo {charge.pk} no coincide con su asiento {sequence_of(charge)} (fecha)"


def changed_charge_kind(books):
    charge = Charge.objects.get(provider=books, kind=Charge.Kind.FINE)
    tamper("UPDATE books_charge SET kind = 'connection_fee' WHERE id = %s", [charge.pk])
    return f"el cargo {charge.pk} no coincide con su asiento {sequence_of(charge)} (cuenta)"


def changed_credit_amount(books):
    credit = Charge.objects.get(provider=books, kind=Charge.Kind.CREDIT)
    tamper("UPDATE books_charge SET amount = -40 WHERE id = %s", [credit.pk])
    return (
        f"la corrección de cargo {credit.pk} no coincide con su asiento {sequence_of(credit)} "
        "(monto)"
    )


def changed_expense_amount(books):
    expense = Expense.objects.get(provider=books)
    tamper("UPDATE books_expense SET amount = 250 WHERE id = %s", [expense.pk])
    return f"el gasto {expense.pk} no coincide con su asiento {sequence_of(expense)} (monto)"


def changed_expense_category(books):
    expense = Expense.objects.get(provider=books)
    tamper("UPDATE books_expense SET category = 'energy' WHERE id = %s", [expense.pk])
    return f"el gasto {expense.pk} no coincide con su asiento {sequence_of(expense)} (cuenta)"


def changed_chosen_quote(books):
    expense = Expense.objects.get(provider=books)
    tamper(
        "UPDATE books_quote SET amount = 1900 WHERE expense_id = %s AND supplier = %s",
        [expense.pk, "Ferretería El Tubo"],
    )
    return f"las cotizaciones del gasto {expense.pk} no coinciden con el gasto"


def quote_chosen_again(books):
    expense = Expense.objects.get(provider=books)
    tamper(
        "UPDATE books_quote SET chosen = %s WHERE expense_id = %s AND supplier = %s",
        [True, expense.pk, "Tubos del Sur"],
    )
    return f"las cotizaciones del gasto {expense.pk} no coinciden con el gasto"


def changed_deposit_amount(books):
    deposit = Deposit.objects.get(provider=books)
    tamper("UPDATE books_deposit SET amount = 1000 WHERE id = %s", [deposit.pk])
    return f"el depósito {deposit.pk} no coincide con su asiento {sequence_of(deposit)} (monto)"


def changed_deposit_date(books):
    deposit = Deposit.objects.get(provider=books)
    tamper("UPDATE books_deposit SET deposited_on = %s WHERE id = %s", ["2026-03-01", deposit.pk])
    return f"el depósito {deposit.pk} no coincide con su asiento {sequence_of(deposit)} (fecha)"


def changed_cash_count(books):
    count = CashCount.objects.get(provider=books)
    tamper("UPDATE books_cashcount SET counted = expected WHERE id = %s", [count.pk])
    return (
        f"el corte de caja {count.pk} no coincide con su asiento {sequence_of(count)} "
        "(monto, cuenta)"
    )


def changed_sale_quantity(books):
    # The total stays; the jugs sold (what the kiosk's litres come from) do not.
    sale = Sale.objects.get(provider=books)
    tamper("UPDATE books_sale SET quantity = 40 WHERE id = %s", [sale.pk])
    return f"la venta {sale.pk} no coincide con su asiento {sequence_of(sale)} (monto)"


def settled_less(books):
    # Receipt 2 settled $60 of January and $100 of February; now only $10 of January.
    allocation = PaymentAllocation.objects.filter(payment=receipt(books, 2)).order_by(
        "charge__period"
    )[0]
    tamper("UPDATE books_paymentallocation SET amount = 10 WHERE id = %s", [allocation.pk])
    return "lo que el recibo 2 pagó de cada cargo no cuadra con lo pagado y lo cobrado"


def settled_more(books):
    allocation = PaymentAllocation.objects.get(payment=receipt(books, 1))
    tamper("UPDATE books_paymentallocation SET amount = 540 WHERE id = %s", [allocation.pk])
    return "lo que el recibo 1 pagó de cada cargo no cuadra con lo pagado y lo cobrado"


def settled_another_tomas_charge(books):
    allocation = PaymentAllocation.objects.get(payment=receipt(books, 1))
    theirs = Charge.objects.filter(provider=books, kind=Charge.Kind.MONTHLY_FEE).exclude(
        connection=receipt(books, 1).connection
    )
    tamper(
        "UPDATE books_paymentallocation SET charge_id = %s WHERE id = %s",
        [theirs.order_by("period").first().pk, allocation.pk],
    )
    # Both tomas are out: T-01 settled less of its own charges, T-02 more than it paid.
    return (
        "lo que el recibo 1 pagó de cada cargo no cuadra con lo pagado y lo cobrado "
        "(y 1 registro más así)"
    )


TAMPERINGS = [
    changed_receipt_amount,
    changed_receipt_date,
    changed_receipt_method,
    changed_receipt_toma,
    changed_void_date,
    changed_void_receipt,
    changed_charge_amount,
    changed_charge_month,
    changed_charge_kind,
    changed_credit_amount,
    changed_expense_amount,
    changed_expense_category,
    changed_chosen_quote,
    quote_chosen_again,
    changed_deposit_amount,
    changed_deposit_date,
    changed_cash_count,
    changed_sale_quantity,
    settled_less,
    settled_more,
    settled_another_tomas_charge,
]


@pytest.mark.parametrize("tampering", TAMPERINGS, ids=lambda tampering: tampering.__name__)
def test_ledger_verify_names_a_money_record_changed_in_the_database(books, tampering):
    expected = tampering(books)
    output, code = verify(books)
    assert code == 1
    # The chain itself holds: the record is what changed, and it is the one named.
    assert output.strip() == f"{NAME}: {expected}"


def test_several_records_changed_name_the_first_and_count_the_rest(books):
    first, second = Charge.objects.filter(provider=books, kind=Charge.Kind.MONTHLY_FEE).order_by(
        "pk"
    )[:2]
    tamper("UPDATE books_charge SET amount = 10 WHERE id IN (%s, %s)", [first.pk, second.pk])
    output, code = verify(books)
    assert code == 1
    assert output.strip() == (
        f"{NAME}: el cargo {first.pk} no coincide con su asiento {sequence_of(first)} (monto) "
        "(y 1 registro más así)"
    )


def test_with_an_altered_entry_the_chain_is_named_not_the_records_held_to_it(books):
    payment = receipt(books, 1)
    entry = JournalEntry.objects.get(source=source_of(payment))
    tamper(
        "UPDATE books_journalline SET debit = CASE WHEN debit > 0 THEN 540 ELSE 0 END, "
        "credit = CASE WHEN credit > 0 THEN 540 ELSE 0 END WHERE entry_id = %s",
        [entry.pk],
    )
    output, code = verify(books)
    assert code == 1
    assert output.strip() == (
        f"{NAME}: el asiento {entry.sequence} (02/03/2026) cambió después de registrarse"
    )


# Announced where people look --------------------------------------------------------------------
def test_the_public_page_announces_a_changed_receipt_as_it_does_a_changed_chain(books):
    report = publish_report(books, D(2026, 3, 1), D(2026, 3, 31), D(2026, 4, 4))
    anyone = Client()
    honest = anyone.get(f"/transparencia/{books.pk}/", {"huella": report.head_hash})
    assert "Las cuentas se alteraron" not in honest.content.decode()
    assert "Coincide" in honest.content.decode()

    expected = changed_receipt_amount(books)
    html = anyone.get(f"/transparencia/{books.pk}/", {"huella": report.head_hash}).content.decode()
    assert "Las cuentas se alteraron" in html
    assert expected[0].upper() + expected[1:] + "." in html
    # A printed report of these books no longer vouches for them.
    assert "No coincide" in html
    assert f"después se alteró un registro: {expected}" in html
    # Nothing personal on the way: the toma's household is not named.
    assert "Familia" not in html


def test_the_committees_books_page_announces_it_too(books, tesorera):
    reached_by(books, "tesorera")
    expected = changed_deposit_amount(books)
    page = tesorera.get(f"/cuentas/{books.pk}/").content.decode()
    assert "Las cuentas se alteraron" in page
    assert expected[0].upper() + expected[1:] + "." in page


def test_a_long_chain_keeps_what_the_nightly_check_found_in_its_records(books, monkeypatch):
    # A municipal office's chain is too long to reread on every page view: the page stands on
    # the last full check (``ledger verify``), records included.
    monkeypatch.setattr(ledger, "LIVE_LIMIT", 5)
    assert verify(books)[1] == 0
    expected = changed_expense_amount(books)
    # Until the next full check, the page shows the books as that check found them.
    assert verification.books_status(books.pk).ok
    output, code = verify(books)
    assert code == 1 and expected in output
    assert ChainCheck.objects.get(provider=books).record_problems == [expected]
    status = verification.books_status(books.pk)
    assert status.chain.checked_at is not None and status.problems == [expected]
    assert (
        "Las cuentas se alteraron" in Client().get(f"/transparencia/{books.pk}/").content.decode()
    )


def test_money_is_still_recorded_with_the_triggers_in_place(books):
    # The services only insert: nothing they do needs to change a money row.
    payment, created = pay(books, "r5", "60", D(2026, 3, 20), receipt(books, 1).connection)
    assert created and payment.amount == Decimal("60.00")
    void_payment(payment, "Pago repetido", on=D(2026, 3, 21))
    assert verify(books)[1] == 0
    assert MoneyAccount.objects.filter(provider=books).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "tamperings",
    [
        [],
        [changed_receipt_amount],
        [settled_more],
        [changed_chosen_quote],
        [settled_more, changed_receipt_amount],
    ],
    ids=["honest", "receipt", "settlement", "quote", "receipt-and-settlement"],
)
def test_checks_read_at_once_on_their_own_connections_say_the_same(tamperings):
    """Outside a transaction, PostgreSQL reads the chain and the records' checks at once, each
    on its own connection; ``ledger verify`` says what the checks say one after another, and a
    receipt changed still hides the settlements held to it."""
    books = every_money_record()
    expected = [tampering(books) for tampering in tamperings]
    assert ledger.may_read_in_threads() == (connection.vendor == "postgresql")
    output, code = verify(books)
    one_after_another = verification.record_findings(books.pk).beside(ledger.verify_chain(books.pk))
    if not tamperings:
        assert (code, one_after_another) == (0, []), output
        return
    assert code == 1
    assert output.strip() == f"{NAME}: {expected[-1]}"
    assert one_after_another == [expected[-1]]
