"""The importer engine: one way to run every kind of import, with public hooks for the specs.

A spec (``ImportSpec``) says what one kind of file holds and how its rows become records; the
specs live in their domain apps (``places/import_spec.py``, ``monitoring/import_spec.py``,
``waterquality/import_spec.py``, ``books/import_spec.py``). The engine does what is the same for
all of them, so that the policy is written once:

- a file that cannot be read, that is bigger than ``limits`` allow (rows, columns, megabytes,
  seconds: ``ReadLimits``), or that lacks a required column, writes nothing
  (``TabularFileError``);
- rows that cannot be read are rejected with their line number and a reason in Spanish, and the
  accepted rows are written, all in one transaction (``strict`` writes nothing if any row is
  rejected; ``dry_run`` does all the work and then rolls it back);
- records are matched by a key the spec chooses, so importing the same file twice creates nothing
  the second time, and a changed row updates its record (audited before → after).

The run, hook by hook (``ImportJob.run``)::

    spec.open(data, filename, limits)   -> Table        read the file (default: CSV or XLSX)
    spec.columns_for(header)            -> [Column]     the columns it may have
    spec.check_columns(present)                         refuse a file missing what it needs
    spec.parse(table, job)              -> rows         default: each cell by its Column, then
                                                        references looked up in bulk
    spec.plan(rows, job)                -> plan         match rows to stored records, decide what
                                                        changes, reject rows (job.reject)
    -- stops here when strict and a row was rejected --
    spec.write(plan, job)               -> [changed]    inside the transaction
    spec.after_write(changed, job)                      inside it too (verdicts, indicators)
    -- rolled back when dry_run --
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.audit.models import AuditEvent
from ojodeagua.lib.tabular import ReadLimits, TabularFileError

from .columns import Column, Reference, RowError
from .reading import Table, read_table

BATCH_SIZE = 500
# How often (in rows) reading the cells reports its progress.
PROGRESS_EVERY = 250

# (rows done, rows in all, what is being done): a job's progress bar (``jobs.progress``).
Progress = Callable[[int, int, str], object]


@dataclass
class ParsedRow:
    """One accepted row: its line in the file and its parsed values."""

    line: int
    values: dict[str, Any]  # column name → parsed value (present, filled columns only)
    present: set[str]  # columns the file has


@dataclass
class ImportResult:
    """What an import did (or, on a dry run, would do); specs may subclass it for their counts."""

    kind: str = ""
    encoding: str = ""
    rows: int = 0
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    changed: list[models.Model] = field(default_factory=list)


class ImportSpec:
    """One kind of import file. Subclass it and override the hooks your kind needs.

    ``plan`` and ``write`` are required; the others have defaults that suit a file read column
    by column. A spec object may be shared between runs: keep what belongs to one run in the
    plan (or on ``job``), not on the spec.
    """

    kind: str = ""
    label: Any = ""
    description: Any = ""
    columns: Sequence[Column] = ()
    # At least one column of each group must be present and filled (school_id or school_key).
    required_any: Sequence[tuple[str, ...]] = ()
    result_class: type[ImportResult] = ImportResult
    # When set, a unique constraint that fails while writing (someone saved the same key while
    # the file was being read) refuses the whole file with this message instead of an error page.
    write_conflict_message: Any = ""

    def open(self, data: bytes, filename: str, limits: ReadLimits) -> Table:
        """The file as a table of normalised column names and numbered rows, within ``limits``."""
        return read_table(data, filename, limits)

    def columns_for(self, header: Sequence[str] = ()) -> list[Column]:
        """The columns a file may have; ``header`` is the file's (empty for the documentation)."""
        return list(self.columns)

    def check_columns(self, present: set[str]) -> None:
        """Raise TabularFileError if the file lacks a column this kind needs beyond ``required``."""

    def parse(self, table: Table, job: "ImportJob") -> list[Any]:
        """The rows that can be read, each as a ParsedRow; the others rejected on ``job``."""
        rows = job.parse_cells(table)
        return job.resolve_references(rows)

    def plan(self, rows: list[Any], job: "ImportJob") -> Any:
        """Decide what each row creates, changes or leaves alone; count it on ``job.result``."""
        raise NotImplementedError

    def write(self, plan: Any, job: "ImportJob") -> list[models.Model]:
        """Write the plan (inside the engine's transaction); return the records that changed."""
        raise NotImplementedError

    def after_write(self, changed: list[models.Model], job: "ImportJob") -> None:
        """What follows from the written records, in the same transaction."""


