"""Functionality: the T0–T4 tier of a system from its latest visit of the last 12 months,
its downtime and its latest water tests.

The tiers follow the practice of tiered functionality in the sector literature, not a JMP
definition: T0 not working; T1 working on the day of the visit (it gives water); T2 and it
delivers its design yield; T3 and reliable (fewer days without service in 12 months than the
``reliable_max_downtime_days`` threshold); T4 and safe (its latest E. coli test in the year
met the norm, and arsenic and fluoride where they were measured).

What "delivers its design yield" (T2) means is decided here, one rule per kind of system, and
the two threshold rows it reads (``indicators.Setting``) repeat it in their descriptions:

- Point sources (``WaterSystem.Kind.POINT_SOURCE``: a well or a spring with one outlet, the
  water points where hand pumps are): the flow measured at the visit is at least
  ``point_min_flow_lpm`` litres per minute (10 L/min, about 0.167 L/s, by default). Source: the
  usual field threshold for hand pumps in the sector literature on tiered functionality; it is
  practice, not a JMP or WHO norm.
- Every other kind (gravity and pumped networks, rain tanks, kiosks, school and household
  systems): the flow measured at the visit is at least ``design_flow_share`` of the system's
  design yield on record (0.8 by default). Source: this project's reading of "flow above the
  design minimum"; no published share exists, so it is data to be set by the agency.

A visit without a flow measure, or a system whose rule needs a design yield it does not have,
stays at T1: an unknown flow is not a delivered one. The tier's breakdown names the rule used.
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ojodeagua.watersystems.models import WaterSystem

from ...catalogue import CHEMICAL_PRIORITY, MICROBIAL, Code
from ..values import Value, source

Window = tuple[datetime.date, datetime.date]
# Parameter ("microbial" or a priority chemical) → [(day, passed)] sorted by day.
LatestTests = Mapping[str, list[tuple[datetime.date, bool]]]
# The kinds judged by the water-point rule; every other kind by the share of its design yield.
POINT_KINDS = frozenset({WaterSystem.Kind.POINT_SOURCE})
POINT_RULE = "point_min_flow"
SHARE_RULE = "design_flow_share"


@dataclass(frozen=True)
class FlowRule:
    """The rule that decides T2 for one system, and the flow (L/s) it asks for."""

    code: str
    minimum_lps: Decimal | None


def flow_rule(kind: str, design_yield: Decimal | None, settings: Mapping[str, float]) -> FlowRule:
    """The T2 rule for a system of this kind (see the module's docstring)."""
    if kind in POINT_KINDS:
        litres_per_minute = Decimal(str(settings["point_min_flow_lpm"]))
        return FlowRule(POINT_RULE, litres_per_minute / 60)
    if design_yield is None:
        return FlowRule(SHARE_RULE, None)
    return FlowRule(SHARE_RULE, design_yield * Decimal(str(settings["design_flow_share"])))


def functionality_tier(
    visit: Mapping[str, Any],
    rule: FlowRule,
    downtime: Value | None,
    reliable_limit: float,
    latest: LatestTests,
    window: Window,
) -> tuple[int, str]:
    """T0–T4 from the visit, the year's downtime and the latest tests, and why not higher."""
    if not visit["working"]:
        return 0, "not_working"
    flow = visit["flow_lps"]
    if flow is None:
        return 1, "no_flow_measure"
    if rule.minimum_lps is None:
        return 1, "no_design_yield"
    if flow < rule.minimum_lps:
        return 1, "below_point_min_flow" if rule.code == POINT_RULE else "below_design_yield"
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
    rule: FlowRule,
    downtime: Value | None,
    reliable_limit: float,
    latest: LatestTests,
) -> Value | None:
    """The month's tier, from the latest of the visits (sorted by day) in the last 12 months."""
    year_visits = [v for v in visits if window[0] <= v["observed_on"] <= window[1]]
    if not year_visits:
        return None
    visit = year_visits[-1]
    tier, reasons = functionality_tier(visit, rule, downtime, reliable_limit, latest, window)
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
        breakdown={
            "visit_date": visit["observed_on"].isoformat(),
            "stops_at": reasons,
            "flow_rule": rule.code,
            **_flows(rule, visit["flow_lps"] if visit["working"] else None),
        },
    )


def _flows(rule: FlowRule, flow_lps: Decimal | None) -> dict[str, float | None]:
    """The flow the rule asks for and the flow measured, in the rule's own unit (litres per
    minute for a point source, per second for the others)."""
    if rule.code == POINT_RULE:
        seconds_per_minute = Decimal(60)
        return {
            "minimum_flow_lpm": _rounded(rule.minimum_lps * seconds_per_minute),
            "flow_lpm": _rounded(flow_lps * seconds_per_minute if flow_lps is not None else None),
        }
    return {"minimum_flow_lps": _rounded(rule.minimum_lps), "flow_lps": _rounded(flow_lps)}


def _rounded(flow: Decimal | None) -> float | None:
    return None if flow is None else round(float(flow), 2)
