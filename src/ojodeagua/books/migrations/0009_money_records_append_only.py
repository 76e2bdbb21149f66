"""Every money record refuses to change, as payments and charges already did, and the nightly
check keeps what it found wrong in the records beside what it found in the chain."""

from django.db import migrations, models

# Written once, corrected only by new rows (a void, a credit); 0003 covered the ledger, payments,
# their allocations and charges.
TABLES = [
    "books_paymentvoid",
    "books_cashcount",
    "books_deposit",
    "books_expense",
    "books_quote",
    "books_sale",
]


def create(apps, schema_editor):
    # As in 0003: SQLite refuses updates only (its test flush deletes rows one by one);
    # PostgreSQL refuses updates and deletes with the function 0003 made.
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(
                f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                    BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""
            )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION books_append_only()"""
            )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")


class Migration(migrations.Migration):
    dependencies = [("books", "0008_keep_who_recorded_money")]

    operations = [
        migrations.AddField(
            model_name="chaincheck",
            name="record_problems",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(create, drop),
    ]
