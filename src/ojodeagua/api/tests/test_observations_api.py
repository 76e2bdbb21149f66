"""The observation and indicator API: scope, idempotent resends, nested rows and verdicts."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from ojodeagua.audit.models import AuditEvent
from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.indicators import engine
from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.monitoring.models import (
    InspectionBand,
    InspectionForm,
    InspectionQuestion,
    SupplyDay,
    SystemVisit,
)
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import municipal_viewer
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.waterquality.models import Limit, Norm, NormVersion, Parameter, Sample
from ojodeagua.watersystems.models import WaterSystem

# The demo's history covers the two years up to October 2026; tests write in 2023.
IN_2023 = {"observed_on_after": "2023-01-01", "observed_on_before": "2023-12-31"}


def api(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def committee_system() -> WaterSystem:
    """A system of the treasurer's committee; the NGO facilitator covers it too."""
    provider = Membership.objects.get(user__username="tesorera").providers.get()
    return WaterSystem.objects.filter(provider=provider).first()


def ngo_foreign_system() -> WaterSystem:
    """In Berriozábal (the agency's) but run by a committee the NGO does not cover."""
    covered = Membership.objects.get(user__username="ong").providers.values("pk")
    return (
        WaterSystem.objects.filter(municipality__key="07012", provider__isnull=False)
        .exclude(provider__in=covered)
        .first()
    )


def neighbour_system() -> WaterSystem:
    return WaterSystem.objects.filter(municipality__key="07061").first()


def supply_day(system: WaterSystem, **extra) -> dict:
    return {
        "record_id": "tel-1:dia-1",
        "observed_on": "2023-03-04",
        "source": "self_report",
        "system": system.pk,
        "hours": "6.5",
        **extra,
    }


