"""Importing water samples: one row per result, grouped into samples, judged after saving."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from ojodeagua.imports.engine import run_import
from ojodeagua.monitoring.import_spec import import_specs
from ojodeagua.organisations.scope import scope_for
from ojodeagua.waterquality.models import Result, Sample, Verdict
from ojodeagua.watersystems.models import WaterSystem

pytestmark = pytest.mark.django_db
SAMPLES = import_specs()["samples"]
HEADER = (
    "record_id,observed_on,locality_key,system_id,sampling_point,analysis,laboratory,"
    "parameter,value,unit,method"
)


def ong():
    return User.objects.get(username="ong")


def sample_file(system: WaterSystem, ecoli: str = "presencia", arsenic: str = "0.005") -> bytes:
    place = f"2024-08-01,{system.locality.key},{system.pk},llave de la red,laboratorio,LESP"
    lines = [
        HEADER,
        f"m-1,{place},E. coli,{ecoli},NMP/100 mL,NMP",
        f"m-1,{place},Arsénico,{arsenic},mg/L,",
        f"m-1,{place},pH,7.2,,",
    ]
    return ("\n".join(lines) + "\n").encode()


def test_rows_with_one_record_id_make_one_sample_with_judged_results():
    system = scope_for(ong()).editable(WaterSystem.objects.all()).first()
    result = run_import(SAMPLES, sample_file(system), user=ong())
    assert result.rejected == [] and (result.rows, result.created) == (3, 1)
    sample = Sample.objects.get(record_id="m-1")
    assert (sample.sampling_point, sample.analysis, sample.source) == (
        "tap",
        "laboratory",
        "laboratory",
    )
    results = {r.parameter_text: r for r in sample.results.all()}
    assert set(results) == {"E. coli", "Arsénico", "pH"}
    assert results["E. coli"].outcome == "detected"
    assert results["Arsénico"].value == Decimal("0.005")
    assert all(r.parameter_id for r in results.values())
    verdicts = Verdict.objects.filter(result__sample=sample)
    assert verdicts.exists()
    ecoli = verdicts.filter(result=results["E. coli"], norm__code__icontains="nom")
    assert ecoli.exists() and {v.outcome for v in ecoli} == {"fail"}


def test_reimport_is_unchanged_and_a_changed_value_updates_the_result_and_its_verdict():
    system = scope_for(ong()).editable(WaterSystem.objects.all()).first()
    run_import(SAMPLES, sample_file(system), user=ong())
    again = run_import(SAMPLES, sample_file(system), user=ong())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Result.objects.filter(sample__record_id="m-1").count() == 3

    fixed = run_import(SAMPLES, sample_file(system, ecoli="ausencia"), user=ong())
    assert fixed.updated == 1
    ecoli = Result.objects.get(sample__record_id="m-1", parameter_text="E. coli")
    assert ecoli.outcome == "not_detected"
    assert {v.outcome for v in ecoli.verdicts.filter(norm__code__icontains="nom")} == {"pass"}


def test_rows_of_one_sample_that_disagree_or_have_bad_values_are_rejected():
    system = scope_for(ong()).editable(WaterSystem.objects.all()).first()
    data = sample_file(system, arsenic='"0,005"').decode() + (
        f"m-1,2024-08-02,{system.locality.key},{system.pk},tap,laboratory,LESP,Flúor,0.3,mg/L,\n"
    )
    result = run_import(SAMPLES, data.encode(), user=ong())
    reasons = dict(result.rejected)
    assert "decimales con punto" in reasons[3]
    assert "ya apareció en la fila 2" in reasons[5] and "observed_on" in reasons[5]
    assert Result.objects.filter(sample__record_id="m-1").count() == 2


def test_the_observation_import_page_offers_water_samples_last(ong):
    assert list(import_specs())[-1] == "samples"
    page = ong.get("/importar/").content.decode()
    assert 'value="samples"' in page
