"""One rule for people's names (``Scope.sees_names_of``), on every page, download and API answer.

Workshop participants, who filed a complaint and who came to a coaching session are read by the
committee itself (``tesorera``) and those who accompany it (``ong``). The municipal coordinator
(``agencia``) covers the whole municipality and edits its committees' cycles, yet reads counts
by sex and role: never a name, and she is not asked to write one either.
"""

import datetime

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from ojodeagua.integrity import workshop
from ojodeagua.integrity.models import CoachingSession, Complaint, Participant
from ojodeagua.integrity.tests.factories import assess, make_complaint, make_cycle
from ojodeagua.lib.records import new_record_id
from ojodeagua.organisations.models import Membership

PERSON = "Rosa Guadalupe Tzotzil"
REPORTER = "Domingo Cruz Pérez"
ATTENDEES = "Marcelina Gómez, presidenta"
READERS = {"tesorera": True, "ong": True, "agencia": False}


def api(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


@pytest.fixture
def people(db) -> dict:
    """The treasurer's committee (the NGO accompanies it) with one named person of each kind."""
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    cycle = make_cycle(committee, workshop_on=datetime.date(2026, 10, 1), stage="workshop")
    person = Participant.objects.create(
        cycle=cycle, name=PERSON, role="user", sex="F", age_group="adult"
    )
    assessed = assess(cycle, "R01")
    complaint = make_complaint(
        committee,
        datetime.date(2026, 11, 2),
        datetime.date(2026, 11, 17),
        reported_by=REPORTER,
        record_id="queja-con-nombre",
    )
    session = CoachingSession.objects.create(
        cycle=cycle, held_on=datetime.date(2026, 11, 20), attendees=ATTENDEES
    )
    return {
        "cycle": cycle,
        "person": person,
        "assessed": assessed,
        "complaint": complaint,
        "session": session,
    }


@pytest.mark.parametrize(("persona", "reads"), READERS.items())
def test_pages_show_names_only_to_the_committee_and_who_accompanies_it(
    people, persona, reads, request
):
    client = request.getfixturevalue(persona)
    cycle = people["cycle"]
    pages = {
        "participants": f"/integridad/ciclos/{cycle.pk}/participantes/",
        "ratings": f"/integridad/ciclos/{cycle.pk}/valoracion/?riesgo=R01",
        "complaint": f"/integridad/quejas/{people['complaint'].pk}/",
        "coaching": f"/integridad/acompanamiento/{people['session'].pk}/",
    }
    names = {"participants": PERSON, "ratings": PERSON, "complaint": REPORTER}
    names["coaching"] = ATTENDEES
    for page, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, page
        assert (names[page] in response.content.decode()) is reads, (page, persona)
    # Everyone reads the counts by sex and role.
    html = client.get(pages["participants"]).content.decode()
    assert "Mujeres" in html and "Usuaria o usuario" in html


@pytest.mark.parametrize(("persona", "reads"), READERS.items())
def test_the_api_gives_names_by_the_same_rule(people, persona, reads):
    client = api(persona)
    cycle = people["cycle"]
    answers = {
        "name": client.get(f"/api/v1/participants/{people['person'].pk}/").json(),
        "reported_by": client.get(f"/api/v1/complaints/{people['complaint'].pk}/").json(),
        "attendees": client.get(f"/api/v1/coaching-sessions/{people['session'].pk}/").json(),
    }
    for field, answer in answers.items():
        assert (field in answer) is reads, (field, persona)
        assert answer["id"]
    listed = client.get("/api/v1/participants/", {"cycle": cycle.pk}).content.decode()
    assert (PERSON in listed) is reads


def test_downloads_never_carry_the_names(people, tesorera, agencia):
    workshop.rate_risk(User.objects.get(username="ong"), people["assessed"], people["person"], 2, 3)
    for client in (tesorera, agencia):
        for url in ("/integridad/quejas/exportar.csv", "/integridad/exportar/valoraciones.csv"):
            response = client.get(url)
            assert response.status_code == 200, url
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert REPORTER not in body.decode("utf-8-sig")
            assert PERSON not in body.decode("utf-8-sig")


def test_the_audit_trail_of_a_rating_does_not_name_the_person(people, agencia, ong):
    workshop.rate_risk(User.objects.get(username="ong"), people["assessed"], people["person"], 2, 3)

    trail = agencia.get("/bitacora/").content.decode()

    assert "valoración" in trail.lower()
    assert PERSON not in trail


def test_the_coordinator_is_not_asked_for_names(people, agencia):
    cycle = people["cycle"]

    participants = agencia.get(f"/integridad/ciclos/{cycle.pk}/participantes/").content.decode()
    complaint_form = agencia.get(f"/integridad/quejas/nueva/?provider={cycle.provider_id}")

    assert 'name="name"' not in participants
    assert 'name="sex"' in participants  # she still registers people, by sex and role
    assert 'name="reported_by"' not in complaint_form.content.decode()
    assert 'name="what"' in complaint_form.content.decode()


def test_a_name_sent_by_the_coordinator_is_refused(people, agencia):
    cycle = people["cycle"]
    client = api("agencia")

    person = client.post(
        "/api/v1/participants/",
        {"cycle": cycle.pk, "name": "Juana", "role": "user", "sex": "F", "age_group": "adult"},
        format="json",
    )
    renamed = client.patch(
        f"/api/v1/participants/{people['person'].pk}/", {"name": "Otra"}, format="json"
    )
    reporter = client.patch(
        f"/api/v1/complaints/{people['complaint'].pk}/", {"reported_by": "Otro"}, format="json"
    )
    attendees = client.patch(
        f"/api/v1/coaching-sessions/{people['session'].pk}/", {"attendees": "x"}, format="json"
    )
    page = agencia.post(
        f"/integridad/ciclos/{cycle.pk}/participantes/",
        {
            "action": "add",
            "record_id": new_record_id(),
            "name": "Juana",
            "role": "user",
            "sex": "F",
            "age_group": "adult",
        },
    )

    for response, field in [
        (person, "name"),
        (renamed, "name"),
        (reporter, "reported_by"),
        (attendees, "attendees"),
    ]:
        assert response.status_code == 400, field
        assert "Los nombres los anotan el comité" in response.json()[field][0]
    assert page.status_code == 302  # the person is added, without the name she cannot read
    assert not Participant.objects.filter(name__in=["Juana", "Otra"]).exists()
    people["complaint"].refresh_from_db()
    assert people["complaint"].reported_by == REPORTER


def test_a_resent_complaint_cannot_be_used_to_guess_who_filed_it(people):
    complaint = people["complaint"]
    sent = {
        "record_id": complaint.record_id,
        "provider": complaint.provider_id,
        "received_on": complaint.received_on.isoformat(),
        "respond_by": complaint.respond_by.isoformat(),
        "what": complaint.what,
    }

    right = api("agencia").post("/api/v1/complaints/", {**sent, "reported_by": REPORTER})
    wrong = api("agencia").post("/api/v1/complaints/", {**sent, "reported_by": "Nadie"})

    assert right.status_code == wrong.status_code == 400
    assert right.json() == wrong.json()
    assert Complaint.objects.filter(record_id=complaint.record_id).count() == 1


def test_the_ngo_still_writes_and_reads_names(people, ong):
    cycle = people["cycle"]

    added = ong.post(
        f"/integridad/ciclos/{cycle.pk}/participantes/",
        {
            "action": "add",
            "record_id": new_record_id(),
            "name": "Juana Méndez",
            "role": "user",
            "sex": "F",
            "age_group": "young",
        },
    )

    assert added.status_code == 302
    assert "Juana Méndez" in ong.get(added["Location"]).content.decode()
