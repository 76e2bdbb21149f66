"""Issue 12: the catalogue is Ojo de Agua's proposal and says so, its 5 × 5 scale rates integrity
consequences without claiming to be WHO's, legal status, source protection and agreements are
covered, and the 70 % benchmark is shown only as the urban utilities' figure."""

import copy
import importlib
import json
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from ojodeagua.integrity.catalogue import (
    DEFAULT_FILE,
    copy_version,
    export_catalogue,
    load_catalogue,
)
from ojodeagua.integrity.models import (
    AssessedRisk,
    CatalogueVersion,
    Participant,
    Rating,
    RoadmapItem,
)
from ojodeagua.integrity.tests.factories import make_cycle
from ojodeagua.monitoring.tests.who_claims import page_text, who_claims
from ojodeagua.organisations.models import Membership

migration = importlib.import_module("ojodeagua.integrity.migrations.0009_issue12_catalogue")

PROPOSAL = "propuesta de Ojo de Agua, a validar"
VERSION_NAME = "Catálogo 2 — propuesta de Ojo de Agua, a validar (diciembre 2026)"
SEED_FILE = DEFAULT_FILE.parent / "catalogue_v1.json"
NEW_NAME = (
    "5 × 5, probabilidad según el plan de seguridad del agua de la OMS; "
    "gravedad adaptada a integridad por Ojo de Agua"
)
# What the WHO matrix's severity column is about: drinking-water hazards, not integrity.
WATER_HAZARD_WORDS = ("sabor", "olor", "color", "salud", "normas", "autoridad")
INTEGRITY_WORDS = ("dinero", "servicio", "confianza", "excluid")


def ong_committee():
    return Membership.objects.get(user__username="ong").providers.filter(kind="committee").first()


def seed_data() -> dict:
    """The catalogue migration 0002 seeded, as it was before issue 12: WHO's name and severity."""
    return json.loads(SEED_FILE.read_text(encoding="utf-8"))


def codes(version, relation: str) -> list[str]:
    return list(getattr(version, relation).values_list("code", flat=True))


def without_version(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "version"}


# --- The migrated database: the seed as it was, and a new current version ----------------------


@pytest.mark.django_db
def test_the_migration_publishes_a_new_version_and_the_seed_keeps_its_meaning():
    # Issue 13's migration published a later version (copied from this one): look it up by name.
    current = CatalogueVersion.objects.get(name=VERSION_NAME)
    assert PROPOSAL in current.name and current.is_published
    assert CatalogueVersion.current().based_on == current
    seed = current.based_on
    assert seed is not None and seed.is_published and seed.published_at < current.published_at
    # The seed holds what migration 0002 loaded; only its 5 × 5 scale's label changed.
    expected = seed_data()
    for scale in expected["scales"]:
        if scale["code"] == "who5x5":
            scale["name"] = migration.OLD_SCALE_LABEL
    exported = export_catalogue(seed)
    assert exported["version"] == expected["version"]
    assert exported == export_catalogue(load_catalogue(expected, publish=False))
    assert seed.notes == migration.OLD_NOTES
    severity = {level["value"]: level["label"] for level in seed.scales.get(code="who5x5").impact}
    assert severity == migration.OLD_SCALES["who5x5"]["impact"]
    assert "OMS" not in seed.scales.get(code="who5x5").name
    assert set(migration.NEW_RISKS).isdisjoint(codes(seed, "risks"))
    assert set(codes(current, "risks")) == set(codes(seed, "risks")) | set(migration.NEW_RISKS)


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


def test_the_default_file_is_the_seed_plus_what_the_migration_adds():
    # The migration's own file: the default moved on to catalogue_v3.json (issue 13).
    seed, default = seed_data(), migration.new_data()
    assert default["version"]["name"] == VERSION_NAME
    added = {
        "processes": migration.NEW_PROCESSES,
        "tools": migration.NEW_TOOLS,
        "risks": migration.NEW_RISKS,
        "checklist": migration.NEW_CHECKLIST,
    }
    for relation, new_codes in added.items():
        assert [e for e in default[relation] if e["code"] not in new_codes] == seed[relation]
        assert {e["code"] for e in default[relation]} >= set(new_codes)
    assert default["scorecard"] == seed["scorecard"]


# --- The data migration on a database that already holds user data ---------------------------


