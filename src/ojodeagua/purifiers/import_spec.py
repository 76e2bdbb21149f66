"""The import specs of the purifier register: units, follow-up visits and E. coli tests.

The project's one importer engine (``ojodeagua.imports.engine``) reads the file and its cells;
these specs hand each row to the register's own services, so a file is refused row by row in
the very words of the pages and the API:

* ``plan`` runs the service's ``check_*`` on every row (scope, rules, resends) and writes
  nothing: a wrong row is rejected with its line and what to fix, and with "strict" nothing is
  written at all;
* ``write`` then calls the service itself for each accepted row, inside the engine's one
  transaction (all or nothing, rolled back on a dry run), audited by the service.

Rows are matched by ``record_id``: importing the same file twice creates nothing the second
time; a row whose ``record_id`` is stored with other content is rejected as a conflict (a record
is corrected on its page, not by a spreadsheet that may be old).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.facilities.models import School
from ojodeagua.imports.columns import (
    Choice,
    Column,
    Date,
    Reference,
    RowError,
    Text,
    field_column,
)
from ojodeagua.imports.engine import ImportJob, ImportSpec, ParsedRow
from ojodeagua.lib.records import RecordConflict
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

from . import services
from .models import EARLIEST_DAY, EcoliTest, FollowUpVisit, Unit

OWNER_ALIASES = {"vivienda": "household", "casa": "household", "hogar": "household"}


def record_id_column() -> Column:
    return Column(
        "record_id",
        Text(64),
        required=True,
        aliases=("id_registro", "instanceid", "uuid"),
        description=gettext_lazy(
            "identificador único del registro (lo pone el teléfono; en una hoja de cálculo, "
            "invente uno por registro y nunca lo cambie)"
        ),
    )


def date_column(model, name: str, *, required: bool = True, future: bool = False) -> Column:
    return field_column(
        model, name, parser=Date(allow_future=future, earliest=EARLIEST_DAY), required=required
    )


def unit_columns() -> list[Column]:
    """A visit's or a test's unit: by the unit's record_id or its number in Ojo de Agua."""
    label = gettext_lazy("purificador")
    return [
        Column(
            "unit_record_id",
            Reference(Unit, "record_id", select_related=("locality",), label=label),
            field="unit",
            description=gettext_lazy("record_id del purificador (el de su archivo de registro)"),
        ),
        Column(
            "unit_id",
            Reference(Unit, whole=True, select_related=("locality",), label=label),
            field="unit",
            description=gettext_lazy(
                "número del purificador en Ojo de Agua (el de su dirección /purificadores/N/)"
            ),
        ),
    ]


@dataclass
class Planned:
    line: int
    fields: dict[str, Any]


class ServiceSpec(ImportSpec):
    """One kind of record, written through its service; subclasses say which and how."""

    check: Callable[..., services.Checked]
    record: Callable[..., tuple[models.Model, bool]]
    # The reference column to name when a row's place or unit is out of the user's area.
    place_column = ""

    def row_fields(self, row: ParsedRow) -> dict[str, Any]:
        """The service's keyword arguments for a row (RowError when it cannot be read)."""
        raise NotImplementedError

    def outside(self, row: ParsedRow, job: ImportJob) -> str | None:
        """Why the row's unit is refused before the service is asked (not in sight)."""
        return None

    def plan(self, rows: list[ParsedRow], job: ImportJob) -> list[Planned]:
        planned: list[Planned] = []
        seen: dict[str, Planned] = {}
        result = job.result
        for row in rows:
            try:
                fields = self.row_fields(row)
                if refused := self.outside(row, job):
                    raise RowError(refused)
                record_id = fields["record_id"]
                if record_id in seen:
                    if seen[record_id].fields != fields:
                        raise RowError(
                            _(
                                "el record_id «%(id)s» ya apareció en la fila %(line)s con otros "
                                "datos; cada registro lleva su propio record_id"
                            )
                            % {"id": record_id, "line": seen[record_id].line}
                        )
                    result.unchanged += 1
                    continue
                checked = type(self).check(job.user, **fields)
            except RowError as error:
                job.reject(row.line, str(error))
                continue
            except RecordConflict as conflict:
                job.reject(row.line, conflict.messages[0])
                continue
            except PermissionDenied as refused:
                job.reject(row.line, str(refused))
                continue
            except ValidationError as error:
                job.reject(row.line, str(job.row_error(error)))
                continue
            seen[fields["record_id"]] = Planned(row.line, fields)
            result.records += 1
            if checked.is_resend:
                result.unchanged += 1
            else:
                result.created += 1
                planned.append(Planned(row.line, fields))
        return planned

    def write(self, plan: list[Planned], job: ImportJob) -> list[models.Model]:
        written = []
        for item in plan:
            record, created = type(self).record(job.user, **item.fields)
            if created:
                written.append(record)
        return written


