"""Each indicator family on inputs built by hand: no database, one rule per test."""

import datetime
import functools
from decimal import Decimal

import pytest

from ojodeagua.books.score import MonthlyBooks
from ojodeagua.indicators import ladders as rungs
from ojodeagua.indicators.catalogue import Code, class_for_score
from ojodeagua.indicators.engine.aggregates import (
    aggregate_system_values,
    municipal_sum_value,
    state_value,
)
from ojodeagua.indicators.engine.families import (
    continuity,
    finance,
    functionality,
    gaps,
    ladders,
    quality,
    scores,
)
from ojodeagua.indicators.engine.values import (
    AreaSum,
    Value,
    locality_value,
    system_value,
    weighted_score,
)

D = datetime.date
MARCH = D(2026, 3, 1)
YEAR = (D(2025, 4, 1), D(2026, 3, 31))
make_system = functools.partial(system_value, system_id=7, municipality_id=70, provider_id=700)
make_locality = functools.partial(locality_value, locality_id=9, municipality_id=70)


def by_code(values):
    return {v.indicator: v for v in values}


def stored_row(system, month, code, value=None, numerator=None, denominator=None, breakdown=None):
    """A stored system value as ``loading.stored_system_values`` gives it."""
    return (None, system, month, code, value, numerator, denominator, breakdown or {})


# Continuity --------------------------------------------------------------------------------
def test_supply_values_are_hours_per_record_and_days_with_water():
    row = {"total_hours": Decimal(240), "records": 31, "wet": 20, "days": 31}
    found = by_code(continuity.supply_values(make_system, MARCH, row, 7))
    assert found[Code.CONTINUITY_HOURS].value == pytest.approx(240 / 31)
    assert (found[Code.CONTINUITY_HOURS].numerator, found[Code.CONTINUITY_HOURS].denominator) == (
        240.0,
        31,
    )
    assert found[Code.DAYS_PER_WEEK].value == pytest.approx(7 * 20 / 31)
    assert found[Code.AVAILABILITY].value == pytest.approx(20 / 31)
    assert found[Code.AVAILABILITY].window_start == MARCH
    assert found[Code.AVAILABILITY].window_end == D(2026, 3, 31)


def test_a_month_without_supply_records_has_no_supply_values():
    assert list(continuity.supply_values(make_system, MARCH, None, 7)) == []


def test_downtime_counts_the_days_without_water_in_the_supply_log_of_the_year():
    months = {D(2026, 2, 1): {"days": 28}, MARCH: {"days": 31}, D(2024, 3, 1): {"days": 31}}
    down = {D(2026, 2, 1): 3, MARCH: 11, D(2024, 3, 1): 30}
    value = continuity.downtime(make_system, MARCH, YEAR, 7, months, down, [], 30)
    assert (value.numerator, value.denominator, value.label) == (14, 59, "reliable")
    assert value.breakdown == {"from": "supply_log"}
    value = continuity.downtime(make_system, MARCH, YEAR, 7, months, down, [], 14)
    assert value.label == "unreliable"


def test_downtime_falls_back_to_the_visits_of_the_year():
    visits = [
        {"id": 1, "observed_on": D(2025, 3, 31), "downtime_days": 50},
        {"id": 2, "observed_on": D(2025, 10, 2), "downtime_days": 5},
        {"id": 3, "observed_on": D(2026, 3, 10), "downtime_days": 4},
    ]
    value = continuity.downtime(make_system, MARCH, YEAR, 7, {}, {}, visits, 30)
    assert (value.numerator, value.denominator) == (9, 365)
    assert value.breakdown == {"from": "visits"}
    assert value.sources[0]["filter"] == {"id__in": [2, 3]}


def test_no_supply_log_and_no_visit_means_no_downtime():
    assert continuity.downtime(make_system, MARCH, YEAR, 7, {}, {}, [], 30) is None


# Functionality -----------------------------------------------------------------------------
WORKING = {"id": 5, "observed_on": D(2026, 3, 10), "working": True, "flow_lps": Decimal("2.5")}
RELIABLE = make_system(Code.DOWNTIME, MARCH, 3.0, YEAR, numerator=3, denominator=365)
CLEAN = {"microbial": [(D(2026, 3, 12), True)], "arsenic": [(D(2026, 3, 12), True)]}


def share_rule(minimum) -> functionality.FlowRule:
    """The design-yield rule of a piped system, with the flow it asks for already worked out."""
    return functionality.FlowRule(
        "design_flow_share", None if minimum is None else Decimal(str(minimum))
    )


@pytest.mark.parametrize(
    "visit, rule, downtime, latest, expected",
    [
        ({**WORKING, "working": False}, share_rule(2), RELIABLE, CLEAN, (0, "not_working")),
        (
            {**WORKING, "flow_lps": Decimal(1)},
            share_rule(2),
            RELIABLE,
            CLEAN,
            (1, "below_design_yield"),
        ),
        ({**WORKING, "flow_lps": None}, share_rule(2), RELIABLE, CLEAN, (1, "no_flow_measure")),
        (WORKING, share_rule(None), RELIABLE, CLEAN, (1, "no_design_yield")),
        (WORKING, share_rule(2), None, CLEAN, (2, "no_downtime_record")),
        (
            WORKING,
            share_rule(2),
            make_system(Code.DOWNTIME, MARCH, 30.0, YEAR, numerator=30, denominator=365),
            CLEAN,
            (2, "unreliable"),
        ),
        (WORKING, share_rule(2), RELIABLE, {}, (3, "no_microbial_test")),
        (
            WORKING,
            share_rule(2),
            RELIABLE,
            {"microbial": [(D(2026, 1, 5), True), (D(2026, 3, 12), False)]},
            (3, "microbial_failed"),
        ),
        (
            WORKING,
            share_rule(2),
            RELIABLE,
            {**CLEAN, "arsenic": [(D(2026, 3, 12), False)]},
            (3, "arsenic_failed"),
        ),
        (WORKING, share_rule(2), RELIABLE, CLEAN, (4, "")),
        # A test older than the year does not count.
        (
            WORKING,
            share_rule(2),
            RELIABLE,
            {"microbial": [(D(2025, 3, 1), True)]},
            (3, "no_microbial_test"),
        ),
    ],
)
def test_the_tier_stops_at_the_first_rung_the_system_misses(
    visit, rule, downtime, latest, expected
):
    assert functionality.functionality_tier(visit, rule, downtime, 30, latest, YEAR) == expected


