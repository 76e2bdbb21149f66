"""What the desk knows of one municipality, read in a fixed number of queries: every system's
tier and why, the people it serves, its latest E. coli result, its visits' stoppages, its
committee's money and governance; every locality's service level; schools and health centres.

Every page of the desk (map, causes, priorities, report, exports) reads through ``load``, so a
figure shown twice is the same figure. Queries do not grow with the number of systems.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils.translation import gettext_lazy as _

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.indicators import presentation
from ojodeagua.indicators.catalogue import FINANCE_CODES, MICROBIAL, Code
from ojodeagua.indicators.engine.loading import settings_values
from ojodeagua.indicators.models import Entity, IndicatorValue
from ojodeagua.indicators.months import year_window
from ojodeagua.integrity.agency import CYCLE_EVERY_MONTHS, OPEN_STATUSES
from ojodeagua.integrity.models import Cycle, RoadmapItem
from ojodeagua.integrity.workshop import months_after
from ojodeagua.monitoring.models import SystemVisit
from ojodeagua.places.models import Boundary, Locality, Municipality
from ojodeagua.providers.models import Provider
from ojodeagua.waterquality.models import Verdict
from ojodeagua.watersystems.models import Component, ServedLocality, WaterSystem


class Service:
    """A locality's service level: the highest one that at least half its people reach."""

    NONE = "none"
    RECORD = "record"
    WORKING = "working"
    RELIABLE = "reliable"
    SAFE = "safe"
    UNKNOWN = "unknown"


SERVICE_LABELS = {
    Service.NONE: _("sin sistema registrado"),
    Service.RECORD: _("sólo infraestructura: no funciona"),
    Service.WORKING: _("funciona, no es confiable"),
    Service.RELIABLE: _("confiable, no segura"),
    Service.SAFE: _("confiable y segura"),
    Service.UNKNOWN: _("sin datos del mes"),
}
# Drawn from the worst to the best; the order of the legend.
SERVICE_ORDER = (
    Service.NONE,
    Service.RECORD,
    Service.WORKING,
    Service.RELIABLE,
    Service.SAFE,
    Service.UNKNOWN,
)
# Each level and the gap figure whose people reach it.
LEVEL_CODES = (
    (Service.SAFE, Code.GAP_SAFE),
    (Service.RELIABLE, Code.GAP_RELIABLE),
    (Service.WORKING, Code.GAP_WORKING),
    (Service.RECORD, Code.GAP_RECORD),
)
SAFE_TIER = 4


@dataclass
class SystemFacts:
    pk: int
    name: str
    kind: str
    kind_label: str
    municipality_id: int
    provider_id: int | None
    provider_name: str
    provider_kind: str
    latitude: float | None
    longitude: float | None
    chlorinates: str
    construction_year: int | None = None
    tier: int | None = None
    stops_at: str = ""
    visit_on: datetime.date | None = None
    working: bool | None = None
    chlorination: str = ""
    down_since: datetime.date | None = None
    # Days without service in 12 months: the downtime figure (supply log, else visits).
    downtime_days: int = 0
    # Days without service in the 12 months' visits, by the cause each visit named.
    downtime_by_cause: dict[str, int] = field(default_factory=dict)
    broken_components: list[str] = field(default_factory=list)  # component kinds
    ecoli: str = ""  # "pass" or "fail": the latest E. coli verdict of the 12 months
    ecoli_on: datetime.date | None = None
    # People served on record, by locality (capped so a locality never exceeds its people).
    people_by_locality: dict[int, float] = field(default_factory=dict)

    @property
    def people(self) -> float:
        return sum(self.people_by_locality.values())

    @property
    def safe(self) -> bool:
        return self.tier is not None and self.tier >= SAFE_TIER

    @property
    def stopped_by(self) -> str:
        """The stoppage cause the 12 months' visits name for the most days ("" if none)."""
        causes = self.downtime_by_cause
        return max(causes.items(), key=lambda item: (item[1], item[0]))[0] if causes else ""


@dataclass
class ProviderFacts:
    pk: int
    name: str
    kind: str
    finance: dict[str, float] = field(default_factory=dict)
    last_workshop: datetime.date | None = None
    overdue_actions: int = 0


@dataclass
class LocalityFacts:
    pk: int
    key: str
    name: str
    population: int
    latitude: float | None
    longitude: float | None
    service: str = Service.UNKNOWN
    # People reaching each level (the locality's gap figures), by gap code.
    people: dict[str, float] = field(default_factory=dict)
    system_ids: list[int] = field(default_factory=list)

    @property
    def service_label(self) -> str:
        return str(SERVICE_LABELS[self.service])


@dataclass
class FacilityFacts:
    pk: int
    kind: str  # "school" or "health_centre"
    name: str
    locality_id: int
    url: str


