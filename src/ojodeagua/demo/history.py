"""Two years of synthetic service history for the demo: supply logs, visits, samples, surveys."""

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.indicators.engine import recompute_all
from ojodeagua.monitoring.models import (
    ComponentCheck,
    HealthCentreSurvey,
    HouseholdSurvey,
    InspectionAnswer,
    InspectionForm,
    SchoolSurvey,
    StoppageCause,
    SupplyDay,
    SystemVisit,
    YesNoUnknown,
)
from ojodeagua.monitoring.observation import Observation
from ojodeagua.organisations.models import Membership
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Member, Sex
from ojodeagua.waterquality.models import Result, Sample
from ojodeagua.waterquality.verdicts import Judge
from ojodeagua.watersystems.models import Component, ServedLocality, Source, WaterSystem

from .calendar import MONTHS, add_months, current

HISTORY_SEED = "7012-history"

PIPED = {WaterSystem.Kind.GRAVITY, WaterSystem.Kind.PUMPED}
COMMUNITY = PIPED | {WaterSystem.Kind.POINT_SOURCE, WaterSystem.Kind.RAINWATER}
# Chiapas: the dry season bites from February to May; the rains come back in June.
DRY_MONTHS = {2, 3, 4, 5}
RAINY_MONTHS = {6, 7, 8, 9, 10}
# Mean hours of supply on a day with water, by month, for a spring-fed gravity system.
GRAVITY_HOURS = {
    1: 17.0,
    2: 13.0,
    3: 9.5,
    4: 7.5,
    5: 9.0,
    6: 17.0,
    7: 20.0,
    8: 21.0,
    9: 21.5,
    10: 21.0,
    11: 19.5,
    12: 18.0,
}
# Chance that a gravity source gives nothing on a given day, by month.
DRIED_CHANCE = {2: 0.04, 3: 0.10, 4: 0.18, 5: 0.12}
# Share of the design yield a spring gives, by month.
FLOW_SHARE = {1: 0.85, 2: 0.7, 3: 0.55, 4: 0.45, 5: 0.5, 6: 0.85}
LAB = "Laboratorio Estatal de Salud Pública de Chiapas"

# The parameters the demo reports, written as a laboratory writes them; the judge recognises them.
PARAMETER_NAMES = {
    "ecoli": "E. coli",
    "free_chlorine": "Cloro residual libre",
    "arsenic": "Arsénico",
    "fluoride": "Fluoruros",
    "nitrate": "Nitratos (como N)",
    "turbidity": "Turbiedad",
    "ph": "pH",
}


# Networks whose sampling brigade reads chlorine even where nobody chlorinates.
CHLORINE_CHECKED_KINDS = {WaterSystem.Kind.GRAVITY, WaterSystem.Kind.PUMPED}


# Plain facts the generator reads, so it can run (and be tested) without a database ------------
@dataclass(frozen=True)
class SystemFacts:
    id: int
    kind: str
    municipality_id: int
    provider_id: int | None
    locality_id: int
    design_yield: float
    chlorinated: bool
    protected_source: bool
    components: tuple[tuple[int, str, str], ...]  # (id, kind, condition)
    served: tuple[tuple[int, int, int], ...]  # (locality id, municipality id, households)


@dataclass(frozen=True)
class FacilityFacts:
    id: int
    municipality_id: int
    provider_id: int | None
    system_id: int | None


@dataclass(frozen=True)
class FormFacts:
    id: int
    kinds: tuple[str, ...]
    question_ids: tuple[int, ...]
    bands: tuple[tuple[int, int, str], ...]  # (min, max, risk)


@dataclass(frozen=True)
class DemoFacts:
    home_municipality_id: int
    systems: tuple[SystemFacts, ...]
    schools: tuple[FacilityFacts, ...]
    health_centres: tuple[FacilityFacts, ...]
    forms: tuple[FormFacts, ...] = ()
    users: dict = field(default_factory=dict)  # username → id (or None before users exist)
    facilitated_provider_ids: frozenset = frozenset()
    treasurer_provider_id: int | None = None


@dataclass
class Plan:
    """Unsaved model instances; children point at their (unsaved) parents."""

    supply_days: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    samples: list = field(default_factory=list)
    results: list = field(default_factory=list)
    households: list = field(default_factory=list)
    school_surveys: list = field(default_factory=list)
    health_surveys: list = field(default_factory=list)
    stories: dict = field(default_factory=dict)

    def observations(self) -> list:
        return [
            *self.supply_days,
            *self.visits,
            *self.samples,
            *self.households,
            *self.school_surveys,
            *self.health_surveys,
        ]

    def counts(self) -> dict[str, int]:
        return {
            "supply_days": len(self.supply_days),
            "visits": len(self.visits),
            "component_checks": len(self.checks),
            "inspection_answers": len(self.answers),
            "samples": len(self.samples),
            "results": len(self.results),
            "household_surveys": len(self.households),
            "school_surveys": len(self.school_surveys),
            "health_centre_surveys": len(self.health_surveys),
            "pending": sum(
                1 for obs in self.observations() if obs.state == Observation.State.SUBMITTED
            ),
        }


@dataclass
class Timeline:
    """One system's days: hours with water, why not, and whether chlorination worked."""

    hours: list[float]
    reasons: list[str]
    broken: list[bool]  # down for a reason other than planned rationing
    chlorine_ok: list[bool]
    chlorinator_broken: list[bool]
    notes: dict[int, str] = field(default_factory=dict)  # day index → note for a visit


