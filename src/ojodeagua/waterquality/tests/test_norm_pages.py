"""Norm pages: everyone reads them, coordinators change limits and versions, verdicts follow."""

import datetime
from decimal import Decimal

import pytest

from ojodeagua.audit.models import AuditEvent
from ojodeagua.waterquality.models import Limit, NormVersion, Parameter, Result, Sample, Verdict
from ojodeagua.waterquality.verdicts import judge_result

pytestmark = pytest.mark.django_db

FAIL = Verdict.Outcome.FAIL
PASS = Verdict.Outcome.PASS


def who_current() -> NormVersion:
    return NormVersion.objects.get(norm__code="who", in_force_until__isnull=True)


def nom_current() -> NormVersion:
    return NormVersion.objects.get(norm__code="nom127", in_force_until__isnull=True)


def arsenic_limit(version: NormVersion) -> Limit:
    return version.limits.get(parameter__code="arsenic")


def low_arsenic(year: int) -> Result:
    """A demo arsenic result of that year that passes WHO's 0.01 comfortably."""
    return (
        Result.objects.filter(
            parameter__code="arsenic",
            sample__observed_on__year=year,
            value__gte=Decimal("0.002"),
            value__lte=Decimal("0.008"),
        )
        .order_by("pk")
        .first()
    )


def who_verdict(result: Result) -> Verdict:
    return Verdict.objects.get(result=result, norm__code="who")


def limit_data(limit: Limit, **changes) -> dict[str, str]:
    data = {
        "parameter": limit.parameter_id,
        "rule": limit.rule,
        "minimum": "" if limit.minimum is None else str(limit.minimum),
        "maximum": "" if limit.maximum is None else str(limit.maximum),
        "unit": limit.unit,
        "applies_from": limit.applies_from.isoformat() if limit.applies_from else "",
        "applies_until": limit.applies_until.isoformat() if limit.applies_until else "",
        "population_min": "" if limit.population_min is None else limit.population_min,
        "population_max": "" if limit.population_max is None else limit.population_max,
        "clause": limit.clause,
        "note": limit.note,
    }
    data.update(changes)
    return data


def test_everyone_reads_the_norms_in_spanish_but_only_coordinators_see_edit_buttons(
    agencia, tesorera
):
    version = nom_current()
    for client in (agencia, tesorera):
        assert client.get("/normas/").status_code == 200
    reader = tesorera.get("/normas/").content.decode()
    assert "NOM-127-SSA1-2021" in reader and "En vigor desde el 27/04/2023" in reader
    assert 'href="/normas/"' not in tesorera.get("/").content.decode()  # no nav link
    page = tesorera.get(f"/normas/version/{version.pk}/").content.decode()
    # The staged arsenic limit, said in words: value, dates and population class.
    assert "Arsénico" in page and "≤ 0.025 mg/L" in page and "≤ 0.01 mg/L" in page
    assert "localidades de hasta 49,999 habitantes" in page
    assert "hasta el 26/04/2029" in page and "desde el 27/04/2029" in page
    assert "/editar/" not in page and "/copiar/" not in page
    parameters = tesorera.get("/normas/parametros/").content.decode()
    assert "Escherichia coli" in parameters and "/editar/" not in parameters

    coordinator = agencia.get(f"/normas/version/{version.pk}/").content.decode()
    assert f"/normas/version/{version.pk}/copiar/" in coordinator
    assert f"/normas/limite/{arsenic_limit(who_current()).pk}/editar/" not in coordinator
    assert f"/normas/limite/{version.limits.first().pk}/editar/" in coordinator
    assert 'href="/normas/">Normas de calidad</a>' in agencia.get("/").content.decode()


