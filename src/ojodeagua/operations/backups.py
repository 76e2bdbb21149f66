"""Backups that restore: the whole database in one archive file, on SQLite and on PostgreSQL.

An archive is a tar file (gzip-compressed when its name ends in ``.gz``) holding two members:

- ``manifest.json``: the archive format, the app's version, the database vendor, when the copy
  was made (UTC), the server's version and the number of rows of every table in the copy;
- the data: ``database.sqlite3`` (a SQLite file made with SQLite's online backup API, so the
  server may keep writing while it runs) or ``database.pgdump`` (``pg_dump --format=custom``,
  taken in the same snapshot as the row counts).

A restore reads the manifest first: an archive of the other vendor, or a database that already
has tables without ``force``, is refused before anything is touched. After loading, it counts the
rows again and holds them to the manifest. Connection parameters reach ``pg_dump`` and
``pg_restore`` through libpq's environment variables (``PGPASSWORD`` among them), never on their
command line, where any user of the machine could read them.
"""

import datetime
import gzip
import importlib.metadata
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import OperationalError, connections
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
DATA = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
ALIAS = "default"
# gzip's default level (9) takes twice as long for a few percent less.
GZIP_LEVEL = 6
# Settings OPTIONS that libpq also reads from the environment.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do, in Spanish."""


@dataclass
class Manifest:
    vendor: str
    created: str
    app_version: str
    server_version: str
    database: str
    rows: dict[str, int] = field(default_factory=dict)
    format: int = FORMAT

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, text: bytes) -> "Manifest":
        data = json.loads(text)
        return cls(
            vendor=data["vendor"],
            created=data["created"],
            app_version=data.get("app_version", ""),
            server_version=data.get("server_version", ""),
            database=data.get("database", ""),
            rows={str(k): int(v) for k, v in data.get("rows", {}).items()},
            format=int(data.get("format", 0)),
        )


@dataclass
class Restored:
    manifest: Manifest
    rows: dict[str, int]

    def differences(self) -> list[str]:
        """Tables whose row count is not the one the archive was made with, in sentences."""
        found = []
        for table in sorted(set(self.manifest.rows) | set(self.rows)):
            expected, got = self.manifest.rows.get(table), self.rows.get(table)
            if expected != got:
                found.append(
                    _("%(table)s: la copia tenía %(expected)s filas y la base tiene %(got)s.")
                    % {"table": table, "expected": _count(expected), "got": _count(got)}
                )
        return found


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)


def app_version() -> str:
    try:
        return importlib.metadata.version("ojodeagua")
    except importlib.metadata.PackageNotFoundError:
        return ""


def vendor_name(vendor: str) -> str:
    return VENDOR_NAMES.get(vendor, vendor)


def database_vendor() -> str:
    vendor = connections[ALIAS].vendor
    if vendor not in DATA:
        raise BackupError(
            _("Las copias sólo funcionan con SQLite y PostgreSQL; la base configurada es %(v)s.")
            % {"v": vendor}
        )
    return vendor


# Backing up -------------------------------------------------------------------------------------
def back_up(path: Path) -> Manifest:
    """Write the configured database to the archive ``path``, replacing it only once complete.

    A backup that fails halfway leaves the previous night's file where it was.
    """
    vendor = database_vendor()
    path = Path(path).absolute()
    if not path.parent.is_dir():
        raise BackupError(
            _("No existe la carpeta %(folder)s; créela antes de guardar la copia allí.")
            % {"folder": path.parent}
        )
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".ojodeagua-copia-") as work:
        data = Path(work) / DATA[vendor]
        if vendor == "sqlite":
            rows, server_version = _sqlite_copy(data)
        else:
            rows, server_version = _pg_dump(data)
        manifest = Manifest(
            vendor=vendor,
            created=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            app_version=app_version(),
            server_version=server_version,
            database=str(connections[ALIAS].settings_dict["NAME"]),
            rows=rows,
        )
        archive = Path(work) / "archive"
        _write_archive(archive, manifest, data, compress=path.name.endswith(".gz"))
        os.replace(archive, path)
    return manifest


def _write_archive(archive: Path, manifest: Manifest, data: Path, *, compress: bool) -> None:
    # The manifest goes first, so a restore reads it without unpacking the data.
    if compress:
        output = tarfile.open(archive, "w:gz", compresslevel=GZIP_LEVEL)
    else:
        output = tarfile.open(archive, "w")
    with output:
        text = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(text)
        info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
        info.mode = 0o600
        output.addfile(info, io.BytesIO(text))
        output.add(data, arcname=data.name)


