"""The padrón (user register): who may read its names, its figures, its import, and tariff rules.

Names in the padrón are personal data: they are shown only to the committee that keeps it and
to the people who accompany that committee one by one (see ``may_see_names``). Everyone else who
sees the provider (a municipal coordinator, for instance) sees counts and padrón numbers.

The import runs the one importer engine (``ojodeagua.imports.engine``) with the padrón's spec
(``books/import_spec.py``): a household is its padrón number within its provider, and a
connection (toma) its code within the provider.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.audit import trail
from ojodeagua.imports.engine import run_import
from ojodeagua.lib.folding import Folded, fold
from ojodeagua.lib.tabular import ReadLimits
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

from . import kept
from .import_spec import PadronImportResult, PadronSpec
from .models import BooksSettings, Connection, ExemptionRule, Household, Tariff

Status = Connection.Status
Kind = Connection.Kind


# Who may read names -------------------------------------------------------------------------------
def may_see_names(user, provider: Provider) -> bool:
    """Whether ``user`` may read the names (and addresses) in ``provider``'s padrón.

    The padrón's names are personal data, "visible only to that committee and its coaches":

    - superusers may;
    - people whose active memberships name this provider one by one, with a role that keeps
      its records, may: the committee's own members (``tesorera``) and the facilitators who
      accompany it (``ong``), i.e. the provider is in ``scope_for(user).edit.provider_ids``
      (``Scope.sees_names_of``, the one rule for names); a viewer may not;
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


# Writing the padrón -------------------------------------------------------------------------------
def no_names_refusal() -> PermissionDenied:
    return PermissionDenied(
        _(
            "El padrón lo cambian el comité y quienes lo acompañan, porque lleva nombres y "
            "direcciones; usted ve sus números, sin nombres."
        )
    )


def check_padron_writer(user, provider: Provider) -> None:
    """Refuse (``PermissionDenied``) someone who may not change this padrón."""
    if not may_edit_padron(user, provider):
        raise no_names_refusal()


def provider_localities(provider: Provider, current_id: int | None = None):
    """The localities a household of this provider can be in: its municipality's, and any
    other its systems serve."""
    served = Q(served_by__system__provider=provider) | Q(sited_systems__provider=provider)
    allowed = Q(municipality_id=provider.municipality_id) | Q(
        pk__in=Locality.objects.filter(served).values("pk")
    )
    if current_id:
        allowed |= Q(pk=current_id)
    return Locality.objects.filter(allowed).order_by("name")


def household_number_taken(household: Household) -> str | None:
    """Why this padrón number may not be used, or None: it is another household's."""
    taken = Household.objects.filter(provider=household.provider_id, number=household.number)
    if taken.exclude(pk=household.pk).exists():
        return _("El número %(number)s ya es de otro hogar de este padrón; use otro número.") % {
            "number": household.number
        }
    return None


def check_household(household: Household) -> None:
    """A padrón number once per padrón; a locality the committee's area holds."""
    if refused := household_number_taken(household):
        raise ValidationError({"number": refused})
    if household.locality_id:
        stored = Household.objects.filter(pk=household.pk).values_list("locality_id", flat=True)
        current = stored.first() if household.pk else None
        localities = provider_localities(household.provider, current)
        if not localities.filter(pk=household.locality_id).exists():
            raise ValidationError(
                {
                    "locality": _(
                        "Esa localidad no es del municipio del comité ni la sirve uno de sus "
                        "sistemas; elija la localidad donde está el hogar."
                    )
                }
            )


def check_connection(connection: Connection) -> None:
    """A toma code once per padrón; an exemption rule of the same committee."""
    if connection.exemption_id and connection.exemption.provider_id != connection.provider_id:
        raise ValidationError(
            {"exemption": _("Esa regla de exención es de otro comité; elija una de este.")}
        )
    taken = Connection.objects.filter(provider=connection.provider_id, code=connection.code)
    if taken.exclude(pk=connection.pk).exists():
        raise ValidationError(
            {
                "code": _("La toma %(code)s ya es de otro hogar de este padrón; use otro número.")
                % {"code": connection.code}
            }
        )


@transaction.atomic
def save_connection(user, connection: Connection) -> tuple[Connection, bool]:
    """Add or change a toma of the padrón, (toma, created); audited. Pages and the API."""
    check_padron_writer(user, connection.provider)
    connection.code = connection.code.strip()
    check_connection(connection)
    connection.full_clean(validate_unique=False, validate_constraints=False)
    created = connection.pk is None
    stored = None if created else Connection.objects.filter(pk=connection.pk).first()
    moved = [] if stored is None else [stored.household_id, connection.household_id]
    if len(set(moved)) < 2:
        moved = []  # Not moved: its household's paid months stay as they were.
    with kept.moving_tomas(connection.provider_id, moved):
        saved = trail.save_audited(user, connection, connection.save)
    return saved, created


@transaction.atomic
def save_household(
    user, household: Household, connections: list[Connection] = ()
) -> tuple[Household, bool]:
    """Add or change a household of the padrón with the tomas given, (household, created);
    audited. The padrón page and the API save through here."""
    check_padron_writer(user, household.provider)
    household.number = household.number.strip()
    check_household(household)
    household.full_clean(validate_unique=False, validate_constraints=False)
    created = household.pk is None
    saved = trail.save_audited(user, household, household.save)
    for connection in connections:
        connection.household = saved
        save_connection(user, connection)
    return saved, created


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
def import_padron(
    provider: Provider,
    data: bytes,
    *,
    filename: str = "",
    user=None,
    strict: bool = False,
    dry_run: bool = False,
    limits: ReadLimits | None = None,
) -> PadronImportResult:
    """Import a padrón file into ``provider``'s padrón (see ``docs/imports.md``).

    Who may import is the caller's check (``may_edit_padron``): the page and the command ask it.
    ``limits`` bound the file; the page leaves them to the pages' default.
    """
    return run_import(  # type: ignore[return-value]
        PadronSpec(provider),
        data,
        filename=filename,
        user=user,
        strict=strict,
        dry_run=dry_run,
        limits=limits,
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
