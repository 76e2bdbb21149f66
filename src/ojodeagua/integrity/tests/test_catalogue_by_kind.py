"""Issue 13: the catalogue by kind. A women's kiosk is not asked about its padrón, illegal
connections or faenas, and is asked about its sales, stock, jug price, hours and the franchise's
support; a school committee about its technician's pay, its sales to families and children's
hygiene. A facilitator sets aside, with a reason kept in the cycle, what still does not apply."""

import copy
import importlib
import json

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from ojodeagua.audit.models import AuditEvent
from ojodeagua.conftest import login_client
from ojodeagua.integrity import agency, applicable, workshop
from ojodeagua.integrity.catalogue import (
    DEFAULT_FILE,
    copy_version,
    export_catalogue,
    load_catalogue,
)
from ojodeagua.integrity.models import (
    AssessedRisk,
    CatalogueVersion,
    ComplianceAnswer,
    Cycle,
    Participant,
    SetAside,
    every_workshop_kind,
)
from ojodeagua.integrity.tests.factories import make_cycle
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import make_viewer
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider
from ojodeagua.providers.tests.factories import make_provider, reached_by

migration = importlib.import_module("ojodeagua.integrity.migrations.0013_issue13_catalogue_by_kind")
V2_FILE = DEFAULT_FILE.parent / "catalogue_v2.json"

# What only a community committee has: the padrón, new and illegal connections, faenas.
COMMITTEE_ONLY_CHECKLIST = {"C03"}  # padrón de usuarios
COMMITTEE_ONLY_RISKS = {"R03", "R04", "R09"}  # tomas nuevas, tomas clandestinas, faenas
KIOSK_CHECKLIST = {f"C{n}" for n in range(18, 25)}
KIOSK_RISKS = {f"R{n}" for n in range(19, 26)}
SCHOOL_CHECKLIST = {f"C{n}" for n in range(25, 30)}
SCHOOL_RISKS = {"R26", "R27", "R28"}


def provider_of(kind: str) -> Provider:
    """A provider of ``kind`` of its own that the NGO facilitator (``ong``) accompanies."""
    return reached_by(make_provider(f"Grupo de prueba ({kind})", kind), "ong")


def codes(entries) -> set[str]:
    return {entry.code for entry in entries}


def page(client, cycle, path: str = "", **params) -> str:
    response = client.get(f"/integridad/ciclos/{cycle.pk}/{path}", params)
    assert response.status_code == 200
    return response.content.decode()


def set_aside_url(cycle) -> str:
    return f"/integridad/ciclos/{cycle.pk}/no-aplica/"


def ong_user():
    return Membership.objects.get(user__username="ong").user


# --- The catalogue file --------------------------------------------------------------------------


def test_the_catalogue_file_says_for_whom_each_entry_is_and_keeps_the_old_codes():
    v2 = json.loads(V2_FILE.read_text(encoding="utf-8"))
    v3 = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    assert DEFAULT_FILE.name == "catalogue_v3.json"
    assert "propuesta de Ojo de Agua, a validar" in v3["version"]["name"]
    entries = [
        *v3["risks"],
        *v3["checklist"],
        *(i for p in v3["scorecard"] for i in p["indicators"]),
    ]
    for entry in entries:
        kinds = entry["provider_kinds"]
        assert kinds and set(kinds) <= set(every_workshop_kind()), entry["code"]
        assert len(set(kinds)) == len(kinds), entry["code"]
    # Every entry of catalogue 2 keeps its code and wording; only its kinds were added.
    for relation in ("processes", "tools", "risks", "checklist"):
        new = {e["code"]: e for e in v3[relation]}
        for old in v2[relation]:
            kept = {k: v for k, v in new[old["code"]].items() if k != "provider_kinds"}
            assert kept == old, old["code"]
    risks = {r["code"]: r for r in v3["risks"]}
    checklist = {c["code"]: c for c in v3["checklist"]}
    assert set(risks) == {f"R{n:02}" for n in range(1, 29)}
    assert set(checklist) == {f"C{n:02}" for n in range(1, 30)}
    for code in COMMITTEE_ONLY_RISKS:
        assert risks[code]["provider_kinds"] == ["committee"], code
    assert checklist["C03"]["provider_kinds"] == ["committee"]
    for code in KIOSK_RISKS:
        assert risks[code]["provider_kinds"] == ["kiosk"] and risks[code]["tools"], code
    for code in SCHOOL_RISKS:
        assert risks[code]["provider_kinds"] == ["school"] and risks[code]["tools"], code
    for code in KIOSK_CHECKLIST:
        assert checklist[code]["provider_kinds"] == ["kiosk"], code
    for code in SCHOOL_CHECKLIST:
        assert checklist[code]["provider_kinds"] == ["school"], code
    # The kiosks' and schools' own subjects are there, in their own words.
    kiosk_words = " ".join(
        [risks[c]["title"] for c in KIOSK_RISKS] + [checklist[c]["text"] for c in KIOSK_CHECKLIST]
    )
    for needed in ("garrafón", "inventario", "horario", "franquicia", "compra"):
        assert needed in kiosk_words.lower(), needed
    school_words = " ".join(
        [risks[c]["title"] for c in SCHOOL_RISKS] + [checklist[c]["text"] for c in SCHOOL_CHECKLIST]
    )
    for needed in ("técnico", "familias", "lavan las manos", "niñas y niños"):
        assert needed in school_words, needed


