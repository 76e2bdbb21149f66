"""What needs attention across the committees a facilitator or an agency follows, line by line.

One selector for their home page: systems down, water that failed E. coli or arsenic, chlorinating
systems without a chlorine reading, complaints and road-map actions past their date, the books'
red flags, records waiting for validation and committees without an integrity cycle in 12 months.
Each line names its committee and links to the record; none names a person. The rules are the
ones the rest of the project uses (``red_flags``, ``agency``, ``Complaint.objects.overdue``,
``books.selectors``); this module only reads them for many committees at once, in a fixed number
of queries whatever their number. Dates are relative to the ``on`` argument.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ojodeagua.books.selectors import last_full_checks
from ojodeagua.indicators.catalogue import MICROBIAL
from ojodeagua.monitoring.models import (
    HealthCentreSurvey,
    HouseholdSurvey,
    SchoolSurvey,
    SupplyDay,
    SystemVisit,
)
from ojodeagua.monitoring.observation import Observation
from ojodeagua.providers.models import Provider
from ojodeagua.waterquality.models import Sample, Verdict
from ojodeagua.watersystems.models import WaterSystem

from . import red_flags
from .agency import overdue_actions, without_recent_cycle
from .models import Complaint

# The norm a failed test is read against: the Mexican one, which a health authority enforces.
QUALITY_NORM = "nom127"
ARSENIC = "arsenic"


class Kind:
    SYSTEM_DOWN = "system_down"
    UNSAFE_WATER = "unsafe_water"
    NO_CHLORINE = "no_chlorine"
    COMPLAINT = "complaint_overdue"
    ACTION = "action_overdue"
    RED_FLAG = "red_flag"
    PENDING = "pending_validation"
    NO_CYCLE = "no_cycle"


# The order lines come in, most urgent first, with the heading each group has on the page.
KIND_LABELS = {
    Kind.SYSTEM_DOWN: gettext_lazy("Sistemas que no funcionan"),
    Kind.UNSAFE_WATER: gettext_lazy("Agua que no cumple (E. coli o arsénico)"),
    Kind.NO_CHLORINE: gettext_lazy("Sistemas que cloran sin lectura de cloro en 30 días"),
    Kind.COMPLAINT: gettext_lazy("Quejas sin respuesta después de su fecha"),
    Kind.ACTION: gettext_lazy("Acciones de la hoja de ruta atrasadas"),
    Kind.RED_FLAG: gettext_lazy("Alertas de las cuentas"),
    Kind.PENDING: gettext_lazy("Registros por validar"),
    Kind.NO_CYCLE: gettext_lazy("Comités sin ciclo de integridad en 12 meses"),
}
KIND_ORDER = list(KIND_LABELS)


@dataclass(frozen=True)
class Line:
    kind: str
    committee: Provider
    text: str
    url: str
    date: datetime.date | None


def _day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def attention_lines(scope, on: datetime.date) -> list[Line]:
    """Every line for the committees (and other providers) the scope sees, most urgent kind
    first; within a kind, the oldest date first."""
    providers = list(scope.visible(Provider.objects.select_related("locality")).order_by("name"))
    lines: list[Line] = []
    lines += systems_down_and_unsafe(providers, on)
    lines += no_chlorine(providers, on)
    lines += complaints(providers, on)
    lines += actions(providers, on)
    lines += books_flags(providers, on)
    lines += pending_validation(scope, providers)
    lines += no_cycle(providers, on)
    oldest = datetime.date.max
    return sorted(
        lines,
        key=lambda line: (KIND_ORDER.index(line.kind), line.date or oldest, line.committee.name),
    )


def systems_down_and_unsafe(providers: list[Provider], on: datetime.date) -> list[Line]:
    """Systems whose latest validated visit found them not working; systems whose latest
    validated E. coli (or thermotolerant coliforms) or arsenic test failed NOM-127. Two queries."""
    by_id = {p.pk: p for p in providers}
    latest = (
        SystemVisit.objects.validated()
        .filter(system=OuterRef("pk"), observed_on__lte=on)
        .order_by("-observed_on", "-pk")
    )
    systems = (
        WaterSystem.objects.filter(provider_id__in=by_id)
        .annotate(
            visit_id=Subquery(latest.values("pk")[:1]),
            visit_on=Subquery(latest.values("observed_on")[:1]),
            visit_working=Subquery(latest.values("working")[:1]),
        )
        .order_by("name", "pk")
    )
    lines: list[Line] = []
    names: dict[int, WaterSystem] = {}
    for system in systems:
        names[system.pk] = system
        if system.visit_id is not None and not system.visit_working:
            lines.append(
                Line(
                    Kind.SYSTEM_DOWN,
                    by_id[system.provider_id],
                    _("%(system)s no funcionaba en la visita del %(date)s.")
                    % {"system": system.name, "date": _day(system.visit_on)},
                    reverse("monitoring:visit_detail", args=[system.visit_id]),
                    system.visit_on,
                )
            )
    # Latest test per system and parameter group (the later sample wins a tie of days).
    tests: dict[tuple[int, str], tuple] = {}
    verdicts = Verdict.objects.filter(
        norm__code=QUALITY_NORM,
        outcome__in=(Verdict.Outcome.PASS, Verdict.Outcome.FAIL),
        parameter_code__in=sorted(MICROBIAL | {ARSENIC}),
        sampled_on__lte=on,
        result__sample__state=Observation.State.VALIDATED,
        result__sample__system_id__in=list(names),
    ).values_list(
        "result__sample__system_id", "parameter_code", "sampled_on", "result__sample_id", "outcome"
    )
    for system_id, code, sampled_on, sample_id, outcome in verdicts.order_by():
        group = ARSENIC if code == ARSENIC else "microbial"
        key = (system_id, group)
        found = (sampled_on, sample_id, outcome == Verdict.Outcome.FAIL)
        if (
            key not in tests
            or found[:2] > tests[key][:2]
            or (found[:2] == tests[key][:2] and found[2])
        ):
            tests[key] = found
    for (system_id, group), (sampled_on, sample_id, failed) in sorted(tests.items()):
        if not failed:
            continue
        system = names[system_id]
        text = (
            _("El agua de %(system)s no cumplió en arsénico (muestra del %(date)s).")
            if group == ARSENIC
            else _("El agua de %(system)s tuvo E. coli (muestra del %(date)s).")
        )
        lines.append(
            Line(
                Kind.UNSAFE_WATER,
                by_id[system.provider_id],
                text % {"system": system.name, "date": _day(sampled_on)},
                reverse("waterquality:sample_detail", args=[sample_id]),
                sampled_on,
            )
        )
    return lines


def no_chlorine(providers: list[Provider], on: datetime.date) -> list[Line]:
    """The red flag's own check (``red_flags.chlorine_findings``): one line per silent system."""
    lines = []
    findings = red_flags.chlorine_findings(providers, on)
    for provider in providers:
        finding = findings[provider.pk]
        if not finding.fired:
            continue
        for name, url in finding.evidence:
            lines.append(
                Line(
                    Kind.NO_CHLORINE,
                    provider,
                    _("%(system)s clora y no tiene lectura de cloro desde hace %(days)s días.")
                    % {"system": name, "days": red_flags.CHLORINE_WINDOW_DAYS},
                    url,
                    None,
                )
            )
    return lines


