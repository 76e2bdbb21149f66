"""The payments batch endpoint: a phone's waiting receipts in one request, all or none."""

from ojodeagua.api.tests.test_books_api import (  # noqa: F401 (fixtures)
    api,
    committee,
    municipal_viewer,
    other,
    toma,
)
from ojodeagua.books.ledger import verify_chain
from ojodeagua.books.models import Payment
from ojodeagua.books.tests.factories import add_connection, make_committee

BATCH = "/api/v1/payments/batch/"


def item(record_id: str, connection=None, amount: str = "100.00", **extra) -> dict:
    return {
        "record_id": record_id,
        "amount": amount,
        "paid_on": "2026-02-10",
        "connection": connection.pk if connection else None,
        **extra,
    }


def test_a_batch_is_recorded_in_order_and_sent_again_changes_nothing(committee, toma):  # noqa: F811
    client = api("tesorera")
    sent = {
        "provider": committee.pk,
        "payments": [
            item("tel-1:a", toma),
            item("tel-1:b", toma, "50.00"),
            item("tel-1:c", None, "20.00", concept="Faena"),
        ],
    }
    first = client.post(BATCH, sent, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["created"] == [True, True, True]
    assert [row["receipt_number"] for row in body["payments"]] == [1, 2, 3]
    assert [row["record_id"] for row in body["payments"]] == ["tel-1:a", "tel-1:b", "tel-1:c"]
    assert body["payments"][1]["allocations"][0]["period"] == "2026-02-01"
    assert all(row["entry_sequence"] for row in body["payments"])
    assert {row["received_by"] for row in body["payments"]} == {"tesorera"}

    again = client.post(BATCH, sent, format="json")
    assert again.status_code == 200
    assert again.json()["created"] == [False, False, False]
    assert again.json()["payments"] == body["payments"]
    assert Payment.objects.filter(provider=committee).count() == 3
    assert verify_chain(committee.pk).ok


def test_a_bad_payment_in_a_batch_is_named_and_nothing_is_recorded(committee, toma):  # noqa: F811
    foreign = add_connection(make_committee("Comité de otro lado"), "Z-9")
    client = api("tesorera")
    response = client.post(
        BATCH,
        {
            "provider": committee.pk,
            "payments": [item("x-1", toma), item("x-2", foreign), item("x-3", toma, "-3")],
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["payments"]
    assert list(errors) == ["1", "2"]
    assert "no está en el padrón de este comité" in errors["1"][0]
    assert "mayor que cero" in errors["2"][0]
    assert not Payment.objects.filter(provider=committee).exists()

    response = client.post(
        BATCH,
        {"provider": committee.pk, "payments": [item("x-1", toma), item("x-2", foreign)]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["payments"]) == ["1"]
    assert "no está en el padrón de este comité" in response.json()["payments"]["1"][0]
    assert not Payment.objects.filter(provider=committee).exists()


def test_a_reused_id_refuses_the_batch_with_409(committee, toma, other):  # noqa: F811
    client = api("tesorera")
    client.post(BATCH, {"provider": committee.pk, "payments": [item("r-1", toma)]}, format="json")
    response = client.post(
        BATCH,
        {"provider": committee.pk, "payments": [item("r-2", toma), item("r-1", toma, "99.00")]},
        format="json",
    )
    assert response.status_code == 409
    assert list(response.json()["payments"]) == ["1"]
    assert "recibo 1" in response.json()["payments"]["1"][0]
    # An id of a committee the treasurer cannot see is refused without telling what it is.
    hidden = client.post(
        BATCH, {"provider": committee.pk, "payments": [item("ajeno-1", None, "50")]}, format="json"
    )
    assert hidden.status_code == 400
    assert "recibo" not in hidden.json()["record_id"][0]
    assert Payment.objects.filter(provider=committee).count() == 1


def test_who_only_reads_the_books_cannot_send_a_batch(committee, toma):  # noqa: F811
    response = api(municipal_viewer()).post(
        BATCH, {"provider": committee.pk, "payments": [item("s-1", toma)]}, format="json"
    )
    assert response.status_code == 403
    assert "no anotar" in response.json()["detail"]
    assert not Payment.objects.filter(provider=committee).exists()
