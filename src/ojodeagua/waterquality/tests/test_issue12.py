"""Issue 12: nitrogen bases, total chlorine, units naming a substance, new parameters,
WHO's sums of ratios and chlorine minimum, turbidity, 500,000 inhabitants, old WHO dates."""

import datetime
from decimal import Decimal

import pytest

from ojodeagua.places.models import Locality
from ojodeagua.waterquality import units, views
from ojodeagua.waterquality.models import Limit, Parameter, Result, Verdict
from ojodeagua.waterquality.tests.factories import make_sample
from ojodeagua.waterquality.units import parse_unit
from ojodeagua.waterquality.verdicts import (
    REASON_TEXT,
    Reading,
    composite_judgements,
    judge_sample,
    range_ends,
    reading_bases,
    recognise_parameter,
    sample_composites,
)

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = D(2024, 6, 1)  # NOM-127-SSA1-2021 and WHO 2022 in force
RURAL = 2_000


def p(code: str) -> Parameter:
    return Parameter.objects.get(code=code)


def both(judge, code, value, unit, day=DAY, population=RURAL, **kwargs):
    """(NOM outcome, WHO outcome, NOM reason, WHO reason)."""
    nom = judge.evaluate(p(code), value, unit, day, population, "nom127", **kwargs)
    who = judge.evaluate(p(code), value, unit, day, population, "who", **kwargs)
    return nom.outcome, who.outcome, nom.reason, who.reason


# --- Nitrogen species: the basis is read, never assumed ---------------------------------------


@pytest.mark.parametrize(
    ("unit", "basis"),
    [
        ("mg/L NO3-", "NO3"),
        ("mg/L N-NO3", "N"),
        ("mg/L NH4", "NH4"),
        ("mg/L NO3 como N", "N"),
        ("mg/L", ""),
    ],
)
def test_the_basis_is_read_from_the_unit(unit, basis):
    assert parse_unit(unit).basis == basis


@pytest.mark.parametrize(
    ("name", "basis"),
    [
        ("Nitratos (NO3-)", "NO3"),
        ("Nitrato (NO3)", "NO3"),
        ("N-NO3", "N"),
        ("Amonio (NH4+)", "NH4"),
        ("Nitratos (mg/L N-NO3)", "N"),
        ("Nitrógeno de nitratos", "N"),
        ("Nitratos como NO3", "NO3"),
        ("Nitratos", ""),
    ],
)
def test_the_basis_is_read_from_the_name(name, basis):
    assert units.basis_in_text(name) == basis


def test_a_method_states_a_basis_only_in_words():
    assert units.basis_in_method("Espectrofotometría, resultado como N") == "N"
    assert units.basis_in_method("SM 4500-NO3- E") == ""  # the method's name, not a basis


def test_nitrate_45_as_no3_passes_both_norms_whichever_way_the_basis_is_written(judge):
    # 45 mg/L as NO3 is 10.2 mg/L as N: under NOM's 11 (as N) and WHO's 50 (as NO3).
    assert both(judge, "nitrate", "45", "mg/L NO3-")[:2] == ("pass", "pass")
    assert both(judge, "nitrate", "45", "mg/L", basis="NO3")[:2] == ("pass", "pass")
    # The same 45 written as nitrogen fails both: 45 as N is 199 as NO3.
    assert both(judge, "nitrate", "45", "mg/L N-NO3")[:2] == ("fail", "fail")


def test_nitrate_without_a_basis_is_not_evaluable_when_the_readings_disagree(judge):
    assert both(judge, "nitrate", "45", "mg/L") == (
        "not_evaluable",
        "not_evaluable",
        "basis_unstated",
        "basis_unstated",
    )


def test_nitrate_without_a_basis_is_judged_when_both_readings_agree(judge):
    assert both(judge, "nitrate", "5", "mg/L") == (
        "pass",
        "pass",
        "basis_either_reading",
        "basis_either_reading",
    )
    assert both(judge, "nitrate", "60", "mg/L") == (
        "fail",
        "fail",
        "basis_either_reading",
        "basis_either_reading",
    )