@pytest.mark.django_db
def test_the_current_catalogue_is_the_one_by_kind_and_new_cycles_use_it():
    current = CatalogueVersion.current()
    assert current.name == migration.version_name(migration.new_data())
    assert current.risks.get(code="R04").provider_kinds == ["committee"]
    assert current.risks.get(code="R19").provider_kinds == ["kiosk"]
    assert current.risks.get(code="R19").signals.filter(check_code="no_deposit_60_days").exists()
    # Older published versions were not edited: every entry still has every kind.
    older = current.based_on
    assert older.is_published and older.risks.get(code="R04").provider_kinds == list(
        every_workshop_kind()
    )
    assert make_cycle(provider_of("kiosk")).catalogue == current


# --- Each kind gets its own entries -------------------------------------------------------------


@pytest.mark.django_db
def test_a_kiosk_is_not_asked_about_its_padron_tomas_or_faenas():
    asked = applicable.workshop_entries(make_cycle(provider_of("kiosk")))
    assert not codes(asked.checklist) & COMMITTEE_ONLY_CHECKLIST
    assert not codes(asked.risks) & COMMITTEE_ONLY_RISKS
    assert KIOSK_CHECKLIST <= codes(asked.checklist) and KIOSK_RISKS <= codes(asked.risks)
    assert not codes(asked.checklist) & SCHOOL_CHECKLIST
    assert not codes(asked.risks) & SCHOOL_RISKS
    assert codes(asked.checklist) == {"C05", "C06", "C07", "C11", "C17"} | KIOSK_CHECKLIST
    assert codes(asked.risks) == {"R05", "R11", "R18"} | KIOSK_RISKS


@pytest.mark.django_db
def test_a_school_gets_the_school_entries():
    asked = applicable.workshop_entries(make_cycle(provider_of("school")))
    assert SCHOOL_CHECKLIST <= codes(asked.checklist) and SCHOOL_RISKS <= codes(asked.risks)
    assert not codes(asked.checklist) & (KIOSK_CHECKLIST | COMMITTEE_ONLY_CHECKLIST)
    assert not codes(asked.risks) & (KIOSK_RISKS | COMMITTEE_ONLY_RISKS)
    assert len(asked.checklist) == 15 and len(asked.risks) == 12


@pytest.mark.django_db
def test_a_committee_gets_the_committee_entries_and_not_the_kiosks():
    asked = applicable.workshop_entries(make_cycle(provider_of("committee")))
    assert codes(asked.checklist) == {f"C{n:02}" for n in range(1, 18)}
    assert codes(asked.risks) == {f"R{n:02}" for n in range(1, 19)}
    assert COMMITTEE_ONLY_RISKS <= codes(asked.risks)


