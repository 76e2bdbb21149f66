"""Payments: receipt numbers in order, resends recorded once, oldest debts first, voids, arrears."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books.charges import generate_charges
from ojodeagua.books.ledger import balances, verify_chain
from ojodeagua.books.models import (
    Account,
    JournalEntry,
    Payment,
    PaymentAllocation,
    PaymentVoid,
    ReceiptCounter,
)
from ojodeagua.books.payments import (
    PaymentConflict,
    open_charges,
    void_payment,
)
from ojodeagua.books.selectors import arrears, provider_arrears
from ojodeagua.books.tests.factories import (
    D,
    M,
    add_connection,
    charged_tomas,
    make_committee,
    pay,
)
from ojodeagua.lib.records import RecordConflict


@pytest.fixture
def committee(db):
    return make_committee()


@pytest.fixture
def treasurer(db):
    return User.objects.get(username="tesorera")


@pytest.fixture
def toma(committee):
    """A connection charged $100 for January, February and March 2026."""
    (connection,) = charged_tomas(committee, ["T-01"])
    return connection


def left_by_month(toma):
    return {item.charge.period.month: item.open for item in open_charges(toma)}


def test_receipts_are_numbered_from_one_without_gaps(committee, toma, treasurer):
    numbers = [
        pay(committee, f"r{n}", "10", D(2026, 1, 5), toma, user=treasurer)[0].receipt_number
        for n in range(3)
    ]
    assert numbers == [1, 2, 3]
    assert ReceiptCounter.objects.get(provider=committee).last_number == 3
    other = make_committee("Otro comité")
    first_there, _ = pay(other, "other-1", "10", D(2026, 1, 5))
    assert first_there.receipt_number == 1
    payment = Payment.objects.get(record_id="r0")
    assert payment.received_by == treasurer
    event = AuditEvent.objects.get(content_type__model="payment", object_id=str(payment.pk))
    assert event.actor_label == "tesorera" and event.provider_id == committee.pk


def test_the_same_payment_sent_twice_is_recorded_once(committee, toma):
    first, created = pay(committee, "phone-42", "150.00", D(2026, 3, 10), toma)
    again, created_again = pay(committee, "phone-42", M("150"), D(2026, 3, 10), toma)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Payment.objects.filter(provider=committee).count() == 1
    assert JournalEntry.objects.filter(source=f"books.payment:{first.pk}").count() == 1
    assert PaymentAllocation.objects.filter(payment=first).count() == 2
    assert ReceiptCounter.objects.get(provider=committee).last_number == 1


def test_the_same_key_with_other_content_is_refused(committee, toma):
    pay(committee, "phone-42", "150.00", D(2026, 3, 10), toma)
    with pytest.raises(PaymentConflict) as refused:
        pay(committee, "phone-42", "15.00", D(2026, 3, 10), toma)
    assert "ya se había anotado con el recibo 1" in refused.value.messages[0]
    with pytest.raises(PaymentConflict):
        pay(make_committee("Otro"), "phone-42", "150.00", D(2026, 3, 10))
    assert Payment.objects.filter(record_id="phone-42").count() == 1
    assert (
        JournalEntry.objects.filter(provider=committee, source__startswith="books.payment").count()
        == 1
    )
    # The refused attempt took no number.
    assert pay(committee, "phone-43", "1", D(2026, 3, 10), toma)[0].receipt_number == 2


def test_partial_payments_settle_the_oldest_months_and_arrears_add_up(committee, toma):
    """Hand count: Jan, Feb, Mar $100 each. Paid 150 on 10 March: Jan paid, Feb 50 left."""
    assert arrears(toma, D(2026, 2, 20)) == M("100.00")  # January; February is this month
    payment, _ = pay(committee, "p1", "150", D(2026, 3, 10), toma)
    assert [(a.charge.period.month, a.amount) for a in payment.allocations.all()] == [
        (1, M("100.00")),
        (2, M("50.00")),
    ]
    assert left_by_month(toma) == {2: M("50.00"), 3: M("100.00")}
    assert arrears(toma, D(2026, 3, 15)) == M("50.00")  # March is the current month
    assert arrears(toma, D(2026, 4, 1)) == M("150.00")
    assert arrears(toma, D(2026, 3, 9)) == M("200.00")  # before the payment
    pay(committee, "p2", "30", D(2026, 4, 2), toma)
    assert left_by_month(toma) == {2: M("20.00"), 3: M("100.00")}
    assert arrears(toma, D(2026, 4, 30)) == M("120.00")
    # The ledger agrees: 300 charged, 180 received.
    held = balances(committee.pk)
    assert held[Account.RECEIVABLE] == M("120.00") and held[Account.CASH] == M("180.00")
    # Provider-wide: a second toma that paid nothing owes all three months by April.
    other = add_connection(committee, "T-02")
    for month in (1, 2, 3):
        generate_charges(committee, D(2026, month, 1))
    assert provider_arrears(committee, D(2026, 4, 30)) == {
        toma.pk: M("120.00"),
        other.pk: M("300.00"),
    }


def test_more_than_is_owed_stays_as_credit_for_the_connection(committee, toma):
    payment, _ = pay(committee, "big", "350", D(2026, 3, 31), toma)
    assert sum(a.amount for a in payment.allocations.all()) == M("300.00")
    assert open_charges(toma) == []
    assert balances(committee.pk)[Account.RECEIVABLE] == M("-50.00")
    generate_charges(committee, D(2026, 4, 1))
    assert left_by_month(toma) == {4: M("50.00")}


def test_a_transfer_goes_to_the_bank_and_a_receipt_without_toma_is_other_income(committee):
    pay(committee, "t1", "500", D(2026, 1, 3), method=Payment.Method.TRANSFER, concept="Donativo")
    payment, _ = pay(committee, "c1", "20", D(2026, 1, 3), concept="Venta de tubo usado")
    assert payment.allocations.count() == 0
    assert balances(committee.pk) == {
        Account.BANK: M("500.00"),
        Account.CASH: M("20.00"),
        Account.INCOME_OTHER: M("-520.00"),
    }
    assert JournalEntry.objects.get(source=f"books.payment:{payment.pk}").memo == (
        "Recibo 2: Venta de tubo usado"
    )


def test_bad_payments_are_refused_in_spanish(committee, toma):
    with pytest.raises(ValidationError, match="mayor que cero"):
        pay(committee, "x1", "0", D(2026, 1, 3), toma)
    with pytest.raises(ValidationError, match="dos decimales"):
        pay(committee, "x2", "10.005", D(2026, 1, 3), toma)
    with pytest.raises(TypeError):
        pay(committee, "x3", 10.5, D(2026, 1, 3), toma)
    elsewhere = add_connection(make_committee("Otro"), "Z")
    with pytest.raises(ValidationError, match="padrón de otro comité"):
        pay(committee, "x4", "10", D(2026, 1, 3), elsewhere)
    assert not Payment.objects.filter(provider=committee).exists()
    assert not ReceiptCounter.objects.filter(provider=committee, last_number__gt=0).exists()


def test_a_voided_receipt_reopens_its_months_and_its_number_is_never_reused(
    committee, toma, treasurer
):
    payment, _ = pay(committee, "p1", "150", D(2026, 3, 10), toma)
    void, created = void_payment(
        payment, "Se anotó en la toma equivocada", treasurer, D(2026, 3, 11)
    )
    assert created and isinstance(void, PaymentVoid) and void.voided_by == treasurer
    assert payment.allocations.count() == 2  # kept, but they no longer count
    assert left_by_month(toma) == {1: M("100.00"), 2: M("100.00"), 3: M("100.00")}
    assert arrears(toma, D(2026, 3, 10)) == M("50.00")  # still paid on the day it was paid
    assert arrears(toma, D(2026, 3, 11)) == M("200.00")
    original = JournalEntry.objects.get(source=f"books.payment:{payment.pk}")
    reversal = JournalEntry.objects.get(source=f"books.paymentvoid:{void.pk}")
    assert reversal.reverses == original and reversal.entry_date == D(2026, 3, 11)
    held = balances(committee.pk)
    assert held[Account.CASH] == M("0.00") and held[Account.RECEIVABLE] == M("300.00")
    assert pay(committee, "p2", "10", D(2026, 3, 12), toma)[0].receipt_number == 2
    again, created_again = void_payment(
        payment, " Se anotó en la toma equivocada ", treasurer, D(2026, 3, 12)
    )
    assert not created_again and again.pk == void.pk and again.voided_on == D(2026, 3, 11)
    with pytest.raises(RecordConflict, match="ya estaba cancelado") as refused:
        void_payment(payment, "otra vez", treasurer, D(2026, 3, 12))
    assert refused.value.fields == ["reason"]
    assert PaymentVoid.objects.filter(payment=payment).count() == 1
    with pytest.raises(ValidationError, match="Escriba por qué"):
        void_payment(Payment.objects.get(record_id="p2"), "", treasurer, D(2026, 3, 12))
    assert verify_chain(committee.pk).ok


def test_a_void_lets_credit_from_another_payment_settle_the_reopened_months(committee, toma):
    early, _ = pay(committee, "early", "300", D(2026, 3, 1), toma)
    late, _ = pay(committee, "late", "100", D(2026, 3, 2), toma)  # all of it is credit
    assert late.allocations.count() == 0
    void_payment(early, "El billete era falso", on=D(2026, 3, 3))
    assert [(a.charge.period.month, a.amount) for a in late.allocations.all()] == [(1, M("100.00"))]
    assert left_by_month(toma) == {2: M("100.00"), 3: M("100.00")}
    assert balances(committee.pk)[Account.RECEIVABLE] == M("200.00")


def test_the_database_refuses_to_change_a_payment_or_its_allocations(committee, toma):
    payment, _ = pay(committee, "p1", "150", D(2026, 3, 10), toma)
    allocation = payment.allocations.first()
    for table, row in (("books_payment", payment.pk), ("books_paymentallocation", allocation.pk)):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET amount = 1 WHERE id = %s", [row])
    payment.refresh_from_db()
    assert payment.amount == M("150.00")


def test_who_received_money_is_kept_a_treasurer_is_deactivated_not_deleted(committee, toma):
    from django.db.models import ProtectedError

    keeper = User.objects.create_user("tesorera-2024", password="x")
    payment, _ = pay(committee, "kept", "50", D(2026, 1, 5), toma, user=keeper)
    with pytest.raises(ProtectedError), transaction.atomic():
        keeper.delete()
    keeper.is_active = False
    keeper.save()
    payment.refresh_from_db()
    assert payment.received_by == keeper
    assert JournalEntry.objects.get(source=f"books.payment:{payment.pk}").recorded_by == keeper
