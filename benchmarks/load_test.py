"""Load test: the production server on PostgreSQL, field people writing while coordinators read.

    .venv/bin/python benchmarks/load_test.py            # 50 field people, 10 coordinators, 5 min
    .venv/bin/python benchmarks/load_test.py --smoke    # 4 and 2 people for 15 s
    make load                                           # the first, after pip install .[load]

Issue 16's target: with 50 field people posting observations and payments and 10 coordinators
reading summaries and the desk for 5 minutes, on loopback, no request fails and the 95th
percentile answers in under 500 ms.

The script drops and creates the database named by ``--database-url`` (default
``ojodeagua_load``; it refuses any name that does not start with ``ojodeagua_load``), migrates it
and loads the demo (or copies ``--template``, a database that already holds the demo), and gives
access to the people of the test through the team page's own writer
(``web.team_views.MembershipForm.save_for``): ``campo01``… as facilitators of the demo's NGO, one
committee that keeps its books each, and ``coord01``… as coordinators of the municipal agency. It
collects the static files and starts Gunicorn as production does (``gunicorn_conf.py``, DEBUG
off, Redis as the cache, ``CONN_MAX_AGE=60``) on a free loopback port, with plain HTTP: the
secure-cookie and HTTPS-redirect settings are switched off, since no TLS proxy stands in front.

Before the run it sends a page to every worker (each imports the views at its first request)
and signs every person in through the sign-in page, one after the other, as their phones
already hold a session: a sign-in is slow on purpose (the password hash) and happens once, not
at every visit; their times are printed apart. Then it runs Locust headless
(``benchmarks/load/locustfile.py``, which says what each person does), everyone started within
the ramp (``--spawn-rate``), each waiting ``--think`` seconds between actions (5 to 15: a person
on a phone reads and types between two pages), and prints each request's count, failures and
percentiles, read from the JSON Locust writes as it stops. Every request counts, from the first.
The smoke run (``--smoke``) signs in through the page inside Locust, and each of its people does
every action once first.
Exit status 1 if a request failed or the 95th percentile reached the target.
"""

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "benchmarks" / "load" / "locustfile.py"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ojodeagua_load"
PASSWORD = "Carga-de-prueba-2026"
P95_TARGET_MS = 500


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--field-users", type=int, default=50)
    parser.add_argument("--coordinators", type=int, default=10)
    parser.add_argument("--duration", type=int, default=300, help="measured seconds")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="people starting per second")
    parser.add_argument(
        "--think",
        default="5,15",
        help="seconds each person waits between two actions: min,max (uniform)",
    )
    parser.add_argument("--workers", type=int, help="Gunicorn workers (default: its own rule)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="4 field people and 2 coordinators for 15 s, each doing every action once first",
    )
    parser.add_argument("--keep", action="store_true", help="reuse the database built before")
    parser.add_argument("--template", help="copy this database (holding the demo) instead")
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/9"),
        help=(
            "the cache (a Redis database of its own: the cache keys do not name the database); "
            "none: each process keeps its own, as without Redis"
        ),
    )
    parser.add_argument(
        "--locust",
        default=os.environ.get("LOCUST", ""),
        help="the locust command (default: this Python's locust module)",
    )
    parser.add_argument("--out", help="folder for Locust's CSV and the server's log")
    parser.add_argument("--make-people", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--people-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.field_users, args.coordinators, args.duration = 4, 2, 15
        args.spawn_rate, args.think = 6.0, "0.5,2"
        args.workers = args.workers or 2
    name = urlparse(args.database_url).path.lstrip("/")
    if not name.startswith("ojodeagua_load"):
        parser.error(
            "the database is dropped and rebuilt; its name must start with ojodeagua_load, "
            f"not {name!r}"
        )
    return args


# The database ---------------------------------------------------------------------------------
def recreate_database(url: str, template: str | None) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if template:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            admin.execute(f'CREATE DATABASE "{name}"')


def environment(args: argparse.Namespace, var_dir: Path, port: int = 0) -> dict[str, str]:
    """Production's settings, on loopback: no DEBUG, PostgreSQL, Redis, a long-lived connection."""
    left_out = {"DEBUG", "PYTEST_VERSION", "DJANGO_SETTINGS_MODULE", "CACHE_URL", "LOG_FORMAT"}
    env = {key: value for key, value in os.environ.items() if key not in left_out}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
        SECRET_KEY="load-test-secret-" + "k3y" * 20,
        DATABASE_URL=args.database_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        OJODEAGUA_VAR_DIR=str(var_dir),
        CONN_MAX_AGE="60",
        # Plain HTTP on loopback: nothing in front to speak TLS.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        LOG_REQUESTS="0",
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    if args.redis_url != "none":
        env.update(REDIS_URL=args.redis_url, CELERY_BROKER_URL=args.redis_url)
    else:
        for name in ("REDIS_URL", "CELERY_BROKER_URL"):
            env.pop(name, None)
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    return env


def manage(env: dict[str, str], *command: str) -> None:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "ojodeagua", *command], env=env, check=True)
    print(f"  ojodeagua {' '.join(command)}: {time.monotonic() - started:.0f} s", flush=True)


