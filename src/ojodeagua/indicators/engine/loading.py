"""The queries that load the engine's inputs for a set of places and months: observations,
the registry's links, and the values already stored that the next layer reads."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.monitoring.models import (
    HealthCentreSurvey,
    HouseholdSurvey,
    SchoolSurvey,
    SupplyDay,
    SystemVisit,
)
from ojodeagua.monitoring.observation import Observation
from ojodeagua.places.models import Locality
from ojodeagua.waterquality.models import Sample, Verdict
from ojodeagua.watersystems.models import ServedLocality, WaterSystem

from ..catalogue import (
    CHEMICAL_PRIORITY,
    FINANCE_CODES,
    HEALTH_CARE_LADDER_CODES,
    MICROBIAL,
    Code,
)
from ..models import Entity, IndicatorValue, ScoreWeight, Setting
from ..months import add_months, month_end, month_range, month_start
from .families import ladders as ladder_family
from .families.quality import RESTRICTED_CODES
from .values import AreaSum

VALIDATED = Observation.State.VALIDATED
DEFAULT_SETTINGS = {
    "reliable_max_downtime_days": 30,
    "perception_min_days_per_week": 4,
    "perception_ecoli_window_days": 90,
    "people_per_household": 4.2,
    "design_flow_share": 0.8,
    "point_min_flow_lpm": 10,
}
# Which norm's verdicts say whether a household's water is free from contamination; WHO's
# guideline values make the figures comparable with the JMP's ("contamination_norm" setting).
CONTAMINATION_NORMS = ("who", "nom127")
DEFAULT_CONTAMINATION_NORM = "who"
# The values whose breakdown holds counts to add up (rungs, tiers, households, systems left
# out of a quality figure).
CODES_WITH_DISTRIBUTIONS = (
    *RESTRICTED_CODES,
    Code.WORKING_SHARE,
    Code.RELIABLE_SHARE,
    Code.PERCEPTION_GAP,
    Code.GAP_SAFE,
    "jmp_water",
    "jmp_sanitation",
    "jmp_hygiene",
    "jmp_school_water",
    "jmp_school_sanitation",
    "jmp_school_hygiene",
    *HEALTH_CARE_LADDER_CODES,
)
OBSERVATION_MODELS = (
    SupplyDay,
    SystemVisit,
    Sample,
    HouseholdSurvey,
    SchoolSurvey,
    HealthCentreSurvey,
)


def settings_values() -> dict[str, float]:
    values = dict(DEFAULT_SETTINGS)
    values.update({s.code: float(s.value) for s in Setting.objects.filter(choice="")})
    return values


def contamination_norm() -> str:
    """The norm code ("who" or "nom127") the ladder's "free from contamination" reads."""
    chosen = (
        Setting.objects.filter(code="contamination_norm").values_list("choice", flat=True).first()
    )
    return chosen if chosen in CONTAMINATION_NORMS else DEFAULT_CONTAMINATION_NORM


def weights_for(score: str) -> dict[str, float]:
    return {w.component: float(w.weight) for w in ScoreWeight.objects.filter(score=score)}


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
    for model in OBSERVATION_MODELS:
        found = model.objects.aggregate(first=Min("observed_on"), last=Max("observed_on"))
        if found["first"]:
            bounds.append((found["first"], found["last"]))
    if not bounds:
        return None
    return month_start(min(b[0] for b in bounds)), month_start(max(b[1] for b in bounds))


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def system_verdicts() -> models.QuerySet[Verdict]:
    """The verdicts the system figures read: NOM-127, passed or failed, of validated samples."""
    return Verdict.objects.filter(
        norm__code="nom127", outcome__in=("pass", "fail"), result__sample__state=VALIDATED
    )


# Systems ---------------------------------------------------------------------------------
def _month_verdicts() -> dict:
    return defaultdict(lambda: defaultdict(lambda: [0, 0]))