SETTINGS = {"design_flow_share": 0.8, "point_min_flow_lpm": 10}


def test_each_kind_of_system_has_one_t2_rule():
    # Point sources (wells and springs with one outlet): 10 L/min, whatever the design yield.
    for design in (Decimal(2), None):
        rule = functionality.flow_rule("point", design, SETTINGS)
        assert rule == functionality.FlowRule("point_min_flow", Decimal(10) / 60)
    # Networks and the other kinds: the share of the design yield, none without one.
    assert functionality.flow_rule("gravity", Decimal(2), SETTINGS) == functionality.FlowRule(
        "design_flow_share", Decimal("1.6")
    )
    assert functionality.flow_rule("kiosk", None, SETTINGS).minimum_lps is None
    # Both figures are data.
    edited = {"design_flow_share": 0.5, "point_min_flow_lpm": 12}
    assert functionality.flow_rule("pumped", Decimal(2), edited).minimum_lps == Decimal("1.0")
    assert functionality.flow_rule("point", None, edited).minimum_lps == Decimal("0.2")


@pytest.mark.parametrize(
    "kind, design, flow, expected",
    [
        # A point source: 10 L/min is 0.1666... L/s; readings are kept to two decimals.
        ("point", None, Decimal("0.17"), (4, "")),
        ("point", Decimal("5"), Decimal("0.17"), (4, "")),
        ("point", None, Decimal("0.16"), (1, "below_point_min_flow")),
        ("point", None, Decimal(10) / 60, (4, "")),
        # A piped system: 80 % of a design yield of 2 L/s is 1.6 L/s.
        ("gravity", Decimal(2), Decimal("1.6"), (4, "")),
        ("gravity", Decimal(2), Decimal("1.59"), (1, "below_design_yield")),
        ("pumped", Decimal(2), Decimal("0.17"), (1, "below_design_yield")),
        ("pumped", None, Decimal("3"), (1, "no_design_yield")),
    ],
)
def test_t2_on_both_sides_of_each_kinds_threshold(kind, design, flow, expected):
    rule = functionality.flow_rule(kind, design, SETTINGS)
    visit = {**WORKING, "flow_lps": flow}
    assert functionality.functionality_tier(visit, rule, RELIABLE, 30, CLEAN, YEAR) == expected


def test_the_tier_value_reads_the_latest_visit_of_the_year():
    visits = [{**WORKING, "id": 4, "observed_on": D(2025, 12, 1), "working": False}, WORKING]
    value = functionality.tier_value(
        make_system, MARCH, YEAR, 7, visits, share_rule("1.6"), RELIABLE, 30, CLEAN
    )
    assert (value.value, value.label, value.denominator) == (4.0, "T4", 4)
    assert value.breakdown == {
        "visit_date": "2026-03-10",
        "stops_at": "",
        "flow_rule": "design_flow_share",
        "minimum_flow_lps": 1.6,
        "flow_lps": 2.5,
    }
    assert [s["model"] for s in value.sources] == ["monitoring.systemvisit", "waterquality.verdict"]
    later = functionality.tier_value(
        make_system,
        D(2027, 4, 1),
        (D(2026, 5, 1), D(2027, 4, 30)),
        7,
        visits,
        share_rule(None),
        None,
        30,
        {},
    )
    assert later is None


def test_the_tier_value_names_the_point_rule_that_held_it_at_t1():
    visit = {**WORKING, "flow_lps": Decimal("0.1")}
    rule = functionality.flow_rule("point", None, SETTINGS)
    value = functionality.tier_value(make_system, MARCH, YEAR, 7, [visit], rule, RELIABLE, 30, {})
    assert value.label == "T1"
    assert value.breakdown["stops_at"] == "below_point_min_flow"
    assert value.breakdown["flow_rule"] == "point_min_flow"
    # A point source's flows read in litres per minute, the unit of its rule.
    assert (value.breakdown["minimum_flow_lpm"], value.breakdown["flow_lpm"]) == (10.0, 6.0)


# Quality -----------------------------------------------------------------------------------
def test_compliance_is_the_share_of_passing_verdicts_per_group_and_parameter():
    verdicts = {"e_coli": [2, 1], "thermotolerant_coliforms": [1, 0], "free_chlorine": [0, 2]}
    chlorinates = {"chlorinates": "yes", "surface": "no"}
    found = by_code(quality.compliance_values(make_system, MARCH, 7, verdicts, chlorinates))
    assert (found[Code.MICROBIAL].numerator, found[Code.MICROBIAL].denominator) == (3, 4)
    assert found[Code.CHLORINE].value == 0.0
    assert found[f"{Code.NOM_PREFIX}e_coli"].value == pytest.approx(2 / 3)
    assert set(found) == {
        Code.MICROBIAL,
        Code.CHLORINE,
        f"{Code.NOM_PREFIX}e_coli",
        f"{Code.NOM_PREFIX}thermotolerant_coliforms",
        f"{Code.NOM_PREFIX}free_chlorine",
    }


