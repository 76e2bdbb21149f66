"""A record id taken outside the user's area tells nothing: not that it exists, not where.

Record ids are unique across the whole project, so one taken by another committee cannot be
used again; but it is looked at last. A request that would be refused anyway (a place outside
the area, a read-only user) gets the very same answer, status and body, with a taken id as with
a free one; a request that would have been written is refused on ``record_id`` (400), in words
that say nothing of the other record, as a wrong value rather than as a conflict.
"""

import datetime

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from ojodeagua.api.tests.test_observations_api import (
    committee_system,
    ngo_foreign_system,
    supply_day,
)
from ojodeagua.integrity.models import CoachingSession, Complaint, Cycle, Participant
from ojodeagua.integrity.tests.factories import make_complaint, make_cycle
from ojodeagua.lib.records import unavailable_message
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import make_viewer
from ojodeagua.providers.models import Provider

pytestmark = pytest.mark.django_db
TAKEN, FREE = "ajeno-1", "libre-1"


def api(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def own_committee() -> Provider:
    return Membership.objects.get(user__username="tesorera").providers.get()


def foreign_committee() -> Provider:
    return Provider.objects.get(pk=ngo_foreign_system().provider_id)


@pytest.fixture
def cycles() -> dict[str, Cycle]:
    return {
        "own": make_cycle(own_committee(), stage="workshop"),
        "foreign": make_cycle(foreign_committee(), stage="workshop"),
    }


def taken_by_another_committee(kind: str, foreign_cycle: Cycle) -> None:
    """A record of ``kind`` with the id TAKEN, in a committee the treasurer does not see."""
    if kind == "supply-days":
        response = api("agencia").post(
            "/api/v1/supply-days/",
            supply_day(ngo_foreign_system(), record_id=TAKEN),
            format="json",
        )
        assert response.status_code == 201, response.content
    elif kind == "participants":
        Participant.objects.create(
            cycle=foreign_cycle, record_id=TAKEN, role="user", sex="M", age_group="elder"
        )
    elif kind == "complaints":
        make_complaint(
            foreign_cycle.provider,
            datetime.date(2026, 10, 1),
            datetime.date(2026, 10, 16),
            what="Una fuga en la escuela",
            record_id=TAKEN,
        )
    else:
        CoachingSession.objects.create(
            cycle=foreign_cycle,
            held_on=datetime.date(2026, 10, 2),
            attendees="Comité vecino",
            record_id=TAKEN,
        )


def body(kind: str, cycles: dict[str, Cycle], where: str, record_id: str) -> dict:
    """A record the treasurer could write ("own"), or one of a place outside her area."""
    cycle = cycles[where]
    if kind == "supply-days":
        system = committee_system() if where == "own" else ngo_foreign_system()
        return supply_day(system, record_id=record_id)
    if kind == "participants":
        return {
            "record_id": record_id,
            "cycle": cycle.pk,
            "role": "user",
            "sex": "F",
            "age_group": "adult",
        }
    if kind == "complaints":
        return {
            "record_id": record_id,
            "provider": cycle.provider_id,
            "received_on": "2026-11-02",
            "respond_by": "2026-11-17",
            "what": "No llegó el agua el martes",
        }
    return {
        "record_id": record_id,
        "cycle": cycle.pk,
        "held_on": "2026-11-03",
        "attendees": "Tesorera y presidenta",
    }


KINDS = ["supply-days", "participants", "complaints", "coaching-sessions"]
MODELS = {
    "supply-days": SupplyDay,
    "participants": Participant,
    "complaints": Complaint,
    "coaching-sessions": CoachingSession,
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_request_refused_anyway_answers_the_same_with_a_taken_id(kind, cycles):
    taken_by_another_committee(kind, cycles["foreign"])
    url = f"/api/v1/{kind}/"

    # A viewer of the treasurer's committee alone, who does not see the other one either.
    viewer = make_viewer("lectora-del-comite", providers=[own_committee()]).username
    for client, where in [(api("tesorera"), "foreign"), (api(viewer), "own")]:
        with_taken = client.post(url, body(kind, cycles, where, TAKEN), format="json")
        with_free = client.post(url, body(kind, cycles, where, FREE), format="json")

        assert with_taken.status_code == with_free.status_code
        assert with_taken.status_code in (400, 403)
        assert with_taken.json() == with_free.json()
    assert MODELS[kind].objects.filter(record_id=TAKEN).count() == 1
    assert not MODELS[kind].objects.filter(record_id=FREE).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_taken_id_in_a_request_that_would_be_written_is_refused_saying_nothing(kind, cycles):
    taken_by_another_committee(kind, cycles["foreign"])

    response = api("tesorera").post(
        f"/api/v1/{kind}/", body(kind, cycles, "own", TAKEN), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"record_id": [unavailable_message(TAKEN)]}
    assert MODELS[kind].objects.filter(record_id=TAKEN).count() == 1
