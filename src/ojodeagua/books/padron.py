"""The padrón (user register): who may read its names, its figures, its import, and tariff rules.

Names in the padrón are personal data: they are shown only to the committee that keeps it and
to the people who accompany that committee one by one (see ``may_see_names``). Everyone else who
sees the provider (a municipal coordinator, for instance) sees counts and padrón numbers.

The import reuses the observation importer's reading, column parsing and audit events
(``ojodeagua.lib.importing``); what differs is the key: a household is the padrón number within
its provider, and a connection (toma) its code within the provider.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent
from ojodeagua.lib.folding import Folded, fold
from ojodeagua.lib.importing import (
    BATCH_SIZE,
    Choice,
    Column,
    Importer,
    ImportResult,
    ImportSpec,
    ParsedRow,
    RowError,
    Text,
    field_column,
    read_table,
)
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

from .models import BooksSettings, Connection, ExemptionRule, Household, Tariff

Status = Connection.Status
Kind = Connection.Kind


# Who may read names -------------------------------------------------------------------------------
def may_see_names(user, provider: Provider) -> bool:
    """Whether ``user`` may read the names (and addresses) in ``provider``'s padrón.

    The padrón's names are personal data, "visible only to that committee and its coaches":

    - superusers may;
    - people whose active memberships name this provider one by one may: the committee's own
      members (``tesorera``) and the facilitators who accompany it (``ong``), i.e. the provider
      is in ``scope_for(user).view.provider_ids``;
    - people who see the provider only because they cover its whole municipality (the agency
      coordinator ``agencia``) may not: they see the counts, padrón numbers and toma codes,
      never names, addresses or why a toma is exempt.

    Every padrón page, export and import asks this function.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    return scope_for(user).sees_names_of(provider.pk)


def may_edit_padron(user, provider: Provider) -> bool:
    """Editing the padrón shows its names, so it needs both edit rights and the names."""
    return may_see_names(user, provider) and scope_for(user).can_edit(provider)


# Figures ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PadronCounts:
    households: int
    connections: int
    active: int
    suspended: int
    exempt: int
    public_taps: int
    people: int


def padron_counts(provider: Provider) -> PadronCounts:
    """The padrón in numbers; no names, so anyone who sees the provider may read them."""
    connections = Connection.objects.filter(provider=provider).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status=Status.ACTIVE)),
        suspended=Count("pk", filter=Q(status=Status.SUSPENDED)),
        exempt=Count("pk", filter=Q(status=Status.EXEMPT)),
        public_taps=Count("pk", filter=Q(kind=Kind.PUBLIC_TAP)),
    )
    households = Household.objects.filter(provider=provider).aggregate(
        total=Count("pk"), people=models.Sum("people")
    )
    return PadronCounts(
        households=households["total"],
        connections=connections["total"],
        active=connections["active"],
        suspended=connections["suspended"],
        exempt=connections["exempt"],
        public_taps=connections["public_taps"],
        people=households["people"] or 0,
    )


def padron_households(
    provider: Provider, *, text: str = "", status: str = "", with_names: bool = False
) -> models.QuerySet[Household]:
    """The provider's households with their tomas, searched and filtered.

    The search box finds a padrón number or a toma code as typed, and a locality's name without
    regard to accents; a person's name only for those who may read names (otherwise a search
    would tell someone that a name is on the padrón).
    """
    households = Household.objects.filter(provider=provider)
    text = text.strip()
    if text:
        condition = (
            Q(number__iexact=text)
            | Q(connections__code__iexact=text)
            | Q(_folded_locality__contains=fold(text))
        )
        households = households.alias(_folded_locality=Folded("locality__name"))
        if with_names:
            households = households.alias(_folded_name=Folded("name"))
            condition |= Q(_folded_name__contains=fold(text))
        households = households.filter(condition)
    if status == "none":
        households = households.filter(connections__isnull=True)
    elif status:
        households = households.filter(connections__status=status)
    ids = households.values("pk")
    return (
        Household.objects.filter(pk__in=ids)
        .select_related("locality")
        .prefetch_related(
            models.Prefetch("connections", queryset=Connection.objects.select_related("exemption"))
        )
        .order_by(*padron_order())
    )


