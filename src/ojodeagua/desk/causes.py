"""Why a system does not give reliable, safe water, read from its own data, and how many people
lack that service for each cause.

The rule, as the desk writes it beside the figures:
- A system gives reliable, safe water when its tier is T4. The people it serves are on the
  record of served localities (households × people per dwelling, never more than the locality's
  population, as the gap figures count them).
- Every piece of evidence in the data is kept, under one of five causes: infrastructure,
  source, operation, money, governance. A system's *main* cause is the first of them, in that
  order, that has evidence. Works come first on purpose: the people counted under operation,
  money and governance are those whose systems show no broken works at all, so "what works
  money cannot fix" is a lower bound, never inflated.
- Each person is counted once: under the main cause of the system that serves them; under
  "no system on record" when no system serves them; under "not visited" when their system
  had no visit in 12 months (then nobody knows); under "no cause in the data" when the tier
  says the service falls short but nothing recorded says why.
- So the municipality's population = safe + each cause + no system + not visited, exactly.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ojodeagua.indicators.catalogue import Code
from ojodeagua.monitoring.models import StoppageCause
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import Component

from .facts import DeskFacts, ProviderFacts, SystemFacts, workshop_due


class Cause:
    INFRASTRUCTURE = "infrastructure"
    SOURCE = "source"
    OPERATION = "operation"
    MONEY = "money"
    GOVERNANCE = "governance"
    # Not causes, but where the rest of the people are, so that the figures add up.
    UNEXPLAINED = "unexplained"
    NOT_VISITED = "not_visited"
    NO_SYSTEM = "no_system"


CAUSE_ORDER = (
    Cause.INFRASTRUCTURE,
    Cause.SOURCE,
    Cause.OPERATION,
    Cause.MONEY,
    Cause.GOVERNANCE,
)
CAUSE_LABELS = {
    Cause.INFRASTRUCTURE: gettext_lazy("infraestructura descompuesta"),
    Cause.SOURCE: gettext_lazy("la fuente: se seca, da poca agua o trae arsénico o flúor"),
    Cause.OPERATION: gettext_lazy("operación: cloro, pruebas, registros, tandeo"),
    Cause.MONEY: gettext_lazy("dinero: cobranza, cuotas que no cubren costos, sin reserva"),
    Cause.GOVERNANCE: gettext_lazy("gobernanza: sin ciclo de integridad, acciones vencidas"),
    Cause.UNEXPLAINED: gettext_lazy("no cumple, y los datos no dicen por qué"),
    Cause.NOT_VISITED: gettext_lazy("su sistema no tuvo visita en 12 meses: no se sabe"),
    Cause.NO_SYSTEM: gettext_lazy("ningún sistema registrado los sirve"),
}
# What works money (a new or repaired system) cannot fix.
NOT_FIXED_BY_WORKS = (Cause.OPERATION, Cause.MONEY, Cause.GOVERNANCE)

# The visit's stoppage causes, read as one of the five.
STOPPAGE_CAUSES = {
    StoppageCause.PUMP: Cause.INFRASTRUCTURE,
    StoppageCause.POWER: Cause.INFRASTRUCTURE,
    StoppageCause.BROKEN_PIPE: Cause.INFRASTRUCTURE,
    StoppageCause.VANDALISM: Cause.INFRASTRUCTURE,
    StoppageCause.SOURCE_DRIED: Cause.SOURCE,
    StoppageCause.RATIONING: Cause.OPERATION,
    StoppageCause.NO_MONEY: Cause.MONEY,
    StoppageCause.MANAGEMENT: Cause.GOVERNANCE,
}
# The books' figures below which money is a cause (the committee's finance figures).
COST_COVERAGE_BELOW = 1.0  # fees do not cover operation and maintenance
RESERVE_MONTHS_BELOW = 1.0  # less than a month of costs put aside
COLLECTION_BELOW = 0.8  # collects less than 80 % of what it bills
# Providers whose governance the integrity cycle speaks to.
CYCLE_KINDS = {Provider.Kind.COMMITTEE, Provider.Kind.SCHOOL, Provider.Kind.KIOSK}


@dataclass(frozen=True)
class Evidence:
    cause: str
    text: str


@dataclass
class Diagnosis:
    system: SystemFacts
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def main(self) -> str:
        if self.system.tier is None:
            return Cause.NOT_VISITED
        for cause in CAUSE_ORDER:
            if any(e.cause == cause for e in self.evidence):
                return cause
        return Cause.UNEXPLAINED

    @property
    def main_label(self) -> str:
        return str(CAUSE_LABELS[self.main])

    def of(self, *causes: str) -> list[Evidence]:
        return [e for e in self.evidence if e.cause in causes]

    @property
    def people(self) -> float:
        return self.system.people


def _percent(share: float) -> str:
    return f"{round(share * 100)} %"


def _day(day: datetime.date) -> str:
    return date_format(day, "j \\d\\e F \\d\\e Y")


def _stoppage_label(cause: str) -> str:
    return str(dict(StoppageCause.choices).get(cause, cause))


def diagnose(system: SystemFacts, provider: ProviderFacts | None, on: datetime.date) -> Diagnosis:
    """Every cause the data shows for a system that is not at T4 (or has no visit)."""
    found = Diagnosis(system)
    add = found.evidence.append
    parts = dict(Component.Kind.choices)
    for kind in system.broken_components:
        add(Evidence(Cause.INFRASTRUCTURE, _("%(part)s no funciona") % {"part": parts[kind]}))
    if system.tier == 0:
        _stopped(system, on, add)
    elif system.stops_at == "unreliable":
        _unreliable(system, add)
    stop = system.stops_at
    if stop in {"below_design_yield", "below_point_min_flow"}:
        add(Evidence(Cause.SOURCE, _("da menos agua de la que pide su diseño")))
    elif stop in {"arsenic_failed", "fluoride_failed"}:
        parameter = _("arsénico") if stop == "arsenic_failed" else _("flúor")
        add(Evidence(Cause.SOURCE, _("el agua trae %(p)s fuera de norma") % {"p": parameter}))
    elif stop == "microbial_failed":
        add(Evidence(Cause.OPERATION, _microbial_text(system)))
    elif stop == "no_microbial_test":
        add(Evidence(Cause.OPERATION, _("sin prueba de E. coli en 12 meses")))
    elif stop == "no_downtime_record":
        add(Evidence(Cause.OPERATION, _("no lleva registro de los días sin servicio")))
    elif stop in {"no_flow_measure", "no_design_yield"}:
        add(Evidence(Cause.UNEXPLAINED, _("falta el caudal medido o el de diseño")))
    _money_and_governance(system, provider, on, add)
    return found


def _stopped(system: SystemFacts, on: datetime.date, add) -> None:
    named = system.stopped_by
    since = system.down_since or system.visit_on
    days = (on - since).days if since else 0
    if named in STOPPAGE_CAUSES:
        add(
            Evidence(
                STOPPAGE_CAUSES[named],
                _("no funciona desde hace %(days)s días: %(cause)s")
                % {"days": days, "cause": _stoppage_label(named)},
            )
        )
    elif not system.broken_components:
        # Stopped, and the visit named no cause: a stopped system is read as broken works.
        add(
            Evidence(
                Cause.INFRASTRUCTURE,
                _("no funciona desde hace %(days)s días (la visita no anotó la causa)")
                % {"days": days},
            )
        )


def _unreliable(system: SystemFacts, add) -> None:
    if not system.downtime_by_cause:
        add(
            Evidence(
                Cause.UNEXPLAINED,
                _("%(days)s días sin servicio en 12 meses; las visitas no anotan la causa")
                % {"days": system.downtime_days},
            )
        )
        return
    cause = system.stopped_by
    add(
        Evidence(
            STOPPAGE_CAUSES.get(cause, Cause.UNEXPLAINED),
            _(
                "%(days)s días sin servicio en 12 meses; la causa que más anotan las visitas: "
                "%(cause)s"
            )
            % {"days": system.downtime_days, "cause": _stoppage_label(cause)},
        )
    )


def _microbial_text(system: SystemFacts) -> str:
    when = _day(system.ecoli_on) if system.ecoli_on else ""
    if system.chlorination == "not_working":
        return _("el agua tuvo E. coli el %(day)s y el clorador no funcionaba") % {"day": when}
    if system.chlorinates == "no" or system.chlorination == "none":
        return _("el agua tuvo E. coli el %(day)s y el sistema no clora") % {"day": when}
    return _("el agua tuvo E. coli el %(day)s") % {"day": when}


def _money_and_governance(
    system: SystemFacts, provider: ProviderFacts | None, on: datetime.date, add
) -> None:
    if provider is None:
        add(Evidence(Cause.GOVERNANCE, _("ningún prestador registrado lo opera")))
        return
    finance = provider.finance
    coverage = finance.get(Code.COST_COVERAGE)
    if coverage is not None and coverage < COST_COVERAGE_BELOW:
        add(
            Evidence(
                Cause.MONEY,
                _("las cuotas cubren %(share)s de los costos") % {"share": _percent(coverage)},
            )
        )
    reserve = finance.get(Code.RESERVE_MONTHS)
    if reserve is not None and reserve < RESERVE_MONTHS_BELOW:
        add(Evidence(Cause.MONEY, _("el comité no tiene fondo de reserva")))
    collection = finance.get(Code.COLLECTION)
    if collection is not None and collection < COLLECTION_BELOW:
        add(
            Evidence(
                Cause.MONEY,
                _("cobra %(share)s de lo que factura") % {"share": _percent(collection)},
            )
        )
    if provider.kind in CYCLE_KINDS and workshop_due(provider, on):
        add(Evidence(Cause.GOVERNANCE, _("sin taller de integridad en 12 meses")))
    if provider.overdue_actions:
        add(
            Evidence(
                Cause.GOVERNANCE,
                ngettext(
                    "%(n)s acción de su hoja de ruta vencida",
                    "%(n)s acciones de su hoja de ruta vencidas",
                    provider.overdue_actions,
                )
                % {"n": provider.overdue_actions},
            )
        )


def diagnoses(facts: DeskFacts) -> list[Diagnosis]:
    """Every system of the municipality that serves people and is not at T4, most people first
    (worked out once per ``facts``: the summary, the priorities and the report share it)."""
    if facts.diagnoses is not None:
        return facts.diagnoses
    found = [
        diagnose(system, facts.providers.get(system.provider_id or 0), facts.on)
        for system in facts.systems.values()
        if system.people_by_locality and not system.safe
    ]
    facts.diagnoses = sorted(found, key=lambda d: (-d.people, d.system.name, d.system.pk))
    return facts.diagnoses


@dataclass
class CauseRow:
    cause: str
    people: float
    systems: int

    @property
    def label(self) -> str:
        return str(CAUSE_LABELS[self.cause])

    @property
    def fixed_by_works(self) -> bool:
        return self.cause not in NOT_FIXED_BY_WORKS


@dataclass
class CauseSummary:
    """The municipality's people, split so that every person is in exactly one line."""

    population: float
    safe: float
    rows: list[CauseRow]
    diagnoses: list[Diagnosis]

    @property
    def lacking(self) -> float:
        return self.population - self.safe

    def people(self, cause: str) -> float:
        return next((row.people for row in self.rows if row.cause == cause), 0.0)

    @property
    def not_visited(self) -> float:
        return self.people(Cause.NOT_VISITED)

    @property
    def not_fixed_by_works(self) -> float:
        return sum(self.people(cause) for cause in NOT_FIXED_BY_WORKS)

    @property
    def percent_not_fixed_by_works(self) -> int | None:
        return round(100 * self.not_fixed_by_works / self.lacking) if self.lacking else None


def summary(facts: DeskFacts) -> CauseSummary:
    found = diagnoses(facts)
    population = float(sum(locality.population for locality in facts.localities.values()))
    safe = sum(s.people for s in facts.systems.values() if s.safe)
    served = sum(s.people for s in facts.systems.values())
    people: dict[str, float] = {}
    systems: dict[str, int] = {}
    for diagnosis in found:
        people[diagnosis.main] = people.get(diagnosis.main, 0.0) + diagnosis.people
        systems[diagnosis.main] = systems.get(diagnosis.main, 0) + 1
    people[Cause.NO_SYSTEM] = population - served
    order = (*CAUSE_ORDER, Cause.UNEXPLAINED, Cause.NO_SYSTEM, Cause.NOT_VISITED)
    rows = [CauseRow(cause, people.get(cause, 0.0), systems.get(cause, 0)) for cause in order]
    return CauseSummary(population, safe, rows, found)
