"""Seed the weights of the provider score (service and finance) and of its finance component."""

from django.db import migrations

# Equal weights, as for the other scores, until the supporting organisation sets its own.
WEIGHTS = [
    ("provider", "service"),
    ("provider", "finance"),
    ("finance", "collection"),
    ("finance", "cost_coverage"),
]


def seed(apps, schema_editor):
    ScoreWeight = apps.get_model("indicators", "ScoreWeight")
    for score, component in WEIGHTS:
        ScoreWeight.objects.get_or_create(score=score, component=component, defaults={"weight": 1})


class Migration(migrations.Migration):
    dependencies = [("indicators", "0004_locality_score_weights")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
