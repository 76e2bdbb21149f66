"""Issue 13: publish a catalogue version whose entries say which kinds of provider they are for,
with entries of their own for the women's kiosks and the school committees.

A kiosk that sells jugs was asked about its padrón, its illegal connections and its faenas. In
the new version every risk, checklist item and scorecard indicator names the kinds of provider it
applies to (committee, school committee, kiosk group); what only a community committee has stays
with committees, and new entries cover the kiosks (sales, purchases and stock, the jug price,
hours, the franchise's support, the purified water's upkeep, the group's accounts) and the schools
(the technician's pay, sales to families, children's hygiene, the school committee's election,
drinking fountains). Their wording is in catalogue_v3.json.

As migration 0009 did, the current published version is copied (a coordinator's edits included),
the copy gets the kinds of the entries it shares with the file and the new entries it lacks, and
it is published after the current one, so new cycles use it. Published versions are never
edited: entries of older versions got every kind in migration 0012, so cycles already run or
under way keep every entry they had. Drafts are left alone. An entry a coordinator added, whose
code the file does not know, keeps every kind. Run twice, it creates the version once (found by
its name).

Reverse: the version is deleted when no cycle uses it and no version was copied from it;
otherwise the reverse stops with a message, as 0009's does.
"""

import datetime
import importlib
import json
from pathlib import Path

from django.db import migrations, transaction
from django.db.models import ProtectedError
from django.utils import timezone

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DATA = DATA_DIR / "catalogue_v3.json"
PREVIOUS = DATA_DIR / "catalogue_v2.json"
# The copy itself is the one migration 0009 makes (every concrete field, references by code).
issue12 = importlib.import_module("ojodeagua.integrity.migrations.0009_issue12_catalogue")

# When the current version's notes are a coordinator's own, they stay and this follows them.
ADDED_NOTE = (
    "Esta versión dice, como propuesta de Ojo de Agua, a validar, para qué tipo de grupo es cada "
    "riesgo, punto de la lista y indicador (comités comunitarios, comités escolares, grupos de "
    "mujeres de kiosco), y agrega los riesgos R19 a R28 y los puntos C18 a C29, propios de los "
    "kioscos y de las escuelas."
)
NEW_PROCESSES = ["ventas", "insumos", "atencion", "franquicia", "grupo", "tecnico", "higiene"]
NEW_TOOLS = [
    "registro-ventas",
    "inventario-insumos",
    "precio-a-la-vista",
    "reglas-fiado",
    "horario-y-turnos",
    "convenio-franquicia",
    "bitacora-apoyos",
    "bitacora-kiosco",
    "reparto-ganancias",
    "acuerdo-pago-tecnico",
    "bitacora-tecnico",
    "rutina-lavado-manos",
    "revision-higiene",
    "acta-comite-escolar",
]
NEW_RISKS = [f"R{n}" for n in range(19, 29)]
NEW_CHECKLIST = [f"C{n}" for n in range(18, 30)]


def new_data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def version_name(data: dict) -> str:
    return data["version"]["name"]


def seeded_notes() -> set[str]:
    """The notes of the versions migrations published, to tell them from a coordinator's."""
    previous = json.loads(PREVIOUS.read_text(encoding="utf-8"))["version"]["notes"]
    return {issue12.OLD_NOTES, previous}


def kinds_by_code(data: dict) -> dict[str, dict[str, list[str]]]:
    return {
        "Risk": {item["code"]: item["provider_kinds"] for item in data["risks"]},
        "ChecklistItem": {item["code"]: item["provider_kinds"] for item in data["checklist"]},
        "ScorecardIndicator": {
            item["code"]: item["provider_kinds"]
            for principle in data["scorecard"]
            for item in principle["indicators"]
        },
    }


def set_kinds(apps, version, data: dict) -> None:
    """Each entry the file knows gets the file's kinds; the others keep every kind."""
    for name, kinds in kinds_by_code(data).items():
        model = apps.get_model("integrity", name)
        for entry in model.objects.filter(version=version, code__in=kinds):
            entry.provider_kinds = kinds[entry.code]
            entry.save(update_fields=["provider_kinds"])