@pytest.mark.django_db
def test_the_workshop_pages_show_a_kiosk_its_own_entries(ong):
    cycle = make_cycle(provider_of("kiosk"))
    catalogue = cycle.catalogue
    checklist = page(ong, cycle, "cumplimiento/")
    assert "0 de 12 puntos respondidos" in checklist
    assert catalogue.checklist.get(code="C03").text not in checklist  # the padrón
    assert 'id="item-C03"' not in checklist
    for code in KIOSK_CHECKLIST:
        assert f'id="item-{code}"' in checklist, code
    assert "garrafón" in checklist
    ratings = page(ong, cycle, "valoracion/")
    for code in COMMITTEE_ONLY_RISKS:
        assert f'<option value="{code}"' not in ratings, code
        assert catalogue.risks.get(code=code).title not in ratings, code
    for code in KIOSK_RISKS:
        assert f'<option value="{code}"' in ratings, code
    hub = page(ong, cycle)
    assert "0 de 12 puntos respondidos" in hub and "0 de 10 riesgos" in hub
    cards = page(ong, cycle, "imprimir/tarjetas/")
    assert catalogue.risks.get(code="R04").title not in cards
    assert catalogue.risks.get(code="R23").title in cards


@pytest.mark.django_db
def test_an_entry_for_another_kind_is_refused_by_the_services(ong):
    cycle = make_cycle(provider_of("kiosk"))
    padron = cycle.catalogue.checklist.get(code="C03")
    with pytest.raises(ValidationError, match="no es para grupo de mujeres de kiosco"):
        workshop.answer_checklist(ong_user(), cycle, padron, "no")
    with pytest.raises(ValidationError, match="no es para grupo de mujeres de kiosco"):
        workshop.add_risk(ong_user(), cycle, risk=cycle.catalogue.risks.get(code="R04"))
    assert not cycle.compliance.exists() and not cycle.assessed_risks.exists()
    # Through the API too, as a phone's outbox would send it.
    client = APIClient()
    client.force_authenticate(ong_user())
    response = client.post(
        "/api/v1/compliance-answers/",
        {"cycle": cycle.pk, "item": padron.pk, "answer": "no"},
        format="json",
    )
    assert response.status_code == 400
    assert "no es para grupo de mujeres de kiosco" in response.content.decode()
    sales = cycle.catalogue.checklist.get(code="C18")
    workshop.answer_checklist(ong_user(), cycle, sales, "partly")
    assert cycle.compliance.get().item == sales


@pytest.mark.django_db
def test_the_demo_workshops_ask_each_committee_the_committee_entries():
    demo_cycles = list(Cycle.objects.select_related("provider", "catalogue"))
    assert demo_cycles
    for cycle in demo_cycles:
        asked = applicable.workshop_entries(cycle)
        rated = cycle.assessed_risks.filter(risk__isnull=False).values_list("risk__code", flat=True)
        assert set(rated) == codes(asked.risks), cycle
        answered = cycle.compliance.values_list("item__code", flat=True)
        assert set(answered) == codes(asked.checklist), cycle
        assert not codes(asked.risks) & (KIOSK_RISKS | SCHOOL_RISKS)


# --- Setting aside ------------------------------------------------------------------------------


@pytest.fixture
def kiosk_cycle(db):
    return make_cycle(provider_of("kiosk"))


def test_setting_aside_needs_a_reason_and_is_audited(kiosk_cycle):
    cycle, user = kiosk_cycle, ong_user()
    account = cycle.catalogue.checklist.get(code="C07")
    with pytest.raises(ValidationError, match="Diga por qué este punto no aplica"):
        applicable.set_aside(user, cycle, account, "   ")
    assert not cycle.set_aside.exists()

    row, created = applicable.set_aside(user, cycle, account, " La franquicia guarda el dinero. ")
    assert created and row.reason == "La franquicia guarda el dinero." and row.set_aside_by == user
    assert account not in applicable.checklist_for(cycle)
    event = AuditEvent.objects.get(content_type__model="setaside", object_id=str(row.pk))
    assert event.action == "create" and event.changes["reason"] == row.reason
    assert event.provider_id == cycle.provider_id
    # Again: nothing new.
    again, created = applicable.set_aside(user, cycle, account, "Otra razón")
    assert again == row and not created and cycle.set_aside.count() == 1
    # An item set aside cannot be answered until it is brought back.
    with pytest.raises(ValidationError, match="se dejó de lado"):
        workshop.answer_checklist(user, cycle, account, "no")

    row_id = row.pk
    applicable.bring_back(user, row)
    assert not cycle.set_aside.exists()
    assert account in applicable.checklist_for(cycle)
    gone = AuditEvent.objects.get(
        content_type__model="setaside", object_id=str(row_id), action="delete"
    )
    assert gone.changes["reason"] == "La franquicia guarda el dinero."


