"""The workshop pages as a facilitator uses them: a cycle from its start to the road map."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from ojodeagua.audit.models import AuditEvent
from ojodeagua.conftest import login_client
from ojodeagua.indicators.catalogue import FINANCE_CODES
from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.integrity.baseline import baseline_rows, take_baseline
from ojodeagua.integrity.models import (
    AssessedRisk,
    CatalogueVersion,
    Complaint,
    ComplianceAnswer,
    Cycle,
    Participant,
    Rating,
    RoadmapItem,
)
from ojodeagua.integrity.tests.factories import make_committee, make_cycle
from ojodeagua.lib.records import new_record_id
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import make_viewer
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider
from ojodeagua.providers.tests.factories import make_system

D = datetime.date
HX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, cycle: Cycle | None = None) -> str:
    base = "/integridad/ciclos/"
    if cycle is None:
        return base if name == "list" else base + "nuevo/"
    paths = {
        "hub": "",
        "edit": "editar/",
        "participants": "participantes/",
        "compliance": "cumplimiento/",
        "ratings": "valoracion/",
        "heat_map": "mapa/",
        "top_three": "prioridades/",
        "plan": "plan/",
    }
    return f"{base}{cycle.pk}/{paths[name]}"


def ong_committee() -> Provider:
    return (
        Membership.objects.get(user__username="ong")
        .providers.filter(kind="committee")
        .order_by("pk")
        .last()
    )


def treasurer_committee() -> Provider:
    return Membership.objects.get(user__username="tesorera").providers.get()


def outside_ong() -> Provider:
    covered = Membership.objects.get(user__username="ong").providers.values("pk")
    return Provider.objects.filter(kind="committee").exclude(pk__in=covered).order_by("pk").first()


def text(response) -> str:
    return response.content.decode()


def person(client, cycle, sex, role="user", name="", record_id=None, **extra):
    data = {
        "action": "add",
        "record_id": record_id or new_record_id(),
        "sex": sex,
        "role": role,
        "age_group": "adult",
        "name": name,
    }
    return client.post(url("participants", cycle), data, **extra)


def rate(client, cycle, risk_key, participant, likelihood, impact, **extra):
    prefix = f"p{participant.pk}"
    data = {
        "action": "rate",
        "riesgo": risk_key,
        "participant": participant.pk,
        f"{prefix}-likelihood": likelihood,
        f"{prefix}-impact": impact,
    }
    return client.post(url("ratings", cycle), data, **extra)


def agree(client, cycle, risk_key, likelihood, impact, **extra):
    data = {
        "action": "consensus",
        "riesgo": risk_key,
        "consensus-likelihood": likelihood,
        "consensus-impact": impact,
    }
    return client.post(url("ratings", cycle), data, **extra)


def events(model: str, user: str) -> int:
    return AuditEvent.objects.filter(
        content_type__model=model, actor__username=user, action="create"
    ).count()


# A whole workshop ------------------------------------------------------------------------------
def test_a_facilitator_runs_a_whole_workshop_through_the_pages(ong):
    committee = ong_committee()
    before = committee.integrity_cycles.count()
    last = committee.integrity_cycles.order_by("-number").first()

    form = ong.get(url("create"), {"provider": committee.pk})
    assert form.status_code == 200
    assert f'<option value="{committee.pk}" selected>' in text(form)
    default_scale = CatalogueVersion.current().scales.get(is_default=True)
    assert f'<option value="{default_scale.pk}" selected>' in text(form)

    record_id = new_record_id()
    data = {
        "record_id": record_id,
        "provider": committee.pk,
        "scale": default_scale.pk,
        "context": "Da agua a 120 familias; el comité se renovó en enero.",
        "workshop_on": "",
    }
    created = ong.post(url("create"), data)
    cycle = committee.integrity_cycles.order_by("-number").first()
    assert created.status_code == 302 and created["Location"] == url("hub", cycle)
    assert cycle.number == (last.number + 1 if last else 1)
    assert cycle.catalogue == CatalogueVersion.current() and cycle.scale == default_scale
    assert cycle.baseline_taken_on == timezone.localdate()
    assert cycle.baseline["taken_on"] == timezone.localdate().isoformat()
    assert "complaints" in cycle.baseline
    keeps_books = IndicatorValue.objects.filter(
        entity="provider", entity_id=committee.pk, indicator__in=FINANCE_CODES
    ).exists()
    assert (cycle.baseline["finances"] is not None) == keeps_books
    # The same form sent again (the answer was lost on the way) opens no second cycle.
    again = ong.post(url("create"), data)
    assert again["Location"] == url("hub", cycle)
    assert cycle.record_id == record_id
    # Also from a new session (the phone signed in again before resending).
    assert login_client("ong").post(url("create"), data)["Location"] == url("hub", cycle)
    assert committee.integrity_cycles.count() == before + 1
    assert events("cycle", "ong") == 1

    hub = text(ong.get(url("hub", cycle)))
    assert "Línea base" in hub
    assert f"Tomada el {timezone.localdate():%d/%m/%Y}" in hub
    assert "Da agua a 120 familias" in hub
    # Finances: the books' figures, or a sentence saying there were none.
    assert ("Eficiencia de cobranza" in hub) == keeps_books
    assert ("no llevaba sus cuentas en Ojo de Agua" in hub) != keeps_books

    # Participants: women and men, one name left out; a repeated form saves once.
    first_id = new_record_id()
    assert person(ong, cycle, "F", "committee", "Rosa", record_id=first_id).status_code == 302
    assert person(ong, cycle, "F", "committee", "Rosa", record_id=first_id).status_code == 302
    # The same form id with other answers is not a repeat: refused, nothing saved.
    assert person(ong, cycle, "M", record_id=first_id).status_code == 200
    added = person(ong, cycle, "F", "user", **HX)
    assert added.status_code == 302  # htmx follows it and picks the list out of the page
    person(ong, cycle, "M", "authority")
    person(ong, cycle, "M", "user")
    assert cycle.participants.count() == 4
    assert Participant.objects.filter(record_id=first_id).count() == 1
    listing = text(ong.get(url("participants", cycle)))
    assert "4 personas registradas." in listing
    assert 'data-record-id="' + first_id + '"' in listing
    rosa, ana, pedro, juan = cycle.participants.order_by("pk")

    # Compliance: saved with htmx (a fragment back) and without (a redirect).
    item = cycle.catalogue.checklist.get(code="C05")
    fragment = ong.post(
        url("compliance", cycle),
        {"item": "C05", "C05-answer": "partly", "C05-evidence": "Libro sin cuadrar desde junio"},
        **HX,
    )
    assert fragment.status_code == 200
    assert "<html" not in text(fragment) and 'id="item-C05"' in text(fragment)
    assert "guardado" in text(fragment)
    # The count at the top of the page comes along, out of band.
    assert 'id="compliance-count" hx-swap-oob="true"' in text(fragment)
    assert "1 de 17 puntos respondidos." in text(fragment)
    plain = ong.post(url("compliance", cycle), {"item": "C05", "C05-answer": "yes"})
    assert plain.status_code == 302 and plain["Location"].endswith("#item-C05")
    answer = ComplianceAnswer.objects.get(cycle=cycle, item=item)
    assert answer.answer == "yes" and answer.evidence == ""
    missing = ong.post(url("compliance", cycle), {"item": "C06"}, **HX)
    assert "Elija sí, en parte o no antes de guardar." in text(missing)
    assert not cycle.compliance.filter(item__code="C06").exists()
    cycle.refresh_from_db()
    assert cycle.stage == "workshop" and cycle.workshop_on == timezone.localdate()

    # Ratings: each saves alone; a replay keeps one rating; off-scale values are refused.
    saved = rate(ong, cycle, "R06", rosa, 3, 3, **HX)
    assert saved.status_code == 200 and "<html" not in text(saved)
    assert "guardado" in text(saved) and "alto" in text(saved)
    rate(ong, cycle, "R06", rosa, 3, 3, **HX)
    rate(ong, cycle, "R06", ana, 3, 2, **HX)
    rate(ong, cycle, "R06", pedro, 1, 2, **HX)
    rate(ong, cycle, "R06", juan, 1, 1)
    chlorine = cycle.assessed_risks.get(risk__code="R06")
    assert chlorine.ratings.count() == 4
    assert chlorine.ratings.get(participant=rosa).score == 9
    off_scale = rate(ong, cycle, "R06", juan, 5, 1, **HX)
    assert "no está en la escala" in text(off_scale)
    assert chlorine.ratings.get(participant=juan).likelihood == 1
    half = rate(ong, cycle, "R06", juan, 2, "", **HX)
    assert "Elija también el impacto para guardar." in text(half)
    page = text(ong.get(url("ratings", cycle), {"riesgo": "R06"}))
    assert "Sin lectura de cloro en 30 días" in page  # the data check beside the risk
    assert 'id="rate-' + str(rosa.pk) + '"' in page

    rate(ong, cycle, "R01", rosa, 2, 2, **HX)
    rate(ong, cycle, "R01", pedro, 3, 3, **HX)
    for key, likelihood, impact in [("R06", 3, 3), ("R01", 3, 2), ("R11", 1, 2)]:
        agreed = agree(ong, cycle, key, likelihood, impact, **HX)
        assert "guardado" in text(agreed)
    assert "no está en la escala" in text(agree(ong, cycle, "R02", 4, 4, **HX))

    # The group adds its own risk; the same form twice adds it once.
    own_id = new_record_id()
    own = {"action": "own_risk", "record_id": own_id, "own_title": "Se pierden las llaves"}
    first = ong.post(url("ratings", cycle), own)
    assert ong.post(url("ratings", cycle), own)["Location"] == first["Location"]
    keys = cycle.assessed_risks.filter(risk__isnull=True)
    assert keys.count() == 1
    keys_risk = keys.get()
    agree(ong, cycle, f"g{keys_risk.pk}", 2, 2)

    heat = text(ong.get(url("heat_map", cycle)))
    assert "R06" in heat and "P1" in heat and "alto" in heat and "bajo" in heat
    # R06: women 9 and 6 (7.5), men 2 and 1 (1.5); R01: women 4, men 9.
    assert "Las mujeres valoraron más alto:" in heat and "7.5 las mujeres, 1.5 los hombres" in heat
    assert "Los hombres valoraron más alto:" in heat
    assert "aquí difieren más" in heat

    # Top three: a risk without the group's rating cannot be picked.
    unrated = rate(ong, cycle, "R03", rosa, 1, 1)
    assert unrated.status_code == 302
    r03 = cycle.assessed_risks.get(risk__code="R03")
    refused = ong.post(url("top_three", cycle), {"first": r03.pk})
    assert refused.status_code == 200
    assert "Ese riesgo no tiene valoración del grupo" in text(refused)
    empty = ong.post(url("top_three", cycle), {"first": ""})
    assert "Elija al menos el primer problema." in text(empty)
    twice = ong.post(url("top_three", cycle), {"first": chlorine.pk, "second": chlorine.pk})
    assert "Elija entre uno y tres problemas distintos." in text(twice)
    fees = cycle.assessed_risks.get(risk__code="R01")
    chosen = ong.post(
        url("top_three", cycle), {"first": chlorine.pk, "second": fees.pk, "third": keys_risk.pk}
    )
    assert chosen["Location"] == url("plan", cycle)
    assert dict(
        cycle.assessed_risks.exclude(priority=None).values_list("priority", "risk__code")
    ) == {
        1: "R06",
        2: "R01",
        3: None,
    }

    # The plan: suggested tools first, any tool of the version can be chosen.
    plan = text(ong.get(url("plan", cycle)))
    assert "Sugeridas para este riesgo" in plan and "Bitácora de cloración" in plan
    logbook = cycle.catalogue.tools.get(code="bitacora-cloracion")
    item_id = new_record_id()
    prefix = f"r{chlorine.pk}"
    action = {
        "assessed": chlorine.pk,
        f"{prefix}-record_id": item_id,
        f"{prefix}-tool": logbook.pk,
        f"{prefix}-action": "Anotar el cloro cada semana en la bitácora",
        f"{prefix}-responsible": "Fontanero",
        f"{prefix}-deadline": "2027-02-28",
        f"{prefix}-done_when": "La bitácora tiene 8 semanas seguidas",
    }
    assert ong.post(url("plan", cycle), action, **HX).status_code == 302
    assert ong.post(url("plan", cycle), action).status_code == 302
    assert RoadmapItem.objects.filter(record_id=item_id).count() == 1
    bad = dict(action, **{f"{prefix}-record_id": new_record_id(), f"{prefix}-deadline": ""})
    assert "Ponga para cuándo debe quedar hecha." in text(ong.post(url("plan", cycle), bad))
    plan = text(ong.get(url("plan", cycle)))
    assert "Anotar el cloro cada semana en la bitácora" in plan and item_id in plan

    hub = text(ong.get(url("hub", cycle)))
    assert "4 personas registradas: 2 mujeres y 2 hombres" in hub
    assert "1. Cloración" in hub and "Anotar el cloro cada semana" in hub
    assert "Sin lectura de cloro en 30 días" in hub
    assert "hecho" in hub and "en curso" in hub

    for model in ("participant", "complianceanswer", "rating", "assessedrisk", "roadmapitem"):
        assert events(model, "ong") > 0, model
    assert events("participant", "ong") == 4
    assert events("roadmapitem", "ong") == 1


# Baseline --------------------------------------------------------------------------------------
@pytest.fixture
def committee(db) -> Provider:
    return make_committee("Comité de la línea base")


def value(provider, code, period, value, entity="provider", entity_id=None, **extra):
    return IndicatorValue.objects.create(
        indicator=code,
        entity=entity,
        entity_id=entity_id or provider.pk,
        period=period,
        window_start=period,
        window_end=period,
        value=value,
        computed_at=timezone.now(),
        municipality_id=provider.municipality_id,
        provider_id=provider.pk,
        **extra,
    )


def test_the_baseline_keeps_the_latest_figures_before_its_day(committee):
    system = make_system(committee, "Red del cerro")
    value(committee, "working_share", D(2026, 9, 1), 0.5, numerator=1, denominator=2)
    value(committee, "working_share", D(2026, 10, 1), 1.0, numerator=2, denominator=2)
    value(committee, "working_share", D(2026, 12, 1), 0.0, numerator=0, denominator=2)  # after
    value(committee, "score", D(2026, 10, 1), 0.75, label="B")
    value(committee, "microbial_compliance", D(2026, 8, 1), 0.5, numerator=1, denominator=2)
    value(
        committee,
        "chlorine_compliance",
        D(2026, 10, 1),
        0.25,
        entity="system",
        entity_id=system.pk,
        numerator=1,
        denominator=4,
    )
    value(
        committee,
        "functionality",
        D(2026, 10, 1),
        3,
        entity="system",
        entity_id=system.pk,
        label="T3",
    )
    Complaint.objects.create(
        provider=committee,
        received_on=D(2026, 11, 1),
        respond_by=D(2026, 11, 8),
        what="Fuga en la calle",
    )
    Complaint.objects.create(
        provider=committee,
        received_on=D(2026, 9, 1),
        respond_by=D(2026, 9, 8),
        what="Agua turbia",
        status="resolved",
        answered_on=D(2026, 9, 5),
        closed_on=D(2026, 9, 6),
    )

    baseline = take_baseline(committee, D(2026, 11, 27))

    service = {row["code"]: row for row in baseline["service"]}
    assert list(service) == [
        "working_share",
        "microbial_compliance",
        "chlorine_compliance",
        "score",
    ]
    assert service["working_share"]["value"] == 1.0
    assert service["working_share"]["period"] == "2026-10-01"
    assert service["microbial_compliance"]["period"] == "2026-08-01"
    assert (
        service["chlorine_compliance"]["numerator"],
        service["chlorine_compliance"]["denominator"],
    ) == (1, 4)
    assert service["score"]["label"] == "B"
    assert baseline["systems"] == [
        {"system": "Red del cerro", **baseline["systems"][0], "label": "T3", "period": "2026-10-01"}
    ]
    assert baseline["complaints"]["received"] == 2
    assert baseline["complaints"]["resolved"] == 1
    assert baseline["complaints"]["overdue"] == 1
    assert baseline["complaints"]["fix_rate"] == 0.5
    assert baseline["finances"] is None  # no books kept here yet
    shown = baseline_rows(baseline)
    figures = {row["code"]: row["shown"] for row in shown["service"]}
    assert figures["working_share"] == "100 %" and figures["chlorine_compliance"] == "25 %"
    assert figures["score"] == "0.75 (B)"
    assert shown["fix_rate"] == "50 %"
    assert shown["finances"] == []


def test_the_baseline_keeps_the_books_figures_when_the_committee_keeps_them(committee):
    value(committee, "collection_efficiency", D(2026, 9, 1), 0.6, numerator=600, denominator=1000)
    value(committee, "collection_efficiency", D(2026, 10, 1), 0.7, numerator=700, denominator=1000)
    value(committee, "cost_coverage", D(2026, 10, 1), 1.25, numerator=500, denominator=400)
    value(committee, "collection_efficiency", D(2026, 12, 1), 0.9, numerator=9, denominator=10)
    baseline = take_baseline(committee, D(2026, 11, 27))
    assert [(row["code"], row["value"], row["period"]) for row in baseline["finances"]] == [
        ("collection_efficiency", 0.7, "2026-10-01"),
        ("cost_coverage", 1.25, "2026-10-01"),
    ]
    shown = {row["code"]: row["shown"] for row in baseline_rows(baseline)["finances"]}
    assert shown == {"collection_efficiency": "70 %", "cost_coverage": "125 %"}


def test_a_provider_without_data_gets_an_honest_empty_baseline(committee):
    baseline = take_baseline(committee, D(2026, 11, 27))
    assert baseline["service"] == [] and baseline["systems"] == []
    assert baseline["complaints"]["received"] == 0
    assert baseline_rows(baseline)["empty"]


# Scope -----------------------------------------------------------------------------------------
WORKSHOP_PAGES = (
    "hub",
    "edit",
    "participants",
    "compliance",
    "ratings",
    "heat_map",
    "top_three",
    "plan",
)


def test_the_treasurer_sees_her_cycle_and_not_another_committees(tesorera):
    own = make_cycle(treasurer_committee())
    other = make_cycle(ong_committee())
    for page in WORKSHOP_PAGES:
        assert tesorera.get(url(page, own)).status_code == 200, page
        assert tesorera.get(url(page, other)).status_code == 404, page
    listed = text(tesorera.get(url("list")))
    assert url("hub", own) in listed and url("hub", other) not in listed
    assert tesorera.get(url("list"), {"provider": other.provider_id}).status_code == 404
    # Writing to the other committee's cycle is refused the same way.
    assert person(tesorera, other, "F").status_code == 404
    assert not other.participants.exists()
    assert person(tesorera, own, "F").status_code == 302
    assert own.participants.count() == 1
    assert tesorera.get(url("create"), {"provider": other.provider_id}).status_code == 404


def test_the_facilitator_cannot_reach_a_committee_outside_her_area(ong):
    outside = make_cycle(outside_ong())
    cycles = outside.provider.integrity_cycles.count()
    for page in WORKSHOP_PAGES:
        assert ong.get(url(page, outside)).status_code == 404, page
    assert ong.get(url("create"), {"provider": outside.provider_id}).status_code == 404
    refused = ong.post(
        url("create"),
        {
            "record_id": new_record_id(),
            "provider": outside.provider_id,
            "scale": outside.scale_id,
        },
    )
    assert refused.status_code == 200 and "Elija un comité de la lista" in text(refused)
    assert outside.provider.integrity_cycles.count() == cycles


def test_the_agency_sees_every_committee_of_its_municipality(agencia):
    cycles = [make_cycle(treasurer_committee()), make_cycle(outside_ong())]
    listed = text(agencia.get(url("list")))
    for cycle in cycles:
        assert url("hub", cycle) in listed
        assert agencia.get(url("hub", cycle)).status_code == 200


def test_a_viewer_reads_but_cannot_write(db):
    make_viewer(municipalities=[Municipality.objects.get(key="07012")])
    client = login_client("lectora")
    cycle = make_cycle(treasurer_committee())
    somebody = Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="adult")
    page = client.get(url("ratings", cycle), {"riesgo": "R01"})
    assert page.status_code == 200 and "no cambiarlo" in text(page)
    assert client.get(url("edit", cycle)).status_code == 403
    assert person(client, cycle, "M").status_code == 403
    assert rate(client, cycle, "R01", somebody, 1, 1, **HX).status_code == 403
    assert (
        client.post(url("compliance", cycle), {"item": "C01", "C01-answer": "yes"}).status_code
        == 403
    )
    assert client.get(url("create")).status_code == 403
    assert not Rating.objects.filter(participant=somebody).exists()


# Smaller rules ---------------------------------------------------------------------------------
def test_a_participant_who_rated_stays(ong):
    cycle = make_cycle(ong_committee())
    rated = Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="adult")
    silent = Participant.objects.create(cycle=cycle, role="user", sex="M", age_group="young")
    rate(ong, cycle, "R02", rated, 2, 2, **HX)
    kept = ong.post(
        url("participants", cycle), {"action": "remove", "participant": rated.pk}, follow=True
    )
    assert "No se puede quitar" in text(kept)
    ong.post(url("participants", cycle), {"action": "remove", "participant": silent.pk})
    assert list(cycle.participants.all()) == [rated]
    assert AuditEvent.objects.filter(content_type__model="participant", action="delete").exists()


def test_a_rating_sent_without_javascript_comes_back_to_its_row(ong):
    cycle = make_cycle(ong_committee())
    somebody = Participant.objects.create(cycle=cycle, role="committee", sex="F", age_group="elder")
    response = rate(ong, cycle, "R04", somebody, 2, 3)
    assert response["Location"] == url("ratings", cycle) + f"?riesgo=R04#p-{somebody.pk}"
    page = text(ong.get(response["Location"]))
    assert "Valoración guardada" in page
    assert Rating.objects.get(participant=somebody).score == 6
    # Both left empty: the rating is taken back, and the trail says so.
    rate(ong, cycle, "R04", somebody, "", "", **HX)
    assert not Rating.objects.filter(participant=somebody).exists()
    assert AuditEvent.objects.filter(content_type__model="rating", action="delete").exists()


def test_the_group_cannot_clear_a_key_problems_rating(ong):
    cycle = make_cycle(ong_committee())
    chosen = AssessedRisk.objects.create(
        cycle=cycle,
        risk=cycle.catalogue.risks.get(code="R07"),
        consensus_likelihood=2,
        consensus_impact=2,
        priority=1,
    )
    response = agree(ong, cycle, "R07", "", "", **HX)
    assert "quítelo de ahí" in text(response)
    chosen.refresh_from_db()
    assert chosen.consensus_likelihood == 2


def test_editing_the_cycle_is_audited_and_can_retake_the_baseline(ong):
    cycle = make_cycle(ong_committee())
    response = ong.post(
        url("edit", cycle),
        {
            "stage": "workshop",
            "workshop_on": "2026-11-20",
            "context": "Comité nuevo",
            "retake_baseline": "on",
        },
    )
    assert response["Location"] == url("hub", cycle)
    cycle.refresh_from_db()
    assert cycle.stage == "workshop" and cycle.workshop_on == D(2026, 11, 20)
    assert cycle.baseline_taken_on == timezone.localdate()
    change = AuditEvent.objects.get(content_type__model="cycle", object_id=str(cycle.pk))
    assert change.changes["stage"] == ["preparation", "workshop"]
    assert "baseline_taken_on" in change.changes


def test_the_cycle_list_filters_by_committee(agencia):
    mine, other = make_cycle(treasurer_committee()), make_cycle(ong_committee())
    listed = text(agencia.get(url("list"), {"provider": mine.provider_id}))
    assert url("hub", mine) in listed and url("hub", other) not in listed
    assert f"?provider={mine.provider_id}" in listed  # "Empezar un ciclo" for that committee


def test_every_page_of_every_stored_cycle_renders_for_the_agency(agencia):
    # Whatever cycles the demo holds (completed, second cycles, the 5 × 5 scale), each page works.
    cycles = list(Cycle.objects.filter(provider__municipality__key="07012"))
    cycles.append(make_cycle(treasurer_committee()))
    for cycle in cycles:
        for page in WORKSHOP_PAGES:
            assert agencia.get(url(page, cycle)).status_code == 200, (cycle, page)


def test_the_who_scale_reads_its_own_levels_and_bands(ong):
    cycle = make_cycle(ong_committee(), scale="who5x5")
    somebody = Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="adult")
    page = text(ong.get(url("ratings", cycle), {"riesgo": "R06"}))
    assert "<b>5</b> <span>casi segura (diario)</span>" in page
    saved = text(rate(ong, cycle, "R06", somebody, 5, 4, **HX))
    assert "muy alto" in saved and "(20)" in saved
    agree(ong, cycle, "R06", 4, 5)
    heat = text(ong.get(url("heat_map", cycle)))
    assert heat.count('<td class="cell band-') == 25
    assert "muy alto" in heat


# Found in the review at 360 px -------------------------------------------------------------------
def test_the_participants_page_names_its_counts_of_women_and_men_and_numbers_each_person(ong):
    cycle = make_cycle(ong_committee())
    for sex in ("F", "F", "M", "M", "X"):
        Participant.objects.create(cycle=cycle, role="user", sex=sex, age_group="adult")
    page = text(ong.get(url("participants", cycle)))
    # Not boxes saying "2 Mujer": each count with its name, as the roles are shown.
    assert "5 personas registradas." in page
    assert "Mujeres: 2 · Hombres: 2 · Prefiere no decir: 1" in page
    assert 'class="figure"' not in page
    # The rating rows call each person by number; the list shows the same numbers.
    assert '<strong class="number">1.</strong>' in page
    assert '<strong class="number">5.</strong>' in page


def test_a_participant_form_sent_empty_says_what_to_choose(ong):
    cycle = make_cycle(ong_committee())
    data = {"action": "add", "record_id": new_record_id()}
    page = text(ong.post(url("participants", cycle), data, **HX))
    assert "Elija mujer, hombre o «prefiere no decir»." in page
    assert "Elija qué papel tiene la persona en el taller." in page
    assert "Elija la edad de la persona." in page
    assert "Este campo es requerido." not in page
    assert not cycle.participants.exists()


def test_a_heat_map_cell_lists_its_risks_by_code(ong):
    cycle = make_cycle(ong_committee())
    catalogue = cycle.catalogue

    def placed(code, priority=None):
        return AssessedRisk.objects.create(
            cycle=cycle,
            risk=catalogue.risks.get(code=code),
            consensus_likelihood=3,
            consensus_impact=3,
            priority=priority,
        )

    # Stored order puts the risks without a priority first: R05, then R02.
    placed("R02", priority=1)
    placed("R05")
    own = AssessedRisk.objects.create(
        cycle=cycle, own_title="Se pierden las llaves", consensus_likelihood=3, consensus_impact=3
    )
    heat = text(ong.get(url("heat_map", cycle)))
    where = [heat.index(f'">{code}</span>') for code in ("R02", "R05", "P1")]
    assert where == sorted(where), where
    assert own.pk  # the group's own risk comes after the catalogue's


def test_the_plan_of_the_groups_own_risk_has_no_empty_group_of_suggested_tools(ong):
    cycle = make_cycle(ong_committee())
    AssessedRisk.objects.create(
        cycle=cycle,
        own_title="Se pierden las llaves",
        consensus_likelihood=2,
        consensus_impact=2,
        priority=1,
    )
    plan = text(ong.get(url("plan", cycle)))
    assert "Sugeridas para este riesgo" not in plan
    assert "<optgroup" not in plan
    assert "Bitácora de cloración" in plan  # every tool of the version can still be chosen


def test_the_women_and_men_table_keeps_its_difference_column_on_a_phone(ong):
    # At 360 px the "Diferencia" column hid off screen; smaller type and the counts under the
    # averages make the table fit.
    cycle = make_cycle(ong_committee())
    assert "/static/integrity/workshop.css" in text(ong.get(url("heat_map", cycle)))
    css = (Path(__file__).resolve().parents[1] / "static/integrity/workshop.css").read_text()
    assert "table.by-sex{font-size:.85rem}" in css
    assert "table.by-sex td.num small{display:block}" in css


# The phone's outbox ----------------------------------------------------------------------------
def outbox_keys(page: str) -> dict[str, str]:
    """Each form's id on the page → the key its drafts and waiting saves are kept under."""
    import re

    keys = {}
    for tag in re.findall(r"<form [^>]*>", page):
        key = re.search(r'data-outbox-key="([^"]+)"', tag)
        if key:
            keys[re.search(r'id="([^"]+)"', tag).group(1)] = key.group(1)
    return keys


