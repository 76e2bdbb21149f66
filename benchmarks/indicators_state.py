"""Benchmark: indicator engine and summary pages on a synthetic state (Chiapas-sized) on PostgreSQL.

Run with `make bench-indicators` (or `.venv/bin/python benchmarks/indicators_state.py`).
It needs PostgreSQL; by default it uses DATABASE_URL=postgres://postgres@127.0.0.1:5432/
ojodeagua_bench, which it drops and creates again (never point it at a database you care about).

The data set, at --scale 1 (the default): 21,157 localities in 124 municipalities, 8,000 water
systems with providers and served-locality links, a daily supply log of every system for 5
years (about 14.6 million rows, entered weekly), a visit to every system every ~3 months,
500,000 water quality results (with their samples and NOM-127 and WHO verdicts) and 200,000
household surveys, all validated. It is built with COPY and INSERT … SELECT, not the ORM.

It then measures the issue's targets:
1. a full `recompute_all()` (target under 60 s), with the time of each layer, beside the SQL
   floor: one hand-written set-based aggregate over the same rows (``floor_statements``); the
   target is within 3 times the floor;
2. one new observation saved and `refresh_after([it])` (target under 200 ms), median of runs;
3. the municipal and state summary pages, the public page, form and poster of the locality most
   systems serve, the agency's desk of the busiest municipality (desk,
   map, the map's points, the priority weights, the council report) and the "why this number"
   pages of two state figures, rendered by the test client as a superuser (target under 300 ms
   each), median of requests after one warm-up.

Options: --keep reuses a data set built before (same database); --keep --pages-only times only
the pages on the values already computed; --keep --refresh-only times only the refreshes
(step 2) on them; --scale 0.05 builds a small one for a quick check;
--profile also runs the full recompute under cProfile.
"""

import argparse
import cProfile
import datetime
import gzip
import io
import itertools
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ojodeagua_bench"
LOCALITIES = 21_157
MUNICIPALITIES = 124
SYSTEMS = 8_000
RESULTS = 500_000
HOUSEHOLD_SURVEYS = 200_000
YEARS = 5
JUDGED_BY_BULK_JUDGE = 50_000  # results whose verdicts the real bulk judge makes (timed)
TARGET_RECOMPUTE = 60.0
TARGET_FLOOR_RATIO = 3.0
TARGET_REFRESH = 0.200
TARGET_PAGE = 0.300
END = datetime.date.today() - datetime.timedelta(days=1)
START = END.replace(year=END.year - YEARS) + datetime.timedelta(days=1)


def chlorinates(system_id: int, kind: str) -> str:
    """Seven in ten piped systems chlorinate (from the id, so the random draws stay put)."""
    return "yes" if kind in {"gravity", "pumped"} and system_id % 10 < 7 else "no"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--keep", action="store_true", help="reuse the data set already built")
    parser.add_argument("--runs", type=int, default=5, help="runs per timed refresh or page")
    parser.add_argument("--profile", action="store_true", help="cProfile a full recompute too")
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="with --keep: time only the pages, on the values already computed",
    )
    parser.add_argument(
        "--refresh-only",
        action="store_true",
        help="with --keep: time only the refreshes after one new observation",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    return parser.parse_args()


# Database ---------------------------------------------------------------------------------
def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_exists(url: str) -> bool:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [parsed.path.lstrip("/")]
        ).fetchone()
    return found is not None


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ojodeagua.settings")
    # DEBUG=1 only to get a development secret key and no HTTPS redirect; switched off below.
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("OJODEAGUA_VAR_DIR", tempfile.mkdtemp(prefix="ojodeagua-bench-"))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log, templates as in production
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY rows (tuples in the order of ``columns``) into the model's table."""
    from django.db import connection

    count = 0
    table = model._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def reset_sequences(*models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


class without_indexes:
    """Drop a table's secondary indexes, unique and foreign-key constraints; recreate on exit."""

    def __init__(self, table: str) -> None:
        self.table = table

    def __enter__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                [self.table],
            )
            self.constraints = cursor.fetchall()
            for name, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{name}"')
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [self.table],
            )
            self.indexes = cursor.fetchall()
            for name, _definition in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            for _name, definition in self.indexes:
                cursor.execute(definition)
            for name, definition in self.constraints:
                cursor.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')


OBSERVATION_COLUMNS = [
    "record_id",
    "observed_on",
    "source",
    "state",
    "validated_at",
    "municipality_id",
    "provider_id",
    "notes",
    "created_at",
    "updated_at",
]


def entered(day: datetime.date) -> datetime.datetime:
    """Logs are typed in weekly: on the Sunday after the day, in the evening."""
    sunday = day + datetime.timedelta(days=6 - day.weekday())
    return datetime.datetime.combine(sunday, datetime.time(18), tzinfo=datetime.UTC)


def observation(record_id: str, day: datetime.date, source: str, municipality_id, provider_id):
    stamp = entered(day)
    return (
        record_id,
        day,
        source,
        "validated",
        stamp,
        municipality_id,
        provider_id,
        "",
        stamp,
        stamp,
    )


