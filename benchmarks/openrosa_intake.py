"""Benchmark: ODK Collect's submissions to the production server on PostgreSQL, accepted and
then mapped into observations by the queue's worker.

    .venv/bin/python benchmarks/openrosa_intake.py                 # 10,000 visits at 4 and 16
    .venv/bin/python benchmarks/openrosa_intake.py --smoke         # 200 visits at 2
    .venv/bin/python benchmarks/openrosa_intake.py --template ojodeagua_demo_…  # skip load-demo

Issue 17's targets, on this 2-core machine: at least 700 submissions of the visit form accepted
per second (HTTP 201) and 350 per second fully mapped into observations, with zero errors over
10,000 submissions, at 4 and 16 concurrent clients; and the 95th percentile of the answers.
ODK Central, measured with the shared client (``../shared/tools/bench_openrosa.py``) and a
4-field form on the same kind of machine, accepts 300–384 per second and processes 170–180.

How: the database named by ``--database-url`` (its name must start with ``ojodeagua_odk``) is
created again and given the demo (or copied from ``--template``); a phone is set up for the
demo's facilitator ``ong`` with ``ojodeagua collector create``, whose records arrive validated,
so their indicators are refreshed as part of the mapping. Gunicorn runs as production does
(``load_test.environment``: no DEBUG, Redis as cache and broker). Each client is a thread with
its own connection, posting the multipart body Collect posts: a visit to one of the phone's
own systems (read from the form's media, as Collect reads it) with a new instanceID.

1. Intake: the worker is not running, so the server only stores what it accepts; accepted per
   second = 201s ÷ wall time of the run, with every answer's latency.
2. Mapping: the queue's worker (``celery worker``, two processes) starts and maps everything
   waiting; mapped per second = submissions ÷ time from its first batch to its last (the
   submissions of a batch share their ``mapped_at``, so the first batch's own time is left
   out and counted in neither side). Every submission must end as a visit: none to fix.

Exit status 1 if a request failed, a submission was not mapped, or a target was missed.
"""

import argparse
import http.client
import itertools
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import environment, free_port, recreate_database, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ojodeagua_odk_bench"
ACCEPTED_TARGET = 700
MAPPED_TARGET = 350
FORM_ID = "ojodeagua_visita"
CELERY_WORKER = [sys.executable, "-m", "celery", "-A", "ojodeagua", "worker"]
BOUNDARY = "collectBoundary"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="submissions in all")
    parser.add_argument("--concurrency", default="4,16", help="clients, one run each")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--template", help="a database that holds the demo already")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--workers", type=int, default=0, help="Gunicorn workers")
    parser.add_argument("--smoke", action="store_true", help="200 submissions at 2 clients")
    args = parser.parse_args(argv)
    if args.smoke:
        # Light enough to share the machine with the test suite it runs in.
        args.count, args.concurrency = 200, "2"
        args.workers = args.workers or 2
    name = urlparse(args.database_url).path.lstrip("/")
    if not name.startswith("ojodeagua_odk"):
        parser.error(f"the database's name must start with ojodeagua_odk, not {name!r}")
    return args


