"""Every benchmark kept in `benchmarks/` runs at a tiny scale, so none can stop working unseen.

Each is run as its command would be, in its own process, and must finish and print its figures.
The figures themselves are not judged here (the targets are for the full scale; a benchmark
exits 1 when a tiny run misses one, as a too-small throughput does): what fails the test is a
crash or a summary that is not printed. Three benchmarks build their data set in PostgreSQL, so
they run in the suite's PostgreSQL pass; the localities import runs on SQLite in both. So does
the load test (``load_test.py --smoke``), whose every request must succeed even at a tiny scale:
a page that changed shape under it fails it.
"""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from ojodeagua.demo import cached

BENCHMARKS = Path(__file__).resolve().parents[4] / "benchmarks"
needs_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="builds its data set in PostgreSQL"
)


def run(script: str, *args: str) -> tuple[int, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_VERSION", "SECRET_KEY"}
        and not key.startswith("PYTEST_XDIST")
    }
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output[-3000:]
    return done.returncode, output


def scratch(prefix: str):
    """A database name of its own (the benchmark drops and creates it); dropped after."""
    settings = connection.settings_dict
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    user = settings.get("USER") or "postgres"
    password = settings.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    yield f"postgres://{auth}{host}:{port}/{name}"
    with psycopg.connect(
        host=host,
        port=port,
        user=user,
        password=password or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_or_none() -> str:
    """Redis as in production where it runs (CI's machine starts it); "none" without it, where
    each process keeps its own cache and the queue's work runs in the request, which the smoke
    runs do not judge."""
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", 6379)) == 0:
            return "redis://127.0.0.1:6379/9"
    return "none"


@pytest.fixture
def scratch_database():
    yield from scratch("ojodeagua_bench_smoke")


@pytest.fixture
def odk_database():
    # openrosa_intake.py drops and rebuilds only databases whose names start with ojodeagua_odk.
    yield from scratch("ojodeagua_odk_smoke")


@pytest.fixture
def load_database():
    # load_test.py drops and rebuilds only databases whose names start with ojodeagua_load.
    yield from scratch("ojodeagua_load_smoke")


def test_the_localities_import_benchmark_runs():
    code, output = run("import_localities.py", "--localities", "400")
    # Every import ran (2 if one failed); whether 400 localities beat the target set for the
    # state's 21,157 says more about the suite's load on the machine than about the import.
    assert code in (0, 1), output[-3000:]
    assert "Catálogo sintético: 400 localidades" in output
    assert "primera importación" in output and "nuevo censo" in output
    assert "reimportación (sin cambios)" in output
    assert "Meta: menos de 10 s en SQLite" in output


@needs_postgresql
def test_the_ledger_verify_benchmark_runs(scratch_database):
    code, output = run(
        "ledger_verify.py", "--entries", "2000", "--runs", "1", "--database-url", scratch_database
    )
    assert code == 0, output[-3000:]
    assert "verify_chain: 2,000 entries" in output and "1 million entries at this rate" in output


@needs_postgresql
def test_the_indicators_benchmark_runs(scratch_database):
    code, output = run(
        "indicators_state.py", "--scale", "0.001", "--runs", "1", "--database-url", scratch_database
    )
    assert code in (0, 1), output[-3000:]
    assert "Resumen" in output and "recompute_all()" in output and "resumen municipal" in output
    # The recompute is printed beside the hand-written SQL floor, with the ratio.
    assert "piso SQL" in output and "veces el piso" in output


@needs_postgresql
def test_the_books_benchmark_runs(scratch_database):
    code, output = run(
        "books_state.py",
        "--scale",
        "0.001",
        "--runs",
        "1",
        "--verify-runs",
        "1",
        "--payments",
        "50",
        "--big-runs",
        "1",
        "--database-url",
        scratch_database,
    )
    assert code in (0, 1), output[-3000:]
    assert "Resumen" in output and "verify_chain" in output
    assert "página pública del comité" in output and "record_payments" in output


@needs_postgresql
def test_the_load_test_runs_without_an_error(load_database, db):
    # The suite's demo, already built, is copied rather than built again (minutes on a busy
    # machine); finding its name needs the database.
    template = cached.pg_template(cached.SUITE_DEMO_DAY)
    redis = redis_or_none()
    code, output = run(
        "load_test.py",
        "--smoke",
        "--template",
        template,
        "--database-url",
        load_database,
        "--redis-url",
        redis,
    )
    assert code in (0, 1), output[-3000:]
    assert "4 personas en campo y 2 coordinadores" in output, output[-3000:]
    assert ", 0 errores de " in output, output[-3000:]
    for request in [
        "POST /cuentas/[id]/pagos/nuevo/ (POST)",
        "POST /cuentas/[id]/pagos/lote/ (POST)",
        "POST /muestras/nueva/ (POST)",
        "POST /suministro/semana/ (POST)",
        "GET /resumen/municipio/[id]/",
        "GET /cuentas/comites/",
    ]:
        assert request in output, output[-3000:]


@needs_postgresql
def test_the_openrosa_benchmark_runs(odk_database, db):
    template = cached.pg_template(cached.SUITE_DEMO_DAY)
    redis = redis_or_none()
    code, output = run(
        "openrosa_intake.py",
        "--smoke",
        "--template",
        template,
        "--database-url",
        odk_database,
        "--redis-url",
        redis,
    )
    assert code == 0, output[-3000:]
    assert "200 aceptados de 200" in output, output[-3000:]
    assert "; 0 errores" in output, output[-3000:]
    assert "Registro en observaciones: 200 envíos" in output, output[-3000:]
    assert "{'accepted': 200}" in output, output[-3000:]