# Building the data set --------------------------------------------------------------------
class Builder:
    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.rng = random.Random(7)
        self.sizes: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.notes: list[str] = []

    def n(self, full: int, minimum: int = 1) -> int:
        return max(minimum, round(full * self.scale))

    def step(self, label: str, function) -> None:
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
        self.timings[label] = elapsed
        print(f"  {label}: {elapsed:.1f} s", flush=True)
        return result

    def build(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
        self.step("lugares, prestadores y sistemas", self.places_and_systems)
        self.step("registro de suministro diario", self.supply_days)
        self.step("visitas", self.visits)
        self.step("muestras, resultados y veredictos", self.quality)
        self.step("veredictos del juez masivo", self.bulk_judge)
        self.step("encuestas de hogar", self.household_surveys)
        self.step("VACUUM ANALYZE", self.vacuum)
        self.save_meta()

    # Places, providers, systems, links -----------------------------------------------------
    def places_and_systems(self) -> None:
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from ojodeagua.places.models import Locality, Municipality, State
        from ojodeagua.providers.models import Provider
        from ojodeagua.watersystems.models import ServedLocality, WaterSystem

        rng = self.rng
        now = timezone.now()
        state = State.objects.create(key="07", name="Chiapas")
        municipality_count = self.n(MUNICIPALITIES, 2)
        copy_rows(
            Municipality,
            ["id", "state_id", "key", "name"],
            (
                (m, state.pk, f"07{m:03d}", f"Municipio {m}")
                for m in range(1, municipality_count + 1)
            ),
        )
        locality_count = self.n(LOCALITIES, 20)
        localities = []  # (id, municipality, population, dwellings, number in municipality)
        numbers = defaultdict(int)
        for index in range(1, locality_count + 1):
            municipality = 1 + (index - 1) * municipality_count // locality_count
            numbers[municipality] += 1
            population = min(200_000, max(1, int(rng.lognormvariate(4.0, 1.6))))
            dwellings = max(1, population * 10 // 42)
            localities.append((index, municipality, population, dwellings, numbers[municipality]))
        copy_rows(
            Locality,
            [
                "id",
                "municipality_id",
                "key",
                "name",
                "area",
                "population",
                "dwellings",
                "inhabited_dwellings",
                "latitude",
                "longitude",
                "catalogue_version",
                "updated_at",
            ],
            (
                (
                    lid,
                    mid,
                    f"07{mid:03d}{number:04d}",
                    f"Localidad {lid}",
                    "U" if pop >= 2500 else "R",
                    pop,
                    dwellings + dwellings // 10,
                    dwellings,
                    Decimal(f"{rng.uniform(14.5, 17.9):.6f}"),
                    Decimal(f"{-rng.uniform(90.4, 94.1):.6f}"),
                    "bench",
                    now,
                )
                for lid, mid, pop, dwellings, number in localities
            ),
        )
        by_municipality = defaultdict(list)
        for row in localities:
            by_municipality[row[1]].append(row)
        # Systems sit in localities with people; bigger places more often.
        candidates = [row for row in localities if row[2] >= 30] or localities
        system_count = self.n(SYSTEMS, 10)
        kinds = ["gravity"] * 5 + ["pumped"] * 2 + ["point", "rainwater", "kiosk"]
        providers = []  # (id, kind, municipality, locality)
        municipal_provider = {}
        systems = []  # (id, locality row, provider id, kind, design yield)
        for system_id in range(1, system_count + 1):
            locality = rng.choice(candidates)
            draw = rng.random()
            if draw < 0.8:
                providers.append((len(providers) + 1, "committee", locality[1], locality[0]))
                provider_id = len(providers)
            elif draw < 0.93:
                if locality[1] not in municipal_provider:
                    providers.append((len(providers) + 1, "municipal", locality[1], None))
                    municipal_provider[locality[1]] = len(providers)
                provider_id = municipal_provider[locality[1]]
            else:
                provider_id = None
            yield_lps = Decimal(f"{rng.uniform(0.3, 12):.2f}") if rng.random() < 0.9 else None
            systems.append((system_id, locality, provider_id, rng.choice(kinds), yield_lps))
        copy_rows(
            Provider,
            [
                "id",
                "name",
                "kind",
                "municipality_id",
                "locality_id",
                "notes",
                "public_contact",
                "created_at",
                "updated_at",
            ],
            (
                (p[0], f"Prestador {p[0]}", p[1], p[2], p[3], "", "Casa ejidal, sábados", now, now)
                for p in providers
            ),
        )
        copy_rows(
            WaterSystem,
            [
                "id",
                "name",
                "kind",
                "provider_id",
                "locality_id",
                "municipality_id",
                "design_yield_lps",
                "design_households",
                "chlorinates",
                "notes",
                "created_at",
                "updated_at",
            ],
            (
                (
                    sid,
                    f"Sistema {sid}",
                    kind,
                    pid,
                    loc[0],
                    loc[1],
                    dy,
                    loc[3],
                    chlorinates(sid, kind),
                    "",
                    now,
                    now,
                )
                for sid, loc, pid, kind, dy in systems
            ),
        )
        links = {}
        for sid, loc, _pid, _kind, _dy in systems:
            links[(sid, loc[0])] = max(1, int(loc[3] * rng.uniform(0.5, 1.0)))
            if rng.random() < 0.3:
                for other in rng.sample(
                    by_municipality[loc[1]], min(3, len(by_municipality[loc[1]]))
                ):
                    if (sid, other[0]) not in links:
                        links[(sid, other[0])] = max(1, int(other[3] * rng.uniform(0.3, 1.0)))
        copy_rows(
            ServedLocality,
            ["system_id", "locality_id", "households"],
            ((sid, lid, hh) for (sid, lid), hh in links.items()),
        )
        reset_sequences(Municipality, Locality, Provider, WaterSystem)
        get_user_model().objects.create_superuser("bench", "bench@example.org", None)
        self.systems = systems
        self.localities = localities
        self.links = links
        self.sizes.update(
            municipalities=municipality_count,
            localities=locality_count,
            providers=len(providers),
            systems=system_count,
            served_localities=len(links),
        )

    # Supply logs and visits: generated by the server --------------------------------------------
    def supply_days(self) -> None:
        from ojodeagua.monitoring.models import SupplyDay

        table = SupplyDay._meta.db_table
        last = len(self.systems)
        chunk = 400
        total = 0

        # Indexes and foreign keys are rebuilt once at the end: far faster than row by row.
        def work(first: int) -> int:
            # Each thread has its own connection; two cores, two inserts at a time.
            from django.db import connection

            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET synchronous_commit = off")
                return self.supply_chunk(table, first, min(first + chunk - 1, last))
            finally:
                connection.close()

        with without_indexes(table), ThreadPoolExecutor(max_workers=2) as pool:
            for done, count in enumerate(pool.map(work, range(1, last + 1, chunk)), 1):
                total += count
                print(f"    {min(done * chunk, last):,} sistemas: {total:,} días", flush=True)
            print("    rehaciendo índices y restricciones…", flush=True)
        self.sizes["supply_days"] = total

    def supply_chunk(self, table: str, first: int, last: int) -> int:
        from ojodeagua.watersystems.models import WaterSystem

        # Each system has its own chance of a dry day, higher in the dry season (March–May).
        return execute(
            f"""
            INSERT INTO {table} (record_id, observed_on, source, state, validated_at,
                municipality_id, provider_id, notes, created_at, updated_at, system_id,
                sector, hours, no_water_reason)
            SELECT 'sd-' || s.id || '-' || (g.day::date - %(start)s::date), g.day::date,
                'self_report', 'validated', e.at, s.municipality_id, s.provider_id, '',
                e.at, e.at, s.id, '', h.hours,
                CASE WHEN h.hours = 0 THEN 'pump' ELSE '' END
            FROM {WaterSystem._meta.db_table} s
            CROSS JOIN generate_series(%(start)s::date, %(end)s::date, interval '1 day') g(day)
            CROSS JOIN LATERAL (
                SELECT (g.day::date + (7 - extract(isodow FROM g.day)::int)
                        + time '18:00') AT TIME ZONE 'UTC' AS at
            ) e
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN random() < (0.01 + 0.2 * power(((s.id * 37) %% 100) / 100.0, 3))
                         * CASE WHEN extract(month FROM g.day) BETWEEN 3 AND 5 THEN 2 ELSE 1 END
                    THEN 0
                    ELSE round((6 + random() * 18)::numeric, 1)
                END AS hours
            ) h
            WHERE s.id BETWEEN %(first)s AND %(last)s
            """,
            {"start": START, "end": END, "first": first, "last": last},
        )

    def visits(self) -> None:
        from ojodeagua.monitoring.models import SystemVisit
        from ojodeagua.watersystems.models import WaterSystem

        self.sizes["system_visits"] = execute(
            f"""
            INSERT INTO {SystemVisit._meta.db_table} (record_id, observed_on, source, state,
                validated_at, municipality_id, provider_id, notes, created_at, updated_at,
                system_id, working, flow_lps, downtime_days, downtime_cause, chlorination,
                inspection_score, inspection_risk)
            SELECT 'sv-' || s.id || '-' || (v.day::date - %(start)s::date), v.day::date,
                'visit', 'validated', v.day + interval '1 day', s.municipality_id,
                s.provider_id, '', v.day + interval '1 day', v.day + interval '1 day', s.id,
                w.working,
                CASE WHEN w.working THEN round((coalesce(s.design_yield_lps, 2)
                    * (0.5 + random() * 0.8))::numeric, 2) END,
                d.days, CASE WHEN d.days > 0 THEN 'pump' ELSE '' END,
                (ARRAY['working', 'not_working', 'none'])[1 + floor(random() * 3)::int],
                NULL, ''
            FROM {WaterSystem._meta.db_table} s
            CROSS JOIN LATERAL generate_series(
                %(start)s::date + ((s.id * 13) %% 91)::int, %(end)s::date, interval '91 days'
            ) v(day)
            CROSS JOIN LATERAL (SELECT random() > 0.12 + 0 * s.id AS working) w
            CROSS JOIN LATERAL (
                SELECT CASE WHEN random() < 0.3 + 0 * s.id THEN floor(random() * 40)::int
                       ELSE 0 END AS days
            ) d
            """,
            {"start": START, "end": END},
        )

    # Water quality ------------------------------------------------------------------------
    def quality(self) -> None:
        from ojodeagua.waterquality.models import (
            Norm,
            NormVersion,
            Parameter,
            Result,
            Sample,
            Verdict,
        )

        rng = self.rng
        parameters = {p.code: p for p in Parameter.objects.all()}
        norms = {n.code: n for n in Norm.objects.all()}
        versions = defaultdict(list)
        for version in NormVersion.objects.order_by("in_force_from"):
            versions[version.norm_id].append(version)

        def version_on(norm, day):
            found = None
            for version in versions[norm.pk]:
                if version.in_force_from <= day and (
                    version.in_force_until is None or day <= version.in_force_until
                ):
                    found = version
            return found

        # (code, value maker, NOM limit check, WHO limit check or None when WHO sets none)
        def ecoli():
            return None, "detected" if rng.random() < 0.25 else "not_detected"

        numeric = {
            "free_chlorine": (
                lambda: rng.uniform(0, 1.6),
                lambda v: 0.2 <= v <= 1.5,
                lambda v: v <= 5,
            ),
            "arsenic": (
                lambda: rng.lognormvariate(-5.5, 1.0),
                lambda v: v <= 0.025,
                lambda v: v <= 0.01,
            ),
            "fluoride": (
                lambda: rng.lognormvariate(-1.0, 0.8),
                lambda v: v <= 1.5,
                lambda v: v <= 1.5,
            ),
            "turbidity": (lambda: rng.lognormvariate(0.0, 1.0), lambda v: v <= 4, None),
            "ph": (lambda: rng.uniform(6.2, 8.9), lambda v: 6.5 <= v <= 8.5, None),
            "nitrate": (
                lambda: rng.lognormvariate(0.5, 1.0),
                lambda v: v <= 11,
                lambda v: v <= 11.3,
            ),
        }
        extras = ["arsenic", "fluoride", "turbidity", "ph", "nitrate"]
        total_results = self.n(RESULTS, 50)
        sample_count = total_results * 2 // 5
        judged_by_judge = min(self.n(JUDGED_BY_BULK_JUDGE, 10), total_results // 5)
        direct_until = total_results - judged_by_judge  # results after this id: the bulk judge
        days = (END - START).days
        samples, results, verdicts = [], [], []
        result_id = 0
        for sample_id in range(1, sample_count + 1):
            sid, loc, pid, _kind, _dy = rng.choice(self.systems)
            day = START + datetime.timedelta(days=rng.randrange(days + 1))
            codes = ["e_coli", "free_chlorine"]
            if sample_id % 2 == 0:
                codes.append(extras[(sample_id // 2) % len(extras)])
            lab = len(codes) > 2
            samples.append(
                (
                    sample_id,
                    *observation(
                        f"qs-{sample_id}", day, "laboratory" if lab else "visit", loc[1], pid
                    ),
                    loc[0],
                    sid,
                    rng.choice(["tap", "tank", "source"]),
                    "",
                    "laboratory" if lab else "field_kit",
                    "Laboratorio estatal" if lab else "",
                )
            )
            for code in codes:
                if result_id >= total_results:
                    break
                result_id += 1
                parameter = parameters[code]
                if code == "e_coli":
                    value, outcome = ecoli()
                    nom = who = outcome == "not_detected"
                    who_checked = True
                else:
                    make, nom_check, who_check = numeric[code]
                    value, outcome = make(), ""
                    nom = nom_check(value)
                    who_checked = who_check is not None
                    who = who_check(value) if who_checked else None
                    value = Decimal(f"{value:.4f}")
                results.append(
                    (
                        result_id,
                        sample_id,
                        parameter.name,
                        parameter.pk,
                        value,
                        False,
                        outcome,
                        parameter.unit,
                        "",
                    )
                )
                if result_id > direct_until:
                    continue
                for norm_code, passed, checked in (
                    ("nom127", nom, True),
                    ("who", who, who_checked),
                ):
                    norm = norms[norm_code]
                    version = version_on(norm, day)
                    verdict = ("pass" if passed else "fail") if checked else "no_limit"
                    verdicts.append(
                        (
                            result_id,
                            norm.pk,
                            version.pk if version else None,
                            verdict,
                            "",
                            "",
                            code,
                            day,
                        )
                    )
        sample_columns = [
            "id",
            *OBSERVATION_COLUMNS,
            "locality_id",
            "system_id",
            "sampling_point",
            "point_description",
            "analysis",
            "laboratory",
        ]
        copy_rows(Sample, sample_columns, samples)
        copy_rows(
            Result,
            [
                "id",
                "sample_id",
                "parameter_text",
                "parameter_id",
                "value",
                "below_detection",
                "outcome",
                "unit",
                "method",
            ],
            results,
        )
        copy_rows(
            Verdict,
            [
                "result_id",
                "norm_id",
                "version_id",
                "outcome",
                "limit_text",
                "reason",
                "parameter_code",
                "sampled_on",
            ],
            verdicts,
        )
        reset_sequences(Sample, Result, Verdict)
        self.direct_until = direct_until
        self.sizes.update(samples=len(samples), results=len(results))
        self.notes.append(
            f"Veredictos de {direct_until:,} resultados creados directamente (umbrales simples: "
            "E. coli 25 % detectado, cloro 0.2–1.5 mg/L, arsénico ≤ 0.025 NOM / 0.01 OMS, "
            "fluoruros ≤ 1.5, turbiedad ≤ 4 NTU, pH 6.5–8.5, nitratos ≤ 11 mg/L N); "
            f"los de los últimos {len(results) - direct_until:,} los hizo el juez masivo "
            "(Judge.judge_results)."
        )

    def bulk_judge(self) -> None:
        from ojodeagua.waterquality.models import Result, Verdict
        from ojodeagua.waterquality.verdicts import Judge

        queryset = Result.objects.filter(pk__gt=self.direct_until).order_by("pk")
        started = time.perf_counter()
        judged = Judge().judge_results(queryset)
        elapsed = time.perf_counter() - started
        self.sizes["verdicts"] = Verdict.objects.count()
        self.judge_figures = {"results": judged, "seconds": elapsed}
        print(f"    juez masivo: {judged:,} resultados en {elapsed:.1f} s", flush=True)

    # Household surveys ---------------------------------------------------------------------
    def household_surveys(self) -> None:
        from ojodeagua.monitoring.models import HouseholdSurvey

        rng = self.rng
        count = self.n(HOUSEHOLD_SURVEYS, 20)
        links = list(self.links)
        provider_of = {s[0]: s[2] for s in self.systems}
        municipality_of = {row[0]: row[1] for row in self.localities}
        unserved = [row[0] for row in self.localities]
        sources = [
            ("piped_dwelling", True),
            ("piped_yard", True),
            ("public_tap", False),
            ("protected_spring", False),
            ("unprotected_spring", False),
            ("protected_well", False),
            ("rainwater", True),
            ("surface", False),
            ("bottled", True),
        ]
        toilets = [
            "flush_septic",
            "flush_pit",
            "pit_slab",
            "vip",
            "composting",
            "pit_no_slab",
            "none",
        ]
        days = (END - START).days

        def rows():
            for survey_id in range(1, count + 1):
                if rng.random() < 0.85:
                    system_id, locality_id = rng.choice(links)
                    provider_id = provider_of[system_id]
                    source, on_premises = sources[rng.choice([0, 0, 1, 1, 1, 2, 3])]
                else:
                    system_id, locality_id, provider_id = None, rng.choice(unserved), None
                    source, on_premises = rng.choice(sources[2:])
                day = START + datetime.timedelta(days=rng.randrange(days + 1))
                problem = rng.random() < 0.35
                yield (
                    survey_id,
                    *observation(
                        f"hs-{survey_id}", day, "visit", municipality_of[locality_id], provider_id
                    ),
                    locality_id,
                    system_id,
                    rng.choice("FFFMX"),
                    rng.randint(1, 9),
                    source,
                    on_premises,
                    None if on_premises else rng.choice([5, 10, 20, 35, 60]),
                    rng.choice(["yes", "yes", "no", "unknown"]),
                    rng.randint(0, 7) if rng.random() < 0.8 else None,
                    rng.choice(toilets),
                    rng.random() < 0.2,
                    rng.choice(["contained", "unsafe", "unknown"]),
                    rng.choice(["fixed", "mobile", "none"]),
                    rng.random() < 0.7,
                    rng.random() < 0.5,
                    "yes" if problem else rng.choice(["no", "no", "no", "unknown"]),
                    "no" if problem else "yes",
                    Decimal(rng.choice([0, 20, 30, 50, 80])),
                )

        self.sizes["household_surveys"] = copy_rows(
            HouseholdSurvey,
            [
                "id",
                *OBSERVATION_COLUMNS,
                "locality_id",
                "system_id",
                "respondent_sex",
                "household_size",
                "water_source",
                "water_on_premises",
                "collection_minutes",
                "sufficient_last_month",
                "days_with_water_last_week",
                "toilet",
                "toilet_shared",
                "excreta_disposal",
                "handwashing",
                "handwashing_water",
                "handwashing_soap",
                "water_has_problem",
                "satisfied",
                "monthly_payment",
            ],
            rows(),
        )
        reset_sequences(HouseholdSurvey)

    def vacuum(self) -> None:
        from django.db import connection

        # A real database has been autovacuumed; without this the planner has no statistics.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    def save_meta(self) -> None:
        execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb)")
        meta = {
            "scale": self.scale,
            "start": START.isoformat(),
            "end": END.isoformat(),
            "sizes": self.sizes,
            "timings": self.timings,
            "notes": self.notes,
            "judge": self.judge_figures,
            "built_on": datetime.datetime.now(datetime.UTC).isoformat(),
        }
        execute(
            "INSERT INTO bench_meta VALUES ('build', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [json.dumps(meta)],
        )


def load_meta() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'build'")
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


# Measuring --------------------------------------------------------------------------------
BATCH = 50_000


class EngineClock:
    """Times each layer (`Computation.store`): computing its values, and writing them.

    The values reach `insert_values` in batches, computed before each COPY opens, so the
    two times can be told apart, and so that the engine's own queries never run inside a COPY.
    """

    def __init__(self) -> None:
        from ojodeagua.indicators import engine

        self.engine = engine
        self.layers: list[dict] = []

    def __enter__(self):
        engine = self.engine
        original_store = self.original_store = engine.Computation.store
        # ``Computation.store`` writes through ``storing.insert_values``: that is the one to time.
        original_insert = self.original_insert = engine.storing.insert_values
        layers = self.layers
        current = {}

        def insert_values(values, computed_at, table=None):
            count, iterator = 0, iter(values)
            while True:
                started = time.perf_counter()
                batch = list(itertools.islice(iterator, BATCH))
                current["compute"] += time.perf_counter() - started
                if not batch:
                    return count
                started = time.perf_counter()
                count += original_insert(batch, computed_at, table)
                current["write"] += time.perf_counter() - started

        def store(computation, values, entity, *args, **kwargs):
            current.clear()
            current.update(entity=str(entity), compute=0.0, write=0.0)
            before = computation.written
            started = time.perf_counter()
            original_store(computation, values, entity, *args, **kwargs)
            current["total"] = time.perf_counter() - started
            current["rows"] = computation.written - before
            layers.append(dict(current))

        engine.Computation.store = store
        engine.storing.insert_values = insert_values
        return self

    def __exit__(self, *exc) -> None:
        self.engine.Computation.store = self.original_store
        self.engine.storing.insert_values = self.original_insert

    def print_layers(self, elapsed: float, indent: str = "    ") -> None:
        accounted = 0.0
        for layer in self.layers:
            accounted += layer["total"]
            print(
                f"{indent}capa {layer['entity']:<12} {layer['total']:7.2f} s (cálculo "
                f"{layer['compute']:.2f} s, escritura {layer['write']:.2f} s, borrado y resto "
                f"{layer['total'] - layer['compute'] - layer['write']:.2f} s) "
                f"{layer['rows']:>10,} filas"
            )
        print(f"{indent}fuera de las capas: {elapsed - accounted:.2f} s")


def measure_recompute(profile: bool) -> dict:
    from ojodeagua.indicators.engine import recompute_all
    from ojodeagua.indicators.models import IndicatorValue

    with EngineClock() as clock:
        started = time.perf_counter()
        written = recompute_all()
        elapsed = time.perf_counter() - started
    print(f"  recompute_all(): {elapsed:.1f} s, {written:,} valores escritos")
    clock.print_layers(elapsed)
    figures = {"seconds": elapsed, "written": written, "layers": clock.layers}
    figures["stored"] = IndicatorValue.objects.count()
    if profile:
        profiler = cProfile.Profile()
        with EngineClock():
            profiler.enable()
            recompute_all()
            profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    return figures


def floor_statements() -> list[str]:
    """The SQL floor: one hand-written set-based aggregate over the rows the recompute reads.

    Each statement writes its result to a temporary table (the recompute writes its values
    too): the supply log to system-months with their 12-month windows (hours, records, days
    with water, days down); the NOM-127 verdicts to system-months per parameter; the
    validated household surveys to locality-months with their 12-month windows (households,
    people, water on premises, few days, no problem seen). It computes no figure the engine
    does not, and much less than the engine (no ladders, tiers, gaps, scores, sources or
    areas): it is the cost of reading and grouping the same rows, the least any engine pays.
    """
    from ojodeagua.monitoring.models import HouseholdSurvey, SupplyDay
    from ojodeagua.waterquality.models import Norm, Result, Sample, Verdict

    supply = SupplyDay._meta.db_table
    surveys = HouseholdSurvey._meta.db_table
    verdicts, results = Verdict._meta.db_table, Result._meta.db_table
    samples, norms = Sample._meta.db_table, Norm._meta.db_table
    return [
        f"""
        CREATE TEMPORARY TABLE floor_system_months AS
        WITH days AS (
            SELECT system_id, observed_on, date_trunc('month', observed_on)::date AS month,
                   sum(hours) AS hours, count(*) AS records,
                   count(*) FILTER (WHERE hours > 0) AS wet, max(hours) AS most
            FROM {supply} WHERE state = 'validated'
            GROUP BY system_id, observed_on
        ), months AS (
            SELECT system_id, month, sum(hours) AS hours, sum(records) AS records,
                   sum(wet) AS wet, count(*) AS days,
                   count(*) FILTER (WHERE most = 0) AS down_days
            FROM days GROUP BY system_id, month
        )
        SELECT system_id, month, hours::float8 / records AS continuity_hours,
               7.0 * wet / records AS days_per_week, wet::float8 / records AS availability,
               sum(down_days) OVER year AS down_12m, sum(days) OVER year AS days_12m,
               sum(hours) OVER year AS hours_12m, sum(records) OVER year AS records_12m
        FROM months
        WINDOW year AS (PARTITION BY system_id ORDER BY month
                        RANGE BETWEEN INTERVAL '11 months' PRECEDING AND CURRENT ROW)
        """,
        f"""
        CREATE TEMPORARY TABLE floor_quality_months AS
        SELECT s.system_id, date_trunc('month', v.sampled_on)::date AS month, v.parameter_code,
               count(*) FILTER (WHERE v.outcome = 'pass') AS passed,
               count(*) FILTER (WHERE v.outcome = 'fail') AS failed
        FROM {verdicts} v
        JOIN {norms} n ON n.id = v.norm_id
        JOIN {results} r ON r.id = v.result_id
        JOIN {samples} s ON s.id = r.sample_id
        WHERE n.code = 'nom127' AND v.outcome IN ('pass', 'fail') AND s.state = 'validated'
              AND s.system_id IS NOT NULL
        GROUP BY 1, 2, 3
        """,
        f"""
        CREATE TEMPORARY TABLE floor_locality_months AS
        WITH months AS (
            SELECT locality_id, date_trunc('month', observed_on)::date AS month,
                   count(*) AS households, sum(household_size) AS people,
                   sum(household_size) FILTER (WHERE water_on_premises) AS on_premises,
                   count(*) FILTER (WHERE days_with_water_last_week < 4) AS few_days,
                   count(*) FILTER (WHERE water_has_problem = 'no') AS no_problem
            FROM {surveys} WHERE state = 'validated'
            GROUP BY 1, 2
        )
        SELECT locality_id, month,
               sum(households) OVER year AS households_12m, sum(people) OVER year AS people_12m,
               sum(on_premises) OVER year AS on_premises_12m,
               sum(few_days) OVER year AS few_days_12m, sum(no_problem) OVER year AS no_problem_12m
        FROM months
        WINDOW year AS (PARTITION BY locality_id ORDER BY month
                        RANGE BETWEEN INTERVAL '11 months' PRECEDING AND CURRENT ROW)
        """,
    ]


def measure_floor() -> dict:
    """Run the SQL floor in a transaction that is rolled back; its time and rows."""
    from django.db import connection, transaction

    rows = {}
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in floor_statements():
                cursor.execute(statement)
            for table in ("floor_system_months", "floor_quality_months", "floor_locality_months"):
                cursor.execute(f"SELECT count(*) FROM {table}")
                rows[table] = cursor.fetchone()[0]
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    print(
        f"  piso SQL (una agregación por conjuntos, escrita a mano): {elapsed:.1f} s "
        f"({', '.join(f'{name} {count:,}' for name, count in rows.items())})"
    )
    return {"seconds": elapsed, "rows": rows}


def measure_refresh(runs: int) -> dict[str, dict]:
    from django.db import transaction

    from ojodeagua.indicators.engine import refresh_after
    from ojodeagua.monitoring.models import HouseholdSurvey, SupplyDay
    from ojodeagua.waterquality.models import Parameter, Result, Sample
    from ojodeagua.waterquality.verdicts import Judge
    from ojodeagua.watersystems.models import ServedLocality, WaterSystem

    today = datetime.date.today()
    # A system with a provider, so that the provider layer is refreshed too.
    system = WaterSystem.objects.filter(provider__isnull=False).order_by("id").first()
    link = ServedLocality.objects.filter(system=system).first()
    ecoli = Parameter.objects.get(code="e_coli")
    judge = Judge()
    counter = [0]

    def supply_day(day):
        counter[0] += 1
        record = SupplyDay(
            system=system,
            sector=f"bench-{counter[0]}",
            observed_on=day,
            source="self_report",
            hours=Decimal("0"),
            no_water_reason="pump",
            state="validated",
        )
        record.save()
        return [record]

    def week_of_supply():
        counter[0] += 1
        records = []
        for back in range(7):
            record = SupplyDay(
                system=system,
                sector=f"bench-{counter[0]}",
                observed_on=today - datetime.timedelta(days=back),
                source="self_report",
                hours=Decimal("12.5"),
                state="validated",
            )
            record.save()
            records.append(record)
        return records

    def household_survey():
        survey = HouseholdSurvey(
            locality_id=link.locality_id,
            system=system,
            observed_on=today,
            source="visit",
            state="validated",
            respondent_sex="F",
            household_size=5,
            water_source="piped_yard",
            water_on_premises=True,
            sufficient_last_month="yes",
            days_with_water_last_week=3,
            toilet="pit_slab",
            handwashing="fixed",
            handwashing_water=True,
            water_has_problem="no",
            satisfied="yes",
        )
        survey.save()
        return [survey]

    def sample_with_ecoli():
        sample = Sample(
            locality_id=system.locality_id,
            system=system,
            observed_on=today,
            source="visit",
            state="validated",
            sampling_point="tap",
            analysis="field_kit",
        )
        sample.save()
        result = Result.objects.create(
            sample=sample, parameter_text="E. coli", parameter=ecoli, outcome="detected"
        )
        judge.judge_result(result)
        return [sample]

    cases = {
        "SupplyDay de hoy": lambda: supply_day(today),
        "SupplyDay atrasado 1 año (12 meses)": lambda: supply_day(
            today.replace(year=today.year - 1)
        ),
        "semana de SupplyDay (7 registros)": week_of_supply,
        "HouseholdSurvey de hoy": household_survey,
        "Sample con E. coli (+ veredictos)": sample_with_ecoli,
    }
    before = {
        "sample": Sample.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "survey": HouseholdSurvey.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }
    figures = {}
    for label, make in cases.items():
        saves, refreshes, totals, written = [], [], [], 0
        for _ in range(runs):
            started = time.perf_counter()
            with transaction.atomic():
                observations = make()
            saved = time.perf_counter()
            with EngineClock() as clock:
                written = refresh_after(observations)
            done = time.perf_counter()
            saves.append(saved - started)
            refreshes.append(done - saved)
            totals.append(done - started)
        figures[label] = {
            "save": statistics.median(saves),
            "refresh": statistics.median(refreshes),
            "total": statistics.median(totals),
            "written": written,
        }
        print(
            f"  {label}: refresco {figures[label]['refresh'] * 1000:.0f} ms, total "
            f"{figures[label]['total'] * 1000:.0f} ms ({written:,} valores), mediana de {runs}"
        )
        clock.print_layers(refreshes[-1], indent="      última vez: ")
    # Leave the data set as built, so that --keep measures the same thing next time.
    SupplyDay.objects.filter(sector__startswith="bench-").delete()
    HouseholdSurvey.objects.filter(pk__gt=before["survey"]).delete()
    Sample.objects.filter(pk__gt=before["sample"]).delete()
    return figures


def measure_pages(runs: int) -> dict[str, dict] | str:
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from ojodeagua.places.models import Municipality, State

    busiest = (
        Municipality.objects.annotate(n=Count("systems"))
        .order_by("-n", "id")
        .values_list("id", flat=True)
        .first()
    )
    state_id = State.objects.values_list("id", flat=True).first()
    try:
        urls = {
            "resumen municipal": reverse("indicators:municipality_summary", args=[busiest]),
            "resumen estatal": reverse("indicators:state_summary", args=[state_id]),
            # The agency's desk of the busiest municipality (issue 18).
            "mesa de la agencia": reverse("desk:desk", args=[busiest]),
            "mapa": reverse("desk:map", args=[busiest]),
            "puntos del mapa": reverse("desk:map_data", args=[busiest]),
            "pesos de prioridad": reverse("desk:weights", args=[busiest]),
            "informe para el cabildo": reverse("desk:report", args=[busiest]),
        }
        # The public page of the locality most systems serve, its poster and its form (issue 19).
        from ojodeagua.places.models import Locality

        key = (
            Locality.objects.annotate(n=Count("served_by"))
            .order_by("-n", "id")
            .values_list("key", flat=True)
            .first()
        )
        urls["agua de la localidad (pública)"] = reverse("voice:locality", args=[key])
        urls["queja (pública)"] = reverse("voice:complain", args=[key])
        urls["cartel de la localidad"] = reverse("voice:locality_poster", args=[key])
        urls["cartel de la localidad, PDF"] = reverse("voice:locality_poster_pdf", args=[key])
        # "Why this number" of the state's figures that follow the most parts.
        from ojodeagua.indicators.models import IndicatorValue

        latest = IndicatorValue.objects.order_by("-period").values_list("period", flat=True)
        for code in ("jmp_water", "chlorine_compliance"):
            pk = (
                IndicatorValue.objects.filter(
                    entity="state", entity_id=state_id, indicator=code, period=latest[:1]
                )
                .values_list("pk", flat=True)
                .first()
            )
            if pk is not None:
                urls[f"cifra estatal {code}"] = reverse("indicators:value_detail", args=[pk])
    except NoReverseMatch as error:
        return f"las páginas de resumen todavía no existen ({error}); se omite esta parte"
    except Exception as error:  # a broken URLconf elsewhere should not lose the other figures
        return f"no se pudieron cargar las URL ({type(error).__name__}: {error}); se omite"
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    figures = {}
    for label, url in urls.items():
        warm = client.get(url)
        if warm.status_code != 200:
            figures[label] = {"error": f"{url} respondió {warm.status_code}"}
            print(f"  {label}: {url} respondió {warm.status_code}")
            continue
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        figures[label] = {"median": statistics.median(times), "max": max(times), "url": url}
        print(
            f"  {label} ({url}): mediana {figures[label]['median'] * 1000:.0f} ms, "
            f"máximo {max(times) * 1000:.0f} ms, {len(response.content) / 1024:.0f} KB "
            f"({len(gzip.compress(response.content)) / 1024:.0f} KB con gzip)"
        )
    return figures


def verdict(ok: bool) -> str:
    return "cumple" if ok else "NO cumple"


def main() -> int:
    args = parse_args()
    url = args.database_url
    reuse = args.keep and database_exists(url)
    if not reuse:
        recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    meta = load_meta() if reuse else None
    if reuse and meta is None:
        print("--keep: la base no tiene un conjunto de datos completo; se construye de nuevo.")
        from django.db import connections

        connections.close_all()
        recreate_database(url)
        reuse = False
    if not reuse:
        print(f"Construyendo el conjunto de datos (escala {args.scale}) en {url}", flush=True)
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        builder = Builder(args.scale)
        builder.build()
        build_seconds = time.perf_counter() - started
        meta = load_meta()
        meta["build_seconds"] = build_seconds
        print(f"  total de la construcción (con migrate): {build_seconds:.0f} s")
    else:
        print(f"Se reutiliza el conjunto de datos de {meta['built_on']} (escala {meta['scale']}).")
        # A set kept from older code lacks the tables added since; their migrations fill
        # them from the rows already there, as they do on a real install.
        call_command("migrate", verbosity=0, interactive=False)

    if args.refresh_only and reuse:
        print(f"\nUna observación nueva y refresh_after (mediana de {args.runs})")
        refresh = measure_refresh(args.runs)
        return 0 if all(found["refresh"] < TARGET_REFRESH for found in refresh.values()) else 1

    if args.pages_only and reuse:
        print(f"\nPáginas (servidor, cliente de pruebas, mediana de {args.runs})")
        pages = measure_pages(args.runs)
        if isinstance(pages, str):
            print(f"  {pages}")
            return 1
        return 0 if all(found.get("median", 1) < TARGET_PAGE for found in pages.values()) else 1

    print("\n1. Recálculo completo")
    recompute = measure_recompute(args.profile)
    floor = measure_floor()
    ratio = recompute["seconds"] / floor["seconds"] if floor["seconds"] else float("inf")
    print(
        f"  recompute_all() {recompute['seconds']:.1f} s junto al piso SQL "
        f"{floor['seconds']:.1f} s: {ratio:.1f} veces el piso (metas: < 60 s; "
        f"< {TARGET_FLOOR_RATIO:g} veces el piso)"
    )
    print(f"\n2. Una observación nueva y refresh_after (mediana de {args.runs})")
    refresh = measure_refresh(args.runs)
    print(f"\n3. Páginas (servidor, cliente de pruebas, mediana de {args.runs})")
    pages = measure_pages(args.runs)
    if isinstance(pages, str):
        print(f"  {pages}")

    sizes = meta["sizes"]
    print("\nConjunto de datos construido" + (" (REDUCIDO)" if meta["scale"] != 1 else ""))
    print(f"  escala {meta['scale']}, {meta['start']} a {meta['end']} ({YEARS} años)")
    order = [
        "municipalities",
        "localities",
        "providers",
        "systems",
        "served_localities",
        "supply_days",
        "system_visits",
        "samples",
        "results",
        "verdicts",
        "household_surveys",
    ]
    for name, count in sorted(sizes.items(), key=lambda item: order.index(item[0])):
        print(f"  {name:<20} {count:>12,}")
    for note in meta["notes"]:
        print(f"  {note}")
    judge = meta["judge"]
    print(
        f"  juez masivo: {judge['results']:,} resultados en {judge['seconds']:.1f} s "
        f"({judge['results'] / judge['seconds']:,.0f} por segundo, dos normas)"
    )
    if "build_seconds" in meta:
        print(f"  construcción: {meta['build_seconds']:.0f} s")

    print("\nResumen")
    print(f"  {'medida':<52} {'valor':>12}  {'meta':>9}  veredicto")
    ok = recompute["seconds"] < TARGET_RECOMPUTE
    print(
        f"  {'recompute_all() (' + format(recompute['written'], ',') + ' valores)':<52} "
        f"{recompute['seconds']:>10.1f} s  {'< 60 s':>9}  {verdict(ok)}"
    )
    all_ok = ok
    ok = ratio < TARGET_FLOOR_RATIO
    all_ok &= ok
    print(
        f"  {'recompute_all() / piso SQL (' + format(floor['seconds'], '.1f') + ' s)':<52} "
        f"{ratio:>10.1f} x  {'< ' + format(TARGET_FLOOR_RATIO, 'g') + ' x':>9}  {verdict(ok)}"
    )
    for label, found in refresh.items():
        ok = found["total"] < TARGET_REFRESH
        all_ok &= ok
        print(
            f"  {label + ': refresco / total':<52} "
            f"{found['refresh'] * 1000:>4.0f}/{found['total'] * 1000:>4.0f} ms  {'< 200 ms':>9}  "
            f"{verdict(ok)}"
        )
    if isinstance(pages, str):
        print(f"  {'páginas de resumen':<52} {'—':>12}  {'< 300 ms':>9}  sin medir")
        all_ok = False
    else:
        for label, found in pages.items():
            if "error" in found:
                print(f"  {label:<52} {'—':>12}  {'< 300 ms':>9}  {found['error']}")
                all_ok = False
                continue
            ok = found["median"] < TARGET_PAGE
            all_ok &= ok
            print(
                f"  {label:<52} {found['median'] * 1000:>9.0f} ms  {'< 300 ms':>9}  {verdict(ok)}"
            )
    if meta["scale"] != 1:
        print(f"  Aviso: escala {meta['scale']}; las metas se refieren a la escala 1.")
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