def padron_order() -> list:
    """Padrón numbers are text ("7", "12", "A-3"): numbers sort as numbers, then the rest."""
    return [models.functions.Length("number"), "number"]


def public_taps_without_household(provider: Provider) -> models.QuerySet[Connection]:
    return Connection.objects.filter(provider=provider, household__isnull=True).select_related(
        "exemption"
    )


def next_padron_number(provider: Provider) -> str:
    """One more than the highest numeric padrón number, for a new household's form."""
    numbers = Household.objects.filter(provider=provider).values_list("number", flat=True)
    highest = max((int(n) for n in numbers if n.isdigit()), default=0)
    return str(highest + 1)


# Export -------------------------------------------------------------------------------------------
# The export's columns are the import's, so a committee can export, correct and import back.
EXPORT_HEADER_WITH_NAMES = [
    "numero",
    "nombre",
    "localidad",
    "nombre_localidad",
    "referencia",
    "personas",
    "toma",
    "tipo_toma",
    "estado",
    "motivo_exencion",
    "regla_exencion",
]
# Without names: no name, no address or reference, no reason for an exemption (it can say who).
EXPORT_HEADER_WITHOUT_NAMES = [
    "numero",
    "localidad",
    "nombre_localidad",
    "personas",
    "toma",
    "tipo_toma",
    "estado",
    "regla_exencion",
]
KIND_WORDS = {Kind.HOUSE: "domiciliaria", Kind.PUBLIC_TAP: "publica"}
STATUS_WORDS = {Status.ACTIVE: "activa", Status.SUSPENDED: "suspendida", Status.EXEMPT: "exenta"}


def export_rows(provider: Provider, *, with_names: bool) -> Iterator[list[Any]]:
    """One row per toma (a household without a toma gets one row), padrón order."""
    header = EXPORT_HEADER_WITH_NAMES if with_names else EXPORT_HEADER_WITHOUT_NAMES

    def row(household: Household | None, connection: Connection | None) -> list[Any]:
        values = {
            "numero": household.number if household else "",
            "nombre": household.name if household else "",
            "localidad": household.locality.key if household else "",
            "nombre_localidad": household.locality.name if household else "",
            "referencia": household.reference if household else "",
            "personas": household.people if household else None,
            "toma": connection.code if connection else "",
            "tipo_toma": KIND_WORDS.get(connection.kind, "") if connection else "",
            "estado": STATUS_WORDS.get(connection.status, "") if connection else "",
            "motivo_exencion": connection.exemption_reason if connection else "",
            "regla_exencion": connection.exemption.name
            if connection and connection.exemption
            else "",
        }
        return [values[name] for name in header]

    for household in padron_households(provider, with_names=with_names):
        connections = list(household.connections.all())
        if not connections:
            yield row(household, None)
        for connection in connections:
            yield row(household, connection)
    for connection in public_taps_without_household(provider):
        yield row(None, connection)


def export_header(*, with_names: bool) -> list[str]:
    return list(EXPORT_HEADER_WITH_NAMES if with_names else EXPORT_HEADER_WITHOUT_NAMES)


# Import -------------------------------------------------------------------------------------------
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

PADRON = ImportSpec(
    kind="padron",
    label=gettext_lazy("padrón de usuarios"),
    model=Household,
    description=gettext_lazy(
        "Una fila por toma. Un hogar con dos tomas va en dos filas que repiten su número, "
        "nombre y localidad; un hogar sin toma va en una fila con la columna toma vacía; una "
        "toma pública que no es de ningún hogar va sin número ni nombre. Cada hogar se reconoce "
        "por su número en el padrón y cada toma por su número de toma: volver a importar el "
        "mismo archivo no duplica nada."
    ),
    columns=[
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
    ],
    default_source="",
)


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


