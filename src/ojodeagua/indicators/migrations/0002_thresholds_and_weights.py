"""Seed the thresholds and the score weights the indicator definitions use (editable data)."""

from django.db import migrations

SETTINGS = [
    ("reliable_max_downtime_days", 30, "Un sistema es confiable con menos de estos días sin servicio en 12 meses."),
    ("perception_min_days_per_week", 4, "Brecha de percepción: menos de estos días con agua por semana cuenta como falla."),
    ("perception_ecoli_window_days", 90, "Brecha de percepción: días antes o después de la encuesta en que cuenta una prueba de E. coli fallida."),
    ("design_flow_share", 0.8, "Un sistema da su caudal de diseño (nivel T2) si el caudal medido es al menos esta parte del caudal de diseño."),
    ("people_per_household", 4.2, "Personas por vivienda cuando la localidad no tiene el dato del censo."),
]
# SIASAR's official sub-indicator weights are not on file: equal weights until they are.
WEIGHTS = [
    ("system", "functionality"),
    ("system", "continuity"),
    ("system", "seasonality"),
    ("system", "quality"),
]


def seed(apps, schema_editor):
    Setting = apps.get_model("indicators", "Setting")
    ScoreWeight = apps.get_model("indicators", "ScoreWeight")
    for code, value, description in SETTINGS:
        Setting.objects.get_or_create(code=code, defaults={"value": value, "description": description})
    for score, component in WEIGHTS:
        ScoreWeight.objects.get_or_create(score=score, component=component, defaults={"weight": 1})


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
