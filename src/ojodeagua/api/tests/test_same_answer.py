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

from ojodeagua.books.models import Household, Payment, PaymentVoid
from ojodeagua.books.payments import void_payment
from ojodeagua.integrity.models import AssessedRisk, Complaint
from ojodeagua.integrity.workshop import set_top_three
from ojodeagua.monitoring import workflow
from ojodeagua.monitoring.models import HouseholdSurvey, SupplyDay, SystemVisit
from ojodeagua.monitoring.observation import Observation
from ojodeagua.organisations.models import Membership
from ojodeagua.watersystems.models import WaterSystem

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


def test_a_visit_dated_before_1900_is_refused_alike_by_the_page_and_the_api(ong):
    provider = Membership.objects.get(user__username="ong").providers.first()
    system = provider.systems.first()
    ancient = "0001-01-01"

    page = ong.post(
        f"/visitas/nueva/?system={system.pk}",
        {"observed_on": ancient, "source": "visit", "working": "True", "chlorination": "none"},
    )
    through_api = api("ong").post(
        "/api/v1/system-visits/",
        {
            "record_id": "tel-9:visita-1",
            "system": system.pk,
            "observed_on": ancient,
            "source": "visit",
            "working": True,
            "chlorination": "none",
        },
        format="json",
    )

    sentence = "La fecha 01/01/0001 es demasiado antigua; revise el año."
    assert page.status_code == through_api.status_code == 400
    assert page.context["form"].errors["observed_on"] == [sentence]
    assert through_api.json()["observed_on"] == [sentence]
    assert not SystemVisit.objects.filter(system=system, observed_on__year=1).exists()


def test_a_committee_member_records_no_survey_for_another_place_on_the_page_nor_the_api(
    tesorera,
):
    other = WaterSystem.objects.filter(municipality__key="07061").first()
    answers = {
        "observed_on": "2023-03-04",
        "source": "visit",
        "locality": other.locality_id,
        "system": other.pk,
        "water_source": "public_tap",
        "collection_minutes": "20",
    }

    page = tesorera.post("/encuestas/hogares/nueva/", answers)
    through_api = api("tesorera").post(
        "/api/v1/household-surveys/", {"record_id": "tel-9:hogar-1", **answers}, format="json"
    )

    # Out of her area looks the same both ways: not one of the places she may choose.
    page_errors, api_errors = page.context["form"].errors, through_api.json()
    assert page.status_code == through_api.status_code == 400
    for field in ("locality", "system"):
        assert page_errors[field] == api_errors[field]
        assert "no es una de las disponibles" in api_errors[field][0]
    assert not HouseholdSurvey.objects.filter(system=other, observed_on=D(2023, 3, 4))


def test_a_key_problem_keeps_its_consensus_on_the_page_and_the_api(tesorera):
    """The API used to clear it; the workshop page's rule now holds on both."""
    provider = Membership.objects.get(user__username="tesorera").providers.get()
    cycle = provider.integrity_cycles.order_by("-number").first()
    assert cycle is not None
    cycle.assessed_risks.update(priority=None)
    key = AssessedRisk.objects.create(
        cycle=cycle, own_title="Cuotas sin recibo", consensus_likelihood=2, consensus_impact=2
    )
    set_top_three(User.objects.get(username="tesorera"), cycle, [key.pk])

    page = tesorera.post(
        reverse("integrity:ratings", args=[cycle.pk]),
        {
            "action": "consensus",
            "riesgo": f"g{key.pk}",
            "consensus-likelihood": "",
            "consensus-impact": "",
        },
    )
    through_api = api("tesorera").patch(
        f"/api/v1/assessed-risks/{key.pk}/",
        {"consensus_likelihood": None, "consensus_impact": None},
        format="json",
    )

    sentence = (
        "Este riesgo está entre los tres problemas clave; quítelo de ahí antes de borrar "
        "la valoración del grupo."
    )
    assert page.status_code == 302 and said(page) == [sentence]
    assert through_api.status_code == 400
    assert through_api.json() == {"non_field_errors": [sentence]}
    key.refresh_from_db()
    assert (key.consensus_likelihood, key.consensus_impact, key.priority) == (2, 2, 1)


def test_a_taken_padron_number_is_refused_alike_by_the_page_and_the_api(tesorera):
    provider = Membership.objects.get(user__username="tesorera").providers.get()
    taken = Household.objects.filter(provider=provider).first()
    assert taken is not None
    count = Household.objects.filter(provider=provider).count()

    page = tesorera.post(
        reverse("books:household_create", args=[provider.pk]),
        {
            "number": f" {taken.number} ",
            "name": "Otra familia",
            "locality": provider.locality_id,
            "people": "3",
            "tomas-TOTAL_FORMS": "0",
            "tomas-INITIAL_FORMS": "0",
            "tomas-MIN_NUM_FORMS": "0",
            "tomas-MAX_NUM_FORMS": "1000",
        },
    )
    through_api = api("tesorera").post(
        "/api/v1/households/",
        {
            "provider": provider.pk,
            "number": f" {taken.number} ",
            "name": "Otra familia",
            "locality": provider.locality_id,
            "people": 3,
        },
        format="json",
    )

    sentence = f"El número {taken.number} ya es de otro hogar de este padrón; use otro número."
    assert page.status_code == through_api.status_code == 400
    assert page.context["form"].errors["number"] == [sentence]
    assert through_api.json() == {"number": [sentence]}
    assert Household.objects.filter(provider=provider).count() == count
