"""Seed the weights of the locality service-level score (equal until SIASAR's are on file)."""

from django.db import migrations

COMPONENTS = ["accessibility", "continuity", "seasonality", "quality"]


def seed(apps, schema_editor):
    ScoreWeight = apps.get_model("indicators", "ScoreWeight")
    for component in COMPONENTS:
        ScoreWeight.objects.get_or_create(
            score="locality", component=component, defaults={"weight": 1}
        )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0003_area_parts_index")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
