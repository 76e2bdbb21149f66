"""Compute and store indicator values: everything, or only what an observation change touches.

The computation runs in layers, each reading the stored values of the layer before it:
systems (from observations) → localities and providers → municipalities → the state.
A full recompute and a targeted refresh run the same code; the refresh limits it to the
systems, localities and months an observation can affect.

Providers that keep their books here also get financial figures (collection efficiency, O&M
cost coverage, reserve in months), read from the books by ``books.score``; a change in the
books refreshes only its providers (``refresh_books``).
"""

import bisect
import contextlib
import datetime
import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ojodeagua.books import score as books_score
from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.monitoring.models import (
    HealthCentreSurvey,
    HouseholdSurvey,
    SchoolSurvey,
    SupplyDay,
    SystemVisit,
)
from ojodeagua.monitoring.observation import Observation
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.providers.models import Provider
from ojodeagua.waterquality.models import Sample, Verdict
from ojodeagua.watersystems.models import ServedLocality, WaterSystem

from . import ladders
from .catalogue import (
    CHEMICAL_PRIORITY,
    FINANCE_CODES,
    MICROBIAL,
    Code,
    class_for_score,
)
from .models import Entity, IndicatorValue, ScoreWeight, Setting
from .months import add_months, month_end, month_range, month_start, year_window

VALIDATED = Observation.State.VALIDATED
DEFAULT_SETTINGS = {
    "reliable_max_downtime_days": 30,
    "perception_min_days_per_week": 4,
    "perception_ecoli_window_days": 90,
    "people_per_household": 4.2,
    "design_flow_share": 0.8,
}


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


def settings_values() -> dict[str, float]:
    values = dict(DEFAULT_SETTINGS)
    values.update({s.code: float(s.value) for s in Setting.objects.all()})
    return values


def weights_for(score: str) -> dict[str, float]:
    return {w.component: float(w.weight) for w in ScoreWeight.objects.filter(score=score)}


def weighted_score(components: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """Weighted mean of the components that could be computed (missing ones drop out)."""
    total = weight_sum = 0.0
    for name, component in components.items():
        if component is None:
            continue
        weight = weights.get(name, 1.0)
        total += weight * component
        weight_sum += weight
    return total / weight_sum if weight_sum else None


# Selection ---------------------------------------------------------------------------------
@dataclass
class Selection:
    """Which systems and localities to compute, for which months. None means all."""

    first_month: datetime.date
    last_month: datetime.date
    system_ids: set[int] | None = None
    locality_ids: set[int] | None = None

    @property
    def months(self) -> list[datetime.date]:
        return month_range(self.first_month, self.last_month)

    def systems(self) -> models.QuerySet[WaterSystem]:
        queryset = WaterSystem.objects.all()
        if self.system_ids is not None:
            queryset = queryset.filter(pk__in=self.system_ids)
        return queryset


def data_months() -> tuple[datetime.date, datetime.date] | None:
    """The first and last month holding any observation.

    Pending records count for the bounds too: that keeps this to index-only lookups, and a
    month with only pending records simply gets no values.
    """
    bounds = []
    for model in (
        SupplyDay,
        SystemVisit,
        Sample,
        HouseholdSurvey,
        SchoolSurvey,
        HealthCentreSurvey,
    ):
        found = model.objects.aggregate(first=Min("observed_on"), last=Max("observed_on"))
        if found["first"]:
            bounds.append((found["first"], found["last"]))
    if not bounds:
        return None
    return month_start(min(b[0] for b in bounds)), month_start(max(b[1] for b in bounds))


# Public entry points -------------------------------------------------------------------------
def recompute_all() -> int:
    """Rebuild every indicator value from the validated observations and the books. Returns
    rows written."""
    # The observations' months bound the service figures; the providers' financial figures
    # follow each provider's own months of books (``provider_values``), which may run later.
    bounds = data_months() or books_score.book_months()
    with transaction.atomic():
        serialise_writers()
        with bulk_load(IndicatorValue) as table:
            if bounds is None:
                return 0
            return Computation(Selection(*bounds), table=table).run()


@contextlib.contextmanager
def bulk_load(model: type[models.Model]):
    """Give the table to fill for a full rebuild; yields its name.

    On PostgreSQL the values go into a new table with no indexes, the indexes are built
    once at the end, and the new table then takes the old one's place. Readers keep using
    the old values meanwhile and are held only for the instant of the swap (a TRUNCATE
    would lock them out for the whole rebuild). Elsewhere the table is emptied in place.
    """
    table = model._meta.db_table
    if connection.vendor != "postgresql":
        model.objects.all().delete()
        yield table
        return
    staging = f"{table}_next"
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(staging)}")
        cursor.execute(
            f"CREATE TABLE {quote(staging)} "
            f"(LIKE {quote(table)} INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
    yield staging
    with connection.cursor() as cursor:
        # The same constraints and indexes, built once, under temporary names.
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, definition in constraints:
            cursor.execute(
                f"ALTER TABLE {quote(staging)} ADD CONSTRAINT {quote('next_' + name)} {definition}"
            )
        for name, definition in indexes:
            definition = re.sub(
                rf"INDEX {re.escape(name)} ON (\S+\.)?{re.escape(table)} ",
                f"INDEX next_{name} ON {staging} ",
                definition,
                count=1,
            )
            cursor.execute(definition)
        # The swap: a moment's lock on the old table, then the old names on the new one.
        cursor.execute(f"DROP TABLE {quote(table)}")
        cursor.execute(f"ALTER TABLE {quote(staging)} RENAME TO {quote(table)}")
        for name, _definition in constraints:
            cursor.execute(
                f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote('next_' + name)} "
                f"TO {quote(name)}"
            )
        for name, _definition in indexes:
            cursor.execute(f"ALTER INDEX {quote('next_' + name)} RENAME TO {quote(name)}")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        if sequence:
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {quote(table + '_id_seq')}")
        # A new table has no statistics: without them the planner scans instead of seeking.
        cursor.execute(f"ANALYZE {quote(table)}")