def test_an_answer_given_before_setting_aside_is_not_counted_meanwhile(kiosk_cycle):
    cycle, user = kiosk_cycle, ong_user()
    account = cycle.catalogue.checklist.get(code="C07")
    workshop.answer_checklist(user, cycle, account, "no")
    row, _ = applicable.set_aside(user, cycle, account, "El dinero lo guarda la franquicia.")
    asked = applicable.workshop_entries(cycle)
    assert asked.counted_answers(cycle.compliance.all()) == []
    assert ComplianceAnswer.objects.filter(cycle=cycle, item=account).exists()
    applicable.bring_back(user, row)
    asked = applicable.workshop_entries(cycle)
    assert [a.item for a in asked.counted_answers(cycle.compliance.all())] == [account]


def test_a_risk_the_group_rated_is_not_set_aside(kiosk_cycle):
    cycle, user = kiosk_cycle, ong_user()
    stock = cycle.catalogue.risks.get(code="R20")
    assessed, _ = workshop.add_risk(user, cycle, risk=stock)
    person = Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="adult")
    rating, _ = workshop.rate_risk(user, assessed, person, 2, 2)
    with pytest.raises(ValidationError, match="ya valoró este riesgo"):
        applicable.set_aside(user, cycle, stock, "No compran insumos")
    # Once the rating is taken back, the empty row goes with the risk set aside.
    workshop.clear_rating(user, rating)
    applicable.set_aside(user, cycle, stock, "La franquicia compra todos los insumos.")
    assert not AssessedRisk.objects.filter(cycle=cycle, risk=stock).exists()
    assert stock not in applicable.risks_for(cycle)
    with pytest.raises(ValidationError, match="se dejó de lado"):
        workshop.add_risk(user, cycle, risk=stock)


def test_someone_without_rights_to_the_cycle_cannot_set_aside(kiosk_cycle):
    cycle = kiosk_cycle
    viewer = make_viewer(municipalities=[Municipality.objects.get(key="07012")])
    item = cycle.catalogue.checklist.get(code="C21")
    with pytest.raises(PermissionDenied):
        applicable.set_aside(viewer, cycle, item, "No tienen horario")
    row, _ = applicable.set_aside(ong_user(), cycle, item, "Atienden a toda hora")
    with pytest.raises(PermissionDenied):
        applicable.bring_back(viewer, row)

    # Pages: the viewer sees the page and the reason, and is refused the writes.
    client = login_client("lectora")
    text = client.get(set_aside_url(cycle)).content.decode()
    assert "Atienden a toda hora" in text and "Volver a incluir" not in text
    data = {"action": "set_aside", "entry": "C22", "reason": "Sin franquicia"}
    assert client.post(set_aside_url(cycle), data).status_code == 403
    back = {"action": "bring_back", "set_aside": row.pk}
    assert client.post(set_aside_url(cycle), back).status_code == 403
    # The treasurer does not even see a kiosk's cycle.
    tesorera = login_client("tesorera")
    assert tesorera.get(set_aside_url(cycle)).status_code == 404
    assert tesorera.post(set_aside_url(cycle), data).status_code == 404
    assert list(cycle.set_aside.all()) == [row]


def test_the_facilitator_sets_aside_from_the_checklist_page_and_brings_it_back(ong, kiosk_cycle):
    cycle = kiosk_cycle
    checklist = page(ong, cycle, "cumplimiento/")
    link = f"{set_aside_url(cycle)}?punto=C22&amp;volver=cumplimiento"
    assert link in checklist and "No aplica a este grupo" in checklist
    form = page(ong, cycle, "no-aplica/", punto="C22", volver="cumplimiento")
    assert '<option value="C22" selected>' in form

    # Without a reason: refused, in Spanish, and nothing is kept.
    refused = ong.post(
        set_aside_url(cycle),
        {"action": "set_aside", "entry": "C22", "reason": "  ", "volver": "cumplimiento"},
    )
    assert refused.status_code == 200
    assert "Diga por qué este punto no aplica a este grupo." in refused.content.decode()
    assert not cycle.set_aside.exists()

    reason = "Este kiosco no es de una franquicia: lo apoya la organización directamente."
    done = ong.post(
        set_aside_url(cycle),
        {"action": "set_aside", "entry": "C22", "reason": reason, "volver": "cumplimiento"},
    )
    assert done.status_code == 302
    assert done["Location"] == f"/integridad/ciclos/{cycle.pk}/cumplimiento/#no-aplica"
    checklist = page(ong, cycle, "cumplimiento/")
    assert 'id="item-C22"' not in checklist and reason in checklist
    assert "0 de 11 puntos respondidos" in checklist

    # Every other item answered: the checklist is complete, nothing counts as missing.
    for item in applicable.checklist_for(cycle):
        workshop.answer_checklist(ong_user(), cycle, item, "yes")
    hub = page(ong, cycle)
    assert "11 de 11 puntos respondidos; 1 dejado de lado porque no aplica" in hub
    assert reason in hub
    summary = page(ong, cycle, "imprimir/resumen/")
    assert "sin contestar" not in summary and reason[:60] in summary
    assert "Sí: 11" in summary

    # Brought back: asked again, and missing until answered.
    row = cycle.set_aside.get()
    back = ong.post(
        set_aside_url(cycle),
        {"action": "bring_back", "set_aside": row.pk, "volver": "cumplimiento"},
    )
    assert back.status_code == 302
    checklist = page(ong, cycle, "cumplimiento/")
    assert 'id="item-C22"' in checklist and "11 de 12 puntos respondidos" in checklist
    assert "sin contestar: 1" in page(ong, cycle, "imprimir/resumen/")