def index_of(day: datetime.date) -> int:
    return current().index_of(day)


def choose_stories(facts: DemoFacts) -> dict[str, int]:
    """Which systems carry the demo's stories; picked by rule so no id is written down."""
    home = [s for s in facts.systems if s.municipality_id == facts.home_municipality_id]
    gravity_plain = [s for s in home if s.kind == WaterSystem.Kind.GRAVITY and not s.chlorinated]
    gravity_chlorinated = [s for s in home if s.kind == WaterSystem.Kind.GRAVITY and s.chlorinated]
    pumped = [s for s in home if s.kind == WaterSystem.Kind.PUMPED]
    stories = {}
    if gravity_plain:
        stories["long_outage"] = gravity_plain[0].id
    if len(gravity_plain) > 1:
        stories["rationed"] = gravity_plain[1].id
    if gravity_chlorinated:
        stories["ecoli"] = gravity_chlorinated[0].id
    if pumped:
        stories["pump_failure"] = pumped[0].id
        stories["arsenic"] = pumped[min(1, len(pumped) - 1)].id
    if len(pumped) > 2:
        # Still down on the demo's last day: the agency's map has a system to find.
        stories["down_now"] = pumped[2].id
    return stories


# Supply --------------------------------------------------------------------------------------
def _forced_outages(role: str | None) -> list[tuple[datetime.date, int, str, str]]:
    """(start, days, cause, note) for the systems that carry a story."""
    if role == "long_outage":
        return [
            (
                current().day(9, 14),
                12,
                StoppageCause.BROKEN_PIPE,
                "Un deslave rompió la línea de conducción; hay que cambiar 60 m de tubo.",
            ),
            (
                current().day(9, 26),
                36,
                StoppageCause.NO_MONEY,
                "La línea sigue rota: el comité no tiene fondos y junta cooperación.",
            ),
        ]
    if role == "pump_failure":
        return [
            (
                current().day(7, 10),
                40,
                StoppageCause.PUMP,
                "Se quemó el motor de la bomba; se cotiza uno nuevo.",
            )
        ]
    if role == "down_now":
        return [
            (
                current().reference - datetime.timedelta(days=DOWN_NOW_DAYS),
                DOWN_NOW_DAYS + 60,
                StoppageCause.PUMP,
                "Se quemó la bomba; el comité no tiene con qué comprar otra.",
            )
        ]
    return []


# The "down_now" story's pump burnt this many days before the demo's last full day.
DOWN_NOW_DAYS = 40


def simulate(system: SystemFacts, role: str | None) -> Timeline:
    rng = random.Random(f"{HISTORY_SEED}-supply-{system.id}")
    count = len(current().days)
    hours = [0.0] * count
    reasons = [""] * count
    broken = [False] * count
    strength = rng.uniform(0.8, 1.12)
    rations_in_dry_season = rng.random() < 0.3
    timeline = Timeline(hours, reasons, broken, [True] * count, [False] * count)

    # Breakdowns: about one short one a year, plus the story's long ones.
    outages: list[tuple[int, int, str]] = []
    for month_start in range(0, count, 30):
        if rng.random() < 0.09:
            cause = rng.choices(
                [
                    StoppageCause.BROKEN_PIPE,
                    StoppageCause.MANAGEMENT,
                    StoppageCause.VANDALISM,
                    StoppageCause.PUMP,
                ],
                weights=[8, 2, 1, 3 if system.kind == WaterSystem.Kind.PUMPED else 0],
            )[0]
            outages.append((month_start + rng.randint(0, 29), rng.randint(1, 5), cause))
    for start, length, cause, note in _forced_outages(role):
        outages.append((index_of(start), length, cause))
        timeline.notes[index_of(start)] = note
    down: dict[int, str] = {}
    for start, length, cause in outages:
        for n in range(start, min(start + length, count)):
            down[n] = cause

    for n, day in enumerate(current().days):
        month = day.month
        if n in down:
            reasons[n], broken[n] = down[n], True
            continue
        if system.kind == WaterSystem.Kind.PUMPED:
            # A borehole barely feels the seasons; the pump schedule and the power line do.
            storms = 0.03 if month in RAINY_MONTHS else 0.012
            if rng.random() < storms:
                reasons[n], broken[n] = StoppageCause.POWER, True
                continue
            mean = 10.0 * strength * (0.85 if month in DRY_MONTHS else 1.0)
        else:
            if role == "rationed" and day.weekday() not in {0, 2, 4}:
                # Tandeo all year: the network only reaches this locality three days a week.
                reasons[n] = StoppageCause.RATIONING
                continue
            if rations_in_dry_season and month in {3, 4, 5} and n % 2:
                reasons[n] = StoppageCause.RATIONING
                continue
            if rng.random() < DRIED_CHANCE.get(month, 0.0):
                reasons[n], broken[n] = StoppageCause.SOURCE_DRIED, True
                continue
            mean = GRAVITY_HOURS[month] * strength
            if role == "rationed":
                mean = min(mean, 8.0)
        value = max(1.0, min(24.0, rng.gauss(mean, 1.3)))
        hours[n] = round(value * 2) / 2

    if system.chlorinated:
        chlorinate(system, role, timeline, rng)
    return timeline


