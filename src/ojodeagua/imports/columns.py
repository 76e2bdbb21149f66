"""The columns of an import file: how each cell is read and checked, and the field it fills."""

import datetime
import decimal
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.lib.folding import fold

QUERY_CHUNK = 900
LARGEST_ID = 2**63 - 1
# A date before this is a typo, not a record; a spec may ask for a later one.
EARLIEST_DATE = datetime.date(1900, 1, 1)


class RowError(ValueError):
    """One row cannot be imported; the message says what to fix."""


class Parser:
    """Turns one cell's text into a value, or raises RowError saying what to write instead."""

    type_label = gettext_lazy("texto")

    def parse(self, text: str, column: str) -> Any:
        return text

    def codes(self) -> list[tuple[str, str]]:
        """(code, Spanish label) pairs the column accepts, for the documentation."""
        return []


def refuse_null_character(text: str, column: str) -> None:
    """A NUL character, refused as the forms and the API refuse it (a database may not store it)."""
    if "\x00" in text:
        raise RowError(
            _(
                "la columna %(column)s tiene un carácter nulo (NUL), que no es texto; bórrelo "
                "o escriba el valor de nuevo"
            )
            % {"column": column}
        )


class Text(Parser):
    """Text up to the model field's length: a longer cell is rejected, never cut."""

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

    def __init__(
        self, *, allow_future: bool = False, earliest: datetime.date = EARLIEST_DATE
    ) -> None:
        self.allow_future = allow_future
        self.earliest = earliest

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
        if value < self.earliest:
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
                raise RowError(self.not_found(column, key))
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

    def not_found(self, column: str, key: Any) -> str:
        """What a row says of a key that names nothing the user may import into: the same
        words whether no record has it or its record lies outside the user's area, so that a
        file cannot be used to learn what exists elsewhere (``ObservationImport``)."""
        return _(
            "no existe %(label)s con %(column)s «%(key)s» o no está en su área; revise la clave"
        ) % {"label": self.label, "column": column, "key": key}

    def key_of(self, obj: models.Model) -> Any:
        """The key a row gave for ``obj``, as ``parse`` read it."""
        return getattr(obj, self.lookup_field)

    def resolve(self, keys: set) -> dict[Any, list[models.Model]]:
        found: dict[Any, list[models.Model]] = {}
        queryset = self.model._default_manager.select_related(*self.select_related)
        ordered = sorted(keys, key=str)
        for start in range(0, len(ordered), QUERY_CHUNK):
            chunk = ordered[start : start + QUERY_CHUNK]
            for obj in queryset.filter(**{f"{self.lookup_field}__in": chunk}):
                found.setdefault(getattr(obj, self.lookup_field), []).append(obj)
        return found


# Columns ------------------------------------------------------------------------------------------
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
            refuse_null_character(text, self.name)
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