@pytest.fixture
def old_database(db):
    """As before migration 0009: a past version used by a rated 5 × 5 cycle, the current version
    and a draft, all with the seeded wording. (The version the migration made when the test
    database was built is renamed, so that the migration sees a database it has not run on.)"""
    CatalogueVersion.objects.filter(name=VERSION_NAME).update(name="Catálogo 2 de la demo")
    data = seed_data()
    past = load_catalogue(data)
    past.published_at = timezone.now() - timezone.timedelta(days=400)
    past.save()
    cycle = make_cycle(ong_committee(), scale="who5x5", catalogue=past)
    person = Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="adult")
    assessed = AssessedRisk.objects.create(
        cycle=cycle,
        risk=past.risks.get(code="R01"),
        consensus_likelihood=5,
        consensus_impact=4,
    )
    Rating.objects.create(assessed_risk=assessed, participant=person, likelihood=4, impact=4)
    current = load_catalogue({**data, "version": {**data["version"], "name": "Vigente"}})
    current.published_at = timezone.now() + timezone.timedelta(minutes=1)
    current.save()
    draft = load_catalogue(
        {**data, "version": {**data["version"], "name": "Borrador"}}, publish=False
    )
    return past, current, draft, assessed


def made_by_migration() -> CatalogueVersion:
    return CatalogueVersion.objects.get(name=VERSION_NAME)


def test_published_versions_keep_their_entries_and_severity(old_database):
    past, current, draft, assessed = old_database
    before = {v.pk: export_catalogue(v) for v in (past, current, draft)}

    migration.forwards(apps, None)

    for version in (past, current, draft):
        version.refresh_from_db()
        after = export_catalogue(version)
        expected = copy.deepcopy(before[version.pk])
        if version.is_published:
            # The one change: the 5 × 5 scale's label no longer claims to be WHO's.
            for scale in expected["scales"]:
                if scale["code"] == "who5x5":
                    assert scale["name"] == migration.OLD_SCALES["who5x5"]["name"]
                    scale["name"] = migration.OLD_SCALE_LABEL
        assert after == expected, version.name
    # A draft is the coordinator's: not even the label changes.
    assert draft.scales.get(code="who5x5").name == migration.OLD_SCALES["who5x5"]["name"]
    # A rating made on the past version still reads the severity it was given under.
    assessed.refresh_from_db()
    scale = assessed.cycle.scale
    assert scale.version_id == past.pk
    rating = Rating.objects.get(assessed_risk=assessed)
    label = {level["value"]: level["label"] for level in scale.impact}[rating.impact]
    assert label == "mayor (obliga a intervenir a la autoridad)"
    assert assessed.consensus_band()["code"] == "very_high"
    rating.full_clean()
    assert set(codes(assessed.cycle.catalogue, "checklist")) == {f"C{n:02}" for n in range(1, 12)}


def test_the_new_version_is_a_full_copy_of_the_current_one_with_the_additions(old_database):
    _past, current, _draft, _assessed = old_database
    original = export_catalogue(current)

    migration.forwards(apps, None)

    new = made_by_migration()
    assert CatalogueVersion.current() == new
    assert new.based_on == current and new.is_published
    assert new.published_at > current.published_at
    assert PROPOSAL in new.name and PROPOSAL in new.notes
    copied = export_catalogue(new)
    # Every entry of the current version, with its wording, tools and signals.
    for relation in ("processes", "tools", "risks", "checklist"):
        old_codes = {e["code"] for e in original[relation]}
        assert [e for e in copied[relation] if e["code"] in old_codes] == original[relation]
    assert copied["scorecard"] == original["scorecard"]
    assert (
        sum(len(r["signals"]) for r in copied["risks"])
        == sum(len(r["signals"]) for r in original["risks"])
        > 0
    )
    # ... plus the new ones, each pointing at entries of the new version.
    assert set(migration.NEW_PROCESSES) <= set(codes(new, "processes"))
    assert set(migration.NEW_TOOLS) <= set(codes(new, "tools"))
    assert set(migration.NEW_RISKS) <= set(codes(new, "risks"))
    assert set(migration.NEW_CHECKLIST) <= set(codes(new, "checklist"))
    r15 = new.risks.get(code="R15")
    assert r15.process.version_id == new.pk and r15.process.code == "fuente"
    assert {t.version_id for t in r15.tools.all()} == {new.pk}
    assert {"zona-de-proteccion", "sanciones-reglamento"} <= set(
        r15.tools.values_list("code", flat=True)
    )
    for indicator in new.scorecard_indicators.all():
        assert indicator.principle.version_id == new.pk
    # The scales: same values and bands, integrity severity words, a note that says so.
    scales = {s["code"]: s for s in copied["scales"]}
    old_scales = {s["code"]: s for s in original["scales"]}
    for code, scale in scales.items():
        assert scale["bands"] == old_scales[code]["bands"]
        assert scale["likelihood"] == old_scales[code]["likelihood"]
        assert scale["default"] == old_scales[code]["default"]
        assert [lv["value"] for lv in scale["impact"]] == [
            lv["value"] for lv in old_scales[code]["impact"]
        ]
    assert scales["who5x5"]["name"] == NEW_NAME
    assert not any(
        word in level["label"]
        for level in scales["who5x5"]["impact"]
        for word in WATER_HAZARD_WORDS
    )
    assert scales["3x3"]["impact"] == old_scales["3x3"]["impact"]
    assert "Propuesta de Ojo de Agua, a validar" in scales["3x3"]["note"]
    # A cycle started now uses it.
    assert make_cycle(ong_committee(), scale="who5x5").catalogue == new


