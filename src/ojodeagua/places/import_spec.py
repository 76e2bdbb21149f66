"""The import spec of INEGI locality catalogues (AGEEML or ITER CSV): keyed by the 9-digit key.

The engine (``ojodeagua.imports.engine``) runs it: atomic, idempotent, ``strict`` and
``dry_run`` as for every import. What is particular to INEGI's files lives here: their column
names, the total rows ITER carries, states and municipalities created or renamed on the way, and
one audit event per municipality.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent
from ojodeagua.imports.columns import Column, RowError, Text, refuse_null_character
from ojodeagua.imports.engine import ImportJob, ImportResult, ImportSpec
from ojodeagua.lib.coordinates import CoordinateError, parse_coordinate
from ojodeagua.lib.tabular import CsvTable, ReadLimits, TabularFileError, read_csv

from .models import RURAL_POPULATION_LIMIT, Locality, Municipality, State

# Our field → the column names INEGI uses for it, in order of preference.
COLUMNS: dict[str, tuple[str, ...]] = {
    "cvegeo": ("CVEGEO",),
    "state_key": ("CVE_ENT", "ENTIDAD", "ENT"),
    "state_name": ("NOM_ENT", "NOMBRE_ENTIDAD"),
    "municipality_key": ("CVE_MUN", "MUN"),
    "municipality_name": ("NOM_MUN", "NOMBRE_MUNICIPIO"),
    "locality_key": ("CVE_LOC", "LOC"),
    "name": ("NOM_LOC", "NOMBRE_LOCALIDAD"),
    "area": ("AMBITO",),
    "latitude": ("LAT_DECIMAL", "LATITUD"),
    "longitude": ("LON_DECIMAL", "LONGITUD"),
    "altitude": ("ALTITUD",),
    "population": ("POB_TOTAL", "POBTOT"),
    "dwellings": ("VIVTOT", "TOTAL_DE_VIVIENDAS", "VIV_TOT"),
    "inhabited_dwellings": ("TVIVHAB", "TOTAL_DE_VIVIENDAS_HABITADAS", "VIVPAR_HAB"),
    "period": ("PERIODO",),
}
# ITER carries total rows: state (MUN 000), municipality (LOC 0000) and the grouped
# one- and two-dwelling localities (LOC 9998, 9999). They are not places.
TOTAL_LOCALITY_KEYS = {"0000", "9998", "9999"}
LOCALITY_FIELDS = (
    "name",
    "area",
    "population",
    "dwellings",
    "inhabited_dwellings",
    "latitude",
    "longitude",
    "altitude",
    "catalogue_version",
)
PROGRESS_EVERY = 2000


@dataclass
class LocalityImportResult(ImportResult):
    skipped_totals: int = 0


@dataclass
class _Row:
    line: int
    state_key: str
    state_name: str
    municipality_key: str
    municipality_name: str
    key: str
    values: dict


def _pad_key(raw: str, width: int, label: str) -> str:
    text = raw.strip().strip("'")
    if not text:
        raise RowError(_("falta la clave de %(label)s") % {"label": label})
    if not text.isdigit() or len(text) > width:
        raise RowError(
            _("la clave de %(label)s «%(raw)s» debe tener hasta %(width)s dígitos")
            % {"label": label, "raw": raw, "width": width}
        )
    return text.zfill(width)


def _count(raw: str, label: str) -> int | None:
    text = raw.strip().replace(",", "").replace(" ", "")
    if text in {"", "*", "N/D", "ND", "-"}:
        return None
    if not text.lstrip("-").isdigit():
        raise RowError(
            _("%(label)s «%(raw)s» no es un número entero") % {"label": label, "raw": raw}
        )
    value = int(text)
    if value < 0:
        raise RowError(
            _("%(label)s no puede ser menor que cero (%(value)s)")
            % {"label": label, "value": value}
        )
    return value


def _area(raw: str, population: int | None) -> str:
    text = raw.strip().upper()
    if text in {"U", "URBANA", "URBANO"}:
        return Locality.Area.URBAN
    if text in {"R", "RURAL"}:
        return Locality.Area.RURAL
    if text:
        raise RowError(_("el ámbito «%(raw)s» debe ser U (urbana) o R (rural)") % {"raw": raw})
    if population is None:
        return ""
    return Locality.Area.RURAL if population < RURAL_POPULATION_LIMIT else Locality.Area.URBAN


# Text columns that fill a name or a label: a longer cell is rejected, never cut.
MAX_LENGTHS = {
    "state_name": State._meta.get_field("name").max_length,
    "municipality_name": Municipality._meta.get_field("name").max_length,
    "name": Locality._meta.get_field("name").max_length,
    "period": Locality._meta.get_field("catalogue_version").max_length,
}
CATALOGUE_VERSION_MAX_LENGTH = MAX_LENGTHS["period"]


def _column(field: str) -> Column:
    return Column(field, Text(MAX_LENGTHS.get(field)), field=field, aliases=COLUMNS[field])


COLUMN_BY_FIELD = {field: _column(field) for field in COLUMNS}


class LocalitySpec(ImportSpec):
    """An INEGI catalogue: CSV only, read by INEGI's column names; see the module's docstring."""

    kind = "localities"
    result_class = LocalityImportResult
    columns = list(COLUMN_BY_FIELD.values())

    def __init__(
        self,
        *,
        catalogue_version: str = "",
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        # Without a version, each row's PERIODO column, or else the file's name, gives it.
        self.catalogue_version = catalogue_version
        self.progress = progress or (lambda done, total: None)

    # The engine's hooks ------------------------------------------------------------------------
    def open(self, data: bytes, filename: str, limits: ReadLimits) -> CsvTable:  # type: ignore[override]
        if len(self.catalogue_version) > CATALOGUE_VERSION_MAX_LENGTH:
            raise TabularFileError(
                _(
                    "La versión del catálogo tiene %(length)s caracteres y el máximo es "
                    "%(max)s; escriba una más corta, como «ITER 2020»."
                )
                % {
                    "length": len(self.catalogue_version),
                    "max": CATALOGUE_VERSION_MAX_LENGTH,
                }
            )
        return read_csv(data, limits)

    def check_columns(self, present: set[str]) -> None:
        has_keys = {"state_key", "municipality_key", "locality_key"} <= present
        missing = []
        if not has_keys and "cvegeo" not in present:
            missing.append(_("CVE_ENT, CVE_MUN y CVE_LOC (o CVEGEO)"))
        if "name" not in present:
            missing.append("NOM_LOC")
        if missing:
            raise TabularFileError(
                _(
                    "Al archivo le faltan columnas: %(missing)s. Revise que la primera fila "
                    "tenga los encabezados del catálogo de INEGI."
                )
                % {"missing": "; ".join(missing)}
            )

    def parse(self, table: CsvTable, job: ImportJob) -> list["_Row"]:  # type: ignore[override]
        # Only when neither --catalogue-version nor PERIODO says it: the file's name, as a label.
        default_version = Path(job.filename).stem[:CATALOGUE_VERSION_MAX_LENGTH]
        return self._parse(table, _resolved(job), job.result, default_version)

    def plan(self, rows: list["_Row"], job: ImportJob) -> "LocalityImport":
        return LocalityImport(rows, self._fields_in_file(_resolved(job)), job)

    def write(self, plan: "LocalityImport", job: ImportJob) -> list[models.Model]:
        return plan.write()

    # Reading -----------------------------------------------------------------------------------
    @staticmethod
    def _fields_in_file(resolved: dict[str, str]) -> tuple[str, ...]:
        """Locality fields this file carries; the others are left as they are stored."""
        present = {"name", "catalogue_version"}
        for name in ("population", "dwellings", "inhabited_dwellings", "altitude"):
            if name in resolved:
                present.add(name)
        if "latitude" in resolved or "longitude" in resolved:
            present |= {"latitude", "longitude"}
        if "area" in resolved or "population" in resolved:
            present.add("area")  # without AMBITO it is derived from the population
        return tuple(name for name in LOCALITY_FIELDS if name in present)

    def _parse(
        self,
        table: CsvTable,
        columns: dict[str, str],
        result: LocalityImportResult,
        default_version: str,
    ) -> list[_Row]:
        seen: dict[str, int] = {}
        rows: list[_Row] = []
        for line, raw in table.rows():
            result.rows += 1
            if result.rows % PROGRESS_EVERY == 0:
                self.progress(result.rows, table.row_count)
            try:
                row = self._parse_row(line, raw, columns, default_version)
            except RowError as error:
                result.rejected.append((line, str(error)))
                continue
            if row is None:
                result.skipped_totals += 1
                continue
            if row.key in seen:
                result.rejected.append(
                    (
                        line,
                        _("la localidad %(key)s ya apareció en la línea %(line)s")
                        % {"key": row.key, "line": seen[row.key]},
                    )
                )
                continue
            seen[row.key] = line
            rows.append(row)
        self.progress(result.rows, result.rows)
        return rows

    def _parse_row(
        self, line: int, raw: dict[str, str], columns: dict[str, str], default_version: str
    ) -> _Row | None:
        def cell(name: str) -> str:
            """The cell's text, checked as every import checks text (no NUL, not too long)."""
            column = columns.get(name)
            if not column:
                return ""
            text = raw.get(column, "").strip()
            refuse_null_character(text, column)
            return COLUMN_BY_FIELD[name].parser.parse(text, column)

        if "state_key" in columns and "municipality_key" in columns and "locality_key" in columns:
            state_key = _pad_key(cell("state_key"), 2, _("estado (CVE_ENT)"))
            municipality_code = _pad_key(cell("municipality_key"), 3, _("municipio (CVE_MUN)"))
            locality_code = _pad_key(cell("locality_key"), 4, _("localidad (CVE_LOC)"))
        else:
            cvegeo = _pad_key(cell("cvegeo"), 9, _("localidad (CVEGEO)"))
            state_key, municipality_code, locality_code = cvegeo[:2], cvegeo[2:5], cvegeo[5:]
        if municipality_code == "000" or locality_code in TOTAL_LOCALITY_KEYS:
            return None
        name = cell("name")
        if not name:
            raise RowError(_("falta el nombre de la localidad (NOM_LOC)"))
        population = _count(cell("population"), _("la población"))
        try:
            latitude = self._coordinate(raw, columns, "latitude", "LATITUD", "lat")
            longitude = self._coordinate(raw, columns, "longitude", "LONGITUD", "lon")
        except CoordinateError as error:
            raise RowError(str(error)) from error
        if (latitude is None) != (longitude is None):
            raise RowError(_("tiene latitud o longitud, pero no las dos"))
        altitude = _count(cell("altitude"), _("la altitud"))
        return _Row(
            line=line,
            state_key=state_key,
            state_name=cell("state_name"),
            municipality_key=state_key + municipality_code,
            municipality_name=cell("municipality_name"),
            key=state_key + municipality_code + locality_code,
            values={
                "name": name,
                "area": _area(cell("area"), population),
                "population": population,
                "dwellings": _count(cell("dwellings"), _("el número de viviendas")),
                "inhabited_dwellings": _count(
                    cell("inhabited_dwellings"), _("el número de viviendas habitadas")
                ),
                "latitude": latitude,
                "longitude": longitude,
                "altitude": altitude,
                "catalogue_version": self.catalogue_version or cell("period") or default_version,
            },
        )

    @staticmethod
    def _coordinate(raw, columns, name: str, fallback: str, axis: str) -> Decimal | None:
        value = raw.get(columns[name], "") if name in columns else ""
        if not value.strip() and columns.get(name) != fallback:
            value = raw.get(fallback, "")
        return parse_coordinate(value, axis=axis)


