"""Load, copy and publish versions of the integrity catalogue."""

import json
from collections.abc import Callable
from pathlib import Path

from django.apps import apps as installed_apps
from django.db import transaction
from django.utils import timezone

# The default catalogue as it stands now: the seed (catalogue_v1.json, loaded by migration 0002)
# plus what migrations 0009 (catalogue_v2.json) and 0011 (catalogue_v3.json: entries by kind of
# provider, issue 13) published as new versions. Each file is read by its migration: a later
# change to the default goes in a new file and a new migration, never in these.
DEFAULT_FILE = Path(__file__).parent / "data" / "catalogue_v3.json"
ENTRY_MODELS = (
    "BusinessProcess",
    "Tool",
    "ChecklistItem",
    "ScorecardPrinciple",
    "ScorecardIndicator",
    "RatingScale",
    "Risk",
)


def default_data() -> dict:
    return json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def provider_kinds(item: dict) -> list[str]:
    """The kinds of provider an entry of a catalogue file is for. A file written before entries
    had kinds (catalogue_v1.json, catalogue_v2.json) was written for every kind."""
    from .models import every_workshop_kind

    return list(item.get("provider_kinds") or every_workshop_kind())


def kinds_for(entry_model, item: dict) -> dict:
    """``provider_kinds`` for a new entry, or nothing for a migration's historical model from
    before entries had kinds (migrations 0002 and 0009 load files with this function too)."""
    if not any(field.name == "provider_kinds" for field in entry_model._meta.concrete_fields):
        return {}
    return {"provider_kinds": provider_kinds(item)}


@transaction.atomic
def load_catalogue(
    data: dict, *, publish: bool = True, get_model: Callable = installed_apps.get_model
):
    """Create a catalogue version from a dictionary (the shape of ``data/*.json``).

    ``get_model`` lets a data migration pass its historical models.
    """

    def model(name: str):
        return get_model("integrity", name)

    version = model("CatalogueVersion").objects.create(
        name=data["version"]["name"],
        notes=data["version"].get("notes", ""),
        published_at=timezone.now() if publish else None,
    )
    processes = {
        item["code"]: model("BusinessProcess").objects.create(
            version=version, code=item["code"], name=item["name"]
        )
        for item in data["processes"]
    }
    tools = {
        item["code"]: model("Tool").objects.create(
            version=version,
            code=item["code"],
            name=item["name"],
            description=item.get("description", ""),
        )
        for item in data["tools"]
    }
    for item in data["risks"]:
        risk = model("Risk").objects.create(
            version=version,
            code=item["code"],
            title=item["title"],
            process=processes[item["process"]],
            type=item["type"],
            driver=item["driver"],
            red_flags=item.get("red_flags", []),
            description=item.get("description", ""),
            **kinds_for(model("Risk"), item),
        )
        risk.tools.set([tools[code] for code in item.get("tools", [])])
        for check in item.get("signals", []):
            model("Signal").objects.create(risk=risk, check_code=check)
    for item in data["checklist"]:
        model("ChecklistItem").objects.create(
            version=version,
            code=item["code"],
            text=item["text"],
            help=item.get("help", ""),
            **kinds_for(model("ChecklistItem"), item),
        )
    for principle_data in data["scorecard"]:
        principle = model("ScorecardPrinciple").objects.create(
            version=version, code=principle_data["code"], name=principle_data["principle"]
        )
        for item in principle_data["indicators"]:
            model("ScorecardIndicator").objects.create(
                version=version,
                principle=principle,
                code=item["code"],
                name=item["name"],
                descriptor_1=item["descriptor_1"],
                descriptor_3=item["descriptor_3"],
                descriptor_5=item["descriptor_5"],
                **kinds_for(model("ScorecardIndicator"), item),
            )
    for item in data["scales"]:
        model("RatingScale").objects.create(
            version=version,
            code=item["code"],
            name=item["name"],
            likelihood=item["likelihood"],
            impact=item["impact"],
            bands=item["bands"],
            is_default=item.get("default", False),
            note=item.get("note", ""),
        )
    return version