def test_a_risk_set_aside_leaves_the_rating_list(ong, kiosk_cycle):
    cycle = kiosk_cycle
    hours = cycle.catalogue.risks.get(code="R22")
    reason = "El kiosco atiende en la tienda de una socia, todo el día."
    response = ong.post(
        set_aside_url(cycle), {"action": "set_aside", "entry": "R22", "reason": reason}
    )
    assert response.status_code == 302 and response["Location"] == set_aside_url(cycle)
    ratings = page(ong, cycle, "valoracion/")
    assert '<option value="R22"' not in ratings and hours.title not in ratings
    assert '<option value="R21"' in ratings
    hub = page(ong, cycle)
    assert "0 de 9 riesgos" in hub and reason in hub
    listed = page(ong, cycle, "no-aplica/")
    assert reason in listed and "R22. " + hours.title in listed


def test_a_risk_not_yet_rated_is_set_aside_from_its_rating_page(ong, kiosk_cycle):
    cycle = kiosk_cycle
    ratings = page(ong, cycle, "valoracion/?riesgo=R22")
    link = f"/integridad/ciclos/{cycle.pk}/no-aplica/?punto=R22&amp;volver=valoracion"
    assert link in ratings
    reason = "El kiosco abre todo el día en la tienda de una socia."
    response = ong.post(
        set_aside_url(cycle),
        {"action": "set_aside", "entry": "R22", "reason": reason, "volver": "valoracion"},
    )
    assert response["Location"] == f"/integridad/ciclos/{cycle.pk}/valoracion/"
    assert '<option value="R22"' not in page(ong, cycle, "valoracion/")


# --- The data migration on a database that already holds user data -----------------------------


@pytest.fixture
def before_issue13(db):
    """As before migration 0013: the current version is catalogue 2's entries, every one for
    every kind, edited by a coordinator (own notes, an own risk). The version the migration made
    when the test database was built is renamed, so the migration sees a database it has not
    run on."""
    name = migration.version_name(migration.new_data())
    CatalogueVersion.objects.filter(name=name).update(name="Catálogo 3 de la demo")
    data = json.loads(V2_FILE.read_text(encoding="utf-8"))
    own_risk = copy.deepcopy(data["risks"][0])
    own_risk.update(code="R90", title="Riesgo que agregó la agencia")
    data["risks"].append(own_risk)
    data["version"] = {"name": "Vigente", "notes": "Validado con el comité de Tila."}
    current = load_catalogue(data)
    current.published_at = timezone.now() + timezone.timedelta(minutes=1)
    current.save()
    return current


def made_by_migration() -> CatalogueVersion:
    return CatalogueVersion.objects.get(name=migration.version_name(migration.new_data()))


