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
from .families.quality import RESTRICTED_CODES
from .values import AreaSum, Value, mean_score, ratio, source

MONTH_WINDOW_CODES = {Code.CONTINUITY_HOURS, Code.MICROBIAL, *RESTRICTED_CODES}


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
    for code in RESTRICTED_CODES:
        found = restricted_sum(stored, system_ids, month, code)
        if found is not None:
            passed, evaluated, breakdown = found
            yield make(
                code,
                ratio(passed, evaluated),
                (month, month_end(month)),
                numerator=passed if evaluated else None,
                denominator=evaluated if evaluated else None,
                breakdown=breakdown,
                sources=from_systems(code),
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


# A state leaves out thousands of systems: naming them all would make its figure's page slow
# and useless on a phone. Past this many, the page gives the count and sends the reader to the
# municipalities, whose figures name theirs.
LEFT_OUT_NAMED = 100


def restricted_sum(
    stored: StoredSystems, system_ids: Iterable[int], month: datetime.date, code: str
) -> tuple[float, float, dict] | None:
    """Passing and evaluated results of a figure the norm asks only of some systems, over the
    systems it applies to, and which systems were left out and why (None: no readings)."""
    passed = evaluated = 0.0
    breakdown: dict = {"counted_systems": 0}
    left_out = []
    for system_id in system_ids:
        row = stored.get((system_id, month, code))
        if row is None:
            continue
        reason = (row[7] or {}).get("left_out")
        if reason:
            key = f"left_out_{reason}"
            breakdown[key] = breakdown.get(key, 0) + 1
            left_out.append([system_id, reason])
            continue
        breakdown["counted_systems"] += 1
        passed += row[5] or 0
        evaluated += row[6] or 0
    if not breakdown["counted_systems"] and not left_out:
        return None
    if left_out:
        left_out.sort()
        breakdown["left_out_systems"] = left_out[:LEFT_OUT_NAMED]
        if len(left_out) > LEFT_OUT_NAMED:
            breakdown["unnamed_left_out"] = len(left_out) - LEFT_OUT_NAMED
    return passed, evaluated, breakdown


def water_ladder_figure(found: AreaSum) -> tuple[float | None, float | None, dict]:
    """An area's drinking-water ladder: the JMP estimate redone from its localities' criteria
    counts added up, and the norm that judged contamination ("mixed" if its localities were
    computed with different norms)."""
    breakdown = dict(found.breakdown)
    share = ladders.safely_managed_share(breakdown, found.denominator)
    return share, None if share is None else share * found.denominator, breakdown


def keep_norm(breakdown: dict, found: AreaSum) -> None:
    """The norm that judged contamination in the parts ("mixed" if they differ)."""
    if found.norms:
        breakdown["norm"] = next(iter(found.norms)) if len(found.norms) == 1 else "mixed"


def area_figure(
    code: str, found: AreaSum, population: int | None
) -> tuple[float | None, float | None, float, dict]:
    """Value, numerator, denominator and breakdown of an area from its parts added up: gaps
    are shares of the whole population, the drinking-water ladder redoes the JMP estimate,
    and the breakdown keeps the norm that judged contamination."""
    denominator = found.denominator
    if code.startswith("gap_"):
        denominator = population or found.denominator
    value, numerator = ratio(found.numerator, denominator), found.numerator
    breakdown = dict(found.breakdown)
    if code == "jmp_water":
        value, numerator, breakdown = water_ladder_figure(found)
    keep_norm(breakdown, found)
    return value, numerator, denominator, breakdown


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
    value, numerator, denominator, breakdown = area_figure(code, found, population)
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
        value,
        numerator,
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
    value, numerator, denominator, breakdown = area_figure(code, found, population)
    if code == Code.SCORE and value is not None:
        value = round_score(value)
    elif code in RESTRICTED_CODES and not denominator:
        numerator = denominator = None
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
        numerator,
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
