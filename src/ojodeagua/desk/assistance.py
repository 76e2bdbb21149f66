"""The agency as a technical assistance provider (SIASAR assesses "PSAT" beside communities,
systems and providers): how many committees it assists, how often it visits them, how fast it
answers a failure, how many keep a current integrity cycle, and how their scores move; each
for the last 12 months beside the 12 months before, so the agency sees its own trend.

A failure is a visit that found the system stopped; the answer to it is the next visit to
that system. Visits are those of the agency or an NGO (source "visita"), not the committee's
own reports. Requests to the agency are not recorded yet, so they are not counted.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count

from ojodeagua.indicators.catalogue import Code
from ojodeagua.indicators.models import Entity, IndicatorValue
from ojodeagua.indicators.months import add_months
from ojodeagua.integrity.agency import CYCLE_EVERY_MONTHS
from ojodeagua.integrity.models import Cycle
from ojodeagua.integrity.workshop import months_after
from ojodeagua.monitoring.models import SystemVisit
from ojodeagua.monitoring.observation import Observation
from ojodeagua.providers.models import Provider

from .causes import CYCLE_KINDS


@dataclass
class Period:
    start: datetime.date
    end: datetime.date
    committees: int = 0
    visits: int = 0
    failures: int = 0
    answered_days: list[int] = field(default_factory=list)
    unanswered: int = 0
    with_cycle: int = 0

    @property
    def visits_per_committee(self) -> float | None:
        return self.visits / self.committees if self.committees else None

    @property
    def median_days_to_answer(self) -> float | None:
        return statistics.median(self.answered_days) if self.answered_days else None

    @property
    def cycle_percent(self) -> int | None:
        return round(100 * self.with_cycle / self.committees) if self.committees else None


@dataclass
class Assistance:
    now: Period
    before: Period
    # (month, mean score of the committees with one, how many) for the last 24 months.
    scores: list[tuple[datetime.date, float, int]]


def _period(end: datetime.date) -> Period:
    return Period(start=months_after(end, -12) + datetime.timedelta(days=1), end=end)


def assistance(municipality, on: datetime.date) -> Assistance:
    now, before = _period(on), _period(months_after(on, -12))
    committees = list(
        Provider.objects.filter(municipality=municipality, kind__in=CYCLE_KINDS).values_list(
            "pk", flat=True
        )
    )
    for period in (now, before):
        period.committees = len(committees)
    visits = (
        SystemVisit.objects.validated()
        .filter(
            source=Observation.Source.VISIT,
            system__provider_id__in=committees,
            observed_on__range=(before.start, now.end),
        )
        .order_by("system_id", "observed_on", "pk")
        .values_list("system_id", "observed_on", "working")
    )
    by_system: dict[int, list[tuple[datetime.date, bool]]] = defaultdict(list)
    for system_id, day, working in visits:
        by_system[system_id].append((day, working))
    for series in by_system.values():
        for index, (day, working) in enumerate(series):
            period = now if day >= now.start else before
            period.visits += 1
            if working:
                continue
            period.failures += 1
            following = series[index + 1][0] if index + 1 < len(series) else None
            if following is None:
                period.unanswered += 1
            else:
                period.answered_days.append((following - day).days)
    for period in (now, before):
        since = months_after(period.end, -CYCLE_EVERY_MONTHS)
        period.with_cycle = (
            Cycle.objects.filter(
                provider_id__in=committees, workshop_on__gt=since, workshop_on__lte=period.end
            )
            .values("provider_id")
            .distinct()
            .count()
        )
    first_month = add_months(on.replace(day=1), -23)
    scores = [
        (row["period"], row["mean"], row["n"])
        for row in IndicatorValue.objects.filter(
            entity=Entity.PROVIDER,
            indicator=Code.SCORE,
            entity_id__in=committees,
            period__gte=first_month,
            period__lte=on,
            value__isnull=False,
        )
        .values("period")
        .annotate(mean=Avg("value"), n=Count("entity_id"))
        .order_by("period")
    ]
    return Assistance(now, before, scores)
