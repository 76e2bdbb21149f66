"""Recording a water sample with its results through the pages, and reading its verdicts."""

import pytest

from ojodeagua.audit.models import AuditEvent
from ojodeagua.monitoring.models import SystemVisit
from ojodeagua.monitoring.observation import Observation
from ojodeagua.organisations.models import Membership
from ojodeagua.waterquality.models import Result, Sample
from ojodeagua.watersystems.models import WaterSystem


def management(total: int, initial: int = 0) -> dict[str, str]:
    return {
        "result-TOTAL_FORMS": str(total),
        "result-INITIAL_FORMS": str(initial),
        "result-MIN_NUM_FORMS": "0",
        "result-MAX_NUM_FORMS": "1000",
    }


def result_row(index: int, **values) -> dict[str, str]:
    row = {"parameter_text": "", "value": "", "outcome": "", "unit": "", "method": ""}
    row.update(values)
    return {f"result-{index}-{name}": value for name, value in row.items()}


def treasurer_system() -> WaterSystem:
    return Membership.objects.get(user__username="tesorera").providers.get().systems.first()


def sample_data(system: WaterSystem, *rows: dict[str, str], **overrides) -> dict[str, str]:
    data = {
        "observed_on": "2026-11-18",
        "source": "visit",
        "locality": system.locality_id,
        "system": system.pk,
        "sampling_point": "tap",
        "point_description": "Llave de la escuela",
        "analysis": "field_kit",
        "laboratory": "",
        "notes": "",
        **management(len(rows)),
    }
    for row in rows:
        data.update(row)
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_sample_with_e_coli_shows_no_cumple_first(tesorera):
    system = treasurer_system()
    data = sample_data(
        system,
        result_row(0, parameter_text="pH", value="7.2"),
        result_row(1, parameter_text="Cloro libre", value="0.1", unit="mg/L"),
        result_row(2, parameter_text="E. coli", outcome="detected", unit="/100 mL"),
        result_row(3, parameter_text="Turbiedad", value="2", unit=""),
    )

    form = tesorera.get("/muestras/nueva/").content.decode()
    response = tesorera.post("/muestras/nueva/", data)

    assert '<datalist id="parameter-names">' in form and "Escherichia coli" in form
    sample = Sample.objects.filter(system=system).latest("pk")
    assert response.status_code == 302 and response["Location"] == sample.get_absolute_url()
    assert sample.results.count() == 4 and sample.state == Observation.State.SUBMITTED
    assert sample.results.get(parameter_text="E. coli").parameter.code == "e_coli"
    assert AuditEvent.objects.filter(content_type__model="result", action="create").count() >= 4
    html = tesorera.get(sample.get_absolute_url()).content.decode()
    alarm = html.index('class="alarm"')
    assert "No cumple: se encontró E. coli en el agua." in html
    assert alarm < html.index("<h1>")
    # The E. coli result is the first result listed, and its verdict is a red "no cumple".
    results = html[html.index("Resultados y si cumplen la norma") :]
    assert results.index("E. coli") < results.index("pH")
    assert '<span class="verdict fail">no cumple</span>' in results
    assert '<span class="verdict pass">cumple</span>' in results
    # Turbidity without a unit cannot be judged: grey, with the reason in words.
    assert '<span class="verdict not_evaluable">no se puede evaluar</span>' in results
    assert "Falta la unidad del resultado" in results
    assert "NOM-127" in results


@pytest.mark.django_db
def test_a_clean_sample_shows_no_alarm(ong):
    system = WaterSystem.objects.filter(
        provider__in=Membership.objects.get(user__username="ong").providers.all()
    ).first()
    data = sample_data(
        system,
        result_row(0, parameter_text="ecoli", outcome="not_detected", unit="/100 mL"),
        analysis="laboratory",
        laboratory="Laboratorio Estatal de Salud Pública",
    )

    response = ong.post("/muestras/nueva/", data)

    sample = Sample.objects.filter(system=system).latest("pk")
    html = ong.get(sample.get_absolute_url()).content.decode()
    assert response.status_code == 302
    assert 'class="alarm"' not in html
    assert '<span class="verdict pass">cumple</span>' in html
    validated = ong.post(f"/muestras/{sample.pk}/validar/")
    sample.refresh_from_db()
    assert validated.status_code == 302 and sample.state == Observation.State.VALIDATED


