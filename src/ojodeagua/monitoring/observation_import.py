"""How any observation is imported: matched by its record_id, scoped, validated and audited.

``ObservationSpec`` is the engine's spec (``ojodeagua.imports.engine``) for every kind of
observation; each kind (``monitoring/import_spec.py``, ``waterquality/import_spec.py``) gives its
columns, the rows that belong to a record (``ChildSpec``) and its own rules as data.

The rules, the same as on the pages:
- records are matched by the client-supplied ``record_id``, so importing the same file twice
  creates nothing the second time, and a changed row updates its record (audited before → after);
- with a user, each row's place, and the stored record a ``record_id`` points to, must be in the
  user's edit area; validated rows need someone who may validate there. A place outside it is
  refused in the words of a key that does not exist ("no existe … o no está en su área"), and
  a record_id taken outside it as unusable, without saying whether or where it exists;
- after writing, each kind's own follow-up runs (a sample's verdicts), then the indicators of the
  places touched are refreshed.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent
from ojodeagua.imports.columns import (
    EMPTY,
    QUERY_CHUNK,
    Column,
    Date,
    Reference,
    RowError,
    empty_value,
    field_column,
)
from ojodeagua.imports.engine import (
    BATCH_SIZE,
    ImportJob,
    ImportResult,
    ImportSpec,
    ParsedRow,
    detached_copy,
    field_name,
)
from ojodeagua.lib import refresh as figures
from ojodeagua.organisations.scope import scope_for

from . import workflow
from .observation import EARLIEST_OBSERVED_ON, Observation


def observation_columns(
    model: type[models.Model], *, source_required: bool = False
) -> list[Column]:
    """The columns every observation has: its id, date, source, state and notes."""
    return [
        field_column(
            model,
            "record_id",
            required=True,
            aliases=("instanceid", "_uuid", "uuid"),
            description=gettext_lazy(
                "identificador único del registro (lo pone el teléfono; en una hoja de cálculo, "
                "invente uno por registro y nunca lo cambie)"
            ),
        ),
        field_column(
            model, "observed_on", parser=Date(earliest=EARLIEST_OBSERVED_ON), required=True
        ),
        field_column(
            model,
            "source",
            required=source_required,
            aliases_for={"operador": "self_report", "comite": "self_report", "lab": "laboratory"},
        ),
        field_column(
            model,
            "state",
            required=False,
            empty=None,
            aliases_for={"pendiente": "submitted", "validada": "validated", "enviado": "submitted"},
            description=gettext_lazy(
                "estado; por omisión «pendiente de validar». Solo coordinadores y "
                "facilitadores pueden importar registros validados"
            ),
        ),
        field_column(model, "notes"),
    ]


class ChildSpec:
    """Rows that belong to a record (a visit's component checks, a sample's results)."""

    model: type[models.Model]
    parent_field: str
    # Fields compared and updated on re-import (attnames).
    fields: tuple[str, ...] = ()

    def columns(self, header: Sequence[str]) -> list[Column]:
        return []

    def prepare(self, parents: list[models.Model], rows: list["ParsedRow"]) -> None:
        """Load in bulk what ``build`` needs."""

    def build(self, parent: models.Model, row: "ParsedRow") -> list[models.Model]:
        return []

    def key(self, child: models.Model) -> Any:
        raise NotImplementedError

    def existing(self, parent_ids: list[int]) -> dict[int, dict[Any, models.Model]]:
        found: dict[int, dict[Any, models.Model]] = {}
        attname = f"{self.parent_field}_id"
        for start in range(0, len(parent_ids), QUERY_CHUNK):
            chunk = parent_ids[start : start + QUERY_CHUNK]
            for child in self.model._default_manager.filter(**{f"{attname}__in": chunk}):
                found.setdefault(getattr(child, attname), {})[self.key(child)] = child
        return found


@dataclass(eq=False, kw_only=True)
class ObservationSpec(ImportSpec):
    """One kind of observation: its columns and the rules that are not plain column reading."""

    kind: str
    label: str
    model: type[models.Model]
    columns: list[Column]
    # The source when the column is empty: a code, or a function of the row's values.
    default_source: str | Callable[[dict[str, Any]], str]
    # At least one column of each group must be present and filled (school_id or school_key).
    required_any: Sequence[tuple[str, ...]] = ()
    # Several rows make one record (a sample and its results), grouped by record_id.
    grouped: bool = False
    children: Sequence[ChildSpec] = ()
    # Another uniqueness rule besides record_id: (system, sector, day) for supply days.
    natural_key: Callable[[models.Model], tuple] | None = None
    natural_keys_stored: Callable[[list[models.Model]], Iterable[tuple[tuple, str]]] | None = None
    natural_key_message: str = ""
    # The fields that name a record's place, the most specific first ("system", then
    # "locality"): a row outside the user's area is refused in their columns' words.
    place_fields: Sequence[str] = ()
    # What to do when only a less specific place was given ("llene system_id").
    place_hint: str = ""
    # Derived fields from the record and its children (an inspection's score).
    finish: Callable[[models.Model, dict[ChildSpec, list[models.Model]]], None] | None = None
    # What follows from the written records of this kind (a sample's verdicts), before the
    # indicators are refreshed.
    on_written: Callable[[list[models.Model]], None] | None = None
    description: str = ""

    # The engine's hooks ------------------------------------------------------------------------
    def columns_for(self, header: Sequence[str] = ()) -> list[Column]:
        columns = list(self.columns)
        for child in self.children:
            columns.extend(child.columns(header))
        return columns

    def plan(self, rows: list[ParsedRow], job: ImportJob) -> "ObservationImport":
        planned = ObservationImport(self, job)
        planned.plan(rows)
        return planned

    def write(self, plan: "ObservationImport", job: ImportJob) -> list[models.Model]:
        return plan.write()

    def after_write(self, changed: list[models.Model], job: ImportJob) -> None:
        if not changed:
            return
        if self.on_written is not None:
            self.on_written(changed)
        # The one refresh every writer asks for: it runs when the import commits, and not at
        # all for a dry run (rolled back).
        figures.refresh_indicators_on_commit(changed)


@dataclass
class _Record:
    record_id: str
    rows: list[ParsedRow]
    instance: models.Model | None = None
    existing: models.Model | None = None
    action: str = ""  # create, update, unchanged
    changes: dict[str, list[Any]] = field(default_factory=dict)
    new_children: list[models.Model] = field(default_factory=list)
    changed_children: list[tuple[models.Model, dict[str, list[Any]]]] = field(default_factory=list)
    error_lines: dict[int, str] = field(default_factory=dict)
    merged: dict[Any, list[models.Model]] = field(default_factory=dict)

    @property
    def lines(self) -> list[int]:
        return [row.line for row in self.rows]


class ObservationImport:
    """One run's plan: what a file creates, changes or leaves alone, and how to write it."""

    def __init__(self, spec: ObservationSpec, job: ImportJob) -> None:
        self.spec, self.job, self.user = spec, job, job.user
        self.result = job.result
        self.scope = scope_for(job.user) if job.user is not None else None
        self.model = spec.model
        self.now = job.now
        self.records: list[_Record] = []

    def plan(self, rows: list[ParsedRow]) -> None:
        self.records = self._group(rows, self.result)
        self._classify(self.records, self.result)

    # Who may do what ---------------------------------------------------------------------------
    def may_edit(self, place: workflow.Place) -> bool:
        # A job without a user is the command line's: it may write everywhere.
        return self.scope is None or workflow.may_record_at(self.scope, place)

    def may_validate(self, place: workflow.Place) -> bool:
        return self.scope is None or workflow.can_validate_at(self.scope, place)

    def _group(self, rows: list[ParsedRow], result: ImportResult) -> list[_Record]:
        records: dict[str, _Record] = {}
        for row in rows:
            record_id = row.values["record_id"]
            record = records.get(record_id)
            if record is None:
                records[record_id] = _Record(record_id=record_id, rows=[row])
                continue
            first = record.rows[0]
            if not self.spec.grouped:
                result.rejected.append(
                    (
                        row.line,
                        _(
                            "el record_id «%(id)s» ya apareció en la fila %(line)s; cada registro "
                            "necesita su propio record_id"
                        )
                        % {"id": record_id, "line": first.line},
                    )
                )
                continue
            different = [
                column.name
                for column in self.spec.columns
                if _plain_value(row.values.get(column.name))
                != _plain_value(first.values.get(column.name))
            ]
            if different:
                result.rejected.append(
                    (
                        row.line,
                        _(
                            "el registro «%(id)s» ya apareció en la fila %(line)s con otro valor "
                            "en %(columns)s; todas sus filas deben repetir los mismos datos"
                        )
                        % {"id": record_id, "line": first.line, "columns": ", ".join(different)},
                    )
                )
                continue
            record.rows.append(row)
        return list(records.values())

    # Deciding what to do with each record ------------------------------------------------------
    def _existing(self, records: list[_Record]) -> dict[str, models.Model]:
        ids = [record.record_id for record in records]
        found = {}
        related = [
            name
            for name in ("system", "locality", "school", "health_centre", "inspection_form")
            if any(f.name == name for f in self.model._meta.get_fields())
        ]
        queryset = self.model._default_manager.select_related(*related)
        for start in range(0, len(ids), QUERY_CHUNK):
            for obj in queryset.filter(record_id__in=ids[start : start + QUERY_CHUNK]):
                found[obj.record_id] = obj
        return found

    def _field_values(self, row: ParsedRow) -> dict[str, Any]:
        """Model field → value for the record-level columns the file has."""
        values: dict[str, Any] = {}
        for column in self.spec.columns:
            if column.field is None or column.name not in row.present:
                continue
            if column.name in row.values:
                values[column.field] = row.values[column.name]
            elif column.field not in values:
                values[column.field] = (
                    empty_value(self.model._meta.get_field(column.field))
                    if column.empty is EMPTY
                    else column.empty
                )
        return values

    def _classify(self, records: list[_Record], result: ImportResult) -> None:
        existing = self._existing(records)
        for record in records:
            record.existing = existing.get(record.record_id)
            try:
                self._build(record)
            except RowError as error:
                for line in record.lines:
                    result.rejected.append((line, str(error)))
                record.action = "rejected"
        live = [record for record in records if record.action != "rejected"]
        self._children(live, result)
        live = [record for record in live if record.action != "rejected"]
        self._check_natural_keys(live, result)
        for record in live:
            if record.action == "rejected":
                continue
            self._compare(record)
            if record.action == "rejected":
                result.rejected.extend(record.error_lines.items())
                continue
            result.records += 1
            if record.action == "create":
                result.created += 1
            elif record.action == "update":
                result.updated += 1
            else:
                result.unchanged += 1
            for line, reason in record.error_lines.items():
                result.rejected.append((line, reason))

    def _build(self, record: _Record) -> None:
        row = record.rows[0]
        values = self._field_values(row)
        state = values.pop("state", None)
        if not values.get("source") and ("source" in values or record.existing is None):
            default = self.spec.default_source
            values["source"] = default(values) if callable(default) else default
        instance = record.existing
        if instance is None:
            instance = self.model(**values)
            instance.recorded_by = self.user
            instance.channel = self.job.channel
        else:
            # Compare against a copy: the stored object must keep its old values.
            instance = detached_copy(instance)
            for name, value in values.items():
                setattr(instance, name, value)
        place = instance.place_scope()
        # The row's own place first, then a stored record's: a row refused anyway says the
        # same whether or not its record_id is taken outside the area.
        if not self.may_edit(place):
            raise self._outside(record)
        if record.existing is not None and not self.may_edit(record.existing.place_scope()):
            raise RowError(
                _("el record_id «%(id)s» no se puede usar para este registro; use otro")
                % {"id": record.record_id}
            )
        instance.municipality_id, instance.provider_id = place
        if state is None and record.existing is not None:
            state = "keep"
        elif state is None and self.job.validate_where_allowed and self.may_validate(place):
            state = Observation.State.VALIDATED
        if state == Observation.State.VALIDATED and not self.may_validate(place):
            raise RowError(
                _(
                    "usted no puede importar registros validados aquí; deje vacía la columna "
                    "state o escriba submitted, y un coordinador los validará"
                )
            )
        instance._import_state = state  # resolved in _compare, once we know what changed
        try:
            instance.clean()
        except ValidationError as error:
            raise self.job.row_error(error) from error
        record.instance = instance

    def _outside(self, record: _Record) -> RowError:
        """A row whose place the user may not import into, in the words of a key that names
        nothing (``Reference.not_found``): never the place's name, never "outside your area"
        for a place that exists and "does not exist" for one that does not."""
        row = record.rows[0]
        for number, place_field in enumerate(self.spec.place_fields):
            named = [
                column
                for column in self.spec.columns
                if column.field == place_field
                and isinstance(column.parser, Reference)
                and isinstance(row.values.get(column.name), models.Model)
            ]
            if not named:
                continue
            reasons = [
                column.parser.not_found(column.name, column.parser.key_of(row.values[column.name]))
                for column in named
            ]
            if number > 0 and self.spec.place_hint:
                reasons.append(str(self.spec.place_hint))
            return RowError("; ".join(reasons))
        # The place is the stored record's (the file leaves it alone): its id is the trouble.
        return RowError(
            _("el record_id «%(id)s» no se puede usar para este registro; use otro")
            % {"id": record.record_id}
        )

    def _children(self, records: list[_Record], result: ImportResult) -> None:
        if not self.spec.children:
            return
        parents = [record.instance for record in records]
        rows = [row for record in records for row in record.rows]
        stored_ids = [record.existing.pk for record in records if record.existing is not None]
        for child_spec in self.spec.children:
            child_spec.prepare(parents, rows)
            stored = child_spec.existing(stored_ids)
            for record in records:
                old = stored.get(record.existing.pk, {}) if record.existing else {}
                merged = dict(old)
                seen_in_file: dict[Any, int] = {}
                row_errors: dict[int, str] = {}
                for row in record.rows:
                    try:
                        built = child_spec.build(record.instance, row)
                        for child in built:
                            key = child_spec.key(child)
                            if key in seen_in_file:
                                raise RowError(
                                    _("ese dato ya apareció en la fila %(line)s de este registro")
                                    % {"line": seen_in_file[key]}
                                )
                            try:
                                child.clean()
                            except ValidationError as error:
                                raise self.job.row_error(error) from error
                    except RowError as error:
                        row_errors[row.line] = str(error)
                        continue
                    for child in built:
                        key = child_spec.key(child)
                        seen_in_file[key] = row.line
                        previous = old.get(key)
                        if previous is None:
                            record.new_children.append(child)
                            merged[key] = child
                            continue
                        changes = {
                            name: [
                                trail.plain(getattr(previous, name)),
                                trail.plain(getattr(child, name)),
                            ]
                            for name in child_spec.fields
                            if getattr(previous, name) != getattr(child, name)
                        }
                        if changes:
                            for name in child_spec.fields:
                                setattr(previous, name, getattr(child, name))
                            record.changed_children.append((previous, changes))
                        merged[key] = previous
                if row_errors and (not self.spec.grouped or len(row_errors) == len(record.rows)):
                    # One row is one record: a bad child value rejects the whole record.
                    record.action = "rejected"
                    for line, reason in row_errors.items():
                        result.rejected.append((line, reason))
                    continue
                record.error_lines.update(row_errors)
                record.rows = [row for row in record.rows if row.line not in row_errors]
                record.merged[child_spec] = list(merged.values())

    def _check_natural_keys(self, records: list[_Record], result: ImportResult) -> None:
        spec = self.spec
        if spec.natural_key is None or spec.natural_keys_stored is None:
            return
        stored = dict(spec.natural_keys_stored([record.instance for record in records]))
        in_file: dict[tuple, _Record] = {}
        for record in records:
            key = spec.natural_key(record.instance)
            owner = stored.get(key)
            other = in_file.get(key)
            reason = ""
            if owner is not None and owner != record.record_id:
                reason = spec.natural_key_message % {"id": owner}
            elif other is not None:
                reason = _(
                    "repite los datos de la fila %(line)s (record_id «%(id)s»); deje una sola fila"
                ) % {"line": other.rows[0].line, "id": other.record_id}
            if reason:
                record.action = "rejected"
                for line in record.lines:
                    result.rejected.append((line, reason))
                continue
            in_file[key] = record

    def _compare(self, record: _Record) -> None:
        instance = record.instance
        merged = record.merged
        if self.spec.finish is not None:
            self.spec.finish(instance, merged)
        state = instance.__dict__.pop("_import_state")
        existing = record.existing
        tracked = self._tracked_fields()
        changed_content = existing is None or any(
            getattr(existing, name) != getattr(instance, name) for name in tracked
        )
        changed_content = changed_content or bool(record.new_children or record.changed_children)
        if existing is not None and state == "keep":
            # Without a state column, as on the pages: a validator's change stays validated,
            # anyone else's waits for validation again.
            if existing.is_validated and self.may_validate(instance.place_scope()):
                state = Observation.State.VALIDATED
            elif changed_content:
                state = Observation.State.SUBMITTED
            else:
                state = existing.state
        state = state or Observation.State.SUBMITTED
        instance.state = state
        if state == Observation.State.VALIDATED:
            if existing is None or existing.state != Observation.State.VALIDATED:
                instance.validated_by, instance.validated_at = self.user, self.now
        elif existing is not None and existing.state == Observation.State.VALIDATED:
            instance.validated_by, instance.validated_at = None, None
        if existing is not None and existing.is_validated:
            touched = changed_content or state != Observation.State.VALIDATED
            if touched and not self.may_validate(existing.place_scope()):
                record.action = "rejected"
                reason = _(
                    "el registro «%(id)s» ya está validado y usted no puede cambiarlo; pida a "
                    "un coordinador que lo corrija"
                ) % {"id": record.record_id}
                record.error_lines = {line: reason for line in record.lines}
                return
        if existing is None:
            record.action = "create"
            return
        fields = [*tracked, "state", "validated_by_id", "validated_at"]
        record.changes = {
            field_name(self.model, name): [
                trail.plain(getattr(existing, name)),
                trail.plain(getattr(instance, name)),
            ]
            for name in fields
            if getattr(existing, name) != getattr(instance, name)
        }
        record.action = (
            "update"
            if record.changes or record.new_children or record.changed_children
            else "unchanged"
        )

    def _tracked_fields(self) -> list[str]:
        if not hasattr(self, "_tracked"):
            names = {"source", "municipality_id", "provider_id"}
            for column in self.spec.columns:
                if column.field and column.field != "state":
                    names.add(self.model._meta.get_field(column.field).attname)
            if self.spec.finish is not None:
                names |= {"inspection_score", "inspection_risk"} & {
                    f.attname for f in self.model._meta.concrete_fields
                }
            self._tracked = sorted(names)
        return self._tracked

    # Writing -----------------------------------------------------------------------------------
    def write(self) -> list[models.Model]:
        """Create and update the records and their rows, with their audit events."""
        records = self.records
        created = [r for r in records if r.action == "create"]
        updated = [r for r in records if r.action == "update"]
        self.model._default_manager.bulk_create(
            [record.instance for record in created], batch_size=BATCH_SIZE
        )
        self._update([record.instance for record in updated])
        events = []
        for record in created:
            events.append(
                self._event(
                    AuditEvent.Action.CREATE, record.instance, trail.snapshot(record.instance)
                )
            )
        for record in updated:
            if record.changes:
                events.append(
                    self._event(AuditEvent.Action.UPDATE, record.instance, record.changes)
                )
        events.extend(self._write_children(created + updated))
        self.job.save_events(events)
        return [record.instance for record in created + updated]

    def _update(self, instances: list[models.Model]) -> None:
        if not instances:
            return
        for instance in instances:
            instance.updated_at = self.now
        fields = sorted(
            {field_name(self.model, name) for name in self._tracked_fields()}
            | {"state", "validated_by", "validated_at", "updated_at"}
        )
        self.model._default_manager.bulk_update(instances, fields, batch_size=BATCH_SIZE)

    def _write_children(self, records: list[_Record]) -> list[AuditEvent]:
        events = []
        by_model: dict[type, list[models.Model]] = {}
        changed_by_model: dict[type, tuple[set[str], list[models.Model]]] = {}
        scopes: dict[int, tuple] = {}
        for record in records:
            for child in record.new_children:
                spec = self._child_spec(child)
                setattr(child, spec.parent_field, record.instance)
                by_model.setdefault(type(child), []).append(child)
                scopes[id(child)] = record.instance.place_scope()
            for child, changes in record.changed_children:
                names, objs = changed_by_model.setdefault(type(child), (set(), []))
                names.update(changes)
                objs.append(child)
                events.append(
                    self._event(
                        AuditEvent.Action.UPDATE,
                        child,
                        changes,
                        scope=record.instance.place_scope(),
                    )
                )
        for model, children in by_model.items():
            model._default_manager.bulk_create(children, batch_size=BATCH_SIZE)
            for child in children:
                events.append(
                    self._event(
                        AuditEvent.Action.CREATE,
                        child,
                        trail.snapshot(child),
                        scope=scopes[id(child)],
                    )
                )
        for model, (names, children) in changed_by_model.items():
            fields = sorted(field_name(model, name) for name in names)
            model._default_manager.bulk_update(children, fields, batch_size=BATCH_SIZE)
        return events

    def _child_spec(self, child: models.Model) -> ChildSpec:
        for spec in self.spec.children:
            if isinstance(child, spec.model):
                return spec
        raise LookupError(type(child))

    def _event(
        self, action: str, instance: models.Model, changes: dict, *, scope=None
    ) -> AuditEvent:
        return self.job.event(action, instance, changes, scope=scope or instance.place_scope())


def _plain_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return (type(value), value.pk)
    return value
