"""Issue 12: the catalogue is Ojo de Agua's proposal and says so, its 5 × 5 scale rates integrity
consequences without claiming to be WHO's, legal status, source protection and agreements are
covered, and the 70 % benchmark is shown only as the urban utilities' figure."""

import copy
import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from ojodeagua.integrity.catalogue import default_data, load_catalogue
from ojodeagua.integrity.models import AssessedRisk, CatalogueVersion, Participant, Rating
from ojodeagua.integrity.tests.factories import make_cycle
from ojodeagua.monitoring.tests.who_claims import page_text, who_claims
from ojodeagua.organisations.models import Membership

migration = importlib.import_module("ojodeagua.integrity.migrations.0009_issue12_catalogue")

PROPOSAL = "propuesta de Ojo de Agua, a validar"
NEW_NAME = (
    "5 × 5, probabilidad según el plan de seguridad del agua de la OMS; "
    "gravedad adaptada a integridad por Ojo de Agua"
)
# What the WHO matrix's severity column is about: drinking-water hazards, not integrity.
WATER_HAZARD_WORDS = ("sabor", "olor", "color", "salud", "normas", "autoridad")
INTEGRITY_WORDS = ("dinero", "servicio", "confianza", "excluid")


def ong_committee():
    return Membership.objects.get(user__username="ong").providers.filter(kind="committee").first()


def old_catalogue_data() -> dict:
    """The seeded catalogue as it was before issue 12: WHO's name and severity, no additions."""
    data = copy.deepcopy(default_data())
    data["version"]["notes"] = migration.OLD_NOTES
    data["processes"] = [p for p in data["processes"] if p["code"] not in migration.NEW_PROCESSES]
    data["tools"] = [t for t in data["tools"] if t["code"] not in migration.NEW_TOOLS]
    data["risks"] = [r for r in data["risks"] if r["code"] not in migration.NEW_RISKS]
    data["checklist"] = [c for c in data["checklist"] if c["code"] not in migration.NEW_CHECKLIST]
    for scale in data["scales"]:
        old = migration.OLD_SCALES[scale["code"]]
        scale["name"], scale["note"] = old["name"], old["note"]
        for level in scale["impact"]:
            level["label"] = old["impact"].get(level["value"], level["label"])
    return data


def codes(version, relation: str) -> list[str]:
    return list(getattr(version, relation).values_list("code", flat=True))


# --- The seeded catalogue ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_five_by_five_severity_describes_integrity_consequences():
    scale = CatalogueVersion.current().scales.get(code="who5x5")
    assert scale.name == NEW_NAME
    assert "Propuesta de Ojo de Agua, a validar" in scale.note
    labels = [level["label"] for level in scale.impact]
    assert [level["value"] for level in scale.impact] == [1, 2, 3, 4, 5]
    for label in labels:
        assert not any(word in label for word in WATER_HAZARD_WORDS), label
    text = " ".join(labels[1:])
    assert all(word in text for word in INTEGRITY_WORDS)
    # The likelihood column stays WHO's: once in five years to daily.
    assert scale.likelihood[0]["label"] == "rara (una vez cada 5 años)"
    assert scale.likelihood[-1]["label"] == "casi segura (diario)"
    # The old severity column fails the same check: the test can tell them apart.
    old = migration.OLD_SCALES["who5x5"]["impact"].values()
    assert all(any(word in label for word in WATER_HAZARD_WORDS) for label in list(old)[1:])


@pytest.mark.django_db
def test_legal_status_source_protection_and_agreements_are_in_the_catalogue():
    catalogue = CatalogueVersion.current()
    assert {"modelo", "fuente", "acuerdos"} <= set(codes(catalogue, "processes"))
    for code in migration.NEW_RISKS:
        risk = catalogue.risks.get(code=code)
        assert risk.process.code in {"modelo", "fuente", "acuerdos"}
        assert len(risk.red_flags) >= 3 and risk.description
        assert risk.tools.count() >= 3, code
    assert set(catalogue.risks.get(code="R12").tools.values_list("code", flat=True)) >= {
        "tramite-conagua",
        "expediente-legal",
    }
    words = " ".join(
        [r.title + " " + " ".join(r.red_flags) for r in catalogue.risks.all()]
        + [t.description for t in catalogue.tools.all()]
        + [c.text for c in catalogue.checklist.all()]
    )
    for needed in ("CONAGUA", "REPDA", "acta", "municipio", "fuente", "servicios de salud"):
        assert needed in words, needed
    assert set(migration.NEW_CHECKLIST) <= set(codes(catalogue, "checklist"))