def chlorinate(system: SystemFacts, role: str | None, timeline: Timeline, rng) -> None:
    """Lapses: chlorine runs out for weeks, or the chlorinator breaks and stays broken."""
    count = len(current().days)
    if role == "ecoli":
        for n in range(index_of(current().day(3, 6)), count):
            timeline.chlorine_ok[n] = False
            timeline.chlorinator_broken[n] = True
        timeline.notes[index_of(current().day(3, 6))] = (
            "Se rompió la bomba dosificadora del clorador; el agua va sin cloro."
        )
        return
    if rng.random() < 0.55:
        start = rng.randint(30, count - 90)
        for n in range(start, start + rng.randint(20, 75)):
            timeline.chlorine_ok[n] = False
    # With no water in the pipes there is nothing to chlorinate either.
    for n in range(count):
        if timeline.broken[n]:
            timeline.chlorine_ok[n] = False


def supply_rows(system: SystemFacts, timeline: Timeline, facts: DemoFacts) -> list[SupplyDay]:
    recorder = recorder_for(system.provider_id, facts, operator=True)
    rows = []
    for n, day in enumerate(current().days):
        rows.append(
            SupplyDay(
                record_id=f"demo-supply-{system.id}-{day:%Y%m%d}",
                observed_on=day,
                source=Observation.Source.SELF_REPORT,
                system_id=system.id,
                hours=Decimal(str(timeline.hours[n])),
                no_water_reason="" if timeline.hours[n] else timeline.reasons[n],
                recorded_by_id=recorder,
                **validated(day, facts),
                **scope_of(system),
            )
        )
    return rows


# Visits --------------------------------------------------------------------------------------
def visit_days(system: SystemFacts, timeline: Timeline | None, rng) -> list[int]:
    """Every two to three months, plus a visit during each story outage and after the repair."""
    days = []
    n = rng.randint(5, 60)
    while n < len(current().days):
        days.append(n)
        n += rng.randint(60, 92)
    if timeline is not None:
        forced = []
        for start in sorted(timeline.notes):
            forced.append(start + 8)
            end = start
            while end < len(current().days) and (
                timeline.broken[end] or timeline.chlorinator_broken[end]
            ):
                end += 1
            if end < len(current().days) - 5 and not timeline.chlorinator_broken[start]:
                forced.append(end + 5)
        forced = [n for n in forced if n < len(current().days)]
        days = [n for n in days if all(abs(n - f) > 20 for f in forced)] + forced
    return sorted(set(days))


def worse(condition: str, rng) -> str:
    order = [
        Component.Condition.GOOD,
        Component.Condition.FAIR,
        Component.Condition.POOR,
        Component.Condition.BROKEN,
    ]
    if condition not in order:
        return Component.Condition.FAIR
    step = rng.choices([-1, 0, 1], weights=[2, 10, 2])[0]
    return order[max(0, min(2, order.index(condition) + step))]


def visit_rows(
    system: SystemFacts, timeline: Timeline | None, facts: DemoFacts, plan: Plan
) -> None:
    rng = random.Random(f"{HISTORY_SEED}-visits-{system.id}")
    recorder = recorder_for(system.provider_id, facts)
    forms = [f for f in facts.forms if system.kind in f.kinds]
    previous = -1
    conditions = {cid: cond for cid, _kind, cond in system.components}
    # A part replaced after a visit is new at the next one: it does not wear before then.
    replaced: set[int] = set()
    design = system.design_yield
    for n in visit_days(system, timeline, rng):
        day = current().days[n]
        span = range(previous + 1, n + 1)
        previous = n
        if timeline is not None:
            causes = Counter(timeline.reasons[d] for d in span if timeline.broken[d])
            working = not timeline.broken[n]
            chlorination = (
                ("working" if timeline.chlorine_ok[n] else "not_working")
                if system.chlorinated
                else "none"
            )
            cause_today = timeline.reasons[n] if timeline.broken[n] else ""
            chlorinator_broken = timeline.chlorinator_broken[n]
            note = next(
                (text for start, text in timeline.notes.items() if start <= n <= start + 10), ""
            )
        else:
            # Wells and rain tanks: no daily log; the tank runs dry at the end of the dry season.
            dry = day.month in {4, 5} and system.kind == WaterSystem.Kind.RAINWATER
            working = not (dry and rng.random() < 0.6)
            causes = Counter(
                {StoppageCause.SOURCE_DRIED: rng.randint(10, 35)} if not working else {}
            )
            chlorination, cause_today, chlorinator_broken, note = "none", "", False, ""
        if working:
            share = FLOW_SHARE.get(day.month, 0.95) if system.kind != "pumped" else 0.9
            flow = Decimal(str(round(design * share * rng.uniform(0.85, 1.05), 2)))
        else:
            flow = Decimal("0")
        visit = SystemVisit(
            record_id=f"demo-visit-{system.id}-{day:%Y%m%d}",
            observed_on=day,
            source=Observation.Source.VISIT,
            system_id=system.id,
            working=working,
            flow_lps=flow,
            downtime_days=sum(causes.values()),
            downtime_cause=causes.most_common(1)[0][0] if causes else "",
            chlorination=chlorination,
            notes=note,
            recorded_by_id=recorder,
            **validated(day, facts),
            **scope_of(system),
        )
        plan.visits.append(visit)
        for cid, kind, _recorded in system.components:
            if cid in replaced:
                replaced.discard(cid)
            else:
                conditions[cid] = worse(conditions[cid], rng)
            condition = conditions[cid]
            if kind == Component.Kind.PUMP and cause_today == StoppageCause.PUMP:
                condition = Component.Condition.BROKEN
                conditions[cid] = Component.Condition.GOOD  # replaced before the next visit
                replaced.add(cid)
            elif kind == Component.Kind.CONDUCTION and cause_today in {
                StoppageCause.BROKEN_PIPE,
                StoppageCause.NO_MONEY,
            }:
                condition = Component.Condition.BROKEN
                conditions[cid] = Component.Condition.FAIR
            elif kind == Component.Kind.CHLORINATOR and chlorinator_broken:
                condition = Component.Condition.BROKEN
            plan.checks.append(ComponentCheck(visit=visit, component_id=cid, condition=condition))
        if forms:
            form = forms[0]
            risk = 0.15 if system.protected_source else 0.35
            hazards = [rng.random() < risk for _ in form.question_ids]
            plan.answers.extend(
                InspectionAnswer(visit=visit, question_id=qid, hazard=hazard)
                for qid, hazard in zip(form.question_ids, hazards, strict=True)
            )
            score = sum(hazards)
            visit.inspection_form_id = form.id
            visit.inspection_score = score
            visit.inspection_risk = next(
                (risk for low, high, risk in form.bands if low <= score <= high), ""
            )