def complaints(providers: list[Provider], on: datetime.date) -> list[Line]:
    """Complaints past their deadline (``Complaint.objects.overdue``), by place, never by who
    filed them."""
    by_id = {p.pk: p for p in providers}
    overdue = Complaint.objects.overdue(on).filter(provider_id__in=by_id).order_by("respond_by")
    lines = []
    for complaint in overdue.only("pk", "provider_id", "respond_by"):
        provider = by_id[complaint.provider_id]
        place = provider.locality.name if provider.locality else provider.name
        lines.append(
            Line(
                Kind.COMPLAINT,
                provider,
                _("Queja de %(place)s: vencía el %(date)s y sigue sin respuesta.")
                % {"place": place, "date": _day(complaint.respond_by)},
                reverse("integrity:complaint_detail", args=[complaint.pk]),
                complaint.respond_by,
            )
        )
    return lines


def actions(providers: list[Provider], on: datetime.date) -> list[Line]:
    """Road-map actions past their deadline and not done (``agency.overdue_actions``)."""
    by_id = {p.pk: p for p in providers}
    lines = []
    for late in overdue_actions(list(by_id), on):
        item = late.item
        lines.append(
            Line(
                Kind.ACTION,
                by_id[late.provider.pk],
                ngettext(
                    "«%(action)s»: debía estar el %(date)s (%(days)s día de atraso).",
                    "«%(action)s»: debía estar el %(date)s (%(days)s días de atraso).",
                    late.days_late,
                )
                % {"action": item.action, "date": _day(item.deadline), "days": late.days_late},
                reverse("integrity:roadmap", args=[late.cycle.pk]),
                item.deadline,
            )
        )
    return lines


def books_flags(providers: list[Provider], on: datetime.date) -> list[Line]:
    """The books' red flags that fired (``red_flags``' own checks), and books whose last full
    check found the chain or a money record altered."""
    lines = []
    for code in red_flags.BOOKS_CHECKS:
        findings = red_flags.BATCH_RUNNERS[code](providers, on)
        for provider in providers:
            finding = findings[provider.pk]
            if finding is not None and finding.fired:
                lines.append(
                    Line(
                        Kind.RED_FLAG,
                        provider,
                        f"{red_flags.CHECKS[code]}: {finding.detail}",
                        reverse("books:provider_books", args=[provider.pk]),
                        None,
                    )
                )
    checks = last_full_checks([p.pk for p in providers])
    for provider in providers:
        if checks.get(provider.pk) is False:
            lines.append(
                Line(
                    Kind.RED_FLAG,
                    provider,
                    _(
                        "La última revisión completa de las cuentas encontró un asiento o un "
                        "registro alterado."
                    ),
                    reverse("books:provider_books", args=[provider.pk]),
                    None,
                )
            )
    return lines


