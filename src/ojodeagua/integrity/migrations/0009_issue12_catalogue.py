"""Issue 12: publish a new catalogue version, Ojo de Agua's proposal, with the 5 × 5 severity
rewritten for integrity consequences and legal status, source protection and written
agreements added; the versions already published keep their meaning.

A published version is never edited (see ``CatalogueVersion``), so this migration copies the
current published version into a new one, the way a coordinator's "copiar" does, adds the new
entries and wording to the copy and publishes it. Cycles already run, or under way, on an older
version keep its risks, checklist and severity words: a severity 4 rated under "mayor (obliga a
intervenir a la autoridad)" still reads so.

The one change to older published versions is a label: their 5 × 5 scale was named "OMS, plan
de seguridad del agua: 5 × 5", a claim its own note said to check before making. Where that
seeded name is still there it becomes a name that says what the scale rates (drinking-water
hazards) without claiming it is WHO's. Its levels, bands and note stay as they were.

Drafts are left alone: a coordinator's draft is theirs, and adding entries to it would change
work they have not seen. They can copy the new version instead.

Works on a database that already holds user data: the copy takes whatever the current version
holds (a coordinator's edits included), new entries go in by code only where the copy lacks that
code, and the new severity words replace only levels that still have the seeded words. Run twice,
it creates the version once (found by its name).

Reverse: the version this migration created is deleted when no cycle uses it and no version was
copied from it; otherwise the reverse stops with a message, because deleting it would delete or
orphan what coordinators and committees recorded on it. The older scales get their name back.
"""

import datetime
import json
from pathlib import Path

from django.db import migrations, transaction
from django.db.models import ProtectedError
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data" / "catalogue_v2.json"

# What the seed (catalogue_v1.json, migration 0002) says, to recognise rows nobody has edited.
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
# The label older versions' 5 × 5 scale gets: what it rates, without claiming to be WHO's.
OLD_SCALE_LABEL = "5 × 5 de peligros del agua potable (gravedad sin adaptar a integridad)"
# When the current version's notes are a coordinator's own, they stay and this follows them.
ADDED_NOTE = (
    "Esta versión agrega, como propuesta de Ojo de Agua, a validar, el modelo de gestión y la "
    "situación legal, la protección de la fuente y los acuerdos escritos con el municipio y los "
    "servicios de salud (riesgos R12 a R18, puntos C12 a C17), y la gravedad de la escala 5 × 5 "
    "describe consecuencias de integridad en vez de peligros del agua potable."
)
# The entries this issue adds (their wording is in catalogue_v2.json).
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
# Entries first, then the entries that point at other entries of the same version.
COPY_ORDER = [
    "BusinessProcess",
    "Tool",
    "ChecklistItem",
    "ScorecardPrinciple",
    "RatingScale",
    "ScorecardIndicator",
    "Risk",
]


def new_data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def version_name(data: dict) -> str:
    return data["version"]["name"]


def copy_entries(apps, source, target) -> None:
    """Every entry ``source`` owns, copied into ``target`` field by field.

    The same copy as ``catalogue.copy_version`` (export, then load), written against the
    historical models so that fields added later cannot break it. A foreign key to another entry
    points at the entry with the same code in ``target``; a risk's tools and signals come along.
    """
    copies: dict[tuple[str, int], object] = {}
    for name in COPY_ORDER:
        model = apps.get_model("integrity", name)
        for entry in model.objects.filter(version=source).order_by("pk"):
            values = {}
            for field in model._meta.concrete_fields:
                if field.primary_key:
                    continue
                value = getattr(entry, field.attname)
                if field.name == "version":
                    value = target.pk
                elif field.is_relation and value is not None:
                    value = copies[(field.related_model._meta.model_name, value)].pk
                values[field.attname] = value
            copies[(model._meta.model_name, entry.pk)] = model.objects.create(**values)
    Risk = apps.get_model("integrity", "Risk")
    Signal = apps.get_model("integrity", "Signal")
    for risk in Risk.objects.filter(version=source).prefetch_related("tools", "signals"):
        copy = copies[("risk", risk.pk)]
        copy.tools.set([copies[("tool", tool.pk)] for tool in risk.tools.all()])
        for signal in risk.signals.all():
            Signal.objects.create(risk=copy, check_code=signal.check_code)


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
                defaults={"text": item["text"], "help": item.get("help", "")},
            )


