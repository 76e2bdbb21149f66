"""Import observations from CSV or XLSX files: one mechanism, and a spec for each kind of record.

Policy, the same as the locality importer's:
- a file that cannot be read, or that lacks a required column, writes nothing;
- rows that cannot be read are rejected with their line number and a reason in Spanish, and the
  accepted rows are written, all in one transaction (``strict`` writes nothing if any row is
  rejected; ``dry_run`` does all the work and then rolls it back);
- records are matched by the client-supplied ``record_id``, so importing the same file twice
  creates nothing the second time, and a changed row updates its record (audited before → after).
"""

import datetime
import decimal
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent
from ojodeagua.lib.folding import fold
from ojodeagua.lib.tabular import TabularFileError, read_csv
from ojodeagua.monitoring.observation import EARLIEST_OBSERVED_ON

XLSX_MAGIC = b"PK\x03\x04"
QUERY_CHUNK = 900
LARGEST_ID = 2**63 - 1
BATCH_SIZE = 500


class RowError(ValueError):
    """One row cannot be imported; the message says what to fix."""


# Reading ------------------------------------------------------------------------------------------
@dataclass
class Table:
    """A file's normalised column names and its rows, each with its line number in the file."""

    encoding: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


def normalise_column(name: object) -> str:
    """ "Servicio/Hours " → "hours": KoboToolbox and ODK Central join group paths with "/"."""
    text = fold(str(name or "").strip().strip('"').strip()) or ""
    text = text.rsplit("/", 1)[-1]
    return re.sub(r"[\s\-]+", "_", text.strip())


def read_table(data: bytes, filename: str = "") -> Table:
    if data[:4] == XLSX_MAGIC or filename.lower().endswith((".xlsx", ".xlsm")):
        encoding, header, rows = _read_xlsx(data)
    else:
        csv_table = read_csv(data)
        encoding, header = csv_table.encoding, csv_table.columns
        rows = (
            (line, [raw.get(column, "") for column in header]) for line, raw in csv_table.rows()
        )
    columns = [normalise_column(name) for name in header]
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise TabularFileError(
                _("La columna %(column)s aparece dos veces. Deje solo una y vuelva a importar.")
                % {"column": name}
            )
        seen.add(name)
    table_rows = [
        (line, {name: value.strip() for name, value in zip(columns, values, strict=False) if name})
        for line, values in rows
    ]
    return Table(encoding=encoding, columns=[name for name in columns if name], rows=table_rows)


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise TabularFileError(
            _("No se pudo leer la hoja de cálculo. Guárdela como XLSX (Excel) o como CSV.")
        ) from error
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if not header or not any(cell not in (None, "") for cell in header):
        raise TabularFileError(_("La primera hoja está vacía: ponga los encabezados en la fila 1."))
    header = [_cell_text(cell) for cell in header]
    rows = []
    for line, row in enumerate(values, start=2):
        cells = [_cell_text(cell) for cell in row]
        if any(cells):
            rows.append((line, cells + [""] * (len(header) - len(cells))))
    workbook.close()
    if _has_formulas(data):
        _refuse_uncalculated_formulas(data)
    return "xlsx", header, rows


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet holds a formula, found without parsing the XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.startswith("xl/worksheets/"):
                continue
            tail = b""
            with archive.open(name) as stream:
                while chunk := stream.read(1 << 20):
                    text = tail + chunk
                    if b"<f>" in text or b"<f " in text:
                        return True
                    tail = text[-3:]
    return False


def _refuse_uncalculated_formulas(data: bytes) -> None:
    """A formula saved without its result would be read as an empty cell: refuse the file.

    Spreadsheet programs store each formula's result; files written by other programs often
    do not, and an empty cell would silently drop the value.
    """
    from openpyxl import load_workbook

    values = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False).worksheets[0]
    for value_row, formula_row in zip(values.iter_rows(), formulas.iter_rows(), strict=False):
        for value_cell, formula_cell in zip(value_row, formula_row, strict=False):
            formula = getattr(formula_cell, "value", None)
            is_formula = getattr(formula_cell, "data_type", "") == "f" or (
                isinstance(formula, str) and formula.startswith("=")
            )
            if is_formula and getattr(value_cell, "value", None) is None:
                raise TabularFileError(
                    _(
                        "La celda %(cell)s tiene una fórmula sin su resultado guardado. Abra el "
                        "archivo en Excel o LibreOffice y guárdelo de nuevo, o copie las celdas "
                        "y péguelas como valores."
                    )
                    % {"cell": formula_cell.coordinate}
                )


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would have, so both go through the same parsers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


