"""Batches of payments: one transaction, numbers in order, resends recognised, all or nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books.ledger import verify_chain
from ojodeagua.books.models import JournalEntry, Payment, PaymentAllocation, ReceiptCounter
from ojodeagua.books.payments import (
    BATCH_LIMIT,
    PaymentBatchRefused,
    PaymentIn,
    open_charges,
    record_payment,
    record_payments,
)
from ojodeagua.books.tests.factories import (
    D,
    add_connection,
    charged_tomas,
    make_committee,
)


@pytest.fixture
def committee(db):
    return make_committee()


@pytest.fixture
def tomas(committee):
    """Three connections charged $100 for January, February and March 2026."""
    return charged_tomas(committee, [f"T-0{n}" for n in (1, 2, 3)])


def test_a_batch_numbers_its_receipts_in_order_and_settles_each_toma(committee, tomas):
    first, second, third = tomas
    items = [
        PaymentIn("b-1", "100", D(2026, 3, 2), first),
        PaymentIn("b-2", "150", D(2026, 3, 2), second),
        # A second payment of the same toma in the same batch settles what the first left.
        PaymentIn("b-3", "100", D(2026, 3, 3), second),
        PaymentIn("b-4", "40", D(2026, 3, 3), None, concept="Donativo"),
    ]
    results = record_payments(committee, items)
    assert [(p.receipt_number, created) for p, created in results] == [
        (1, True),
        (2, True),
        (3, True),
        (4, True),
    ]
    assert {item.charge.period.month: item.open for item in open_charges(first)} == {
        2: 100,
        3: 100,
    }
    # $250 on the second toma: January and February whole, half of March.
    assert {item.charge.period.month: item.open for item in open_charges(second)} == {3: 50}
    assert len(open_charges(third)) == 3
    assert PaymentAllocation.objects.filter(payment__connection=second).count() == 4
    assert ReceiptCounter.objects.get(provider=committee).last_number == 4
    report = verify_chain(committee.pk)
    assert report.ok and report.entries == 9 + 4
    donation = Payment.objects.get(record_id="b-4")
    assert JournalEntry.objects.get(source=f"books.payment:{donation.pk}").memo == (
        "Recibo 4: Donativo"
    )
    audited = AuditEvent.objects.filter(provider_id=committee.pk, action="create")
    assert audited.filter(content_type__model="payment").count() == 4
    assert audited.filter(content_type__model="paymentallocation").count() == 5


def test_a_batch_sent_again_records_nothing_new_and_a_partial_resend_only_the_new(committee, tomas):
    items = [PaymentIn(f"p-{n}", "100", D(2026, 3, 2), tomas[n]) for n in range(2)]
    record_payments(committee, items)
    again = record_payments(committee, items)
    assert [created for _payment, created in again] == [False, False]
    more = record_payments(committee, [*items, PaymentIn("p-2", "100", D(2026, 3, 2), tomas[2])])
    assert [(p.receipt_number, created) for p, created in more] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert Payment.objects.filter(provider=committee).count() == 3
    assert verify_chain(committee.pk).entries == 9 + 3


def test_the_same_id_twice_in_one_batch_is_one_payment(committee, tomas):
    item = PaymentIn("twice", "100", D(2026, 3, 2), tomas[0])
    results = record_payments(committee, [item, item])
    assert results[0][0].pk == results[1][0].pk
    assert [created for _payment, created in results] == [True, False]
    assert Payment.objects.filter(provider=committee).count() == 1


def test_one_bad_payment_refuses_the_whole_batch_and_says_which(committee, tomas):
    other_toma = add_connection(make_committee("Otro comité"), "X-01")
    record_payment(committee, record_id="old", amount="100", paid_on=D(2026, 3, 1))
    items = [
        PaymentIn("ok-1", "100", D(2026, 3, 2), tomas[0]),
        PaymentIn("bad-amount", "-5", D(2026, 3, 2), tomas[1]),
        PaymentIn("bad-toma", "10", D(2026, 3, 2), other_toma),
        PaymentIn("old", "999", D(2026, 3, 1)),
        PaymentIn("ok-2", "100", D(2026, 3, 2), tomas[0]),
        PaymentIn("ok-2", "101", D(2026, 3, 2), tomas[0]),
    ]
    with pytest.raises(PaymentBatchRefused) as refused:
        record_payments(committee, items)
    assert sorted(refused.value.by_item) == [1, 2]
    assert "Pago 2: El monto del pago debe ser mayor que cero." in refused.value.messages
    assert any(
        message.startswith("Pago 3: Esa toma es del padrón") for message in refused.value.messages
    )
    # With the content fixed, what is left is the reused ids.
    items[1] = PaymentIn("bad-amount", "5", D(2026, 3, 2), tomas[1])
    items[2] = PaymentIn("bad-toma", "10", D(2026, 3, 2), tomas[2])
    with pytest.raises(PaymentBatchRefused) as refused:
        record_payments(committee, items)
    assert sorted(refused.value.by_item) == [3, 5]
    assert "ya se había anotado con el recibo 1" in refused.value.by_item[3].messages[0]
    assert Payment.objects.filter(provider=committee).count() == 1
    assert ReceiptCounter.objects.get(provider=committee).last_number == 1


def test_a_batch_has_a_limit(committee):
    items = [PaymentIn(None, "1", D(2026, 3, 2)) for _ in range(BATCH_LIMIT + 1)]
    with pytest.raises(ValidationError) as refused:
        record_payments(committee, items)
    assert f"hasta {BATCH_LIMIT} pagos" in refused.value.messages[0]


def test_a_batch_costs_the_same_queries_for_five_payments_or_fifty(committee, tomas):
    def queries(count: int, prefix: str) -> int:
        items = [
            PaymentIn(f"{prefix}-{n}", "10", D(2026, 3, 2), tomas[n % 3]) for n in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            record_payments(committee, items)
        return len(captured.captured_queries)

    queries(1, "first")  # the receipt counter is made and the content types are cached
    few = queries(5, "few")
    many = queries(50, "many")
    assert many == few
    # 16 on PostgreSQL, and 3 more for who paid when (``kept.add_receipts``): the households'
    # steps taken off, the tomas' paid months, the steps added again.
    assert few <= 19
    assert verify_chain(committee.pk).ok