def test_nitrite_and_ammonium_without_a_basis(judge):
    # Nitrite 0.5: as N under 0.9 and 1.6 as NO2 under 3; as NO2 0.15 as N. Both pass.
    assert both(judge, "nitrite", "0.5", "mg/L")[:3] == ("pass", "pass", "basis_either_reading")
    # Nitrite 2: as N fails NOM's 0.9; as NO2 it is 0.61 as N and passes.
    assert both(judge, "nitrite", "2", "mg/L")[:3] == (
        "not_evaluable",
        "not_evaluable",
        "basis_unstated",
    )
    # Ammonium 0.6: as N over 0.5; as NH4 0.47 as N, under it.
    assert both(judge, "ammonia", "0.6", "mg/L")[::2] == ("not_evaluable", "basis_unstated")
    assert both(judge, "ammonia", "0.6", "mg/L NH4")[::2] == ("pass", "")
    assert both(judge, "ammonia", "0.6", "mg/L N")[::2] == ("fail", "")


def test_the_parameters_expressed_as_is_no_longer_a_silent_default(judge):
    nitrate = p("nitrate")
    assert nitrate.expressed_as == "N"  # what the NOM limit is written in
    assert both(judge, "nitrate", "45", "mg/L")[0] == "not_evaluable"


def test_name_and_unit_disagreeing_on_the_basis(judge):
    conflict = both(judge, "nitrate", "45", "mg/L N", basis="NO3")
    agreeing = both(judge, "nitrate", "5", "mg/L N", basis="NO3")

    assert conflict[::2] == ("not_evaluable", "basis_conflict")
    assert agreeing[::2] == ("pass", "basis_either_reading")


# --- Total chlorine is not free chlorine; qualifiers are never dropped ------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Cloro residual libre", "free_chlorine"),
        ("Cloro libre", "free_chlorine"),
        ("Cloro residual total", "total_chlorine"),
        ("Cloro residual (total)", "total_chlorine"),
        ("Cloro total", "total_chlorine"),
        ("Cloro residual combinado", "combined_chlorine"),
        ("Arsénico total", "arsenic"),
        ("Plomo total", "lead"),
        ("Cromo total", "chromium"),
        ("Cromo", "chromium"),
        ("Hierro", "iron"),
        ("Fierro total", "iron"),
        ("Nitratos (NO3-)", "nitrate"),
        ("Nitratos (mg/L N-NO3)", "nitrate"),
        ("Fluoruros (F-)", "fluoride"),
        ("Fluoruros totales", "fluoride"),
        ("Coliformes fecales NMP/100 mL", "thermotolerant_coliforms"),
        ("Níquel", "nickel"),
        ("Xilenos", "xylenes"),
    ],
)
def test_names_are_recognised_with_their_qualifiers(text, code):
    parameter = recognise_parameter(text)
    assert parameter is not None and parameter.code == code


@pytest.mark.parametrize(
    "text", ["Cromo hexavalente", "Hierro disuelto", "Arsénico disuelto", "Cloro (combinado x)"]
)
def test_a_qualifier_that_changes_what_was_measured_is_never_dropped(text):
    assert recognise_parameter(text) is None


def test_total_chlorine_has_no_limit_where_free_chlorine_fails(judge):
    total = both(judge, "total_chlorine", "0.1", "mg/L")
    free = both(judge, "free_chlorine", "0.1", "mg/L")

    assert total[:2] == ("no_limit", "no_limit")
    assert free[:2] == ("fail", "fail")


# --- Units that name a substance -------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "factor", "basis"),
    [
        ("mg/L F-", "1", "F"),
        ("mg F/L", "1", "F"),
        ("mg/L As", "1", "As"),
        ("µg As/L", "0.001", "As"),
        ("mg/L como As", "1", "As"),
        ("mg/L as N", "1", "N"),
        ("mg/L de Cl2", "1", "Cl2"),
        ("µg Se/L", "0.001", "Se"),
    ],
)
def test_a_unit_may_name_the_element_or_ion(unit, factor, basis):
    parsed = parse_unit(unit)
    assert (parsed.dimension, parsed.factor, parsed.basis) == (
        units.MASS,
        Decimal(factor),
        basis,
    )


