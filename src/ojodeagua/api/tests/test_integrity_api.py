"""The integrity API: scope, idempotent creates, upserts, road-map changes with reasons."""

import datetime

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from ojodeagua.audit.models import AuditEvent
from ojodeagua.integrity.models import (
    AssessedRisk,
    CatalogueVersion,
    CoachingAnswer,
    Complaint,
    ComplianceAnswer,
    Cycle,
    Participant,
    Rating,
    RatingTally,
    RoadmapChange,
    RoadmapItem,
    ScorecardScore,
)
from ojodeagua.integrity.tests.factories import assess, make_cycle
from ojodeagua.integrity.tests.test_agency import build, months_after
from ojodeagua.integrity.workshop import ratings_by_sex
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import municipal_viewer
from ojodeagua.providers.models import Provider

D = datetime.date
WORKSHOP_ON = D(2026, 3, 1)


def api(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def own_committee() -> Provider:
    return Membership.objects.get(user__username="tesorera").providers.get()


def foreign_committee() -> Provider:
    """In Berriozábal (the agency's) but neither the treasurer's nor the NGO's."""
    covered = Membership.objects.get(user__username="ong").providers.values("pk")
    return (
        Provider.objects.filter(municipality__key="07012", kind="committee")
        .exclude(pk__in=covered)
        .first()
    )


def participant(cycle, **extra) -> dict:
    return {
        "record_id": "tel-7:persona-1",
        "cycle": cycle.pk,
        "name": "Rosa Gómez",
        "role": "user",
        "sex": "F",
        "age_group": "adult",
        **extra,
    }


@pytest.fixture
def cycle(db) -> Cycle:
    return make_cycle(own_committee(), workshop_on=WORKSHOP_ON, stage="workshop")


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_committee_sees_only_its_own_cycles(cycle):
    foreign = make_cycle(foreign_committee(), workshop_on=WORKSHOP_ON, stage="workshop")
    mine = results(api("tesorera").get("/api/v1/cycles/", {"page_size": 1000}))
    assert {row["provider"] for row in mine} == {own_committee().pk}
    assert cycle.pk in {row["id"] for row in mine}
    everything = {
        row["id"] for row in results(api("agencia").get("/api/v1/cycles/", {"page_size": 1000}))
    }
    assert {cycle.pk, foreign.pk} <= everything
    assert api("tesorera").get(f"/api/v1/cycles/{foreign.pk}/").status_code == 404


def test_the_treasurer_starts_a_cycle_with_the_current_catalogue(db):
    provider = own_committee()
    before = provider.integrity_cycles.count()
    response = api("tesorera").post(
        "/api/v1/cycles/", {"provider": provider.pk, "context": "Red nueva"}, format="json"
    )
    assert response.status_code == 201, response.content
    created = Cycle.objects.get(pk=response.json()["id"])
    assert created.number == before + 1
    assert created.catalogue == CatalogueVersion.current()
    assert created.scale.code == "3x3"
    # Opened as the page opens one: with the baseline of the day.
    assert created.baseline and created.baseline_taken_on is not None
    assert AuditEvent.objects.filter(
        object_id=str(created.pk), content_type__model=created._meta.model_name, action="create"
    ).exists()
    refused = api("tesorera").post(
        "/api/v1/cycles/", {"provider": foreign_committee().pk}, format="json"
    )
    assert refused.status_code == 400
    assert "provider" in refused.json()


def test_a_cycle_sent_twice_is_opened_once(db):
    provider = own_committee()
    before = provider.integrity_cycles.count()
    body = {"provider": provider.pk, "context": "Red nueva", "record_id": "tel-ciclo-1"}
    first = api("tesorera").post("/api/v1/cycles/", body, format="json")
    again = api("tesorera").post("/api/v1/cycles/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert provider.integrity_cycles.count() == before + 1


def test_a_participant_is_created_once_however_often_it_is_sent(cycle):
    client = api("tesorera")
    first = client.post("/api/v1/participants/", participant(cycle), format="json")
    again = client.post("/api/v1/participants/", participant(cycle), format="json")
    changed = client.post("/api/v1/participants/", participant(cycle, sex="M"), format="json")
    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert changed.status_code == 409
    assert changed.json()["fields"] == ["sex"]
    assert Participant.objects.filter(record_id="tel-7:persona-1").count() == 1
    assert AuditEvent.objects.filter(
        object_id=str(first.json()["id"]), action="create", actor__username="tesorera"
    ).exists()


def test_participant_names_only_for_the_committee_and_who_accompanies_it(cycle):
    Participant.objects.create(
        cycle=cycle, name="Rosa Gómez", role="user", sex="F", age_group="adult"
    )
    viewer = municipal_viewer()
    # Scope.sees_names_of: the municipal coordinator edits the cycle, but reads no names.
    readers = [("tesorera", True), ("ong", True), ("agencia", False), (viewer, False)]
    for username, sees_name in readers:
        rows = results(api(username).get("/api/v1/participants/", {"cycle": cycle.pk}))
        assert len(rows) == 1
        assert ("name" in rows[0]) is sees_name, username
        assert rows[0]["sex"] == "F"
    assert "Rosa Gómez" not in api(viewer).get("/api/v1/participants/").content.decode()


def test_writes_outside_the_edit_scope_are_refused(cycle):
    foreign = make_cycle(foreign_committee(), workshop_on=WORKSHOP_ON, stage="workshop")
    outside = api("tesorera").post(
        "/api/v1/participants/", participant(foreign, record_id="x-1"), format="json"
    )
    # The cycle is not even a valid choice for her.
    assert outside.status_code == 400
    assert "cycle" in outside.json()
    viewer = municipal_viewer()
    read_only = api(viewer).post(
        "/api/v1/participants/", participant(cycle, record_id="x-2"), format="json"
    )
    assert read_only.status_code == 403
    assert not Participant.objects.filter(record_id__in=["x-1", "x-2"]).exists()


def test_someone_elses_record_id_is_refused_without_showing_it(cycle):
    foreign = make_cycle(foreign_committee(), workshop_on=WORKSHOP_ON, stage="workshop")
    Participant.objects.create(
        cycle=foreign, record_id="ajeno-1", role="user", sex="F", age_group="adult"
    )
    response = api("tesorera").post(
        "/api/v1/participants/", participant(cycle, record_id="ajeno-1"), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["record_id"]
    assert "Rosa" not in response.content.decode() and str(foreign.pk) not in str(response.json())


def test_a_rating_is_upserted_by_risk_and_participant(cycle):
    person = Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="young")
    risk = assess(cycle, "R01", 3, 3)
    client = api("tesorera")
    rating = {"assessed_risk": risk.pk, "participant": person.pk, "likelihood": 2, "impact": 3}
    first = client.post("/api/v1/ratings/", rating, format="json")
    second = client.post("/api/v1/ratings/", {**rating, "likelihood": 3}, format="json")
    off_scale = client.post("/api/v1/ratings/", {**rating, "likelihood": 5}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["score"] == 6
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert off_scale.status_code == 400
    assert "no está en la escala" in off_scale.content.decode()
    stored = Rating.objects.get(assessed_risk=risk, participant=person)
    assert (stored.likelihood, stored.impact) == (3, 3)


def test_a_rooms_count_is_upserted_by_risk_and_sex_through_the_workshops_rule(cycle):
    for sex in "FFFM":
        Participant.objects.create(cycle=cycle, role="user", sex=sex, age_group="adult")
    risk = assess(cycle, "R01", 3, 3)
    client = api("tesorera")
    count = {
        "assessed_risk": risk.pk,
        "sex": "F",
        "likelihood_counts": {"3": 2, "2": 1},
        "impact_counts": {"3": 3},
    }
    first = client.post("/api/v1/rating-tallies/", count, format="json")
    again = client.post(
        "/api/v1/rating-tallies/", {**count, "impact_counts": {"2": 3}}, format="json"
    )
    too_many = client.post(
        "/api/v1/rating-tallies/", {**count, "likelihood_counts": {"3": 4}}, format="json"
    )
    assert first.status_code == 201, first.content
    assert first.json()["people"] == 3
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert too_many.status_code == 400
    assert "Se contaron 4 mujeres en probabilidad" in too_many.content.decode()
    stored = RatingTally.objects.get(assessed_risk=risk, sex="F")
    assert (stored.likelihood_counts, stored.impact_counts) == ({"2": 1, "3": 2}, {"2": 3})
    # The page's rule and the API's are one: the women's mean reads the count.
    (comparison,) = [c for c in ratings_by_sex(cycle) if c.assessed_risk == risk]
    assert comparison.women_count == 3
    assert api("tesorera").get("/api/v1/rating-tallies/").json()["count"] == 1


def test_an_assessed_risk_and_the_top_three(cycle):
    client = api("tesorera")
    created = client.post(
        "/api/v1/assessed-risks/",
        {
            "record_id": "riesgo-1",
            "cycle": cycle.pk,
            "own_title": "Se pierden las llaves del tanque",
            "consensus_likelihood": 3,
            "consensus_impact": 2,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["consensus_band"] == "high"
    catalogue = assess(cycle, "R06", 2, 2)
    duplicate = client.post(
        "/api/v1/assessed-risks/", {"cycle": cycle.pk, "risk": catalogue.risk_id}, format="json"
    )
    assert duplicate.status_code == 400
    chosen = client.post(
        f"/api/v1/cycles/{cycle.pk}/top-three/",
        {"assessed_risks": [catalogue.pk, created.json()["id"]]},
        format="json",
    )
    assert chosen.status_code == 200, chosen.content
    assert [(row["id"], row["priority"]) for row in chosen.json()] == [
        (catalogue.pk, 1),
        (created.json()["id"], 2),
    ]
    unrated = AssessedRisk.objects.create(cycle=cycle, own_title="Sin valorar")
    refused = client.post(
        f"/api/v1/cycles/{cycle.pk}/top-three/", {"assessed_risks": [unrated.pk]}, format="json"
    )
    assert refused.status_code == 400


def planned_action(cycle) -> RoadmapItem:
    risk = assess(cycle, "R01", 3, 3)
    risk.priority = 1
    risk.save()
    return RoadmapItem.objects.create(
        assessed_risk=risk,
        record_id="accion-1",
        action="Dar recibos numerados",
        responsible="Tesorera",
        deadline=D(2026, 6, 1),
        done_when="Hay talonario",
    )


def test_a_road_map_change_needs_a_reason_and_is_kept(cycle):
    item = planned_action(cycle)
    client = api("tesorera")
    done = {"status": "done", "done_on": "2026-05-20"}
    without = client.patch(f"/api/v1/roadmap-items/{item.pk}/", done, format="json")
    assert without.status_code == 400
    assert "Diga por qué cambia la hoja de ruta." in without.content.decode()
    item.refresh_from_db()
    assert item.status == "pending"

    with_reason = client.patch(
        f"/api/v1/roadmap-items/{item.pk}/",
        {**done, "reason": "Ya se compró el talonario"},
        format="json",
    )
    assert with_reason.status_code == 200, with_reason.content
    item.refresh_from_db()
    assert (item.status, item.done_on) == ("done", D(2026, 5, 20))
    change = RoadmapChange.objects.get(item=item)
    assert change.reason == "Ya se compró el talonario"
    assert change.changes["status"] == ["pending", "done"]
    assert with_reason.json()["changes"][0]["reason"] == "Ya se compró el talonario"
    assert AuditEvent.objects.filter(
        object_id=str(item.pk), content_type__model=item._meta.model_name, action="update"
    ).exists()

    dropped = client.patch(
        f"/api/v1/roadmap-items/{item.pk}/",
        {"status": "dropped", "reason": "Se decidió otra cosa"},
        format="json",
    )
    assert dropped.status_code == 400
    assert "Diga por qué se dejó esta acción." in dropped.content.decode()


def test_a_road_map_action_is_created_once_and_only_for_the_top_three(cycle):
    risk = assess(cycle, "R01", 3, 3)
    action = {
        "record_id": "tel-7:accion-9",
        "assessed_risk": risk.pk,
        "action": "Corte de caja mensual",
        "responsible": "Tesorera y vigilancia",
        "deadline": "2026-07-01",
        "done_when": "Acta firmada",
    }
    client = api("tesorera")
    not_chosen = client.post("/api/v1/roadmap-items/", action, format="json")
    assert not_chosen.status_code == 400
    AssessedRisk.objects.filter(pk=risk.pk).update(priority=1)
    first = client.post("/api/v1/roadmap-items/", action, format="json")
    again = client.post("/api/v1/roadmap-items/", action, format="json")
    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert RoadmapItem.objects.filter(record_id="tel-7:accion-9").count() == 1


def test_coaching_scorecard_and_compliance_are_upserted(cycle):
    item = planned_action(cycle)
    client = api("tesorera")
    session = client.post(
        "/api/v1/coaching-sessions/",
        {
            "record_id": "sesion-1",
            "cycle": cycle.pk,
            "held_on": "2026-04-10",
            "attendees": "Tesorera",
        },
        format="json",
    )
    assert session.status_code == 201, session.content
    answer = {"session": session.json()["id"], "item": item.pk, "goals_reached": "Se compró"}
    assert client.post("/api/v1/coaching-answers/", answer, format="json").status_code == 201
    updated = client.post(
        "/api/v1/coaching-answers/", {**answer, "problems": "Faltó dinero"}, format="json"
    )
    assert updated.status_code == 200
    assert CoachingAnswer.objects.get(item=item).problems == "Faltó dinero"

    indicator = cycle.catalogue.scorecard_indicators.first()
    score = {"cycle": cycle.pk, "indicator": indicator.pk, "score": 3, "evidence": "Acta"}
    assert client.post("/api/v1/scorecard-scores/", score, format="json").status_code == 201
    assert (
        client.post("/api/v1/scorecard-scores/", {**score, "score": 4}, format="json").status_code
        == 200
    )
    assert ScorecardScore.objects.get(cycle=cycle, indicator=indicator).score == 4

    item_c01 = cycle.catalogue.checklist.get(code="C01")
    answer = {"cycle": cycle.pk, "item": item_c01.pk, "answer": "no"}
    assert client.post("/api/v1/compliance-answers/", answer, format="json").status_code == 201
    assert (
        client.post(
            "/api/v1/compliance-answers/", {**answer, "answer": "yes"}, format="json"
        ).status_code
        == 200
    )
    assert ComplianceAnswer.objects.get(cycle=cycle, item=item_c01).answer == "yes"


def test_complaints_hide_who_filed_them_from_readers(cycle):
    client = api("tesorera")
    complaint = {
        "record_id": "queja-1",
        "provider": own_committee().pk,
        "received_on": "2026-10-01",
        "respond_by": "2026-10-08",
        "what": "Sale el agua turbia",
        "reported_by": "Domingo Cruz",
    }
    first = client.post("/api/v1/complaints/", complaint, format="json")
    again = client.post("/api/v1/complaints/", complaint, format="json")
    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert Complaint.objects.filter(record_id="queja-1").count() == 1
    viewer = municipal_viewer()
    seen = api(viewer).get(f"/api/v1/complaints/{first.json()['id']}/")
    assert seen.status_code == 200
    assert "reported_by" not in seen.json()
    assert "Domingo Cruz" not in seen.content.decode()
    assert (
        api("ong").get(f"/api/v1/complaints/{first.json()['id']}/").json()["reported_by"]
        == "Domingo Cruz"
    )
    # The municipal coordinator keeps the register too, but reads no names.
    coordinator = api("agencia").get(f"/api/v1/complaints/{first.json()['id']}/")
    assert "reported_by" not in coordinator.json()
    assert "Domingo Cruz" not in coordinator.content.decode()
    elsewhere = api("tesorera").post(
        "/api/v1/complaints/",
        {**complaint, "record_id": "queja-2", "provider": foreign_committee().pk},
        format="json",
    )
    assert elsewhere.status_code == 400


def test_attachments_are_read_only(cycle):
    response = api("tesorera").post("/api/v1/attachments/", {"cycle": cycle.pk}, format="json")
    assert response.status_code == 405
    assert api("tesorera").get("/api/v1/attachments/").status_code == 200


def test_the_catalogue_lists_risks_with_tools_and_signals(db):
    version = CatalogueVersion.current()
    rows = results(
        api("tesorera").get("/api/v1/catalogue-risks/", {"version": version.pk, "code": "R11"})
    )
    assert len(rows) == 1
    assert rows[0]["signals"][0]["check_code"] == "complaints_overdue"
    assert rows[0]["tools"]
    scales = results(api("tesorera").get("/api/v1/catalogue-scales/", {"version": version.pk}))
    assert {row["code"] for row in scales} == {"3x3", "who5x5"}
    principles = results(api("tesorera").get("/api/v1/catalogue-scorecard/"))
    assert principles and principles[0]["indicators"]
    assert api("tesorera").post("/api/v1/catalogue-risks/", {}, format="json").status_code == 405


def test_the_overview_gives_the_agency_figures(db):
    on = D(2026, 11, 27)
    fixture = build(on)
    response = api("agencia").get("/api/v1/integrity-overview/", {"on": "2026-11-27"})
    assert response.status_code == 200, response.content
    data = response.json()
    rows = {row["provider"]: row for row in data["benchmark"]}
    a = rows[fixture.a.pk]
    assert (a["completion_12"]["done"], a["completion_12"]["planned"]) == (4, 7)
    assert a["compliance"] == {"yes": 2, "partly": 1, "no": 1}
    assert a["top_three"] == ["R01", "R06"]
    assert rows[fixture.b.pk]["red_flags"] == ["complaints_overdue"]
    late = [row for row in data["overdue_actions"] if row["provider"] == fixture.a.pk]
    assert [row["days_late"] for row in late] == [30]
    assert fixture.d.pk in {row["provider"] for row in data["without_recent_cycle"]}
    assert fixture.office.pk not in rows
    assert [figure["months"] for figure in data["completion"]] == [6, 12]

    mine = api("tesorera").get("/api/v1/integrity-overview/", {"on": "2026-11-27"}).json()
    assert [row["provider"] for row in mine["benchmark"]] == [own_committee().pk]
    bad = api("tesorera").get(
        "/api/v1/integrity-overview/", {"municipality": fixture.a.municipality_id + 100000}
    )
    assert bad.status_code == 400


def test_the_overview_adds_the_same_figures_as_the_agency_functions(db):
    from ojodeagua.integrity import agency

    on = D(2026, 11, 27)
    fixture = build(on)
    response = api("agencia").get(
        "/api/v1/integrity-overview/", {"on": "2026-11-27", "kind": "kiosk"}
    )
    data = response.json()
    kiosks = Provider.objects.filter(municipality__key="07012", kind="kiosk")
    expected = agency.completion_summary(kiosks, on, 12)
    twelve = data["completion"][1]
    assert (twelve["done"], twelve["planned"]) == (expected.done, expected.planned)
    assert fixture.c.pk in {row["provider"] for row in data["benchmark"]}
    assert months_after(on, -12) == D(2025, 11, 27)


def test_a_record_stays_with_its_cycle_and_readers_cannot_change_it(cycle):
    person = Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="adult")
    other = make_cycle(own_committee(), workshop_on=D(2026, 9, 1), stage="workshop")
    moved = api("tesorera").patch(
        f"/api/v1/participants/{person.pk}/", {"cycle": other.pk}, format="json"
    )
    assert moved.status_code == 400
    fixed = api("tesorera").patch(
        f"/api/v1/participants/{person.pk}/", {"age_group": "elder"}, format="json"
    )
    assert fixed.status_code == 200
    viewer = municipal_viewer()
    refused = api(viewer).patch(
        f"/api/v1/participants/{person.pk}/", {"age_group": "young"}, format="json"
    )
    assert refused.status_code == 403
    person.refresh_from_db()
    assert (person.cycle, person.age_group) == (cycle, "elder")


def test_a_complaint_is_answered_through_the_api(cycle):
    complaint = Complaint.objects.create(
        provider=own_committee(),
        received_on=D(2026, 10, 1),
        respond_by=D(2026, 10, 8),
        what="Fuga en la calle",
    )
    path = f"/api/v1/complaints/{complaint.pk}/"
    missing = api("tesorera").patch(path, {"status": "answered"}, format="json")
    assert missing.status_code == 400
    assert "Anote cuándo se respondió la queja." in missing.content.decode()
    unanswered = api("tesorera").patch(
        path, {"status": "answered", "answered_on": "2026-10-05"}, format="json"
    )
    assert unanswered.status_code == 400
    assert "Escriba qué se le respondió a quien se quejó." in unanswered.content.decode()
    answered = api("tesorera").patch(
        path,
        {"status": "answered", "answered_on": "2026-10-05", "answer": "Se cambió el tubo"},
        format="json",
    )
    assert answered.status_code == 200, answered.content
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED
    assert api(municipal_viewer()).patch(path, {"answer": "x"}, format="json").status_code == 403
    assert AuditEvent.objects.filter(
        object_id=str(complaint.pk), content_type__model=complaint._meta.model_name, action="update"
    ).exists()


def test_the_schema_lists_the_integrity_endpoints(db):
    paths = api("agencia").get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/cycles/",
        "/api/v1/cycles/{id}/top-three/",
        "/api/v1/ratings/",
        "/api/v1/roadmap-items/{id}/",
        "/api/v1/catalogue-risks/",
        "/api/v1/integrity-overview/",
    ):
        assert path in paths, path