class ImportJob:
    """One run of a spec over one file, for one user (or the system, when ``user`` is None).

    ``limits`` bound the file (``ReadLimits``); by default the upload pages' own.
    """

    def __init__(
        self,
        spec: ImportSpec,
        *,
        user=None,
        strict: bool = False,
        dry_run: bool = False,
        limits: ReadLimits | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.spec, self.user, self.strict, self.dry_run = spec, user, strict, dry_run
        self.limits = limits or ReadLimits.for_pages()
        self.progress = progress
        self.now = timezone.now()
        self.result = spec.result_class(kind=spec.kind, dry_run=dry_run)
        self.filename = ""
        # Observations: a record given no state is validated where the user may validate
        # there, and left pending elsewhere (a phone's form has no state question).
        self.validate_where_allowed = False
        # Observations: the way the new records came in ("import"; "phone" for ODK Collect).
        self.channel = "import"
        self.columns: dict[str, Column] = {}
        self._content_types: dict[type, ContentType] = {}

    def run(self, data: bytes, filename: str = "") -> ImportResult:
        self.filename = filename
        return self.run_table(self.spec.open(data, filename, self.limits))

    def run_table(self, table: Table) -> ImportResult:
        """Run over a table already read: a file's, or a phone's submission as rows."""
        spec, result = self.spec, self.result
        result.encoding = table.encoding
        self.columns = self.resolve_columns(table)
        total = row_count(table)
        self.report(0, total, _("Revisando las filas"))
        rows = spec.parse(table, self)
        plan = spec.plan(rows, self)
        result.rejected.sort()
        if result.rejected and self.strict:
            self.report(total, total, _("Filas revisadas"))
            return result
        self.report(total, total, _("Guardando las filas aceptadas"))
        try:
            with transaction.atomic():
                changed = spec.write(plan, self)
                spec.after_write(changed, self)
                if self.dry_run:
                    transaction.set_rollback(True)
        except IntegrityError as error:
            if not spec.write_conflict_message:
                raise
            raise TabularFileError(str(spec.write_conflict_message)) from error
        result.changed = [] if self.dry_run else changed
        result.written = not self.dry_run
        return result

    def report(self, done: int, total: int, label: str) -> None:
        if self.progress is not None:
            self.progress(done, total, label)

    def reject(self, line: int, reason: str) -> None:
        self.result.rejected.append((line, reason))

    # Columns -----------------------------------------------------------------------------------
    def resolve_columns(self, table: Table) -> dict[str, Column]:
        """File column name → Column; raises TabularFileError when a required one is missing."""
        spec = self.spec
        header = table.columns
        by_name: dict[str, Column] = {}
        for column in spec.columns_for(header):
            for name in (column.name, *column.aliases):
                if name in header and column.name not in {c.name for c in by_name.values()}:
                    by_name[name] = column
        present = {column.name for column in by_name.values()}
        missing = [c.name for c in spec.columns_for(header) if c.required and c.name not in present]
        for group in spec.required_any:
            if not present.intersection(group):
                missing.append(_(" o ").join(group))
        if missing:
            raise TabularFileError(
                _(
                    "Al archivo le faltan columnas: %(missing)s. La primera fila debe tener los "
                    "nombres de las columnas; vea la lista de columnas de «%(kind)s»."
                )
                % {"missing": ", ".join(missing), "kind": spec.label}
            )
        self.result.ignored_columns = [name for name in header if name not in by_name]
        spec.check_columns(present)
        return by_name

    # Reading rows ------------------------------------------------------------------------------
    def parse_cells(self, table: Table) -> list[ParsedRow]:
        """Each row's filled cells read by their Column; a row with a bad cell is rejected."""
        columns, result = self.columns, self.result
        present = {column.name for column in columns.values()}
        parsed = []
        total = row_count(table)
        for line, raw in table.rows:
            result.rows += 1
            if result.rows % PROGRESS_EVERY == 0:
                self.report(result.rows, total, _("Revisando las filas"))
            values: dict[str, Any] = {}
            errors = []
            for name, column in columns.items():
                text = raw.get(name, "")
                if text == "":
                    if column.required:
                        errors.append(
                            _("la columna %(column)s está vacía y es obligatoria")
                            % {"column": column.name}
                        )
                    continue
                try:
                    values[column.name] = column.parse(text)
                except RowError as error:
                    errors.append(str(error))
            for group in self.spec.required_any:
                if not any(name in values for name in group):
                    errors.append(
                        _("llene la columna %(columns)s") % {"columns": _(" o ").join(group)}
                    )
            if errors:
                self.reject(line, "; ".join(errors))
                continue
            parsed.append(ParsedRow(line=line, values=values, present=present))
        return parsed

    def resolve_references(self, rows: list[ParsedRow]) -> list[ParsedRow]:
        """Replace each Reference cell's key by the record it names, looked up in bulk."""
        references = {
            column.name: column
            for column in self.columns.values()
            if isinstance(column.parser, Reference)
        }
        found = {
            name: column.parser.resolve(  # type: ignore[union-attr]
                {row.values[name] for row in rows if name in row.values}
            )
            for name, column in references.items()
        }
        kept = []
        for row in rows:
            errors = []
            targets: dict[str, models.Model] = {}
            for name, column in references.items():
                if name not in row.values:
                    continue
                key = row.values[name]
                matches = found[name].get(key, [])
                parser: Reference = column.parser  # type: ignore[assignment]
                if not matches:
                    errors.append(parser.not_found(name, key))
                elif len(matches) > 1:
                    errors.append(
                        _(
                            "hay %(count)s registros de %(label)s con %(column)s «%(key)s»; "
                            "use su número de identificación"
                        )
                        % {"count": len(matches), "label": parser.label, "column": name, "key": key}
                    )
                elif column.field in targets and targets[column.field].pk != matches[0].pk:
                    errors.append(
                        _("las columnas de %(label)s no coinciden entre sí; deje solo una")
                        % {"label": parser.label}
                    )
                else:
                    targets[column.field] = matches[0]  # type: ignore[index]
                    row.values[name] = matches[0]
            if errors:
                self.reject(row.line, "; ".join(errors))
                continue
            kept.append(row)
        return kept

    # Helpers for the specs ---------------------------------------------------------------------
    def row_error(self, error: ValidationError) -> RowError:
        """A model's ValidationError as a row error that names the file's columns."""
        return RowError(validation_message(error, self.spec.columns_for()))

    def event(
        self,
        action: str,
        instance: models.Model,
        changes: dict,
        *,
        scope: tuple[int | None, int | None],
    ) -> AuditEvent:
        """An unsaved audit event by this run's user; ``scope`` is (municipality, provider)."""
        municipality_id, provider_id = scope
        content_type = self._content_types.get(type(instance))
        if content_type is None:
            content_type = ContentType.objects.get_for_model(type(instance))
            self._content_types[type(instance)] = content_type
        actor = self.user if self.user is not None and self.user.is_authenticated else None
        return AuditEvent(
            actor=actor,
            actor_label=getattr(self.user, "username", None) or "sistema",
            action=action,
            content_type=content_type,
            object_id=str(instance.pk),
            object_repr=str(instance)[:300],
            changes=changes,
            municipality_id=municipality_id,
            provider_id=provider_id,
        )

    @staticmethod
    def save_events(events: list[AuditEvent]) -> None:
        AuditEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)