# Setting up ----------------------------------------------------------------------------------
def prepare(args, env: dict[str, str]) -> None:
    recreate_database(args.database_url, args.template)
    run = [sys.executable, "-m", "ojodeagua"]
    subprocess.run([*run, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    if not args.template:
        subprocess.run([*run, "load-demo"], env=env, check=True)


def set_up_phone(env: dict[str, str], base: str) -> str:
    """The phone's server address, as ``ojodeagua collector create`` prints it."""
    answer = subprocess.run(
        [sys.executable, "-m", "ojodeagua", "collector", "create", "ong", "Prueba", "--url", base],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return answer.stdout.strip()


def fetch(base: str, path: str) -> str:
    parsed = urlparse(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read().decode()
    assert response.status == 200, (path, response.status, body[:500])
    return body


def phone_form(server: str) -> tuple[str, list[str]]:
    """The form's version and the phone's systems, read as Collect reads them."""
    path = urlparse(server).path
    listing = fetch(server, f"{path}/formList?formID={FORM_ID}")
    version = re.search(r"<version>([^<]+)</version>", listing).group(1)
    systems = fetch(server, f"{path}/forms/{FORM_ID}/media/systems.csv").splitlines()[1:]
    return version, [line.split(",", 1)[0] for line in systems]


def visit_body(version: str, system_id: str, rng: random.Random) -> bytes:
    day = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<data xmlns:jr="http://openrosa.org/javarosa" id="{FORM_ID}" version="{version}">'
        f"<observed_on>{day}</observed_on><source>visit</source>"
        f"<system_id>{system_id}</system_id><working>yes</working>"
        f"<flow_lps>{rng.randint(5, 300) / 100}</flow_lps><downtime_days>0</downtime_days>"
        "<downtime_cause/><chlorination>working</chlorination><inspection_form/>"
        "<notes>Visita de rutina: todo en orden, tanque limpio.</notes>"
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    ).encode()
    return (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="xml_submission_file"; filename="submission.xml"'
            "\r\nContent-Type: text/xml\r\n\r\n"
        ).encode()
        + xml
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


# Intake --------------------------------------------------------------------------------------
def post_all(server: str, count: int, clients: int, version: str, systems: list[str]) -> dict:
    parsed = urlparse(server)
    path = f"{parsed.path}/submission"
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        mine, seen = [], {}
        while next(counter) < count:
            body = visit_body(version, rng.choice(systems), rng)
            started = time.perf_counter()
            try:
                connection.request(
                    "POST",
                    path,
                    body=body,
                    headers={
                        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                        "X-OpenRosa-Version": "1.0",
                        "Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
                    },
                )
                response = connection.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                connection.close()
            mine.append(time.perf_counter() - started)
            seen[status] = seen.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for status, n in seen.items():
                statuses[status] = statuses.get(status, 0) + n

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def at(fraction: float) -> float:
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000

    return {
        "clients": clients,
        "sent": len(latencies),
        "accepted": statuses.get("201", 0),
        "statuses": statuses,
        "seconds": elapsed,
        "per_second": statuses.get("201", 0) / elapsed,
        "p50": at(0.5),
        "p95": at(0.95),
        "max": latencies[-1] * 1000,
    }


# Mapping -------------------------------------------------------------------------------------
def count_states(database_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT state, count(*) FROM fieldcollection_submission GROUP BY state"
        ).fetchall()
    return dict(rows)


def mapping_span(database_url: str) -> tuple[int, int, float]:
    """(submissions mapped, those in the first batch, seconds from first batch to last)."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        first, last = connection.execute(
            "SELECT min(mapped_at), max(mapped_at) FROM fieldcollection_submission"
        ).fetchone()
        (mapped,) = connection.execute(
            "SELECT count(*) FROM fieldcollection_submission WHERE mapped_at IS NOT NULL"
        ).fetchone()
        (in_first,) = connection.execute(
            "SELECT count(*) FROM fieldcollection_submission WHERE mapped_at = %s", [first]
        ).fetchone()
        (visits,) = connection.execute(
            "SELECT count(*) FROM monitoring_systemvisit WHERE record_id LIKE 'uuid:%%'"
        ).fetchone()
    assert visits == mapped, f"{mapped} mapped submissions but {visits} visits"
    return mapped, in_first, (last - first).total_seconds()


def map_everything(
    env: dict[str, str], database_url: str, out: Path, expected: int, processes: int
) -> dict:
    log = open(out / "worker.log", "w")
    worker = subprocess.Popen(
        [*CELERY_WORKER, "-c", str(processes), "-l", "WARNING"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    # The tasks the intake queued start it; this one makes sure even after a quiet intake.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from ojodeagua.fieldcollection.tasks import map_received; map_received.delay()",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "ojodeagua.settings"},
        check=False,
        capture_output=True,
    )
    try:
        deadline = time.monotonic() + max(600, expected / 20)
        while count_states(database_url).get("received", 0):
            if worker.poll() is not None:
                raise SystemExit("the worker stopped:\n" + (out / "worker.log").read_text()[-3000:])
            if time.monotonic() > deadline:
                raise SystemExit("the worker did not map everything in time")
            time.sleep(0.5)
    finally:
        stop_server(worker)
    mapped, in_first, seconds = mapping_span(database_url)
    states = count_states(database_url)
    # All in one batch (a small run): no span to measure a rate over.
    rate = (mapped - in_first) / seconds if seconds else float("nan")
    return {"mapped": mapped, "states": states, "seconds": seconds, "per_second": rate}


def main(argv=None) -> int:
    args = parse_args(argv)
    levels = [int(level) for level in args.concurrency.split(",")]
    out = Path(tempfile.mkdtemp(prefix="openrosa-bench-"))
    port = free_port()
    env = environment(args, out / "var", port)
    env["LOG_REQUESTS"] = "0"
    print(f"Preparando la base {urlparse(args.database_url).path.lstrip('/')}…", flush=True)
    prepare(args, env)
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, out)
    failed = False
    try:
        phone = set_up_phone(env, base)
        version, systems = phone_form(phone)
        print(f"Teléfono de «ong»: {len(systems)} sistemas en su lista.", flush=True)
        results = []
        per_level = args.count // len(levels)
        for clients in levels:
            result = post_all(phone, per_level, clients, version, systems)
            results.append(result)
            errors = result["sent"] - result["accepted"]
            failed |= errors > 0
            print(
                f"Recepción con {clients} clientes: {result['accepted']:,} aceptados de "
                f"{result['sent']:,} en {result['seconds']:.1f} s = "
                f"{result['per_second']:.0f} por segundo; p50 {result['p50']:.0f} ms, "
                f"p95 {result['p95']:.0f} ms, máx. {result['max']:.0f} ms; "
                f"{errors} errores {dict(result['statuses'])}",
                flush=True,
            )
    finally:
        stop_server(server)
    accepted = sum(result["accepted"] for result in results)
    if args.redis_url == "none":
        # No broker: the server mapped each submission in its own request (as the demo does).
        mapped, _first, seconds = mapping_span(args.database_url)
        mapping = {
            "mapped": mapped,
            "states": count_states(args.database_url),
            "seconds": seconds,
            "per_second": float("nan"),
        }
    else:
        mapping = map_everything(env, args.database_url, out, accepted, 1 if args.smoke else 2)
    not_mapped = accepted - mapping["states"].get("accepted", 0)
    failed |= not_mapped > 0
    print(
        f"Registro en observaciones: {mapping['mapped']:,} envíos, {mapping['per_second']:.0f} "
        f"por segundo (de su primer lote al último: {mapping['seconds']:.1f} s); "
        f"estados {mapping['states']}",
        flush=True,
    )
    if not args.smoke:
        slowest = min(result["per_second"] for result in results)
        failed |= slowest < ACCEPTED_TARGET or mapping["per_second"] < MAPPED_TARGET
        print(
            f"Metas: {ACCEPTED_TARGET} aceptados por segundo (el peor: {slowest:.0f}), "
            f"{MAPPED_TARGET} registrados por segundo ({mapping['per_second']:.0f}).",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
