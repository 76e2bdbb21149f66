"""JMP ladders: where each surveyed household stands, the people of a locality on each rung
over the last 12 months, and the rungs of an area's schools and health centres."""

import bisect
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ... import ladders
from ...catalogue import Code
from ...months import month_start, year_window
from ..values import Value
from .quality import History, ecoli_failed_near, free_of_contamination

# (system, month, indicator) → a stored system value row (id, system, month, indicator,
# value, numerator, denominator, breakdown), as ``loading.stored_system_values`` reads it.
StoredSystems = Mapping[tuple[int, datetime.date, str], tuple]

HOUSEHOLD_LADDERS = (
    ("water", ladders.WATER_RUNGS),
    ("sanitation", ladders.SANITATION_RUNGS),
    ("hygiene", ladders.HYGIENE_RUNGS),
)


def classify_household(
    survey: Mapping[str, Any],
    history: History,
    stored: StoredSystems,
    min_days: float,
    ecoli_reach: datetime.timedelta,
    nom_history: History | None = None,
) -> dict[str, Any]:
    """A household's rungs, and what the perception gap needs to know about it.

    ``history``: its system's tests judged by the norm the ladder uses for "free from
    contamination"; ``nom_history``: the NOM-127 verdicts the perception gap reads (the same
    history when not given)."""
    survey_day = survey["observed_on"]
    answers = ladders.HouseholdAnswers(
        survey["water_source"],
        survey["water_on_premises"],
        survey["collection_minutes"],
        survey["sufficient_last_month"],
        survey["toilet"],
        survey["toilet_shared"],
        survey["excreta_disposal"],
        survey["handwashing"],
        survey["handwashing_water"],
        survey["handwashing_soap"],
        free_of_contamination(history, survey_day),
    )
    reported_days = survey["days_with_water_last_week"]
    measured = stored.get((survey["system_id"], month_start(survey_day), Code.DAYS_PER_WEEK))
    few_days = (reported_days is not None and reported_days < min_days) or (
        measured is not None and measured[4] is not None and measured[4] < min_days
    )
    return {
        "water": ladders.water_rung(answers),
        "water_criteria": ladders.safely_managed_criteria(answers),
        "sanitation": ladders.sanitation_rung(answers),
        "hygiene": ladders.hygiene_rung(answers),
        "no_problem": survey["water_has_problem"] == "no",
        "ecoli_failed": ecoli_failed_near(
            history if nom_history is None else nom_history, survey_day, ecoli_reach
        ),
        "few_days": few_days,
    }


@dataclass
class HouseholdLadders:
    """A locality's ladder values for one month, and the water shares the gaps and the
    score read."""

    values: list[Value] = field(default_factory=list)
    # The JMP estimate of people with safely managed water (None: it cannot be estimated).
    safe_share: float | None = None
    # People with at least basic water among those whose rung is known to be basic or not.
    basic_share: float | None = None


def water_value(
    make: Callable[..., Value],
    month: datetime.date,
    window: tuple[datetime.date, datetime.date],
    counts: dict[str, float],
    criteria: dict[str, float],
    people: float,
    norm: str,
    sources: list[dict],
) -> Value:
    """Drinking water: the people on each rung household by household (unknown apart), and
    as its figure the JMP estimate of safely managed water (``ladders.safely_managed_share``);
    the breakdown keeps the criteria counts so an area can redo the estimate."""
    share = ladders.safely_managed_share(criteria, people)
    return make(
        "jmp_water",
        month,
        share,
        window,
        numerator=None if share is None else share * people,
        denominator=people,
        label=max(ladders.WATER_RUNGS, key=lambda r: counts.get(r, 0)),
        breakdown={**counts, **criteria, "norm": norm},
        sources=sources,
    )


