"""Seed the default integrity catalogue (data/catalogue_v1.json), published."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "catalogue_v1.json"


def seed(apps, schema_editor):
    from ojodeagua.integrity.catalogue import load_catalogue

    if apps.get_model("integrity", "CatalogueVersion").objects.exists():
        return
    load_catalogue(json.loads(DATA.read_text(encoding="utf-8")), get_model=apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("integrity", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