def test_microbial_counts_add_up_several_months():
    assert quality.microbial_counts([{"e_coli": [2, 1]}, {}, {"e_coli": [1, 0]}]) == (3, 4)


def test_water_is_free_of_contamination_when_the_latest_tests_of_the_year_pass():
    history = [
        (D(2025, 6, 1), False, "e_coli"),
        (D(2026, 1, 1), True, "e_coli"),
        (D(2026, 1, 1), True, "arsenic"),
    ]
    assert quality.free_of_contamination(history, D(2026, 3, 20)) is True
    assert quality.free_of_contamination(history, D(2025, 12, 1)) is False
    assert quality.free_of_contamination([(D(2026, 1, 1), True, "arsenic")], MARCH) is None
    assert (
        quality.free_of_contamination([*history, (D(2026, 2, 1), False, "arsenic")], MARCH) is False
    )


def test_an_ecoli_failure_counts_within_its_reach_before_or_after():
    history = [(D(2026, 6, 1), False, "e_coli"), (D(2026, 1, 1), False, "arsenic")]
    reach = datetime.timedelta(days=90)
    assert quality.ecoli_failed_near(history, D(2026, 3, 20), reach)
    assert not quality.ecoli_failed_near(history, D(2026, 1, 1), reach)


# Ladders -----------------------------------------------------------------------------------
def survey(id_, size, **answers):
    base = {
        "id": id_,
        "locality_id": 9,
        "system_id": 7,
        "observed_on": D(2026, 3, 20),
        "household_size": size,
        "water_source": "piped_dwelling",
        "water_on_premises": True,
        "collection_minutes": None,
        "sufficient_last_month": "yes",
        "toilet": "flush_septic",
        "toilet_shared": False,
        "excreta_disposal": "contained",
        "handwashing": "fixed",
        "handwashing_water": True,
        "handwashing_soap": True,
        "water_has_problem": "no",
        "days_with_water_last_week": 7,
    }
    base.update(answers)
    return base


def test_a_household_is_safely_managed_only_with_a_clean_latest_test():
    clean = [(D(2026, 3, 12), True, "e_coli")]
    reach = datetime.timedelta(days=90)
    found = ladders.classify_household(survey(1, 5), clean, {}, 4, reach)
    assert found == {
        "water": "safely_managed",
        "water_criteria": {"on_premises": True, "available": True, "free_of_contamination": True},
        "sanitation": "safely_managed",
        "hygiene": "basic",
        "no_problem": True,
        "ecoli_failed": False,
        "few_days": False,
    }
    # No test of its water: not "basic", unknown (it is basic or better, nobody knows which).
    untested = ladders.classify_household(survey(1, 5), [], {}, 4, reach)
    assert untested["water"] == "unknown"
    assert untested["water_criteria"]["free_of_contamination"] is None
    dirty = ladders.classify_household(
        survey(1, 5), [(D(2026, 3, 12), False, "e_coli")], {}, 4, reach
    )
    assert dirty["water"] == "basic"


def test_few_days_come_from_the_answer_or_from_the_supply_log_of_the_month():
    reach = datetime.timedelta(days=90)
    said = ladders.classify_household(survey(1, 5, days_with_water_last_week=2), [], {}, 4, reach)
    assert said["few_days"]
    measured = {(7, MARCH, Code.DAYS_PER_WEEK): stored_row(7, MARCH, Code.DAYS_PER_WEEK, 3.5)}
    logged = ladders.classify_household(survey(1, 5), [], measured, 4, reach)
    assert logged["few_days"]


def criteria(on_premises=True, available=True, free=True):
    return {"on_premises": on_premises, "available": available, "free_of_contamination": free}


def test_ladders_count_people_not_households():
    surveys = [survey(1, 5), survey(2, 3)]
    classified = {
        1: {
            "water": "safely_managed",
            "water_criteria": criteria(),
            "sanitation": "basic",
            "hygiene": "basic",
        },
        2: {
            "water": "basic",
            "water_criteria": criteria(on_premises=False),
            "sanitation": "open_defecation",
            "hygiene": "no_facility",
        },
    }
    found = ladders.household_ladders(make_locality, MARCH, surveys, classified, {})
    values = by_code(found.values)
    assert values["jmp_water"].breakdown["safely_managed"] == 5
    # 8 of 8 use an improved source; on premises 5 of 8, the lowest criterion.
    assert (values["jmp_water"].numerator, values["jmp_water"].denominator) == (5, 8)
    assert values["jmp_sanitation"].label == "basic"
    assert values["jmp_sanitation"].value == 0.0
    assert (found.safe_share, found.basic_share) == (5 / 8, 1.0)
    assert ladders.household_ladders(make_locality, MARCH, [], {}, {}).values == []


HEALTH_CARE_NOT_ASKED = dict.fromkeys(
    (
        "toilets_improved",
        "toilets_usable",
        "toilets_single_sex",
        "water_source_distance_m",
        "toilet_for_staff",
        "toilet_menstrual_hygiene",
        "toilet_accessible",
        "hand_hygiene_at_care_points",
        "hand_hygiene_near_toilets",
        "waste_segregated",
        "waste_treated_safely",
        "cleaning_protocol",
        "cleaning_staff_trained",
    )
)


def answers(**changes):
    base = dict(
        water_source="public_tap",
        water_on_premises=False,
        collection_minutes=None,
        sufficient_last_month="yes",
        toilet="vip",
        toilet_shared=False,
        excreta_disposal="contained",
        handwashing="fixed",
        handwashing_water=True,
        handwashing_soap=True,
        water_free_of_contamination=True,
    )
    base.update(changes)
    return rungs.HouseholdAnswers(**base)


