"""The service scores of systems, localities and providers: each a weighted mean of its
components, from 0 to 1, classed A to D with SIASAR's classes (``catalogue.class_for_score``).

Only the locality score follows SIASAR: its water service level combines accessibility,
continuity, seasonality and quality. SIASAR's official weights are not on file, so the weights
are the ``ScoreWeight`` rows (equal by default). The system score ("puntaje de servicio del
sistema") and the provider score ("puntaje del prestador") are this project's own: the system
score puts functionality where SIASAR puts accessibility (a system has no households to reach),
and the provider score adds the committee's finances to its systems' service.

A component that cannot be computed drops out of the mean (``values.weighted_score``): an
unknown is not a zero.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from ...catalogue import Code, class_for_score
from ...months import year_window
from ..values import Value, source, weighted_score
from .ladders import StoredSystems


def system_components(
    tier: int | None,
    supply_months: list[Mapping[str, Any]],
    microbial: tuple[int, int],
) -> dict[str, float | None]:
    """The system score's components, over the last 12 months: functionality (tier / 4),
    continuity (share of the day with water), seasonality (the worst month's share of days
    with water) and quality (share of passing microbial tests). Functionality in place of
    SIASAR's accessibility makes it this project's own score."""
    hours = supply_months
    micro_pass, micro_all = microbial
    return {
        "functionality": tier / 4 if tier is not None else None,
        "continuity": (
            sum(float(h["total_hours"]) for h in hours) / sum(h["records"] for h in hours) / 24
        )
        if hours
        else None,
        "seasonality": min(h["wet"] / h["records"] for h in hours) if hours else None,
        "quality": micro_pass / micro_all if micro_all else None,
    }


def system_score(
    make: Callable[..., Value],
    month: datetime.date,
    system_id: int,
    components: dict[str, float | None],
    weights: Mapping[str, float],
) -> Value | None:
    score = weighted_score(components, weights)
    if score is None:
        return None
    return make(
        Code.SCORE,
        month,
        score,
        year_window(month),
        label=class_for_score(score),
        breakdown={k: v for k, v in components.items() if v is not None},
        sources=[
            source(
                "indicators.indicatorvalue",
                entity="system",
                entity_id=system_id,
                period=month,
                indicator__in=[Code.FUNCTIONALITY, Code.DOWNTIME],
            )
        ],
    )


def served_components(
    stored: StoredSystems, links: list[tuple[int, int]], month: datetime.date
) -> dict[str, float]:
    """Continuity, seasonality and quality of the systems serving a place, weighted by the
    households each serves; only the systems with a score that month count."""
    totals: dict[str, float] = defaultdict(float)
    weights: dict[str, float] = defaultdict(float)
    for system_id, households in links:
        row = stored.get((system_id, month, Code.SCORE))
        if row is None or not row[7]:
            continue
        for name in ("continuity", "seasonality", "quality"):
            if row[7].get(name) is not None:
                totals[name] += row[7][name] * households
                weights[name] += households
    return {name: totals[name] / weights[name] for name in totals if weights[name]}


def locality_score(
    make: Callable[..., Value],
    month: datetime.date,
    locality_id: int,
    accessibility: float | None,
    served: dict[str, float],
    weights: Mapping[str, float],
    system_ids: list[int],
    survey_source: dict | None,
) -> Value | None:
    """SIASAR's shape: accessibility (the share of people surveyed with basic water or better)
    and the continuity, seasonality and quality of the systems that serve the locality.

    Without a household survey in the last 12 months accessibility is unknown: it drops out of
    the score, and the breakdown says so. Infrastructure on record is not access (that is the
    gap the project shows), so it does not stand in for it. ``survey_source`` is where the
    surveys are, when there are some.
    """
    components = {"accessibility": accessibility, **served}
    score = weighted_score(components, weights)
    if score is None:
        return None
    breakdown: dict[str, Any] = {k: v for k, v in components.items() if v is not None}
    if accessibility is None:
        breakdown["accessibility"] = "no_household_survey"
    return make(
        Code.SCORE,
        month,
        score,
        year_window(month),
        label=class_for_score(score),
        breakdown=breakdown,
        sources=[
            source("watersystems.servedlocality", locality_id=locality_id),
            source(
                "indicators.indicatorvalue",
                entity="system",
                entity_id__in=system_ids,
                period=month,
                indicator=Code.SCORE,
            ),
            *([survey_source] if survey_source is not None else []),
        ],
    )


def provider_score(
    service: Value,
    finance: Mapping[str, float | None],
    weights: Mapping[str, float],
    finance_weights: Mapping[str, float],
) -> Value:
    """The provider's score, this project's own (not SIASAR's): its systems' mean score and
    its finances, weighted (see ``Computation.provider_values``)."""
    finance_parts = {
        "collection": finance.get(Code.COLLECTION),
        "cost_coverage": finance.get(Code.COST_COVERAGE),
    }
    finance_score = weighted_score(
        {name: min(part, 1.0) for name, part in finance_parts.items() if part is not None},
        finance_weights,
    )
    components = {"service": service.value, "finance": finance_score}
    score = weighted_score(components, weights)
    if score is None:
        # Every weight set to zero: the systems' mean is all there is to say.
        score = service.value
    sources = list(service.sources)
    if finance_score is not None:
        sources.append(
            source(
                "indicators.indicatorvalue",
                entity="provider",
                entity_id=service.entity_id,
                period=service.period,
                indicator__in=[Code.COLLECTION, Code.COST_COVERAGE],
            )
        )
    breakdown = {name: part for name, part in components.items() if part is not None}
    breakdown["systems"] = service.denominator
    return Value(
        Code.SCORE,
        service.entity,
        service.entity_id,
        service.period,
        service.window_start,
        service.window_end,
        score,
        label=class_for_score(score),
        breakdown=breakdown,
        sources=sources,
        municipality_id=service.municipality_id,
        provider_id=service.provider_id,
    )