class PadronImporter(Importer):
    """Reads a padrón file for one provider with the observation importer's machinery."""

    def __init__(self, provider: Provider, *, user=None, strict=False, dry_run=False) -> None:
        super().__init__(PADRON, user=user, strict=strict, dry_run=dry_run)
        self.provider = provider
        self.scope_pair = (provider.municipality_id, provider.pk)

    def import_bytes(self, data: bytes, filename: str = "") -> PadronImportResult:
        table = read_table(data, filename)
        result = PadronImportResult(kind=PADRON.kind, encoding=table.encoding, dry_run=self.dry_run)
        columns = self._resolve_columns(table, result)
        present = {column.name for column in columns.values()}
        missing = [name for name in HEADER_REQUIRED if name not in present]
        if missing:
            raise TabularFileError(
                _(
                    "Al archivo le faltan columnas: %(missing)s. La primera fila debe tener los "
                    "nombres de las columnas; vea la lista de columnas del padrón."
                )
                % {"missing": ", ".join(missing)}
            )
        rows = self._parse(table, columns, result)
        self._load_references()
        households, connections = self._plan(rows, result)
        result.rejected.sort()
        if result.rejected and self.strict:
            return result
        self._write_padron(households, connections, result)
        return result

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
        household = _copy(stored)
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
        connection = _copy(stored)
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
            raise RowError(self._validation_message(error)) from error

    # Writing -----------------------------------------------------------------------------------
    def _write_padron(
        self,
        households: list[_Planned],
        connections: list[_Planned],
        result: PadronImportResult,
    ) -> None:
        try:
            self._write_rows(households, connections)
        except IntegrityError as error:
            # Someone saved the same padrón number or toma while this file was being read.
            raise TabularFileError(
                _(
                    "Mientras se revisaba el archivo, alguien más agregó al padrón un número o "
                    "una toma que viene en él. No se guardó nada; vuelva a importar el archivo."
                )
            ) from error
        result.written = not self.dry_run
        result.changed = (
            []
            if self.dry_run
            else [
                plan.instance for plan in [*households, *connections] if plan.action != "unchanged"
            ]
        )

    def _write_rows(self, households: list[_Planned], connections: list[_Planned]) -> None:
        events: list[AuditEvent] = []
        with transaction.atomic():
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
            if changed_connections:
                names = sorted({name for plan in changed_connections for name in plan.changes})
                Connection.objects.bulk_update(
                    [plan.instance for plan in changed_connections], names, batch_size=BATCH_SIZE
                )
            for plan in [*households, *connections]:
                if plan.action == "create":
                    events.append(
                        self._event(
                            AuditEvent.Action.CREATE,
                            plan.instance,
                            trail.snapshot(plan.instance),
                            scope=self.scope_pair,
                        )
                    )
                elif plan.action == "update":
                    events.append(
                        self._event(
                            AuditEvent.Action.UPDATE,
                            plan.instance,
                            plan.changes,
                            scope=self.scope_pair,
                        )
                    )
            AuditEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
            if self.dry_run:
                transaction.set_rollback(True)


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


def _copy(instance: models.Model) -> models.Model:
    """A detached copy with the same field values and cached related rows."""
    clone = type(instance)()
    clone.__dict__.update(instance.__dict__)
    clone._state = type(instance._state)()
    clone._state.adding = False
    clone._state.db = instance._state.db
    clone._state.fields_cache = dict(instance._state.fields_cache)
    return clone


def import_padron(
    provider: Provider,
    data: bytes,
    *,
    filename: str = "",
    user=None,
    strict: bool = False,
    dry_run: bool = False,
) -> PadronImportResult:
    """Import a padrón file into ``provider``'s padrón (see ``docs/imports.md``)."""
    return PadronImporter(provider, user=user, strict=strict, dry_run=dry_run).import_bytes(
        data, filename
    )