def test_a_unit_naming_two_substances_is_refused():
    with pytest.raises(units.UnitError):
        parse_unit("mg/L Pb Cd")


def test_the_substance_in_the_unit_must_be_the_parameters(judge):
    right = both(judge, "arsenic", "15", "µg As/L", D(2029, 5, 1))
    fluoride = both(judge, "fluoride", "1.2", "mg/L F-")
    wrong = both(judge, "arsenic", "0.005", "mg/L Pb")
    wrong_form = both(judge, "nitrate", "5", "mg/L NH4")

    assert right[:2] == ("fail", "fail")
    assert fluoride[:2] == ("pass", "pass")
    assert wrong == (
        "not_evaluable",
        "not_evaluable",
        "unit_substance_mismatch",
        "unit_substance_mismatch",
    )
    assert wrong_form[::2] == ("not_evaluable", "unit_substance_mismatch")


# --- New parameters and limits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "under", "over", "unit", "who"),
    [
        ("nickel", "0.07", "0.071", "mg/L", True),
        ("selenium", "0.04", "0.05", "mg/L", True),
        ("bromate", "10", "11", "µg/L", False),
        ("chlorate", "700", "701", "µg/L", False),
        ("chlorite", "700", "701", "µg/L", False),
        ("formaldehyde", "900", "901", "µg/L", False),
        ("benzene", "10", "10.5", "µg/L", False),
        ("styrene", "20", "21", "µg/L", False),
        ("ethylbenzene", "300", "301", "µg/L", False),
        ("toluene", "700", "701", "µg/L", False),
        ("xylenes", "500", "501", "µg/L", False),
    ],
)
def test_the_2021_norm_limits_the_new_parameters(judge, code, under, over, unit, who):
    passing = both(judge, code, under, unit)
    failing = both(judge, code, over, unit)

    assert passing[0] == "pass" and failing[0] == "fail"
    assert (passing[1], failing[1]) == (("pass", "fail") if who else ("no_limit", "no_limit"))


@pytest.mark.parametrize(
    ("code", "low", "inside", "high"),
    [("free_iodine", "0.1", "0.2", "1.6"), ("silver", "0.04", "0.05", "0.11")],
)
def test_iodine_and_silver_as_disinfectants_are_ranges(judge, code, low, inside, high):
    assert both(judge, code, low, "mg/L")[::2] == ("fail", "below_minimum")
    assert both(judge, code, inside, "mg/L")[0] == "pass"
    assert both(judge, code, high, "mg/L")[::2] == ("fail", "above_maximum")
    assert "Tabla 9" in Limit.objects.get(parameter__code=code).note


@pytest.mark.parametrize(
    ("code", "limit", "unit"), [("chloride", "250", "mg/L"), ("sodium", "200", "mg/L Na")]
)
def test_the_1994_norm_limits_chlorides_sodium_and_zinc(judge, code, limit, unit):
    old = D(2015, 3, 10)
    assert both(judge, code, limit, unit, old)[0] == "pass"
    assert both(judge, code, str(Decimal(limit) + 1), unit, old)[0] == "fail"
    assert both(judge, code, "9999", unit)[0] == "no_limit"  # not limited in 2021
    assert both(judge, "zinc", "5.00", "mg/L", old)[0] == "pass"
    assert both(judge, "zinc", "5.01", "mg/L", old)[0] == "fail"


@pytest.mark.parametrize(
    ("code", "under", "over"),
    [("uranium", "0.03", "0.031"), ("boron", "2.4", "2.5"), ("antimony", "0.02", "0.021")],
)
def test_who_only_values(judge, code, under, over):
    assert both(judge, code, under, "mg/L")[:2] == ("no_limit", "pass")
    assert both(judge, code, over, "mg/L")[:2] == ("no_limit", "fail")


def test_values_not_read_in_a_primary_text_say_so():
    unconfirmed = Limit.objects.filter(parameter__code__in=["chloride", "sodium", "zinc"])
    assert unconfirmed.count() == 3
    assert all("confirmar contra el DOF" in limit.note for limit in unconfirmed)
    who_2017 = Limit.objects.filter(
        parameter__code="nickel", version__name__endswith="(2017)"
    ).get()
    assert "confirmar contra el texto de la OMS" in who_2017.note


