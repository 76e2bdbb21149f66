"""Monthly totals per provider and account, filled from the lines already posted.

From here on ``ledger.post_entries`` keeps them in the same transaction as the lines.
"""

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models



def backfill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        month = "CAST(date_trunc('month', e.entry_date) AS date)"
    else:
        month = "strftime('%Y-%m-01', e.entry_date)"
    # No parameters: the statement is run as written (the % above is SQLite's, not a placeholder).
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO books_monthlytotal (provider_id, account, month, debit, credit)
                SELECT e.provider_id, l.account, {month}, SUM(l.debit), SUM(l.credit)
                FROM books_journalline l JOIN books_journalentry e ON e.id = l.entry_id
                GROUP BY e.provider_id, l.account, {month}"""
        )


class Migration(migrations.Migration):

    dependencies = [
        ('books', '0009_money_records_append_only'),
        ('providers', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='MonthlyTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('account', models.CharField(choices=[('cash', 'caja'), ('bank', 'banco o cooperativa'), ('reserve', 'fondo de reserva'), ('receivable', 'cuotas por cobrar'), ('opening', 'saldo inicial'), ('income_fees', 'ingresos por cuotas'), ('income_connections', 'ingresos por tomas nuevas'), ('income_fines', 'ingresos por multas'), ('income_sales', 'ingresos por ventas'), ('income_other', 'otros ingresos'), ('expense_energy', 'gasto en energía'), ('expense_chlorine', 'gasto en cloro'), ('expense_repairs', 'gasto en reparaciones y materiales'), ('expense_pay', 'pago al operador o técnico'), ('expense_transport', 'gasto en pasajes y fletes'), ('expense_other', 'otros gastos')], max_length=20, verbose_name='cuenta')),
                ('month', models.DateField(verbose_name='mes')),
                ('debit', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='debe')),
                ('credit', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='haber')),
                ('provider', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='providers.provider', verbose_name='comité')),
            ],
            options={
                'verbose_name': 'total del mes',
                'verbose_name_plural': 'totales del mes',
                'ordering': ['provider', 'month', 'account'],
                'constraints': [models.UniqueConstraint(fields=('provider', 'account', 'month'), name='one_total_per_account_and_month')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
