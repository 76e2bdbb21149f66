"""The map's points (localities, systems, schools, health centres) with their figures, the
filters of the map page, and the same points as GeoJSON (RFC 7946) for the map, the export and
the API."""

import json
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .causes import diagnoses
from .facts import (
    SERVICE_LABELS,
    SERVICE_ORDER,
    DeskFacts,
    FacilityFacts,
    LocalityFacts,
    SystemFacts,
)

GEOJSON_TYPE = "application/geo+json"
NOT_VISITED = "none"
TIER_CHOICES = [
    ("T0", gettext_lazy("T0: no funciona")),
    ("T1", gettext_lazy("T1: da agua")),
    ("T2", gettext_lazy("T2: y el caudal que pide")),
    ("T3", gettext_lazy("T3: y es confiable")),
    ("T4", gettext_lazy("T4: y el agua es segura")),
    (NOT_VISITED, gettext_lazy("sin visita en 12 meses")),
]
ECOLI_CHOICES = [
    ("fail", gettext_lazy("la última falló")),
    ("pass", gettext_lazy("la última cumplió")),
    (NOT_VISITED, gettext_lazy("sin prueba en 12 meses")),
]
FACILITY_LABELS = {
    "school": gettext_lazy("escuela"),
    "health_centre": gettext_lazy("centro de salud"),
}


def tier_label(system: SystemFacts) -> str:
    return f"T{system.tier}" if system.tier is not None else str(_("sin visita"))


@dataclass
class Filters:
    service: str = ""
    provider: int | None = None
    tier: str = ""
    ecoli: str = ""
    providers: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def from_query(cls, query, facts: DeskFacts) -> "Filters":
        """What the page's form asked for; a value it does not offer is ignored."""
        providers = sorted(
            {(s.provider_id, s.provider_name) for s in facts.systems.values() if s.provider_id},
            key=lambda item: (item[1], item[0]),
        )
        service = query.get("servicio", "")
        tier = query.get("nivel", "")
        ecoli = query.get("ecoli", "")
        provider_text = query.get("prestador", "")
        provider = int(provider_text) if provider_text.isdigit() else None
        return cls(
            service=service if service in SERVICE_ORDER else "",
            provider=provider if provider in {pk for pk, _ in providers} else None,
            tier=tier if tier in dict(TIER_CHOICES) else "",
            ecoli=ecoli if ecoli in dict(ECOLI_CHOICES) else "",
            providers=providers,
        )

    @property
    def on_systems(self) -> bool:
        return bool(self.provider or self.tier or self.ecoli)

    def system_matches(self, system: SystemFacts) -> bool:
        if self.provider and system.provider_id != self.provider:
            return False
        if self.tier and tier_code(system) != self.tier:
            return False
        if self.ecoli and (system.ecoli or NOT_VISITED) != self.ecoli:
            return False
        return True

    def tier_choices(self):
        return TIER_CHOICES

    def ecoli_choices(self):
        return ECOLI_CHOICES

    def service_choices(self):
        return [(code, SERVICE_LABELS[code]) for code in SERVICE_ORDER]


def tier_code(system: SystemFacts) -> str:
    return f"T{system.tier}" if system.tier is not None else NOT_VISITED


@dataclass
class Shown:
    localities: list[LocalityFacts]
    systems: list[SystemFacts]
    facilities: list[FacilityFacts]


def select(facts: DeskFacts, chosen: Filters) -> Shown:
    """The points the filters leave. A filter on systems shows the localities they serve; a
    filter on service shows the systems that serve those localities."""
    localities = sorted(facts.localities.values(), key=lambda loc: (loc.name, loc.key))
    systems = sorted(facts.systems.values(), key=lambda s: (s.name, s.pk))
    if chosen.on_systems:
        systems = [s for s in systems if chosen.system_matches(s)]
    if chosen.service:
        localities = [loc for loc in localities if loc.service == chosen.service]
    if chosen.on_systems and not chosen.service:
        served = {pk for s in systems for pk in s.people_by_locality}
        localities = [loc for loc in localities if loc.pk in served]
    if chosen.service and not chosen.on_systems:
        kept = {loc.pk for loc in localities}
        systems = [s for s in systems if kept & set(s.people_by_locality)]
    kept = {loc.pk for loc in localities}
    facilities = [f for f in facts.facilities if f.locality_id in kept]
    return Shown(localities, systems, facilities)