# Parsers -----------------------------------------------------------------------------------------
class Parser:
    """Turns one cell's text into a value, or raises RowError saying what to write instead."""

    type_label = gettext_lazy("texto")

    def parse(self, text: str, column: str) -> Any:
        return text

    def codes(self) -> list[tuple[str, str]]:
        """(code, Spanish label) pairs the column accepts, for the documentation."""
        return []


class Text(Parser):
    def __init__(self, max_length: int | None = None) -> None:
        self.max_length = max_length

    def parse(self, text: str, column: str) -> str:
        if self.max_length and len(text) > self.max_length:
            raise RowError(
                _("la columna %(column)s tiene %(length)s caracteres; el máximo es %(max)s")
                % {"column": column, "length": len(text), "max": self.max_length}
            )
        return text


NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def _number(text: str, column: str) -> decimal.Decimal:
    compact = text.replace(" ", "")
    if DECIMAL_COMMA.match(compact):
        raise RowError(
            _(
                "la columna %(column)s tiene «%(text)s»: escriba los decimales con punto, "
                "por ejemplo %(fixed)s, y sin separador de miles"
            )
            % {"column": column, "text": text, "fixed": compact.replace(",", ".")}
        )
    if not NUMBER.match(compact):
        raise RowError(
            _("la columna %(column)s debe ser un número y tiene «%(text)s»")
            % {"column": column, "text": text}
        )
    return decimal.Decimal(compact)


class Number(Parser):
    """A decimal or whole number, with the model field's limits."""

    def __init__(
        self,
        *,
        minimum: decimal.Decimal | int | None = None,
        maximum: decimal.Decimal | int | None = None,
        places: int | None = None,
        max_digits: int | None = None,
        whole: bool = False,
    ) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.places, self.max_digits, self.whole = places, max_digits, whole

    @property
    def type_label(self):  # type: ignore[override]
        return _("número entero") if self.whole else _("número (decimales con punto)")

    def range_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return _("entre %(min)s y %(max)s") % {"min": self.minimum, "max": self.maximum}
        if self.minimum is not None:
            return _("de %(min)s o más") % {"min": self.minimum}
        if self.maximum is not None:
            return _("de %(max)s o menos") % {"max": self.maximum}
        return ""

    def parse(self, text: str, column: str) -> decimal.Decimal | int:
        value = _number(text, column)
        kind = _("un número entero") if self.whole else _("un número")
        out_of_range = (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        )
        if out_of_range:
            raise RowError(
                _("la columna %(column)s debe ser %(kind)s %(range)s y tiene «%(text)s»")
                % {"column": column, "kind": kind, "range": self.range_text(), "text": text}
            )
        if self.whole:
            if value != value.to_integral_value():
                raise RowError(
                    _("la columna %(column)s debe ser un número entero y tiene «%(text)s»")
                    % {"column": column, "text": text}
                )
            return int(value)
        exponent = value.normalize().as_tuple().exponent
        if self.places is not None and isinstance(exponent, int) and -exponent > self.places:
            raise RowError(
                _("la columna %(column)s admite hasta %(places)s decimales y tiene «%(text)s»")
                % {"column": column, "places": self.places, "text": text}
            )
        if self.max_digits is not None and self.places is not None:
            if abs(value) >= decimal.Decimal(10) ** (self.max_digits - self.places):
                raise RowError(
                    _("la columna %(column)s tiene un número demasiado grande: «%(text)s»")
                    % {"column": column, "text": text}
                )
        return value


DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")