def test_each_risks_page_keys_its_rows_by_the_cycle_the_risk_and_the_person(ong):
    """Issue 13: the row id is the same on every risk's page; the outbox key is not."""
    cycle = make_cycle(ong_committee())
    somebody = Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="adult")
    first = outbox_keys(text(ong.get(url("ratings", cycle), {"riesgo": "R01"})))
    second = outbox_keys(text(ong.get(url("ratings", cycle), {"riesgo": "R02"})))
    row = f"rate-{somebody.pk}"
    assert first[row] == f"integrity:cycle-{cycle.pk}:risk-R01:participant-{somebody.pk}"
    assert second[row] == f"integrity:cycle-{cycle.pk}:risk-R02:participant-{somebody.pk}"
    assert first["consensus-form"] == f"integrity:cycle-{cycle.pk}:risk-R01:consensus-group"
    assert second["consensus-form"] != first["consensus-form"]
    # The answer to a save is keyed the same way, so the outbox can tell where it belongs.
    answer = outbox_keys(text(rate(ong, cycle, "R01", somebody, 2, 2, **HX)))
    assert answer == {row: first[row]}


def test_each_checklist_item_is_keyed_by_its_cycle_and_code(ong):
    cycle = make_cycle(ong_committee())
    keys = outbox_keys(text(ong.get(url("compliance", cycle))))
    assert keys["item-C01"] == f"integrity:cycle-{cycle.pk}:compliance-C01"
    assert len(set(keys.values())) == len(keys) > 1
    other = make_cycle(ong_committee())
    assert outbox_keys(text(ong.get(url("compliance", other))))["item-C01"] != keys["item-C01"]


def test_the_pages_warn_in_spanish_while_changes_wait(ong):
    page = text(ong.get(url("ratings", make_cycle(ong_committee())), {"riesgo": "R01"}))
    assert 'data-outbox-many="Hay {n} cambios sin enviar; se enviarán cuando haya señal."' in page
    assert "data-leave=" in page
