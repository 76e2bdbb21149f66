"""WHO's free-chlorine range is shown as two checks: its operational minimum and its health-based
maximum are different things (issue 12)."""

from django.db import migrations, models

WHO_CHLORINE_MINIMUM = (
    "mínimo operativo de desinfección de la OMS en el punto de entrega (no es un valor guía "
    "de salud: debajo, el agua en la práctica no está desinfectada)"
)
WHO_CHLORINE_MAXIMUM = "valor guía de salud de la OMS (máximo)"


def who_chlorine_limits(apps):
    Limit = apps.get_model("waterquality", "Limit")
    return Limit.objects.filter(
        version__norm__code="who", parameter__code="free_chlorine", rule="range"
    )


def name_the_ends(apps, schema_editor):
    # Only where nobody has written a meaning of their own.
    who_chlorine_limits(apps).filter(minimum_meaning="").update(
        minimum_meaning=WHO_CHLORINE_MINIMUM
    )
    who_chlorine_limits(apps).filter(maximum_meaning="").update(
        maximum_meaning=WHO_CHLORINE_MAXIMUM
    )


def forget_the_ends(apps, schema_editor):
    who_chlorine_limits(apps).update(minimum_meaning="", maximum_meaning="")


class Migration(migrations.Migration):
    dependencies = [
        ("waterquality", "0004_issue12_parameters_and_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="limit",
            name="maximum_meaning",
            field=models.CharField(blank=True, max_length=160, verbose_name="qué es el máximo"),
        ),
        migrations.AddField(
            model_name="limit",
            name="minimum_meaning",
            field=models.CharField(
                blank=True,
                help_text="Sólo si los extremos del intervalo son cosas distintas; se muestran aparte.",
                max_length=160,
                verbose_name="qué es el mínimo",
            ),
        ),
        migrations.RunPython(name_the_ends, forget_the_ends),
    ]