def _resolved(job: ImportJob) -> dict[str, str]:
    """Our field → the file's column that fills it."""
    return {column.name: name for name, column in job.columns.items()}


class LocalityImport:
    """One run's plan: the localities of the file, and how to upsert them with their places."""

    def __init__(self, rows: list[_Row], fields_in_file: tuple[str, ...], job: ImportJob) -> None:
        self.rows, self.fields_in_file, self.job = rows, fields_in_file, job
        self.actor = job.user
        self.result: LocalityImportResult = job.result  # type: ignore[assignment]

    def write(self) -> list[models.Model]:
        """Upsert states, municipalities and localities; a dry run only counts what it would do."""
        if self.job.dry_run:
            self._classify(self.rows, self.result)
            return []
        return self._write(self.rows, self.result)

    # Writing ---------------------------------------------------------------------------------
    def _existing(self, rows: list[_Row]) -> dict[str, tuple]:
        state_keys = {row.state_key for row in rows}
        queryset = Locality.objects.filter(municipality__state__key__in=state_keys)
        return {
            key: values
            for key, *values in queryset.values_list("key", *self.fields_in_file).iterator(
                chunk_size=5000
            )
        }

    def _classify(self, rows: list[_Row], result: LocalityImportResult) -> list[tuple[_Row, dict]]:
        """Rows to write, each with what changed: {} for a new locality."""
        existing = self._existing(rows)
        changed = []
        for row in rows:
            before = existing.get(row.key)
            after = [row.values[name] for name in self.fields_in_file]
            if before is None:
                result.created += 1
                changed.append((row, {}))
            elif list(before) != after:
                result.updated += 1
                changes = {
                    name: [trail.plain(old), trail.plain(new)]
                    for name, old, new in zip(self.fields_in_file, before, after, strict=True)
                    if old != new
                }
                changed.append((row, changes))
            else:
                result.unchanged += 1
        return changed

    def _write(self, rows: list[_Row], result: LocalityImportResult) -> list[models.Model]:
        municipalities = self._upsert_places(rows)
        changed = self._classify(rows, result)
        now = timezone.now()
        objects = [
            Locality(
                key=row.key,
                municipality_id=municipalities[row.municipality_key].pk,
                updated_at=now,
                **row.values,
            )
            for row, _changes in changed
        ]
        Locality.objects.bulk_create(
            objects,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["municipality", *self.fields_in_file, "updated_at"],
        )
        self.record_audit(changed, municipalities)
        return objects

    def _upsert_places(self, rows: list[_Row]) -> dict[str, Municipality]:
        states = {state.key: state for state in State.objects.all()}
        for row in rows:
            state = states.get(row.state_key)
            if state is None:
                state = State.objects.create(
                    key=row.state_key, name=row.state_name or f"Estado {row.state_key}"
                )
                states[state.key] = state
            elif row.state_name and state.name != row.state_name:
                self._rename(state, row.state_name, scope=(None, None))
        municipalities = {
            m.key: m for m in Municipality.objects.filter(state__key__in=states.keys())
        }
        for row in rows:
            municipality = municipalities.get(row.municipality_key)
            name = row.municipality_name
            if municipality is None:
                municipality = Municipality.objects.create(
                    state=states[row.state_key],
                    key=row.municipality_key,
                    name=name or f"Municipio {row.municipality_key}",
                )
                municipalities[municipality.key] = municipality
            elif name and municipality.name != name:
                self._rename(municipality, name, scope=(municipality.pk, None))
        return municipalities

    def _rename(self, place, name: str, *, scope) -> None:
        trail.record(
            self.actor, AuditEvent.Action.UPDATE, place, {"name": [place.name, name]}, scope=scope
        )
        place.name = name
        place.save(update_fields=["name"])

    def record_audit(
        self, changed: list[tuple[_Row, dict]], municipalities: dict[str, Municipality]
    ) -> None:
        """One audit event per municipality touched, with every old value that was replaced."""
        per_municipality: dict[str, dict] = {}
        for row, changes in changed:
            entry = per_municipality.setdefault(
                row.municipality_key,
                {"catálogo": row.values["catalogue_version"], "creadas": [], "actualizadas": {}},
            )
            if changes:
                entry["actualizadas"][row.key] = changes
            else:
                entry["creadas"].append(row.key)
        for key, entry in sorted(per_municipality.items()):
            municipality = municipalities[key]
            trail.record(
                self.actor,
                AuditEvent.Action.IMPORT,
                municipality,
                entry,
                scope=(municipality.pk, None),
            )