def _sqlite_copy(target: Path) -> tuple[dict[str, int], str]:
    connection = connections[ALIAS]
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # SQLite's online backup API: a consistent copy of every page, while others write.
        connection.connection.backup(copy)
        # One self-contained file, whatever journal mode the live database uses.
        copy.execute("PRAGMA journal_mode=DELETE")
        return sqlite_row_counts(copy), sqlite3.sqlite_version
    finally:
        copy.close()


def sqlite_tables(db) -> list[str]:
    """The tables of a SQLite database (its own sqlite_ tables left out)."""
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return sorted(row[0] for row in db.execute(query).fetchall())


def sqlite_row_counts(db) -> dict[str, int]:
    return {
        table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        for table in sqlite_tables(db)
    }


def _pg_dump(target: Path) -> tuple[dict[str, int], str]:
    """pg_dump in the snapshot the rows were counted in, so the manifest describes the dump."""
    connection = connections[ALIAS]
    binary = pg_client("pg_dump")
    # A connection of its own, whatever transaction Django's is in: the snapshot must stay open
    # (and unchanged) until pg_dump has read it.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            rows = pg_row_counts(cursor)
            _run(
                [
                    binary,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                pg_environment(),
            )
        raw.rollback()
    finally:
        raw.close()
    return rows, server_version


def pg_tables(cursor) -> list[str]:
    """The tables outside PostgreSQL's own schemas; those not in ``public`` named with theirs."""
    cursor.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' "
        "AND table_schema NOT IN ('pg_catalog', 'information_schema') "
        "AND table_schema NOT LIKE 'pg\\_%%' ORDER BY 1, 2"
    )
    return [
        name if schema == "public" else f"{schema}.{name}" for schema, name in cursor.fetchall()
    ]


def _quoted(table: str) -> str:
    return ".".join(f'"{part}"' for part in table.split("."))


def pg_row_counts(cursor) -> dict[str, int]:
    counts = {}
    for table in pg_tables(cursor):
        cursor.execute(f"SELECT count(*) FROM {_quoted(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


# PostgreSQL's client programs ------------------------------------------------------------------
def pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database: the password travels here, not in argv."""
    params = connections[ALIAS].settings_dict
    env = dict(os.environ)
    for key, variable in (
        ("NAME", "PGDATABASE"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
    ):
        if params.get(key):
            env[variable] = str(params[key])
    for option, variable in LIBPQ_OPTIONS.items():
        if params.get("OPTIONS", {}).get(option):
            env[variable] = str(params["OPTIONS"][option])
    return env


def _major(version_text: str) -> int:
    """15 from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    match = re.search(r"\)\s*(\d+)", version_text)
    return int(match.group(1)) if match else 0


def pg_client(program: str) -> str:
    """``pg_dump`` or ``pg_restore`` of the server's major version, or a newer one.

    Debian keeps each version's programs in /usr/lib/postgresql/<major>/bin; that of the
    server's version is taken first. An older client cannot read a newer server.
    """
    connection = connections[ALIAS]
    connection.ensure_connection()
    server = connection.pg_version // 10000
    candidates = [Path(f"/usr/lib/postgresql/{server}/bin/{program}"), shutil.which(program)]
    for candidate in candidates:
        if not candidate or not Path(candidate).exists():
            continue
        version = subprocess.run(
            [str(candidate), "--version"], capture_output=True, text=True, check=False
        ).stdout
        if _major(version) >= server:
            return str(candidate)
    raise BackupError(
        _(
            "No se encontró %(program)s de PostgreSQL %(major)s o más nuevo, que hace falta "
            "para copiar y restaurar esta base. Instale el paquete postgresql-client-%(major)s."
        )
        % {"program": program, "major": server}
    )


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s terminó con error:\n%(output)s")
            % {"program": Path(command[0]).name, "output": result.stderr.strip()}
        )


