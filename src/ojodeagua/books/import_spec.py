"""The import spec of a committee's padrón: one row per toma, keyed by padrón number and toma.

A household is its padrón number within its provider, and a connection (toma) its code within
the provider. The engine (``ojodeagua.imports.engine``) reads the file and its cells; this spec
matches the rows to the stored padrón, checks them and writes them, audited. Who may import is
the caller's question (``books.padron.may_edit_padron``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent
from ojodeagua.imports.columns import Choice, Column, RowError, Text, field_column
from ojodeagua.imports.engine import (
    BATCH_SIZE,
    ImportJob,
    ImportResult,
    ImportSpec,
    ParsedRow,
    detached_copy,
)
from ojodeagua.lib.folding import fold
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

from . import kept
from .models import Connection, ExemptionRule, Household

Status = Connection.Status
Kind = Connection.Kind


KIND_ALIASES = {
    "domiciliaria": Kind.HOUSE,
    "domicilio": Kind.HOUSE,
    "casa": Kind.HOUSE,
    "publica": Kind.PUBLIC_TAP,
    "toma publica": Kind.PUBLIC_TAP,
    "hidrante": Kind.PUBLIC_TAP,
}
STATUS_ALIASES = {
    "activo": Status.ACTIVE,
    "suspendido": Status.SUSPENDED,
    "exento": Status.EXEMPT,
}
HOUSEHOLD_COLUMNS = ("numero", "nombre", "localidad", "referencia", "personas")
CONNECTION_COLUMNS = ("tipo_toma", "estado", "motivo_exencion", "regla_exencion")
HOUSEHOLD_FIELD_NAMES = ("number", "name", "locality", "reference", "people")
HEADER_REQUIRED = ("numero", "nombre", "localidad")
COUNTERS = {"create": "created", "update": "updated", "unchanged": "unchanged"}


@dataclass
class AcceptedRow:
    line: int
    number: str
    code: str
    household: str = ""  # create, update, unchanged, "" when the row has no household
    connection: str = ""  # the same for its toma


@dataclass
class PadronImportResult(ImportResult):
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    connections_created: int = 0
    connections_updated: int = 0
    connections_unchanged: int = 0
    accepted: list[AcceptedRow] = field(default_factory=list)


@dataclass
class _Planned:
    """A household or toma the file describes, and what importing it does."""

    instance: models.Model
    line: int
    action: str  # create, update, unchanged
    changes: dict[str, list[Any]] = field(default_factory=dict)


class PadronSpec(ImportSpec):
    """The padrón of one provider (``PadronSpec(provider)``); ``PADRON`` describes its columns."""

    kind = "padron"
    label = gettext_lazy("padrón de usuarios")
    model = (Household,)
    description = gettext_lazy(
        "Una fila por toma. Un hogar con dos tomas va en dos filas que repiten su número, "
        "nombre y localidad; un hogar sin toma va en una fila con la columna toma vacía; una "
        "toma pública que no es de ningún hogar va sin número ni nombre. Cada hogar se reconoce "
        "por su número en el padrón y cada toma por su número de toma: volver a importar el "
        "mismo archivo no duplica nada."
    )
    columns = [
        Column(
            "numero",
            Text(20),
            field="number",
            aliases=("numero_padron", "no"),
            description=gettext_lazy(
                "número del hogar en el padrón; obligatorio, salvo en una toma pública que no "
                "es de ningún hogar"
            ),
        ),
        Column(
            "nombre",
            Text(200),
            field="name",
            description=gettext_lazy(
                "nombre de quien encabeza el hogar; obligatorio si hay número"
            ),
        ),
        Column(
            "localidad",
            Text(200),
            field="locality",
            aliases=("clave_localidad",),
            description=gettext_lazy(
                "clave INEGI de la localidad (9 dígitos, o los 4 últimos) o su nombre, dentro "
                "del municipio del comité; obligatoria si hay número"
            ),
        ),
        Column(
            "nombre_localidad",
            Text(200),
            description=gettext_lazy(
                "nombre de la localidad, solo para leer el archivo; no se usa al importar"
            ),
        ),
        field_column(Household, "reference", column="referencia"),
        field_column(Household, "people", column="personas"),
        Column(
            "toma",
            Text(20),
            field="code",
            aliases=("numero_toma",),
            description=gettext_lazy("número de la toma; vacío si el hogar todavía no tiene toma"),
        ),
        Column(
            "tipo_toma",
            Choice(Kind.choices, KIND_ALIASES),
            field="kind",
            aliases=("tipo_de_toma",),
            description=gettext_lazy("domiciliaria o publica; por omisión, domiciliaria"),
        ),
        Column(
            "estado",
            Choice(Status.choices, STATUS_ALIASES),
            field="status",
            description=gettext_lazy("activa, suspendida o exenta; por omisión, activa"),
        ),
        Column(
            "motivo_exencion",
            Text(200),
            field="exemption_reason",
            description=gettext_lazy("por qué está exenta la toma; obligatorio si está exenta"),
        ),
        Column(
            "regla_exencion",
            Text(200),
            field="exemption",
            description=gettext_lazy(
                "nombre de una regla de exención que ya aprobó la asamblea y está anotada en "
                "«Tarifas y exenciones»; obligatoria si la toma está exenta"
            ),
        ),
    ]
    result_class = PadronImportResult
    write_conflict_message = gettext_lazy(
        "Mientras se revisaba el archivo, alguien más agregó al padrón un número o "
        "una toma que viene en él. No se guardó nada; vuelva a importar el archivo."
    )

    def __init__(self, provider: Provider | None = None) -> None:
        self.provider = provider

    def check_columns(self, present: set[str]) -> None:
        missing = [name for name in HEADER_REQUIRED if name not in present]
        if missing:
            raise TabularFileError(
                _(
                    "Al archivo le faltan columnas: %(missing)s. La primera fila debe tener los "
                    "nombres de las columnas; vea la lista de columnas del padrón."
                )
                % {"missing": ", ".join(missing)}
            )

    def plan(self, rows: list[ParsedRow], job: ImportJob) -> "PadronImport":
        if self.provider is None:
            raise ValueError("A padrón is imported into one provider: PadronSpec(provider).")
        planned = PadronImport(self.provider, job)
        planned.plan(rows)
        return planned

    def write(self, plan: "PadronImport", job: ImportJob) -> list[models.Model]:
        return plan.write()


PADRON = PadronSpec()


class PadronImport:
    """One run's plan for one provider's padrón: the households and tomas a file describes."""

    def __init__(self, provider: Provider, job: ImportJob) -> None:
        self.provider, self.job = provider, job
        self.result: PadronImportResult = job.result  # type: ignore[assignment]
        self.scope_pair = (provider.municipality_id, provider.pk)
        self.households: list[_Planned] = []
        self.connections: list[_Planned] = []

    def plan(self, rows: list[ParsedRow]) -> None:
        self._load_references()
        self.households, self.connections = self._plan(rows, self.result)

    # References within the provider ------------------------------------------------------------
    def _load_references(self) -> None:
        provider = self.provider
        served = Locality.objects.filter(
            Q(served_by__system__provider=provider) | Q(sited_systems__provider=provider)
        ).values("pk")
        self.localities = list(
            Locality.objects.filter(Q(municipality_id=provider.municipality_id) | Q(pk__in=served))
        )
        self.locality_by_key = {locality.key: locality for locality in self.localities}
        self.localities_by_name: dict[str, list[Locality]] = defaultdict(list)
        for locality in self.localities:
            self.localities_by_name[fold(locality.name).strip()].append(locality)
        self.rules_by_name: dict[str, list[ExemptionRule]] = defaultdict(list)
        for rule in ExemptionRule.objects.filter(provider=provider):
            self.rules_by_name[fold(rule.name).strip()].append(rule)
        self.stored_households = {
            household.number: household
            for household in Household.objects.filter(provider=provider).select_related("locality")
        }
        self.stored_connections = {
            connection.code: connection
            for connection in Connection.objects.filter(provider=provider).select_related(
                "household", "exemption"
            )
        }

    def _locality(self, text: str) -> Locality:
        municipality = self.provider.municipality
        key = text.strip().strip("'")
        if key.isdigit():
            if len(key) <= 4:
                key = municipality.key + key.zfill(4)
            key = key.zfill(9)
            locality = self.locality_by_key.get(key)
            if locality is not None:
                return locality
            elsewhere = Locality.objects.filter(key=key).select_related("municipality").first()
            if elsewhere is not None:
                raise RowError(
                    _(
                        "la localidad %(key)s (%(name)s) es del municipio de %(other)s, no del "
                        "de este comité (%(municipality)s); revise la clave"
                    )
                    % {
                        "key": key,
                        "name": elsewhere.name,
                        "other": elsewhere.municipality.name,
                        "municipality": municipality.name,
                    }
                )
            raise RowError(
                _("no existe la localidad con clave «%(key)s»; revise la clave INEGI")
                % {"key": text}
            )
        matches = self.localities_by_name.get(fold(key).strip(), [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise RowError(
                _(
                    "hay %(count)s localidades llamadas «%(name)s» en %(municipality)s; escriba "
                    "su clave INEGI en la columna localidad"
                )
                % {"count": len(matches), "name": text, "municipality": municipality.name}
            )
        raise RowError(
            _(
                "no hay una localidad «%(name)s» en el municipio de %(municipality)s; escriba su "
                "clave INEGI o su nombre como aparece en Ojo de Agua"
            )
            % {"name": text, "municipality": municipality.name}
        )

    def _rule(self, text: str) -> ExemptionRule:
        matches = self.rules_by_name.get(fold(text).strip(), [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise RowError(
                _(
                    "hay %(count)s reglas de exención llamadas «%(name)s»; cambie el nombre de "
                    "una en «Tarifas y exenciones» para distinguirlas"
                )
                % {"count": len(matches), "name": text}
            )
        raise RowError(
            _(
                "no hay una regla de exención «%(name)s» en este comité; agréguela en «Tarifas y "
                "exenciones» con la fecha y el acta de la asamblea que la aprobó, y vuelva a "
                "importar"
            )
            % {"name": text}
        )

    # Reading each row --------------------------------------------------------------------------
    def _row_values(self, row: ParsedRow) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(household field values, toma field values) of one row; RowError if it is wrong.

        Only columns the file has are returned: a column the file lacks leaves the stored
        value alone, an empty cell in a column it has empties the stored value.
        """
        values, present = row.values, row.present
        number = values.get("numero", "")
        code = values.get("toma", "")
        household = None
        if number:
            missing = [name for name in ("nombre", "localidad") if not values.get(name)]
            if missing:
                raise RowError(
                    _("la columna %(column)s está vacía; un hogar del padrón la necesita")
                    % {"column": _(" y ").join(missing)}
                )
            household = {
                "number": number,
                "name": values["nombre"],
                "locality": self._locality(values["localidad"]),
            }
            if "referencia" in present:
                household["reference"] = values.get("referencia", "")
            if "personas" in present:
                household["people"] = values.get("personas")
        elif not code:
            raise RowError(
                _("la fila no tiene número de padrón ni toma; anote el número del hogar")
            )
        elif values.get("tipo_toma") != Kind.PUBLIC_TAP:
            raise RowError(
                _(
                    "falta el número de padrón; solo una toma pública (tipo_toma publica) puede "
                    "ir sin hogar"
                )
            )
        elif values.get("nombre") or values.get("localidad"):
            raise RowError(
                _(
                    "una toma pública sin número de padrón no lleva nombre ni localidad; "
                    "bórrelos o anote el número del hogar"
                )
            )
        if not code:
            filled = [name for name in CONNECTION_COLUMNS if values.get(name)]
            if filled:
                raise RowError(
                    _(
                        "la fila trae datos de una toma (%(columns)s) pero falta su número en la "
                        "columna toma"
                    )
                    % {"columns": ", ".join(filled)}
                )
            return household, None
        connection: dict[str, Any] = {"code": code}
        if "tipo_toma" in present:
            connection["kind"] = values.get("tipo_toma") or Kind.HOUSE
        if "estado" in present:
            connection["status"] = values.get("estado") or Status.ACTIVE
        if "motivo_exencion" in present:
            connection["exemption_reason"] = values.get("motivo_exencion", "")
        if "regla_exencion" in present:
            text = values.get("regla_exencion", "")
            connection["exemption"] = self._rule(text) if text else None
        return household, connection

    def _plan(
        self, rows: list[ParsedRow], result: PadronImportResult
    ) -> tuple[list[_Planned], list[_Planned]]:
        households: dict[str, _Planned] = {}
        household_values: dict[str, dict[str, Any]] = {}
        connections: dict[str, _Planned] = {}
        for row in rows:
            try:
                household_data, connection_data = self._row_values(row)
                household_plan = None
                if household_data is not None:
                    number = household_data["number"]
                    household_plan = households.get(number)
                    if household_plan is not None:
                        self._same_household(
                            household_values[number], household_data, household_plan
                        )
                    else:
                        household_plan = self._plan_household(household_data, row.line)
                connection_plan = None
                if connection_data is not None:
                    code = connection_data["code"]
                    if code in connections:
                        raise RowError(
                            _(
                                "la toma «%(code)s» ya apareció en la fila %(line)s; cada toma "
                                "va en una sola fila"
                            )
                            % {"code": code, "line": connections[code].line}
                        )
                    connection_plan = self._plan_connection(
                        connection_data,
                        household_plan.instance if household_plan else None,
                        row.line,
                    )
            except RowError as error:
                result.rejected.append((row.line, str(error)))
                continue
            accepted = AcceptedRow(line=row.line, number="", code="")
            if household_plan is not None:
                number = household_data["number"]
                accepted.number = number
                if number in households:
                    accepted.household = "same"
                else:
                    households[number] = household_plan
                    household_values[number] = household_data
                    accepted.household = household_plan.action
            if connection_plan is not None:
                connections[connection_data["code"]] = connection_plan
                accepted.code = connection_data["code"]
                accepted.connection = connection_plan.action
            result.accepted.append(accepted)
        for plan in households.values():
            counter = f"households_{COUNTERS[plan.action]}"
            setattr(result, counter, getattr(result, counter) + 1)
        for plan in connections.values():
            counter = f"connections_{COUNTERS[plan.action]}"
            setattr(result, counter, getattr(result, counter) + 1)
        result.created = result.households_created + result.connections_created
        result.updated = result.households_updated + result.connections_updated
        result.unchanged = result.households_unchanged + result.connections_unchanged
        result.records = result.created + result.updated + result.unchanged
        return list(households.values()), list(connections.values())

    def _same_household(self, first: dict[str, Any], again: dict[str, Any], plan: _Planned) -> None:
        different = [
            column
            for column, name in zip(HOUSEHOLD_COLUMNS, HOUSEHOLD_FIELD_NAMES, strict=True)
            if name in again and _key(again[name]) != _key(first.get(name))
        ]
        if different:
            raise RowError(
                _(
                    "el hogar %(number)s ya apareció en la fila %(line)s con otro valor en "
                    "%(columns)s; sus filas deben repetir los mismos datos del hogar"
                )
                % {"number": first["number"], "line": plan.line, "columns": ", ".join(different)}
            )

    def _plan_household(self, data: dict[str, Any], line: int) -> _Planned:
        stored = self.stored_households.get(data["number"])
        if stored is None:
            return _Planned(Household(provider=self.provider, **data), line, "create")
        # Work on a copy: a row rejected later must leave the stored household as it was.
        household = detached_copy(stored)
        changes = {}
        for name, value in data.items():
            before = getattr(stored, name)
            if _key(before) != _key(value):
                changes[name] = [_plain_household_value(before), _plain_household_value(value)]
                setattr(household, name, value)
        return _Planned(household, line, "update" if changes else "unchanged", changes)

    def _plan_connection(
        self, data: dict[str, Any], household: Household | None, line: int
    ) -> _Planned:
        stored = self.stored_connections.get(data["code"])
        if stored is None:
            connection = Connection(provider=self.provider, household=household, **data)
            self._clean(connection)
            return _Planned(connection, line, "create")
        connection = detached_copy(stored)
        for name, value in data.items():
            setattr(connection, name, value)
        connection.household = household
        self._clean(connection)
        changes = {}
        for name in ("household", "kind", "status", "exemption", "exemption_reason"):
            before, after = getattr(stored, name), getattr(connection, name)
            if _key(before) != _key(after):
                changes[name] = [_plain_connection_value(before), _plain_connection_value(after)]
        return _Planned(connection, line, "update" if changes else "unchanged", changes)

    def _clean(self, connection: Connection) -> None:
        try:
            connection.clean()
        except ValidationError as error:
            raise self.job.row_error(error) from error

    # Writing -----------------------------------------------------------------------------------
    def write(self) -> list[models.Model]:
        """Write the households, then the tomas, with their audit events; return what changed."""
        households, connections = self.households, self.connections
        new_households = [plan.instance for plan in households if plan.action == "create"]
        Household.objects.bulk_create(new_households, batch_size=BATCH_SIZE)
        changed_households = [plan for plan in households if plan.action == "update"]
        if changed_households:
            names = sorted({name for plan in changed_households for name in plan.changes})
            Household.objects.bulk_update(
                [plan.instance for plan in changed_households], names, batch_size=BATCH_SIZE
            )
        for plan in connections:
            # A new household's primary key exists only now.
            if plan.instance.household is not None:
                plan.instance.household_id = plan.instance.household.pk
        new_connections = [plan.instance for plan in connections if plan.action == "create"]
        Connection.objects.bulk_create(new_connections, batch_size=BATCH_SIZE)
        changed_connections = [plan for plan in connections if plan.action == "update"]
        # A toma moved to another household takes its receipts along: both are re-stepped.
        moved = [
            household
            for plan in changed_connections
            if "household" in plan.changes
            for household in (
                self.stored_connections[plan.instance.code].household_id,
                plan.instance.household_id,
            )
        ]
        if changed_connections:
            names = sorted({name for plan in changed_connections for name in plan.changes})
            with kept.moving_tomas(self.provider.pk, moved):
                Connection.objects.bulk_update(
                    [plan.instance for plan in changed_connections], names, batch_size=BATCH_SIZE
                )
        events: list[AuditEvent] = []
        for plan in [*households, *connections]:
            if plan.action == "create":
                events.append(
                    self.job.event(
                        AuditEvent.Action.CREATE,
                        plan.instance,
                        trail.snapshot(plan.instance),
                        scope=self.scope_pair,
                    )
                )
            elif plan.action == "update":
                events.append(
                    self.job.event(
                        AuditEvent.Action.UPDATE,
                        plan.instance,
                        plan.changes,
                        scope=self.scope_pair,
                    )
                )
        self.job.save_events(events)
        return [plan.instance for plan in [*households, *connections] if plan.action != "unchanged"]


def _key(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _plain_household_value(value: Any) -> Any:
    if isinstance(value, Locality):
        return f"{value.key} {value.name}"
    return trail.plain(value)


def _plain_connection_value(value: Any) -> Any:
    # A toma's history names its household by padrón number, not by the person's name.
    if isinstance(value, Household):
        return value.number
    if isinstance(value, ExemptionRule):
        return value.name
    return trail.plain(value)
