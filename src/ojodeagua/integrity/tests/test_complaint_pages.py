"""The complaint register clicked through: filing, moving, figures, overdue, names and scope."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from ojodeagua.audit.models import AuditEvent
from ojodeagua.conftest import login_client
from ojodeagua.integrity.models import Complaint
from ojodeagua.integrity.register import file_complaint
from ojodeagua.integrity.tests.factories import committee_reached_by
from ojodeagua.lib.records import RecordConflict
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import make_viewer
from ojodeagua.providers.models import Provider

DAY = datetime.timedelta(days=1)


def text(response) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags))


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def committee(db) -> Provider:
    """A committee of our own, so the register holds only what the test puts in it; ong
    facilitates it like her other committees."""
    return committee_reached_by("Comité de quejas de prueba", "ong")


def test_complaint_lifecycle_through_the_pages(ong, agencia, committee, today):
    received = today - 20 * DAY
    form = ong.get(f"/integridad/quejas/nueva/?provider={committee.pk}")
    assert form.status_code == 200
    assert "15 días después de recibirla" in text(form)
    filing = {
        "provider": committee.pk,
        "received_on": received.isoformat(),
        "channel": "assembly",
        "what": "No llega agua a la parte alta desde hace una semana",
        "where": "Barrio San José",
        "reported_by": "Juana Pérez López",
        "respond_by": "",
        "record_id": "queja-1",
    }

    filed = ong.post("/integridad/quejas/nueva/", filing)
    complaint = Complaint.objects.get(record_id="queja-1")
    resent = ong.post("/integridad/quejas/nueva/", filing)

    assert filed.status_code == 302
    assert filed["Location"] == f"/integridad/quejas/{complaint.pk}/"
    assert resent.status_code == 302
    assert Complaint.objects.filter(provider=committee).count() == 1
    assert complaint.respond_by == received + 15 * DAY
    assert complaint.status == "received" and complaint.channel == "assembly"
    detail = text(ong.get(filed["Location"]))
    assert "Juana Pérez López" in detail
    assert "vencida" in detail  # 20 days ago, 15 days to answer

    move = f"/integridad/quejas/{complaint.pk}/cambiar/"
    answered_on = received + 3 * DAY
    no_answer = ong.post(move, {"status": "answered", "answered_on": answered_on.isoformat()})
    complaint.refresh_from_db()
    assert no_answer.status_code == 400
    assert "Escriba qué se le respondió" in text(no_answer)
    assert complaint.status == "received"

    answer = "El fontanero revisa la válvula el sábado"
    answered = ong.post(
        move, {"status": "answered", "answered_on": answered_on.isoformat(), "answer": answer}
    )
    complaint.refresh_from_db()
    assert answered.status_code == 302
    assert (complaint.status, complaint.answered_on, complaint.answer) == (
        "answered",
        answered_on,
        answer,
    )

    closed_on = received + 10 * DAY
    no_reason = ong.post(move, {"status": "not_resolved", "closed_on": closed_on.isoformat()})
    complaint.refresh_from_db()
    assert no_reason.status_code == 400
    assert "Diga por qué la queja no se resolvió" in text(no_reason)
    assert complaint.status == "answered"

    closed = ong.post(
        move,
        {
            "status": "not_resolved",
            "closed_on": closed_on.isoformat(),
            "not_resolved_reason": "La tubería nueva no cabe en el presupuesto de este año",
        },
    )
    complaint.refresh_from_db()
    assert closed.status_code == 302
    assert complaint.status == "not_resolved" and complaint.closed_on == closed_on
    # A closed complaint stays closed.
    reopened = ong.post(move, {"status": "answered"})
    complaint.refresh_from_db()
    assert reopened.status_code == 302 and complaint.status == "not_resolved"

    events = AuditEvent.objects.filter(content_type__model="complaint", object_id=str(complaint.pk))
    assert list(events.order_by("pk").values_list("action", flat=True)) == [
        "create",
        "update",
        "update",
    ]
    assert events.order_by("pk").last().changes["status"] == ["answered", "not_resolved"]
    # Coordinators see the history link.
    assert "Ver historial" in text(agencia.get(f"/integridad/quejas/{complaint.pk}/"))


def test_register_figures_match_a_hand_count(ong, committee, today):
    def filed(days_ago, respond_in=15):
        complaint, _created = file_complaint(
            committee,
            received_on=today - days_ago * DAY,
            respond_by=today - days_ago * DAY + respond_in * DAY,
            what=f"Queja de hace {days_ago} días",
            channel="in_person",
        )
        return complaint

    def answer(complaint, after_days):
        response = ong.post(
            f"/integridad/quejas/{complaint.pk}/cambiar/",
            {
                "status": "answered",
                "answered_on": (complaint.received_on + after_days * DAY).isoformat(),
                "answer": "Se atendió",
            },
        )
        assert response.status_code == 302
        return complaint

    def close(complaint, status, after_days, reason=""):
        response = ong.post(
            f"/integridad/quejas/{complaint.pk}/cambiar/",
            {
                "status": status,
                "closed_on": (complaint.received_on + after_days * DAY).isoformat(),
                "not_resolved_reason": reason,
            },
        )
        assert response.status_code == 302

    close(answer(filed(60), 3), "resolved", 5)
    close(answer(filed(50), 5), "resolved", 12)
    close(answer(filed(40), 7), "not_resolved", 20, "Falta dinero")
    answer(filed(30), 10)
    overdue = filed(25, respond_in=7)  # promised 18 days ago, still no answer
    filed(2)  # still on time
    # By hand: 6 received, 2 resolved (33 %); answered after 3, 5, 7 and 10 days
    # (median 6); one overdue.

    page = ong.get(f"/integridad/quejas/?provider={committee.pk}")
    shown = text(page)

    assert page.status_code == 200
    assert "Se resolvieron 2 de 6 quejas (33 %)." in shown
    assert "La mitad de las 4 quejas respondidas se respondió en 6 días o menos." in shown
    assert "1 queja sigue sin respuesta después de la fecha prometida." in shown
    assert shown.count("Vencida") == 0 and shown.count(" vencida ") == 1

    late = text(ong.get(f"/integridad/quejas/?provider={committee.pk}&status=overdue"))
    assert "1 queja en la lista" in late
    assert overdue.what in late
    assert "Queja de hace 2 días" not in late
    resolved = text(ong.get(f"/integridad/quejas/?provider={committee.pk}&status=resolved"))
    assert "2 quejas en la lista" in resolved
    # The figures stay those of the whole register whatever the list shows.
    assert "Se resolvieron 2 de 6 quejas (33 %)." in resolved


def test_names_stay_with_those_who_keep_the_register(ong, tesorera, committee, today):
    complaint, _ = file_complaint(
        committee,
        received_on=today - 3 * DAY,
        what="Cobro doble de la cuota",
        channel="phone",
        reported_by="Marta Hernández Ruiz",
    )
    reader = login_client(make_viewer(providers=[committee]).username)

    read = reader.get(f"/integridad/quejas/{complaint.pk}/")
    export = ong.get(f"/integridad/quejas/exportar.csv?provider={committee.pk}")
    exported = b"".join(export.streaming_content).decode("utf-8-sig")

    assert read.status_code == 200
    assert "Cobro doble de la cuota" in text(read)
    assert "Marta" not in text(read)
    assert "Marta" in text(ong.get(f"/integridad/quejas/{complaint.pk}/"))
    assert "Cobro doble de la cuota" in exported
    assert "Marta" not in exported
    assert reader.post(f"/integridad/quejas/{complaint.pk}/cambiar/", {}).status_code == 403
    assert tesorera.get(f"/integridad/quejas/{complaint.pk}/").status_code == 404
    assert tesorera.post(f"/integridad/quejas/{complaint.pk}/cambiar/", {}).status_code == 404
    assert tesorera.get(f"/integridad/quejas/?provider={committee.pk}").status_code == 404
    assert "Cobro doble" not in text(tesorera.get("/integridad/quejas/"))
    refused = tesorera.post(
        "/integridad/quejas/nueva/",
        {
            "provider": committee.pk,
            "received_on": today.isoformat(),
            "channel": "phone",
            "what": "Queja puesta en otro comité",
        },
    )
    assert refused.status_code == 400
    assert not Complaint.objects.filter(what="Queja puesta en otro comité").exists()


def test_tesorera_files_in_her_own_register(tesorera, today):
    own = Membership.objects.get(user__username="tesorera").providers.get()
    page = tesorera.get("/integridad/quejas/nueva/")
    filed = tesorera.post(
        "/integridad/quejas/nueva/",
        {
            "provider": own.pk,
            "received_on": today.isoformat(),
            "channel": "box",
            "what": "Piden que se publique la lista de exentos",
            "respond_by": (today + 30 * DAY).isoformat(),
        },
    )
    complaint = Complaint.objects.get(what="Piden que se publique la lista de exentos")

    assert page.status_code == 200
    assert filed.status_code == 302
    assert complaint.provider == own and complaint.respond_by == today + 30 * DAY
    assert complaint.record_id  # made by the server when the form did not send one


def test_file_complaint_is_idempotent_and_says_when_content_differs(committee, today):
    first, created = file_complaint(
        committee, received_on=today, what="Fuga", channel="public_form", record_id="pub-1"
    )
    again, created_again = file_complaint(
        committee, received_on=today, what="Fuga", channel="public_form", record_id="pub-1"
    )

    assert created and not created_again and again.pk == first.pk
    assert (
        AuditEvent.objects.get(content_type__model="complaint", object_id=str(first.pk)).actor_label
        == "sistema"
    )
    with pytest.raises(RecordConflict) as refused:
        file_complaint(
            committee, received_on=today, what="Otra", channel="public_form", record_id="pub-1"
        )
    assert refused.value.fields == ["what"]


def test_the_complaint_form_asks_for_the_committee_in_plain_words(ong):
    # Found in the review: the list of committees opened with Django's "---------".
    page = ong.get("/integridad/quejas/nueva/").content.decode()
    assert '<option value="" selected>— elija el comité —</option>' in page
    assert "---------" not in page
