"""Recording, listing and validating observations through the pages, as the personas do."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ojodeagua.audit.models import AuditEvent
from ojodeagua.conftest import login_client
from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.monitoring.models import (
    ComponentCheck,
    HealthCentreSurvey,
    HouseholdSurvey,
    InspectionForm,
    SchoolSurvey,
    SupplyDay,
    SystemVisit,
)
from ojodeagua.monitoring.observation import Observation
from ojodeagua.monitoring.tests.factories import make_supply_day, make_visit
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import make_viewer
from ojodeagua.places.models import Municipality
from ojodeagua.watersystems.models import WaterSystem

State = Observation.State


def treasurer_system() -> WaterSystem:
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    return committee.systems.first()


def facilitated_system(kind: str = "gravity") -> WaterSystem:
    providers = Membership.objects.get(user__username="ong").providers.all()
    return WaterSystem.objects.filter(provider__in=providers, kind=kind).first()


def neighbour_system() -> WaterSystem:
    return WaterSystem.objects.filter(municipality__key="07061").first()


def visit_data(system: WaterSystem, hazards: int, **overrides) -> dict[str, str]:
    form = next(f for f in InspectionForm.objects.all() if system.kind in f.system_kinds)
    data = {
        "observed_on": "2026-11-20",
        "source": "visit",
        "working": "True",
        "flow_lps": "1.5",
        "downtime_days": "0",
        "downtime_cause": "",
        "chlorination": "none",
        "notes": "",
    }
    for component in system.components.all():
        data[f"component_{component.pk}"] = "fair"
    for index, question in enumerate(form.questions.all()):
        data[f"question_{question.pk}"] = "True" if index < hazards else "False"
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_seeded_inspection_forms_band_their_own_question_count():
    piped = InspectionForm.objects.get(code="red-y-tomas")
    tank = InspectionForm.objects.get(code="tanque")
    rain = InspectionForm.objects.get(code="captacion-lluvia")

    assert piped.questions.count() == 9
    assert [(b.min_score, b.max_score, b.risk) for b in piped.bands.all()] == [
        (0, 2, "low"),
        (3, 5, "intermediate"),
        (6, 7, "high"),
        (8, 9, "very_high"),
    ]
    assert [(b.min_score, b.max_score) for b in rain.bands.all()] == [
        (0, 2),
        (3, 5),
        (6, 8),
        (9, 10),
    ]
    assert [(b.min_score, b.max_score) for b in tank.bands.all()] == [
        (0, 1),
        (2, 3),
        (4, 4),
        (5, 5),
    ]
    assert piped.system_kinds == ["gravity", "pumped"]
    assert "2024" in piped.source_note


@pytest.mark.django_db
def test_a_facilitator_records_a_visit_with_its_inspection(ong):
    system = facilitated_system()

    chooser = ong.get("/visitas/nueva/").content.decode()
    page = ong.get("/visitas/nueva/", {"system": system.pk}).content.decode()
    response = ong.post(f"/visitas/nueva/?system={system.pk}", visit_data(system, hazards=4))

    assert system.name in chooser
    assert "Inspección sanitaria" in page and 'inputmode="decimal"' in page
    visit = SystemVisit.objects.filter(system=system).latest("pk")
    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    assert (visit.inspection_score, visit.inspection_risk) == (4, "intermediate")
    assert visit.state == State.SUBMITTED
    assert visit.recorded_by.username == "ong"
    checks = ComponentCheck.objects.filter(visit=visit)
    assert checks.count() == system.components.count()
    assert {c.condition for c in checks} == {"fair"}
    assert AuditEvent.objects.filter(
        action="create", object_id=str(visit.pk), content_type__model="systemvisit"
    ).exists()
    detail = ong.get(visit.get_absolute_url()).content.decode()
    assert "se vieron 4 de 9 riesgos" in detail
    assert "Riesgo sanitario intermedio" in detail
    assert "Pruebas de agua más recientes de este sistema" in detail
    # Verdicts name the norm's version as people know it, never its internal code.
    assert "NOM-127-SSA1-2021: " in detail
    assert "nom127:" not in detail and "who:" not in detail
    assert "pendiente" in detail


@pytest.mark.django_db
def test_visit_errors_say_what_to_fix(ong):
    system = facilitated_system()
    data = visit_data(system, hazards=0, working="", downtime_days="3")
    first_question = next(k for k in data if k.startswith("question_"))
    del data[first_question]

    response = ong.post(f"/visitas/nueva/?system={system.pk}", data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Indique si el sistema funciona hoy" in html
    assert "Conteste esta pregunta" in html
    assert not SystemVisit.objects.filter(system=system, observed_on="2026-11-20").exists()
    # The cause is asked once the visit itself can be read.
    data = visit_data(system, hazards=0, downtime_days="3")
    html = ong.post(f"/visitas/nueva/?system={system.pk}", data).content.decode()
    assert "Indique por qué se quedó sin servicio esos días." in html
    future = visit_data(system, hazards=0, observed_on="2099-01-01")
    html = ong.post(f"/visitas/nueva/?system={system.pk}", future).content.decode()
    assert "La fecha es posterior a hoy" in html


@pytest.mark.django_db
def test_correcting_a_validated_visit_puts_it_back_to_pending_for_a_committee(tesorera):
    system = treasurer_system()
    visit = make_visit(system, state=State.VALIDATED)

    response = tesorera.post(
        f"/visitas/{visit.pk}/editar/", visit_data(system, hazards=1, flow_lps="2.5")
    )

    visit.refresh_from_db()
    assert response.status_code == 302
    assert visit.flow_lps == Decimal("2.5")
    assert visit.state == State.SUBMITTED
    event = AuditEvent.objects.filter(
        action="update", object_id=str(visit.pk), content_type__model="systemvisit"
    ).latest("pk")
    assert event.changes["state"] == ["validated", "submitted"]


@pytest.mark.django_db
def test_a_week_of_supply_is_entered_and_an_existing_day_corrected(tesorera):
    system = treasurer_system()
    monday = datetime.date(2026, 11, 23)
    week = [monday + datetime.timedelta(days=n) for n in range(7)]
    SupplyDay.objects.filter(system=system, observed_on__in=week).delete()
    existing = make_supply_day(system, monday, "6.0", State.VALIDATED)
    url = f"/suministro/semana/?system={system.pk}&sector=&start={monday}"

    page = tesorera.get(url).content.decode()
    data = {f"day-{n}-hours": "" for n in range(7)}
    data.update({f"day-{n}-no_water_reason": "" for n in range(7)})
    data.update({"day-0-hours": "4.5", "day-1-hours": "12", "day-2-no_water_reason": "pump"})
    response = tesorera.post(url, data)

    assert 'value="6.0"' in page and 'inputmode="decimal"' in page
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.hours == Decimal("4.5")
    assert existing.state == State.SUBMITTED
    days = {d.observed_on: d for d in SupplyDay.objects.filter(system=system, observed_on__in=week)}
    assert sorted(days) == week[:3]
    assert days[week[2]].hours == 0 and days[week[2]].no_water_reason == "pump"
    assert days[week[1]].state == State.SUBMITTED
    event = AuditEvent.objects.get(
        action="update", object_id=str(existing.pk), content_type__model="supplyday"
    )
    assert event.changes["hours"] == ["6.0", "4.5"]
    listed = tesorera.get("/suministro/", {"system": system.pk}).content.decode()
    assert days[week[1]].get_absolute_url() in listed


@pytest.mark.django_db
def test_week_errors_are_in_spanish(tesorera):
    system = treasurer_system()
    monday = datetime.date(2026, 11, 16)
    SupplyDay.objects.filter(system=system, observed_on__gte=monday).delete()
    url = f"/suministro/semana/?system={system.pk}&start={monday}"
    data = {f"day-{n}-hours": "" for n in range(7)}
    data.update({f"day-{n}-no_water_reason": "" for n in range(7)})
    data.update({"day-0-hours": "25", "day-1-hours": "0", "day-2-hours": "seis"})

    response = tesorera.post(url, data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Un día tiene 24 horas como máximo" in html
    assert "Si no hubo agua ese día, diga por qué." in html
    assert "Escriba las horas con número" in html
    assert not SupplyDay.objects.filter(system=system, observed_on__gte=monday).exists()


@pytest.mark.django_db
def test_the_week_page_offers_only_systems_the_user_may_edit(tesorera):
    other = facilitated_system()

    page = tesorera.get("/suministro/semana/").content.decode()
    refused = tesorera.get(f"/suministro/semana/?system={other.pk}&start=2026-11-16")

    assert treasurer_system().name in page
    assert other.name not in page
    assert "Seleccione una opción válida" in refused.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["ong", "agencia"])
def test_coordinators_and_facilitators_validate(persona):
    client = login_client(persona)
    visit = make_visit(facilitated_system())

    detail = client.get(visit.get_absolute_url()).content.decode()
    refused_get = client.get(f"/visitas/{visit.pk}/validar/")
    response = client.post(f"/visitas/{visit.pk}/validar/")

    visit.refresh_from_db()
    assert "Validar</button>" in detail
    assert refused_get.status_code == 405
    assert response.status_code == 302
    assert visit.state == State.VALIDATED and visit.validated_by.username == persona
    assert visit.validated_at is not None
    event = AuditEvent.objects.filter(object_id=str(visit.pk), content_type__model="systemvisit")
    assert event.get().changes["state"] == ["submitted", "validated"]


@pytest.mark.django_db
def test_a_committee_member_records_but_cannot_validate(tesorera):
    system = treasurer_system()
    response = tesorera.post(
        f"/visitas/nueva/?system={system.pk}", visit_data(system, hazards=0, action="validate")
    )
    visit = SystemVisit.objects.filter(system=system).latest("pk")

    detail = tesorera.get(visit.get_absolute_url()).content.decode()
    refused = tesorera.post(f"/visitas/{visit.pk}/validar/")

    assert response.status_code == 302
    assert visit.state == State.SUBMITTED
    assert "Validar</button>" not in detail
    assert refused.status_code == 403
    visit.refresh_from_db()
    assert visit.state == State.SUBMITTED


@pytest.mark.django_db
def test_a_draft_is_sent_for_validation(tesorera):
    system = treasurer_system()
    tesorera.post(
        f"/visitas/nueva/?system={system.pk}", visit_data(system, hazards=0, action="draft")
    )
    visit = SystemVisit.objects.filter(system=system).latest("pk")
    assert visit.state == State.DRAFT

    tesorera.post(f"/visitas/{visit.pk}/enviar/")

    visit.refresh_from_db()
    assert visit.state == State.SUBMITTED


@pytest.mark.django_db
def test_pending_records_are_hidden_from_a_viewer():
    make_viewer(municipalities=[Municipality.objects.get(key="07012")])
    visit = make_visit(facilitated_system())
    client = login_client("lectora")

    listed = client.get("/visitas/", {"system": visit.system_id}).content.decode()
    hidden = client.get(visit.get_absolute_url())
    refused = client.get(f"/visitas/{visit.pk}/editar/")
    no_validation = client.post(f"/visitas/{visit.pk}/validar/")
    visit.state = State.VALIDATED
    visit.save()
    shown = client.get(visit.get_absolute_url())

    assert visit.get_absolute_url() not in listed
    assert hidden.status_code == 404
    assert refused.status_code == 404
    assert no_validation.status_code == 404
    assert shown.status_code == 200
    assert client.get(f"/visitas/{visit.pk}/editar/").status_code == 403
    assert client.post(f"/visitas/{visit.pk}/validar/").status_code == 403


@pytest.mark.django_db
def test_out_of_scope_systems_answer_404(agencia, ong, tesorera):
    system = neighbour_system()
    visit = make_visit(system)

    for client in (agencia, ong, tesorera):
        assert client.get("/visitas/nueva/", {"system": system.pk}).status_code == 404
        assert client.get(visit.get_absolute_url()).status_code == 404
        assert client.get(f"/visitas/{visit.pk}/editar/").status_code == 404
        assert client.post(f"/visitas/{visit.pk}/validar/").status_code == 404
        assert visit.get_absolute_url() not in client.get("/visitas/").content.decode()


@pytest.mark.django_db
def test_lists_filter_by_state_and_date_and_mark_pending(agencia):
    system = facilitated_system()
    pending = make_visit(system)
    validated = make_visit(system, state=State.VALIDATED)
    old = make_visit(system, datetime.date(2019, 1, 5), State.VALIDATED, working=False)

    only_pending = agencia.get("/visitas/", {"system": system.pk, "state": "pending"})
    in_range = agencia.get(
        "/visitas/", {"system": system.pk, "date_from": "2018-12-01", "date_to": "2019-02-01"}
    ).content.decode()
    searched = agencia.get("/visitas/", {"q": system.name.upper()}).content.decode()
    export = agencia.get("/visitas/exportar.csv", {"system": system.pk, "state": "pending"})

    html = only_pending.content.decode()
    assert pending.get_absolute_url() in html
    assert validated.get_absolute_url() not in html
    assert 'class="state pending">pendiente' in html
    assert old.get_absolute_url() in in_range and pending.get_absolute_url() not in in_range
    assert pending.get_absolute_url() in searched
    rows = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("id,id_registro,fecha")
    assert any(row.startswith(f"{pending.pk},") for row in rows)
    assert not any(row.startswith(f"{validated.pk},") for row in rows)


@pytest.mark.django_db
def test_household_survey_through_the_page(tesorera):
    system = treasurer_system()
    locality = system.served_localities.first().locality
    data = {
        "observed_on": "2026-11-10",
        "source": "visit",
        "locality": locality.pk,
        "system": system.pk,
        "respondent_sex": "F",
        "household_size": "5",
        "water_has_problem": "no",
        "satisfied": "yes",
        "water_source": "public_tap",
        "collection_minutes": "",
        "sufficient_last_month": "yes",
        "days_with_water_last_week": "4",
        "toilet": "pit_slab",
        "excreta_disposal": "contained",
        "handwashing": "mobile",
        "handwashing_water": "on",
        "monthly_payment": "30.00",
    }

    form = tesorera.get("/encuestas/hogares/nueva/").content.decode()
    missing = tesorera.post("/encuestas/hogares/nueva/", data)
    data["collection_minutes"] = "20"
    response = tesorera.post("/encuestas/hogares/nueva/", data)
    without_system = tesorera.post("/encuestas/hogares/nueva/", {**data, "system": ""})

    assert 'inputmode="numeric"' in form
    assert "anote cuántos minutos tarda" in missing.content.decode()
    survey = HouseholdSurvey.objects.filter(system=system).latest("pk")
    assert response.status_code == 302
    assert survey.collection_minutes == 20 and survey.state == State.SUBMITTED
    assert "No puede registrar datos de ese lugar" in without_system.content.decode()
    detail = tesorera.get(survey.get_absolute_url()).content.decode()
    assert "llave pública o hidrante" in detail


@pytest.mark.django_db
def test_school_and_health_centre_surveys_through_the_pages(agencia):
    school = School.objects.filter(locality__municipality__key="07012").first()
    centre = HealthCentre.objects.get(locality__municipality__key="07012")
    answers = {
        "observed_on": "2026-11-12",
        "source": "visit",
        # Every yes/no question is answered: "False" is a "no" someone chose.
        **dict.fromkeys(SchoolSurvey.ANSWER_FIELDS, "False"),
        "water_source_improved": "True",
        "water_on_premises": "True",
        "handwashing_water": "True",
    }

    school_response = agencia.post("/encuestas/escuelas/nueva/", {**answers, "school": school.pk})
    centre_response = agencia.post(
        "/encuestas/centros-de-salud/nueva/", {**answers, "health_centre": centre.pk}
    )

    school_survey = SchoolSurvey.objects.filter(school=school).latest("pk")
    centre_survey = HealthCentreSurvey.objects.filter(health_centre=centre).latest("pk")
    assert school_response.status_code == 302 and centre_response.status_code == 302
    assert school_survey.water_source_improved and not school_survey.water_available
    assert centre_survey.handwashing_water and not centre_survey.handwashing_soap
    listed = agencia.get("/encuestas/escuelas/", {"state": "submitted"}).content.decode()
    assert school_survey.get_absolute_url() in listed
    centre_detail = agencia.get(centre_survey.get_absolute_url()).content.decode()
    assert centre.name in centre_detail


@pytest.mark.django_db
def test_a_day_saved_meanwhile_by_someone_else_is_explained(tesorera, monkeypatch):
    from django.db import IntegrityError

    from ojodeagua.monitoring import views

    system = treasurer_system()
    monday = datetime.date(2026, 11, 9)
    SupplyDay.objects.filter(system=system, observed_on__gte=monday).delete()

    def clash(day):
        # What the database says when another phone saved the same day a moment earlier.
        raise IntegrityError("one_supply_day_per_sector")

    monkeypatch.setattr(views, "check_unique_day", clash)
    data = {f"day-{n}-hours": "" for n in range(7)}
    data.update({f"day-{n}-no_water_reason": "" for n in range(7)})
    data.update({"day-0-hours": "8", "day-1-hours": "9"})

    response = tesorera.post(f"/suministro/semana/?system={system.pk}&start={monday}", data)

    assert response.status_code == 400
    assert "Alguien más anotó uno de estos días" in response.content.decode()
    assert not SupplyDay.objects.filter(system=system, observed_on__gte=monday).exists()


@pytest.mark.django_db
def test_a_date_before_1900_is_refused_as_a_typo(ong):
    system = facilitated_system()
    response = ong.post(
        f"/visitas/nueva/?system={system.pk}", visit_data(system, 0, observed_on="0001-01-01")
    )
    assert response.status_code == 400
    assert "La fecha 01/01/0001 es demasiado antigua; revise el año." in response.content.decode()
    assert not SystemVisit.objects.filter(system=system, observed_on__year=1).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["9999-12-30", "0001-01-04"])
def test_a_week_in_the_future_or_before_1900_is_refused_without_an_error_page(tesorera, start):
    system = treasurer_system()
    response = tesorera.get(f"/suministro/semana/?system={system.pk}&start={start}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "todavía no empieza" in html or "demasiado antigua" in html
    assert 'name="day-0-hours"' not in html


@pytest.mark.django_db
def test_days_of_the_week_that_have_not_come_yet_stay_blank(tesorera):
    system = treasurer_system()
    today = timezone.localdate()
    start = today - datetime.timedelta(days=5)
    SupplyDay.objects.filter(system=system, observed_on__gte=start).delete()
    url = f"/suministro/semana/?system={system.pk}&start={start}"
    data = {f"day-{n}-hours": "6" for n in range(7)}
    data.update({f"day-{n}-no_water_reason": "" for n in range(7)})

    response = tesorera.post(url, data)

    assert response.status_code == 400
    assert "Este día todavía no llega; déjelo en blanco." in response.content.decode()
    assert not SupplyDay.objects.filter(system=system, observed_on__gte=start).exists()
    data.update({"day-6-hours": ""})
    assert tesorera.post(url, data).status_code == 302
    assert SupplyDay.objects.filter(system=system, observed_on__gte=start).count() == 6