@pytest.mark.parametrize(
    ("changes", "rung"),
    [
        # Off the premises: the round trip decides basic or limited; unknown is not limited.
        ({"collection_minutes": None}, "unknown"),
        ({"collection_minutes": 30}, "basic"),
        ({"collection_minutes": 31}, "limited"),
        # On the premises: safely managed needs enough water and a clean test; a missing
        # answer or a missing test leaves it unknown, a "no" makes it basic.
        ({"water_on_premises": True}, "safely_managed"),
        ({"water_on_premises": True, "water_free_of_contamination": None}, "unknown"),
        ({"water_on_premises": True, "water_free_of_contamination": False}, "basic"),
        ({"water_on_premises": True, "sufficient_last_month": "unknown"}, "unknown"),
        ({"water_on_premises": True, "sufficient_last_month": "no"}, "basic"),
        ({"water_source": "piped_yard", "water_free_of_contamination": None}, "unknown"),
        ({"water_source": "unprotected_well", "collection_minutes": None}, "unimproved"),
        ({"water_source": "surface", "collection_minutes": None}, "surface_water"),
    ],
)
def test_a_missing_answer_or_test_is_unknown_never_a_lower_rung(changes, rung):
    assert rungs.water_rung(answers(**changes)) == rung


@pytest.mark.parametrize(
    ("changes", "rung"),
    [
        ({}, "safely_managed"),
        ({"excreta_disposal": "unknown"}, "unknown"),
        # What decides the rung is known: the missing disposal answer does not matter.
        ({"excreta_disposal": "unknown", "toilet_shared": True}, "limited"),
        ({"excreta_disposal": "unknown", "toilet": "pit_no_slab"}, "unimproved"),
        ({"excreta_disposal": "unknown", "toilet": "none"}, "open_defecation"),
    ],
)
def test_sanitation_with_an_unknown_disposal_is_unknown_never_basic(changes, rung):
    assert rungs.sanitation_rung(answers(**changes)) == rung


def test_the_sanitation_share_counts_only_people_whose_rung_is_known():
    surveys = [survey(1, 5), survey(2, 3), survey(3, 2)]
    sanitation = {1: "safely_managed", 2: "unknown", 3: "basic"}
    classified = {
        id_: {
            "water": "basic",
            "water_criteria": criteria(),
            "sanitation": rung,
            "hygiene": "basic",
        }
        for id_, rung in sanitation.items()
    }
    found = ladders.household_ladders(make_locality, MARCH, surveys, classified, {})
    value = by_code(found.values)["jmp_sanitation"]
    assert value.breakdown["unknown"] == 3
    assert (value.numerator, value.denominator, value.value) == (5, 7, 5 / 7)
    # Everyone unknown: no figure, not 0 %.
    nobody = {id_: {**row, "sanitation": "unknown"} for id_, row in classified.items()}
    found = ladders.household_ladders(make_locality, MARCH, surveys, nobody, {})
    assert by_code(found.values)["jmp_sanitation"].value is None


def test_safely_managed_is_the_jmp_minimum_of_three_criteria_among_improved_users():
    people = [
        (4, rungs.safely_managed_criteria(answers(water_on_premises=True))),
        (3, rungs.safely_managed_criteria(answers(water_free_of_contamination=None))),
        (2, rungs.safely_managed_criteria(answers(sufficient_last_month="unknown"))),
        (1, rungs.safely_managed_criteria(answers(water_source="surface"))),
    ]
    counts = rungs.criteria_counts(people)
    assert counts == {
        "improved": 9,
        "on_premises": 4,
        "on_premises_known": 9,
        "available": 7,
        "available_known": 7,
        "free_of_contamination": 6,
        "free_of_contamination_known": 6,
    }
    # 9 of 10 use an improved source × min(4/9 on premises, 7/7 enough, 6/6 clean).
    assert rungs.safely_managed_share(counts, 10) == pytest.approx(0.9 * 4 / 9)
    # Nobody whose water was tested: the estimate cannot be made, it is not zero.
    untested = {**counts, "free_of_contamination": 0, "free_of_contamination_known": 0}
    assert rungs.safely_managed_share(untested, 10) is None
    # Nobody with an improved source: nobody is safely managed, and that is known.
    assert rungs.safely_managed_share(rungs.criteria_counts([(1, None)]), 1) == 0.0
    assert rungs.safely_managed_share(counts, 0) is None


def test_unknown_is_its_own_share_and_the_figure_is_the_jmp_estimate():
    surveys = [survey(1, 4), survey(2, 3), survey(3, 2), survey(4, 1)]
    classified = {
        1: {"water": "safely_managed", "water_criteria": criteria()},
        # On the premises but untested: unknown rung, yet basic or better.
        2: {"water": "unknown", "water_criteria": criteria(free=None)},
        # Off the premises, round trip not known: unknown, and not known to be basic.
        3: {"water": "unknown", "water_criteria": criteria(on_premises=False)},
        4: {"water": "limited", "water_criteria": criteria(on_premises=False)},
    }
    for rows in classified.values():
        rows.update(sanitation="basic", hygiene="basic")
    found = ladders.household_ladders(make_locality, MARCH, surveys, classified, {}, "nom127")
    water = by_code(found.values)["jmp_water"]
    assert water.breakdown["unknown"] == 5
    assert water.breakdown["limited"] == 1
    assert water.breakdown["basic"] == 0
    assert water.breakdown["norm"] == "nom127"
    # 10 of 10 improved × min(7/10 on premises, 10/10 enough, 7/7 clean) = 0.7.
    assert water.value == pytest.approx(0.7)
    assert (water.numerator, water.denominator) == (pytest.approx(7), 10)
    assert found.safe_share == pytest.approx(0.7)
    # At least basic: 4 + 3 of the 8 people whose rung is known to be basic or not.
    assert found.basic_share == pytest.approx(7 / 8)
    # No household's water tested: the estimate cannot be made; it is not zero.
    for rows in classified.values():
        rows["water_criteria"] = {**rows["water_criteria"], "free_of_contamination": None}
    untested = ladders.household_ladders(make_locality, MARCH, surveys, classified, {})
    water = by_code(untested.values)["jmp_water"]
    assert (water.value, water.numerator, water.denominator) == (None, None, 10)
    assert untested.safe_share is None


