"""The report for the council (cabildo) and the state: the two gaps, the causes of failure, a
map drawn for black-and-white paper, the priorities and the budget argument, each figure with
the page it comes from."""

import datetime
import math
from dataclasses import dataclass

from django.urls import reverse

from ojodeagua.indicators.catalogue import Code
from ojodeagua.indicators.models import Entity, IndicatorValue

from . import causes, facts, priorities
from .causes import Cause
from .facts import SERVICE_LABELS, DeskFacts, Service

PRIORITIES_IN_REPORT = 10
# The map's drawing box (SVG units); the height follows the municipality's shape.
MAP_WIDTH = 1000
MAP_MAX_HEIGHT = 700
MAP_MARGIN = 30
# Grey levels and strokes that stay apart on a black-and-white printer, worst darkest.
PRINT_FILLS = {
    Service.NONE: "#000000",
    Service.RECORD: "#555555",
    Service.WORKING: "#999999",
    Service.RELIABLE: "#dddddd",
    Service.SAFE: "#ffffff",
    Service.UNKNOWN: "none",
}
GAP_ROWS = (Code.GAP_RECORD, Code.GAP_WORKING, Code.GAP_RELIABLE, Code.GAP_SAFE)


@dataclass
class Gap:
    code: str
    people: float
    share: float | None
    url: str


@dataclass
class MapPoint:
    x: float
    y: float
    r: float
    fill: str
    title: str


@dataclass
class ActionTotal:
    action: str
    label: str
    places: int
    people: float


def gaps(found: DeskFacts) -> tuple[list[Gap], IndicatorValue | None]:
    """The municipality's official-against-real figures and its perception gap, each with its
    "why this number" page."""
    if found.month is None:
        return [], None
    values = {
        value.indicator: value
        for value in IndicatorValue.objects.filter(
            entity=Entity.MUNICIPALITY,
            entity_id=found.municipality.pk,
            period=found.month,
            indicator__in=[*GAP_ROWS, Code.PERCEPTION_GAP],
        )
    }
    rows = [
        Gap(
            code,
            values[code].numerator or 0.0,
            values[code].value,
            reverse("indicators:value_detail", args=[values[code].pk]),
        )
        for code in GAP_ROWS
        if code in values
    ]
    return rows, values.get(Code.PERCEPTION_GAP)


def map_points(found: DeskFacts) -> tuple[list[MapPoint], int]:
    """Localities placed on an equirectangular projection fitted to the drawing box."""
    located = [loc for loc in found.localities.values() if loc.latitude and loc.longitude]
    if not located:
        return [], 0
    latitudes = [loc.latitude for loc in located]
    longitudes = [loc.longitude for loc in located]
    middle = math.cos(math.radians((max(latitudes) + min(latitudes)) / 2))
    width = (max(longitudes) - min(longitudes)) * middle or 0.01
    height = (max(latitudes) - min(latitudes)) or 0.01
    inner = MAP_WIDTH - 2 * MAP_MARGIN
    scale = min(inner / width, (MAP_MAX_HEIGHT - 2 * MAP_MARGIN) / height)
    drawn_height = round(height * scale + 2 * MAP_MARGIN)
    points = []
    for loc in sorted(located, key=lambda loc: -loc.population):  # small ones on top
        points.append(
            MapPoint(
                x=round(MAP_MARGIN + (loc.longitude - min(longitudes)) * middle * scale, 1),
                y=round(MAP_MARGIN + (max(latitudes) - loc.latitude) * scale, 1),
                r=round(min(24.0, 3 + math.sqrt(loc.population) / 5), 1),
                fill=PRINT_FILLS[loc.service],
                title=f"{loc.name}: {loc.service_label}",
            )
        )
    return points, drawn_height


def action_totals(ranked: list[priorities.Priority]) -> list[ActionTotal]:
    totals: dict[str, ActionTotal] = {}
    for item in ranked:
        total = totals.setdefault(item.action, ActionTotal(item.action, item.action_label, 0, 0.0))
        total.places += 1
        total.people += item.people
    return sorted(totals.values(), key=lambda total: -total.people)


def context(municipality, on: datetime.date) -> dict:
    found = facts.load(municipality, on)
    summary = causes.summary(found)
    ranked = priorities.rank(priorities.candidates(found), priorities.weights_for(municipality.pk))
    gap_rows, perception = gaps(found)
    points, height = map_points(found)
    works = sum(
        summary.people(cause) for cause in (Cause.INFRASTRUCTURE, Cause.SOURCE, Cause.NO_SYSTEM)
    )
    return {
        "municipality": municipality,
        "facts": found,
        "on": on,
        "summary": summary,
        "gaps": gap_rows,
        "perception": perception,
        "priorities": ranked[:PRIORITIES_IN_REPORT],
        "action_totals": action_totals(ranked),
        "points": points,
        "map_width": MAP_WIDTH,
        "map_height": height,
        "legend": [
            (str(SERVICE_LABELS[code]), fill)
            for code, fill in PRINT_FILLS.items()
            if fill != "none"
        ],
        "works_people": works,
        "desk_url": reverse("desk:desk", args=[municipality.pk]),
        "map_url": reverse("desk:map", args=[municipality.pk]),
    }
