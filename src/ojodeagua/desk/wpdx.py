"""The municipality's water systems as water points of the WPDx data standard: its column names
and its status, source, technology and management values, one row per system for the month the
desk shows. WPDx assigns ``wpdx_id`` itself when the file is uploaded, so it goes out empty; the
system's own id is in ``notes``.

The downloads (CSV and XLSX) register here as every download does (``lib.exports``), with the
desk's one scope rule: the municipality must be one the person sees whole.
"""

from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.lib.exports import ExportRefused, Table
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import WaterSystem

from . import facts as desk_facts
from .access import covered_municipality
from .facts import DeskFacts, SystemFacts
from .mapdata import tier_label

EXPORT = "desk_wpdx"

COLUMNS = [
    "wpdx_id",
    "report_date",
    "lat_deg",
    "lon_deg",
    "status_id",
    "status_clean",
    "water_source_clean",
    "water_tech_clean",
    "water_tech_category",
    "management_clean",
    "install_year",
    "installer",
    "rehab_year",
    "pay",
    "fecal_coliform_presence",
    "fecal_coliform_value",
    "subjective_quality",
    "clean_adm1",
    "clean_adm2",
    "clean_adm3",
    "assigned_population",
    "notes",
]

# The standard's values, by what our registry says.
WATER_SOURCE = {
    WaterSystem.Kind.GRAVITY: "Piped Water",
    WaterSystem.Kind.PUMPED: "Piped Water",
    WaterSystem.Kind.POINT_SOURCE: "Protected Spring",
    WaterSystem.Kind.RAINWATER: "Rainwater Harvesting",
    WaterSystem.Kind.KIOSK: "Packaged Water",
    WaterSystem.Kind.SCHOOL: "Piped Water",
    WaterSystem.Kind.HOUSEHOLD: "Piped Water",
}
WATER_TECH = {
    WaterSystem.Kind.GRAVITY: ("Tapstand", "Tapstand"),
    WaterSystem.Kind.PUMPED: ("Mechanized Pump", "Mechanized Pump"),
    WaterSystem.Kind.POINT_SOURCE: ("Rope and Bucket", "Rope and Bucket"),
    WaterSystem.Kind.RAINWATER: ("", ""),
    WaterSystem.Kind.KIOSK: ("", ""),
    WaterSystem.Kind.SCHOOL: ("Tapstand", "Tapstand"),
    WaterSystem.Kind.HOUSEHOLD: ("", ""),
}
MANAGEMENT = {
    Provider.Kind.COMMITTEE: "Community Management",
    Provider.Kind.KIOSK: "Community Management",
    Provider.Kind.MUNICIPAL: "Direct Government Operation",
    Provider.Kind.SCHOOL: "School Management",
}
DRY = "source_dried"


def status_id(system: SystemFacts) -> str:
    """Yes for T1 and above, No for T0, Unknown without a visit in 12 months."""
    if system.tier is None:
        return "Unknown"
    return "Yes" if system.tier >= 1 else "No"


def status_clean(system: SystemFacts) -> str:
    if system.tier is None:
        return ""
    if system.tier == 0:
        return "Non-Functional, dry season" if system.stopped_by == DRY else "Non-Functional"
    if system.tier <= 2:
        # Gives water, but not the flow its design asks for, or not reliably.
        return "Functional, needs repair"
    return "Functional"


def fecal_coliform(system: SystemFacts) -> str:
    if system.ecoli == "fail":
        return "Presence"
    if system.ecoli == "pass":
        return "Absence"
    return ""


def _number(value: float | None) -> object:
    return "" if value is None else round(value, 6)


def rows(found: DeskFacts) -> list[dict[str, object]]:
    """One water point per system that has coordinates or people on record."""
    report_date = (found.month or timezone.localdate()).isoformat()
    state_name = found.municipality.state.name
    result = []
    for system in sorted(found.systems.values(), key=lambda s: (s.name, s.pk)):
        served = sorted(system.people_by_locality, key=lambda pk: -system.people_by_locality[pk])
        place = found.localities[served[0]].name if served else ""
        technology, category = WATER_TECH.get(system.kind, ("", ""))
        result.append(
            {
                "wpdx_id": "",
                "report_date": report_date,
                "lat_deg": _number(system.latitude),
                "lon_deg": _number(system.longitude),
                "status_id": status_id(system),
                "status_clean": status_clean(system),
                "water_source_clean": WATER_SOURCE.get(system.kind, ""),
                "water_tech_clean": technology,
                "water_tech_category": category,
                "management_clean": MANAGEMENT.get(system.provider_kind, ""),
                "install_year": system.construction_year or "",
                "installer": "",
                "rehab_year": "",
                "pay": "",
                "fecal_coliform_presence": fecal_coliform(system),
                "fecal_coliform_value": "",
                "subjective_quality": "",
                "clean_adm1": state_name,
                "clean_adm2": found.municipality.name,
                "clean_adm3": place,
                "assigned_population": round(system.people),
                "notes": f"Ojo de Agua {system.pk}: {system.name}; {tier_label(system)}",
            }
        )
    return result


def municipality_for(user, query: QueryDict) -> Municipality:
    try:
        return covered_municipality(user, int(query.get("municipality", "")))
    except (ValueError, Http404) as error:
        raise ExportRefused(_("Indique un municipio que usted vea completo.")) from error


def wpdx_table(user, query: QueryDict) -> Table:
    municipality = municipality_for(user, query)
    found = desk_facts.load(municipality, timezone.localdate())
    points = rows(found)
    return Table(
        name=f"wpdx-{municipality.key}",
        sheet="WPDx",
        header=list(COLUMNS),
        rows=([point[column] for column in COLUMNS] for point in points),
        count=len(points),
    )