def serialise_writers() -> None:
    """Refreshes and full rebuilds take turns, so that none is lost in the swap."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITERS_LOCK])


# Any fixed number: the key of the advisory lock that refreshes and rebuilds share.
WRITERS_LOCK = 7_012_127


def refresh_books(provider_ids: Iterable[int]) -> int:
    """Recompute the provider values of these providers after their books changed.

    Every month of their books is recomputed: a payment can settle a charge of any earlier
    month, and a movement of the reserve fund counts in every month after it. A provider's
    figures come from a few grouped queries over its own books, so this stays cheap; it is
    meant to run once per committed transaction (``refresh_books_on_commit``), not per payment.
    """
    provider_ids = set(provider_ids)
    if not provider_ids:
        return 0
    books = books_score.monthly_books(provider_ids)
    if not books:
        return 0
    first = min(b.first_month for b in books.values())
    last = max(b.last_month for b in books.values())
    system_ids = set(WaterSystem.objects.filter(provider_id__in=books).values_list("id", flat=True))
    # Not a full run (system_ids is a set): only these providers' values are replaced.
    selection = Selection(first, last, system_ids=system_ids, locality_ids=set())
    with transaction.atomic():
        serialise_writers()
        computation = Computation(selection)
        computation.books = books
        computation.store(computation.provider_values(set(books)), Entity.PROVIDER, set(books))
        return computation.written


def refresh_books_on_commit(provider_id: int) -> None:
    """Refresh a provider's values once its books' transaction commits; once per provider,
    however many entries the transaction posted."""
    pending = getattr(connection, "_books_refresh_pending", None)
    if pending is None:
        pending = connection._books_refresh_pending = set()
    pending.add(provider_id)

    def run() -> None:
        if provider_id in pending:
            pending.discard(provider_id)
            refresh_books({provider_id})

    transaction.on_commit(run)


def refresh_after(observations: Iterable[models.Model]) -> int:
    """Recompute the values that depend on these (new or changed) observations."""
    system_ids: set[int] = set()
    locality_ids: set[int] = set()
    municipality_ids: set[int] = set()
    first: datetime.date | None = None
    latest: datetime.date | None = None
    reach = settings_values()["perception_ecoli_window_days"]
    for observation in observations:
        day = earliest = observation.observed_on
        if isinstance(observation, Sample):
            # A test counts for the surveys of the 90 days before it (perception gap) and of
            # the year after it ("safely managed" reads the year's latest test).
            earliest = day - datetime.timedelta(days=reach)
            day = day + datetime.timedelta(days=365)
        first = earliest if first is None or earliest < first else first
        latest = day if latest is None or day > latest else latest
        if getattr(observation, "system_id", None):
            system_ids.add(observation.system_id)
        if getattr(observation, "locality_id", None):
            locality_ids.add(observation.locality_id)
        municipality_ids.add(observation.municipality_id)
    if first is None or latest is None:
        return 0
    bounds = data_months()
    if bounds is None:
        return 0
    # "Last 12 months" values of later months read this month too.
    last = min(add_months(month_start(latest), 11), bounds[1])
    first_month = max(month_start(first), bounds[0])
    if first_month > last:
        return 0
    locality_ids |= set(
        ServedLocality.objects.filter(system_id__in=system_ids).values_list(
            "locality_id", flat=True
        )
    )
    # Households may name a system that has no "serves" link to their locality.
    locality_ids |= set(
        HouseholdSurvey.objects.filter(system_id__in=system_ids, state=VALIDATED)
        .values_list("locality_id", flat=True)
        .distinct()
    )
    selection = Selection(first_month, last, system_ids, locality_ids)
    with transaction.atomic():
        serialise_writers()
        return Computation(selection, municipality_ids=municipality_ids).run()


SYSTEM_CODES_READ_LATER = (
    Code.FUNCTIONALITY,
    Code.CONTINUITY_HOURS,
    Code.DAYS_PER_WEEK,
    Code.MICROBIAL,
    Code.SCORE,
    Code.DOWNTIME,
)
LOCALITY_CODES_SUMMED = (
    Code.GAP_RECORD,
    Code.GAP_WORKING,
    Code.GAP_RELIABLE,
    Code.GAP_SAFE,
    Code.PERCEPTION_GAP,
    "jmp_water",
    "jmp_sanitation",
    "jmp_hygiene",
)
MONTH_WINDOW_CODES = {Code.CONTINUITY_HOURS, Code.MICROBIAL}
# The values whose breakdown holds counts to add up (rungs, tiers, households).
CODES_WITH_DISTRIBUTIONS = (
    Code.WORKING_SHARE,
    Code.RELIABLE_SHARE,
    Code.PERCEPTION_GAP,
    "jmp_water",
    "jmp_sanitation",
    "jmp_hygiene",
    "jmp_school_water",
    "jmp_school_sanitation",
    "jmp_school_hygiene",
    "jmp_health_water",
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

    def add(self, numerator, denominator, breakdown, label, member: int | None = None) -> None:
        self.numerator += numerator or 0
        self.denominator += denominator or 0
        self.count += 1
        self.estimates += 1 if label == "estimate" else 0
        if member is not None:
            self.members.add(member)
        self.add_breakdown(breakdown)

    def add_breakdown(self, breakdown: dict | None) -> None:
        for key, amount in (breakdown or {}).items():
            if key in {"localities", "municipalities", "min_days_per_week", "estimated_localities"}:
                continue
            if isinstance(amount, int | float) and not isinstance(amount, bool):
                self.breakdown[key] += amount


# The computation ---------------------------------------------------------------------------
class Computation:
    def __init__(
        self,
        selection: Selection,
        municipality_ids: set[int] | None = None,
        table: str | None = None,
    ) -> None:
        self.selection = selection
        self.table = table or IndicatorValue._meta.db_table
        self.settings = settings_values()
        self.now = timezone.now()
        self.full = selection.system_ids is None
        self.municipality_ids = municipality_ids
        self.written = 0
        # Provider id → its books month by month, when the caller read them already.
        self.books: dict[int, books_score.MonthlyBooks] | None = None

    @property
    def reads_books(self) -> bool:
        """Whether this run computes the financial figures (or reuses the stored ones)."""
        return self.full or self.books is not None

    def run(self) -> int:
        systems = list(
            self.selection.systems().values(
                "id", "municipality_id", "provider_id", "design_yield_lps", "kind"
            )
        )
        self.systems = {s["id"]: s for s in systems}
        # A full run keeps in memory what the next layers read instead of reading it back.
        self.memory_systems: dict[tuple, tuple] = {}
        self.locality_sums: dict[tuple, AreaSum] = defaultdict(AreaSum)
        self.municipal_sums: dict[tuple, AreaSum] = defaultdict(AreaSum)
        self.store(self.capture_systems(self.system_values()), Entity.SYSTEM, set(self.systems))
        localities = self.affected_localities()
        self.store(
            self.capture_localities(self.locality_values(localities), localities),
            Entity.LOCALITY,
            set(localities),
        )
        providers = {s["provider_id"] for s in systems if s["provider_id"]}
        if self.full:
            # Kiosks and school committees may keep books without a system on record.
            providers |= books_score.providers_with_books()
        # An observation changes no book: a refresh keeps the providers' financial figures
        # (``refresh_books`` keeps those up to date) and only reads them for the score.
        self.store(
            self.provider_values(providers),
            Entity.PROVIDER,
            providers,
            keep=() if self.reads_books else FINANCE_CODES,
        )
        municipalities = self.affected_municipalities(localities)
        municipal_state = dict(
            Municipality.objects.filter(pk__in=municipalities).values_list("id", "state_id")
        )
        self.store(
            self.capture_municipalities(self.area_values(municipalities), municipal_state),
            Entity.MUNICIPALITY,
            municipalities,
        )
        states = set(municipal_state.values())
        self.store(self.state_values(states), Entity.STATE, states)
        return self.written

    def capture_systems(self, values: Iterable[Value]) -> Iterable[Value]:
        for value in values:
            if self.full and value.indicator in SYSTEM_CODES_READ_LATER:
                self.memory_systems[(value.entity_id, value.period, value.indicator)] = (
                    None,
                    value.entity_id,
                    value.period,
                    value.indicator,
                    value.value,
                    value.numerator,
                    value.denominator,
                    value.breakdown,
                )
            yield value

    def capture_localities(self, values: Iterable[Value], localities) -> Iterable[Value]:
        for value in values:
            if self.full and value.indicator in LOCALITY_CODES_SUMMED:
                self.locality_sums[(value.municipality_id, value.period, value.indicator)].add(
                    value.numerator, value.denominator, value.breakdown, value.label
                )
            yield value

    def capture_municipalities(self, values: Iterable[Value], municipal_state) -> Iterable[Value]:
        for value in values:
            if self.full:
                state_id = municipal_state[value.entity_id]
                self.municipal_sums[(state_id, value.period, value.indicator)].add(
                    value.numerator,
                    value.denominator,
                    value.breakdown,
                    value.label,
                    member=value.entity_id,
                )
            yield value

    # Storage ------------------------------------------------------------------------------
    def store(
        self, values: Iterable[Value], entity: str, entity_ids: set[int], keep: Iterable[str] = ()
    ) -> None:
        """Replace the entities' values of the selection's months (all but ``keep``)."""
        if not self.full:
            IndicatorValue.objects.filter(
                entity=entity,
                entity_id__in=entity_ids,
                period__range=(self.selection.first_month, self.selection.last_month),
            ).exclude(indicator__in=list(keep)).delete()
        self.written += insert_values(values, self.now, self.table)

    # Systems ------------------------------------------------------------------------------
    def system_values(self) -> Iterable[Value]:
        selection = self.selection
        start = add_months(selection.first_month, -11)
        end = month_end(selection.last_month)
        months = selection.months
        ids = selection.system_ids

        def only_selected(queryset):
            return queryset if ids is None else queryset.filter(system_id__in=ids)

        supply = only_selected(
            SupplyDay.objects.filter(state=VALIDATED, observed_on__range=(start, end))
        )
        monthly = defaultdict(dict)
        for row in (
            supply.annotate(month=TruncMonth("observed_on"))
            .values("system_id", "month")
            .annotate(
                total_hours=Sum("hours"),
                records=Count("id"),
                wet=Count("id", filter=Q(hours__gt=0)),
                days=Count("observed_on", distinct=True),
            )
            .order_by()
        ):
            monthly[row["system_id"]][_as_date(row["month"])] = row
        down_days = defaultdict(lambda: defaultdict(int))
        for system_id, day in (
            supply.values("system_id", "observed_on")
            .annotate(most=Max("hours"))
            .filter(most=0)
            .values_list("system_id", "observed_on")
            .order_by()
        ):
            down_days[system_id][month_start(day)] += 1

        visits = defaultdict(list)
        for visit in only_selected(
            SystemVisit.objects.filter(state=VALIDATED, observed_on__range=(start, end))
        ).values("id", "system_id", "observed_on", "working", "flow_lps", "downtime_days"):
            visits[visit["system_id"]].append(visit)
        for rows in visits.values():
            rows.sort(key=lambda v: (v["observed_on"], v["id"]))

        verdicts = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: [0, 0])))
        latest = defaultdict(lambda: defaultdict(list))  # system → parameter → [(day, passed)]
        verdict_rows = Verdict.objects.filter(
            norm__code="nom127",
            outcome__in=("pass", "fail"),
            result__sample__state=VALIDATED,
            sampled_on__range=(start, end),
            result__sample__system_id__isnull=False,
        )
        if ids is not None:
            verdict_rows = verdict_rows.filter(result__sample__system_id__in=ids)
        for system_id, day, parameter, outcome in verdict_rows.values_list(
            "result__sample__system_id", "sampled_on", "parameter_code", "outcome"
        ).order_by():
            counts = verdicts[system_id][month_start(day)][parameter]
            counts[0 if outcome == "pass" else 1] += 1
            if parameter in MICROBIAL or parameter in CHEMICAL_PRIORITY:
                latest[system_id]["microbial" if parameter in MICROBIAL else parameter].append(
                    (day, outcome == "pass")
                )
        for per_parameter in latest.values():
            for entries in per_parameter.values():
                entries.sort()

        reliable_limit = self.settings["reliable_max_downtime_days"]
        weights = weights_for("system")
        # A refresh sees only its window: systems with data after it carry their "last 12
        # months" figures to the window's end, as a full rebuild does.
        observed_later = set() if ids is None else self.systems_observed_after(ids, end)
        for system_id, system in self.systems.items():
            municipality_id, provider_id = system["municipality_id"], system["provider_id"]
            system_months = monthly.get(system_id, {})
            system_visits = visits.get(system_id, [])
            system_verdicts = verdicts.get(system_id, {})
            seen = set(system_months) | {month_start(v["observed_on"]) for v in system_visits}
            seen |= set(system_verdicts)
            if not seen:
                continue
            first_seen, last_seen = min(seen), max(seen)
            if system_id in observed_later:
                last_seen = selection.last_month

            make = functools.partial(
                _system_value,
                system_id=system_id,
                municipality_id=municipality_id,
                provider_id=provider_id,
            )

            for month in months:
                window = year_window(month)
                supply_source = source(
                    "monitoring.supplyday",
                    system_id=system_id,
                    observed_on__gte=month,
                    observed_on__lte=month_end(month),
                )
                row = system_months.get(month)
                if row and row["records"]:
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
                if not (first_seen <= month <= last_seen) and month > last_seen:
                    continue
                if month < first_seen:
                    continue
                # Downtime over the last 12 months: supply logs when there are any, else visits.
                year_months = month_range(window[0], month)
                observed_days = sum(
                    system_months[m]["days"] for m in year_months if m in system_months
                )
                downtime = None
                if observed_days:
                    down = sum(down_days[system_id][m] for m in year_months)
                    downtime = make(
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
                else:
                    year_visits = [
                        v for v in system_visits if window[0] <= v["observed_on"] <= window[1]
                    ]
                    if year_visits:
                        down = sum(v["downtime_days"] for v in year_visits)
                        days = (window[1] - window[0]).days + 1
                        downtime = make(
                            Code.DOWNTIME,
                            month,
                            float(down),
                            window,
                            numerator=down,
                            denominator=days,
                            label="reliable" if down < reliable_limit else "unreliable",
                            sources=[
                                source(
                                    "monitoring.systemvisit", id__in=[v["id"] for v in year_visits]
                                )
                            ],
                            breakdown={"from": "visits"},
                        )
                if downtime:
                    yield downtime
                # Functionality tier from the latest visit of the last 12 months.
                year_visits = [
                    v
                    for v in system_visits
                    if v["observed_on"] <= window[1] and v["observed_on"] >= window[0]
                ]
                tier = None
                if year_visits:
                    visit = year_visits[-1]
                    tier, reasons = functionality_tier(
                        visit,
                        minimum_flow(system["design_yield_lps"], self.settings),
                        downtime,
                        reliable_limit,
                        latest[system_id],
                        window,
                    )
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
                    yield make(
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
                        },
                    )
                # Compliance in the month.
                month_verdicts = system_verdicts.get(month, {})
                groups = {
                    Code.CHLORINE: {"free_chlorine"},
                    Code.MICROBIAL: MICROBIAL,
                }
                for code, parameters in groups.items():
                    passed = sum(month_verdicts.get(p, [0, 0])[0] for p in parameters)
                    failed = sum(month_verdicts.get(p, [0, 0])[1] for p in parameters)
                    if passed + failed:
                        yield make(
                            code,
                            month,
                            passed / (passed + failed),
                            numerator=passed,
                            denominator=passed + failed,
                            sources=[
                                source(
                                    "waterquality.verdict",
                                    norm__code="nom127",
                                    result__sample__system_id=system_id,
                                    sampled_on__gte=month,
                                    sampled_on__lte=month_end(month),
                                    parameter_code__in=sorted(parameters),
                                )
                            ],
                        )
                for parameter, (passed, failed) in month_verdicts.items():
                    yield make(
                        f"{Code.NOM_PREFIX}{parameter}",
                        month,
                        passed / (passed + failed),
                        numerator=passed,
                        denominator=passed + failed,
                        sources=[
                            source(
                                "waterquality.verdict",
                                norm__code="nom127",
                                result__sample__system_id=system_id,
                                sampled_on__gte=month,
                                sampled_on__lte=month_end(month),
                                parameter_code=parameter,
                            )
                        ],
                    )
                # SIASAR-style system score.
                hours = [system_months[m] for m in year_months if m in system_months]
                quality = [system_verdicts.get(m, {}) for m in year_months]
                micro_pass = sum(q.get(p, [0, 0])[0] for q in quality for p in MICROBIAL)
                micro_all = micro_pass + sum(
                    q.get(p, [0, 0])[1] for q in quality for p in MICROBIAL
                )
                components = {
                    "functionality": tier / 4 if tier is not None else None,
                    "continuity": (
                        sum(float(h["total_hours"]) for h in hours)
                        / sum(h["records"] for h in hours)
                        / 24
                    )
                    if hours
                    else None,
                    "seasonality": min(h["wet"] / h["records"] for h in hours) if hours else None,
                    "quality": ratio(micro_pass, micro_all),
                }
                score = weighted_score(components, weights)
                if score is not None:
                    yield make(
                        Code.SCORE,
                        month,
                        score,
                        window,
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

    @staticmethod
    def systems_observed_after(ids: set[int], end: datetime.date) -> set[int]:
        later: set[int] = set()
        for model in (SupplyDay, SystemVisit):
            later |= set(
                model.objects.filter(
                    state=VALIDATED, system_id__in=ids, observed_on__gt=end
                ).values_list("system_id", flat=True)
            )
        later |= set(
            Verdict.objects.filter(
                norm__code="nom127",
                outcome__in=("pass", "fail"),
                result__sample__state=VALIDATED,
                result__sample__system_id__in=ids,
                sampled_on__gt=end,
            ).values_list("result__sample__system_id", flat=True)
        )
        return later

    # Localities ---------------------------------------------------------------------------
    def affected_localities(self) -> dict[int, dict]:
        queryset = Locality.objects.all()
        if not self.full:
            queryset = queryset.filter(pk__in=self.selection.locality_ids or set())
        return {
            row["id"]: row
            for row in queryset.values(
                "id", "municipality_id", "population", "inhabited_dwellings", "dwellings"
            )
        }

    def system_values_for(
        self, indicators: Iterable[str], system_ids: set[int] | None, months_before: int = 0
    ):
        """Stored system values for the selection's months, by (system, month, indicator)."""
        if self.full:
            return self.memory_systems
        queryset = IndicatorValue.objects.filter(
            entity=Entity.SYSTEM,
            indicator__in=list(indicators),
            period__range=(
                add_months(self.selection.first_month, -months_before),
                self.selection.last_month,
            ),
        )
        if system_ids is not None:
            queryset = queryset.filter(entity_id__in=system_ids)
        found: dict[tuple[int, datetime.date, str], tuple] = {}
        for row in queryset.values_list(
            "id",
            "entity_id",
            "period",
            "indicator",
            "value",
            "numerator",
            "denominator",
            "breakdown",
        ):
            found[(row[1], row[2], row[3])] = row
        return found

    def locality_values(self, localities: dict[int, dict]) -> Iterable[Value]:
        if not localities:
            return
        selection = self.selection
        months = selection.months
        start = add_months(selection.first_month, -11)
        end = month_end(selection.last_month)
        people_per_household = self.settings["people_per_household"]
        links = defaultdict(list)  # locality → [(system, households)]
        served = ServedLocality.objects.all()
        if not self.full:
            served = served.filter(locality_id__in=localities)
        for locality_id, system_id, households in served.values_list(
            "locality_id", "system_id", "households"
        ):
            links[locality_id].append((system_id, households))
        serving = {s for rows in links.values() for s, _ in rows}
        surveys = HouseholdSurvey.objects.filter(state=VALIDATED, observed_on__range=(start, end))
        if not self.full:
            surveys = surveys.filter(locality_id__in=localities)
            # The systems households name, linked to their locality or not.
            serving |= set(
                surveys.filter(system_id__isnull=False)
                .values_list("system_id", flat=True)
                .distinct()
            )
        stored = self.system_values_for(
            [
                Code.FUNCTIONALITY,
                Code.DAYS_PER_WEEK,
                Code.CONTINUITY_HOURS,
                Code.MICROBIAL,
                Code.SCORE,
            ],
            None if self.full else serving,
            months_before=11,
        )
        contamination = self.contamination_history(serving, start, end)

        by_locality = defaultdict(list)
        for survey in surveys.values(
            "id",
            "locality_id",
            "system_id",
            "observed_on",
            "household_size",
            "water_source",
            "water_on_premises",
            "collection_minutes",
            "sufficient_last_month",
            "toilet",
            "toilet_shared",
            "excreta_disposal",
            "handwashing",
            "handwashing_water",
            "handwashing_soap",
            "water_has_problem",
            "days_with_water_last_week",
        ):
            by_locality[survey["locality_id"]].append(survey)
        for rows in by_locality.values():
            rows.sort(key=lambda s: s["observed_on"])

        locality_weights = weights_for("locality")
        min_days = self.settings["perception_min_days_per_week"]
        ecoli_days = datetime.timedelta(days=self.settings["perception_ecoli_window_days"])
        classified: dict[int, dict] = {}
        for rows in by_locality.values():
            for survey in rows:
                history = contamination.get(survey["system_id"], [])
                survey_day = survey["observed_on"]
                free = _free_of_contamination(history, survey_day)
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
                    free,
                )
                failed_ecoli = any(
                    not passed and abs(day - survey_day) <= ecoli_days
                    for day, passed, _p in history
                    if _p in MICROBIAL
                )
                reported_days = survey["days_with_water_last_week"]
                measured = stored.get(
                    (survey["system_id"], month_start(survey_day), Code.DAYS_PER_WEEK)
                )
                few_days = (reported_days is not None and reported_days < min_days) or (
                    measured is not None and measured[4] is not None and measured[4] < min_days
                )
                classified[survey["id"]] = {
                    "water": ladders.water_rung(answers),
                    "sanitation": ladders.sanitation_rung(answers),
                    "hygiene": ladders.hygiene_rung(answers),
                    "no_problem": survey["water_has_problem"] == "no",
                    "ecoli_failed": failed_ecoli,
                    "few_days": few_days,
                }

        for locality_id, locality in localities.items():
            municipality_id = locality["municipality_id"]
            population = locality["population"] or 0
            dwellings = locality["inhabited_dwellings"] or locality["dwellings"]
            per_household = (
                (population / dwellings) if population and dwellings else people_per_household
            )
            locality_surveys = by_locality.get(locality_id, [])
            locality_links = links.get(locality_id, [])
            if not locality_surveys and not locality_links:
                continue
            dates = [s["observed_on"] for s in locality_surveys]

            make = functools.partial(
                _locality_value, locality_id=locality_id, municipality_id=municipality_id
            )

            for month in months:
                window = year_window(month)
                low = bisect.bisect_left(dates, window[0])
                high = bisect.bisect_right(dates, window[1])
                in_window = locality_surveys[low:high]
                survey_source = source(
                    "monitoring.householdsurvey",
                    locality_id=locality_id,
                    observed_on__gte=window[0],
                    observed_on__lte=window[1],
                )
                safe_share = basic_share = None
                if in_window:
                    people = sum(s["household_size"] for s in in_window)
                    for ladder, rungs in (
                        ("water", ladders.WATER_RUNGS),
                        ("sanitation", ladders.SANITATION_RUNGS),
                        ("hygiene", ladders.HYGIENE_RUNGS),
                    ):
                        counts = dict.fromkeys(rungs, 0)
                        for survey in in_window:
                            counts[classified[survey["id"]][ladder]] += survey["household_size"]
                        top = rungs[0]
                        yield make(
                            f"jmp_{ladder}",
                            month,
                            counts[top] / people,
                            window,
                            numerator=counts[top],
                            denominator=people,
                            label=max(rungs, key=lambda r: counts[r]),
                            breakdown=counts,
                            sources=[survey_source],
                        )
                        if ladder == "water":
                            safe_share = counts[top] / people
                            basic_share = (counts[top] + counts["basic"]) / people
                    satisfied = [classified[s["id"]] for s in in_window]
                    no_problem = [c for c in satisfied if c["no_problem"]]
                    if no_problem:
                        contradicted = [c for c in no_problem if c["ecoli_failed"] or c["few_days"]]
                        yield make(
                            Code.PERCEPTION_GAP,
                            month,
                            len(contradicted) / len(no_problem),
                            window,
                            numerator=len(contradicted),
                            denominator=len(no_problem),
                            breakdown={
                                "surveyed": len(in_window),
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
                if not locality_links or not population:
                    continue
                # Official vs real: people on record, working, reliable, safely managed.
                on_record = working = reliable = safe_estimate = 0.0
                tiers_known = False
                system_ids = []
                for system_id, households in locality_links:
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
                if not tiers_known and not in_window:
                    continue
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
                for code, people, sources in (
                    (Code.GAP_RECORD, on_record, [link_source]),
                    (Code.GAP_WORKING, working, [link_source, system_source]),
                    (Code.GAP_RELIABLE, reliable, [link_source, system_source]),
                    (
                        Code.GAP_SAFE,
                        safe,
                        [link_source, system_source] if estimated else [survey_source],
                    ),
                ):
                    if (
                        code != Code.GAP_RECORD
                        and not tiers_known
                        and (code != Code.GAP_SAFE or estimated)
                    ):
                        continue
                    yield make(
                        code,
                        month,
                        people / population,
                        window,
                        numerator=people,
                        denominator=population,
                        sources=sources,
                        label="estimate" if code == Code.GAP_SAFE and estimated else "",
                    )
                # SIASAR-style service level of the locality: access, and its systems' service.
                components = {
                    "accessibility": basic_share
                    if basic_share is not None
                    else on_record / population,
                    **served_components(stored, locality_links, month),
                }
                score = weighted_score(components, locality_weights)
                if score is not None:
                    yield make(
                        Code.SCORE,
                        month,
                        score,
                        window,
                        label=class_for_score(score),
                        breakdown=components,
                        sources=[
                            link_source,
                            source(
                                "indicators.indicatorvalue",
                                entity="system",
                                entity_id__in=system_ids,
                                period=month,
                                indicator=Code.SCORE,
                            ),
                            *([survey_source] if basic_share is not None else []),
                        ],
                    )

    def contamination_history(self, system_ids: set[int], start, end):
        """Per system, (day, passed, parameter) of NOM E. coli and priority-chemical verdicts."""
        history = defaultdict(list)
        rows = Verdict.objects.filter(
            norm__code="nom127",
            outcome__in=("pass", "fail"),
            parameter_code__in=sorted(MICROBIAL | CHEMICAL_PRIORITY),
            result__sample__state=VALIDATED,
            # The perception gap also reads the tests of the 90 days after a survey.
            sampled_on__range=(
                add_months(start, -12),
                end + datetime.timedelta(days=self.settings["perception_ecoli_window_days"]),
            ),
        )
        if not self.full:
            rows = rows.filter(result__sample__system_id__in=system_ids)
        for system_id, day, outcome, parameter in rows.values_list(
            "result__sample__system_id", "sampled_on", "outcome", "parameter_code"
        ).order_by():
            history[system_id].append((day, outcome == "pass", parameter))
        for entries in history.values():
            entries.sort()
        return history

    # Providers ------------------------------------------------------------------------------
    def provider_values(self, provider_ids: set[int]) -> Iterable[Value]:
        """Each provider's systems' figures added up, its books' financial figures, and its
        score, which weighs the service of its systems and, when it keeps books, its finances.

        Design: the SIASAR-style score of a system (functionality, continuity, seasonality,
        quality) says nothing about who runs it, so the financial component joins at the
        provider, the one level that keeps books: provider score = weighted mean of "service"
        (the mean of its systems' scores, as before) and "finance" (itself the weighted mean of
        collection efficiency and O&M cost coverage, each capped at 1). The weights are the
        ``ScoreWeight`` rows of the scores "provider" and "finance". A provider without books
        has no finance component, so its score is its systems' mean as it always was; one
        without any system score gets no score (its financial figures stand on their own).
        Municipal and state scores still average systems, so the books do not reach them.
        """
        systems = WaterSystem.objects.filter(provider_id__isnull=False)
        if not self.full:
            systems = systems.filter(provider_id__in=provider_ids)
        members = defaultdict(list)
        # The provider's own municipality (its systems may sit in several), as its pages use.
        municipality = {}
        for system_id, provider_id, municipality_id in systems.values_list(
            "id", "provider_id", "provider__municipality_id"
        ):
            members[provider_id].append(system_id)
            municipality[provider_id] = municipality_id
        provider_ids = set(provider_ids) | set(members)
        if missing := provider_ids - set(municipality):
            municipality.update(
                Provider.objects.filter(pk__in=missing).values_list("id", "municipality_id")
            )
        stored = self.system_values_for(
            [Code.FUNCTIONALITY, Code.CONTINUITY_HOURS, Code.MICROBIAL, Code.SCORE, Code.DOWNTIME],
            None if self.full else {s for ids in members.values() for s in ids},
        )
        weights = weights_for("provider")
        finance_weights = weights_for("finance")
        ordered = sorted(p for p in provider_ids if p in municipality)
        for first in range(0, len(ordered), BOOKS_CHUNK):
            chunk = ordered[first : first + BOOKS_CHUNK]
            if self.books is not None:
                books, stored_finance = self.books, {}
            elif self.full:
                books, stored_finance = books_score.monthly_books(chunk), {}
            else:
                books, stored_finance = {}, self.stored_finance(chunk)
            for provider_id in chunk:
                provider_books = books.get(provider_id)
                months = self.selection.months
                if provider_books is not None:
                    months = sorted(
                        set(months)
                        | set(month_range(provider_books.first_month, provider_books.last_month))
                    )
                for month in months:
                    service = None
                    for value in aggregate_system_values(
                        stored,
                        members.get(provider_id, []),
                        month,
                        Entity.PROVIDER,
                        provider_id,
                        municipality[provider_id],
                        provider_id,
                    ):
                        if value.indicator == Code.SCORE:
                            service = value
                        else:
                            yield value
                    finance = stored_finance.get((provider_id, month), {})
                    if provider_books is not None and provider_books.covers(month):
                        for value in finance_values(
                            provider_books, month, provider_id, municipality[provider_id]
                        ):
                            finance[value.indicator] = value.value
                            yield value
                    if service is not None:
                        yield provider_score(service, finance, weights, finance_weights)

    def stored_finance(self, provider_ids) -> dict[tuple[int, datetime.date], dict[str, float]]:
        """(provider, month) → the stored financial figures, for a refresh that keeps them."""
        found: dict[tuple[int, datetime.date], dict[str, float]] = defaultdict(dict)
        for provider_id, month, code, value in IndicatorValue.objects.filter(
            entity=Entity.PROVIDER,
            entity_id__in=provider_ids,
            indicator__in=FINANCE_CODES,
            period__range=(self.selection.first_month, self.selection.last_month),
        ).values_list("entity_id", "period", "indicator", "value"):
            found[(provider_id, month)][code] = value
        return found

    # Municipalities and the state ---------------------------------------------------------------
    def affected_municipalities(self, localities: dict[int, dict]) -> set[int]:
        if self.full:
            return set(Municipality.objects.values_list("id", flat=True))
        found = {row["municipality_id"] for row in localities.values()}
        found |= {s["municipality_id"] for s in self.systems.values()}
        return found | (self.municipality_ids or set())

    def area_values(self, area_ids: set[int]) -> Iterable[Value]:
        """Municipal figures: their systems' values and their localities' values added up."""
        if not area_ids:
            return
        entity = Entity.MUNICIPALITY
        system_area = dict(
            WaterSystem.objects.filter(municipality_id__in=area_ids).values_list(
                "id", "municipality_id"
            )
        )
        stored_systems = self.system_values_for(SYSTEM_CODES_READ_LATER, set(system_area))
        sums = self.locality_sums if self.full else self.read_locality_sums(area_ids)
        populations = defaultdict(int)
        for municipality_id, population in Locality.objects.filter(
            municipality_id__in=area_ids
        ).values_list("municipality_id", "population"):
            populations[municipality_id] += population or 0
        members = defaultdict(list)
        for system_id, area_id in system_area.items():
            members[area_id].append(system_id)
        institutions = self.institution_rungs(entity, area_ids)
        min_days = self.settings["perception_min_days_per_week"]

        for area_id in area_ids:
            for month in self.selection.months:
                window = year_window(month)
                yield from aggregate_system_values(
                    stored_systems,
                    members.get(area_id, []),
                    month,
                    entity,
                    area_id,
                    area_id,
                    None,
                )
                for code in LOCALITY_CODES_SUMMED:
                    found = sums.get((area_id, month, code))
                    if found is None or not found.count:
                        continue
                    denominator = found.denominator
                    if code.startswith("gap_"):
                        # Against the whole population, not only the localities with data.
                        denominator = populations[area_id] or found.denominator
                    breakdown = dict(found.breakdown)
                    breakdown["localities"] = found.count
                    if found.estimates:
                        breakdown["estimated_localities"] = found.estimates
                    if code == Code.PERCEPTION_GAP:
                        breakdown["min_days_per_week"] = min_days
                    yield Value(
                        code,
                        entity,
                        area_id,
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
                                municipality_id=area_id,
                            )
                        ],
                        breakdown=breakdown,
                        municipality_id=area_id,
                    )
                for code, counts in institutions.get((area_id, month), {}).items():
                    total = sum(counts["rungs"].values())
                    yield Value(
                        code,
                        entity,
                        area_id,
                        month,
                        window[0],
                        window[1],
                        ratio(counts["rungs"].get("basic", 0), total),
                        counts["rungs"].get("basic", 0),
                        total,
                        breakdown=counts["rungs"],
                        sources=[source(counts["model"], id__in=counts["ids"])],
                        municipality_id=area_id,
                    )

    def read_locality_sums(self, area_ids: set[int]) -> dict[tuple, "AreaSum"]:
        rows = IndicatorValue.objects.filter(
            entity=Entity.LOCALITY,
            municipality_id__in=area_ids,
            period__range=(self.selection.first_month, self.selection.last_month),
            indicator__in=LOCALITY_CODES_SUMMED,
        )
        return summed(rows, "municipality_id")

    def state_values(self, state_ids: set[int]) -> Iterable[Value]:
        """State figures: the sum of its municipalities' numerators and denominators."""
        if not state_ids:
            return
        members: dict[int, list[int]] = defaultdict(list)
        for municipality_id, state_id in Municipality.objects.filter(
            state_id__in=state_ids
        ).values_list("id", "state_id"):
            members[state_id].append(municipality_id)
        sums = self.municipal_sums
        if not self.full:
            sums = {}
            for state_id in state_ids:
                rows = IndicatorValue.objects.filter(
                    entity=Entity.MUNICIPALITY,
                    entity_id__in=members[state_id],
                    period__range=(self.selection.first_month, self.selection.last_month),
                )
                for (_nothing, month, code), found in summed(rows, None).items():
                    sums[(state_id, month, code)] = found
        # Gaps are shares of the whole state, municipalities with no system on record included.
        populations = dict(
            Locality.objects.filter(municipality__state_id__in=state_ids)
            .values("municipality__state_id")
            .annotate(people=Sum("population"))
            .values_list("municipality__state_id", "people")
        )
        for (state_id, month, code), found in sums.items():
            if state_id not in state_ids:
                continue
            window = (
                year_window(month) if code not in MONTH_WINDOW_CODES else (month, month_end(month))
            )
            denominator = found.denominator
            if code.startswith("gap_"):
                denominator = populations.get(state_id) or found.denominator
            value = ratio(found.numerator, denominator)
            breakdown = dict(found.breakdown)
            breakdown["municipalities"] = found.count
            if code == Code.PERCEPTION_GAP:
                breakdown["min_days_per_week"] = self.settings["perception_min_days_per_week"]
            yield Value(
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
                        entity_id__in=sorted(members[state_id]),
                    )
                ],
            )

    def institution_rungs(self, entity: str, area_ids: set[int]):
        """Schools and health centres: the latest survey of the last 12 months of each."""
        start = add_months(self.selection.first_month, -11)
        end = month_end(self.selection.last_month)
        area_field = (
            "locality__municipality_id"
            if entity == Entity.MUNICIPALITY
            else "locality__municipality__state_id"
        )
        found = defaultdict(lambda: defaultdict(lambda: {"rungs": defaultdict(int), "ids": []}))
        for model, survey_model, owner, rung_sets in (
            (
                School,
                SchoolSurvey,
                "school",
                {
                    "jmp_school_water": lambda s: ladders.school_water_rung(
                        s["water_source_improved"], s["water_available"]
                    ),
                    "jmp_school_sanitation": lambda s: ladders.school_sanitation_rung(
                        s["toilets_improved"], s["toilets_single_sex"], s["toilets_usable"]
                    ),
                    "jmp_school_hygiene": lambda s: ladders.institution_hygiene_rung(
                        s["handwashing_water"], s["handwashing_soap"]
                    ),
                },
            ),
            (
                HealthCentre,
                HealthCentreSurvey,
                "health_centre",
                {
                    "jmp_health_water": lambda s: ladders.health_centre_water_rung(
                        s["water_source_improved"], s["water_on_premises"], s["water_available"]
                    ),
                },
            ),
        ):
            area_of = dict(
                model.objects.filter(**{f"{area_field}__in": area_ids}).values_list(
                    "id", area_field
                )
            )
            surveys = defaultdict(list)
            for survey in (
                survey_model.objects.filter(
                    state=VALIDATED,
                    observed_on__range=(start, end),
                    **{f"{owner}_id__in": list(area_of)},
                )
                .values()
                .order_by("observed_on", "id")
            ):
                surveys[survey[f"{owner}_id"]].append(survey)
            for facility_id, rows in surveys.items():
                days = [r["observed_on"] for r in rows]
                for month in self.selection.months:
                    window = year_window(month)
                    index = bisect.bisect_right(days, window[1]) - 1
                    if index < 0 or days[index] < window[0]:
                        continue
                    survey = rows[index]
                    for code, rung in rung_sets.items():
                        slot = found[(area_of[facility_id], month)][code]
                        slot["rungs"][rung(survey)] += 1
                        slot["ids"].append(survey["id"])
                        slot["model"] = f"monitoring.{survey_model._meta.model_name}"
        return found