def add_entries(apps, version, data: dict) -> None:
    """The new processes, tools, risks and checklist items, where the version lacks the code."""

    def model(name: str):
        return apps.get_model("integrity", name)

    for item in data["processes"]:
        if item["code"] in NEW_PROCESSES:
            model("BusinessProcess").objects.get_or_create(
                version=version, code=item["code"], defaults={"name": item["name"]}
            )
    for item in data["tools"]:
        if item["code"] in NEW_TOOLS:
            model("Tool").objects.get_or_create(
                version=version,
                code=item["code"],
                defaults={"name": item["name"], "description": item.get("description", "")},
            )
    processes = {p.code: p for p in model("BusinessProcess").objects.filter(version=version)}
    tools = {t.code: t for t in model("Tool").objects.filter(version=version)}
    for item in data["risks"]:
        if item["code"] not in NEW_RISKS or item["process"] not in processes:
            continue
        risk, created = model("Risk").objects.get_or_create(
            version=version,
            code=item["code"],
            defaults={
                "title": item["title"],
                "process": processes[item["process"]],
                "type": item["type"],
                "driver": item["driver"],
                "red_flags": item.get("red_flags", []),
                "description": item.get("description", ""),
                "provider_kinds": item["provider_kinds"],
            },
        )
        if created:
            risk.tools.set([tools[code] for code in item.get("tools", []) if code in tools])
            for check in item.get("signals", []):
                model("Signal").objects.create(risk=risk, check_code=check)
    for item in data["checklist"]:
        if item["code"] in NEW_CHECKLIST:
            model("ChecklistItem").objects.get_or_create(
                version=version,
                code=item["code"],
                defaults={
                    "text": item["text"],
                    "help": item.get("help", ""),
                    "provider_kinds": item["provider_kinds"],
                },
            )


def publish_new_version(apps, current, data: dict):
    """A full copy of ``current`` with this issue's kinds and entries, published after it."""
    CatalogueVersion = apps.get_model("integrity", "CatalogueVersion")
    notes = data["version"]["notes"]
    if current.notes.strip() and current.notes not in seeded_notes():
        notes = f"{current.notes}\n\n{ADDED_NOTE}"
    # Published after the current one, so that it is the version new cycles use.
    published_at = max(timezone.now(), current.published_at + datetime.timedelta(seconds=1))
    version = CatalogueVersion.objects.create(
        name=version_name(data), notes=notes, based_on=current, published_at=published_at
    )
    issue12.copy_entries(apps, current, version)
    set_kinds(apps, version, data)
    add_entries(apps, version, data)
    return version


def forwards(apps, schema_editor):
    from ojodeagua.integrity.catalogue import load_catalogue

    data = new_data()
    CatalogueVersion = apps.get_model("integrity", "CatalogueVersion")
    if CatalogueVersion.objects.filter(name=version_name(data)).exists():
        return
    current = (
        CatalogueVersion.objects.filter(published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .first()
    )
    if current is not None:
        publish_new_version(apps, current, data)
    else:
        # Nothing published to copy (only drafts): the new version is the whole file.
        load_catalogue(data, get_model=apps.get_model)


def backwards(apps, schema_editor):
    data = new_data()
    CatalogueVersion = apps.get_model("integrity", "CatalogueVersion")
    Cycle = apps.get_model("integrity", "Cycle")
    created = CatalogueVersion.objects.filter(name=version_name(data))
    in_use = Cycle.objects.filter(catalogue__in=created).count()
    copied = CatalogueVersion.objects.filter(based_on__in=created).count()
    if in_use or copied:
        raise RuntimeError(
            f"No se puede deshacer la migración integrity 0013: la versión del catálogo "
            f"«{version_name(data)}» la usan {in_use} ciclo(s) y se copió en {copied} "
            f"versión(es). Borrarla borraría lo que se registró con ella; mueva o borre esos "
            f"ciclos y versiones primero, o deje la migración aplicada."
        )
    Risk = apps.get_model("integrity", "Risk")
    try:
        with transaction.atomic():
            # Risks first: a risk protects its process from a cascade that would orphan it.
            Risk.objects.filter(version__in=created).delete()
            created.delete()
    except ProtectedError as error:
        raise RuntimeError(
            f"No se puede deshacer la migración integrity 0013: otros registros usan entradas "
            f"de la versión «{version_name(data)}» ({error.protected_objects})."
        ) from error


class Migration(migrations.Migration):
    dependencies = [("integrity", "0012_catalogue_provider_kinds_and_set_aside")]
    operations = [migrations.RunPython(forwards, backwards)]