class UnitsSpec(ServiceSpec):
    kind = "purifier-units"
    label = gettext_lazy("purificadores de hogares y escuelas")
    description = gettext_lazy(
        "Una fila por purificador. Un purificador de hogar lleva el número o la clave de la "
        "vivienda, nunca el nombre de quien vive ahí; uno de escuela, la clave CCT de la escuela."
    )
    columns = [
        record_id_column(),
        Column(
            "locality_key",
            Reference(Locality, "key", digits=9, label=gettext_lazy("localidad")),
            field="locality",
            required=True,
            description=gettext_lazy("clave INEGI de 9 dígitos de la localidad"),
        ),
        field_column(Unit, "owner", aliases_for=OWNER_ALIASES, required=False),
        field_column(Unit, "place_label"),
        Column(
            "school_key",
            Reference(School, "key", select_related=("locality",), label=gettext_lazy("escuela")),
            field="school",
            description=gettext_lazy("clave de centro de trabajo (CCT) de la escuela"),
        ),
        Column(
            "provider_id",
            Reference(Provider, whole=True, label=gettext_lazy("comité u organización")),
            field="provider",
            description=gettext_lazy(
                "número del comité u organización que lo acompaña (el de su dirección "
                "/prestadores/N/); puede quedar vacío"
            ),
        ),
        field_column(Unit, "unit_model"),
        date_column(Unit, "installed_on"),
        date_column(Unit, "lamp_installed_on", required=False),
        date_column(Unit, "lamp_due_on", required=False, future=True),
        field_column(Unit, "notes"),
    ]
    check = staticmethod(services.check_unit)
    record = staticmethod(services.register_unit)

    def row_fields(self, row: ParsedRow) -> dict[str, Any]:
        values = row.values
        return {
            "record_id": values["record_id"].strip(),
            "locality": values["locality_key"],
            "installed_on": values["installed_on"],
            "owner": values.get("owner") or Unit.Owner.HOUSEHOLD,
            "place_label": values.get("place_label", ""),
            "school": values.get("school_key"),
            "provider": values.get("provider_id"),
            "unit_model": values.get("unit_model", ""),
            "lamp_installed_on": values.get("lamp_installed_on"),
            "lamp_due_on": values.get("lamp_due_on"),
            "notes": values.get("notes", ""),
        }


class UnitPartSpec(ServiceSpec):
    """Visits and tests: each row names its unit, which must be in the user's sight."""

    required_any = [("unit_record_id", "unit_id")]

    def unit_of(self, row: ParsedRow) -> Unit:
        return row.values.get("unit_record_id") or row.values["unit_id"]

    def outside(self, row: ParsedRow, job: ImportJob) -> str | None:
        unit = self.unit_of(row)
        if job.user is None:
            return None
        if scope_for(job.user).visible(Unit.objects.filter(pk=unit.pk)).exists():
            return None
        # The same words whether no unit has that key or it lies outside the user's area.
        name = "unit_record_id" if "unit_record_id" in row.values else "unit_id"
        column = job.columns.get(name) or next(c for c in self.columns_for() if c.name == name)
        parser: Reference = column.parser  # type: ignore[assignment]
        return parser.not_found(name, parser.key_of(unit))


class VisitsSpec(UnitPartSpec):
    kind = "purifier-visits"
    label = gettext_lazy("visitas de seguimiento a purificadores")
    description = gettext_lazy(
        "Una fila por visita: el purificador (unit_record_id o unit_id), la fecha y lo que se "
        "vio (sí o no)."
    )
    columns = [
        record_id_column(),
        *unit_columns(),
        date_column(FollowUpVisit, "visited_on"),
        field_column(FollowUpVisit, "in_use", required=True),
        field_column(FollowUpVisit, "is_clean", required=True),
        field_column(FollowUpVisit, "lamp_working", required=True),
        field_column(FollowUpVisit, "stored_water_covered", required=True),
        field_column(FollowUpVisit, "notes"),
    ]
    check = staticmethod(services.check_visit)
    record = staticmethod(services.record_visit)

    def row_fields(self, row: ParsedRow) -> dict[str, Any]:
        values = row.values
        return {
            "record_id": values["record_id"].strip(),
            "unit": self.unit_of(row),
            "visited_on": values["visited_on"],
            "in_use": values["in_use"],
            "is_clean": values["is_clean"],
            "lamp_working": values["lamp_working"],
            "stored_water_covered": values["stored_water_covered"],
            "notes": values.get("notes", ""),
        }


class EcoliTestsSpec(UnitPartSpec):
    kind = "purifier-tests"
    label = gettext_lazy("pruebas de E. coli de purificadores")
    description = gettext_lazy(
        "Una fila por prueba: E. coli por 100 mL antes y después del purificador (al menos uno "
        "de los dos). Si no se detectó, escriba 0."
    )
    columns = [
        record_id_column(),
        *unit_columns(),
        date_column(EcoliTest, "sampled_on"),
        Column(
            "method",
            Choice(EcoliTest.Method.choices, {"nmp": "mpn", "ufc": "cfu"}),
            field="method",
            description=gettext_lazy("método: mpn (NMP) o cfu (UFC); por omisión, mpn"),
        ),
        field_column(EcoliTest, "ecoli_before"),
        field_column(EcoliTest, "ecoli_after"),
        field_column(EcoliTest, "notes"),
    ]
    check = staticmethod(services.check_test)
    record = staticmethod(services.record_test)

    def row_fields(self, row: ParsedRow) -> dict[str, Any]:
        values = row.values
        return {
            "record_id": values["record_id"].strip(),
            "unit": self.unit_of(row),
            "sampled_on": values["sampled_on"],
            "method": values.get("method") or EcoliTest.Method.MPN,
            "ecoli_before": values.get("ecoli_before"),
            "ecoli_after": values.get("ecoli_after"),
            "notes": values.get("notes", ""),
        }


UNITS = UnitsSpec()
VISITS = VisitsSpec()
TESTS = EcoliTestsSpec()


def import_specs() -> dict[str, ServiceSpec]:
    """The purifier register's kinds of file, by code."""
    return {spec.kind: spec for spec in (UNITS, VISITS, TESTS)}