def test_a_committee_member_may_not_change_norms(tesorera):
    version = who_current()
    limit = arsenic_limit(version)
    pages = [
        f"/normas/limite/{limit.pk}/editar/",
        f"/normas/version/{version.pk}/editar/",
        f"/normas/version/{version.pk}/copiar/",
        f"/normas/version/{version.pk}/limite/nuevo/",
        f"/normas/parametros/{limit.parameter_id}/editar/",
    ]
    for page in pages:
        assert tesorera.get(page).status_code == 403
    response = tesorera.post(pages[0], limit_data(limit, maximum="0.001"))
    assert response.status_code == 403
    limit.refresh_from_db()
    assert limit.maximum == Decimal("0.01")


def test_lowering_a_limit_flips_stored_verdicts_and_is_audited(agencia):
    limit = arsenic_limit(who_current())
    result = low_arsenic(2026)
    assert who_verdict(result).outcome == PASS

    response = agencia.post(
        f"/normas/limite/{limit.pk}/editar/", limit_data(limit, maximum="0.001")
    )

    assert response.status_code == 302
    assert response["Location"] == f"/normas/version/{limit.version_id}/"
    verdict = who_verdict(result)
    assert verdict.outcome == FAIL and verdict.limit_text == "≤ 0.001 mg/L"
    event = AuditEvent.objects.filter(
        content_type__model="limit", object_id=str(limit.pk), action="update"
    ).get()
    assert event.changes["maximum"] == ["0.010000", "0.001"] and event.actor_label == "agencia"
    # The NOM verdict of the same result is another norm's and does not change.
    assert Verdict.objects.get(result=result, norm__code="nom127").outcome == PASS
    page = agencia.get(response["Location"]).content.decode()
    assert "Se guardó el límite." in page and "cambió el veredicto de" in page


def test_a_limit_that_makes_no_sense_is_refused_with_a_reason(agencia):
    limit = nom_current().limits.get(parameter__code="ph")
    url = f"/normas/limite/{limit.pk}/editar/"

    response = agencia.post(url, limit_data(limit, minimum="9", maximum="6.5"))
    unit = agencia.post(url, limit_data(limit, unit="kilos"))
    no_max = agencia.post(url, limit_data(limit, rule="max", minimum="", maximum=""))

    assert response.status_code == 400
    assert "El máximo no puede ser menor que el mínimo." in response.content.decode()
    assert unit.status_code == 400 and "No se reconoce la unidad «kilos»" in unit.content.decode()
    assert "Un límite máximo necesita su valor máximo." in no_max.content.decode()
    limit.refresh_from_db()
    assert (limit.minimum, limit.maximum) == (Decimal("6.5"), Decimal("8.5"))


def test_adding_a_limit_judges_results_that_had_none(agencia):
    version = who_current()
    turbidity = Parameter.objects.get(code="turbidity")
    result = Result.objects.filter(parameter=turbidity, sample__observed_on__year=2026).first()
    assert who_verdict(result).outcome == Verdict.Outcome.NO_LIMIT
    data = limit_data(
        Limit(parameter=turbidity, rule="max", maximum=Decimal("5"), unit="NTU"),
        note="Aceptable para los usuarios.",
    )

    response = agencia.post(f"/normas/version/{version.pk}/limite/nuevo/", data)

    assert response.status_code == 302
    added = version.limits.get(parameter=turbidity)
    assert who_verdict(result).limit_id == added.pk
    assert who_verdict(result).outcome in {PASS, FAIL}
    assert AuditEvent.objects.filter(
        content_type__model="limit", object_id=str(added.pk), action="create"
    ).exists()