def export_catalogue(version) -> dict:
    """The version as a dictionary of the same shape ``load_catalogue`` reads."""
    return {
        "version": {"name": version.name, "notes": version.notes},
        "processes": [{"code": p.code, "name": p.name} for p in version.processes.all()],
        "tools": [
            {"code": t.code, "name": t.name, "description": t.description}
            for t in version.tools.all()
        ],
        "risks": [
            {
                "code": r.code,
                "title": r.title,
                "process": r.process.code,
                "type": r.type,
                "driver": r.driver,
                "red_flags": r.red_flags,
                "description": r.description,
                "tools": sorted(t.code for t in r.tools.all()),
                "signals": sorted(s.check_code for s in r.signals.all()),
                "provider_kinds": r.provider_kinds,
            }
            for r in version.risks.select_related("process").prefetch_related("tools", "signals")
        ],
        "checklist": [
            {"code": c.code, "text": c.text, "help": c.help, "provider_kinds": c.provider_kinds}
            for c in version.checklist.all()
        ],
        "scorecard": [
            {
                "code": p.code,
                "principle": p.name,
                "indicators": [
                    {
                        "code": i.code,
                        "name": i.name,
                        "descriptor_1": i.descriptor_1,
                        "descriptor_3": i.descriptor_3,
                        "descriptor_5": i.descriptor_5,
                        "provider_kinds": i.provider_kinds,
                    }
                    for i in p.indicators.order_by("code")
                ],
            }
            for p in version.principles.all()
        ],
        "scales": [
            {
                "code": s.code,
                "name": s.name,
                "likelihood": s.likelihood,
                "impact": s.impact,
                "bands": s.bands,
                "default": s.is_default,
                "note": s.note,
            }
            for s in version.scales.all()
        ],
    }


def copy_version(version, name: str):
    """A new draft with the same entries; the published original stays as it was."""
    data = export_catalogue(version)
    data["version"]["name"] = name
    copy = load_catalogue(data, publish=False)
    copy.based_on = version
    copy.save(update_fields=["based_on"])
    return copy


def publish(version) -> None:
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])


def scale_problems(likelihood: list, impact: list, bands: list) -> list[str]:
    """What is wrong with a rating scale, in words a coordinator can act on; empty when fine."""
    from django.utils.translation import gettext as _

    problems = []
    for name, levels in ((_("probabilidad"), likelihood), (_("impacto"), impact)):
        values = [level.get("value") if isinstance(level, dict) else None for level in levels]
        if not levels or any(not isinstance(v, int) or v < 1 for v in values):
            problems.append(
                _("Cada nivel de %(name)s necesita un valor entero desde 1 y una etiqueta.")
                % {"name": name}
            )
        elif len(set(values)) != len(values):
            problems.append(_("Hay niveles de %(name)s repetidos.") % {"name": name})
        elif any(not str(level.get("label", "")).strip() for level in levels):
            problems.append(_("Cada nivel de %(name)s necesita su etiqueta.") % {"name": name})
    for band in bands:
        if not (
            isinstance(band, dict)
            and isinstance(band.get("min"), int)
            and isinstance(band.get("max"), int)
            and band["min"] <= band["max"]
            and str(band.get("code", "")).strip()
            and str(band.get("label", "")).strip()
        ):
            problems.append(
                _("Cada banda necesita «min» y «max» enteros (min ≤ max), «code» y «label».")
            )
            return problems
    if problems:
        return problems
    for a in bands:
        for b in bands:
            if a is not b and a["min"] <= b["max"] and b["min"] <= a["max"]:
                problems.append(
                    _("Las bandas «%(a)s» y «%(b)s» se enciman.")
                    % {"a": a["label"], "b": b["label"]}
                )
                return problems
    products = sorted({lk["value"] * im["value"] for lk in likelihood for im in impact})
    loose = [p for p in products if not any(b["min"] <= p <= b["max"] for b in bands)]
    if loose:
        problems.append(
            _("Ninguna banda cubre estos puntajes: %(scores)s.")
            % {"scores": ", ".join(str(p) for p in loose)}
        )
    return problems


def publication_problems(version) -> list[str]:
    """Why a draft cannot be published yet; a cycle needs risks, a checklist and a scale."""
    from django.utils.translation import gettext as _

    problems = []
    if not version.risks.exists():
        problems.append(_("No tiene riesgos."))
    if not version.checklist.exists():
        problems.append(_("No tiene lista de cumplimiento."))
    if version.scales.filter(is_default=True).count() != 1:
        problems.append(_("Debe tener exactamente una escala marcada como escala por omisión."))
    return problems