@dataclass
class DeskFacts:
    municipality: Municipality
    month: datetime.date | None
    on: datetime.date
    systems: dict[int, SystemFacts]
    localities: dict[int, LocalityFacts]
    providers: dict[int, ProviderFacts]
    facilities: list[FacilityFacts]
    # The municipality's INEGI polygon (GeoJSON geometry), when its boundaries were imported.
    boundary: dict | None = None
    # ``causes.diagnoses`` keeps its answer here, so it is worked out once per load.
    diagnoses: list | None = None

    def served_people(self, locality_id: int) -> float:
        return sum(s.people_by_locality.get(locality_id, 0) for s in self.systems.values())


def load(municipality: Municipality, on: datetime.date) -> DeskFacts:
    """Everything the desk shows for ``municipality``, as of the latest month with figures
    (systems that serve a locality of it from elsewhere are in; localities outside are not)."""
    month = presentation.latest_period(
        IndicatorValue.objects.filter(entity=Entity.MUNICIPALITY, entity_id=municipality.pk)
    )
    localities = _localities(municipality)
    systems = _systems(municipality)
    _serve(systems, localities)
    providers = _providers({s.provider_id for s in systems.values() if s.provider_id}, on)
    if month is not None:
        _figures(month, systems, localities, providers)
        window = year_window(month)
        _visits(systems, window)
        _ecoli(systems, window)
    _broken(systems)
    return DeskFacts(
        municipality,
        month,
        on,
        systems,
        localities,
        providers,
        _facilities(localities),
        Boundary.objects.filter(level=Boundary.Level.MUNICIPALITY, municipality=municipality)
        .values_list("geometry", flat=True)
        .first(),
    )


def _number(value) -> float | None:
    return None if value is None else float(value)


def _localities(municipality: Municipality) -> dict[int, LocalityFacts]:
    rows = Locality.objects.filter(municipality=municipality).values_list(
        "pk", "key", "name", "population", "latitude", "longitude"
    )
    return {
        pk: LocalityFacts(pk, key, name, population or 0, _number(lat), _number(lon))
        for pk, key, name, population, lat, lon in rows
    }


def _systems(municipality: Municipality) -> dict[int, SystemFacts]:
    kinds = dict(WaterSystem.Kind.choices)
    rows = (
        WaterSystem.objects.filter(
            Q(municipality=municipality) | Q(served_localities__locality__municipality=municipality)
        )
        .distinct()
        .values(
            "pk",
            "name",
            "kind",
            "municipality_id",
            "provider_id",
            "provider__name",
            "provider__kind",
            "latitude",
            "longitude",
            "chlorinates",
            "construction_year",
        )
    )
    return {
        row["pk"]: SystemFacts(
            pk=row["pk"],
            name=row["name"],
            kind=row["kind"],
            kind_label=str(kinds.get(row["kind"], row["kind"])),
            municipality_id=row["municipality_id"],
            provider_id=row["provider_id"],
            provider_name=row["provider__name"] or "",
            provider_kind=row["provider__kind"] or "",
            latitude=_number(row["latitude"]),
            longitude=_number(row["longitude"]),
            chlorinates=row["chlorinates"],
            construction_year=row["construction_year"],
        )
        for row in rows
    }


def _serve(systems: dict[int, SystemFacts], localities: dict[int, LocalityFacts]) -> None:
    """People each system serves in each locality, as the gap figures count them: households
    × the locality's people per dwelling (or the setting), never more than its population."""
    per_household_default = settings_values()["people_per_household"]
    links: dict[int, list[tuple[int, float]]] = defaultdict(list)
    rows = ServedLocality.objects.filter(
        system_id__in=list(systems), locality_id__in=list(localities)
    ).values_list("system_id", "locality_id", "households", "locality__dwellings")
    for system_id, locality_id, households, dwellings in rows:
        locality = localities[locality_id]
        per_household = (
            locality.population / dwellings
            if locality.population and dwellings
            else per_household_default
        )
        links[locality_id].append((system_id, min(locality.population, households * per_household)))
    for locality_id, served in links.items():
        population = localities[locality_id].population
        total = sum(people for _, people in served)
        # Two systems on record for more people than live there: each keeps its share.
        scale = population / total if total > population else 1.0
        for system_id, people in served:
            systems[system_id].people_by_locality[locality_id] = people * scale
            localities[locality_id].system_ids.append(system_id)


def _providers(provider_ids: set[int], on: datetime.date) -> dict[int, ProviderFacts]:
    providers = {
        pk: ProviderFacts(pk, name, kind)
        for pk, name, kind in Provider.objects.filter(pk__in=provider_ids).values_list(
            "pk", "name", "kind"
        )
    }
    workshops = (
        Cycle.objects.filter(provider_id__in=provider_ids, workshop_on__lte=on)
        .values("provider_id")
        .annotate(last=Max("workshop_on"))
        .values_list("provider_id", "last")
    )
    for provider_id, last in workshops:
        providers[provider_id].last_workshop = last
    overdue = (
        RoadmapItem.objects.filter(
            assessed_risk__cycle__provider_id__in=provider_ids,
            deadline__lt=on,
            status__in=OPEN_STATUSES,
        )
        .values("assessed_risk__cycle__provider_id")
        .annotate(n=Count("pk"))
        .values_list("assessed_risk__cycle__provider_id", "n")
    )
    for provider_id, count in overdue:
        providers[provider_id].overdue_actions = count
    return providers