def summed(rows: models.QuerySet, area_field: str | None) -> dict[tuple, AreaSum]:
    """Add up stored values per (area, month, indicator) in the database; only the
    distributions (ladder rungs, tiers, perception counts) are added up here."""
    group = [area_field] if area_field else []
    sums: dict[tuple, AreaSum] = {}
    for row in (
        rows.values(*group, "period", "indicator")
        .annotate(
            numerator_sum=Sum("numerator"),
            denominator_sum=Sum("denominator"),
            parts=Count("id"),
            estimates=Count("id", filter=Q(label="estimate")),
        )
        .order_by()
    ):
        key = (row[area_field] if area_field else None, row["period"], row["indicator"])
        sums[key] = AreaSum(
            numerator=row["numerator_sum"] or 0.0,
            denominator=row["denominator_sum"] or 0.0,
            count=row["parts"],
            estimates=row["estimates"],
        )
    for row in rows.filter(indicator__in=CODES_WITH_DISTRIBUTIONS).values_list(
        area_field or "entity", "period", "indicator", "breakdown"
    ):
        found = sums[(row[0] if area_field else None, row[1], row[2])]
        found.add_breakdown(row[3])
    return sums


def served_components(stored, links, month) -> dict[str, float]:
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


def aggregate_system_values(
    stored, system_ids, month, entity, entity_id, municipality_id, provider_id
) -> Iterable[Value]:
    """Provider, municipal and state figures made from their systems' stored values."""
    window = year_window(month)
    tiers, hours, days, micro_pass, micro_all, scores, reliable, downtime_known = (
        [],
        0.0,
        0.0,
        0.0,
        0.0,
        [],
        0,
        0,
    )
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
        down = stored.get((system_id, month, Code.DOWNTIME))
        if down:
            downtime_known += 1
            reliable += 1 if tier and tier[4] >= 3 else 0

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
        mean = sum(scores) / len(scores)
        yield make(
            Code.SCORE,
            mean,
            window,
            numerator=sum(scores),
            denominator=len(scores),
            label=class_for_score(mean),
            sources=from_systems(Code.SCORE),
        )