def _today() -> datetime.date:
    # Asked once a minute, not once a row: a large file has tens of thousands of dates.
    minute = int(time.monotonic() // 60)
    if _TODAY[0] != minute:
        _TODAY[:] = [minute, timezone.localdate()]
    return _TODAY[1]


_TODAY: list[Any] = [None, None]


class Date(Parser):
    type_label = gettext_lazy("fecha AAAA-MM-DD o DD/MM/AAAA")

    def __init__(self, *, allow_future: bool = False) -> None:
        self.allow_future = allow_future

    def parse(self, text: str, column: str) -> datetime.date:
        match = ISO.match(text)
        if match:
            year, month, day = match.groups()
        elif match := DMY.match(text):
            day, month, year = match.groups()
        else:
            raise RowError(
                _(
                    "la columna %(column)s debe ser una fecha como 2024-05-31 o 31/05/2024 "
                    "y tiene «%(text)s»"
                )
                % {"column": column, "text": text}
            )
        try:
            value = datetime.date(int(year), int(month), int(day))
        except ValueError as error:
            raise RowError(
                _("la fecha «%(text)s» de la columna %(column)s no existe en el calendario")
                % {"column": column, "text": text}
            ) from error
        if not self.allow_future and value > _today():
            raise RowError(
                _("la fecha «%(text)s» de la columna %(column)s está en el futuro")
                % {"column": column, "text": text}
            )
        if value < EARLIEST_OBSERVED_ON:
            raise RowError(
                _(
                    "la fecha «%(text)s» de la columna %(column)s es demasiado antigua; "
                    "revise el año"
                )
                % {"column": column, "text": text}
            )
        return value


TRUE_WORDS = {"si", "s", "yes", "y", "true", "verdadero", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "falso", "0"}


class Boolean(Parser):
    type_label = gettext_lazy("sí o no")

    def parse(self, text: str, column: str) -> bool:
        word = fold(text)
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise RowError(
            _("la columna %(column)s debe ser «sí» o «no» y tiene «%(text)s»")
            % {"column": column, "text": text}
        )

    def codes(self) -> list[tuple[str, str]]:
        return [("yes", _("sí")), ("no", _("no"))]


class Choice(Parser):
    """One of a model's choices, by code or by Spanish label, without regard to accents or case."""

    type_label = gettext_lazy("código de la lista")

    def __init__(self, choices: Iterable[tuple[str, Any]], aliases: dict[str, str] | None = None):
        self.choices = [(code, label) for code, label in choices if code != ""]
        self.aliases = aliases or {}
        self._lookup: dict[str, str] | None = None

    def lookup(self) -> dict[str, str]:
        if self._lookup is None:
            lookup: dict[str, str] = {}
            for code, label in self.choices:
                lookup[fold(code)] = code
                # Spanish is the source language; the current language's label is accepted too.
                with translation.override("es"):
                    lookup.setdefault(fold(str(label)), code)
                lookup.setdefault(fold(str(label)), code)
            for alias, code in self.aliases.items():
                lookup.setdefault(fold(alias), code)
            self._lookup = lookup
        return self._lookup

    def parse(self, text: str, column: str) -> str:
        code = self.lookup().get(fold(text).strip())
        if code is None:
            allowed = ", ".join(code for code, _label in self.choices)
            raise RowError(
                _("la columna %(column)s no acepta «%(text)s»; use uno de estos códigos: %(codes)s")
                % {"column": column, "text": text, "codes": allowed}
            )
        return code

    def codes(self) -> list[tuple[str, str]]:
        with translation.override("es"):
            return [(code, str(label)) for code, label in self.choices]


class Reference(Parser):
    """A key of another record (a system's id, a locality's INEGI key); looked up in bulk."""

    def __init__(
        self,
        model: type[models.Model],
        lookup: str = "pk",
        *,
        digits: int | None = None,
        whole: bool = False,
        select_related: Sequence[str] = (),
        label: str = "",
    ) -> None:
        self.model, self.lookup_field = model, lookup
        self.digits, self.whole = digits, whole
        self.select_related = select_related
        self.label = label or str(model._meta.verbose_name)

    @property
    def type_label(self):  # type: ignore[override]
        if self.digits:
            return _("clave de %(digits)s dígitos") % {"digits": self.digits}
        return _("número de identificación") if self.whole else _("clave")

    def parse(self, text: str, column: str) -> str | int:
        key = text.strip().strip("'")
        if self.whole:
            if not key.isdigit():
                raise RowError(
                    _("la columna %(column)s debe ser el número de %(label)s y tiene «%(text)s»")
                    % {"column": column, "label": self.label, "text": text}
                )
            if int(key) > LARGEST_ID:
                # The database cannot even be asked about it.
                raise RowError(
                    _("no existe %(label)s con %(column)s «%(key)s»; revise la clave")
                    % {"label": self.label, "column": column, "key": key}
                )
            return int(key)
        if self.digits:
            # A spreadsheet drops the leading zero of "070120001"; put it back.
            if not key.isdigit() or len(key) > self.digits:
                raise RowError(
                    _(
                        "la columna %(column)s debe tener una clave de %(digits)s dígitos "
                        "y tiene «%(text)s»"
                    )
                    % {"column": column, "digits": self.digits, "text": text}
                )
            return key.zfill(self.digits)
        return key

    def resolve(self, keys: set) -> dict[Any, list[models.Model]]:
        found: dict[Any, list[models.Model]] = {}
        queryset = self.model._default_manager.select_related(*self.select_related)
        ordered = sorted(keys, key=str)
        for start in range(0, len(ordered), QUERY_CHUNK):
            chunk = ordered[start : start + QUERY_CHUNK]
            for obj in queryset.filter(**{f"{self.lookup_field}__in": chunk}):
                found.setdefault(getattr(obj, self.lookup_field), []).append(obj)
        return found


# Columns and specs --------------------------------------------------------------------------------
EMPTY = object()


@dataclass
class Column:
    """One column of the file: its name, how to read it and the model field it fills."""

    name: str
    parser: Parser
    field: str | None = None
    required: bool = False
    description: str = ""
    # What to do about a bad value, appended to the parser's message.
    hint: str = ""
    aliases: tuple[str, ...] = ()
    # The value of an empty cell; EMPTY means "the model field's empty value".
    empty: Any = EMPTY

    def parse(self, text: str) -> Any:
        try:
            return self.parser.parse(text, self.name)
        except RowError as error:
            if self.hint:
                raise RowError(f"{error}; {self.hint}") from error
            raise


def empty_value(model_field: models.Field) -> Any:
    if model_field.has_default():
        return model_field.get_default()
    if model_field.null:
        return None
    return ""


def field_column(model: type[models.Model], name: str, **options: Any) -> Column:
    """A column derived from a model field: its type, limits, choices and whether it is required."""
    model_field = model._meta.get_field(name)
    parser = options.pop("parser", None) or _parser_for(model_field, options.pop("aliases_for", {}))
    required = options.pop(
        "required",
        not model_field.blank and not model_field.null and not model_field.has_default(),
    )
    description = options.pop("description", None) or model_field.verbose_name
    return Column(
        name=options.pop("column", name),
        parser=parser,
        field=name,
        required=required,
        description=description,
        **options,
    )


def _parser_for(model_field: models.Field, aliases: dict[str, str]) -> Parser:
    if model_field.choices:
        return Choice(model_field.choices, aliases)
    if isinstance(model_field, models.BooleanField):
        return Boolean()
    if isinstance(model_field, models.DateField):
        return Date()
    if isinstance(model_field, models.DecimalField | models.IntegerField):
        minimum = maximum = None
        for validator in model_field.validators:
            if isinstance(validator, MinValueValidator):
                minimum = validator.limit_value
            elif isinstance(validator, MaxValueValidator):
                maximum = validator.limit_value
        if isinstance(model_field, models.DecimalField):
            return Number(
                minimum=minimum,
                maximum=maximum,
                places=model_field.decimal_places,
                max_digits=model_field.max_digits,
            )
        if minimum is None and isinstance(
            model_field, models.PositiveIntegerField | models.PositiveSmallIntegerField
        ):
            minimum = 0
        return Number(minimum=minimum, maximum=maximum, whole=True)
    max_length = getattr(model_field, "max_length", None)
    return Text(max_length)


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
        field_column(model, "observed_on", parser=Date(), required=True),
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


@dataclass
class ImportSpec:
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
    # Names the place of a record in messages ("sistema «Agua Azul»").
    place_label: Callable[[models.Model], str] = str
    place_hint: str = ""
    # Derived fields from the record and its children (an inspection's score).
    finish: Callable[[models.Model, dict[ChildSpec, list[models.Model]]], None] | None = None
    after_write: Callable[[list[models.Model]], None] | None = None
    description: str = ""

    def all_columns(self, header: Sequence[str] = ()) -> list[Column]:
        columns = list(self.columns)
        for child in self.children:
            columns.extend(child.columns(header))
        return columns


# The importer ------------------------------------------------------------------------------------
@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any]  # column name → parsed value (present, filled columns only)
    present: set[str]  # columns the file has