def household_ladders(
    make: Callable[..., Value],
    month: datetime.date,
    surveys: list[Mapping[str, Any]],
    classified: Mapping[int, Mapping[str, Any]],
    survey_source: dict,
    norm: str = "who",
) -> HouseholdLadders:
    """People per rung among the households surveyed in the window (weighted by size).
    ``norm``: the norm whose verdicts said whether the water was free from contamination."""
    found = HouseholdLadders()
    if not surveys:
        return found
    window = year_window(month)
    people = sum(s["household_size"] for s in surveys)
    for ladder, rungs in HOUSEHOLD_LADDERS:
        counts = dict.fromkeys(rungs, 0)
        for survey in surveys:
            counts[classified[survey["id"]][ladder]] += survey["household_size"]
        if ladder == "water":
            criteria = ladders.criteria_counts(
                (s["household_size"], classified[s["id"]].get("water_criteria")) for s in surveys
            )
            water = water_value(
                make, month, window, counts, criteria, people, norm, [survey_source]
            )
            found.values.append(water)
            found.safe_share = water.value
            known = people - counts["unknown"] + unknown_at_least_basic(surveys, classified)
            at_least_basic = (
                counts["safely_managed"]
                + counts["basic"]
                + unknown_at_least_basic(surveys, classified)
            )
            found.basic_share = at_least_basic / known if known else None
            continue
        top = rungs[0]
        # The top rung's share among the people whose rung is known: unknown is not worse.
        known = people - counts.get(ladders.UNKNOWN, 0)
        found.values.append(
            make(
                f"jmp_{ladder}",
                month,
                counts[top] / known if known else None,
                window,
                numerator=counts[top],
                denominator=known,
                label=max(rungs, key=lambda r: counts[r]),
                breakdown=counts,
                sources=[survey_source],
            )
        )
    return found


def unknown_at_least_basic(
    surveys: list[Mapping[str, Any]], classified: Mapping[int, Mapping[str, Any]]
) -> int:
    """People of "unknown" households that are basic or better all the same: water on the
    premises of an improved source, only whether it is safely managed is open."""
    return sum(
        s["household_size"]
        for s in surveys
        if classified[s["id"]]["water"] == "unknown"
        and (classified[s["id"]].get("water_criteria") or {}).get("on_premises")
    )


def school_rungs(survey: Mapping[str, Any]) -> dict[str, str]:
    return {
        "jmp_school_water": ladders.school_water_rung(
            survey["water_source_improved"], survey["water_available"]
        ),
        "jmp_school_sanitation": ladders.school_sanitation_rung(
            survey["toilets_improved"], survey["toilets_single_sex"], survey["toilets_usable"]
        ),
        "jmp_school_hygiene": ladders.institution_hygiene_rung(
            survey["handwashing_water"], survey["handwashing_soap"]
        ),
    }


def health_centre_rungs(survey: Mapping[str, Any]) -> dict[str, str]:
    """The JMP's five health-care ladders: water, sanitation, hand hygiene, health-care waste
    and environmental cleaning."""
    return {
        "jmp_health_water": ladders.health_centre_water_rung(
            survey["water_source_improved"],
            survey["water_on_premises"],
            survey["water_available"],
            survey["water_source_distance_m"],
        ),
        "jmp_health_sanitation": ladders.health_centre_sanitation_rung(
            survey["toilets_improved"],
            survey["toilets_usable"],
            survey["toilet_for_staff"],
            survey["toilets_single_sex"],
            survey["toilet_menstrual_hygiene"],
            survey["toilet_accessible"],
        ),
        "jmp_health_hygiene": ladders.health_centre_hygiene_rung(
            survey["hand_hygiene_at_care_points"], survey["hand_hygiene_near_toilets"]
        ),
        "jmp_health_waste": ladders.health_centre_waste_rung(
            survey["waste_segregated"], survey["waste_treated_safely"]
        ),
        "jmp_health_cleaning": ladders.health_centre_cleaning_rung(
            survey["cleaning_protocol"], survey["cleaning_staff_trained"]
        ),
    }


def institution_rungs(
    surveys: Mapping[int, list[Mapping[str, Any]]],
    area_of: Mapping[int, int],
    months: Iterable[datetime.date],
    rungs_of: Callable[[Mapping[str, Any]], dict[str, str]],
    model_label: str,
    found: dict | None = None,
) -> dict:
    """(area, month) → indicator → rung counts, survey ids and model, from the latest survey
    of the last 12 months of each institution (its surveys sorted by day)."""
    if found is None:
        found = defaultdict(lambda: defaultdict(lambda: {"rungs": defaultdict(int), "ids": []}))
    months = list(months)
    for facility_id, rows in surveys.items():
        days = [r["observed_on"] for r in rows]
        for month in months:
            window = year_window(month)
            index = bisect.bisect_right(days, window[1]) - 1
            if index < 0 or days[index] < window[0]:
                continue
            survey = rows[index]
            for code, rung in rungs_of(survey).items():
                slot = found[(area_of[facility_id], month)][code]
                slot["rungs"][rung] += 1
                slot["ids"].append(survey["id"])
                slot["model"] = model_label
    return found