def _figures(
    month: datetime.date,
    systems: dict[int, SystemFacts],
    localities: dict[int, LocalityFacts],
    providers: dict[int, ProviderFacts],
) -> None:
    """The month's tiers, gap figures and finance figures, in one query."""
    gap_codes = [code for _, code in LEVEL_CODES]
    rows = IndicatorValue.objects.filter(period=month).filter(
        Q(
            entity=Entity.SYSTEM,
            indicator__in=[Code.FUNCTIONALITY, Code.DOWNTIME],
            entity_id__in=list(systems),
        )
        | Q(entity=Entity.LOCALITY, indicator__in=gap_codes, entity_id__in=list(localities))
        | Q(entity=Entity.PROVIDER, indicator__in=FINANCE_CODES, entity_id__in=list(providers))
    )
    for entity, entity_id, indicator, value, numerator, breakdown in rows.values_list(
        "entity", "entity_id", "indicator", "value", "numerator", "breakdown"
    ):
        if entity == Entity.SYSTEM and indicator == Code.DOWNTIME:
            systems[entity_id].downtime_days = round(value or 0)
        elif entity == Entity.SYSTEM:
            system = systems[entity_id]
            system.tier = int(value) if value is not None else None
            system.stops_at = (breakdown or {}).get("stops_at", "")
        elif entity == Entity.LOCALITY:
            localities[entity_id].people[indicator] = numerator or 0.0
        elif value is not None:
            providers[entity_id].finance[indicator] = value
    for locality in localities.values():
        locality.service = service_level(
            locality.population, locality.people, on_record=bool(locality.system_ids)
        )


def service_level(population: int, people: dict[str, float], *, on_record: bool) -> str:
    """The highest level that at least half the people reach; none when half have no system
    on record (or none at all); unknown when its systems have no figures for the month."""
    if not population:
        return Service.UNKNOWN
    if not people:
        return Service.UNKNOWN if on_record else Service.NONE
    for level, code in LEVEL_CODES:
        if people.get(code, 0.0) * 2 >= population:
            return level
    return Service.NONE


def _visits(systems: dict[int, SystemFacts], window: tuple[datetime.date, datetime.date]) -> None:
    """The latest validated visit of the 12 months, and the days down by the cause each visit
    named (which cause, not how many days: the downtime figure counts those)."""
    rows = (
        SystemVisit.objects.validated()
        .filter(system_id__in=list(systems), observed_on__range=window)
        .order_by("system_id", "observed_on", "pk")
        .values_list(
            "system_id", "observed_on", "working", "chlorination", "downtime_days", "downtime_cause"
        )
    )
    causes: dict[int, Counter] = defaultdict(Counter)
    for system_id, day, working, chlorination, days, cause in rows:
        system = systems[system_id]
        if working and system.working is False:
            system.down_since = None
        if not working and (system.working is not False):
            system.down_since = day
        system.visit_on, system.working, system.chlorination = day, working, chlorination
        if days:
            causes[system_id][cause or "other"] += days
    for system_id, counter in causes.items():
        systems[system_id].downtime_by_cause = dict(counter)


def _ecoli(systems: dict[int, SystemFacts], window: tuple[datetime.date, datetime.date]) -> None:
    """The latest E. coli (or thermotolerant coliforms) verdict under NOM-127 in the window."""
    rows = (
        Verdict.objects.filter(
            result__sample__system_id__in=list(systems),
            parameter_code__in=sorted(MICROBIAL),
            norm__code="nom127",
            outcome__in=[Verdict.Outcome.PASS, Verdict.Outcome.FAIL],
            sampled_on__range=window,
        )
        .order_by("sampled_on", "pk")
        .values_list("result__sample__system_id", "sampled_on", "outcome")
    )
    for system_id, day, outcome in rows:
        system = systems[system_id]
        system.ecoli, system.ecoli_on = outcome, day


def _broken(systems: dict[int, SystemFacts]) -> None:
    rows = Component.objects.filter(
        system_id__in=list(systems), condition=Component.Condition.BROKEN
    ).values_list("system_id", "kind")
    for system_id, kind in rows:
        systems[system_id].broken_components.append(kind)


def _facilities(localities: dict[int, LocalityFacts]) -> list[FacilityFacts]:
    found = []
    for model, kind in ((School, "school"), (HealthCentre, "health_centre")):
        for facility in model.objects.filter(locality_id__in=list(localities)).only(
            "pk", "name", "locality_id"
        ):
            found.append(
                FacilityFacts(
                    facility.pk,
                    kind,
                    facility.name,
                    facility.locality_id,
                    facility.get_absolute_url(),
                )
            )
    return found


def workshop_due(provider: ProviderFacts, on: datetime.date) -> bool:
    """A committee whose last integrity workshop is more than a cycle ago (or never)."""
    # As the agency's list of committees without a cycle: a workshop exactly 12 months ago
    # is a year old, and the next cycle is due.
    return provider.last_workshop is None or provider.last_workshop <= months_after(
        on, -CYCLE_EVERY_MONTHS
    )