def test_an_institution_counts_with_its_latest_survey_of_the_year():
    rows = {
        1: [
            {
                **HEALTH_CARE_NOT_ASKED,
                "id": 10,
                "observed_on": D(2025, 1, 5),
                "water_source_improved": True,
                "water_on_premises": True,
                "water_available": True,
            },
            {
                **HEALTH_CARE_NOT_ASKED,
                "id": 11,
                "observed_on": D(2025, 9, 5),
                "water_source_improved": True,
                "water_on_premises": False,
                # Within 500 m of the premises: limited (more than 500 m would be no service).
                "water_source_distance_m": 300,
                "water_available": True,
            },
        ]
    }
    found = ladders.institution_rungs(
        rows, {1: 70}, [D(2025, 1, 1), MARCH, D(2026, 9, 1)], ladders.health_centre_rungs, "m"
    )
    assert found[(70, D(2025, 1, 1))]["jmp_health_water"]["rungs"] == {"basic": 1}
    assert found[(70, MARCH)]["jmp_health_water"]["rungs"] == {"limited": 1}
    assert found[(70, MARCH)]["jmp_health_water"]["ids"] == [11]
    assert (70, D(2026, 9, 1)) not in found


# Gaps --------------------------------------------------------------------------------------
def test_the_perception_gap_counts_households_without_complaint_that_the_data_contradict():
    surveys = [survey(1, 5), survey(2, 3), survey(3, 2, water_has_problem="yes")]
    classified = {
        1: {"no_problem": True, "ecoli_failed": True, "few_days": False},
        2: {"no_problem": True, "ecoli_failed": False, "few_days": False},
        3: {"no_problem": False, "ecoli_failed": True, "few_days": True},
    }
    value = gaps.perception_gap(make_locality, MARCH, 9, surveys, classified, 4)
    assert (value.value, value.numerator, value.denominator) == (0.5, 1, 2)
    assert value.breakdown == {
        "surveyed": 3,
        "no_problem": 2,
        "ecoli_failed": 1,
        "few_days": 0,
        "min_days_per_week": 4,
    }
    everyone_complains = {n: {**c, "no_problem": False} for n, c in classified.items()}
    assert gaps.perception_gap(make_locality, MARCH, 9, surveys, everyone_complains, 4) is None


def tiers(**by_system):
    return {
        (int(name[1:]), MARCH, Code.FUNCTIONALITY): stored_row(
            int(name[1:]), MARCH, Code.FUNCTIONALITY, float(tier)
        )
        for name, tier in by_system.items()
    }


def test_service_gaps_take_people_on_record_down_to_those_served_well():
    # 400 people, 4 per household. Systems 1 to 4 (T4, T3, T2, T1) serve 20 households each
    # (80 people); system 5, with no tier that month, serves 40 (160): 480 on record, capped
    # at the population.
    links = [(1, 20), (2, 20), (3, 20), (4, 20), (5, 40)]
    stored = tiers(s1=4, s2=3, s3=2, s4=1)
    found = gaps.service_gaps(make_locality, MARCH, 9, 400, 4.0, links, stored, None, False, {})
    values = by_code(found.values)
    assert values[Code.GAP_RECORD].numerator == 400
    assert values[Code.GAP_RECORD].value == 1.0
    assert values[Code.GAP_WORKING].numerator == 320
    assert values[Code.GAP_RELIABLE].numerator == 160
    assert values[Code.GAP_SAFE].numerator == 80
    assert values[Code.GAP_SAFE].label == "estimate"
    assert (found.on_record, found.system_ids) == (400, [1, 2, 3, 4, 5])


def test_surveys_give_the_safe_share_when_no_tier_is_known():
    found = gaps.service_gaps(make_locality, MARCH, 9, 400, 4.0, [(1, 60)], {}, 0.25, True, {})
    values = by_code(found.values)
    assert set(values) == {Code.GAP_RECORD, Code.GAP_SAFE}
    assert (values[Code.GAP_SAFE].numerator, values[Code.GAP_SAFE].label) == (100.0, "")
    assert (
        gaps.service_gaps(make_locality, MARCH, 9, 400, 4.0, [(1, 60)], {}, None, False, {}) is None
    )


# Scores ------------------------------------------------------------------------------------
def test_missing_components_drop_out_of_the_weighted_score():
    assert weighted_score({"a": 1.0, "b": None, "c": 0.0}, {"a": 3, "c": 1}) == 0.75
    assert weighted_score({"a": None}, {}) is None


def test_the_system_score_weighs_tier_continuity_seasonality_and_quality():
    months = [
        {"total_hours": Decimal(280), "records": 28, "wet": 25},
        {"total_hours": Decimal(240), "records": 31, "wet": 20},
    ]
    components = scores.system_components(3, months, (3, 4))
    assert components == {
        "functionality": 0.75,
        "continuity": pytest.approx(520 / 59 / 24),
        "seasonality": pytest.approx(20 / 31),
        "quality": 0.75,
    }
    value = scores.system_score(make_system, MARCH, 7, components, {"functionality": 0})
    expected = (520 / 59 / 24 + 20 / 31 + 0.75) / 3
    assert value.value == pytest.approx(expected)
    assert value.label == "C"
    assert scores.system_components(None, [], (0, 0)) == dict.fromkeys(
        ("functionality", "continuity", "seasonality", "quality")
    )


