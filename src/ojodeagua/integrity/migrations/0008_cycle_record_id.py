import uuid

import ojodeagua.lib.records
from django.db import migrations, models


def give_each_cycle_its_own_id(apps, schema_editor):
    # A shared default would break uniqueness for cycles made before ids existed.
    Cycle = apps.get_model("integrity", "Cycle")
    for cycle in Cycle.objects.filter(record_id__isnull=True).only("pk"):
        Cycle.objects.filter(pk=cycle.pk).update(record_id=str(uuid.uuid4()))


class Migration(migrations.Migration):

    dependencies = [
        ("integrity", "0007_client_record_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="cycle",
            name="record_id",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(give_each_cycle_its_own_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="cycle",
            name="record_id",
            field=models.CharField(
                default=ojodeagua.lib.records.new_record_id,
                help_text="Lo pone el teléfono o la hoja de cálculo; una reimportación lo reconoce.",
                max_length=64,
                unique=True,
                verbose_name="identificador del registro",
            ),
        ),
    ]
