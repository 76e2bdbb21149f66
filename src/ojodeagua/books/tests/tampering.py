"""For tests: act as a database administrator who switches the append-only triggers off first.

The triggers stop the application and casual SQL; someone who owns the database can still drop
them. Tampering tests do exactly that, to prove ``ledger verify`` finds what such a person does.
"""

from contextlib import contextmanager

from django.db import connection

BOOKS_TABLES = [
    "books_journalentry",
    "books_journalline",
    "books_payment",
    "books_paymentallocation",
    "books_paymentvoid",
    "books_charge",
    "books_cashcount",
    "books_deposit",
    "books_expense",
    "books_quote",
    "books_sale",
]


@contextmanager
def database_administrator(tables: list[str] = BOOKS_TABLES):
    """Within a test's transaction, lift the triggers on ``tables``; put them back on exit."""
    restore: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's foreign keys are checked at commit; PostgreSQL will not alter a table
            # with such checks pending, so run them now and keep checking as we go.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                restore.append(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            elif connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                    [table],
                )
                for name, sql in cursor.fetchall():
                    cursor.execute(f'DROP TRIGGER "{name}"')
                    restore.append(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in restore:
                cursor.execute(statement)
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def tamper(sql: str, params: list | None = None) -> None:
    """Run one statement as the database administrator would."""
    with database_administrator(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])
