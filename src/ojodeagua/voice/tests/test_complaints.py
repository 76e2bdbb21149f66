"""Complaints anyone can file and follow: the public form lands in the committee's register
through ``file_complaint``, gives a tracking code, shows the committee's answer, and holds off
floods, scripts and oversized texts without an account."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ojodeagua.integrity import register
from ojodeagua.integrity.models import Complaint
from ojodeagua.providers.tests.factories import reached_by
from ojodeagua.voice.views import COMPLAINT_RATES

from . import factories

pytestmark = pytest.mark.django_db

FOLLOW = reverse("voice:follow")
User = get_user_model()


@pytest.fixture
def flores():
    return factories.build()


def filed_here():
    """The public form's complaints in the test's own municipality (the demo has its own)."""
    return Complaint.objects.filter(
        provider__municipality__key="07997", channel=Complaint.Channel.PUBLIC_FORM
    )


def complaint_form(flores, **changes) -> dict:
    data = {
        "provider": flores.committee.pk,
        "what": "No llega agua a la calle Hidalgo desde el lunes.",
        "where": "Calle Hidalgo",
        "since": "2026-12-01",
        "reported_by": "María López Cruz",
        "reporter_phone": "961 123 4567",
        "reporter_sex": "F",
        "sitio_web": "",
    }
    data.update(changes)
    return data


def post(client: Client, data: dict, address: str = "203.0.113.7"):
    url = reverse("voice:complain", args=[factories.KEY])
    return client.post(url, data, REMOTE_ADDR=address)


def test_a_complaint_reaches_the_register_and_its_code_shows_the_answer(flores):
    person = Client()
    response = post(person, complaint_form(flores))
    assert response.status_code == 302
    complaint = Complaint.objects.get(what__startswith="No llega agua a la calle Hidalgo")
    assert response["Location"] == f"{FOLLOW}?codigo={complaint.tracking_code}&nueva=1"
    assert (complaint.provider, complaint.channel) == (flores.committee, "public_form")
    assert (complaint.reported_by, complaint.reporter_phone) == ("María López Cruz", "961 123 4567")
    assert (complaint.reporter_sex, complaint.since) == ("F", datetime.date(2026, 12, 1))
    assert complaint.received_on == datetime.date(2026, 12, 6)
    assert complaint.respond_by == datetime.date(2026, 12, 21)
    # Nothing the person wrote is public before a committee member reviews it.
    assert complaint.public_summary == ""

    receipt = person.get(response["Location"]).content.decode()
    assert complaint.tracking_code in receipt
    assert "El comité todavía no responde." in receipt
    for personal in ("María López Cruz", "961 123 4567", "calle Hidalgo"):
        assert personal not in receipt

    register.move_complaint(
        complaint,
        None,
        Complaint.Status.ANSWERED,
        answered_on=datetime.date(2026, 12, 8),
        answer="El martes se cambió la válvula del barrio.",
    )
    typed = complaint.tracking_code.lower().replace("-", " ")
    later = Client().get(FOLLOW, {"codigo": typed}).content.decode()
    assert "El martes se cambió la válvula del barrio." in later
    assert "8 de diciembre de 2026" in later


def test_a_wrong_code_says_what_to_check(flores):
    response = Client().get(FOLLOW, {"codigo": "ABCD-2345"})
    assert response.status_code == 404
    assert "No encontramos una queja con ese código" in response.content.decode()
    response = Client().get(FOLLOW, {"codigo": "abc"})
    assert "son 8 letras y números" in response.content.decode()


def test_a_hundred_complaints_from_one_address_in_a_minute(flores):
    allowed = int(COMPLAINT_RATES[0].split("/")[0])
    client = Client()
    # All within one minute: the limiter counts by minute windows of the clock, so the clock
    # stands still while the hundred arrive (it ticks through the suite otherwise).
    with time_machine.travel(
        datetime.datetime(2026, 12, 6, 12, 0, 5, tzinfo=datetime.UTC), tick=False
    ):
        answers = [
            post(client, complaint_form(flores, what=f"Queja número {n}")) for n in range(100)
        ]
    statuses = [a.status_code for a in answers]
    assert statuses == [302] * allowed + [429] * (100 - allowed)
    refused = answers[-1].content.decode()
    assert "Espere unos minutos y vuelva a enviarla" in refused
    # What the person typed is still in the form.
    assert "Queja número 99" in refused
    kept = filed_here().order_by("pk")
    assert [c.what for c in kept] == [f"Queja número {n}" for n in range(allowed)]
    assert all(c.tracking_code for c in kept)
    assert len({c.tracking_code for c in kept}) == allowed
    # Another address is not held back by the first one's flood.
    with time_machine.travel(
        datetime.datetime(2026, 12, 6, 12, 0, 50, tzinfo=datetime.UTC), tick=False
    ):
        other = post(Client(), complaint_form(flores), address="198.51.100.4")
    assert other.status_code == 302


def test_a_filled_trap_field_is_refused_and_nothing_is_filed(flores):
    response = post(Client(), complaint_form(flores, sitio_web="http://spam.example"))
    assert response.status_code == 400
    assert "Deje vacío el campo" in response.content.decode()
    assert not filed_here().exists()


def test_oversized_and_malformed_answers_are_refused_in_spanish(flores):
    response = post(
        Client(),
        complaint_form(flores, what="x" * 2001, reporter_phone="llámame", since="2027-01-01"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "2000" in page
    assert "Escriba el teléfono solo con números" in page
    assert "no puede ser después de hoy" in page
    assert not filed_here().exists()


def test_the_same_form_sent_twice_files_one_complaint(flores):
    data = complaint_form(flores, record_id="0d1f7c1e-5d3e-4a7a-9c55-3b8f8f0a1111")
    first, second = post(Client(), data), post(Client(), data)
    assert first["Location"] == second["Location"]
    assert Complaint.objects.filter(record_id=data["record_id"]).count() == 1


def test_only_the_committees_serving_the_locality_can_be_chosen(flores):
    from ojodeagua.providers.models import Provider

    elsewhere = Provider.objects.exclude(
        pk__in=[flores.committee.pk, flores.kiosk_group.pk]
    ).first()
    response = post(Client(), complaint_form(flores, provider=elsewhere.pk))
    assert response.status_code == 400
    assert not filed_here().exists()


def test_a_reviewed_complaint_shows_in_the_reviewed_words_only(flores):
    post(Client(), complaint_form(flores))
    complaint = filed_here().get()
    page = Client().get(reverse("voice:locality", args=[factories.KEY])).content.decode()
    assert "calle Hidalgo" not in page
    treasurer = User.objects.get(username="tesorera")
    reached_by(flores.committee, "tesorera")
    register.review_complaint(complaint, treasurer, "Falta de agua en un barrio desde el lunes")
    page = Client().get(reverse("voice:locality", args=[factories.KEY])).content.decode()
    assert "Falta de agua en un barrio desde el lunes" in page
    assert "María López Cruz" not in page


def test_an_unanswered_complaint_goes_up_to_the_agency_once(flores):
    complaint, _created = register.file_complaint(
        flores.committee,
        received_on=datetime.date(2026, 11, 20),
        what="Nadie vino a revisar la toma.",
        channel=Complaint.Channel.PUBLIC_FORM,
    )
    assert complaint.respond_by == datetime.date(2026, 12, 5)
    assert complaint not in register.escalate_overdue(datetime.date(2026, 12, 5))
    assert complaint in register.escalate_overdue(datetime.date(2026, 12, 6))
    assert complaint not in register.escalate_overdue(datetime.date(2026, 12, 7))
    complaint.refresh_from_db()
    assert complaint.escalated_on == datetime.date(2026, 12, 6)
    page = Client().get(FOLLOW, {"codigo": complaint.tracking_code}).content.decode()
    assert "el 6 de diciembre de 2026 la queja pasó a la agencia municipal" in page


def test_the_nightly_job_turns_late_complaints_over_and_the_desk_lists_them(flores):
    from ojodeagua.conftest import login_client
    from ojodeagua.jobs import services
    from ojodeagua.jobs.models import Job
    from ojodeagua.organisations.models import Membership

    complaint, _created = register.file_complaint(
        flores.committee,
        received_on=datetime.date(2026, 11, 1),
        what="Cobran de más en la toma nueva.",
        channel=Complaint.Channel.PUBLIC_FORM,
        reporter_sex="F",
    )
    job = services.start(Job.Kind.ESCALATE_COMPLAINTS)
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert job.result["escalated"] >= 1
    jobs_page = login_client("agencia").get(reverse("jobs:detail", args=[job.pk]))
    assert "quejas que no se respondieron a tiempo" in jobs_page.content.decode()
    complaint.refresh_from_db()
    assert complaint.escalated_on == datetime.date(2026, 12, 6)

    Membership.objects.get(user__username="agencia").municipalities.add(
        flores.locality.municipality
    )
    agency = login_client("agencia")
    desk = agency.get(reverse("desk:desk", args=[flores.locality.municipality.pk]))
    url = reverse("desk:complaints", args=[flores.locality.municipality.pk])
    assert url in desk.content.decode()
    page = agency.get(url).content.decode()
    assert f'data-complaint="{complaint.pk}"' in page
    assert "Comité de Agua Las Flores" in page
    assert "Cobran de más" not in page and "Juana Hernández López" not in page


def test_the_committee_answers_and_reviews_a_public_complaint_on_its_register(flores):
    from ojodeagua.conftest import login_client

    post(Client(), complaint_form(flores))
    complaint = filed_here().get()
    reached_by(flores.committee, "tesorera")
    treasurer = login_client("tesorera")
    register_page = treasurer.get(
        reverse("integrity:complaint_list"), {"provider": flores.committee.pk}
    ).content.decode()
    detail_url = reverse("integrity:complaint_detail", args=[complaint.pk])
    assert detail_url in register_page
    detail = treasurer.get(detail_url).content.decode()
    # The committee sees who filed it, the code to give back, and where it came from.
    for shown in ("María López Cruz", "961 123 4567", complaint.tracking_code, "mujer"):
        assert shown in detail
    review_url = reverse("integrity:complaint_review", args=[complaint.pk])
    assert review_url in detail
    treasurer.post(review_url, {"public_summary": "Sin agua en la calle Hidalgo desde el lunes"})
    treasurer.post(
        reverse("integrity:complaint_update", args=[complaint.pk]),
        {
            "status": "answered",
            "answered_on": "2026-12-06",
            "answer": "Se destapó la válvula; ya llega.",
        },
    )
    public = Client().get(reverse("voice:locality", args=[factories.KEY])).content.decode()
    assert "Sin agua en la calle Hidalgo desde el lunes" in public
    assert "María López Cruz" not in public
    follow = Client().get(FOLLOW, {"codigo": complaint.tracking_code}).content.decode()
    assert "Se destapó la válvula; ya llega." in follow