# --- The data migration on a database that already holds user data ---------------------------


@pytest.fixture
def old_database(db):
    """A past version used by a rated 5 × 5 cycle, the current version and a draft, all with
    the wording from before issue 12."""
    data = old_catalogue_data()
    past = load_catalogue(data)
    past.published_at = timezone.now() - timezone.timedelta(days=400)
    past.save()
    cycle = make_cycle(ong_committee(), scale="who5x5", catalogue=past)
    person = Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="adult")
    assessed = AssessedRisk.objects.create(
        cycle=cycle,
        risk=past.risks.get(code="R01"),
        consensus_likelihood=5,
        consensus_impact=5,
    )
    Rating.objects.create(assessed_risk=assessed, participant=person, likelihood=4, impact=3)
    current = load_catalogue({**data, "version": {**data["version"], "name": "Vigente"}})
    current.published_at = timezone.now() + timezone.timedelta(minutes=1)
    current.save()
    draft = load_catalogue(
        {**data, "version": {**data["version"], "name": "Borrador"}}, publish=False
    )
    return past, current, draft, assessed


def test_the_migration_adds_the_entries_to_the_version_in_use_once(old_database):
    past, current, draft, _assessed = old_database
    before = {v.pk: codes(v, "risks") for v in (past, current, draft)}
    assert "R12" not in before[current.pk]

    migration.forwards(apps, None)
    migration.forwards(apps, None)  # a second run adds nothing

    for version in (current, draft):
        risks = codes(version, "risks")
        assert sorted(risks) == sorted(set(risks)) and set(migration.NEW_RISKS) <= set(risks)
        assert set(migration.NEW_CHECKLIST) <= set(codes(version, "checklist"))
        assert set(migration.NEW_TOOLS) <= set(codes(version, "tools"))
        r15 = version.risks.get(code="R15")
        assert r15.process.version_id == version.pk and r15.process.code == "fuente"
        assert {t.version_id for t in r15.tools.all()} == {version.pk}
        assert "zona-de-proteccion" in set(r15.tools.values_list("code", flat=True))
    # The version only a past cycle used keeps the entries it was run with.
    assert codes(past, "risks") == before[past.pk]
    assert set(codes(past, "checklist")) == {f"C{n:02}" for n in range(1, 12)}


def test_the_migration_rewords_the_scale_and_past_ratings_stay_valid(old_database):
    past, current, _draft, assessed = old_database
    assert past.scales.get(code="who5x5").name == migration.OLD_SCALES["who5x5"]["name"]

    migration.forwards(apps, None)

    for version in CatalogueVersion.objects.all():
        scale = version.scales.get(code="who5x5")
        assert scale.name == NEW_NAME
        assert [level["value"] for level in scale.impact] == [1, 2, 3, 4, 5]
        assert not any(
            word in level["label"] for level in scale.impact for word in WATER_HAZARD_WORDS
        )
        assert "OMS, plan de seguridad" not in version.notes + scale.name
    assessed.refresh_from_db()
    assert assessed.cycle.scale.code == "who5x5"
    assert assessed.consensus_band()["code"] == "very_high"
    for rating in Rating.objects.filter(assessed_risk=assessed):
        rating.full_clean()
    current.refresh_from_db()
    assert PROPOSAL in current.notes