@pytest.mark.django_db
def test_the_treasurer_logs_a_supply_day_which_is_pending_and_hers(
    monkeypatch, django_capture_on_commit_callbacks
):
    refreshed, new_months = [], []
    monkeypatch.setattr(engine, "refresh_after", lambda obs: refreshed.extend(obs))
    monkeypatch.setattr(engine, "refresh_new_months", lambda: new_months.append(True))
    system = committee_system()

    with django_capture_on_commit_callbacks(execute=True):
        response = api("tesorera").post("/api/v1/supply-days/", supply_day(system), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "submitted"
    assert body["recorded_by"] == "tesorera"
    assert body["municipality"] == system.municipality_id
    assert body["provider"] == system.provider_id
    day = SupplyDay.objects.get(record_id="tel-1:dia-1")
    # Pending, and new: it counts in no figure, so only the months the figures run over are
    # looked at (the same service as the page's).
    assert refreshed == []
    assert new_months == [True]
    event = AuditEvent.objects.get(
        action="create", object_id=str(day.pk), content_type__model="supplyday"
    )
    assert event.actor.username == "tesorera"
    assert event.provider_id == system.provider_id


@pytest.mark.django_db
def test_a_resend_with_the_same_record_id_returns_the_record_without_a_duplicate():
    client = api("tesorera")
    payload = supply_day(committee_system())

    first = client.post("/api/v1/supply-days/", payload, format="json")
    again = client.post("/api/v1/supply-days/", payload, format="json")
    changed = client.post("/api/v1/supply-days/", {**payload, "hours": "2"}, format="json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert changed.status_code == 409
    assert "Ya existe un registro con el identificador «tel-1:dia-1»" in changed.json()["detail"]
    assert changed.json()["fields"] == ["hours"]
    assert SupplyDay.objects.filter(record_id="tel-1:dia-1").count() == 1
    assert SupplyDay.objects.get(record_id="tel-1:dia-1").hours == 6.5


@pytest.mark.django_db
def test_a_second_record_for_the_same_system_and_day_is_refused_in_plain_words():
    client = api("tesorera")
    system = committee_system()
    client.post("/api/v1/supply-days/", supply_day(system), format="json")

    response = client.post(
        "/api/v1/supply-days/", supply_day(system, record_id="tel-2:dia-1"), format="json"
    )
    other_sector = client.post(
        "/api/v1/supply-days/",
        supply_day(system, record_id="tel-2:dia-2", sector="Barrio alto"),
        format="json",
    )

    assert response.status_code == 400
    assert "Ya está anotado el suministro de ese sistema" in str(response.json())
    assert other_sector.status_code == 201, other_sector.json()


@pytest.mark.django_db
def test_the_model_rules_apply_to_observations():
    response = api("tesorera").post(
        "/api/v1/supply-days/", supply_day(committee_system(), hours="0"), format="json"
    )

    assert response.status_code == 400
    assert "Si no hubo agua ese día, diga por qué." in str(response.json())


@pytest.mark.django_db
def test_only_coordination_or_facilitation_may_send_validated_records():
    system = committee_system()

    by_treasurer = api("tesorera").post(
        "/api/v1/supply-days/", supply_day(system, state="validated"), format="json"
    )
    by_ngo = api("ong").post(
        "/api/v1/supply-days/",
        supply_day(system, state="validated", record_id="ong-1"),
        format="json",
    )

    assert by_treasurer.status_code == 403
    assert "Envíela como pendiente de validar" in by_treasurer.json()["detail"]
    assert not SupplyDay.objects.filter(record_id="tel-1:dia-1").exists()
    assert by_ngo.status_code == 201, by_ngo.json()
    assert by_ngo.json()["state"] == "validated"
    assert by_ngo.json()["validated_by"] == "ong"
    assert by_ngo.json()["validated_at"]


@pytest.mark.django_db
def test_places_outside_the_edit_scope_are_refused():
    unseen_by_ngo = api("ong").post(
        "/api/v1/supply-days/", supply_day(ngo_foreign_system()), format="json"
    )
    unseen_by_agency = api("agencia").post(
        "/api/v1/supply-days/", supply_day(neighbour_system()), format="json"
    )
    read_only = api(municipal_viewer()).post(
        "/api/v1/supply-days/", supply_day(committee_system()), format="json"
    )

    # Out of sight looks like a system that does not exist; in sight but read-only is 403.
    assert unseen_by_ngo.status_code == unseen_by_agency.status_code == 400
    assert "system" in unseen_by_ngo.json()
    assert read_only.status_code == 403
    assert "no registrar observaciones" in read_only.json()["detail"]
    assert not SupplyDay.objects.filter(record_id="tel-1:dia-1").exists()


@pytest.mark.django_db
def test_pending_records_are_seen_only_by_those_who_may_edit_them():
    system = committee_system()
    created = api("agencia").post("/api/v1/supply-days/", supply_day(system), format="json")
    viewer = municipal_viewer()
    pk = created.json()["id"]

    def ids(username: str) -> list[int]:
        response = api(username).get("/api/v1/supply-days/", {"system": system.pk, **IN_2023})
        return [row["id"] for row in response.json()["results"]]

    assert ids("agencia") == ids("tesorera") == [pk]
    assert ids(viewer) == []
    assert api(viewer).get(f"/api/v1/supply-days/{pk}/").status_code == 404

    day = SupplyDay.objects.get(pk=pk)
    day.validate_by(User.objects.get(username="agencia"))
    day.save()

    assert ids(viewer) == [pk]


@pytest.mark.django_db
def test_the_record_id_of_a_record_the_user_cannot_see_is_refused_without_its_content():
    api("agencia").post(
        "/api/v1/supply-days/", supply_day(ngo_foreign_system(), record_id="x-1"), format="json"
    )

    response = api("ong").post(
        "/api/v1/supply-days/", supply_day(committee_system(), record_id="x-1"), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["record_id"]
    assert "no se puede usar" in response.json()["record_id"][0]
    assert SupplyDay.objects.filter(record_id="x-1").count() == 1


def inspection_form() -> InspectionForm:
    form = InspectionForm.objects.create(code="prueba-red", name="Red de prueba")
    for number in (1, 2, 3):
        InspectionQuestion.objects.create(form=form, number=number, text=f"Riesgo {number}")
    InspectionBand.objects.create(form=form, min_score=0, max_score=1, risk="low")
    InspectionBand.objects.create(form=form, min_score=2, max_score=3, risk="high")
    return form


def visit_payload(system: WaterSystem, form: InspectionForm) -> dict:
    questions = list(form.questions.order_by("number"))
    components = list(system.components.all()[:2])
    return {
        "record_id": "visita-1",
        "observed_on": "2023-04-10",
        "source": "visit",
        "system": system.pk,
        "working": True,
        "flow_lps": "1.20",
        "inspection_form": form.pk,
        "component_checks": [
            {"component": c.pk, "condition": "good", "note": ""} for c in components
        ],
        "inspection_answers": [
            {"question": questions[0].pk, "hazard": True},
            {"question": questions[1].pk, "hazard": True},
            {"question": questions[2].pk, "hazard": False},
        ],
    }


@pytest.mark.django_db
def test_a_visit_is_created_with_its_checks_and_answers_and_scored():
    system = committee_system()
    assert system.components.count() >= 2
    form = inspection_form()
    client = api("ong")
    payload = visit_payload(system, form)

    response = client.post("/api/v1/system-visits/", payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["inspection_score"] == 2
    assert body["inspection_risk"] == "high"
    assert len(body["component_checks"]) == 2
    assert sorted(a["hazard"] for a in body["inspection_answers"]) == [False, True, True]
    visit = SystemVisit.objects.get(record_id="visita-1")
    assert visit.component_checks.count() == 2
    assert visit.inspection_answers.filter(hazard=True).count() == 2

    again = client.post("/api/v1/system-visits/", payload, format="json")
    payload["inspection_answers"][2]["hazard"] = True
    changed = client.post("/api/v1/system-visits/", payload, format="json")

    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert changed.status_code == 409
    assert changed.json()["fields"] == ["inspection_answers"]
    assert SystemVisit.objects.filter(record_id="visita-1").count() == 1


@pytest.mark.django_db
def test_a_visit_refuses_components_of_another_system_and_foreign_questions():
    system = committee_system()
    form = inspection_form()
    other_component = ngo_foreign_system().components.first()
    payload = visit_payload(system, form)
    payload["component_checks"] = [
        {"component": other_component.pk, "condition": "good", "note": ""}
    ]
    other_form = InspectionForm.objects.create(code="otro", name="Otro")
    foreign_question = InspectionQuestion.objects.create(form=other_form, number=1, text="x")

    wrong_component = api("agencia").post("/api/v1/system-visits/", payload, format="json")
    payload["component_checks"] = []
    payload["inspection_answers"] = [{"question": foreign_question.pk, "hazard": True}]
    wrong_question = api("agencia").post("/api/v1/system-visits/", payload, format="json")

    assert wrong_component.status_code == 400
    assert "Cada componente revisado debe ser del sistema visitado." in str(wrong_component.json())
    assert wrong_question.status_code == 400
    assert "del formulario elegido" in str(wrong_question.json())
    assert not SystemVisit.objects.filter(record_id="visita-1").exists()


def e_coli_norm() -> Parameter:
    e_coli = Parameter.objects.get_or_create(
        code="e_coli",
        defaults={"name": "E. coli", "kind": Parameter.Kind.MICROBIAL, "aliases": ["E. coli"]},
    )[0]
    norm = Norm.objects.get_or_create(code="prueba", defaults={"name": "Norma de prueba"})[0]
    version = NormVersion.objects.create(
        norm=norm, name="Prueba 2020", in_force_from=datetime.date(2020, 1, 1)
    )
    Limit.objects.create(version=version, parameter=e_coli, rule=Limit.Rule.NOT_DETECTABLE)
    return e_coli


@pytest.mark.django_db
def test_a_sample_is_judged_on_creation_and_returns_its_verdicts():
    e_coli = e_coli_norm()
    system = committee_system()
    payload = {
        "record_id": "muestra-1",
        "observed_on": "2023-05-02",
        "source": "visit",
        "locality": system.locality_id,
        "system": system.pk,
        "sampling_point": "tap",
        "analysis": "field_kit",
        "results": [{"parameter_text": "E. coli", "parameter": e_coli.pk, "outcome": "detected"}],
    }

    response = api("ong").post("/api/v1/samples/", payload, format="json")

    assert response.status_code == 201, response.json()
    (result,) = response.json()["results"]
    verdict = next(v for v in result["verdicts"] if v["norm"] == "prueba")
    assert verdict["outcome"] == "fail"
    assert verdict["version"] == "Prueba 2020"
    assert set(verdict) == {"norm", "outcome", "limit_text", "version", "reason"}
    listed = api("ong").get("/api/v1/samples/", {"system": system.pk, **IN_2023}).json()["results"]
    assert listed[0]["results"][0]["verdicts"] == result["verdicts"]
    assert api("ong").post("/api/v1/samples/", payload, format="json").status_code == 200
    assert Sample.objects.filter(record_id="muestra-1").count() == 1


@pytest.mark.django_db
def test_a_result_needs_a_value_or_an_outcome():
    system = committee_system()
    payload = {
        "observed_on": "2023-05-02",
        "source": "visit",
        "locality": system.locality_id,
        "sampling_point": "tap",
        "analysis": "field_kit",
        "results": [{"parameter_text": "Cloro libre"}],
    }

    response = api("ong").post("/api/v1/samples/", payload, format="json")

    assert response.status_code == 400
    assert "Anote el valor medido" in str(response.json())
    assert not Sample.objects.filter(observed_on__year=2023).exists()


@pytest.mark.django_db
def test_household_school_and_health_centre_surveys_are_created_in_scope():
    locality = Locality.objects.filter(municipality__key="07012").first()
    school = School.objects.filter(locality__municipality__key="07012").first()
    centre = HealthCentre.objects.filter(locality__municipality__key="07012").first()
    common = {"observed_on": "2023-06-01", "source": "visit"}
    institution = {"water_source_improved": True, "water_available": False}
    household = {
        "locality": locality.pk,
        "respondent_sex": "F",
        "household_size": 5,
        "water_source": "public_tap",
        "water_on_premises": False,
        "collection_minutes": 40,
        "sufficient_last_month": "no",
        "toilet": "pit_slab",
        "handwashing": "mobile",
        "water_has_problem": "no",
        "satisfied": "yes",
    }
    client = api("agencia")

    answers = [
        client.post("/api/v1/household-surveys/", {**common, **household}, format="json"),
        client.post(
            "/api/v1/school-surveys/", {**common, **institution, "school": school.pk}, "json"
        ),
        client.post(
            "/api/v1/health-centre-surveys/",
            {**common, **institution, "health_centre": centre.pk},
            format="json",
        ),
    ]

    for response in answers:
        assert response.status_code == 201, response.json()
        assert response.json()["municipality"] == locality.municipality_id
        assert response.json()["recorded_by"] == "agencia"
    assert client.get("/api/v1/school-surveys/", IN_2023).json()["count"] == 1
    assert api("tesorera").get("/api/v1/household-surveys/", IN_2023).json()["count"] == 0


@pytest.mark.django_db
def test_observations_cannot_be_changed_or_deleted_through_the_api():
    client = api("agencia")
    pk = client.post("/api/v1/supply-days/", supply_day(committee_system()), format="json").json()[
        "id"
    ]

    assert client.delete(f"/api/v1/supply-days/{pk}/").status_code == 405
    assert client.patch(f"/api/v1/supply-days/{pk}/", {"hours": "1"}).status_code == 405


def indicator_value(indicator: str, entity: str, entity_id: int, **extra) -> IndicatorValue:
    values = {
        "period": datetime.date(2025, 3, 1),
        "window_start": datetime.date(2025, 3, 1),
        "window_end": datetime.date(2025, 3, 31),
        "value": 0.5,
        "numerator": 1,
        "denominator": 2,
        "sources": {"monitoring.supplyday": [1, 2]},
        "computed_at": timezone.now(),
        **extra,
    }
    return IndicatorValue.objects.create(
        indicator=indicator, entity=entity, entity_id=entity_id, **values
    )


@pytest.mark.django_db
def test_indicator_values_are_read_in_scope_and_filtered():
    berriozabal = Municipality.objects.get(key="07012")
    neighbour = Municipality.objects.get(key="07061")
    system = committee_system()
    whole = indicator_value(
        "prueba_api", "municipality", berriozabal.pk, municipality_id=berriozabal.pk
    )
    committee = indicator_value(
        "prueba_api",
        "system",
        system.pk,
        municipality_id=berriozabal.pk,
        provider_id=system.provider_id,
        period=datetime.date(2025, 5, 1),
    )
    foreign = indicator_value(
        "prueba_api", "municipality", neighbour.pk, municipality_id=neighbour.pk
    )

    def ids(username: str, **filters) -> set[int]:
        response = api(username).get(
            "/api/v1/indicator-values/", {"indicator": "prueba_api", **filters}
        )
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("agencia") == {whole.pk, committee.pk}
    # The municipality's totals go to everyone who works in it (IndicatorValue.visible_in).
    assert ids("ong") == {whole.pk, committee.pk}
    assert foreign.pk not in ids("agencia") | ids("ong") | ids("tesorera")
    assert ids("agencia", entity="system") == {committee.pk}
    assert ids("agencia", entity="system", entity_id=system.pk) == {committee.pk}
    assert ids("agencia", **{"from": "2025-04"}) == {committee.pk}
    assert ids("agencia", to="2025-04") == {whole.pk}
    assert ids("agencia", municipality=berriozabal.pk) == {whole.pk, committee.pk}
    row = api("agencia").get(f"/api/v1/indicator-values/{whole.pk}/").json()
    assert row["numerator"] == 1 and row["denominator"] == 2
    assert row["sources"] == {"monitoring.supplyday": [1, 2]}
    assert (
        api("agencia").get("/api/v1/indicator-values/", {"municipality": neighbour.pk}).status_code
        == 400
    )
    assert api("agencia").get(f"/api/v1/indicator-values/{foreign.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_schema_lists_the_observation_endpoints():
    paths = api("agencia").get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/system-visits/",
        "/api/v1/supply-days/",
        "/api/v1/samples/{id}/",
        "/api/v1/household-surveys/",
        "/api/v1/school-surveys/",
        "/api/v1/health-centre-surveys/",
        "/api/v1/indicator-values/",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/supply-days/"]["post"]["responses"]) == {
        "200",
        "201",
        "400",
        "401",
        "403",
        "409",
    }


@pytest.mark.django_db
def test_a_date_in_the_future_or_before_1900_is_refused_in_plain_words():
    client = api("tesorera")
    system = committee_system()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    future = client.post(
        "/api/v1/supply-days/", supply_day(system, observed_on=tomorrow.isoformat()), format="json"
    )
    ancient = client.post(
        "/api/v1/supply-days/", supply_day(system, observed_on="0001-01-01"), format="json"
    )
    assert future.status_code == 400 and "posterior a hoy" in future.json()["observed_on"][0]
    assert ancient.status_code == 400
    assert "01/01/0001 es demasiado antigua" in ancient.json()["observed_on"][0]
    assert not SupplyDay.objects.filter(record_id="tel-1:dia-1").exists()
