"""Figures of providers, municipalities and the state, made from the values of their parts:
their systems' stored values, their localities' or municipalities' sums, their institutions'
rungs. Pure functions over what ``loading`` read."""

import datetime
from collections.abc import Iterable, Mapping

from .. import ladders
from ..catalogue import Code, class_for_score, round_score
from ..models import Entity
from ..months import month_end, year_window
from .families.ladders import StoredSystems
from .values import AreaSum, Value, mean_score, ratio, source

MONTH_WINDOW_CODES = {Code.CONTINUITY_HOURS, Code.MICROBIAL}


def aggregate_system_values(
    stored: StoredSystems,
    system_ids: Iterable[int],
    month: datetime.date,
    entity: str,
    entity_id: int,
    municipality_id: int | None,
    provider_id: int | None,
) -> Iterable[Value]:
    """Provider, municipal and state figures made from their systems' stored values."""
    window = year_window(month)
    tiers, hours, days, micro_pass, micro_all, scores = [], 0.0, 0.0, 0.0, 0.0, []
    for system_id in system_ids:
        tier = stored.get((system_id, month, Code.FUNCTIONALITY))
        if tier:
            tiers.append(tier[4])
        continuity = stored.get((system_id, month, Code.CONTINUITY_HOURS))
        if continuity:
            hours += continuity[5] or 0
            days += continuity[6] or 0
        micro = stored.get((system_id, month, Code.MICROBIAL))
        if micro:
            micro_pass += micro[5] or 0
            micro_all += micro[6] or 0
        score = stored.get((system_id, month, Code.SCORE))
        if score and score[4] is not None:
            scores.append(score[4])

    def make(indicator, value, window_used, **extra):
        return Value(
            indicator,
            entity,
            entity_id,
            month,
            window_used[0],
            window_used[1],
            value,
            municipality_id=municipality_id,
            provider_id=provider_id,
            **extra,
        )

    def from_systems(indicator):
        return [
            source(
                "indicators.indicatorvalue",
                entity="system",
                entity_id__in=sorted(system_ids),
                period=month,
                indicator=indicator,
            )
        ]

    if tiers:
        working = sum(1 for t in tiers if t >= 1)
        breakdown = {f"T{n}": sum(1 for t in tiers if t == n) for n in range(5)}
        yield make(
            Code.WORKING_SHARE,
            working / len(tiers),
            window,
            numerator=working,
            denominator=len(tiers),
            breakdown=breakdown,
            sources=from_systems(Code.FUNCTIONALITY),
        )
        reliable_count = sum(1 for t in tiers if t >= 3)
        yield make(
            Code.RELIABLE_SHARE,
            reliable_count / len(tiers),
            window,
            numerator=reliable_count,
            denominator=len(tiers),
            breakdown=breakdown,
            sources=from_systems(Code.FUNCTIONALITY),
        )
    if days:
        yield make(
            Code.CONTINUITY_HOURS,
            hours / days,
            (month, month_end(month)),
            numerator=hours,
            denominator=days,
            sources=from_systems(Code.CONTINUITY_HOURS),
        )
    if micro_all:
        yield make(
            Code.MICROBIAL,
            micro_pass / micro_all,
            (month, month_end(month)),
            numerator=micro_pass,
            denominator=micro_all,
            sources=from_systems(Code.MICROBIAL),
        )
    if scores:
        mean = mean_score(scores)
        yield make(
            Code.SCORE,
            mean,
            window,
            numerator=sum(scores),
            denominator=len(scores),
            label=class_for_score(mean),
            sources=from_systems(Code.SCORE),
        )


def municipal_sum_value(
    code: str,
    municipality_id: int,
    month: datetime.date,
    found: AreaSum,
    population: int,
    min_days: float,
) -> Value:
    """A municipality's figure from its localities' values added up; gaps are shares of the
    whole population, not only of the localities with data."""
    window = year_window(month)
    denominator = found.denominator
    if code.startswith("gap_"):
        denominator = population or found.denominator
    breakdown = dict(found.breakdown)
    breakdown["localities"] = found.count
    if found.estimates:
        breakdown["estimated_localities"] = found.estimates
    if code == Code.PERCEPTION_GAP:
        breakdown["min_days_per_week"] = min_days
    return Value(
        code,
        Entity.MUNICIPALITY,
        municipality_id,
        month,
        window[0],
        window[1],
        ratio(found.numerator, denominator),
        found.numerator,
        denominator,
        sources=[
            source(
                "indicators.indicatorvalue",
                entity="locality",
                indicator=code,
                period=month,
                municipality_id=municipality_id,
            )
        ],
        breakdown=breakdown,
        municipality_id=municipality_id,
    )


def institution_value(
    code: str, municipality_id: int, month: datetime.date, counts: Mapping
) -> Value:
    """Share of an area's schools (or health centres) with a basic service, with the rungs.

    A facility whose rung is unknown stays in the breakdown but out of the share: the share
    is of the facilities the answers can place."""
    window = year_window(month)
    total = sum(amount for rung, amount in counts["rungs"].items() if rung != ladders.UNKNOWN)
    return Value(
        code,
        Entity.MUNICIPALITY,
        municipality_id,
        month,
        window[0],
        window[1],
        ratio(counts["rungs"].get("basic", 0), total),
        counts["rungs"].get("basic", 0),
        total,
        breakdown=counts["rungs"],
        sources=[source(counts["model"], id__in=counts["ids"])],
        municipality_id=municipality_id,
    )


def state_value(
    code: str,
    state_id: int,
    month: datetime.date,
    found: AreaSum,
    population: int | None,
    min_days: float,
    municipality_ids: list[int],
) -> Value:
    """A state figure: the sum of its municipalities' numerators and denominators; gaps are
    shares of the whole state, municipalities with no system on record included."""
    window = year_window(month) if code not in MONTH_WINDOW_CODES else (month, month_end(month))
    denominator = found.denominator
    if code.startswith("gap_"):
        denominator = population or found.denominator
    value = ratio(found.numerator, denominator)
    if code == Code.SCORE and value is not None:
        value = round_score(value)
    breakdown = dict(found.breakdown)
    breakdown["municipalities"] = found.count
    if code == Code.PERCEPTION_GAP:
        breakdown["min_days_per_week"] = min_days
    return Value(
        code,
        Entity.STATE,
        state_id,
        month,
        window[0],
        window[1],
        value,
        found.numerator,
        denominator,
        label=class_for_score(value) if code == Code.SCORE and value is not None else "",
        breakdown=breakdown,
        sources=[
            source(
                "indicators.indicatorvalue",
                entity="municipality",
                indicator=code,
                period=month,
                entity_id__in=sorted(municipality_ids),
            )
        ],
    )