def test_the_migration_keeps_what_a_coordinator_reworded_and_can_go_back(old_database):
    _past, current, _draft, _assessed = old_database
    scale = current.scales.get(code="who5x5")
    scale.name = "Escala de la agencia"
    scale.impact = [
        {**level, "label": "grave para el comité"} if level["value"] == 5 else level
        for level in scale.impact
    ]
    scale.save()

    migration.forwards(apps, None)
    scale.refresh_from_db()
    assert scale.name == "Escala de la agencia"
    assert scale.impact[4]["label"] == "grave para el comité"
    assert "sabor" not in scale.impact[2]["label"]  # the seeded levels are still reworded

    migration.backwards(apps, None)
    scale.refresh_from_db()
    assert scale.impact[2]["label"] == migration.OLD_SCALES["who5x5"]["impact"][3]
    assert scale.impact[4]["label"] == "grave para el comité"
    assert scale.name == "Escala de la agencia"
    other = current.scales.get(code="3x3")
    assert other.note == ""


# --- Pages and printables ---------------------------------------------------------------------


@pytest.fixture
def five_by_five_cycle(db):
    today = timezone.localdate()
    cycle = make_cycle(
        ong_committee(),
        scale="who5x5",
        stage="workshop",
        workshop_on=today,
        baseline_taken_on=today,
    )
    person = Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="adult")
    for code, likelihood, impact in [("R01", 5, 4), ("R12", 3, 5), ("R15", 2, 2)]:
        assessed = AssessedRisk.objects.create(
            cycle=cycle,
            risk=cycle.catalogue.risks.get(code=code),
            consensus_likelihood=likelihood,
            consensus_impact=impact,
        )
        Rating.objects.create(
            assessed_risk=assessed, participant=person, likelihood=likelihood, impact=impact
        )
    return cycle


def test_catalogue_pages_and_printables_say_they_are_a_proposal(ong, five_by_five_cycle):
    version = five_by_five_cycle.catalogue
    pages = {
        "catálogo": ong.get(reverse("integrity:catalogue_list")),
        "versión": ong.get(reverse("integrity:catalogue_version", args=[version.pk])),
    }
    for kind in ("cards", "board", "roadmap", "summary"):
        pages[kind] = ong.get(reverse(f"integrity:{kind}_print", args=[five_by_five_cycle.pk]))
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert PROPOSAL in page_text(response.content), name
        assert who_claims(response.content) == [], name
    detail = page_text(pages["versión"].content)
    assert NEW_NAME in detail and "R18." in detail


def test_no_workshop_page_presents_the_scale_as_whos(ong, five_by_five_cycle):
    pk = five_by_five_cycle.pk
    for name in ("cycle_detail", "ratings", "heat_map", "top_three"):
        response = ong.get(reverse(f"integrity:{name}", args=[pk]))
        assert response.status_code == 200, name
        assert who_claims(response.content) == [], name
    ratings = page_text(ong.get(reverse("integrity:ratings", args=[pk])).content)
    assert "gravedad adaptada a integridad por Ojo de Agua" in ratings


def test_the_claim_check_catches_the_old_wording():
    assert who_claims("<p>Escala: OMS, plan de seguridad del agua: 5 × 5</p>")
    assert who_claims("Bandas de riesgo de la OMS")
    assert who_claims(f"<p>{NEW_NAME}. No es una escala de la OMS.</p>") == []


# --- The agency's 70 % ------------------------------------------------------------------------


def test_the_seventy_percent_is_shown_only_as_the_urban_utilities_figure(agencia):
    content = agencia.get("/integridad/").content.decode()
    figure = re.search(r'<p data-figure="reached-reference">(.*?)</p>', content, re.S)
    assert figure, "the demo has committees 12 months after their workshop"
    sentence = page_text(figure.group(1))
    assert "70 %" in sentence
    assert "Referencia de empresas urbanas de agua, no de comités comunitarios" in sentence
    assert "22 empresas urbanas de 7 países" in sentence
    assert "organizaciones que usaron la caja de herramientas" not in page_text(content)


def test_the_api_describes_the_seventy_percent_as_an_urban_reference():
    from ojodeagua.api.integrity import OverviewSerializer

    help_text = str(OverviewSerializer().fields["reference"].help_text)
    assert "urban utilities" in help_text and "not from community committees" in help_text
