"""What the engine computes: one ``Value`` per figure, with its sources, and the small pure
helpers every family shares (ratios, weighted scores, the sums of an area's parts)."""

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..catalogue import SCORE_STEP, as_decimal
from ..models import Entity
from ..months import month_end


@dataclass
class Value:
    indicator: str
    entity: str
    entity_id: int
    period: datetime.date
    window_start: datetime.date
    window_end: datetime.date
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    label: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)
    breakdown: dict[str, Any] = field(default_factory=dict)
    municipality_id: int | None = None
    provider_id: int | None = None


PLAIN = (str, int, float)


def source(model: str, **lookups: Any) -> dict[str, Any]:
    """A reference to the observations behind a value: the model and the exact filter."""
    for name, value in lookups.items():
        if not isinstance(value, PLAIN):
            lookups[name] = _json(value)
    return {"model": model, "filter": lookups}


def _json(value: Any) -> Any:
    if isinstance(value, PLAIN):
        return value
    if isinstance(value, datetime.date):
        return _iso(value)
    if isinstance(value, set | tuple | frozenset):
        return sorted(value)
    return value


@functools.lru_cache(maxsize=4096)
def _iso(day: datetime.date) -> str:
    return day.isoformat()


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def weighted_score(components: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """Weighted mean of the components that could be computed (missing ones drop out).

    Computed in decimal and rounded to ``catalogue.SCORE_STEP``: in binary floating point
    three components of 0.7 average to 0.6999999999999998, which would read as class C, not B.
    """
    total = weight_sum = Decimal(0)
    for name, component in components.items():
        if component is None:
            continue
        weight = as_decimal(weights.get(name, 1.0))
        total += weight * as_decimal(component)
        weight_sum += weight
    return float((total / weight_sum).quantize(SCORE_STEP)) if weight_sum else None


def mean_score(scores: Iterable[float]) -> float | None:
    """The plain mean of scores (an area's systems), computed as ``weighted_score`` is."""
    return weighted_score(dict(enumerate(scores)), {})


def system_value(
    indicator: str,
    month: datetime.date,
    value: float | None,
    window: tuple[datetime.date, datetime.date] | None = None,
    *,
    system_id: int,
    municipality_id: int | None,
    provider_id: int | None,
    **extra: Any,
) -> Value:
    """A system's value; the window defaults to the month itself."""
    window = window or (month, month_end(month))
    return Value(
        indicator,
        Entity.SYSTEM,
        system_id,
        month,
        window[0],
        window[1],
        value,
        municipality_id=municipality_id,
        provider_id=provider_id,
        **extra,
    )


def locality_value(
    indicator: str,
    month: datetime.date,
    value: float | None,
    window: tuple[datetime.date, datetime.date],
    *,
    locality_id: int,
    municipality_id: int | None,
    **extra: Any,
) -> Value:
    return Value(
        indicator,
        Entity.LOCALITY,
        locality_id,
        month,
        window[0],
        window[1],
        value,
        municipality_id=municipality_id,
        **extra,
    )


@dataclass
class AreaSum:
    """Numerators, denominators and breakdowns of the parts of an area, added up."""

    numerator: float = 0.0
    denominator: float = 0.0
    count: int = 0
    estimates: int = 0
    breakdown: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    members: set[int] = field(default_factory=set)
    # The norms that judged contamination on the parts' water ladders.
    norms: set[str] = field(default_factory=set)

    def add(self, numerator, denominator, breakdown, label, member: int | None = None) -> None:
        self.numerator += numerator or 0
        self.denominator += denominator or 0
        self.count += 1
        self.estimates += 1 if label == "estimate" else 0
        if member is not None:
            self.members.add(member)
        self.add_breakdown(breakdown)

    # Keys of a part's breakdown that describe the part, not counts to add up.
    NOT_ADDED = frozenset(
        {"localities", "municipalities", "min_days_per_week", "estimated_localities"}
    )

    def add_breakdown(self, breakdown: dict | None) -> None:
        if norm := (breakdown or {}).get("norm"):
            self.norms.add(norm)
        for key, amount in (breakdown or {}).items():
            if key in self.NOT_ADDED:
                continue
            if isinstance(amount, int | float) and not isinstance(amount, bool):
                self.breakdown[key] += amount
