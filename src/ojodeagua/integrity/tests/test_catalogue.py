"""The seeded integrity catalogue, its scales, and versions that keep their wording."""

import pytest
from django.core.exceptions import ValidationError

from ojodeagua.integrity.catalogue import copy_version, export_catalogue, publish
from ojodeagua.integrity.models import CatalogueVersion, Risk, Signal
from ojodeagua.integrity.red_flags import CHECKS


@pytest.fixture
def catalogue(db) -> CatalogueVersion:
    version = CatalogueVersion.current()
    assert version is not None, "the migration seeds a published catalogue"
    return version


def test_the_default_catalogue_follows_the_project_notes(catalogue):
    risks = list(catalogue.risks.select_related("process").prefetch_related("tools"))
    # Issue 13's catalogue: R19 to R28 and C18 to C29 are the kiosks' and the schools' own.
    assert [r.code for r in risks] == [f"R{n:02}" for n in range(1, 29)]
    assert catalogue.processes.count() == 18
    assert catalogue.checklist.count() == 29
    assert catalogue.principles.count() == 5
    assert 12 <= catalogue.scorecard_indicators.count() <= 18
    for risk in risks:
        assert risk.process.version_id == catalogue.pk
        assert risk.tools.exists(), risk.code
        assert risk.type in Risk.Type.values and risk.driver in Risk.Driver.values
    assert Risk.objects.get(version=catalogue, code="R09").type == "consequence"
    # Every signal names a check that exists in code.
    checks = set(
        Signal.objects.filter(risk__version=catalogue).values_list("check_code", flat=True)
    )
    assert checks and checks <= set(CHECKS)
    assert "complaints_overdue" in set(
        catalogue.risks.get(code="R11").signals.values_list("check_code", flat=True)
    )


def test_the_three_by_three_scale_bands_as_the_notes_say(catalogue):
    scale = catalogue.scales.get(is_default=True)
    assert scale.code == "3x3"
    assert scale.band(1, 1)["code"] == "low"
    assert scale.band(1, 2)["code"] == "low"
    assert scale.band(2, 2)["code"] == "medium"
    assert scale.band(1, 3)["code"] == "medium"
    assert scale.band(2, 3)["code"] == "high"
    assert scale.band(3, 3) == {**scale.band(3, 3), "code": "high", "score": 9}
    with pytest.raises(ValueError):
        scale.band(4, 1)


def test_the_who_five_by_five_scale(catalogue):
    scale = catalogue.scales.get(code="who5x5")
    assert scale.band(1, 5)["code"] == "low"
    assert scale.band(2, 3)["code"] == "medium"
    assert scale.band(3, 5)["code"] == "high"
    assert scale.band(4, 4)["code"] == "very_high"
    # Every possible product falls in exactly one band.
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            score = likelihood * impact
            assert sum(b["min"] <= score <= b["max"] for b in scale.bands) == 1


def test_a_copy_is_a_draft_and_the_published_version_keeps_its_wording(catalogue):
    original = export_catalogue(catalogue)
    draft = copy_version(catalogue, "Catálogo revisado")
    assert not draft.is_published and draft.based_on == catalogue
    copied = export_catalogue(draft)
    assert copied["risks"] == original["risks"]
    risk = draft.risks.get(code="R01")
    risk.title = "Cuotas cobradas y no anotadas"
    risk.full_clean()
    risk.save()
    assert catalogue.risks.get(code="R01").title == original["risks"][0]["title"]
    publish(draft)
    assert CatalogueVersion.current() == draft
    # Once published, a version refuses edits: copy it again instead.
    risk.title = "Otro título"
    with pytest.raises(ValidationError, match="ya se publicó"):
        risk.full_clean()


def test_a_signal_must_name_a_check_in_code(catalogue):
    signal = Signal(risk=catalogue.risks.get(code="R06"), check_code="no_such_check")
    with pytest.raises(ValidationError):
        signal.full_clean()