def test_copying_a_version_copies_its_limits_and_takes_effect_from_its_date(agencia):
    source = who_current()
    before = low_arsenic(2025)
    after = low_arsenic(2026)
    start = datetime.date(2026, 1, 1)

    response = agencia.post(
        f"/normas/version/{source.pk}/copiar/",
        {
            "name": "Guías OMS (prueba 2026)",
            "in_force_from": start.isoformat(),
            "in_force_until": "",
            "basis": "Prueba",
            "close_source": "on",
        },
    )

    assert response.status_code == 302
    new = NormVersion.objects.get(name="Guías OMS (prueba 2026)")
    assert new.norm_id == source.norm_id
    copied = sorted(new.limits.values_list("parameter__code", "rule", "maximum", "unit"))
    original = sorted(source.limits.values_list("parameter__code", "rule", "maximum", "unit"))
    assert copied == original and len(copied) > 10
    source.refresh_from_db()
    assert source.in_force_until == datetime.date(2025, 12, 31)
    assert who_verdict(after).version_id == new.pk
    assert who_verdict(before).version_id == source.pk
    assert AuditEvent.objects.filter(content_type__model="limit", action="create").count() >= len(
        copied
    )

    # Lowering arsenic in the new version fails 2026 samples, not 2025 ones.
    limit = arsenic_limit(new)
    agencia.post(f"/normas/limite/{limit.pk}/editar/", limit_data(limit, maximum="0.001"))
    assert who_verdict(after).outcome == FAIL
    assert who_verdict(before).outcome == PASS and who_verdict(before).limit.maximum == Decimal(
        "0.01"
    )


def test_a_copy_cannot_start_before_the_version_it_ends(agencia):
    source = who_current()
    response = agencia.post(
        f"/normas/version/{source.pk}/copiar/",
        {"name": "Antes", "in_force_from": "2020-01-01", "basis": "", "close_source": "on"},
    )
    assert response.status_code == 400
    assert "la nueva debe empezar después del 21/03/2022" in response.content.decode()
    assert not NormVersion.objects.filter(name="Antes").exists()


def test_moving_a_version_start_rejudges_the_days_it_no_longer_covers(agencia):
    version = nom_current()
    result = low_arsenic(2025)
    assert Verdict.objects.get(result=result, norm__code="nom127").version_id == version.pk

    response = agencia.post(
        f"/normas/version/{version.pk}/editar/",
        {
            "name": version.name,
            "in_force_from": "2026-01-01",
            "in_force_until": "",
            "basis": version.basis + " Prueba.",
        },
    )

    assert response.status_code == 302
    verdict = Verdict.objects.get(result=result, norm__code="nom127")
    # Between the 1994 norm's end and the new start no version is on file: never "compliant".
    assert verdict.outcome == Verdict.Outcome.NOT_EVALUABLE and verdict.reason == "norm_not_on_file"
    assert AuditEvent.objects.filter(
        content_type__model="normversion", object_id=str(version.pk), action="update"
    ).exists()


def test_a_new_alias_makes_an_unrecognised_result_judged(agencia):
    sample = Sample.objects.filter(observed_on__year=2026).first()
    result = Result.objects.create(
        sample=sample, parameter_text="Arsénico soluble", value=Decimal("0.05"), unit="mg/L"
    )
    judge_result(result)
    assert who_verdict(result).reason == "unknown_parameter"
    arsenic = Parameter.objects.get(code="arsenic")

    response = agencia.post(
        f"/normas/parametros/{arsenic.pk}/editar/",
        {
            "name": arsenic.name,
            "name_en": arsenic.name_en,
            "symbol": arsenic.symbol,
            "aliases": "\n".join([*arsenic.aliases, "Arsénico soluble"]),
            "unit": arsenic.unit,
        },
    )

    assert response.status_code == 302
    result.refresh_from_db()
    assert result.parameter_id == arsenic.pk
    assert who_verdict(result).outcome == FAIL
    assert AuditEvent.objects.filter(content_type__model="parameter", action="update").exists()


def test_an_alias_of_another_parameter_is_refused(agencia):
    arsenic = Parameter.objects.get(code="arsenic")
    response = agencia.post(
        f"/normas/parametros/{arsenic.pk}/editar/",
        {"name": arsenic.name, "symbol": "As", "aliases": "fluor", "unit": "mg/L"},
    )
    assert response.status_code == 400
    assert "«fluor» ya es un nombre de Fluoruros" in response.content.decode()