# Tariffs, exemption rules and settings ------------------------------------------------------------
def check_new_tariff(tariff: Tariff) -> None:
    """A tariff is never edited: a new one of the same kind, valid from a later day, replaces it.

    So a new tariff must start after the latest one of its kind; what was charged under an
    earlier tariff keeps the price the assembly had approved then.
    """
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if tariff.approved_on and tariff.approved_on > today:
        errors["approved_on"] = _(
            "La fecha de la asamblea no puede ser posterior a hoy; anote el día en que se aprobó."
        )
    latest = (
        Tariff.objects.filter(provider_id=tariff.provider_id, kind=tariff.kind)
        .exclude(pk=tariff.pk)
        .aggregate(latest=Max("valid_from"))["latest"]
    )
    if latest and tariff.valid_from and tariff.valid_from <= latest:
        errors["valid_from"] = _(
            "Ya hay una tarifa de este tipo que vale desde el %(day)s. Las tarifas no se "
            "cambian: la nueva debe valer desde un día posterior y reemplaza a la anterior."
        ) % {"day": latest.strftime("%d/%m/%Y")}
    if errors:
        raise ValidationError(errors)


def add_tariff(user, tariff: Tariff) -> Tariff:
    """Save a new tariff (audited) after checking that it replaces, never rewrites, the last."""
    if tariff.pk is not None:
        raise ValueError("Tariffs are never edited; add a new one.")
    with transaction.atomic():
        # Lock the provider so two people adding the same kind at once are checked in turn.
        Provider.objects.select_for_update().filter(pk=tariff.provider_id).first()
        check_new_tariff(tariff)
        return trail.save_audited(user, tariff, tariff.save)


@dataclass
class TariffLine:
    kind: str
    label: str
    current: Tariff | None
    upcoming: list[Tariff]
    past: list[Tariff]


def tariff_lines(provider: Provider, on: datetime.date | None = None) -> list[TariffLine]:
    """Per kind: the tariff in force on ``on``, the ones approved for later, and the old ones."""
    on = on or timezone.localdate()
    by_kind: dict[str, list[Tariff]] = defaultdict(list)
    for tariff in Tariff.objects.filter(provider=provider).order_by("kind", "-valid_from"):
        by_kind[tariff.kind].append(tariff)
    lines = []
    for kind, label in Tariff.Kind.choices:
        tariffs = by_kind.get(kind)
        if not tariffs:
            continue
        upcoming = [t for t in tariffs if t.valid_from > on]
        started = [t for t in tariffs if t.valid_from <= on]
        lines.append(
            TariffLine(
                kind=kind,
                label=str(label),
                current=started[0] if started else None,
                upcoming=list(reversed(upcoming)),
                past=started[1:],
            )
        )
    return lines


def tariff_in_force(provider: Provider, kind: str, on: datetime.date) -> Tariff | None:
    """The tariff of ``kind`` that applies on ``on``: the latest that started by then."""
    return (
        Tariff.objects.filter(provider=provider, kind=kind, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )


def exemption_rules(provider: Provider) -> models.QuerySet[ExemptionRule]:
    """The assembly's exemption rules, each with how many tomas use it."""
    return (
        ExemptionRule.objects.filter(provider=provider)
        .annotate(
            connection_count=Count("connections"),
            exempt_count=Count("connections", filter=Q(connections__status=Status.EXEMPT)),
        )
        .order_by("name")
    )


def check_exemption_rule(rule: ExemptionRule) -> None:
    errors: dict[str, str] = {}
    if rule.approved_on and rule.approved_on > timezone.localdate():
        errors["approved_on"] = _(
            "La fecha de la asamblea no puede ser posterior a hoy; anote el día en que se aprobó."
        )
    name = fold(rule.name or "").strip()
    same_name = [
        other
        for other in ExemptionRule.objects.filter(provider_id=rule.provider_id).exclude(pk=rule.pk)
        if fold(other.name).strip() == name
    ]
    if same_name:
        errors["name"] = _(
            "Ya hay una regla con ese nombre; póngale otro para que el padrón las distinga."
        )
    if errors:
        raise ValidationError(errors)


def settings_for(provider: Provider) -> BooksSettings:
    """The provider's settings, or the defaults (unsaved) when the assembly has set none."""
    stored = BooksSettings.objects.filter(provider=provider).first()
    return stored or BooksSettings(provider=provider)
