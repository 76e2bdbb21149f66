"""Issue 12: the catalogue says it is Ojo de Agua's proposal, the 5 × 5 scale rates integrity
consequences, and legal status, source protection and written agreements join the catalogue.

Works on a database that already holds user data: wording changes only where a row still has the
seeded words (a coordinator's own edits stay), and new entries go in by code, never twice.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "catalogue_v1.json"

# What catalogue_v1.json said before this migration, to recognise rows nobody has edited.
OLD_NOTES = (
    "Catálogo de partida para comités comunitarios de agua. Se basa en las notas del proyecto "
    "sobre la Caja de herramientas de gestión de integridad de la Red de Integridad del Agua "
    "(WIN), cewas y GIZ, en su versión para pequeños sistemas de suministro de agua (Kenia) y en "
    "su adaptación en México con Cántaro Azul y Controla Tu Gobierno. No se contó con los "
    "manuales completos de facilitación: los riesgos, señales de alerta, herramientas, lista de "
    "cumplimiento, indicadores y escalas son una propuesta que la organización que acompaña debe "
    "revisar y validar antes de usarla con los comités, y que puede editar."
)
OLD_SCALES = {
    "who5x5": {
        "name": "OMS, plan de seguridad del agua: 5 × 5",
        "note": "Comprobar con el manual de la OMS antes de presentarla como de la OMS.",
        "impact": {
            1: "insignificante (sin efecto)",
            2: "menor (afecta el cumplimiento de normas)",
            3: "moderada (cambia el sabor, olor o color del agua)",
            4: "mayor (obliga a intervenir a la autoridad)",
            5: "catastrófica (daña la salud de la población)",
        },
    },
    "3x3": {"name": "Comités: 3 × 3", "note": "", "impact": {}},
}
# The entries this issue adds (their wording is in catalogue_v1.json).
NEW_PROCESSES = ["modelo", "fuente", "acuerdos"]
NEW_TOOLS = [
    "modelo-en-asamblea",
    "expediente-legal",
    "tramite-conagua",
    "acta-y-reconocimiento",
    "zona-de-proteccion",
    "recorrido-fuente",
    "acuerdo-uso-fuente",
    "convenio-municipio",
    "acuerdo-servicios-salud",
]
NEW_RISKS = ["R12", "R13", "R14", "R15", "R16", "R17", "R18"]
NEW_CHECKLIST = ["C12", "C13", "C14", "C15", "C16", "C17"]


def seeded() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def new_scale_wording(data: dict) -> dict:
    return {
        scale["code"]: {
            "name": scale["name"],
            "note": scale.get("note", ""),
            "impact": {level["value"]: level["label"] for level in scale["impact"]},
        }
        for scale in data["scales"]
        if scale["code"] in OLD_SCALES
    }


def reword(apps, old_scales: dict, new_scales: dict, old_notes: str, new_notes: str) -> None:
    """Swap seeded wording for new wording, row by row; edited rows are left alone.

    Only labels change: every level keeps its value, so the ratings of past cycles stay on
    their scale.
    """
    RatingScale = apps.get_model("integrity", "RatingScale")
    for scale in RatingScale.objects.filter(code__in=old_scales):
        old, new = old_scales[scale.code], new_scales[scale.code]
        if scale.name == old["name"]:
            scale.name = new["name"]
        if scale.note == old["note"]:
            scale.note = new["note"]
        scale.impact = [
            {**level, "label": new["impact"][level["value"]]}
            if old["impact"].get(level.get("value")) == level.get("label")
            and level.get("value") in new["impact"]
            else level
            for level in scale.impact
        ]
        scale.save(update_fields=["name", "note", "impact"])
    CatalogueVersion = apps.get_model("integrity", "CatalogueVersion")
    CatalogueVersion.objects.filter(notes=old_notes).update(notes=new_notes)


def add_entries(apps, version, data: dict) -> None:
    """The new processes, tools, risks and checklist items this version does not have yet."""

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
            },
        )
        if created:
            risk.tools.set([tools[code] for code in item.get("tools", []) if code in tools])
    for item in data["checklist"]:
        if item["code"] in NEW_CHECKLIST:
            model("ChecklistItem").objects.get_or_create(
                version=version,
                code=item["code"],
                defaults={"text": item["text"], "help": item.get("help", "")},
            )


def forwards(apps, schema_editor):
    data = seeded()
    reword(apps, OLD_SCALES, new_scale_wording(data), OLD_NOTES, data["version"]["notes"])
    CatalogueVersion = apps.get_model("integrity", "CatalogueVersion")
    # The version new cycles use, and the drafts that will replace it; versions that only past
    # cycles use keep the entries those cycles were run with.
    current = (
        CatalogueVersion.objects.filter(published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .first()
    )
    targets = list(CatalogueVersion.objects.filter(published_at__isnull=True))
    if current is not None:
        targets.append(current)
    for version in targets:
        add_entries(apps, version, data)


def backwards(apps, schema_editor):
    # The added entries stay (cycles may have rated them); the seeded wording comes back.
    data = seeded()
    reword(apps, new_scale_wording(data), OLD_SCALES, data["version"]["notes"], OLD_NOTES)


class Migration(migrations.Migration):
    dependencies = [("integrity", "0008_cycle_record_id")]
    operations = [migrations.RunPython(forwards, backwards)]
