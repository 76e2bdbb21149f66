"""Verdicts: staged limits, versions by date, units, detection limits, ranges and microbes."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ojodeagua.audit.models import AuditEvent
from ojodeagua.places.models import Locality
from ojodeagua.waterquality.models import (
    Limit,
    Norm,
    NormVersion,
    Parameter,
    Result,
    Sample,
    Verdict,
)
from ojodeagua.waterquality.tests.factories import make_sample
from ojodeagua.waterquality.verdicts import (
    Judge,
    evaluate,
    judge_result,
    judge_sample,
    read_value,
    recognise_parameter,
)

pytestmark = pytest.mark.django_db

D = datetime.date
NOM_2021 = D(2023, 4, 27)
RURAL, CITY, METROPOLIS = 2_000, 120_000, 600_000


def p(code: str) -> Parameter:
    return Parameter.objects.get(code=code)


def nom(judge, code, value, unit, day, population=RURAL, **kwargs):
    return judge.evaluate(p(code), value, unit, day, population, "nom127", **kwargs)


def who(judge, code, value, unit, day, population=RURAL, **kwargs):
    return judge.evaluate(p(code), value, unit, day, population, "who", **kwargs)


# --- Dates and population classes -------------------------------------------------------------


def test_the_2021_norm_enters_into_force_360_days_after_publication():
    version = NormVersion.objects.get(norm__code="nom127", name="NOM-127-SSA1-2021")
    previous = NormVersion.objects.get(norm__code="nom127", name__startswith="NOM-127-SSA1-1994")

    assert version.in_force_from == D(2022, 5, 2) + datetime.timedelta(days=360) == NOM_2021
    assert "360 días naturales" in version.basis
    assert previous.in_force_until == D(2023, 4, 26)


def test_arsenic_in_a_rural_locality_tightens_six_years_after_entry_into_force(judge):
    before = nom(judge, "arsenic", "0.015", "mg/L", D(2029, 4, 26))
    after = nom(judge, "arsenic", "0.015", "mg/L", D(2029, 4, 27))

    assert (before.outcome, before.limit.maximum) == ("pass", Decimal("0.025"))
    assert before.version.name == "NOM-127-SSA1-2021"
    assert (after.outcome, after.limit.maximum) == ("fail", Decimal("0.010"))
    assert after.limit_text == "≤ 0.01 mg/L"


def test_arsenic_in_a_large_city_tightens_after_one_year(judge):
    before = nom(judge, "arsenic", "0.015", "mg/L", D(2024, 4, 26), METROPOLIS)
    after = nom(judge, "arsenic", "0.015", "mg/L", D(2024, 4, 27), METROPOLIS)
    rural_same_day = nom(judge, "arsenic", "0.015", "mg/L", D(2024, 4, 27), RURAL)

    assert before.outcome == "pass"
    assert after.outcome == "fail"
    assert rural_same_day.outcome == "pass"


def test_arsenic_in_a_middle_sized_locality_tightens_after_three_years(judge):
    assert nom(judge, "arsenic", "0.015", "mg/L", D(2026, 4, 26), CITY).outcome == "pass"
    assert nom(judge, "arsenic", "0.015", "mg/L", D(2026, 4, 27), CITY).outcome == "fail"


def test_the_population_class_boundaries(judge):
    day = D(2025, 1, 1)  # only the largest class has the stricter limit
    assert nom(judge, "arsenic", "0.015", "mg/L", day, 500_001).outcome == "fail"
    assert nom(judge, "arsenic", "0.015", "mg/L", day, 499_999).outcome == "pass"
    assert nom(judge, "arsenic", "0.015", "mg/L", day, 49_999).outcome == "pass"
    day = D(2027, 1, 1)  # the middle class now too, the rural one not yet
    assert nom(judge, "arsenic", "0.015", "mg/L", day, 50_000).outcome == "fail"
    assert nom(judge, "arsenic", "0.015", "mg/L", day, 49_999).outcome == "pass"


def test_exactly_500_000_inhabitants_take_the_stricter_class_and_say_so(judge):
    # Table 5 has "mayor de 500,000" and "entre 50,000 y 499,999": 500,000 is in neither.
    day = D(2025, 1, 1)  # the largest class already has 0.010, the middle one still 0.025
    failing = nom(judge, "arsenic", "0.015", "mg/L", day, 500_000)
    passing = nom(judge, "arsenic", "0.008", "mg/L", day, 500_000)
    inside = nom(judge, "arsenic", "0.015", "mg/L", day, 499_999)

    assert (failing.outcome, failing.reason) == ("fail", "population_between_classes")
    assert failing.limit.maximum == Decimal("0.010")
    assert (passing.outcome, passing.reason) == ("pass", "population_between_classes")
    assert (inside.outcome, inside.reason) == ("pass", "")
    assert not Limit.objects.filter(population_max=500_000).exists()


def test_fluoride_is_staged_from_1_5_to_1_0(judge):
    assert nom(judge, "fluoride", "1.2", "mg/L", D(2029, 4, 26)).outcome == "pass"
    assert nom(judge, "fluoride", "1.2", "mg/L", D(2029, 4, 27)).outcome == "fail"
    assert nom(judge, "fluoride", "1.2", "mg/L", D(2024, 4, 26), METROPOLIS).outcome == "pass"
    assert nom(judge, "fluoride", "1.2", "mg/L", D(2024, 4, 27), METROPOLIS).outcome == "fail"
    assert nom(judge, "fluoride", "1.6", "mg/L", D(2024, 1, 1)).outcome == "fail"


def test_cadmium_is_staged_from_0_005_to_0_003(judge):
    assert nom(judge, "cadmium", "0.004", "mg/L", D(2029, 4, 26)).outcome == "pass"
    assert nom(judge, "cadmium", "0.004", "mg/L", D(2029, 4, 27)).outcome == "fail"
    assert nom(judge, "cadmium", "0.004", "mg/L", D(2026, 4, 26), CITY).outcome == "pass"
    assert nom(judge, "cadmium", "0.004", "mg/L", D(2026, 4, 27), CITY).outcome == "fail"


def test_turbidity_drops_from_4_to_3_ntu_at_the_start_of_the_second_year(judge):
    # "A partir del segundo año posterior a la entrada en vigor": the stricter, plain reading
    # (27 April 2024), not two full years (27 April 2025, which the note keeps as an option).
    before = nom(judge, "turbidity", "3.5", "NTU", D(2024, 4, 26), METROPOLIS)
    after = nom(judge, "turbidity", "3.5", "NTU", D(2024, 4, 27), RURAL)
    a_year_later = nom(judge, "turbidity", "3.5", "NTU", D(2025, 1, 1), RURAL)

    assert before.outcome == "pass"
    assert before.limit.maximum == Decimal("4")
    assert after.outcome == "fail"
    assert after.limit.maximum == Decimal("3")
    assert "segundo año" in after.limit.note
    assert "27/04/2025" in after.limit.note  # the lenient reading, documented
    assert a_year_later.outcome == "fail"
    assert nom(judge, "turbidity", "3.0", "NTU", D(2024, 4, 27)).outcome == "pass"


def test_before_the_2021_norm_the_1994_norm_judges(judge):
    last_day = nom(judge, "arsenic", "0.030", "mg/L", D(2023, 4, 26))
    first_day = nom(judge, "arsenic", "0.030", "mg/L", NOM_2021)
    old_turbidity = nom(judge, "turbidity", "4.5", "NTU", D(2023, 4, 26))

    assert last_day.version.name.startswith("NOM-127-SSA1-1994")
    assert (last_day.outcome, last_day.limit.maximum) == ("fail", Decimal("0.025"))
    assert first_day.version.name == "NOM-127-SSA1-2021"
    assert first_day.outcome == "fail"
    assert old_turbidity.outcome == "pass"  # 5 NTU then
    assert nom(judge, "arsenic", "0.030", "mg/L", D(2004, 6, 1)).outcome == "pass"


def test_a_date_before_any_version_is_norm_not_on_file(judge):
    old = nom(judge, "arsenic", "0.001", "mg/L", D(1993, 6, 1))
    old_who = who(judge, "arsenic", "0.001", "mg/L", D(2010, 6, 1))

    assert (old.outcome, old.reason, old.version) == ("not_evaluable", "norm_not_on_file", None)
    assert (old_who.outcome, old_who.reason) == ("not_evaluable", "norm_not_on_file")


def test_an_unknown_population_matters_only_when_the_classes_disagree(judge):
    mixed = nom(judge, "arsenic", "0.015", "mg/L", D(2025, 1, 1), None)
    clean = nom(judge, "arsenic", "0.005", "mg/L", D(2025, 1, 1), None)
    dirty = nom(judge, "arsenic", "0.030", "mg/L", D(2025, 1, 1), None)
    early = nom(judge, "arsenic", "0.015", "mg/L", D(2023, 6, 1), None)

    assert (mixed.outcome, mixed.reason) == ("not_evaluable", "unknown_population")
    assert "0.025" in mixed.limit_text and "0.01" in mixed.limit_text
    assert (clean.outcome, clean.limit.maximum) == ("pass", Decimal("0.010"))
    assert (dirty.outcome, dirty.limit.maximum) == ("fail", Decimal("0.025"))
    assert early.outcome == "pass"  # every class still had 0.025


# --- WHO --------------------------------------------------------------------------------------


def test_who_manganese_exists_only_from_the_2022_addenda(judge):
    in_2021 = who(judge, "manganese", "0.1", "mg/L", D(2021, 6, 1))
    in_2023 = who(judge, "manganese", "0.1", "mg/L", D(2023, 6, 1))

    assert in_2021.outcome == "no_limit"
    assert in_2021.version.name.endswith("(2017)")
    assert in_2023.outcome == "fail"
    assert in_2023.version.name == "Guías OMS 4.ª ed. con adendas (2022)"


def test_a_parameter_without_a_value_in_a_norm_is_no_limit(judge):
    tds = who(judge, "tds", "1200", "mg/L", D(2024, 1, 1))
    turbidity = who(judge, "turbidity", "12", "NTU", D(2024, 1, 1))

    assert (tds.outcome, tds.reason, tds.limit) == ("no_limit", "", None)
    assert turbidity.outcome == "no_limit"
    assert nom(judge, "tds", "1200", "mg/L", D(2024, 1, 1)).outcome == "fail"


# --- Units ------------------------------------------------------------------------------------


def test_micrograms_are_converted_before_comparing(judge):
    result = nom(judge, "arsenic", "15", "µg/L", D(2029, 5, 1))
    lead = nom(judge, "lead", "8", "ppb", D(2024, 1, 1))

    assert result.value == Decimal("0.015")
    assert result.outcome == "fail"
    assert lead.outcome == "pass"


def test_nitrate_as_nitrate_is_judged_against_the_nom_limit_as_nitrogen(judge):
    # 50 mg/L as NO3 is 11.3 mg/L as N: over NOM's 11.00, within WHO's 50 as NO3.
    as_no3 = nom(judge, "nitrate", "50", "mg/L NO3", D(2024, 1, 1))
    who_as_no3 = who(judge, "nitrate", "50", "mg/L NO3", D(2024, 1, 1))
    # 11.2 mg/L as N is 49.6 as NO3: within both.
    as_n = who(judge, "nitrate", "11.2", "mg/L N", D(2024, 1, 1))

    assert as_no3.outcome == "fail"
    assert round(as_no3.value, 2) == Decimal("11.30")
    assert who_as_no3.outcome == "pass"
    assert as_n.outcome == "pass"
    assert round(as_n.value, 1) == Decimal("49.6")


def test_nitrite_is_converted_between_bases(judge):
    assert who(judge, "nitrite", "0.8", "mg/L N", D(2024, 1, 1)).outcome == "pass"
    assert who(judge, "nitrite", "1.0", "mg/L N", D(2024, 1, 1)).outcome == "fail"  # 3.28 NO2
    assert nom(judge, "nitrite", "3.5", "mg/L NO2", D(2024, 1, 1)).outcome == "fail"  # 1.07 N


def test_a_missing_unit_is_not_evaluable_except_for_ph(judge):
    missing = nom(judge, "arsenic", "0.001", "", D(2024, 1, 1))
    ph = nom(judge, "ph", "7.2", "", D(2024, 1, 1))

    assert (missing.outcome, missing.reason) == ("not_evaluable", "missing_unit")
    assert missing.limit_text == "≤ 0.025 mg/L"
    assert ph.outcome == "pass"


def test_an_unconvertible_unit_is_not_evaluable(judge):
    wrong = nom(judge, "turbidity", "2", "mg/L", D(2024, 1, 1))
    unknown = nom(judge, "iron", "0.1", "gotas", D(2024, 1, 1))

    assert (wrong.outcome, wrong.reason) == ("not_evaluable", "unconvertible_unit")
    assert (unknown.outcome, unknown.reason) == ("not_evaluable", "unconvertible_unit")


# --- Detection limits, ranges, microbes -------------------------------------------------------


def test_below_a_usable_detection_limit_passes(judge):
    usable = nom(judge, "arsenic", "0.005", "mg/L", D(2030, 1, 1), below_detection=True)
    in_micrograms = nom(judge, "arsenic", "10", "µg/L", D(2030, 1, 1), below_detection=True)

    assert usable.outcome == "pass"
    assert in_micrograms.outcome == "pass"  # equal to the limit: the value is below it


def test_below_a_detection_limit_above_the_maximum_is_not_evaluable(judge):
    unusable = nom(judge, "arsenic", "0.02", "mg/L", D(2030, 1, 1), below_detection=True)
    not_detected = nom(judge, "arsenic", None, "mg/L", D(2030, 1, 1), outcome="not_detected")

    assert (unusable.outcome, unusable.reason) == (
        "not_evaluable",
        "below_detection_no_usable_limit",
    )
    assert (not_detected.outcome, not_detected.reason) == (
        "not_evaluable",
        "below_detection_no_usable_limit",
    )


def test_no_value_and_no_outcome_is_not_evaluable(judge):
    empty = nom(judge, "iron", None, "mg/L", D(2024, 1, 1))
    assert (empty.outcome, empty.reason) == ("not_evaluable", "no_value")


def test_ph_fails_on_both_sides_of_its_range(judge):
    day = D(2024, 1, 1)
    assert nom(judge, "ph", "6.4", "pH", day).outcome == "fail"
    assert nom(judge, "ph", "6.5", "pH", day).outcome == "pass"
    assert nom(judge, "ph", "8.5", "", day).outcome == "pass"
    assert nom(judge, "ph", "8.6", "", day).outcome == "fail"


def test_free_chlorine_fails_below_0_2_and_above_1_5(judge):
    day = D(2024, 1, 1)
    low = nom(judge, "free_chlorine", "0.1", "mg/L", day)
    below_detection = nom(judge, "free_chlorine", "0.1", "mg/L", day, below_detection=True)
    vague = nom(judge, "free_chlorine", "0.5", "mg/L", day, below_detection=True)

    assert low.outcome == "fail"
    assert low.limit_text == "0.2 a 1.5 mg/L"
    assert nom(judge, "free_chlorine", "0.2", "mg/L", day).outcome == "pass"
    assert nom(judge, "free_chlorine", "1.5", "mg/L", day).outcome == "pass"
    assert nom(judge, "free_chlorine", "1.6", "mg/L", day).outcome == "fail"
    assert below_detection.outcome == "fail"  # under a detection limit that is under 0.2
    assert (vague.outcome, vague.reason) == ("not_evaluable", "below_detection_no_usable_limit")
    assert who(judge, "free_chlorine", "1.6", "mg/L", day).outcome == "pass"  # WHO: 5 mg/L


def test_e_coli_presence_fails_and_absence_passes(judge):
    day = D(2024, 1, 1)
    present = nom(judge, "e_coli", None, "", day, outcome="detected")
    absent = nom(judge, "e_coli", None, "", day, outcome="not_detected")
    faecal = who(judge, "thermotolerant_coliforms", None, "", day, outcome="detected")

    assert present.outcome == "fail"
    assert present.limit.rule == Limit.Rule.NOT_DETECTABLE
    assert absent.outcome == "pass"
    assert faecal.outcome == "fail"


def test_e_coli_counts(judge):
    day = D(2024, 1, 1)
    mpn = nom(judge, "e_coli", "1.1", "NMP/100 mL", day, below_detection=True)
    cfu = nom(judge, "e_coli", "1", "UFC/100 mL", day, below_detection=True)
    coarse = nom(judge, "e_coli", "10", "NMP/100 mL", day, below_detection=True)

    assert mpn.outcome == "pass"
    assert cfu.outcome == "pass"
    assert nom(judge, "e_coli", "0", "UFC/100 mL", day).outcome == "pass"
    assert nom(judge, "e_coli", "1", "UFC/100 mL", day).outcome == "fail"
    assert nom(judge, "e_coli", "2.2", "NMP/100 mL", day).outcome == "fail"
    assert nom(judge, "e_coli", "200.5", "NMP/100 mL", day, above_range=True).outcome == "fail"
    assert (coarse.outcome, coarse.reason) == ("not_evaluable", "below_detection_no_usable_limit")
    assert nom(judge, "e_coli", "3", "", day).reason == "missing_unit"


def test_an_unknown_parameter_is_not_evaluable(judge):
    judgement = judge.evaluate(None, "5", "mg/L", D(2024, 1, 1), RURAL, "nom127")

    assert (judgement.outcome, judgement.reason) == ("not_evaluable", "unknown_parameter")
    assert judgement.version.name == "NOM-127-SSA1-2021"


def test_the_module_level_evaluate_needs_no_judge():
    judgement = evaluate(p("lead"), "0.02", "mg/L", D(2024, 1, 1), RURAL, "who")
    assert judgement.outcome == "fail"


# --- Recognising parameters and reading values ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("arsenic", "arsenic"),
        ("arsénico", "arsenic"),
        ("ARSENICO", "arsenic"),
        ("As", "arsenic"),
        ("Arsénico total", "arsenic"),
        ("Arsenic", "arsenic"),
        ("E. coli", "e_coli"),
        ("Escherichia coli", "e_coli"),
        ("Coliformes fecales", "thermotolerant_coliforms"),
        ("fecal coliforms", "thermotolerant_coliforms"),
        ("termotolerantes", "thermotolerant_coliforms"),
        ("Nitratos (como N)", "nitrate"),
        ("nitrate", "nitrate"),
        ("Fluoruros como F-", "fluoride"),
        ("Fierro", "iron"),
        ("free_chlorine", "free_chlorine"),
        ("Cloro residual libre", "free_chlorine"),
        ("turbidez", "turbidity"),
        ("Turbiedad", "turbidity"),
        ("pH", "ph"),
        ("Dureza total (como CaCO3)", "hardness"),
        ("Pb", "lead"),
        ("Microcistina-LR", "microcystin_lr"),
    ],
)
def test_parameters_are_recognised_by_any_name(text, code):
    parameter = recognise_parameter(text)
    assert parameter is not None and parameter.code == code


def test_an_unknown_name_is_not_recognised():
    assert recognise_parameter("Cloruros de otro planeta") is None
    assert recognise_parameter("") is None


def test_the_name_table_follows_edits_to_parameters():
    assert recognise_parameter("Arsenico inorganico") is None
    arsenic = p("arsenic")
    arsenic.aliases = [*arsenic.aliases, "arsénico inorgánico"]
    arsenic.save()

    assert recognise_parameter("ARSENICO INORGANICO") == arsenic


@pytest.mark.parametrize(
    ("text", "value", "below", "outcome"),
    [
        ("<0.005", "0.005", True, ""),
        ("< 0,005", "0.005", True, ""),
        ("0.012", "0.012", False, ""),
        ("ND", None, False, "not_detected"),
        ("no detectado", None, False, "not_detected"),
        ("Ausencia", None, False, "not_detected"),
        ("presencia", None, False, "detected"),
        ("Detectado", None, False, "detected"),
        ("<LD", None, False, "not_detected"),
        ("", None, False, ""),
    ],
)
def test_reported_values_are_read(text, value, below, outcome):
    reported = read_value(text)

    assert reported.value == (Decimal(value) if value else None)
    assert reported.below_detection is below
    assert reported.outcome == outcome


def test_unreadable_values_are_refused():
    with pytest.raises(ValueError):
        read_value("mucho")


# --- A new version is data --------------------------------------------------------------------


def test_a_new_norm_version_needs_no_code():
    nom127 = Norm.objects.get(code="nom127")
    current = NormVersion.objects.get(norm=nom127, name="NOM-127-SSA1-2021")
    current.in_force_until = D(2030, 12, 31)
    current.save()
    future = NormVersion.objects.create(
        norm=nom127, name="NOM-127-SSA1-2030", in_force_from=D(2031, 1, 1)
    )
    Limit.objects.create(version=future, parameter=p("iron"), maximum=Decimal("0.1"), unit="mg/L")
    judge = Judge()

    assert nom(judge, "iron", "0.2", "mg/L", D(2030, 12, 31)).outcome == "pass"
    after = nom(judge, "iron", "0.2", "mg/L", D(2031, 1, 1))
    assert (after.outcome, after.version) == ("fail", future)
    assert nom(judge, "lead", "0.2", "mg/L", D(2031, 1, 1)).outcome == "no_limit"


# --- Stored verdicts --------------------------------------------------------------------------


def sample_in_town(day: datetime.date, population: int | None = RURAL) -> Sample:
    """A laboratory sample of the first locality, its population set to ``population``."""
    locality = Locality.objects.order_by("pk").first()
    locality.population = population
    locality.save()
    return make_sample(None, day, locality=locality)


def test_judging_a_result_stores_one_verdict_per_norm():
    sample = sample_in_town(D(2029, 4, 27))
    result = Result.objects.create(
        sample=sample, parameter_text="Arsénico", value=Decimal("0.015"), unit="mg/L"
    )

    verdicts = judge_result(result)

    result.refresh_from_db()
    assert result.parameter.code == "arsenic"
    by_norm = {verdict.norm.code: verdict for verdict in verdicts}
    assert set(by_norm) == set(Norm.objects.values_list("code", flat=True))
    assert by_norm["nom127"].outcome == "fail"
    assert by_norm["nom127"].limit_text == "≤ 0.01 mg/L"
    assert by_norm["nom127"].version.name == "NOM-127-SSA1-2021"
    assert by_norm["who"].outcome == "fail"
    assert by_norm["nom127"].parameter_code == "arsenic"
    assert by_norm["nom127"].sampled_on == D(2029, 4, 27)

    result.value = Decimal("0.005")
    result.save()
    judge_result(result)

    assert Verdict.objects.filter(result=result).count() == len(by_norm)
    assert Verdict.objects.get(result=result, norm__code="nom127").outcome == "pass"


def test_an_unrecognised_result_is_stored_as_not_evaluable():
    sample = sample_in_town(D(2024, 1, 1))
    result = Result.objects.create(
        sample=sample, parameter_text="Kriptonita", value=Decimal("20"), unit="mg/L"
    )

    judge_result(result)

    verdict = Verdict.objects.get(result=result, norm__code="nom127")
    assert (verdict.outcome, verdict.reason, verdict.parameter_code) == (
        "not_evaluable",
        "unknown_parameter",
        "",
    )


def test_judging_a_sample_in_bulk_uses_a_fixed_number_of_queries():
    sample = sample_in_town(D(2024, 6, 1))
    rows = [
        ("E. coli", None, "", "detected"),
        ("Nitratos", Decimal("50"), "mg/L NO3", ""),
        ("pH", Decimal("7.2"), "", ""),
        ("Turbiedad", Decimal("2"), "mg/L", ""),
        ("Fluoruros", Decimal("0.4"), "mg/L", ""),
    ] * 20
    Result.objects.bulk_create(
        Result(sample=sample, parameter_text=text, value=value, unit=unit, outcome=outcome)
        for text, value, unit, outcome in rows
    )
    judge = Judge()

    with CaptureQueriesContext(connection) as queries:
        count = judge_sample(sample, judge=judge)

    assert count == len(rows)
    assert len(queries) <= 10
    verdicts = Verdict.objects.filter(result__sample=sample, norm__code="nom127")
    assert verdicts.count() == len(rows)
    assert verdicts.filter(parameter_code="e_coli", outcome="fail").count() == 20
    assert verdicts.filter(parameter_code="nitrate", outcome="fail").count() == 20
    assert verdicts.filter(parameter_code="ph", outcome="pass").count() == 20
    assert verdicts.filter(reason="unconvertible_unit").count() == 20
    assert Result.objects.filter(sample=sample, parameter__isnull=True).count() == 0

    Result.objects.filter(sample=sample, parameter_text="Fluoruros").update(value=Decimal("2"))
    judge.judge_results(Result.objects.filter(sample=sample))

    assert verdicts.filter(parameter_code="fluoride", outcome="fail").count() == 20
    assert Verdict.objects.filter(result__sample=sample).count() == len(rows) * 2


# --- The admin --------------------------------------------------------------------------------


def test_limits_are_edited_in_the_admin_and_the_edit_is_audited(admin_client):
    version = NormVersion.objects.get(name="NOM-127-SSA1-2021")
    url = f"/admin/waterquality/normversion/{version.pk}/change/"
    for page in [
        "/admin/waterquality/parameter/",
        f"/admin/waterquality/parameter/{p('arsenic').pk}/change/",
        f"/admin/waterquality/norm/{version.norm_id}/change/",
        "/admin/waterquality/normversion/",
    ]:
        assert admin_client.get(page).status_code == 200, page
    page = admin_client.get(url)
    assert page.status_code == 200
    data = {
        "norm": version.norm_id,
        "name": version.name,
        "in_force_from": "2023-04-27",
        "in_force_until": "",
        "basis": version.basis,
    }
    (limits,) = page.context["inline_admin_formsets"]
    management = limits.formset.management_form
    data.update({f"{management.prefix}-{k}": management.initial[k] for k in management.initial})
    lead = Limit.objects.get(version=version, parameter__code="lead")
    for form in limits.formset.forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            data[f"{form.prefix}-{name}"] = "" if value is None else value
        if form.instance.pk == lead.pk:
            data[f"{form.prefix}-maximum"] = "0.005"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"][0].formset.forms if f.errors
    ]
    lead.refresh_from_db()
    assert lead.maximum == Decimal("0.005")
    event = AuditEvent.objects.filter(
        object_id=str(lead.pk), content_type__model=lead._meta.model_name, action="update"
    ).latest("pk")
    assert [Decimal(value) for value in event.changes["maximum"]] == [
        Decimal("0.010"),
        Decimal("0.005"),
    ]
    assert nom(Judge(), "lead", "0.008", "mg/L", D(2024, 1, 1)).outcome == "fail"