def test_a_place_gets_its_systems_service_weighted_by_households():
    stored = {
        (1, MARCH, Code.SCORE): stored_row(1, MARCH, Code.SCORE, breakdown={"quality": 1.0}),
        (2, MARCH, Code.SCORE): stored_row(
            2, MARCH, Code.SCORE, breakdown={"quality": 0.0, "continuity": 0.5}
        ),
    }
    found = scores.served_components(stored, [(1, 30), (2, 10), (3, 50)], MARCH)
    assert found == {"quality": 0.75, "continuity": 0.5}
    value = scores.locality_score(make_locality, MARCH, 9, 0.5, found, {}, [1, 2, 3], None)
    assert value.value == pytest.approx((0.5 + 0.75 + 0.5) / 3)
    assert len(value.sources) == 2


def test_the_provider_score_weighs_service_and_capped_finances():
    service = Value(
        Code.SCORE, "provider", 700, MARCH, *YEAR, 0.6, numerator=1.2, denominator=2, sources=[]
    )
    finance = {Code.COLLECTION: 1.4, Code.COST_COVERAGE: 0.5}
    value = scores.provider_score(service, finance, {"service": 1, "finance": 1}, {})
    assert value.breakdown == {"service": 0.6, "finance": 0.75, "systems": 2}
    assert value.value == pytest.approx(0.675)
    assert scores.provider_score(service, {}, {}, {}).value == 0.6
    zero = scores.provider_score(service, finance, {"service": 0, "finance": 0}, {})
    assert zero.value == 0.6


# Scores at SIASAR's class boundaries (0.4, 0.7, 0.9), through the real score functions --------
def month_of(tenths: int, hours: int | None = None) -> dict:
    """A 30-day month whose continuity and seasonality are both ``tenths`` / 10."""
    return {"total_hours": Decimal(hours or 72 * tenths), "records": 30, "wet": 3 * tenths}


@pytest.mark.parametrize(
    "tenths, at, below",
    [(9, "A", "B"), (7, "B", "C"), (4, "C", "D")],
)
def test_a_system_score_exactly_at_a_boundary_gets_the_class_above_it(tenths, at, below):
    # Three components of exactly 0.7 averaged in binary floating point are 0.6999999999999998.
    components = scores.system_components(None, [month_of(tenths)], (tenths, 10))
    score = scores.system_score(make_system, MARCH, 7, components, {})
    assert (score.value, score.label) == (tenths / 10, at)

    just_below = scores.system_components(None, [month_of(tenths)], (10 * tenths - 1, 100))
    score = scores.system_score(make_system, MARCH, 7, just_below, {})
    assert score.value < tenths / 10
    assert score.label == below


@pytest.mark.parametrize(
    "share, expected",
    [(0.9, "A"), (0.89, "B"), (0.7, "B"), (0.69, "C"), (0.4, "C"), (0.39, "D")],
)
def test_a_locality_score_at_and_below_each_boundary(share, expected):
    stored = {
        (n, MARCH, Code.SCORE): stored_row(
            n,
            MARCH,
            Code.SCORE,
            breakdown={"continuity": share, "seasonality": share, "quality": share},
        )
        for n in (1, 2, 3)
    }
    served = scores.served_components(stored, [(1, 30), (2, 10), (3, 50)], MARCH)
    value = scores.locality_score(make_locality, MARCH, 9, share, served, {}, [1, 2, 3], {})
    assert (value.value, value.label) == (share, expected)


@pytest.mark.parametrize(
    "share, expected",
    [(0.9, "A"), (0.89, "B"), (0.7, "B"), (0.69, "C"), (0.4, "C"), (0.39, "D")],
)
def test_a_provider_score_at_and_below_each_boundary(share, expected):
    service = Value(Code.SCORE, "provider", 700, MARCH, *YEAR, share, denominator=1, sources=[])
    finance = {Code.COLLECTION: share, Code.COST_COVERAGE: share}
    value = scores.provider_score(service, finance, {}, {})
    assert (value.value, value.label) == (share, expected)


def test_an_area_score_of_systems_at_a_boundary_is_in_the_class_above():
    stored = {(n, MARCH, Code.SCORE): stored_row(n, MARCH, Code.SCORE, 0.7) for n in (1, 2, 3)}
    found = by_code(aggregate_system_values(stored, [1, 2, 3], MARCH, "municipality", 70, 70, None))
    assert (found[Code.SCORE].value, found[Code.SCORE].label) == (0.7, "B")
    # The state adds its municipalities' sums up: 2.0999999999999996 ÷ 3 is 0.7 too.
    total = AreaSum(numerator=0.7 + 0.7 + 0.7, denominator=3, count=1)
    state = state_value(Code.SCORE, 1, MARCH, total, None, 4, [70])
    assert (state.value, state.label) == (0.7, "B")
    below = AreaSum(numerator=0.7 + 0.7 + 0.69, denominator=3, count=1)
    assert state_value(Code.SCORE, 1, MARCH, below, None, 4, [70]).label == "C"


@pytest.mark.parametrize(
    "score, expected",
    [
        (1.0, "A"),
        (0.9, "A"),
        (0.8999, "B"),
        (0.7, "B"),
        (0.6999999999999998, "B"),  # binary noise of 0.7
        (0.6999, "C"),
        (0.4000000000000001, "C"),
        (0.4, "C"),
        (0.3999, "D"),
        (0.0, "D"),
    ],
)
def test_class_for_score_at_the_boundaries(score, expected):
    assert class_for_score(score) == expected


