"""Backups that restore (issue 16): the demo backed up, restored into an empty database, every row
identical and every ledger chain verifying.

It runs on the database the suite runs on: SQLite (restored into a new file) or PostgreSQL
(restored into a new database ``ojodeagua_backup_<random>``, dropped after). The restores run
``ojodeagua restore`` in a child process configured with DATABASE_URL, as an operator would.
"""

import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

import ojodeagua
from ojodeagua.books.payments import record_payment
from ojodeagua.books.tests.factories import D, charged_tomas, make_committee
from ojodeagua.books.tests.tampering import database_administrator
from ojodeagua.books.verification import providers_with_books
from ojodeagua.demo.cached import admin_cursor, database_url
from ojodeagua.operations import backups
from ojodeagua.providers.models import Provider

SOURCE_ROOT = Path(ojodeagua.__file__).resolve().parent.parent
OTHER_VENDOR = {"sqlite": "postgresql", "postgresql": "sqlite"}


def ojodeagua_command(database: str, *args: str) -> subprocess.CompletedProcess:
    """`ojodeagua ARGS…` in a child process whose DATABASE_URL is ``database``."""
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": "only-for-the-test-suite-" + "y" * 40,
        "PYTHONPATH": os.pathsep.join([str(SOURCE_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "ojodeagua", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class SQLiteTarget:
    """An empty SQLite file, and a plain sqlite3 connection to read it once restored."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "restaurada" / "ojodeagua.sqlite3"
        self.url = f"sqlite:///{self.path}"

    def open(self):
        # Read as Django reads the test database (its converters turn dates into dates).
        return sqlite3.connect(
            self.path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES
        )

    def drop(self) -> None:
        pass


class PostgreSQLTarget:
    """A database name no one uses yet (``restore`` creates it), dropped at the end."""

    def __init__(self, folder: Path) -> None:
        self.name = "ojodeagua_backup_" + secrets.token_hex(6)
        self.url = database_url(self.name)

    def open(self):
        import psycopg

        database = psycopg.connect(self.url, autocommit=True)
        database.execute("SET TIME ZONE 'UTC'")  # as Django's connection writes times
        return database

    def drop(self) -> None:
        with admin_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def table_names(db) -> list[str]:
    """A database's tables: ``db`` a sqlite3 connection or a PostgreSQL cursor."""
    if connection.vendor == "sqlite":
        # sqlite_sequence holds each table's next id: a restore must bring it back too.
        return [*backups.sqlite_tables(db), "sqlite_sequence"]
    return backups.pg_tables(db)


def original_tables() -> list[str]:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return table_names(connection.connection)
    with connection.cursor() as cursor:
        return table_names(cursor)


def primary_keys(names: list[str]) -> dict[str, str | None]:
    with connection.cursor() as cursor:
        return {
            table: None
            if table == "sqlite_sequence"
            else connection.introspection.get_primary_key_column(cursor, table)
            for table in names
        }


def rows(cursor, table: str, key: str | None) -> list[tuple]:
    """Every row, by primary key (a table without one sorted by all its columns).

    PostgreSQL's rows are compared as the server writes them out as text, so the two
    connections' different loaders (Django's and plain psycopg's) do not matter.
    """
    quoted = ".".join(f'"{part}"' for part in table.split("."))
    columns = "*" if connection.vendor == "sqlite" else "t::text"
    order = f' ORDER BY "{key}"' if key else ""
    cursor.execute(f"SELECT {columns} FROM {quoted} AS t{order}")
    found = [tuple(row) for row in cursor.fetchall()]
    return found if key else sorted(found, key=repr)


def sequences(cursor) -> list[tuple]:
    """PostgreSQL's sequences and where they stand (SQLite's are the rows of sqlite_sequence)."""
    if connection.vendor == "sqlite":
        return []
    cursor.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2")
    return [tuple(row) for row in cursor.fetchall()]


def assert_identical(restored) -> int:
    """Every table of the test database the same, row by row, in ``restored``; rows compared."""
    names = original_tables()
    keys = primary_keys(names)
    compared = 0
    other = restored.cursor()
    try:
        assert table_names(restored if connection.vendor == "sqlite" else other) == names
        with connection.cursor() as original:
            for table in names:
                expected = rows(original, table, keys[table])
                assert rows(other, table, keys[table]) == expected, table
                compared += len(expected)
            assert sequences(other) == sequences(original)
    finally:
        other.close()
    return compared


def restored_tables(target) -> list[str]:
    database = target.open()
    try:
        if connection.vendor == "sqlite":
            return table_names(database)
        with database.cursor() as cursor:
            return table_names(cursor)
    finally:
        database.close()


@pytest.fixture
def target(tmp_path):
    made = SQLiteTarget(tmp_path) if connection.vendor == "sqlite" else PostgreSQLTarget(tmp_path)
    yield made
    made.drop()


def test_the_demo_backed_up_restores_into_an_empty_database_identical_and_verified(
    demo, target, tmp_path
):
    archive = tmp_path / "copia.tar.gz"
    out = io.StringIO()
    call_command("backup", str(archive), stdout=out)
    assert archive.read_bytes()[:2] == b"\x1f\x8b"  # gzip, as the name asks
    manifest = backups.read_manifest(archive)
    assert manifest.vendor == connection.vendor
    assert manifest.app_version == backups.app_version() != ""
    assert set(manifest.rows) == set(original_tables()) - {"sqlite_sequence"}
    assert manifest.rows["books_journalentry"] > 1000
    assert f"{manifest.total_rows} filas" in out.getvalue()

    restored = ojodeagua_command(target.url, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr + restored.stdout
    committees = providers_with_books()
    assert len(committees) > 5
    assert restored.stdout.count(": OK\n") == len(committees)
    assert f"Cuentas de {len(committees)} de {len(committees)} comités verificadas." in (
        restored.stdout
    )
    assert "Restauración completa y verificada." in restored.stdout

    database = target.open()
    try:
        assert assert_identical(database) >= manifest.total_rows
        # Something the copy does not have, for the forced restore to take away.
        database.execute("CREATE TABLE sobrante (id integer)")
        if connection.vendor == "sqlite":
            database.commit()
    finally:
        database.close()

    refused = ojodeagua_command(target.url, "restore", str(archive))
    assert refused.returncode == 1
    assert "no está vacía" in refused.stderr
    assert "--force" in refused.stderr

    forced = ojodeagua_command(target.url, "restore", "--force", str(archive))
    assert forced.returncode == 0, forced.stderr + forced.stdout
    assert "Restauración completa y verificada." in forced.stdout
    assert restored_tables(target) == original_tables()


def test_a_restore_of_altered_books_says_which_and_exits_1(transactional_db, target, tmp_path):
    # A small database this time: one committee, whose first entry someone rewrote. (After
    # another test that commits the database is empty already, and emptying it costs seconds.)
    if Provider.objects.exists():
        call_command("flush", interactive=False, verbosity=0)
    provider = make_committee("Comité de Agua Las Flores")
    (toma,) = charged_tomas(provider, ["T-01"], months=[1])
    record_payment(provider, record_id="r1", amount="100", paid_on=D(2026, 2, 5), connection=toma)
    with database_administrator(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE books_journalentry SET memo = 'otra cosa' WHERE provider_id = %s "
            "AND sequence = 1",
            [provider.pk],
        )
    archive = tmp_path / "alterada.tar"
    call_command("backup", str(archive), stdout=io.StringIO())

    restored = ojodeagua_command(target.url, "restore", str(archive))
    assert restored.returncode == 1
    assert "filas que tenía la copia" in restored.stdout  # every row came back…
    assert "Comité de Agua Las Flores: " in restored.stdout  # …and the books say what is wrong
    assert ": OK" not in restored.stdout
    assert "Cuentas de 0 de 1 comités verificadas." in restored.stdout
    assert "sus cuentas no están bien" in restored.stderr


def fake_archive(path: Path, vendor: str) -> Path:
    """An archive with a manifest for ``vendor`` and data that is not a database."""
    manifest = backups.Manifest(
        vendor=vendor,
        created="2026-12-06T12:00:00+00:00",
        app_version="0.1.0",
        server_version="",
        database="x",
        rows={},
    ).to_json()
    with tarfile.open(path, "w") as archive:
        for name, data in (("manifest.json", manifest), (backups.DATA[vendor], b"no")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_an_archive_of_the_other_vendor_is_refused_before_anything_is_touched(db, tmp_path):
    other = OTHER_VENDOR[connection.vendor]
    archive = fake_archive(tmp_path / "otra.tar", other)
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), "--force", stdout=io.StringIO())
    assert str(refused.value) == (
        f"Esta copia es de una base de datos {backups.vendor_name(other)} y la configurada "
        f"(DATABASE_URL) es {backups.vendor_name(connection.vendor)}. Restáurela en una base "
        f"{backups.vendor_name(other)}, o configure DATABASE_URL para una base "
        f"{backups.vendor_name(other)} vacía."
    )
    assert refused.value.returncode == 1


def test_a_database_with_tables_is_not_overwritten_without_force(db, tmp_path):
    archive = fake_archive(tmp_path / "misma.tar", connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user")
        users = cursor.fetchone()[0]
    with pytest.raises(CommandError, match=r"no está vacía: tiene \d+ tablas.*--force"):
        call_command("restore", str(archive), stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user")
        assert cursor.fetchone()[0] == users > 0


def test_a_file_that_is_not_a_backup_says_so(db, tmp_path):
    path = tmp_path / "notas.txt"
    path.write_text("no es una copia")
    with pytest.raises(CommandError, match="no es una copia de Ojo de Agua"):
        call_command("restore", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="No existe el archivo"):
        call_command("restore", str(tmp_path / "falta.tar"), stdout=io.StringIO())


def test_the_manifest_says_what_the_archive_holds(tmp_path):
    manifest = backups.Manifest(
        vendor="sqlite",
        created="2026-12-06T12:00:00+00:00",
        app_version="0.1.0",
        server_version="3.40.1",
        database="x",
        rows={"a": 2, "b": 3},
    )
    assert backups.Manifest.from_json(manifest.to_json()) == manifest
    assert json.loads(manifest.to_json())["format"] == backups.FORMAT
    assert manifest.total_rows == 5
