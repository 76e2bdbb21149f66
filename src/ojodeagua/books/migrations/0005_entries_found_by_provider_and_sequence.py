"""Drop the ledger's index on provider alone; the (provider, sequence) index serves those lookups.

Only the index goes: altering the field the usual way would make SQLite rebuild the table, and
the rebuilt table would lose its append-only trigger.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "books_journalentry_provider_id_84b02703"


class Migration(migrations.Migration):
    dependencies = [
        ("books", "0004_entry_by_source"),
        ("providers", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="journalentry",
                    name="provider",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="providers.provider",
                        verbose_name="comité",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX {INDEX} ON books_journalentry (provider_id)",
                )
            ],
        )
    ]