# --- WHO's operational minimum of free chlorine -----------------------------------------------


def test_who_free_chlorine_fails_below_its_operational_minimum(judge):
    low = judge.evaluate(p("free_chlorine"), "0.1", "mg/L", DAY, RURAL, "who")
    edge = judge.evaluate(p("free_chlorine"), "0.2", "mg/L", DAY, RURAL, "who")
    high_but_healthy = judge.evaluate(p("free_chlorine"), "5", "mg/L", DAY, RURAL, "who")
    too_high = judge.evaluate(p("free_chlorine"), "5.1", "mg/L", DAY, RURAL, "who")

    assert (low.outcome, low.reason, low.limit_text) == ("fail", "below_minimum", "0.2 a 5 mg/L")
    assert "mínimo operativo" in low.limit.note and "valor guía de salud" in low.limit.note
    assert edge.outcome == "pass"
    assert high_but_healthy.outcome == "pass"
    assert (too_high.outcome, too_high.reason) == ("fail", "above_maximum")
    # Before 2022 too: the 2017 edition had the same.
    old = judge.evaluate(p("free_chlorine"), "0.1", "mg/L", D(2019, 1, 1), RURAL, "who")
    assert old.outcome == "fail"


def stored_verdict(judge, value: str, **reading) -> Verdict:
    judged = judge.evaluate(p("free_chlorine"), value, "mg/L", DAY, RURAL, "who", **reading)
    return Verdict(outcome=judged.outcome, reason=judged.reason, limit=judged.limit)


def test_who_free_chlorine_is_two_checks_one_per_end(judge):
    def ends(value, **reading):
        verdict = stored_verdict(judge, value, **reading)
        return [(end.bound, end.outcome) for end in range_ends(verdict)]

    assert ends("0.1") == [("≥ 0.2 mg/L", "fail"), ("≤ 5 mg/L", "pass")]
    assert ends("0.5") == [("≥ 0.2 mg/L", "pass"), ("≤ 5 mg/L", "pass")]
    assert ends("6") == [("≥ 0.2 mg/L", "pass"), ("≤ 5 mg/L", "fail")]
    assert ends("6", above_range=True) == [("≥ 0.2 mg/L", "pass"), ("≤ 5 mg/L", "fail")]
    low = range_ends(stored_verdict(judge, "0.1"))[0]
    assert "mínimo operativo" in low.meaning and "no es un valor guía" in low.meaning
    # A range whose ends mean the same thing (the NOM's 0.2–1.5) stays one check.
    nom = judge.evaluate(p("free_chlorine"), "0.1", "mg/L", DAY, RURAL, "nom127")
    assert range_ends(Verdict(outcome=nom.outcome, reason=nom.reason, limit=nom.limit)) == []
    # Not evaluable: neither end is known.
    unknown = Verdict(outcome="not_evaluable", reason="missing_unit", limit=low_limit(judge))
    assert {end.outcome for end in range_ends(unknown)} == {"not_evaluable"}


def low_limit(judge):
    return judge.evaluate(p("free_chlorine"), "0.1", "mg/L", DAY, RURAL, "who").limit


# --- Population exactly 500,000 and the turbidity date: see test_verdicts ---------------------


# --- WHO's sums of ratios ---------------------------------------------------------------------


def reading(code, value, unit, **kwargs):
    return Reading(p(code), Decimal(value) if value is not None else None, unit, **kwargs)


def composite(readings, day=DAY):
    (found,) = composite_judgements(readings, day)
    return found


def test_nitrate_plus_nitrite_fails_when_each_alone_passes():
    # 40/50 + 0.9/3 = 0.8 + 0.3 = 1.1
    found = composite([reading("nitrate", "40", "mg/L NO3"), reading("nitrite", "0.9", "mg/L NO2")])

    assert (found.outcome, found.reason) == ("fail", "")
    assert round(found.high, 2) == Decimal("1.10")
    assert found.version.name == "Guías OMS 4.ª ed. con adendas (2022)"