def test_a_locality_without_household_surveys_has_no_accessibility_component():
    served = {"continuity": 0.5, "seasonality": 0.8, "quality": 0.2}
    value = scores.locality_score(make_locality, MARCH, 9, None, served, {}, [1], None)
    # Accessibility drops out (infrastructure on record does not stand in for it).
    assert value.value == pytest.approx(0.5)
    assert value.breakdown == {**served, "accessibility": "no_household_survey"}
    assert [s["model"] for s in value.sources] == [
        "watersystems.servedlocality",
        "indicators.indicatorvalue",
    ]
    # With a survey, accessibility counts.
    surveyed = scores.locality_score(make_locality, MARCH, 9, 1.0, served, {}, [1], {"m": 1})
    assert surveyed.value == pytest.approx(0.625)
    assert surveyed.breakdown["accessibility"] == 1.0
    # Nothing known at all: no score.
    assert scores.locality_score(make_locality, MARCH, 9, None, {}, {}, [1], None) is None


# Finance -----------------------------------------------------------------------------------
def test_finance_reads_the_year_or_the_months_since_the_books_began():
    books = MonthlyBooks(
        first_month=D(2026, 1, 1),
        last_month=MARCH,
        charged={D(2026, 1, 1): Decimal(100), MARCH: Decimal(100)},
        collected={D(2026, 1, 1): Decimal(90), MARCH: Decimal(60)},
        income={MARCH: Decimal(150)},
        expenses={D(2026, 2, 1): Decimal(300)},
        reserve_moved={D(2026, 1, 1): Decimal(200)},
    )
    found = by_code(finance.finance_values(books, MARCH, 700, 70))
    assert found[Code.COLLECTION].value == 0.75
    assert (found[Code.COLLECTION].window_start, found[Code.COLLECTION].window_end) == (
        D(2026, 1, 1),
        D(2026, 3, 31),
    )
    assert found[Code.COST_COVERAGE].value == 0.5
    assert (found[Code.RESERVE_MONTHS].numerator, found[Code.RESERVE_MONTHS].denominator) == (
        200.0,
        100.0,
    )
    january = by_code(finance.finance_values(books, D(2026, 1, 1), 700, 70))
    assert set(january) == {Code.COLLECTION}


# Aggregates --------------------------------------------------------------------------------
def test_areas_add_up_their_systems_stored_values():
    stored = {
        **tiers(s1=4, s2=1, s3=0),
        (1, MARCH, Code.CONTINUITY_HOURS): stored_row(1, MARCH, "", 10, 300, 30),
        (2, MARCH, Code.CONTINUITY_HOURS): stored_row(2, MARCH, "", 2, 60, 30),
        (1, MARCH, Code.SCORE): stored_row(1, MARCH, "", 0.9),
        (2, MARCH, Code.SCORE): stored_row(2, MARCH, "", 0.5),
    }
    found = by_code(aggregate_system_values(stored, [1, 2, 3], MARCH, "municipality", 70, 70, None))
    assert (found[Code.WORKING_SHARE].numerator, found[Code.WORKING_SHARE].denominator) == (2, 3)
    assert found[Code.RELIABLE_SHARE].numerator == 1
    assert found[Code.WORKING_SHARE].breakdown == {"T0": 1, "T1": 1, "T2": 0, "T3": 0, "T4": 1}
    assert found[Code.CONTINUITY_HOURS].value == 6.0
    assert found[Code.SCORE].value == pytest.approx(0.7)
    assert found[Code.SCORE].label == "B"
    assert Code.MICROBIAL not in found


def test_chlorine_counts_only_where_the_system_chlorinates():
    verdicts = {"free_chlorine": [1, 1], "e_coli": [1, 0]}
    counted = by_code(
        quality.compliance_values(
            make_system, MARCH, 7, verdicts, {"chlorinates": "yes", "surface": "no"}
        )
    )
    assert (counted[Code.CHLORINE].numerator, counted[Code.CHLORINE].denominator) == (1, 2)
    assert counted[Code.CHLORINE].breakdown == {}
    for answer, reason in (("no", "does_not_chlorinate"), ("unknown", "chlorination_unknown")):
        found = by_code(
            quality.compliance_values(
                make_system, MARCH, 7, verdicts, {"chlorinates": answer, "surface": "no"}
            )
        )
        for code in (Code.CHLORINE, f"{Code.NOM_PREFIX}free_chlorine"):
            assert (found[code].value, found[code].numerator, found[code].denominator) == (
                None,
                None,
                None,
            )
            assert found[code].breakdown == {"left_out": reason, "readings": 2}
        # E. coli counts in every system.
        assert found[Code.MICROBIAL].value == 1.0


def test_giardia_and_microcystin_count_only_in_surface_sources():
    verdicts = {"giardia": [0, 1], "microcystin_lr": [1, 0]}
    surface = by_code(
        quality.compliance_values(make_system, MARCH, 7, verdicts, {"surface": "yes"})
    )
    assert surface[f"{Code.NOM_PREFIX}giardia"].value == 0.0
    assert surface[f"{Code.NOM_PREFIX}microcystin_lr"].value == 1.0
    for answer, reason in (("no", "not_surface"), ("unknown", "surface_unknown")):
        found = by_code(
            quality.compliance_values(make_system, MARCH, 7, verdicts, {"surface": answer})
        )
        assert found[f"{Code.NOM_PREFIX}giardia"].value is None
        assert found[f"{Code.NOM_PREFIX}giardia"].breakdown["left_out"] == reason
        assert found[f"{Code.NOM_PREFIX}microcystin_lr"].breakdown["left_out"] == reason


