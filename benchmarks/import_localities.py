"""Benchmark: import a synthetic INEGI catalogue the size of Chiapas (21,157 localities).

Run with `make bench` (or `.venv/bin/python benchmarks/import_localities.py`). It builds a
Latin-1 AGEEML-style CSV with DMS coordinates and quoted names, migrates a fresh SQLite
database in a temporary directory, and times `ojodeagua import-localities` on it: the first
import (all created), a re-import of the same file (all unchanged), and a file whose populations
all changed (all updated, each old value kept in the audit trail). Target: under 10 s each.

Exit status 0 when every run met the target, 1 when one missed it, 2 when an import failed.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOCALITIES = 21_157
MUNICIPALITIES = 124
TARGET_SECONDS = 10.0
HEADER = (
    "CVEGEO,CVE_ENT,NOM_ENT,CVE_MUN,NOM_MUN,CVE_LOC,NOM_LOC,AMBITO,LATITUD,LONGITUD,ALTITUD,"
    "POB_TOTAL,TOTAL DE VIVIENDAS HABITADAS\n"
)


def dms(value: float, positive: str, negative: str) -> str:
    hemisphere = positive if value >= 0 else negative
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return f'{degrees}°{minutes:02d}\'{seconds:06.3f}"" {hemisphere}'


def write_catalogue(path: Path, census_seed: int = 2020, localities: int = LOCALITIES) -> None:
    rng = random.Random(21157)
    census = random.Random(census_seed)
    per_municipality, extra = divmod(localities, MUNICIPALITIES)
    lines = [HEADER]
    for municipality in range(1, MUNICIPALITIES + 1):
        count = per_municipality + (1 if municipality <= extra else 0)
        mun = f"{municipality:03d}"
        mun_name = f"Municipio {municipality}, Chiapas"
        for index in range(1, count + 1):
            loc = f"{index:04d}"
            population = census.randint(1, 3000)
            lat = dms(rng.uniform(14.5, 17.9), "N", "S")
            lon = dms(-rng.uniform(90.4, 94.1), "E", "W")
            name = f"Ejido Piñal {index}, Sección Ñ" if index % 3 else f"El Limón {index}"
            lines.append(
                f'07{mun}{loc},07,Chiapas,{mun},"{mun_name}",{loc},"{name}",'
                f'{"U" if population >= 2500 else "R"},"{lat}","{lon}",{rng.randint(0, 2900)},'
                f"{population},{population // 4}\n"
            )
    path.write_bytes("".join(lines).encode("latin-1"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--localities", type=int, default=LOCALITIES, help="localities in the catalogue"
    )
    localities = parser.parse_args().localities
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        catalogue = tmp_path / "chiapas.csv"
        write_catalogue(catalogue, localities=localities)
        env = {**os.environ, "DEBUG": "1", "OJODEAGUA_VAR_DIR": str(tmp_path / "var")}
        env.pop("DATABASE_URL", None)
        command = [sys.executable, "-m", "ojodeagua"]
        subprocess.run([*command, "migrate", "-v", "0"], env=env, check=True)
        size_mb = catalogue.stat().st_size / 1e6
        print(f"Catálogo sintético: {localities:,} localidades, {size_mb:.1f} MB en Latin-1")
        updated = tmp_path / "chiapas-nuevo-censo.csv"
        write_catalogue(updated, census_seed=2025, localities=localities)
        results = []
        runs = [
            ("primera importación", catalogue),
            ("reimportación (sin cambios)", catalogue),
            ("nuevo censo (cambia la población de casi todas)", updated),
        ]
        for label, path in runs:
            started = time.perf_counter()
            done = subprocess.run(
                [*command, "import-localities", str(path), "--catalogue-version", "bench"],
                env=env,
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                print(done.stdout, done.stderr)
                return 2  # the import failed: not a missed target (1)
            summary = done.stdout.strip().splitlines()[1]
            print(f"{label}: {elapsed:.2f} s — {summary}")
            results.append(elapsed)
        verdict = "cumple" if max(results) < TARGET_SECONDS else "NO cumple"
        print(f"Meta: menos de {TARGET_SECONDS:.0f} s en SQLite — {verdict}")
        return 0 if max(results) < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