@dataclass
class ImportResult:
    kind: str
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


class Importer:
    def __init__(self, spec: ImportSpec, *, user=None, strict: bool = False, dry_run: bool = False):
        from ojodeagua.organisations.scope import scope_for

        self.spec, self.user, self.strict, self.dry_run = spec, user, strict, dry_run
        self.scope = scope_for(user) if user is not None else None
        self.model = spec.model
        self.now = timezone.now()

    # Who may do what ---------------------------------------------------------------------------
    def _in(self, area, place: tuple[int | None, int | None]) -> bool:
        if self.scope is None or self.scope.everything:
            return True
        # The rule of monitoring.workflow.may_record / can_validate, on the row's place.
        return area.covers(*place)

    def may_edit(self, place) -> bool:
        return self._in(self.scope.edit if self.scope else None, place)

    def may_validate(self, place) -> bool:
        # Coordinators and facilitators validate; that is the area where they may add records.
        return self._in(self.scope.create if self.scope else None, place)

    # Entry points ------------------------------------------------------------------------------
    def import_bytes(self, data: bytes, filename: str = "") -> ImportResult:
        table = read_table(data, filename)
        result = ImportResult(kind=self.spec.kind, encoding=table.encoding, dry_run=self.dry_run)
        columns = self._resolve_columns(table, result)
        rows = self._parse(table, columns, result)
        rows = self._resolve_references(rows, columns, result)
        records = self._group(rows, result)
        self._classify(records, result)
        result.rejected.sort()
        if result.rejected and self.strict:
            return result
        self._write(records, result)
        return result

    # Columns -----------------------------------------------------------------------------------
    def _resolve_columns(self, table: Table, result: ImportResult) -> dict[str, Column]:
        """File column name → Column; raises TabularFileError when a required one is missing."""
        header = table.columns
        by_name: dict[str, Column] = {}
        for column in self.spec.all_columns(header):
            for name in (column.name, *column.aliases):
                if name in header and column.name not in {c.name for c in by_name.values()}:
                    by_name[name] = column
        present = {column.name for column in by_name.values()}
        missing = [
            c.name for c in self.spec.all_columns(header) if c.required and c.name not in present
        ]
        for group in self.spec.required_any:
            if not present.intersection(group):
                missing.append(_(" o ").join(group))
        if missing:
            raise TabularFileError(
                _(
                    "Al archivo le faltan columnas: %(missing)s. La primera fila debe tener los "
                    "nombres de las columnas; vea la lista de columnas de «%(kind)s»."
                )
                % {"missing": ", ".join(missing), "kind": self.spec.label}
            )
        result.ignored_columns = [name for name in header if name not in by_name]
        return by_name

    # Reading rows ------------------------------------------------------------------------------
    def _parse(
        self, table: Table, columns: dict[str, Column], result: ImportResult
    ) -> list[ParsedRow]:
        present = {column.name for column in columns.values()}
        parsed = []
        for line, raw in table.rows:
            result.rows += 1
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
                result.rejected.append((line, "; ".join(errors)))
                continue
            parsed.append(ParsedRow(line=line, values=values, present=present))
        return parsed

    def _resolve_references(
        self, rows: list[ParsedRow], columns: dict[str, Column], result: ImportResult
    ) -> list[ParsedRow]:
        references = {
            column.name: column
            for column in columns.values()
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
                    errors.append(
                        _("no existe %(label)s con %(column)s «%(key)s»; revise la clave")
                        % {"label": parser.label, "column": name, "key": key}
                    )
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
                result.rejected.append((row.line, "; ".join(errors)))
                continue
            kept.append(row)
        return kept

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
        from ojodeagua.monitoring.observation import Observation

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
        else:
            # Compare against a copy: the stored object must keep its old values.
            before_place = instance.place_scope()
            if not self.may_edit(before_place):
                raise RowError(
                    _("el registro «%(id)s» ya existe y es de un lugar fuera de su área")
                    % {"id": record.record_id}
                )
            instance = _copy(instance)
            for name, value in values.items():
                setattr(instance, name, value)
        place = instance.place_scope()
        if not self.may_edit(place):
            hint = f"; {self.spec.place_hint}" if self.spec.place_hint else ""
            raise RowError(
                _(
                    "%(place)s está fuera de su área: solo puede importar registros de los "
                    "lugares que usted atiende%(hint)s"
                )
                % {"place": self.spec.place_label(instance), "hint": hint}
            )
        instance.municipality_id, instance.provider_id = place
        if state is None and record.existing is not None:
            state = "keep"
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
            raise RowError(self._validation_message(error)) from error
        record.instance = instance

    def _validation_message(self, error: ValidationError) -> str:
        names = {column.field: column.name for column in self.spec.all_columns()}
        if not hasattr(error, "error_dict"):
            return " ".join(error.messages)
        parts = []
        for field_name, errors in error.message_dict.items():
            label = names.get(field_name, field_name)
            parts.append(f"{label}: {' '.join(errors)}")
        return "; ".join(parts)

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
                                raise RowError(self._validation_message(error)) from error
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
        from ojodeagua.monitoring.observation import Observation

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
            self._field_name(name): [
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

    def _field_name(self, attname: str, model: type[models.Model] | None = None) -> str:
        model = model or self.model
        for model_field in model._meta.concrete_fields:
            if model_field.attname == attname:
                return model_field.name
        raise LookupError(attname)

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
    def _write(self, records: list[_Record], result: ImportResult) -> None:
        created = [r for r in records if r.action == "create"]
        updated = [r for r in records if r.action == "update"]
        with transaction.atomic():
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
            AuditEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
            saved = [record.instance for record in created + updated]
            if self.spec.after_write is not None and saved:
                self.spec.after_write(saved)
            if saved:
                from ojodeagua.indicators.refresh import refresh_indicators_on_commit

                refresh_indicators_on_commit(saved)
            if self.dry_run:
                transaction.set_rollback(True)
        result.changed = [] if self.dry_run else saved
        result.written = not self.dry_run

    def _update(self, instances: list[models.Model]) -> None:
        if not instances:
            return
        for instance in instances:
            instance.updated_at = self.now
        fields = sorted(
            {self._field_name(name) for name in self._tracked_fields()}
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
            fields = sorted(self._field_name(name, model) for name in names)
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
        municipality_id, provider_id = scope or instance.place_scope()
        if not hasattr(self, "_content_types"):
            self._content_types: dict[type, ContentType] = {}
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


def _plain_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return (type(value), value.pk)
    return value


def _copy(instance: models.Model) -> models.Model:
    """A detached copy with the same field values and cached related objects."""
    clone = type(instance)()
    clone.__dict__.update(instance.__dict__)
    clone._state = type(instance._state)()
    clone._state.adding = False
    clone._state.db = instance._state.db
    clone._state.fields_cache = dict(instance._state.fields_cache)
    return clone


def run_import(
    spec: ImportSpec,
    data: bytes,
    *,
    filename: str = "",
    user=None,
    strict: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    return Importer(spec, user=user, strict=strict, dry_run=dry_run).import_bytes(data, filename)


def describe_columns(spec: ImportSpec) -> list[dict[str, Any]]:
    """The columns of a kind, for the upload page and the documentation."""
    described = []
    for column in spec.all_columns():
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