def make_people(field_users: int, coordinators: int, people_file: Path) -> None:
    """Run in a child process with Django set up: give the test's people their access."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from ojodeagua.books.models import Connection, lives_on_sales
    from ojodeagua.organisations.models import Membership, Organisation
    from ojodeagua.organisations.scope import scope_for
    from ojodeagua.places.models import Municipality
    from ojodeagua.providers.models import Provider
    from ojodeagua.web.team_views import MembershipForm

    users = get_user_model()
    admin = users.objects.filter(username="carga-admin").first() or users.objects.create_superuser(
        "carga-admin", password=PASSWORD
    )
    scope = scope_for(admin)
    municipality = Municipality.objects.get(key="07012")
    ngo = Organisation.objects.get(kind=Organisation.Kind.NGO)
    agency = Organisation.objects.get(kind=Organisation.Kind.AGENCY)
    with_tomas = Connection.objects.values("provider_id")
    committees = [
        p
        for p in Provider.objects.filter(pk__in=with_tomas).order_by("pk")
        if not lives_on_sales(p)
    ]

    def give(username: str, organisation, role: str, **area) -> None:
        if users.objects.filter(username=username).exists():
            return
        data = {
            "username": username,
            "first_name": username,
            "password": PASSWORD,
            "organisation": organisation.pk,
            "role": role,
            "active": "on",
            **area,
        }
        form = MembershipForm(data, instance=Membership(), user=admin, scope=scope)
        if not form.is_valid():
            raise SystemExit(f"{username}: {form.errors.as_text()}")
        form.save_for(admin)

    people = {"password": PASSWORD, "field": [], "coordinators": []}
    for n in range(field_users):
        committee = committees[n % len(committees)]
        username = f"campo{n + 1:02d}"
        give(username, ngo, Membership.Role.FACILITATOR, providers=[committee.pk])
        system = committee.systems.order_by("pk").first()
        tomas = list(
            Connection.objects.filter(provider=committee)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        people["field"].append(
            {
                "username": username,
                "provider": committee.pk,
                "system": system.pk,
                "locality": system.locality_id,
                "sector": f"Ruta {username}",
                "tomas": tomas,
            }
        )
    for n in range(coordinators):
        username = f"coord{n + 1:02d}"
        give(username, agency, Membership.Role.COORDINATOR, municipalities=[municipality.pk])
        people["coordinators"].append({"username": username, "municipality": municipality.pk})
    people_file.write_text(json.dumps(people))
    print(
        f"  {field_users} field people on {len(committees)} committees that keep their books, "
        f"{coordinators} coordinators of municipality {municipality.key}",
        flush=True,
    )


def prepare(args: argparse.Namespace, env: dict[str, str], people_file: Path) -> None:
    if not args.keep:
        recreate_database(args.database_url, args.template)
        manage(env, "migrate", "--noinput", "-v", "0")
        if not args.template:
            manage(env, "load-demo")
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--make-people",
            "--field-users",
            str(args.field_users),
            "--coordinators",
            str(args.coordinators),
            "--people-file",
            str(people_file),
            "--database-url",
            args.database_url,
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "ojodeagua.settings"},
        check=True,
    )
    print(f"  people given access: {time.monotonic() - started:.0f} s", flush=True)
    manage(env, "collectstatic", "--noinput", "-v", "0", "-i", "admin", "-i", "rest_framework")


# The server -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict[str, str], out: Path) -> subprocess.Popen:
    log = open(out / "gunicorn.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:ojodeagua.gunicorn_conf",
            "ojodeagua.wsgi",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = "http://" + env["GUNICORN_BIND"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("Gunicorn stopped:\n" + (out / "gunicorn.log").read_text()[-3000:])
        try:
            with urllib.request.urlopen(base + "/health/", timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit("Gunicorn did not answer /health/ in 90 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def sign_in(base: str, username: str) -> tuple[float, dict[str, str]]:
    """Sign in through the sign-in page; returns the seconds the POST took and the cookies."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/entrar/", timeout=60).read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    body = urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"}
    ).encode()
    started = time.monotonic()
    opener.open(base + "/entrar/", body, timeout=60).read()
    elapsed = time.monotonic() - started
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"{username} could not sign in")
    return elapsed, cookies


