"""Give bank and cooperative accounts a client-made record id, one per existing account."""

import uuid

import ojodeagua.lib.records
from django.db import migrations, models


def give_each_account_its_own_id(apps, schema_editor):
    # A shared default would break uniqueness for accounts made before ids existed.
    MoneyAccount = apps.get_model("books", "MoneyAccount")
    for account in MoneyAccount.objects.filter(record_id__isnull=True).only("pk"):
        MoneyAccount.objects.filter(pk=account.pk).update(record_id=str(uuid.uuid4()))


class Migration(migrations.Migration):

    dependencies = [
        ("books", "0006_chain_check"),
    ]

    operations = [
        migrations.AddField(
            model_name="moneyaccount",
            name="record_id",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(give_each_account_its_own_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="moneyaccount",
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
