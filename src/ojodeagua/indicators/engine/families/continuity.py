"""Continuity: hours and days of supply in a month, and days down in the last 12 months.

Inputs are the supply log added up per system and month (``SupplyMonth`` rows as loaded by
``loading.load_system_inputs``: total hours, records, records with water, distinct days), the
days with no water at all per month, and the system's visits.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ...catalogue import Code
from ...months import month_end, month_range
from ..values import Value, source

Window = tuple[datetime.date, datetime.date]


def supply_values(
    make: Callable[..., Value], month: datetime.date, row: Mapping[str, Any] | None, system_id: int
) -> Iterable[Value]:
    """Mean hours per day, days per week with water, and the share of days with water."""
    if not row or not row["records"]:
        return
    supply_source = source(
        "monitoring.supplyday",
        system_id=system_id,
        observed_on__gte=month,
        observed_on__lte=month_end(month),
    )
    hours, records, wet = float(row["total_hours"]), row["records"], row["wet"]
    yield make(
        Code.CONTINUITY_HOURS,
        month,
        hours / records,
        numerator=hours,
        denominator=records,
        sources=[supply_source],
    )
    yield make(
        Code.DAYS_PER_WEEK,
        month,
        7 * wet / records,
        numerator=wet,
        denominator=records,
        sources=[supply_source],
    )
    yield make(
        Code.AVAILABILITY,
        month,
        wet / records,
        numerator=wet,
        denominator=records,
        sources=[supply_source],
    )


def downtime(
    make: Callable[..., Value],
    month: datetime.date,
    window: Window,
    system_id: int,
    supply_months: Mapping[datetime.date, Mapping[str, Any]],
    down_days: Mapping[datetime.date, int],
    visits: list[Mapping[str, Any]],
    reliable_limit: float,
) -> Value | None:
    """Days down over the last 12 months: from the supply log when there is any, else from
    the downtime the visits recorded."""
    year_months = month_range(window[0], month)
    observed_days = sum(supply_months[m]["days"] for m in year_months if m in supply_months)
    if observed_days:
        down = sum(down_days.get(m, 0) for m in year_months)
        return make(
            Code.DOWNTIME,
            month,
            float(down),
            window,
            numerator=down,
            denominator=observed_days,
            label="reliable" if down < reliable_limit else "unreliable",
            sources=[
                source(
                    "monitoring.supplyday",
                    system_id=system_id,
                    observed_on__gte=window[0],
                    observed_on__lte=window[1],
                    hours=0,
                )
            ],
            breakdown={"from": "supply_log"},
        )
    year_visits = [v for v in visits if window[0] <= v["observed_on"] <= window[1]]
    if not year_visits:
        return None
    down = sum(v["downtime_days"] for v in year_visits)
    days = (window[1] - window[0]).days + 1
    return make(
        Code.DOWNTIME,
        month,
        float(down),
        window,
        numerator=down,
        denominator=days,
        label="reliable" if down < reliable_limit else "unreliable",
        sources=[source("monitoring.systemvisit", id__in=[v["id"] for v in year_visits])],
        breakdown={"from": "visits"},
    )