def legend() -> list[tuple[str, str]]:
    return [(code, str(SERVICE_LABELS[code])) for code in SERVICE_ORDER]


def _point(longitude: float | None, latitude: float | None) -> dict | None:
    if longitude is None or latitude is None:
        return None
    return {"type": "Point", "coordinates": [round(longitude, 6), round(latitude, 6)]}


def _locality_feature(locality: LocalityFacts, served: float) -> dict:
    people = locality.people
    return {
        "type": "Feature",
        "id": f"locality-{locality.pk}",
        "geometry": _point(locality.longitude, locality.latitude),
        "properties": {
            "kind": "locality",
            "id": locality.pk,
            "inegi_key": locality.key,
            "name": locality.name,
            "population": locality.population,
            "service": locality.service,
            "service_label": locality.service_label,
            "people_served_on_record": round(served),
            "people_working": round(people.get("gap_working", 0)),
            "people_reliable": round(people.get("gap_reliable", 0)),
            "people_safe": round(people.get("gap_safely_managed", 0)),
            "url": reverse("places:locality_detail", args=[locality.pk]),
        },
    }


def _system_feature(system: SystemFacts, causes: dict[int, str]) -> dict:
    cause = causes.get(system.pk, "")
    return {
        "type": "Feature",
        "id": f"system-{system.pk}",
        "geometry": _point(system.longitude, system.latitude),
        "properties": {
            "kind": "system",
            "id": system.pk,
            "name": system.name,
            "system_kind": system.kind_label,
            "tier": system.tier,
            "tier_label": tier_label(system),
            "provider": system.provider_name,
            "last_visit": system.visit_on.isoformat() if system.visit_on else None,
            "ecoli": system.ecoli or None,
            "ecoli_on": system.ecoli_on.isoformat() if system.ecoli_on else None,
            "people_served": round(system.people),
            "main_cause": cause,
            "url": reverse("watersystems:system_detail", args=[system.pk]),
        },
    }


def _facility_feature(facility: FacilityFacts, locality: LocalityFacts) -> dict:
    return {
        "type": "Feature",
        "id": f"{facility.kind}-{facility.pk}",
        # Schools and health centres have no coordinates of their own: their locality's.
        "geometry": _point(locality.longitude, locality.latitude),
        "properties": {
            "kind": facility.kind,
            "id": facility.pk,
            "name": facility.name,
            "kind_label": str(FACILITY_LABELS[facility.kind]),
            "locality": locality.name,
            "url": facility.url,
        },
    }


def feature_collection(facts: DeskFacts, shown: Shown | None = None) -> dict:
    """Every point as a GeoJSON Feature; one without coordinates has a null geometry."""
    shown = shown or select(facts, Filters())
    features = []
    if facts.boundary:
        features.append(
            {
                "type": "Feature",
                "id": f"boundary-{facts.municipality.key}",
                "geometry": facts.boundary,
                "properties": {
                    "kind": "boundary",
                    "inegi_key": facts.municipality.key,
                    "name": facts.municipality.name,
                },
            }
        )
    features += [_locality_feature(loc, facts.served_people(loc.pk)) for loc in shown.localities]
    # The main cause of each system below T4, as the desk worked it out (once per load).
    causes = {d.system.pk: d.main_label for d in diagnoses(facts)}
    features += [_system_feature(system, causes) for system in shown.systems]
    features += [_facility_feature(f, facts.localities[f.locality_id]) for f in shown.facilities]
    return {
        "type": "FeatureCollection",
        "features": features,
        "municipality": {"inegi_key": facts.municipality.key, "name": facts.municipality.name},
        "month": facts.month.isoformat() if facts.month else None,
    }


def geojson_response(collection: dict) -> HttpResponse:
    return HttpResponse(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")),
        content_type=f"{GEOJSON_TYPE}; charset=utf-8",
    )