def test_a_state_names_only_the_first_systems_it_left_out_and_counts_the_rest():
    from ojodeagua.indicators.engine.aggregates import LEFT_OUT_NAMED

    many = LEFT_OUT_NAMED + 5
    stored = {
        (n, MARCH, Code.CHLORINE): stored_row(
            n, MARCH, Code.CHLORINE, None, breakdown={"left_out": "does_not_chlorinate"}
        )
        for n in range(1, many + 1)
    }
    state = by_code(
        aggregate_system_values(stored, list(range(1, many + 1)), MARCH, "state", 1, None, None)
    )[Code.CHLORINE]
    assert state.breakdown["left_out_does_not_chlorinate"] == many
    assert len(state.breakdown["left_out_systems"]) == LEFT_OUT_NAMED
    assert state.breakdown["left_out_systems"][0] == [1, "does_not_chlorinate"]
    assert state.breakdown["unnamed_left_out"] == 5
    exactly = by_code(
        aggregate_system_values(
            stored, list(range(1, LEFT_OUT_NAMED + 1)), MARCH, "state", 1, None, None
        )
    )[Code.CHLORINE]
    assert len(exactly.breakdown["left_out_systems"]) == LEFT_OUT_NAMED
    assert "unnamed_left_out" not in exactly.breakdown


def test_an_area_chlorine_figure_keeps_the_systems_it_left_out():
    stored = {
        (1, MARCH, Code.CHLORINE): stored_row(1, MARCH, Code.CHLORINE, 0.5, 1, 2),
        (2, MARCH, Code.CHLORINE): stored_row(2, MARCH, Code.CHLORINE, 1.0, 3, 3),
        (3, MARCH, Code.CHLORINE): stored_row(
            3, MARCH, Code.CHLORINE, None, breakdown={"left_out": "does_not_chlorinate"}
        ),
    }
    found = by_code(
        aggregate_system_values(stored, [1, 2, 3, 4], MARCH, "municipality", 70, 70, None)
    )
    chlorine = found[Code.CHLORINE]
    assert (chlorine.numerator, chlorine.denominator) == (4, 5)
    assert chlorine.breakdown == {
        "counted_systems": 2,
        "left_out_does_not_chlorinate": 1,
        "left_out_systems": [[3, "does_not_chlorinate"]],
    }
    only_left_out = by_code(
        aggregate_system_values(stored, [3], MARCH, "municipality", 70, 70, None)
    )
    assert only_left_out[Code.CHLORINE].value is None
    assert only_left_out[Code.CHLORINE].denominator is None
    assert Code.CHLORINE not in by_code(
        aggregate_system_values(stored, [4], MARCH, "municipality", 70, 70, None)
    )


def test_an_area_redoes_the_jmp_estimate_from_its_localities_counts():
    parts = AreaSum()
    first = {"safely_managed": 4, "unknown": 6, "improved": 10, "norm": "who"}
    second = {"safely_managed": 0, "unknown": 10, "improved": 10, "norm": "who"}
    for breakdown, on_premises in ((first, 4), (second, 10)):
        for criterion in rungs.SAFELY_MANAGED_CRITERIA:
            breakdown[criterion] = breakdown[f"{criterion}_known"] = 10
        breakdown["on_premises"] = on_premises
    second["free_of_contamination"] = second["free_of_contamination_known"] = 0
    parts.add(4, 10, first, "")
    parts.add(None, 10, second, "")
    municipal = municipal_sum_value("jmp_water", 70, MARCH, parts, 1000, 4)
    # 20 of 20 improved × min(14/20 on premises, 20/20 enough, 10/10 clean).
    assert municipal.value == pytest.approx(0.7)
    assert (municipal.numerator, municipal.denominator) == (pytest.approx(14), 20)
    assert municipal.breakdown["unknown"] == 16
    assert municipal.breakdown["norm"] == "who"
    parts.add(0, 0, {"norm": "nom127"}, "")
    assert municipal_sum_value("jmp_water", 70, MARCH, parts, 1000, 4).breakdown["norm"] == "mixed"


def test_area_gaps_are_shares_of_the_whole_population():
    parts = AreaSum()
    parts.add(300, 400, {}, "")
    parts.add(100, 200, {}, "estimate")
    municipal = municipal_sum_value(Code.GAP_WORKING, 70, MARCH, parts, 1000, 4)
    assert (municipal.value, municipal.denominator) == (0.4, 1000)
    assert municipal.breakdown == {"localities": 2, "estimated_localities": 1}
    jmp = municipal_sum_value("jmp_water", 70, MARCH, parts, 1000, 4)
    assert jmp.denominator == 600
    state = state_value(Code.GAP_WORKING, 1, MARCH, parts, None, 4, [70])
    assert state.denominator == 600
    assert state_value(Code.CONTINUITY_HOURS, 1, MARCH, parts, None, 4, [70]).window_start == MARCH


def test_a_visit_that_found_chlorination_says_the_system_chlorinates():
    window = YEAR
    unknown = {"chlorinates": "unknown", "surface": "no"}
    seen = [{"observed_on": D(2026, 1, 10), "chlorination": "not_working"}]
    assert quality.with_visits(unknown, seen, window)["chlorinates"] == "yes"
    # Outside the window, or a visit's default "does not chlorinate": nothing learnt.
    old = [{"observed_on": D(2025, 3, 31), "chlorination": "working"}]
    assert quality.with_visits(unknown, old, window)["chlorinates"] == "unknown"
    default = [{"observed_on": D(2026, 1, 10), "chlorination": "none"}]
    assert quality.with_visits(unknown, default, window)["chlorinates"] == "unknown"
    # The registry's own answer stands.
    said_no = {"chlorinates": "no"}
    assert quality.with_visits(said_no, seen, window)["chlorinates"] == "no"