@dataclass
class SystemInputs:
    """The observations of a set of systems, from 11 months before the selection to its end."""

    # system → month → supply log added up: total_hours, records, wet, days.
    monthly: dict[int, dict[datetime.date, dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    # system → month → days on which no record had water.
    down_days: dict[int, dict[datetime.date, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    # system → visits sorted by day and id.
    visits: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    # system → month → parameter → [passed, failed].
    verdicts: dict[int, dict] = field(default_factory=lambda: defaultdict(_month_verdicts))
    # system → "microbial" or a priority chemical → [(day, passed)] sorted.
    latest: dict[int, dict[str, list]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )


def load_system_inputs(selection: Selection) -> SystemInputs:
    start = add_months(selection.first_month, -11)
    end = month_end(selection.last_month)
    ids = selection.system_ids
    found = SystemInputs()

    def only_selected(queryset):
        return queryset if ids is None else queryset.filter(system_id__in=ids)

    supply = only_selected(
        SupplyDay.objects.filter(state=VALIDATED, observed_on__range=(start, end))
    )
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
        found.monthly[row["system_id"]][_as_date(row["month"])] = row
    for system_id, day in (
        supply.values("system_id", "observed_on")
        .annotate(most=Max("hours"))
        .filter(most=0)
        .values_list("system_id", "observed_on")
        .order_by()
    ):
        found.down_days[system_id][month_start(day)] += 1

    for visit in only_selected(
        SystemVisit.objects.filter(state=VALIDATED, observed_on__range=(start, end))
    ).values(
        "id", "system_id", "observed_on", "working", "flow_lps", "downtime_days", "chlorination"
    ):
        found.visits[visit["system_id"]].append(visit)
    for rows in found.visits.values():
        rows.sort(key=lambda v: (v["observed_on"], v["id"]))

    verdict_rows = system_verdicts().filter(
        sampled_on__range=(start, end), result__sample__system_id__isnull=False
    )
    if ids is not None:
        verdict_rows = verdict_rows.filter(result__sample__system_id__in=ids)
    for system_id, day, parameter, outcome in verdict_rows.values_list(
        "result__sample__system_id", "sampled_on", "parameter_code", "outcome"
    ).order_by():
        counts = found.verdicts[system_id][month_start(day)][parameter]
        counts[0 if outcome == "pass" else 1] += 1
        if parameter in MICROBIAL or parameter in CHEMICAL_PRIORITY:
            found.latest[system_id]["microbial" if parameter in MICROBIAL else parameter].append(
                (day, outcome == "pass")
            )
    for per_parameter in found.latest.values():
        for entries in per_parameter.values():
            entries.sort()
    return found


def systems_observed_after(ids: set[int], end: datetime.date) -> set[int]:
    """The systems with a validated observation after ``end``."""
    later: set[int] = set()
    for model in (SupplyDay, SystemVisit):
        later |= set(
            model.objects.filter(
                state=VALIDATED, system_id__in=ids, observed_on__gt=end
            ).values_list("system_id", flat=True)
        )
    later |= set(
        system_verdicts()
        .filter(result__sample__system_id__in=ids, sampled_on__gt=end)
        .values_list("result__sample__system_id", flat=True)
    )
    return later


def systems_last_observed_before(ids: set[int], day: datetime.date) -> dict[int, datetime.date]:
    """Each system's last validated observation (supply, visit or verdict) before ``day``."""
    last: dict[int, datetime.date] = {}

    def keep(rows: Iterable[tuple[int, datetime.date]]) -> None:
        for system_id, seen in rows:
            if seen and (system_id not in last or seen > last[system_id]):
                last[system_id] = seen

    for model in (SupplyDay, SystemVisit):
        keep(
            model.objects.filter(state=VALIDATED, system_id__in=ids, observed_on__lt=day)
            .values("system_id")
            .annotate(last=Max("observed_on"))
            .values_list("system_id", "last")
            .order_by()
        )
    keep(
        system_verdicts()
        .filter(result__sample__system_id__in=ids, sampled_on__lt=day)
        .values("result__sample__system_id")
        .annotate(last=Max("sampled_on"))
        .values_list("result__sample__system_id", "last")
        .order_by()
    )
    return last


def stored_system_values(
    indicators: Iterable[str],
    system_ids: set[int] | None,
    first_month: datetime.date,
    last_month: datetime.date,
) -> dict[tuple[int, datetime.date, str], tuple]:
    """Stored system values by (system, month, indicator): rows of (id, system, month,
    indicator, value, numerator, denominator, breakdown)."""
    queryset = IndicatorValue.objects.filter(
        entity=Entity.SYSTEM,
        indicator__in=list(indicators),
        period__range=(first_month, last_month),
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


# Localities --------------------------------------------------------------------------------
def localities(locality_ids: set[int] | None) -> dict[int, dict]:
    """The localities to compute (None: all), with their population and dwellings."""
    queryset = Locality.objects.all()
    if locality_ids is not None:
        queryset = queryset.filter(pk__in=locality_ids)
    return {
        row["id"]: row
        for row in queryset.values(
            "id", "municipality_id", "population", "inhabited_dwellings", "dwellings"
        )
    }


HOUSEHOLD_FIELDS = (
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
)


@dataclass
class LocalityInputs:
    # locality → [(system, households)] from the "serves" links.
    links: dict[int, list[tuple[int, int]]]
    # locality → its validated household surveys, sorted by day.
    surveys: dict[int, list[dict[str, Any]]]
    # The systems serving them or named by their households.
    serving: set[int]


def load_locality_inputs(
    locality_ids: Iterable[int] | None, start: datetime.date, end: datetime.date
) -> LocalityInputs:
    """Links and household surveys from ``start`` to ``end`` of these localities (None: all)."""
    links = defaultdict(list)
    served = ServedLocality.objects.all()
    if locality_ids is not None:
        served = served.filter(locality_id__in=locality_ids)
    for locality_id, system_id, households in served.values_list(
        "locality_id", "system_id", "households"
    ):
        links[locality_id].append((system_id, households))
    serving = {s for rows in links.values() for s, _ in rows}
    surveys = HouseholdSurvey.objects.filter(state=VALIDATED, observed_on__range=(start, end))
    if locality_ids is not None:
        surveys = surveys.filter(locality_id__in=locality_ids)
        # The systems households name, linked to their locality or not.
        serving |= set(
            surveys.filter(system_id__isnull=False).values_list("system_id", flat=True).distinct()
        )
    by_locality = defaultdict(list)
    for survey in surveys.values(*HOUSEHOLD_FIELDS):
        by_locality[survey["locality_id"]].append(survey)
    for rows in by_locality.values():
        rows.sort(key=lambda s: s["observed_on"])
    return LocalityInputs(links, by_locality, serving)


def contamination_history(
    system_ids: set[int] | None,
    start: datetime.date,
    end: datetime.date,
    reach_days: float,
    norms: Iterable[str] = ("nom127",),
) -> dict[str, dict[int, list[tuple[datetime.date, bool, str]]]]:
    """Per norm and system, (day, passed, parameter) of E. coli and priority-chemical
    verdicts: the ladder reads the chosen norm's, the perception gap the NOM's."""
    norms = sorted(set(norms))
    history: dict[str, dict[int, list]] = {norm: defaultdict(list) for norm in norms}
    rows = Verdict.objects.filter(
        norm__code__in=norms,
        outcome__in=("pass", "fail"),
        result__sample__state=VALIDATED,
        parameter_code__in=sorted(MICROBIAL | CHEMICAL_PRIORITY),
        # The perception gap also reads the tests of the 90 days after a survey.
        sampled_on__range=(add_months(start, -12), end + datetime.timedelta(days=reach_days)),
    )
    if system_ids is not None:
        rows = rows.filter(result__sample__system_id__in=system_ids)
    for norm, system_id, day, outcome, parameter in rows.values_list(
        "norm__code", "result__sample__system_id", "sampled_on", "outcome", "parameter_code"
    ).order_by():
        history[norm][system_id].append((day, outcome == "pass", parameter))
    for per_system in history.values():
        for entries in per_system.values():
            entries.sort()
    return history


# Areas -------------------------------------------------------------------------------------
def stored_area_parts(
    entity: str,
    entity_ids: set[int],
    first_month: datetime.date,
    last_month: datetime.date,
    codes: Iterable[str] | None,
) -> dict[tuple, tuple]:
    """Stored values by (entity, month, indicator), as the layer above compares them:
    (value, numerator, denominator, label, breakdown)."""
    rows = IndicatorValue.objects.filter(
        entity=entity, entity_id__in=entity_ids, period__range=(first_month, last_month)
    )
    if codes is not None:
        rows = rows.filter(indicator__in=list(codes))
    return {
        (row[0], row[1], row[2]): row[3:]
        for row in rows.order_by().values_list(
            "entity_id",
            "period",
            "indicator",
            "value",
            "numerator",
            "denominator",
            "label",
            "breakdown",
        )
    }


def summed(rows: models.QuerySet, area_field: str | None) -> dict[tuple, AreaSum]:
    """Add up stored values per (area, month, indicator) in the database, the distributions
    (ladder rungs, tiers, perception counts) too: a state's year is 20,000 breakdowns, and
    reading each into Python cost more than the rest of a refresh."""
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
    distributions = rows.filter(indicator__in=CODES_WITH_DISTRIBUTIONS)
    for area, period, indicator, name, word, total in breakdown_sums(distributions, area_field):
        found = sums[(area if area_field else None, _as_date(period), indicator)]
        if word is not None:
            if name == "norm" and word:
                found.norms.add(word)
        elif total is not None and name not in AreaSum.NOT_ADDED:
            found.breakdown[name] += float(total)
    return sums


# Each breakdown's entries, added up per area, month, indicator and key: numbers summed (not
# true and false, which JSON also types apart), words (the norm) listed once each. The same
# query in each database's JSON functions.
BREAKDOWN_SUMS = {
    "postgresql": """
        SELECT s.{area}, s.period, s.indicator, b.key,
          CASE WHEN jsonb_typeof(b.value) = 'string' THEN b.value #>> '{{}}' END,
          SUM(CASE WHEN jsonb_typeof(b.value) = 'number' THEN (b.value #>> '{{}}')::float8 END)
        FROM ({rows}) s CROSS JOIN LATERAL jsonb_each(s.breakdown) b
        GROUP BY 1, 2, 3, 4, 5""",
    "sqlite": """
        SELECT s.{area}, s.period, s.indicator, b.key,
          CASE WHEN b.type = 'text' THEN b.value END,
          SUM(CASE WHEN b.type IN ('integer', 'real') THEN b.value END)
        FROM ({rows}) s, json_each(s.breakdown) b
        GROUP BY 1, 2, 3, 4, 5""",
}


def breakdown_sums(rows: models.QuerySet, area_field: str | None) -> list[tuple]:
    """(area, month, indicator, key, word or None, sum or None) of the rows' breakdowns."""
    area = area_field or "entity"
    rows = rows.order_by().values_list(area, "period", "indicator", "breakdown")
    sql, params = rows.query.sql_with_params()
    query = BREAKDOWN_SUMS[connection.vendor].format(area=area, rows=sql)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def municipal_populations(municipality_ids: set[int]) -> dict[int, int]:
    populations: dict[int, int] = defaultdict(int)
    for municipality_id, population in Locality.objects.filter(
        municipality_id__in=municipality_ids
    ).values_list("municipality_id", "population"):
        populations[municipality_id] += population or 0
    return populations


def state_populations(state_ids: set[int]) -> dict[int, int | None]:
    return dict(
        Locality.objects.filter(municipality__state_id__in=state_ids)
        .values("municipality__state_id")
        .annotate(people=Sum("population"))
        .values_list("municipality__state_id", "people")
    )


INSTITUTIONS = (
    (School, SchoolSurvey, "school", ladder_family.school_rungs),
    (HealthCentre, HealthCentreSurvey, "health_centre", ladder_family.health_centre_rungs),
)


def institution_rungs(
    entity: str, area_ids: set[int], first_month: datetime.date, last_month: datetime.date
) -> dict:
    """Schools and health centres: the latest survey of the last 12 months of each."""
    start = add_months(first_month, -11)
    end = month_end(last_month)
    area_field = (
        "locality__municipality_id"
        if entity == Entity.MUNICIPALITY
        else "locality__municipality__state_id"
    )
    found = None
    for model, survey_model, owner, rungs_of in INSTITUTIONS:
        area_of = dict(
            model.objects.filter(**{f"{area_field}__in": area_ids}).values_list("id", area_field)
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
        found = ladder_family.institution_rungs(
            surveys,
            area_of,
            month_range(first_month, last_month),
            rungs_of,
            f"monitoring.{survey_model._meta.model_name}",
            found,
        )
    return found


# Providers ---------------------------------------------------------------------------------
def stored_finance(
    provider_ids: Iterable[int], first_month: datetime.date, last_month: datetime.date
) -> dict[tuple[int, datetime.date], dict[str, float]]:
    """(provider, month) → the stored financial figures, for a refresh that keeps them."""
    found: dict[tuple[int, datetime.date], dict[str, float]] = defaultdict(dict)
    for provider_id, month, code, value in IndicatorValue.objects.filter(
        entity=Entity.PROVIDER,
        entity_id__in=provider_ids,
        indicator__in=FINANCE_CODES,
        period__range=(first_month, last_month),
    ).values_list("entity_id", "period", "indicator", "value"):
        found[(provider_id, month)][code] = value
    return found


def last_stored_month(entity: str) -> datetime.date | None:
    """The latest month with a stored value of this kind of entity."""
    return IndicatorValue.objects.filter(entity=entity).aggregate(last=Max("period"))["last"]