@pytest.mark.django_db
def test_sample_errors_say_what_to_fix(tesorera):
    system = treasurer_system()
    no_results = sample_data(system, result_row(0), analysis="laboratory")
    no_value = sample_data(system, result_row(0, parameter_text="Arsénico", unit="mg/L"))

    first = tesorera.post("/muestras/nueva/", no_results).content.decode()
    second = tesorera.post("/muestras/nueva/", no_value).content.decode()

    assert "Anote al menos un resultado" in first
    assert "Anote el nombre del laboratorio" in first
    assert "Anote el valor medido o si se detectó o no" in second
    assert not Result.objects.filter(sample__system=system, parameter_text="Arsénico").exists()


@pytest.mark.django_db
def test_a_system_that_does_not_serve_the_locality_is_refused(agencia):
    system = WaterSystem.objects.filter(municipality__key="07012").first()
    served = set(system.served_localities.values_list("locality_id", flat=True))
    other = (
        WaterSystem.objects.filter(municipality__key="07012")
        .exclude(locality_id__in=served | {system.locality_id})
        .first()
    )
    data = sample_data(
        system,
        result_row(0, parameter_text="pH", value="7"),
        locality=other.locality_id,
    )

    html = agencia.post("/muestras/nueva/", data).content.decode()

    assert "Ese sistema no da servicio a la localidad elegida." in html


@pytest.mark.django_db
def test_samples_out_of_scope_answer_404(agencia):
    outside = WaterSystem.objects.filter(municipality__key="07061").first()
    sample = Sample.objects.create(
        locality=outside.locality,
        system=outside,
        observed_on="2026-11-01",
        source="visit",
        sampling_point="tap",
        analysis="field_kit",
    )

    assert agencia.get(sample.get_absolute_url()).status_code == 404
    assert agencia.post(f"/muestras/{sample.pk}/validar/").status_code == 404
    assert sample.get_absolute_url() not in agencia.get("/muestras/").content.decode()


@pytest.mark.django_db
def test_correcting_a_result_parameter_judges_the_new_parameter(tesorera):
    system = treasurer_system()
    tesorera.post(
        "/muestras/nueva/",
        sample_data(system, result_row(0, parameter_text="pH", value="7.2")),
    )
    sample = Sample.objects.filter(system=system).latest("pk")
    result = sample.results.get()
    assert result.parameter.code == "ph"
    data = sample_data(
        system,
        result_row(0, parameter_text="E. coli", outcome="detected", unit="/100 mL"),
        **management(1, initial=1),
    )
    data["result-0-id"] = str(result.pk)
    data["result-0-sample"] = str(sample.pk)

    response = tesorera.post(f"/muestras/{sample.pk}/editar/", data)

    result.refresh_from_db()
    assert response.status_code == 302
    assert result.parameter.code == "e_coli"
    assert {v.outcome for v in result.verdicts.all()} == {"fail"}
    html = tesorera.get(sample.get_absolute_url()).content.decode()
    assert "No cumple: se encontró E. coli en el agua." in html


def test_a_visit_page_shows_its_systems_three_latest_samples(agencia):
    visit = SystemVisit.objects.filter(system__samples__isnull=False).first()
    samples = list(Sample.objects.filter(system=visit.system))
    assert len(samples) > 3
    html = agencia.get(visit.get_absolute_url()).content.decode()
    for sample in samples[:3]:
        assert f'href="{sample.get_absolute_url()}"' in html
    for sample in samples[3:]:
        assert f'href="{sample.get_absolute_url()}"' not in html