# Water quality -------------------------------------------------------------------------------
def ecoli_chance(system: SystemFacts, timeline: Timeline | None, n: int, month: int) -> float:
    if system.kind in {WaterSystem.Kind.KIOSK, WaterSystem.Kind.SCHOOL}:
        return 0.01
    if system.chlorinated and timeline is not None:
        return 0.02 if timeline.chlorine_ok[n] else 0.35
    wet = month in RAINY_MONTHS
    if system.kind == WaterSystem.Kind.POINT_SOURCE:
        return 0.3 if wet else 0.12
    if system.kind == WaterSystem.Kind.RAINWATER:
        return 0.2 if wet else 0.08
    if system.protected_source:
        return 0.1 if wet else 0.04
    return 0.25 if wet else 0.1


def sample_rows(
    system: SystemFacts, timeline: Timeline | None, facts: DemoFacts, role: str | None, plan: Plan
) -> None:
    rng = random.Random(f"{HISTORY_SEED}-samples-{system.id}")
    recorder = recorder_for(system.provider_id, facts)
    quarter = rng.randint(0, 2)
    point = {
        WaterSystem.Kind.KIOSK: Sample.Point.KIOSK,
        WaterSystem.Kind.SCHOOL: Sample.Point.SCHOOL,
        WaterSystem.Kind.POINT_SOURCE: Sample.Point.SOURCE,
        WaterSystem.Kind.RAINWATER: Sample.Point.TANK,
    }.get(system.kind, Sample.Point.TAP)
    localities = [loc for loc, _m, _h in system.served] or [system.locality_id]
    municipality_of = {loc: mun for loc, mun, _h in system.served}
    for month_number in range(MONTHS):
        first = add_months(current().start, month_number)
        day = first.replace(day=rng.randint(5, 25))
        n = index_of(day)
        story_month = role == "ecoli" and day >= current().day(3, 1)
        wants_ecoli = month_number % 3 == quarter or story_month
        wants_chlorine = system.chlorinated and timeline is not None
        readings = []
        if wants_chlorine:
            if timeline.chlorine_ok[n]:
                value = rng.uniform(0.2, 1.0) if rng.random() > 0.05 else rng.uniform(0.1, 0.19)
                readings.append(("free_chlorine", round(value, 2)))
            elif rng.random() < 0.7 or story_month:
                readings.append(("free_chlorine", round(rng.uniform(0.0, 0.1), 2)))
            # else: the chlorine ran out and nobody took the reading: a missing month.
        if wants_ecoli:
            if story_month:
                present = day >= current().day(2, 1)
            else:
                present = rng.random() < ecoli_chance(system, timeline, n, day.month)
            readings.append(("ecoli", present))
            if not system.chlorinated and system.kind in CHLORINE_CHECKED_KINDS:
                # The health jurisdiction's brigade measures residual chlorine wherever it
                # samples: nil where nobody chlorinates. The NOM does not ask chlorine of these
                # systems (5.8.1), so the figures leave these readings out and say so.
                readings.append(("free_chlorine", 0.0))
        if not readings:
            continue
        locality = (
            system.locality_id if story_month else localities[month_number // 3 % len(localities)]
        )
        sample = Sample(
            record_id=f"demo-sample-{system.id}-{day:%Y%m%d}-campo",
            observed_on=day,
            source=Observation.Source.VISIT,
            locality_id=locality,
            system_id=system.id,
            sampling_point=point,
            point_description="Última llave de la red" if point == Sample.Point.TAP else "",
            analysis=Sample.Analysis.FIELD_KIT,
            recorded_by_id=recorder,
            municipality_id=municipality_of.get(locality, system.municipality_id),
            provider_id=system.provider_id,
            **validated(day, facts),
        )
        plan.samples.append(sample)
        for code, value in readings:
            plan.results.append(field_result(sample, code, value))
    if system.chlorinated and timeline is not None:
        in_progress_readings(system, timeline, facts, plan)


def in_progress_readings(
    system: SystemFacts, timeline: Timeline, facts: DemoFacts, plan: Plan
) -> None:
    """The operator's weekly chlorine check goes on in the month in progress, so that a demo
    built late in a month does not show every chlorinating system "without a reading"."""
    rng = random.Random(f"{HISTORY_SEED}-operator-{system.id}")
    working = timeline.chlorine_ok[-1]
    for day in current().in_progress[::7]:
        value = rng.uniform(0.2, 1.0) if working else rng.uniform(0.0, 0.1)
        sample = Sample(
            record_id=f"demo-sample-{system.id}-{day:%Y%m%d}-operador",
            observed_on=day,
            source=Observation.Source.VISIT,
            locality_id=system.locality_id,
            system_id=system.id,
            sampling_point=Sample.Point.TAP,
            point_description="Última llave de la red",
            analysis=Sample.Analysis.FIELD_KIT,
            recorded_by_id=recorder_for(system.provider_id, facts),
            municipality_id=system.municipality_id,
            provider_id=system.provider_id,
            **validated(day, facts),
        )
        plan.samples.append(sample)
        plan.results.append(field_result(sample, "free_chlorine", round(value, 2)))


def field_result(sample: Sample, code: str, value) -> Result:
    if code == "ecoli":
        return Result(
            sample=sample,
            parameter_text=PARAMETER_NAMES["ecoli"],
            outcome=Result.Outcome.DETECTED if value else Result.Outcome.NOT_DETECTED,
            unit="/100 mL",
            method="Sustrato enzimático, presencia/ausencia (Colilert)",
        )
    return Result(
        sample=sample,
        parameter_text=PARAMETER_NAMES[code],
        value=Decimal(str(value)),
        unit="mg/L",
        method="DPD, comparador de campo",
    )


def lab_panels(system: SystemFacts, facts: DemoFacts, high_arsenic: bool, plan: Plan) -> None:
    """A laboratory panel once a year for pumped systems, and once for some gravity ones."""
    rng = random.Random(f"{HISTORY_SEED}-lab-{system.id}")
    if system.kind == WaterSystem.Kind.GRAVITY and system.id % 4:
        return
    # A panel in the dry season of each of the two years (March when the latest month is October).
    months_back = [19, 7] if system.kind == WaterSystem.Kind.PUMPED else [7]
    for panel, back in enumerate(months_back):
        day = current().day(back, rng.randint(3, 27))
        sample = Sample(
            record_id=f"demo-sample-{system.id}-{day:%Y%m%d}-lab",
            observed_on=day,
            source=Observation.Source.LABORATORY,
            locality_id=system.locality_id,
            system_id=system.id,
            sampling_point=Sample.Point.TANK,
            analysis=Sample.Analysis.LABORATORY,
            laboratory=LAB,
            recorded_by_id=recorder_for(system.provider_id, facts),
            **validated(day + datetime.timedelta(days=14), facts),
            **scope_of(system),
        )
        plan.samples.append(sample)
        borehole = system.kind == WaterSystem.Kind.PUMPED
        arsenic = rng.uniform(0.002, 0.006) if borehole else rng.uniform(0.001, 0.003)
        if high_arsenic:
            # Above WHO's 0.010 but below the NOM's interim 0.025 for rural localities.
            arsenic = 0.012 if panel == 0 and len(months_back) == 2 else 0.017
        values = [
            ("arsenic", round(arsenic, 4), "mg/L", "ICP-MS"),
            ("fluoride", round(rng.uniform(0.2, 0.9), 2), "mg/L", "Electrodo de ion selectivo"),
            ("nitrate", round(rng.uniform(0.5, 4.5), 2), "mg/L como N", "Espectrofotometría"),
            ("turbidity", round(rng.uniform(0.3, 2.5), 1), "NTU", "Nefelometría"),
            ("ph", round(rng.uniform(6.8, 8.1), 1), "", "Potenciometría"),
        ]
        for code, value, unit, method in values:
            plan.results.append(
                Result(
                    sample=sample,
                    parameter_text=PARAMETER_NAMES[code],
                    value=Decimal(str(value)),
                    unit=unit,
                    method=method,
                )
            )


# Household and institution surveys -----------------------------------------------------------
def disposal_of_improved_toilet(draw: float) -> str:
    """Most pits and tanks are emptied safely or left sealed; some are emptied to a stream
    or the ground, and some households do not know (one draw, so the stories stay put)."""
    if draw < 0.65:
        return HouseholdSurvey.ExcretaDisposal.CONTAINED
    if draw < 0.8:
        return HouseholdSurvey.ExcretaDisposal.UNSAFE
    return HouseholdSurvey.ExcretaDisposal.UNKNOWN


TOILETS = [
    (HouseholdSurvey.Toilet.FLUSH_SEPTIC, 25),
    (HouseholdSurvey.Toilet.PIT_SLAB, 25),
    (HouseholdSurvey.Toilet.FLUSH_PIT, 10),
    (HouseholdSurvey.Toilet.COMPOSTING, 8),
    (HouseholdSurvey.Toilet.VIP, 5),
    (HouseholdSurvey.Toilet.PIT_NO_SLAB, 15),
    (HouseholdSurvey.Toilet.FLUSH_OPEN, 4),
    (HouseholdSurvey.Toilet.BUCKET, 1),
    (HouseholdSurvey.Toilet.NONE, 7),
]
CONTAINED = {
    HouseholdSurvey.Toilet.FLUSH_SEPTIC,
    HouseholdSurvey.Toilet.PIT_SLAB,
    HouseholdSurvey.Toilet.FLUSH_PIT,
    HouseholdSurvey.Toilet.COMPOSTING,
    HouseholdSurvey.Toilet.VIP,
}


def survey_rounds(role: str | None, rng) -> list[datetime.date]:
    """Two survey rounds in the last year; the E. coli story's second one after the bad test."""
    first = current().survey_start + datetime.timedelta(days=rng.randint(5, 170))
    if role == "ecoli":
        return [first, current().day(1, rng.randint(14, 25))]
    second = current().day(5, 1) + datetime.timedelta(days=rng.randint(0, 175))
    return [first, second]


def household_rows(
    system: SystemFacts, timeline: Timeline | None, facts: DemoFacts, role: str | None, plan: Plan
) -> None:
    rng = random.Random(f"{HISTORY_SEED}-households-{system.id}")
    recorder = recorder_for(system.provider_id, facts)
    tariff = (
        rng.choice([60, 70, 80, 100])
        if system.kind == WaterSystem.Kind.PUMPED
        else rng.choice([20, 25, 30, 40, 50])
    )
    for locality, municipality, households in system.served:
        total = min(rng.randint(8, 15), households)
        rounds = survey_rounds(role, rng)
        for number in range(total):
            day = rounds[number % 2] + datetime.timedelta(days=(number // 2) % 2)
            n = index_of(day)
            source, on_premises, minutes = water_access(system, rng)
            if timeline is not None:
                week = [timeline.hours[d] > 0 for d in range(max(0, n - 7), n)]
                month = [timeline.hours[d] for d in range(max(0, n - 30), n)]
                days_week = sum(week)
                enough = sum(1 for h in month if h > 0) >= 0.85 * len(month) and (
                    sum(month) / len(month) >= 8
                )
            else:
                days_week = 7 if day.month not in {4, 5} else rng.randint(3, 7)
                enough = days_week >= 6
            sufficient = YesNoUnknown.YES if enough else YesNoUnknown.NO
            if rng.random() < 0.08:
                sufficient = YesNoUnknown.NO if enough else YesNoUnknown.YES
            # People judge by what they see: scarcity, not germs. E. coli does not show.
            short = days_week < 4 or not enough
            problem = rng.random() < (0.75 if short else 0.12)
            if role == "ecoli" and not short:
                problem = rng.random() < 0.05
            satisfied = rng.random() < (0.3 if problem else 0.88)
            toilet = rng.choices([t for t, _w in TOILETS], weights=[w for _t, w in TOILETS])[0]
            handwashing = rng.choices(
                list(HouseholdSurvey.Handwashing.values), weights=[45, 40, 15]
            )[0]
            has_place = handwashing != HouseholdSurvey.Handwashing.NONE
            payment = None
            if system.kind in PIPED:
                payment = Decimal(tariff if rng.random() > 0.1 else 0)
            elif system.kind == WaterSystem.Kind.POINT_SOURCE:
                payment = Decimal(10)
            plan.households.append(
                HouseholdSurvey(
                    record_id=f"demo-hogar-{system.id}-{locality}-{day:%Y%m%d}-{number:02d}",
                    observed_on=day,
                    source=Observation.Source.VISIT,
                    locality_id=locality,
                    system_id=system.id,
                    respondent_sex=rng.choices(
                        [Sex.FEMALE, Sex.MALE, Sex.UNSTATED], weights=[85, 13, 2]
                    )[0],
                    household_size=int(rng.triangular(2, 9.99, 5)),
                    water_source=source,
                    water_on_premises=on_premises,
                    collection_minutes=minutes,
                    sufficient_last_month=sufficient,
                    days_with_water_last_week=days_week,
                    toilet=toilet,
                    toilet_shared=toilet != "none" and rng.random() < 0.1,
                    excreta_disposal=(
                        disposal_of_improved_toilet(rng.random())
                        if toilet in CONTAINED
                        else HouseholdSurvey.ExcretaDisposal.UNSAFE
                        if toilet == HouseholdSurvey.Toilet.FLUSH_OPEN
                        else HouseholdSurvey.ExcretaDisposal.UNKNOWN
                    ),
                    handwashing=handwashing,
                    handwashing_water=has_place and rng.random() < 0.85,
                    handwashing_soap=has_place and rng.random() < 0.7,
                    water_has_problem=YesNoUnknown.YES if problem else YesNoUnknown.NO,
                    satisfied=YesNoUnknown.YES if satisfied else YesNoUnknown.NO,
                    monthly_payment=payment,
                    recorded_by_id=recorder,
                    municipality_id=municipality,
                    provider_id=system.provider_id,
                    **validated(day, facts),
                )
            )


def water_access(system: SystemFacts, rng) -> tuple[str, bool, int | None]:
    """(main drinking-water source, on premises, minutes to fetch it)."""
    kinds = HouseholdSurvey.WaterSource
    if system.kind in PIPED:
        source = rng.choices(
            [kinds.PIPED_YARD, kinds.PIPED_DWELLING, kinds.BOTTLED], weights=[62, 28, 10]
        )[0]
        return source, True, None
    if system.kind == WaterSystem.Kind.RAINWATER:
        return kinds.RAINWATER, True, None
    source = rng.choices(
        [kinds.PUBLIC_TAP, kinds.PROTECTED_WELL, kinds.UNPROTECTED_SPRING], weights=[70, 20, 10]
    )[0]
    return source, False, int(rng.triangular(5, 60, 20))


def institution_rows(facts: DemoFacts, plan: Plan) -> None:
    rng = random.Random(f"{HISTORY_SEED}-institutions")
    for school in facts.schools:
        for number, day in enumerate([current().day(11, 18), current().day(1, 22)]):
            day += datetime.timedelta(days=school.id % 5)
            plan.school_surveys.append(
                SchoolSurvey(
                    record_id=f"demo-escuela-{school.id}-{day:%Y%m%d}",
                    observed_on=day,
                    source=Observation.Source.VISIT,
                    school_id=school.id,
                    water_source_improved=True,
                    water_on_premises=True,
                    water_available=rng.random() < 0.85,
                    toilets_improved=rng.random() < 0.8,
                    toilets_usable=rng.random() < 0.75,
                    toilets_single_sex=rng.random() < 0.6 + 0.2 * number,
                    handwashing_water=rng.random() < 0.8,
                    handwashing_soap=rng.random() < 0.5 + 0.2 * number,
                    recorded_by_id=facts.users.get("agencia"),
                    municipality_id=school.municipality_id,
                    provider_id=school.provider_id,
                    **validated(day, facts),
                )
            )
    for index, centre in enumerate(facts.health_centres):
        for number, day in enumerate([current().day(10, 9), current().day(2, 25)]):
            day += datetime.timedelta(days=centre.id % 5)
            plan.health_surveys.append(
                HealthCentreSurvey(
                    record_id=f"demo-salud-{centre.id}-{day:%Y%m%d}",
                    observed_on=day,
                    source=Observation.Source.VISIT,
                    health_centre_id=centre.id,
                    water_source_improved=True,
                    water_available=rng.random() < 0.8,
                    toilets_improved=True,
                    toilets_usable=rng.random() < 0.9,
                    toilets_single_sex=rng.random() < 0.5,
                    handwashing_water=rng.random() < 0.85,
                    handwashing_soap=rng.random() < 0.7,
                    **health_care_answers(index, number, rng),
                    recorded_by_id=facts.users.get("agencia"),
                    municipality_id=centre.municipality_id,
                    provider_id=centre.provider_id,
                    **validated(day, facts),
                )
            )


def health_care_answers(index: int, number: int, rng: random.Random) -> dict:
    """The JMP health-care answers of a demo survey (``number`` 0 the earlier, 1 the later).

    The first centre, a town health centre, has water on its premises and most of what the
    JMP asks; its menstrual-hygiene bin and its cleaners' training arrive between the surveys.
    The others are village health houses: no water on the premises, a spring 650 m away at
    the first survey (no service) and a community tap 320 m away at the second (limited),
    shared toilets, gel at the consultation but nothing by the latrine, and no cleaning rules.
    """
    if index == 0:
        return {
            "water_on_premises": True,
            "toilet_for_staff": True,
            "toilet_menstrual_hygiene": number == 1,
            "toilet_accessible": True,
            "hand_hygiene_at_care_points": True,
            "hand_hygiene_near_toilets": rng.random() < 0.6,
            "waste_segregated": True,
            "waste_treated_safely": True,
            "cleaning_protocol": True,
            "cleaning_staff_trained": number == 1,
        }
    return {
        "water_on_premises": False,
        "water_source_distance_m": 650 if number == 0 else 320,
        "toilet_for_staff": False,
        "toilet_menstrual_hygiene": False,
        "toilet_accessible": False,
        "hand_hygiene_at_care_points": True,
        "hand_hygiene_near_toilets": False,
        "waste_segregated": True,
        "waste_treated_safely": False,
        "cleaning_protocol": False,
        "cleaning_staff_trained": False,
    }


# Shared bits -------------------------------------------------------------------------------
def scope_of(system: SystemFacts) -> dict:
    # bulk_create skips Observation.save(), so copy what place_scope() would.
    return {"municipality_id": system.municipality_id, "provider_id": system.provider_id}


def validated(day: datetime.date, facts: DemoFacts) -> dict:
    """Validated three days later, never past the history's end; checks of the month in progress
    are validated the day they are made."""
    last = current().reference if day <= current().reference else day
    when = datetime.datetime.combine(
        min(day + datetime.timedelta(days=3), last), datetime.time(17), datetime.UTC
    )
    return {
        "state": Observation.State.VALIDATED,
        "validated_by_id": facts.users.get("agencia"),
        "validated_at": when,
    }


def recorder_for(provider_id: int | None, facts: DemoFacts, *, operator: bool = False):
    if operator:
        return facts.users.get("tesorera") if provider_id == facts.treasurer_provider_id else None
    if provider_id in facts.facilitated_provider_ids:
        return facts.users.get("ong")
    return facts.users.get("agencia")


def mark_pending(plan: Plan, facts: DemoFacts) -> None:
    """A handful of records from the last month wait for validation, so pages show 'pendiente'."""
    story_systems = {plan.stories.get("long_outage"), plan.stories.get("ecoli")}
    three_days_ago = current().reference - datetime.timedelta(days=3)
    pending = [
        row
        for row in plan.supply_days
        if row.system_id in story_systems and row.observed_on > three_days_ago
    ]

    def recent(rows: list) -> list:
        # Only where the NGO facilitator and the agency both can see them, outside the stories.
        return [
            row
            for row in rows
            if row.observed_on >= current().reference.replace(day=1)
            and row.provider_id in facts.facilitated_provider_ids
            and row.municipality_id == facts.home_municipality_id
            and row.system_id not in story_systems
        ]

    pending += recent(plan.visits)[:1] + recent(plan.samples)[:1] + recent(plan.households)[:2]
    for row in pending:
        row.state = Observation.State.SUBMITTED
        row.validated_by_id = None
        row.validated_at = None


def plan_history(facts: DemoFacts) -> Plan:
    """Everything the demo's history holds, as unsaved rows; the same facts give the same rows."""
    plan = Plan(stories=choose_stories(facts))
    # The arsenic story is only a laboratory value, so a system may carry it with another one.
    role_of = {system_id: role for role, system_id in plan.stories.items() if role != "arsenic"}
    for system in facts.systems:
        role = role_of.get(system.id)
        timeline = simulate(system, role) if system.kind in PIPED else None
        if timeline is not None:
            plan.supply_days.extend(supply_rows(system, timeline, facts))
        visit_rows(system, timeline, facts, plan)
        sample_rows(system, timeline, facts, role, plan)
        if system.kind in PIPED:
            lab_panels(system, facts, system.id == plan.stories.get("arsenic"), plan)
        if system.kind in COMMUNITY:
            household_rows(system, timeline, facts, role, plan)
    institution_rows(facts, plan)
    for rows in (plan.visits, plan.samples, plan.households):
        rows.sort(key=lambda row: (row.observed_on, row.record_id))
    mark_pending(plan, facts)
    return plan


# Reading the demo and writing its history ----------------------------------------------------
def read_facts(home_municipality_id: int) -> DemoFacts:
    systems = []
    protected = dict(Source.objects.values_list("system_id", "protected"))
    components: dict[int, list] = {}
    for cid, sid, kind, condition in Component.objects.order_by("pk").values_list(
        "pk", "system_id", "kind", "condition"
    ):
        components.setdefault(sid, []).append((cid, kind, condition))
    served: dict[int, list] = {}
    for sid, loc, mun, households in ServedLocality.objects.order_by("pk").values_list(
        "system_id", "locality_id", "locality__municipality_id", "households"
    ):
        served.setdefault(sid, []).append((loc, mun, households))
    for system in WaterSystem.objects.order_by("pk"):
        parts = tuple(components.get(system.pk, []))
        systems.append(
            SystemFacts(
                id=system.pk,
                kind=system.kind,
                municipality_id=system.municipality_id,
                provider_id=system.provider_id,
                locality_id=system.locality_id,
                design_yield=float(system.design_yield_lps or 1),
                chlorinated=any(kind == Component.Kind.CHLORINATOR for _c, kind, _s in parts),
                protected_source=bool(protected.get(system.pk)),
                components=parts,
                served=tuple(served.get(system.pk, [])),
            )
        )

    def facilities(model) -> tuple[FacilityFacts, ...]:
        return tuple(
            FacilityFacts(id=pk, municipality_id=mun, provider_id=provider, system_id=sid)
            for pk, mun, provider, sid in model.objects.order_by("pk").values_list(
                "pk", "locality__municipality_id", "water_system__provider_id", "water_system_id"
            )
        )

    forms = tuple(
        FormFacts(
            id=form.pk,
            kinds=tuple(form.system_kinds or ()),
            question_ids=tuple(q.pk for q in form.questions.all()),
            bands=tuple((b.min_score, b.max_score, b.risk) for b in form.bands.all()),
        )
        for form in InspectionForm.objects.order_by("code").prefetch_related("questions", "bands")
    )
    users = dict(
        get_user_model()
        .objects.filter(username__in=["agencia", "ong", "tesorera"])
        .values_list("username", "pk")
    )
    facilitated = frozenset(
        Membership.objects.filter(user__username="ong", providers__isnull=False).values_list(
            "providers", flat=True
        )
    )
    treasurer = (
        Member.objects.filter(name="Rosa Gómez Sántiz", role=Member.Role.TREASURER)
        .values_list("provider_id", flat=True)
        .first()
    )
    return DemoFacts(
        home_municipality_id=home_municipality_id,
        systems=tuple(systems),
        schools=facilities(School),
        health_centres=facilities(HealthCentre),
        forms=forms,
        users=users,
        facilitated_provider_ids=facilitated,
        treasurer_provider_id=treasurer,
    )


def store_verdicts(results: list[Result], judge: Judge) -> int:
    """Store every result's verdicts in bulk; the samples carry their localities already."""
    localities = Locality.objects.in_bulk({result.sample.locality_id for result in results})
    for result in results:
        result.sample.locality = localities[result.sample.locality_id]
    return judge.judge_results(results)


@transaction.atomic
def build_history(*, home_municipality_id: int | None = None) -> dict[str, int]:
    """Write the history for the demo already in the database; returns the counts written."""
    if home_municipality_id is None:
        home_municipality_id = (
            WaterSystem.objects.filter(locality__municipality__key="07012")
            .values_list("municipality_id", flat=True)
            .first()
        )
    plan = plan_history(read_facts(home_municipality_id))
    SupplyDay.objects.bulk_create(plan.supply_days, batch_size=2000)
    SystemVisit.objects.bulk_create(plan.visits)
    ComponentCheck.objects.bulk_create(plan.checks)
    InspectionAnswer.objects.bulk_create(plan.answers)
    Sample.objects.bulk_create(plan.samples)
    judge = Judge()
    for result in plan.results:
        result.parameter = judge.recognise(result.parameter_text)
    Result.objects.bulk_create(plan.results)
    HouseholdSurvey.objects.bulk_create(plan.households)
    SchoolSurvey.objects.bulk_create(plan.school_surveys)
    HealthCentreSurvey.objects.bulk_create(plan.health_surveys)
    counts = plan.counts()
    counts["judged_results"] = store_verdicts(plan.results, judge)
    counts["indicator_values"] = recompute_all()
    return counts