def warm_up(base: str, workers: int) -> None:
    """A page from every worker first: each one imports the views at its first request."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(_):
        urllib.request.urlopen(base + "/entrar/", timeout=120).read()

    with ThreadPoolExecutor(max_workers=workers * 2) as pool:
        list(pool.map(fetch, range(workers * 4)))


def sign_everyone_in(base: str, people_file: Path) -> list[float]:
    """Open a session for each person before the run, as their phones already have one."""
    people = json.loads(people_file.read_text())
    people["sessions"], times = {}, []
    for person in [*people["field"], *people["coordinators"]]:
        elapsed, cookies = sign_in(base, person["username"])
        people["sessions"][person["username"]] = cookies
        times.append(elapsed)
    people_file.write_text(json.dumps(people))
    return times


def cpu_seconds(pid: int, children: bool = False) -> float:
    """CPU seconds a process has used (and, with ``children``, those it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def server_cpu(server: subprocess.Popen, database_url: str) -> dict[int, float]:
    """CPU seconds so far of Gunicorn's processes and of the database's server processes.

    Read from /proc (Linux): what the application cost, whatever else the machine ran.
    A PostgreSQL connection closed during the run takes its seconds with it, so the database's
    share is a lower bound (``CONN_MAX_AGE=60`` keeps them open while the run is busy).
    """
    import psycopg

    seconds = {server.pid: cpu_seconds(server.pid, children=True)}
    for child in Path(f"/proc/{server.pid}/task").glob("*/children"):
        for pid in child.read_text().split():
            seconds[int(pid)] = cpu_seconds(int(pid))
    name = urlparse(database_url).path.lstrip("/")
    with psycopg.connect(database_url, autocommit=True) as conn:
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    for (pid,) in backends:
        seconds[-pid] = cpu_seconds(pid)  # negative: a database process
    return seconds


def cpu_used(before: dict[int, float], after: dict[int, float]) -> tuple[float, float]:
    """(Gunicorn's, PostgreSQL's) CPU seconds between two readings."""
    app = db = 0.0
    for pid, seconds in after.items():
        used = seconds - before.get(pid, 0.0)
        if pid < 0:
            db += used
        else:
            app += used
    return app, db


# Locust ---------------------------------------------------------------------------------------
def locust_command(args: argparse.Namespace) -> list[str]:
    if args.locust:
        return args.locust.split()
    return [sys.executable, "-m", "locust"]


def run_locust(args: argparse.Namespace, base: str, people_file: Path, out: Path) -> int:
    users = args.field_users + args.coordinators
    ramp = users / args.spawn_rate
    low, high = (float(part) for part in args.think.split(","))
    env = {
        **os.environ,
        "LOAD_PEOPLE": str(people_file),
        "LOAD_FIELD_USERS": str(args.field_users),
        "LOAD_COORDINATORS": str(args.coordinators),
        "LOAD_THINK_MIN": str(low),
        "LOAD_THINK_MAX": str(high),
        "LOAD_SMOKE": "1" if args.smoke else "0",
    }
    command = [
        *locust_command(args),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        base,
        "--users",
        str(users),
        "--spawn-rate",
        str(args.spawn_rate),
        # Everyone is in after the ramp; every request from the first one counts.
        "--run-time",
        f"{int(args.duration + ramp)}s",
        "--json-file",
        str(out / "load"),
        "--csv",
        str(out / "load"),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "20",
    ]
    print("  " + " ".join(command), flush=True)
    return subprocess.run(command, env=env, cwd=out).returncode


def percentile(histogram: dict[int, int], fraction: float) -> int:
    """The response time (ms) under which ``fraction`` of the requests answered."""
    count = sum(histogram.values())
    wanted, seen = fraction * count, 0
    for milliseconds in sorted(histogram):
        seen += histogram[milliseconds]
        if seen >= wanted:
            return milliseconds
    return 0


def report(out: Path) -> tuple[int, int, float, float]:
    """Print each request's figures; return (requests, failures, p50, p95) of all of them.

    Read from the JSON Locust writes as it stops: its CSV files are written every two seconds
    and miss the last requests.
    """
    entries = json.loads((out / "load.json").read_text())
    print(f"\n{'petición':<44}{'núm.':>7}{'fallas':>7}{'p50':>7}{'p95':>7}{'p99':>7}{'máx.':>7}")
    everything: dict[int, int] = {}
    requests = failures = 0
    for entry in sorted(entries, key=lambda e: (e["name"], e["method"])):
        histogram = {int(ms): n for ms, n in entry["response_times"].items()}
        for ms, n in histogram.items():
            everything[ms] = everything.get(ms, 0) + n
        requests += entry["num_requests"]
        failures += entry["num_failures"]
        name = f"{entry['method']} {entry['name']}"[:43]
        print(
            f"{name:<44}{entry['num_requests']:>7}{entry['num_failures']:>7}"
            f"{percentile(histogram, 0.5):>7}{percentile(histogram, 0.95):>7}"
            f"{percentile(histogram, 0.99):>7}{entry['max_response_time']:>7.0f}"
        )
    with open(out / "load_failures.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            print(f"  falla: {row['Method']} {row['Name']}: {row['Error']} ×{row['Occurrences']}")
    crashes = 0
    with open(out / "load_exceptions.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            crashes += int(row["Count"])
            where = [line for line in row["Traceback"].splitlines() if "locustfile.py" in line]
            print(f"  excepción ×{row['Count']}: {row['Message']} ({'; '.join(where[-1:])})")
    first = min((e["start_time"] for e in entries), default=0)
    last = max((e["last_request_timestamp"] or 0 for e in entries), default=0)
    rate = requests / (last - first) if last > first else 0.0
    print(f"\nTotal: {requests} peticiones, {rate:.1f} por segundo")
    # An exception in the locustfile (a page that changed shape under it) is an error too.
    failures += crashes
    return requests, failures, percentile(everything, 0.5), percentile(everything, 0.95)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.make_people:
        make_people(args.field_users, args.coordinators, Path(args.people_file))
        return 0
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="ojodeagua-load-"))
    out.mkdir(parents=True, exist_ok=True)
    var_dir = out / "var"
    port = free_port()
    env = environment(args, var_dir, port)
    people_file = out / "people.json"
    print(f"Base de datos {urlparse(args.database_url).path.lstrip('/')}; archivos en {out}")
    prepare(args, env, people_file)
    server = start_server(env, out)
    base = f"http://127.0.0.1:{port}"
    try:
        warm_up(base, args.workers or os.cpu_count() * 2 + 1)
        if not args.smoke:
            # The smoke run signs in through the page inside Locust, so that page is tried too.
            times = sorted(sign_everyone_in(base, people_file))
            print(
                f"  {len(times)} entradas (sign-in), una tras otra: mediana "
                f"{times[len(times) // 2] * 1000:.0f} ms, máxima {times[-1] * 1000:.0f} ms",
                flush=True,
            )
        load_before = os.getloadavg()
        cpu_before = server_cpu(server, args.database_url)
        started = time.monotonic()
        code = run_locust(args, base, people_file, out)
        elapsed = time.monotonic() - started
        app_cpu, db_cpu = cpu_used(cpu_before, server_cpu(server, args.database_url))
        load_after = os.getloadavg()
    finally:
        stop_server(server)
    requests, failures, p50, p95 = report(out)
    # Locust answers 1 when a request failed or the locustfile raised (a page changed shape).
    if code == 1 and failures == 0:
        print("Locust encontró una excepción en el locustfile: cuenta como error.")
        failures = 1
    print(
        f"Resumen: {args.field_users} personas en campo y {args.coordinators} coordinadores, "
        f"{args.duration} s medidos ({elapsed:.0f} s con las entradas); "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {failures} errores de {requests} peticiones"
    )
    print(
        "Carga de la máquina (1, 5, 15 min): antes "
        + ", ".join(f"{x:.1f}" for x in load_before)
        + "; después "
        + ", ".join(f"{x:.1f}" for x in load_after)
        + f"; {os.cpu_count()} núcleos"
    )
    if requests:
        per_request = (app_cpu + db_cpu) / requests
        print(
            f"CPU del servidor durante la prueba: Gunicorn {app_cpu:.0f} s, PostgreSQL "
            f"{db_cpu:.0f} s (al menos): {per_request * 1000:.0f} ms por petición (un "
            "formulario y la página a la que lleva cuentan como una); "
            f"{os.cpu_count()} núcleos sin otro trabajo darían unas "
            f"{os.cpu_count() / per_request:.0f} peticiones por segundo"
        )
    print(f"Meta: 0 errores y p95 menor a {P95_TARGET_MS} ms")
    if code not in (0, 1) or requests == 0:
        print(f"Locust terminó con el código {code}")
        return 2
    ok = failures == 0 and p95 < P95_TARGET_MS
    print("Cumple la meta." if ok else "No cumple la meta.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
