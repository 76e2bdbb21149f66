"""Database triggers that refuse to change money records and ledger entries, whatever code runs."""

from django.db import migrations

# Written once, corrected only by new rows (a void, a credit, a reversing entry).
TABLES = [
    "books_journalentry",
    "books_journalline",
    "books_payment",
    "books_paymentallocation",
    "books_charge",
]


def sqlite_statements() -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""
        for table in TABLES
    ]


def postgresql_statements() -> list[str]:
    statements = [
        # %% is how psycopg reads a literal % when the statement goes with parameters.
        """CREATE OR REPLACE FUNCTION books_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"""
    ]
    statements += [
        f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION books_append_only()"""
        for table in TABLES
    ]
    return statements


# As in the audit trail: SQLite's test-database flush deletes rows one by one, so SQLite refuses
# only updates; PostgreSQL flushes with TRUNCATE, which row triggers do not see, so it refuses
# deletes too.


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": sqlite_statements, "postgresql": postgresql_statements}.get(vendor)
    for statement in statements() if statements else []:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS books_append_only()")


class Migration(migrations.Migration):
    dependencies = [("books", "0002_assembly_report")]
    operations = [migrations.RunPython(create, drop)]