def run_import(
    spec: ImportSpec,
    data: bytes,
    *,
    filename: str = "",
    user=None,
    strict: bool = False,
    dry_run: bool = False,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Run ``spec`` over a file's bytes; raises TabularFileError when the file cannot be read.

    The pages leave ``limits`` to their default; the commands, off the request path, pass
    ``ReadLimits.for_commands()``. ``progress`` is told the rows read as the file is checked.
    """
    job = ImportJob(
        spec, user=user, strict=strict, dry_run=dry_run, limits=limits, progress=progress
    )
    return job.run(data, filename)


def row_count(table: Any) -> int:
    """The data rows of a file read whole; 0 for one read row by row (the INEGI catalogue)."""
    rows = getattr(table, "rows", None)
    return len(rows) if isinstance(rows, list) else 0


def describe_columns(spec: ImportSpec) -> list[dict[str, Any]]:
    """The columns of a kind, for the upload page and the documentation."""
    described = []
    for column in spec.columns_for():
        described.append(
            {
                "name": column.name,
                "type": str(column.parser.type_label),
                "required": column.required,
                "description": column.description,
                "codes": column.parser.codes(),
            }
        )
    return described


def validation_message(error: ValidationError, columns: Iterable[Column]) -> str:
    """A model's ValidationError in one line, each field named by its column in the file."""
    names = {column.field: column.name for column in columns}
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for field_name, errors in error.message_dict.items():
        label = names.get(field_name, field_name)
        parts.append(f"{label}: {' '.join(errors)}")
    return "; ".join(parts)


def field_name(model: type[models.Model], attname: str) -> str:
    """The field whose column is ``attname`` ("system_id" → "system")."""
    for model_field in model._meta.concrete_fields:
        if model_field.attname == attname:
            return model_field.name
    raise LookupError(attname)


def detached_copy(instance: models.Model) -> models.Model:
    """A copy with the same field values and cached related objects, to compare a row against.

    Changing the copy leaves the stored object as it was, so a row rejected later changes nothing.
    """
    clone = type(instance)()
    clone.__dict__.update(instance.__dict__)
    clone._state = type(instance._state)()
    clone._state.adding = False
    clone._state.db = instance._state.db
    clone._state.fields_cache = dict(instance._state.fields_cache)
    return clone