# Providers whose books are read at once in a full recompute: bounded memory at state scale.
BOOKS_CHUNK = 500


def finance_values(
    books: "books_score.MonthlyBooks", month: datetime.date, provider_id: int, municipality_id
) -> Iterable[Value]:
    """Collection efficiency, O&M cost coverage and reserve in months for the 12 months ending
    with ``month``, or since the provider's first month of books if that is later: months
    before a committee kept its books here are not months without income or spending."""
    first = max(add_months(month, -11), books.first_month)
    figures = books.window(first, month)
    window = (figures.start, figures.end)

    def books_source(model: str, **lookups) -> dict[str, Any]:
        return source(model, provider_id=provider_id, **lookups)

    charges = books_source("books.charge", period__gte=window[0], period__lte=window[1])
    income = books_source(
        "books.journalentry",
        entry_date__gte=window[0],
        entry_date__lte=window[1],
        lines__account__in=books_score.OPERATING_INCOME_ACCOUNTS,
    )
    spending = books_source(
        "books.journalentry",
        entry_date__gte=window[0],
        entry_date__lte=window[1],
        lines__account__in=books_score.OM_EXPENSES,
    )
    reserve = books_source(
        "books.journalentry", entry_date__lte=window[1], lines__account=books_score.RESERVE
    )
    for code, ratio_, sources in (
        (Code.COLLECTION, figures.collection_efficiency, [charges]),
        (Code.COST_COVERAGE, figures.cost_coverage, [income, spending]),
        (Code.RESERVE_MONTHS, figures.reserve_months, [reserve, spending]),
    ):
        if ratio_.denominator <= 0:
            continue
        numerator, denominator = float(ratio_.numerator), float(ratio_.denominator)
        yield Value(
            code,
            Entity.PROVIDER,
            provider_id,
            month,
            window[0],
            window[1],
            numerator / denominator,
            numerator,
            denominator,
            sources=sources,
            municipality_id=municipality_id,
            provider_id=provider_id,
        )


