"""The T2 flow rules, one per kind of system, each with its source in its threshold row.

Point sources (a well or a spring with one outlet, where hand pumps are) deliver if they give at
least ``point_min_flow_lpm`` litres per minute; every other system if it gives at least
``design_flow_share`` of its design yield (``engine.families.functionality`` says the same).
Only the descriptions change on an existing row: a value the agency set is kept.
"""

from django.db import migrations

POINT_MIN_FLOW = (
    "point_min_flow_lpm",
    10,
    "Nivel T2 de una fuente puntual (pozo o manantial, donde están las bombas manuales): da su "
    "caudal si el caudal medido es de al menos estos litros por minuto. Fuente: el umbral de "
    "campo usual para bombas manuales (práctica del sector, no una norma del JMP).",
)
DESIGN_FLOW_SHARE = (
    "design_flow_share",
    "Nivel T2 de los demás sistemas (redes, captación de lluvia, kioscos, escuelas, hogares): "
    "da su caudal si el caudal medido es al menos esta parte de su caudal de diseño. Fuente: "
    "regla de este proyecto; no hay una parte publicada, la fija la agencia.",
)
OLD_DESIGN_FLOW_SHARE = (
    "Un sistema da su caudal de diseño (nivel T2) si el caudal medido es al menos esta parte "
    "del caudal de diseño."
)


def seed(apps, schema_editor):
    Setting = apps.get_model("indicators", "Setting")
    code, value, description = POINT_MIN_FLOW
    Setting.objects.update_or_create(
        code=code,
        defaults={"description": description},
        create_defaults={"value": value, "description": description},
    )
    code, description = DESIGN_FLOW_SHARE
    Setting.objects.filter(code=code).update(description=description)


def unseed(apps, schema_editor):
    Setting = apps.get_model("indicators", "Setting")
    Setting.objects.filter(code=POINT_MIN_FLOW[0]).delete()
    Setting.objects.filter(code=DESIGN_FLOW_SHARE[0]).update(description=OLD_DESIGN_FLOW_SHARE)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0006_contamination_norm_setting")]
    operations = [migrations.RunPython(seed, unseed)]