def test_running_the_migration_twice_makes_one_new_version(old_database):
    versions = CatalogueVersion.objects.count()

    migration.forwards(apps, None)
    migration.forwards(apps, None)

    assert CatalogueVersion.objects.count() == versions + 1
    new = made_by_migration()
    risks = codes(new, "risks")
    assert len(risks) == len(set(risks)) == 18


def test_the_migration_keeps_what_a_coordinator_changed_in_the_current_version(old_database):
    _past, current, _draft, _assessed = old_database
    CatalogueVersion.objects.filter(pk=current.pk).update(notes="Validado con el comité de Tila.")
    scale = current.scales.get(code="who5x5")
    scale.name = "Escala de la agencia"
    scale.impact = [
        {**level, "label": "grave para el comité"} if level["value"] == 5 else level
        for level in scale.impact
    ]
    scale.save()
    current.risks.get(code="R03").delete()

    migration.forwards(apps, None)

    new = made_by_migration()
    copied = new.scales.get(code="who5x5")
    assert copied.name == "Escala de la agencia"
    assert copied.impact[4]["label"] == "grave para el comité"
    assert "sabor" not in copied.impact[2]["label"]  # the seeded levels are still reworded
    assert new.notes.startswith("Validado con el comité de Tila.")
    assert migration.ADDED_NOTE in new.notes
    # A risk the coordinator took out does not come back; the new ones come in.
    assert not new.risks.filter(code="R03").exists()
    assert new.risks.filter(code="R12").exists()
    # The coordinator's scale in the published version is not relabelled either.
    scale.refresh_from_db()
    assert scale.name == "Escala de la agencia"


def test_with_nothing_published_the_new_version_is_the_whole_default_file(old_database):
    CatalogueVersion.objects.update(published_at=None)

    migration.forwards(apps, None)

    new = made_by_migration()
    assert new.is_published and new.based_on is None
    assert CatalogueVersion.current() == new
    assert without_version(export_catalogue(new)) == without_version(
        export_catalogue(load_catalogue(migration.new_data(), publish=False))
    )


def test_the_reverse_deletes_the_new_version_and_gives_the_old_label_back(old_database):
    past, _current, _draft, _assessed = old_database
    versions = CatalogueVersion.objects.count()
    migration.forwards(apps, None)
    assert CatalogueVersion.objects.count() == versions + 1

    migration.backwards(apps, None)

    assert CatalogueVersion.objects.count() == versions
    assert not CatalogueVersion.objects.filter(name=VERSION_NAME).exists()
    assert past.scales.get(code="who5x5").name == migration.OLD_SCALES["who5x5"]["name"]
    # Forward again: the same result as the first time.
    migration.forwards(apps, None)
    assert made_by_migration().risks.count() == 18


def test_the_reverse_refuses_while_a_cycle_uses_the_new_version(old_database):
    migration.forwards(apps, None)
    new = made_by_migration()
    make_cycle(ong_committee(), catalogue=new)

    with pytest.raises(RuntimeError, match="la usan 1 ciclo"):
        migration.backwards(apps, None)

    assert CatalogueVersion.objects.filter(pk=new.pk).exists()
    assert new.risks.count() == 18


def test_the_reverse_refuses_when_a_version_was_copied_from_the_new_one(old_database):
    migration.forwards(apps, None)
    new = made_by_migration()
    copy_version(new, "Borrador de la agencia")

    with pytest.raises(RuntimeError, match="se copió en 1 versión"):
        migration.backwards(apps, None)

    assert CatalogueVersion.objects.filter(pk=new.pk).exists()


def test_the_reverse_refuses_while_a_record_points_at_an_entry_of_the_new_version(old_database):
    past, _current, _draft, assessed = old_database
    migration.forwards(apps, None)
    new = made_by_migration()
    # A road-map action of a past cycle that names a tool of the new version.
    AssessedRisk.objects.filter(pk=assessed.pk).update(priority=1)
    RoadmapItem.objects.create(
        assessed_risk=assessed,
        tool=new.tools.get(code="expediente-legal"),
        action="Juntar los papeles",
        responsible="Secretario",
        deadline=timezone.localdate(),
        done_when="La carpeta está completa",
    )

    with pytest.raises(RuntimeError, match="otros registros usan entradas"):
        migration.backwards(apps, None)

    # Nothing was deleted half-way.
    assert new.risks.count() == 18 and new.tools.filter(code="expediente-legal").exists()
    assert past.scales.get(code="who5x5").name == migration.OLD_SCALE_LABEL


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
    # Reached from the list of cycles, which says what the catalogue is.
    cycles = ong.get(reverse("integrity:cycle_list"))
    assert reverse("integrity:catalogue_list") in cycles.content.decode()
    assert PROPOSAL in page_text(cycles.content)
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