def test_nitrate_plus_nitrite_converts_nitrogen_to_the_ions():
    # 8 as N = 35.4 as NO3 (0.709); 0.3 as N = 0.985 as NO2 (0.328): 1.04.
    over = composite([reading("nitrate", "8", "mg/L N"), reading("nitrite", "0.3", "mg/L N")])
    under = composite([reading("nitrate", "8", "mg/L N"), reading("nitrite", "0.2", "mg/L N")])

    assert over.outcome == "fail" and round(over.high, 2) == Decimal("1.04")
    assert under.outcome == "pass" and round(under.high, 2) == Decimal("0.93")


def test_a_member_below_detection_counts_as_its_limit_to_pass_and_zero_to_fail():
    passes = composite(
        [
            reading("nitrate", "40", "mg/L NO3"),
            reading("nitrite", "0.3", "mg/L NO2", below_detection=True),
        ]
    )
    unknown = composite(
        [
            reading("nitrate", "40", "mg/L NO3"),
            reading("nitrite", "1.5", "mg/L NO2", below_detection=True),
        ]
    )
    fails = composite(
        [
            reading("nitrate", "55", "mg/L NO3"),
            reading("nitrite", "1.5", "mg/L NO2", below_detection=True),
        ]
    )

    assert (passes.outcome, passes.reason) == ("pass", "detection_limit_counted")
    assert passes.sum_text == "0.80 – 0.90"
    assert (unknown.outcome, unknown.reason) == ("not_evaluable", "below_detection_no_usable_limit")
    assert (fails.outcome, fails.reason) == ("fail", "detection_limit_counted")


def test_a_member_without_a_basis_makes_the_sum_a_range():
    # 5 mg/L nitrate: 0.1 (as NO3) or 0.44 (as N); with nitrite 0.3 as NO2 (0.1).
    clear = composite([reading("nitrate", "5", "mg/L"), reading("nitrite", "0.3", "mg/L NO2")])
    unclear = composite([reading("nitrate", "40", "mg/L"), reading("nitrite", "0.3", "mg/L NO2")])

    assert (clear.outcome, clear.reason) == ("pass", "basis_either_reading")
    assert (unclear.outcome, unclear.reason) == ("not_evaluable", "basis_unstated")


def test_the_four_trihalomethanes_are_summed():
    members = [
        reading("chloroform", "200", "µg/L"),  # 0.667
        reading("bromodichloromethane", "30", "µg/L"),  # 0.5
        reading("bromoform", "5", "µg/L", below_detection=True),  # 0 to 0.05
        reading("dibromochloromethane", "10", "µg/L"),  # 0.1
    ]
    fails = composite(members)
    passes = composite([reading("chloroform", "150", "µg/L"), reading("bromoform", "20", "µg/L")])

    assert (fails.outcome, fails.reason) == ("fail", "detection_limit_counted")
    assert fails.rule.code == "trihalomethanes"
    assert (passes.outcome, round(passes.high, 2)) == ("pass", Decimal("0.70"))


def test_one_member_alone_is_no_composite():
    assert composite_judgements([reading("nitrate", "40", "mg/L NO3")], DAY) == []


def test_before_any_who_edition_on_file_the_sum_is_not_evaluable():
    found = composite(
        [reading("nitrate", "40", "mg/L NO3"), reading("nitrite", "0.9", "mg/L NO2")],
        D(2010, 1, 1),
    )
    assert (found.outcome, found.reason) == ("not_evaluable", "norm_not_on_file")


# --- Reason texts -----------------------------------------------------------------------------


def test_every_reason_code_has_a_spanish_text_for_pages_and_the_judge():
    assert set(REASON_TEXT) <= set(views.REASON_TEXT)
    for code in [
        "basis_unstated",
        "basis_conflict",
        "basis_either_reading",
        "unit_substance_mismatch",
        "below_minimum",
        "above_maximum",
        "population_between_classes",
        "detection_limit_counted",
    ]:
        assert code in REASON_TEXT and code in views.REASON_TEXT
    assert "500 000" in str(views.REASON_TEXT["population_between_classes"])
    assert "no está en el sistema" in str(views.REASON_TEXT["norm_not_on_file"])


