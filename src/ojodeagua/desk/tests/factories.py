"""A small municipality whose desk figures are computed by hand in the tests.

The desk reads figures (tiers, gap figures, finance figures) and a few observations (visits);
this builds exactly those, for one month, in a municipality of its own so the demo's systems
stay out of the sums.

Localities (population, dwellings → people per household):
  A 1,000 / 250 → 4     B 500 / 100 → 5     C 300 (no system)     D 200 / 50 → 4
Systems (households served → people):
  S1 → A 150 → 600, T4 (safe)
  S2 → A 100 → 400, T0: the visit found it stopped, pump failure → infrastructure
  S3 → B 80 → 400, T3, E. coli failed and the chlorinator broken → operation;
       its committee P2 covers 60 % of its costs (money, not the main cause)
  S4 → B 10 → 50, T2 unreliable (40 days down), the visits name "management" → governance
  S5 → D 60 → 240, capped at D's 200 people; no visit in 12 months → not visited
  S6 → B 5 → 25, T1 below its design flow → source
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ojodeagua.indicators.catalogue import Code
from ojodeagua.indicators.models import Entity, IndicatorValue
from ojodeagua.indicators.months import year_window
from ojodeagua.monitoring.observation import Observation
from ojodeagua.monitoring.tests.factories import make_visit
from ojodeagua.places.models import Locality, Municipality, State
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import ServedLocality, WaterSystem

MONTH = datetime.date(2026, 6, 1)
ON = datetime.date(2026, 6, 30)
VISITED = datetime.date(2026, 5, 20)


@dataclass
class HandMunicipality:
    municipality: Municipality
    localities: dict[str, Locality]
    systems: dict[str, WaterSystem]
    providers: dict[str, Provider]


def figure(entity: str, entity_id: int, code: str, value, municipality: Municipality, **fields):
    window = year_window(MONTH)
    return IndicatorValue.objects.create(
        indicator=code,
        entity=entity,
        entity_id=entity_id,
        period=MONTH,
        window_start=window[0],
        window_end=window[1],
        value=value,
        computed_at=timezone.now(),
        municipality_id=municipality.pk,
        **fields,
    )


def tier(system: WaterSystem, value: int, stops_at: str = "") -> None:
    figure(
        Entity.SYSTEM,
        system.pk,
        Code.FUNCTIONALITY,
        float(value),
        system.municipality,
        label=f"T{value}",
        numerator=value,
        denominator=4,
        breakdown={"stops_at": stops_at},
        provider_id=system.provider_id,
    )


def build() -> HandMunicipality:
    state = State.objects.get_or_create(key="07", defaults={"name": "Chiapas"})[0]
    municipality = Municipality.objects.create(state=state, key="07998", name="Municipio a mano")
    localities = {
        name: Locality.objects.create(
            municipality=municipality,
            key=f"07998{number:04d}",
            name=f"Localidad {name}",
            population=population,
            dwellings=dwellings,
            latitude=16.7 + number / 100,
            longitude=-93.2 - number / 100,
        )
        for number, (name, population, dwellings) in enumerate(
            [("A", 1000, 250), ("B", 500, 100), ("C", 300, None), ("D", 200, 50)], start=1
        )
    }
    providers = {
        name: Provider.objects.create(
            name=f"Comité {name}",
            kind=Provider.Kind.COMMITTEE,
            municipality=municipality,
            locality=localities[home],
        )
        for name, home in (("P1", "A"), ("P2", "B"), ("P3", "B"))
    }
    systems = {}
    for name, provider, home, served, households, kind in (
        ("S1", "P1", "A", "A", 150, WaterSystem.Kind.GRAVITY),
        ("S2", "P1", "A", "A", 100, WaterSystem.Kind.PUMPED),
        ("S3", "P2", "B", "B", 80, WaterSystem.Kind.GRAVITY),
        ("S4", "P3", "B", "B", 10, WaterSystem.Kind.GRAVITY),
        ("S5", "P3", "D", "D", 60, WaterSystem.Kind.GRAVITY),
        ("S6", "P3", "B", "B", 5, WaterSystem.Kind.POINT_SOURCE),
    ):
        system = WaterSystem.objects.create(
            name=f"Sistema {name}",
            kind=kind,
            provider=providers[provider],
            locality=localities[home],
            municipality=municipality,
            latitude=localities[home].latitude,
            longitude=localities[home].longitude,
            chlorinates="yes" if name == "S3" else "no",
        )
        ServedLocality.objects.create(
            system=system, locality=localities[served], households=households
        )
        systems[name] = system
    validated = Observation.State.VALIDATED
    tier(systems["S1"], 4)
    tier(systems["S2"], 0, "not_working")
    make_visit(
        systems["S2"],
        VISITED,
        validated,
        working=False,
        downtime_days=20,
        downtime_cause="pump",
    )
    tier(systems["S3"], 3, "microbial_failed")
    make_visit(systems["S3"], VISITED, validated, chlorination="not_working")
    tier(systems["S4"], 2, "unreliable")
    figure(Entity.SYSTEM, systems["S4"].pk, Code.DOWNTIME, 40.0, municipality)
    make_visit(systems["S4"], VISITED, validated, downtime_days=40, downtime_cause="management")
    tier(systems["S6"], 1, "below_design_yield")
    figure(
        Entity.PROVIDER,
        providers["P2"].pk,
        Code.COST_COVERAGE,
        0.6,
        municipality,
        provider_id=providers["P2"].pk,
    )
    # The locality figures the engine would write (people reaching each level).
    for name, on_record, working, reliable, safe in (
        ("A", 1000, 600, 600, 600),
        ("B", 475, 475, 400, 0),
        ("D", 200, None, None, None),
    ):
        population = localities[name].population
        for code, people in (
            (Code.GAP_RECORD, on_record),
            (Code.GAP_WORKING, working),
            (Code.GAP_RELIABLE, reliable),
            (Code.GAP_SAFE, safe),
        ):
            if people is not None:
                figure(
                    Entity.LOCALITY,
                    localities[name].pk,
                    code,
                    people / population,
                    municipality,
                    numerator=people,
                    denominator=population,
                )
    figure(Entity.MUNICIPALITY, municipality.pk, Code.GAP_RECORD, 0.8375, municipality)
    return HandMunicipality(municipality, localities, systems, providers)
