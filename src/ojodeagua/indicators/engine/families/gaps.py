"""Gaps: the official figures against the real ones (people on record, served by a working,
reliable, safely managed system) and the perception gap (households that see no problem
while the tests or the days of supply say otherwise)."""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...catalogue import Code
from ...months import year_window
from ..values import Value, source
from .ladders import StoredSystems


def perception_gap(
    make: Callable[..., Value],
    month: datetime.date,
    locality_id: int,
    surveys: list[Mapping[str, Any]],
    classified: Mapping[int, Mapping[str, Any]],
    min_days: float,
) -> Value | None:
    """Share of the households seeing no problem whose water failed a test or came on few
    days."""
    window = year_window(month)
    no_problem = [c for c in (classified[s["id"]] for s in surveys) if c["no_problem"]]
    if not no_problem:
        return None
    contradicted = [c for c in no_problem if c["ecoli_failed"] or c["few_days"]]
    return make(
        Code.PERCEPTION_GAP,
        month,
        len(contradicted) / len(no_problem),
        window,
        numerator=len(contradicted),
        denominator=len(no_problem),
        breakdown={
            "surveyed": len(surveys),
            "no_problem": len(no_problem),
            "ecoli_failed": sum(c["ecoli_failed"] for c in no_problem),
            "few_days": sum(c["few_days"] for c in no_problem),
            "min_days_per_week": min_days,
        },
        sources=[
            source(
                "monitoring.householdsurvey",
                locality_id=locality_id,
                observed_on__gte=window[0],
                observed_on__lte=window[1],
                water_has_problem="no",
            )
        ],
    )


@dataclass
class ServiceGaps:
    """A locality's gap values for one month, and the people on record the score reads."""

    values: list[Value] = field(default_factory=list)
    on_record: float = 0.0
    system_ids: list[int] = field(default_factory=list)


def service_gaps(
    make: Callable[..., Value],
    month: datetime.date,
    locality_id: int,
    population: int,
    per_household: float,
    links: list[tuple[int, int]],
    stored: StoredSystems,
    safe_share: float | None,
    surveyed: bool,
    survey_source: dict,
    norm: str = "",
) -> ServiceGaps | None:
    """People on record as served, and served by a working (T1+), reliable (T3+) and safely
    managed system, as shares of the population. None when neither a tier nor a survey
    says anything that month.

    Safely managed comes from the surveys when there are any (``safe_share``, the JMP
    estimate, judged by ``norm``); otherwise it is estimated from the systems' T4, and
    labelled so.
    """
    window = year_window(month)
    on_record = working = reliable = safe_estimate = 0.0
    tiers_known = False
    system_ids = []
    for system_id, households in links:
        people = min(population, households * per_household)
        on_record += people
        system_ids.append(system_id)
        tier_row = stored.get((system_id, month, Code.FUNCTIONALITY))
        if tier_row is None:
            continue
        tiers_known = True
        tier = tier_row[4]
        working += people if tier >= 1 else 0
        reliable += people if tier >= 3 else 0
        safe_estimate += people if tier >= 4 else 0
    if not tiers_known and not surveyed:
        return None
    on_record, working = min(on_record, population), min(working, population)
    reliable = min(reliable, population)
    if safe_share is not None:
        safe, estimated = safe_share * population, False
    else:
        safe, estimated = min(safe_estimate, population), True
    system_source = source(
        "indicators.indicatorvalue",
        entity="system",
        entity_id__in=system_ids,
        period=month,
        indicator=Code.FUNCTIONALITY,
    )
    link_source = source("watersystems.servedlocality", locality_id=locality_id)
    found = ServiceGaps(on_record=on_record, system_ids=system_ids)
    for code, people, sources in (
        (Code.GAP_RECORD, on_record, [link_source]),
        (Code.GAP_WORKING, working, [link_source, system_source]),
        (Code.GAP_RELIABLE, reliable, [link_source, system_source]),
        (Code.GAP_SAFE, safe, [link_source, system_source] if estimated else [survey_source]),
    ):
        if code != Code.GAP_RECORD and not tiers_known and (code != Code.GAP_SAFE or estimated):
            continue
        found.values.append(
            make(
                code,
                month,
                people / population,
                window,
                numerator=people,
                denominator=population,
                sources=sources,
                label="estimate" if code == Code.GAP_SAFE and estimated else "",
                breakdown={"norm": norm}
                if code == Code.GAP_SAFE and norm and not estimated
                else {},
            )
        )
    return found