# --- Stored results and the sample page -------------------------------------------------------


def sample_with(day, population, *rows):
    locality = Locality.objects.order_by("pk").first()
    locality.population = population
    locality.save()
    sample = make_sample(None, day, locality=locality)
    for text, value, unit, method in rows:
        Result.objects.create(
            sample=sample, parameter_text=text, value=Decimal(value), unit=unit, method=method
        )
    judge_sample(sample)
    return sample


def outcomes(sample, text):
    result = sample.results.get(parameter_text=text)
    return {
        verdict.norm.code: (verdict.outcome, verdict.reason) for verdict in result.verdicts.all()
    }


def test_stored_results_read_the_basis_from_name_method_and_unit():
    sample = sample_with(
        DAY,
        RURAL,
        ("Nitratos (NO3-)", "45", "mg/L", ""),
        ("Nitrito", "2", "mg/L", "Colorimétrico, resultado como NO2"),
        ("Amonio", "0.6", "mg/L", ""),
        ("Nitratos (mg/L N-NO3)", "12", "", ""),
    )

    assert outcomes(sample, "Nitratos (NO3-)") == {"nom127": ("pass", ""), "who": ("pass", "")}
    assert outcomes(sample, "Nitrito")["nom127"] == ("pass", "")
    assert outcomes(sample, "Amonio")["nom127"] == ("not_evaluable", "basis_unstated")
    assert outcomes(sample, "Nitratos (mg/L N-NO3)")["nom127"] == ("fail", "")


def test_the_sample_page_shows_the_chlorine_minimum_the_sum_and_the_missing_who_edition(
    admin_client,
):
    sample = sample_with(
        DAY,
        RURAL,
        ("Cloro residual libre", "0.1", "mg/L", "DPD"),
        ("Nitratos (NO3-)", "40", "mg/L", ""),
        ("Nitritos (NO2-)", "0.9", "mg/L", ""),
    )
    (found,) = sample_composites(sample)
    assert found.outcome == "fail"

    html = admin_client.get(sample.get_absolute_url()).content.decode()

    # WHO's two ends are two checks: the operational minimum fails, the health maximum holds.
    assert (
        '<span class="verdict fail">no cumple</span> ≥ 0.2 mg/L: mínimo operativo de '
        "desinfección de la OMS en el punto de entrega"
    ) in html
    assert (
        '<span class="verdict pass">cumple</span> ≤ 5 mg/L: valor guía de salud de la OMS'
    ) in html
    assert "El valor está por debajo del mínimo." in html  # the NOM's range, one check
    assert "Nitrato + nitrito: suma de cocientes (OMS)" in html
    assert "suma 1.10" in html

    old = sample_with(D(2015, 3, 10), RURAL, ("Cloruros", "300", "mg/L", ""))
    html = admin_client.get(old.get_absolute_url()).content.decode()
    assert "La edición de esta norma o guía vigente en la fecha de la muestra no está" in html
    assert outcomes(old, "Cloruros") == {
        "nom127": ("fail", ""),
        "who": ("not_evaluable", "norm_not_on_file"),
    }


def test_a_parameter_given_a_symbol_by_a_coordinator_accepts_it_in_units():
    from ojodeagua.waterquality.norm_forms import ParameterForm

    potassium = Parameter.objects.create(code="potassium", name="Potasio", unit="mg/L")
    form = ParameterForm(
        data={"name": "Potasio", "symbol": "K", "unit": "mg/L"}, instance=potassium
    )
    assert form.is_valid(), form.errors
    form.save()
    potassium.refresh_from_db()

    assert potassium.reported_bases == ["K"]
    assert reading_bases(potassium, "mg/L K", "") == (["K"], "")
    assert reading_bases(potassium, "mg/L Na", "") == ([], "unit_substance_mismatch")
    grease = Parameter.objects.create(code="grease", name="Grasas y aceites", unit="mg/L")
    form = ParameterForm(data={"name": "Grasas y aceites", "unit": "mg/L"}, instance=grease)
    assert form.is_valid(), form.errors
    assert form.save().reported_bases == []
