"""Functionality: the T0–T4 tier of a system from its latest visit of the last 12 months,
its downtime and its latest water tests."""

import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ...catalogue import CHEMICAL_PRIORITY, MICROBIAL, Code
from ..values import Value, source

Window = tuple[datetime.date, datetime.date]
# Parameter ("microbial" or a priority chemical) → [(day, passed)] sorted by day.
LatestTests = Mapping[str, list[tuple[datetime.date, bool]]]


def minimum_flow(design_yield: Decimal | None, settings: Mapping[str, float]) -> Decimal | None:
    """The flow that counts as delivering the design yield (a share of it, kept as data)."""
    if design_yield is None:
        return None
    return design_yield * Decimal(str(settings["design_flow_share"]))


def functionality_tier(
    visit: Mapping[str, Any],
    design_yield: Decimal | None,
    downtime: Value | None,
    reliable_limit: float,
    latest: LatestTests,
    window: Window,
) -> tuple[int, str]:
    """T0–T4 from the visit, the year's downtime and the latest tests, and why not higher."""
    if not visit["working"]:
        return 0, "not_working"
    flow = visit["flow_lps"]
    if design_yield is None or flow is None or flow < design_yield:
        return (
            1,
            "below_design_yield"
            if design_yield is not None and flow is not None
            else "no_flow_measure",
        )
    if downtime is None:
        return 2, "no_downtime_record"
    if downtime.numerator >= reliable_limit:
        return 2, "unreliable"
    microbial = [e for e in latest.get("microbial", []) if window[0] <= e[0] <= window[1]]
    if not microbial or not microbial[-1][1]:
        return 3, "no_microbial_test" if not microbial else "microbial_failed"
    for parameter in CHEMICAL_PRIORITY:
        tests = [e for e in latest.get(parameter, []) if window[0] <= e[0] <= window[1]]
        if tests and not tests[-1][1]:
            return 3, f"{parameter}_failed"
    return 4, ""


def tier_value(
    make: Callable[..., Value],
    month: datetime.date,
    window: Window,
    system_id: int,
    visits: list[Mapping[str, Any]],
    minimum: Decimal | None,
    downtime: Value | None,
    reliable_limit: float,
    latest: LatestTests,
) -> Value | None:
    """The month's tier, from the latest of the visits (sorted by day) in the last 12 months."""
    year_visits = [v for v in visits if window[0] <= v["observed_on"] <= window[1]]
    if not year_visits:
        return None
    visit = year_visits[-1]
    tier, reasons = functionality_tier(visit, minimum, downtime, reliable_limit, latest, window)
    tier_sources = [source("monitoring.systemvisit", id=visit["id"])]
    if tier >= 3:
        tier_sources.append(
            source(
                "waterquality.verdict",
                norm__code="nom127",
                result__sample__system_id=system_id,
                sampled_on__gte=window[0],
                sampled_on__lte=window[1],
                parameter_code__in=sorted(MICROBIAL | CHEMICAL_PRIORITY),
            )
        )
    return make(
        Code.FUNCTIONALITY,
        month,
        float(tier),
        window,
        numerator=tier,
        denominator=4,
        label=f"T{tier}",
        sources=tier_sources,
        breakdown={"visit_date": visit["observed_on"].isoformat(), "stops_at": reasons},
    )