def reword_scales(apps, version, data: dict) -> None:
    """The new scale names, notes and severity words, where the copy still has the seeded ones.

    Only labels change: every level keeps its value and the bands stay.
    """
    RatingScale = apps.get_model("integrity", "RatingScale")
    new = {scale["code"]: scale for scale in data["scales"] if scale["code"] in OLD_SCALES}
    for scale in RatingScale.objects.filter(version=version, code__in=new):
        old, wording = OLD_SCALES[scale.code], new[scale.code]
        new_impact = {level["value"]: level["label"] for level in wording["impact"]}
        if scale.name == old["name"]:
            scale.name = wording["name"]
        if scale.note == old["note"]:
            scale.note = wording.get("note", "")
        scale.impact = [
            {**level, "label": new_impact[level["value"]]}
            if old["impact"].get(level.get("value")) == level.get("label")
            and level.get("value") in new_impact
            else level
            for level in scale.impact
        ]
        scale.save(update_fields=["name", "note", "impact"])


def publish_new_version(apps, current, data: dict):
    """A full copy of ``current`` with this issue's changes, published after it."""
    CatalogueVersion = apps.get_model("integrity", "CatalogueVersion")
    notes = data["version"]["notes"]
    if current.notes.strip() and current.notes != OLD_NOTES:
        notes = f"{current.notes}\n\n{ADDED_NOTE}"
    # Published after the current one, so that it is the version new cycles use.
    published_at = max(timezone.now(), current.published_at + datetime.timedelta(seconds=1))
    version = CatalogueVersion.objects.create(
        name=version_name(data), notes=notes, based_on=current, published_at=published_at
    )
    copy_entries(apps, current, version)
    add_entries(apps, version, data)
    reword_scales(apps, version, data)
    return version


def relabel_old_scales(apps, exclude, before: str, after: str) -> None:
    """Rename the 5 × 5 scale of published versions where it still has ``before``."""
    RatingScale = apps.get_model("integrity", "RatingScale")
    RatingScale.objects.filter(
        version__published_at__isnull=False, code="who5x5", name=before
    ).exclude(version__in=exclude).update(name=after)


def forwards(apps, schema_editor):
    from ojodeagua.integrity.catalogue import load_catalogue

    data = new_data()
    CatalogueVersion = apps.get_model("integrity", "CatalogueVersion")
    created = CatalogueVersion.objects.filter(name=version_name(data))
    if not created.exists():
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
    relabel_old_scales(apps, created, OLD_SCALES["who5x5"]["name"], OLD_SCALE_LABEL)


def backwards(apps, schema_editor):
    data = new_data()
    CatalogueVersion = apps.get_model("integrity", "CatalogueVersion")
    Cycle = apps.get_model("integrity", "Cycle")
    created = CatalogueVersion.objects.filter(name=version_name(data))
    in_use = Cycle.objects.filter(catalogue__in=created).count()
    copied = CatalogueVersion.objects.filter(based_on__in=created).count()
    if in_use or copied:
        raise RuntimeError(
            f"No se puede deshacer la migración integrity 0009: la versión del catálogo "
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
            f"No se puede deshacer la migración integrity 0009: otros registros usan entradas "
            f"de la versión «{version_name(data)}» ({error.protected_objects})."
        ) from error
    relabel_old_scales(apps, [], OLD_SCALE_LABEL, OLD_SCALES["who5x5"]["name"])


class Migration(migrations.Migration):
    dependencies = [("integrity", "0008_cycle_record_id")]
    operations = [migrations.RunPython(forwards, backwards)]
