"""Which norm says the water is "free from contamination" on the JMP ladder: a setting, WHO's
guideline values by default (JMP-comparable figures); "nom127" uses the NOM's interim limits."""

from django.db import migrations, models

CODE = "contamination_norm"
DESCRIPTION = (
    "Norma con la que la escalera JMP juzga si el agua está libre de contaminación: «who» "
    "(guías de la OMS, cifras comparables con el JMP) o «nom127» (NOM-127, límites "
    "intermedios de arsénico y flúor). Tras cambiarla: ojodeagua indicators --recompute."
)


def seed(apps, schema_editor):
    Setting = apps.get_model("indicators", "Setting")
    # A database that already chose a norm keeps its choice.
    Setting.objects.get_or_create(
        code=CODE, defaults={"value": 0, "choice": "who", "description": DESCRIPTION}
    )


def unseed(apps, schema_editor):
    apps.get_model("indicators", "Setting").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0005_provider_finance_weights'),
    ]

    operations = [
        migrations.AddField(
            model_name='setting',
            name='choice',
            field=models.CharField(blank=True, max_length=30, verbose_name='opción'),
        ),
        migrations.AlterField(
            model_name='setting',
            name='value',
            field=models.DecimalField(decimal_places=3, default=0, max_digits=10, verbose_name='valor'),
        ),
        migrations.RunPython(seed, unseed),
    ]
