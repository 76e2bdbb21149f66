"""The page and the API give the same answer to the same wrong request.

Each test sends one refused change both ways, as a demo persona: on the page through the test
client, on the API as the same user. Both must refuse it, say the same sentence and leave the
record as it was.
"""

import datetime

from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from ojodeagua.books.models import Payment, PaymentVoid
from ojodeagua.books.payments import void_payment
from ojodeagua.integrity.models import Complaint
from ojodeagua.monitoring import workflow
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.monitoring.observation import Observation
from ojodeagua.organisations.models import Membership

D = datetime.date


def api(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def said(response) -> list[str]:
    """The messages a page left for the next request."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def closed_complaint() -> Complaint:
    provider = Membership.objects.get(user__username="tesorera").providers.get()
    return Complaint.objects.create(
        provider=provider,
        received_on=D(2026, 9, 1),
        respond_by=D(2026, 9, 16),
        what="No llega el agua a la parte alta",
        status=Complaint.Status.RESOLVED,
        answered_on=D(2026, 9, 3),
        answer="Se revisó la válvula",
        closed_on=D(2026, 9, 10),
    )


def test_a_closed_complaint_is_not_reopened_by_the_page_nor_the_api(tesorera):
    complaint = closed_complaint()

    page = tesorera.post(
        reverse("integrity:complaint_update", args=[complaint.pk]), {"status": "received"}
    )
    through_api = api("tesorera").patch(
        f"/api/v1/complaints/{complaint.pk}/", {"status": "received"}, format="json"
    )

    assert page.status_code == 302
    assert through_api.status_code == 400
    assert said(page) == ["Esta queja ya está cerrada."]
    assert through_api.json() == {"status": ["Esta queja ya está cerrada."]}
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED
    assert complaint.closed_on == D(2026, 9, 10)


def voided_receipt() -> Payment:
    provider = Membership.objects.get(user__username="tesorera").providers.get()
    payment = Payment.objects.filter(provider=provider, void__isnull=True).latest("paid_on")
    void_payment(payment, "Se anotó dos veces", None, payment.paid_on)
    return payment


def test_a_voided_receipt_is_not_voided_again_by_the_page_nor_the_api(tesorera):
    payment = voided_receipt()
    page_path = reverse("books:payment_void", args=[payment.provider_id, payment.receipt_number])
    api_path = f"/api/v1/payments/{payment.pk}/void/"

    page_again = tesorera.post(page_path, {"reason": "Se anotó dos veces"})
    api_again = api("tesorera").post(api_path, {"reason": "Se anotó dos veces"}, format="json")
    page_other = tesorera.post(page_path, {"reason": "Era de otra toma"})
    api_other = api("tesorera").post(api_path, {"reason": "Era de otra toma"}, format="json")

    # The same cancellation sent again: accepted as already done, nothing written.
    assert page_again.status_code == 302 and api_again.status_code == 200
    assert said(page_again)[-1] == f"El recibo {payment.receipt_number} ya estaba cancelado."
    assert api_again.json()["void"]["reason"] == "Se anotó dos veces"
    # Another reason: refused by both with the same sentence.
    assert page_other.status_code == 302 and api_other.status_code == 409
    assert said(page_other)[-1] == api_other.json()["detail"]
    assert "ya estaba cancelado" in api_other.json()["detail"]
    assert api_other.json()["fields"] == ["reason"]
    assert PaymentVoid.objects.filter(payment=payment).count() == 1
    assert PaymentVoid.objects.get(payment=payment).reason == "Se anotó dos veces"


def test_a_committee_member_validates_an_observation_neither_on_the_page_nor_the_api(tesorera):
    provider = Membership.objects.get(user__username="tesorera").providers.get()
    day = SupplyDay.objects.filter(
        system__provider=provider, state=Observation.State.SUBMITTED
    ).first()
    assert day is not None

    page = tesorera.post(reverse("monitoring:supplyday_validate", args=[day.pk]))
    through_api = api("tesorera").post(
        "/api/v1/supply-days/",
        {
            "record_id": "tel-9:dia-1",
            "system": day.system_id,
            "observed_on": "2023-03-04",
            "hours": "12",
            "source": "self_report",
            "state": "validated",
        },
        format="json",
    )

    assert page.status_code == 403
    assert through_api.status_code == 403
    assert through_api.json()["detail"] == str(workflow.VALIDATE_REFUSED)
    day.refresh_from_db()
    assert day.state == Observation.State.SUBMITTED
    assert not SupplyDay.objects.filter(record_id="tel-9:dia-1").exists()