def test_the_migration_publishes_a_copy_with_kinds_and_new_entries(before_issue13):
    current = before_issue13
    before = export_catalogue(current)

    migration.forwards(apps, None)
    migration.forwards(apps, None)

    new = made_by_migration()
    assert CatalogueVersion.current() == new and new.based_on == current
    assert export_catalogue(current) == before  # the published version is not edited
    assert new.risks.get(code="R04").provider_kinds == ["committee"]
    assert new.checklist.get(code="C03").provider_kinds == ["committee"]
    assert new.risks.get(code="R11").provider_kinds == ["committee", "school", "kiosk"]
    # The coordinator's own risk keeps every kind; the new entries come in with theirs.
    assert new.risks.get(code="R90").provider_kinds == list(every_workshop_kind())
    assert new.risks.get(code="R23").provider_kinds == ["kiosk"]
    assert new.risks.get(code="R23").process.version_id == new.pk
    assert {t.version_id for t in new.risks.get(code="R23").tools.all()} == {new.pk}
    assert set(migration.NEW_CHECKLIST) <= set(new.checklist.values_list("code", flat=True))
    assert new.notes.startswith("Validado con el comité de Tila.")
    assert migration.ADDED_NOTE in new.notes
    assert CatalogueVersion.objects.filter(name=new.name).count() == 1


def test_the_reverse_refuses_while_a_cycle_uses_the_new_version(before_issue13):
    migration.forwards(apps, None)
    new = made_by_migration()
    cycle = make_cycle(provider_of("kiosk"), catalogue=new)

    with pytest.raises(RuntimeError, match="la usan 1 ciclo"):
        migration.backwards(apps, None)

    cycle.delete()
    migration.backwards(apps, None)
    assert not CatalogueVersion.objects.filter(pk=new.pk).exists()
    assert CatalogueVersion.current() == before_issue13


def test_set_aside_rows_refer_to_entries_of_the_cycles_catalogue(kiosk_cycle):
    older = kiosk_cycle.catalogue.based_on
    row = SetAside(cycle=kiosk_cycle, checklist_item=older.checklist.get(code="C05"), reason="x")
    with pytest.raises(ValidationError, match="otra versión del catálogo"):
        row.full_clean()


def test_the_agency_does_not_count_answers_to_items_set_aside(kiosk_cycle):
    cycle, user = kiosk_cycle, ong_user()
    today = timezone.localdate()
    for code, answer in [("C05", "yes"), ("C06", "no"), ("C22", "no")]:
        workshop.answer_checklist(user, cycle, cycle.catalogue.checklist.get(code=code), answer)
    providers = Provider.objects.filter(pk=cycle.provider_id)
    (row,) = agency.benchmark(providers, today, with_flags=False)
    assert row.compliance == {"yes": 1, "partly": 0, "no": 2}
    applicable.set_aside(user, cycle, cycle.catalogue.checklist.get(code="C22"), "Sin franquicia")
    (row,) = agency.benchmark(providers, today, with_flags=False)
    assert row.compliance == {"yes": 1, "partly": 0, "no": 1}


def test_a_catalogue_entry_is_for_at_least_one_kind(agencia):
    draft = copy_version(CatalogueVersion.current(), "Borrador por tipo")
    url = f"/integridad/catalogo/{draft.pk}/cumplimiento/nuevo/"
    data = {"code": "C40", "text": "¿El kiosco tiene letrero con el horario?", "help": ""}
    refused = agencia.post(url, data)
    assert refused.status_code == 200
    assert "Elija al menos un tipo de grupo al que se aplica." in refused.content.decode()
    assert not draft.checklist.filter(code="C40").exists()
    assert agencia.post(url, {**data, "provider_kinds": ["kiosk"]}).status_code == 302
    assert draft.checklist.get(code="C40").provider_kinds == ["kiosk"]
    # A new entry's form starts with every kind ticked.
    form = agencia.get(url).content.decode()
    assert form.count('name="provider_kinds"') == 3 and form.count("checked") >= 3


def test_a_scorecard_indicator_for_other_kinds_is_not_shown_nor_scored(ong, kiosk_cycle):
    draft = copy_version(kiosk_cycle.catalogue, "Borrador con indicador de comités")
    only_committees = draft.scorecard_indicators.get(code="P3.3")
    only_committees.provider_kinds = ["committee"]
    only_committees.save()
    cycle = make_cycle(kiosk_cycle.provider, catalogue=draft)
    shown = page(ong, cycle, "autoevaluacion/")
    assert only_committees.name not in shown
    assert draft.scorecard_indicators.get(code="P3.2").name in shown
    with pytest.raises(ValidationError, match="no es para grupo de mujeres de kiosco"):
        workshop.score_indicator(ong_user(), cycle, only_committees, 3, "Acta")