def pending_counts(count: int, kind: str) -> str:
    """ "3 visitas por validar", in words each kind of record is called by."""
    texts = {
        "visit": ngettext(
            "%(count)s visita al sistema por validar; la primera es del %(date)s.",
            "%(count)s visitas al sistema por validar; la primera es del %(date)s.",
            count,
        ),
        "supplyday": ngettext(
            "%(count)s día de suministro por validar; el primero es del %(date)s.",
            "%(count)s días de suministro por validar; el primero es del %(date)s.",
            count,
        ),
        "sample": ngettext(
            "%(count)s muestra de agua por validar; la primera es del %(date)s.",
            "%(count)s muestras de agua por validar; la primera es del %(date)s.",
            count,
        ),
        "householdsurvey": ngettext(
            "%(count)s encuesta de hogar por validar; la primera es del %(date)s.",
            "%(count)s encuestas de hogar por validar; la primera es del %(date)s.",
            count,
        ),
        "schoolsurvey": ngettext(
            "%(count)s encuesta de escuela por validar; la primera es del %(date)s.",
            "%(count)s encuestas de escuela por validar; la primera es del %(date)s.",
            count,
        ),
        "healthcentresurvey": ngettext(
            "%(count)s encuesta de centro de salud por validar; la primera es del %(date)s.",
            "%(count)s encuestas de centro de salud por validar; la primera es del %(date)s.",
            count,
        ),
    }
    return texts[kind]


# The observations a coordinator or a facilitator validates: (model, kind, detail page).
PENDING_KINDS = (
    (SystemVisit, "visit", "monitoring:visit_detail"),
    (SupplyDay, "supplyday", "monitoring:supplyday_detail"),
    (Sample, "sample", "waterquality:sample_detail"),
    (HouseholdSurvey, "householdsurvey", "monitoring:householdsurvey_detail"),
    (SchoolSurvey, "schoolsurvey", "monitoring:schoolsurvey_detail"),
    (HealthCentreSurvey, "healthcentresurvey", "monitoring:healthcentresurvey_detail"),
)


def pending_validation(scope, providers: list[Provider]) -> list[Line]:
    """Records submitted and not yet validated, per committee and kind, where the user may
    validate (``monitoring.workflow.can_validate_at``: the scope's create area). The line
    links to the first one waiting. One query per kind of record."""
    by_id = {p.pk: p for p in providers}
    lines = []
    for model, kind, detail in PENDING_KINDS:
        waiting = model.objects.filter(
            state=Observation.State.SUBMITTED, provider_id__in=list(by_id)
        )
        if not scope.everything:
            waiting = waiting.in_area(scope.create)
        rows = (
            waiting.values("provider_id")
            .annotate(count=Count("pk"), first=Min("observed_on"), record=Min("pk"))
            .order_by()
        )
        for row in rows:
            lines.append(
                Line(
                    Kind.PENDING,
                    by_id[row["provider_id"]],
                    pending_counts(row["count"], kind)
                    % {"count": row["count"], "date": _day(row["first"])},
                    reverse(detail, args=[row["record"]]),
                    row["first"],
                )
            )
    return lines


def no_cycle(providers: list[Provider], on: datetime.date) -> list[Line]:
    """Committees without an integrity workshop in the 12 months up to ``on``
    (``agency.without_recent_cycle``)."""
    by_id = {p.pk: p for p in providers}
    lines = []
    for lapsed in without_recent_cycle(Provider.objects.filter(pk__in=list(by_id)), on):
        provider = by_id[lapsed.provider.pk]
        if lapsed.last_workshop_on:
            text = _("Su último taller de integridad fue el %(date)s.") % {
                "date": _day(lapsed.last_workshop_on)
            }
        else:
            text = _("Todavía no ha tenido un taller de integridad.")
        if lapsed.upcoming:
            text += " " + _("Ya tiene un ciclo abierto.")
        url = (
            reverse("integrity:cycle_detail", args=[lapsed.upcoming.pk])
            if lapsed.upcoming
            else provider.get_absolute_url()
        )
        lines.append(Line(Kind.NO_CYCLE, provider, text, url, lapsed.last_workshop_on))
    return lines


@dataclass
class Group:
    """The lines of one kind, under the heading the page gives them."""

    kind: str
    label: str
    lines: list[Line]

    # How many a page lists before folding the rest away.
    SHOWN = 10

    @property
    def shown(self) -> list[Line]:
        return self.lines[: self.SHOWN]

    @property
    def folded(self) -> list[Line]:
        return self.lines[self.SHOWN :]


def grouped(lines: list[Line]) -> list[Group]:
    """The lines by kind, in ``KIND_ORDER``; kinds without lines are left out."""
    groups: dict[str, Group] = {}
    for line in lines:
        groups.setdefault(
            line.kind, Group(line.kind, str(KIND_LABELS[line.kind]), [])
        ).lines.append(line)
    return [groups[kind] for kind in KIND_ORDER if kind in groups]