# Restoring --------------------------------------------------------------------------------------
def read_manifest(path: Path) -> Manifest:
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("No existe el archivo %(file)s.") % {"file": path})
    try:
        with tarfile.open(path, "r:*") as archive:
            member = archive.extractfile(MANIFEST)
            manifest = Manifest.from_json(member.read())
    except (tarfile.TarError, KeyError, ValueError, AttributeError, gzip.BadGzipFile) as error:
        raise BackupError(
            _(
                "%(file)s no es una copia de Ojo de Agua (no es un archivo tar con su "
                "manifest.json legible): %(error)s"
            )
            % {"file": path, "error": error}
        ) from error
    if manifest.format > FORMAT:
        raise BackupError(
            _(
                "La copia %(file)s la hizo una versión más nueva de Ojo de Agua (%(version)s); "
                "actualice el programa antes de restaurarla."
            )
            % {"file": path, "version": manifest.app_version}
        )
    return manifest


def restore(path: Path, *, force: bool = False) -> Restored:
    """Load the archive ``path`` into the configured database.

    Refused when the archive is of another vendor, and when the database already has tables
    unless ``force`` (then everything in it is replaced).
    """
    manifest = read_manifest(path)
    vendor = database_vendor()
    if manifest.vendor != vendor:
        raise BackupError(
            _(
                "Esta copia es de una base de datos %(archive)s y la configurada (DATABASE_URL) "
                "es %(current)s. Restáurela en una base %(archive)s, o configure DATABASE_URL "
                "para una base %(archive)s vacía."
            )
            % {"archive": vendor_name(manifest.vendor), "current": vendor_name(vendor)}
        )
    with tempfile.TemporaryDirectory(prefix="ojodeagua-restaurar-") as work:
        data = Path(work) / DATA[vendor]
        _extract(path, DATA[vendor], data)
        if vendor == "sqlite":
            rows = _sqlite_restore(data, force=force)
        else:
            rows = _pg_restore(data, force=force)
    return Restored(manifest, rows)


def _extract(path: Path, name: str, target: Path) -> None:
    try:
        with tarfile.open(path, "r:*") as archive:
            source = archive.extractfile(name)
            if source is None:
                raise KeyError(name)
            with source, open(target, "wb") as output:
                shutil.copyfileobj(source, output, length=1 << 20)
    except (tarfile.TarError, KeyError, EOFError, OSError) as error:
        raise BackupError(
            _("No se pudo leer %(member)s de la copia %(file)s: %(error)s")
            % {"member": name, "file": path, "error": error}
        ) from error


def _not_empty(tables: list[str]) -> BackupError:
    name = connections[ALIAS].settings_dict["NAME"]
    return BackupError(
        _(
            "La base de datos %(name)s no está vacía: tiene %(count)s tablas. Restaurar la copia "
            "borraría todo lo que tiene. Si de verdad quiere reemplazarla, detenga el servicio y "
            "repita la orden con --force; si no, configure DATABASE_URL para una base vacía."
        )
        % {"name": name, "count": len(tables)}
    )


def _sqlite_restore(data: Path, *, force: bool) -> dict[str, int]:
    connection = connections[ALIAS]
    if not connection.is_in_memory_db():
        Path(connection.settings_dict["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    tables = sqlite_tables(connection.connection)
    if tables and not force:
        raise _not_empty(tables)
    source = sqlite3.connect(data)
    try:
        # The backup API the other way round: every page of the database replaced at once,
        # inside one write lock.
        source.backup(connection.connection)
    finally:
        source.close()
    return sqlite_row_counts(connection.connection)


def _pg_restore(data: Path, *, force: bool) -> dict[str, int]:
    connection = connections[ALIAS]
    binary = pg_client_for_restore()
    with connection.cursor() as cursor:
        tables = pg_tables(cursor)
        if tables and not force:
            raise _not_empty(tables)
        if tables:
            # Everything goes, also tables a newer migration made that the copy does not know.
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    # The copy's owners and grants name roles of the server it came from: the objects are made
    # by (and belong to) the user the settings connect as. One transaction: all or nothing.
    _run(
        [
            binary,
            "--no-password",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(data),
        ],
        pg_environment(),
    )
    with connection.cursor() as cursor:
        return pg_row_counts(cursor)


def pg_client_for_restore() -> str:
    """pg_restore, after making sure the configured database exists (created empty if not)."""
    connection = connections[ALIAS]
    name = connection.settings_dict["NAME"]
    try:
        connection.ensure_connection()
    except OperationalError:
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                raise
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
        connection.close()
    return pg_client("pg_restore")
