"""What was charged per charge month, and what is left of each charge, filled from
the records already there; from here on the posting code keeps them (``books.kept``)."""

import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor):
    # The same statements as ``kept.rebuild``: one way to add the records up.
    from ojodeagua.books.kept import rebuild_statements

    with schema_editor.connection.cursor() as cursor:
        for statement, params in rebuild_statements():
            cursor.execute(statement, params)


class Migration(migrations.Migration):

    dependencies = [
        ('books', '0010_monthly_totals'),
        ('providers', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ChargeMonthTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='mes')),
                ('charged', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='cobrado')),
            ],
            options={
                'verbose_name': 'total de cargos del mes',
                'verbose_name_plural': 'totales de cargos del mes',
                'ordering': ['provider', 'month'],
            },
        ),
        migrations.CreateModel(
            name='OwedCharge',
            fields=[
                ('charge', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='+', serialize=False, to='books.charge')),
                ('period', models.DateField(verbose_name='mes')),
                ('unpaid', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='por pagar')),
            ],
            options={
                'verbose_name': 'cargo por pagar',
                'verbose_name_plural': 'cargos por pagar',
                'ordering': ['provider', 'period', 'connection'],
            },
        ),
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(fields=['provider', 'paid_on'], include=('connection', 'id'), name='payment_by_day'),
        ),
        migrations.AddField(
            model_name='chargemonthtotal',
            name='provider',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='providers.provider', verbose_name='comité'),
        ),
        migrations.AddField(
            model_name='owedcharge',
            name='connection',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='books.connection'),
        ),
        migrations.AddField(
            model_name='owedcharge',
            name='provider',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='providers.provider', verbose_name='comité'),
        ),
        migrations.AddConstraint(
            model_name='chargemonthtotal',
            constraint=models.UniqueConstraint(fields=('provider', 'month'), name='one_charge_total_a_month'),
        ),
        migrations.AddIndex(
            model_name='owedcharge',
            index=models.Index(condition=models.Q(('unpaid', 0), _negated=True), fields=['provider', 'period'], name='owed_by_provider'),
        ),
        migrations.AddIndex(
            model_name='owedcharge',
            index=models.Index(condition=models.Q(('unpaid', 0), _negated=True), fields=['connection', 'period'], name='owed_by_connection'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