def provider_score(
    service: Value,
    finance: dict[str, float | None],
    weights: dict[str, float],
    finance_weights: dict[str, float],
) -> Value:
    """The provider's score: its systems' mean score and its finances, weighted (see
    ``Computation.provider_values``)."""
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


def minimum_flow(design_yield, settings: dict[str, float]):
    """The flow that counts as delivering the design yield (a share of it, kept as data)."""
    if design_yield is None:
        return None
    return design_yield * Decimal(str(settings["design_flow_share"]))


def functionality_tier(
    visit, design_yield, downtime: Value | None, reliable_limit: float, latest: dict, window
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


def _system_value(
    indicator, month, value, window=None, *, system_id, municipality_id, provider_id, **extra
) -> Value:
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


def _locality_value(
    indicator, month, value, window, *, locality_id, municipality_id, **extra
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


def _free_of_contamination(history, day: datetime.date) -> bool | None:
    """Latest E. coli (and arsenic/fluoride) tests in the year before ``day``."""
    start = day - datetime.timedelta(days=365)
    latest: dict[str, bool] = {}
    for test_day, passed, parameter in history:
        if start <= test_day <= day:
            latest["microbial" if parameter in MICROBIAL else parameter] = passed
    if "microbial" not in latest:
        return None
    return all(latest.values())


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# Writing -----------------------------------------------------------------------------------
COLUMNS = (
    "indicator",
    "entity",
    "entity_id",
    "period",
    "window_start",
    "window_end",
    "value",
    "label",
    "numerator",
    "denominator",
    "sources",
    "breakdown",
    "computed_at",
    "municipality_id",
    "provider_id",
)


BATCH = 20_000


def insert_values(
    values: Iterable[Value], computed_at: datetime.datetime, table: str | None = None
) -> int:
    """Insert values in batches: COPY on PostgreSQL, one executemany on SQLite.

    The values are computed between batches, never while a COPY is open: the computation
    queries the same connection, and psycopg cannot run a query inside a COPY.
    """
    stamp = connection.ops.adapt_datetimefield_value(computed_at)
    table = connection.ops.quote_name(table or IndicatorValue._meta.db_table)
    count, batch = 0, []
    for value in values:
        batch.append(_row(value, stamp))
        if len(batch) >= BATCH:
            _write(batch, table)
            count += len(batch)
            batch = []
    if batch:
        _write(batch, table)
    return count + len(batch)


def _row(v: Value, stamp) -> tuple:
    return (
        v.indicator,
        v.entity,
        v.entity_id,
        v.period,
        v.window_start,
        v.window_end,
        v.value,
        v.label,
        v.numerator,
        v.denominator,
        json.dumps(v.sources),
        json.dumps(v.breakdown) if v.breakdown else "{}",
        stamp,
        v.municipality_id,
        v.provider_id,
    )


def _write(rows: list[tuple], table: str) -> None:
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
