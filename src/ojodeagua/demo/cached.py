"""The demo built once for the test suite and kept as a template database.

Building the 24-month demo takes about 25 s (migrations and history). The suite needs it for its
scope sweeps and browser tests, so it is built once into a template keyed by a hash of what
decides its contents (the demo's code, every migration and data file, and the day it is built
for) and copied from there: a SQLite file loaded into the in-memory test database with SQLite's
backup API, or a PostgreSQL database created with ``CREATE DATABASE … TEMPLATE``. Parallel test
processes (pytest-xdist) take a file lock, so one builds and the others wait and copy.

The build runs in a child process (``python -m ojodeagua.demo.cached``) so that it has its own
connections and its own pinned clock.
"""

import contextlib
import datetime
import fcntl
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections

from .calendar import DemoCalendar

SOURCE = Path(__file__).resolve().parent.parent  # src/ojodeagua
# The test suite's clock: every test runs on this day (the clock starts at noon and ticks on).
SUITE_TODAY = datetime.date(2026, 12, 6)
# The day the suite's demo is built for: its 24 months end on 31 October 2026, five weeks before
# the suite's day, as a demo looks a few weeks after it was loaded. Tests that follow the demo's
# stories count from ``SUITE_DEMO_CALENDAR``.
SUITE_DEMO_DAY = datetime.date(2026, 11, 1)
SUITE_DEMO_CALENDAR = DemoCalendar(SUITE_DEMO_DAY)
ALIAS = "default"
TEMPLATE_PREFIX = "ojodeagua_demo_"


def fingerprint(today: datetime.date) -> str:
    """A hash of everything that decides the demo's rows: change any of it and it is rebuilt.

    The domain code the demo calls is not hashed (hashing it would rebuild the demo after every
    edit); set OJODEAGUA_REBUILD_DEMO=1 after changing how a domain writes its records.
    """
    digest = hashlib.sha256(today.isoformat().encode())
    patterns = ["demo/*.py", "*/migrations/*.py", "*/data/*", "*/fixtures/*"]
    for path in sorted({p for pattern in patterns for p in SOURCE.glob(pattern)}):
        digest.update(str(path.relative_to(SOURCE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    path = Path(settings.VAR_DIR) / "test-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """One process at a time builds a template; the others wait for it."""
    with open(cache_dir() / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_in_child(database_url: str, today: datetime.date) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "ojodeagua.demo.cached", today.isoformat()], env=env, check=True
    )


def is_sqlite() -> bool:
    return connections[ALIAS].vendor == "sqlite"


# SQLite -----------------------------------------------------------------------------------------
def sqlite_template(today: datetime.date) -> Path:
    path = cache_dir() / f"demo-{today:%Y%m%d}-{fingerprint(today)}.sqlite3"
    rebuild = os.environ.get("OJODEAGUA_REBUILD_DEMO") == "1"
    with locked("sqlite"):
        if path.exists() and not rebuild:
            return path
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        build_in_child(f"sqlite:///{building}", today)
        with sqlite3.connect(building) as db:
            db.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to copy
        for old in cache_dir().glob(f"demo-{today:%Y%m%d}-*.sqlite3"):
            old.unlink()  # the same day's demo from older code
        building.rename(path)
    return path


def sqlite_restore(template: Path) -> None:
    """Overwrite the test database with the template: every table, row and sequence."""
    connection = connections[ALIAS]
    connection.ensure_connection()
    source = sqlite3.connect(template)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


# PostgreSQL -------------------------------------------------------------------------------------
def admin_cursor():
    """A cursor on the server's maintenance database, outside any transaction."""
    return connections[ALIAS]._nodb_cursor()


def pg_databases(cursor, prefix: str) -> set[str]:
    cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"])
    return {row[0] for row in cursor.fetchall()}


def pg_template(today: datetime.date) -> str:
    day_prefix = f"{TEMPLATE_PREFIX}{today:%Y%m%d}_"
    name = day_prefix + fingerprint(today)
    rebuild = os.environ.get("OJODEAGUA_REBUILD_DEMO") == "1"
    with locked("postgresql"):
        with admin_cursor() as cursor:
            if name in pg_databases(cursor, name) and not rebuild:
                return name
            building = name + "_building"
            for old in pg_databases(cursor, day_prefix):  # the same day's demo from older code
                cursor.execute(f'DROP DATABASE "{old}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{building}"')
        build_in_child(database_url(building), today)
        with admin_cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name


def database_url(name: str) -> str:
    params = connections[ALIAS].settings_dict
    user, host, port = params["USER"], params["HOST"] or "localhost", params["PORT"] or 5432
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def pg_restore(template: str, test_name: str) -> None:
    """Drop the test database and copy it again from the template."""
    connections.close_all()
    with admin_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')


# The test database ------------------------------------------------------------------------------
class DemoTestDatabase:
    """The test database of this process, made from (and restored to) the demo template."""

    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.template: Path | str | None = None
        self.test_name = ""

    def template_for(self, today: datetime.date) -> Path | str:
        """The demo as built for `today`, made once and kept."""
        return sqlite_template(today) if is_sqlite() else pg_template(today)

    def set_up(self) -> None:
        connection = connections[ALIAS]
        self.test_name = connection.creation._get_test_db_name()
        self.template = self.template_for(self.today)
        if not is_sqlite():
            pg_restore(self.template, self.test_name)
        connection.close()
        settings.DATABASES[ALIAS]["NAME"] = self.test_name
        connection.settings_dict["NAME"] = self.test_name
        if is_sqlite():
            sqlite_restore(self.template)

    def restore(self, template: Path | str | None = None) -> None:
        """Back to the demo as built (or to another `template`), in a test that commits."""
        template = template or self.template
        if is_sqlite():
            sqlite_restore(template)
        else:
            pg_restore(template, self.test_name)

    def tear_down(self) -> None:
        connection = connections[ALIAS]
        if is_sqlite():
            connection.close()
            return
        connections.close_all()
        with admin_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.test_name}" WITH (FORCE)')


def noon(today: datetime.date) -> datetime.datetime:
    """The instant the suite's clock starts from: noon in Chiapas on `today`."""
    return datetime.datetime.combine(today, datetime.time(12), ZoneInfo("America/Mexico_City"))


def main(today_text: str) -> None:
    """In the child process: migrate an empty database and build the demo as of `today`."""
    import time_machine

    today = datetime.date.fromisoformat(today_text)
    with time_machine.travel(noon(today), tick=True):
        import django

        django.setup()
        from django.core.management import call_command

        from ojodeagua.demo.builder import load_demo

        call_command("migrate", interactive=False, verbosity=0)
        load_demo(today)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ojodeagua.settings")
    main(sys.argv[1])
