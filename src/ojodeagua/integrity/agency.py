"""Figures across committees for the agency view: risks, completion, overdue actions, benchmark.

Every function takes a queryset of providers (already limited to what the user may see) and
the day ``on`` the figures are for, so the same numbers come out whatever today is.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from ojodeagua.providers.models import Provider

from . import applicable
from .models import (
    AssessedRisk,
    CatalogueVersion,
    Complaint,
    ComplianceAnswer,
    Cycle,
    RatingScale,
    Risk,
    RoadmapItem,
)
from .red_flags import RiskFlag, flags_for_many
from .register import RegisterFigures, register_figures
from .workshop import Completion, months_after

# The kinds of provider that run the toolbox's cycle (issue 4).
CYCLE_KINDS = Cycle.PROVIDER_KINDS
# A review of the (utility) toolbox in 22 urban utilities in 7 countries (2013-2018) found that
# over two thirds did at least 70 % of their action plan within a year. It is about urban
# utilities, not community committees: every page that shows it says so.
URBAN_UTILITY_REFERENCE = 0.7
CYCLE_EVERY_MONTHS = 12
OPEN_STATUSES = (RoadmapItem.Status.PENDING, RoadmapItem.Status.IN_PROGRESS)


def committees(providers):
    """The providers that run integrity cycles (committees, school committees, kiosk groups)."""
    return providers.filter(kind__in=CYCLE_KINDS)


# --- Which risks are most common and most severe -------------------------------------------


@dataclass
class RiskFigure:
    """One catalogue risk (by its code, stable across versions) across committees."""

    code: str
    title: str
    # Committees whose latest assessed cycle rated it by consensus.
    rated: int = 0
    # ... and of those, how many picked it among their three key problems.
    top_three: int = 0
    # ... and how many put it in the highest band of their cycle's scale.
    top_band: int = 0
    scores: list[int] = field(default_factory=list)
    # Each score as a share of its scale's highest score, so 3 × 3 and 5 × 5 can be compared.
    relative: list[float] = field(default_factory=list)
    scale_maxima: set[int] = field(default_factory=set)

    @property
    def mean_score(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None

    @property
    def scale_max(self) -> int | None:
        """The highest score of the scale, when every committee used the same one."""
        return next(iter(self.scale_maxima)) if len(self.scale_maxima) == 1 else None

    @property
    def mean_relative(self) -> float | None:
        return sum(self.relative) / len(self.relative) if self.relative else None

    @property
    def top_band_share(self) -> float | None:
        return self.top_band / self.rated if self.rated else None


@dataclass
class RiskSummary:
    committees: int  # committees with an assessed cycle: the "of how many"
    figures: list[RiskFigure]

    @property
    def most_common(self) -> list[RiskFigure]:
        """Rated by the most committees; ties go to the one picked more often as a key problem."""
        return sorted(self.figures, key=lambda f: (-f.rated, -f.top_three, f.code))

    @property
    def most_severe(self) -> list[RiskFigure]:
        """Most often in the top band, then the highest mean score relative to its scale."""
        return sorted(
            self.figures,
            key=lambda f: (-(f.top_band_share or 0), -(f.mean_relative or 0), -f.rated, f.code),
        )


def _scale_limits(scale: RatingScale) -> tuple[int, int]:
    """(highest score, lowest score of the top band) of a scale."""
    highest = max(level["value"] for level in scale.likelihood) * max(
        level["value"] for level in scale.impact
    )
    top_band = max(scale.bands, key=lambda band: band["min"])
    return highest, top_band["min"]


def latest_assessed_cycles(providers, on: datetime.date) -> dict[int, int]:
    """Provider id → id of its latest cycle with a risk rated by consensus by ``on``.

    A cycle still in preparation has no ratings yet; the committee's last assessment is
    then the one that says what its risks are.
    """
    rows = (
        AssessedRisk.objects.filter(
            cycle__provider__in=providers, consensus_likelihood__isnull=False
        )
        .filter(Q(cycle__workshop_on__isnull=True) | Q(cycle__workshop_on__lte=on))
        .values_list("cycle__provider_id", "cycle__number", "cycle_id")
        .distinct()
    )
    latest: dict[int, tuple[int, int]] = {}
    for provider_id, number, cycle_id in rows:
        if provider_id not in latest or number > latest[provider_id][0]:
            latest[provider_id] = (number, cycle_id)
    return {provider_id: cycle_id for provider_id, (_n, cycle_id) in latest.items()}


def risk_summary(providers, on: datetime.date) -> RiskSummary:
    latest = latest_assessed_cycles(committees(providers), on)
    cycles = Cycle.objects.filter(pk__in=latest.values()).select_related("scale")
    limits = {cycle.pk: _scale_limits(cycle.scale) for cycle in cycles}
    figures: dict[str, RiskFigure] = {}
    # The title comes from the newest catalogue version that has the code.
    title_version: dict[str, int] = {}
    rows = (
        AssessedRisk.objects.filter(
            cycle_id__in=latest.values(), risk__isnull=False, consensus_likelihood__isnull=False
        )
        .values_list(
            "cycle_id",
            "risk__code",
            "risk__title",
            "risk__version_id",
            "consensus_likelihood",
            "consensus_impact",
            "priority",
        )
        .order_by("risk__code")
    )
    for cycle_id, code, title, version_id, likelihood, impact, priority in rows:
        figure = figures.setdefault(code, RiskFigure(code, title))
        if version_id > title_version.get(code, -1):
            figure.title, title_version[code] = title, version_id
        highest, top_band_min = limits[cycle_id]
        score = likelihood * impact
        figure.rated += 1
        figure.top_three += priority is not None
        figure.top_band += score >= top_band_min
        figure.scores.append(score)
        figure.relative.append(score / highest)
        figure.scale_maxima.add(highest)
    return RiskSummary(len(latest), list(figures.values()))


# --- Road-map completion at 6 and 12 months ------------------------------------------------


def cycles_with_workshop(providers, on: datetime.date) -> list[Cycle]:
    return list(
        Cycle.objects.filter(
            provider__in=providers, workshop_on__isnull=False, workshop_on__lte=on
        ).select_related("provider")
    )


def latest_due(cycles: list[Cycle], on: datetime.date, months: int) -> dict[int, Cycle]:
    """Provider id → its latest cycle whose workshop was at least ``months`` before ``on``."""
    due: dict[int, Cycle] = {}
    for cycle in cycles:
        if months_after(cycle.workshop_on, months) > on:
            continue
        if cycle.provider_id not in due or cycle.number > due[cycle.provider_id].number:
            due[cycle.provider_id] = cycle
    return due


def completions(cycles: list[Cycle], months: int) -> dict[int, Completion]:
    """``workshop.completion`` for many cycles in one query (same rule: dropped actions stay
    in the denominator; done counts when ``done_on`` is within ``months`` of the workshop)."""
    cutoffs = {cycle.pk: months_after(cycle.workshop_on, months) for cycle in cycles}
    done: Counter[int] = Counter()
    planned: Counter[int] = Counter()
    rows = RoadmapItem.objects.filter(assessed_risk__cycle_id__in=cutoffs).values_list(
        "assessed_risk__cycle_id", "status", "done_on"
    )
    for cycle_id, status, done_on in rows:
        planned[cycle_id] += 1
        if status == RoadmapItem.Status.DONE and done_on and done_on <= cutoffs[cycle_id]:
            done[cycle_id] += 1
    return {pk: Completion(months, done[pk], planned[pk]) for pk in cutoffs}


@dataclass
class CompletionSummary:
    """Actions done within ``months`` of the workshop ÷ actions planned, summed over the
    latest cycle of each committee whose workshop was at least ``months`` ago."""

    months: int
    per_provider: dict[int, tuple[Cycle, Completion]]

    @property
    def done(self) -> int:
        return sum(c.done for _cycle, c in self.per_provider.values())

    @property
    def planned(self) -> int:
        return sum(c.planned for _cycle, c in self.per_provider.values())

    @property
    def share(self) -> float | None:
        return self.done / self.planned if self.planned else None

    @property
    def committees(self) -> int:
        return len(self.per_provider)

    @property
    def with_plan(self) -> int:
        """Committees whose cycle has at least one action: those a share can be told for."""
        return sum(1 for _cycle, c in self.per_provider.values() if c.planned)

    @property
    def reached_reference(self) -> int:
        """Committees that did at least 70 % of their road map (the urban utilities' reference)."""
        return sum(
            1
            for _cycle, c in self.per_provider.values()
            if c.share is not None and c.share >= URBAN_UTILITY_REFERENCE
        )


def completion_summary(
    providers, on: datetime.date, months: int, cycles: list[Cycle] | None = None
) -> CompletionSummary:
    if cycles is None:
        cycles = cycles_with_workshop(committees(providers), on)
    due = latest_due(cycles, on, months)
    figures = completions(list(due.values()), months)
    return CompletionSummary(
        months, {pid: (cycle, figures[cycle.pk]) for pid, cycle in due.items()}
    )


# --- Overdue actions -----------------------------------------------------------------------


@dataclass
class OverdueAction:
    item: RoadmapItem
    days_late: int

    @property
    def cycle(self) -> Cycle:
        return self.item.assessed_risk.cycle

    @property
    def provider(self) -> Provider:
        return self.cycle.provider


def overdue_actions(providers, on: datetime.date) -> list[OverdueAction]:
    """Actions whose deadline has passed and that are still pending or in progress."""
    items = (
        RoadmapItem.objects.filter(
            assessed_risk__cycle__provider__in=providers,
            deadline__lt=on,
            status__in=OPEN_STATUSES,
        )
        .select_related("assessed_risk__cycle__provider", "assessed_risk__risk")
        .order_by("deadline", "assessed_risk__cycle__provider__name", "pk")
    )
    return [OverdueAction(item, (on - item.deadline).days) for item in items]


# --- Committees without a cycle in the last 12 months --------------------------------------


@dataclass
class Lapsed:
    provider: Provider
    last_workshop_on: datetime.date | None
    # A cycle already started (no workshop yet, or one planned after ``on``).
    upcoming: Cycle | None


def without_recent_cycle(providers, on: datetime.date) -> list[Lapsed]:
    """Committees with no workshop in the 12 months up to ``on`` (a workshop exactly 12
    months ago is a year old: the next cycle is due)."""
    since = months_after(on, -CYCLE_EVERY_MONTHS)
    recent = Cycle.objects.filter(workshop_on__gt=since, workshop_on__lte=on).values("provider_id")
    lapsed = committees(providers).exclude(pk__in=recent).order_by("name", "pk")
    last: dict[int, datetime.date] = {}
    upcoming: dict[int, Cycle] = {}
    for cycle in Cycle.objects.filter(provider__in=lapsed).order_by("number"):
        if cycle.workshop_on and cycle.workshop_on <= on:
            before = last.get(cycle.provider_id)
            last[cycle.provider_id] = max(cycle.workshop_on, before or cycle.workshop_on)
        elif cycle.stage != Cycle.Stage.CLOSED:
            upcoming[cycle.provider_id] = cycle
    return [Lapsed(p, last.get(p.pk), upcoming.get(p.pk)) for p in lapsed]


# --- The benchmark table -------------------------------------------------------------------


@dataclass
class BenchmarkRow:
    provider: Provider
    cycle: Cycle | None  # the latest cycle
    compliance: dict[str, int]  # yes / partly / no counts of the latest cycle
    top_three: list[str]  # risk codes (or the group's own title) in priority order
    top_three_titles: list[str]  # "R01. Title" (or the group's own title), for the committee
    completion_6: tuple[Cycle, Completion] | None
    completion_12: tuple[Cycle, Completion] | None
    overdue: int
    complaints: RegisterFigures
    flags: list[RiskFlag]  # checks that fired, each once

    @property
    def flags_fired(self) -> int:
        return len(self.flags)


def _sort_value(row: BenchmarkRow, key: str):
    def share(pair):
        return pair[1].share if pair else None

    return {
        "comite": row.provider.name.lower(),
        "ciclo": row.cycle.number if row.cycle else None,
        "taller": row.cycle.workshop_on if row.cycle else None,
        "cumplimiento": row.compliance["yes"] if row.cycle else None,
        "avance6": share(row.completion_6),
        "avance12": share(row.completion_12),
        "atrasadas": row.overdue,
        "arreglo": row.complaints.fix_rate,
        "quejas": row.complaints.overdue,
        "alertas": row.flags_fired,
    }[key]


SORT_KEYS = (
    "comite",
    "ciclo",
    "taller",
    "cumplimiento",
    "avance6",
    "avance12",
    "atrasadas",
    "arreglo",
    "quejas",
    "alertas",
)


def sort_rows(rows: list[BenchmarkRow], order: str) -> list[BenchmarkRow]:
    """``order`` is one of SORT_KEYS, with a leading "-" for descending; empty values go last."""
    descending = order.startswith("-")
    key = order.lstrip("-")
    if key not in SORT_KEYS:
        key, descending = "comite", False
    present = [r for r in rows if _sort_value(r, key) is not None]
    missing = [r for r in rows if _sort_value(r, key) is None]
    # Sorting is stable: ties keep the names in alphabetical order either way.
    present.sort(key=lambda r: r.provider.name.lower())
    present.sort(key=lambda r: _sort_value(r, key), reverse=descending)
    missing.sort(key=lambda r: r.provider.name.lower())
    return present + missing


def benchmark(
    providers, on: datetime.date, order: str = "comite", *, with_flags: bool = True
) -> list[BenchmarkRow]:
    """One row per committee; the queries do not grow with the committees (the red-flag checks
    run once for all of them, ``red_flags.flags_for_many``)."""
    providers = list(committees(providers).order_by("name", "pk"))
    ids = [p.pk for p in providers]
    cycles = list(Cycle.objects.filter(provider_id__in=ids).select_related("provider"))
    latest: dict[int, Cycle] = {}
    for cycle in cycles:
        if cycle.provider_id not in latest or cycle.number > latest[cycle.provider_id].number:
            latest[cycle.provider_id] = cycle
    latest_ids = [c.pk for c in latest.values()]

    compliance: dict[int, dict[str, int]] = defaultdict(lambda: {"yes": 0, "partly": 0, "no": 0})
    for cycle_id, answer, count in (
        applicable.answers_not_set_aside(ComplianceAnswer.objects.filter(cycle_id__in=latest_ids))
        .values_list("cycle_id", "answer")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        compliance[cycle_id][answer] = count

    top_three: dict[int, list[str]] = defaultdict(list)
    top_three_titles: dict[int, list[str]] = defaultdict(list)
    for cycle_id, code, title, own_title in (
        AssessedRisk.objects.filter(cycle_id__in=latest_ids, priority__isnull=False)
        .order_by("cycle_id", "priority")
        .values_list("cycle_id", "risk__code", "risk__title", "own_title")
    ):
        top_three[cycle_id].append(code or own_title)
        top_three_titles[cycle_id].append(f"{code}. {title}" if code else own_title)

    held = [c for c in cycles if c.workshop_on and c.workshop_on <= on]
    by_months = {
        months: completion_summary(None, on, months, cycles=held).per_provider for months in (6, 12)
    }

    overdue = Counter(action.provider.pk for action in overdue_actions(ids, on))

    complaints: dict[int, list[Complaint]] = defaultdict(list)
    for complaint in Complaint.objects.filter(provider_id__in=ids, received_on__lte=on):
        complaints[complaint.provider_id].append(complaint)

    current = CatalogueVersion.current()
    risk_sets: dict[int | None, object] = {}

    def risks_of(catalogue_id: int | None):
        if catalogue_id not in risk_sets:
            risk_sets[catalogue_id] = list(
                Risk.objects.filter(version_id=catalogue_id).values_list("pk", flat=True)
            )
        return risk_sets[catalogue_id]

    flags_of: dict[int, dict[int, list[RiskFlag]]] = {}
    if with_flags:
        flags_of = flags_for_many(
            {
                provider: risks_of(
                    latest[provider.pk].catalogue_id
                    if provider.pk in latest
                    else (current.pk if current else None)
                )
                for provider in providers
            },
            on,
        )
    rows = []
    for provider in providers:
        cycle = latest.get(provider.pk)
        fired: list[RiskFlag] = []
        if with_flags:
            seen = set()
            for flags in flags_of[provider.pk].values():
                for flag in flags:
                    if flag.finding.fired and flag.check_code not in seen:
                        seen.add(flag.check_code)
                        fired.append(flag)
        rows.append(
            BenchmarkRow(
                provider=provider,
                cycle=cycle,
                compliance=dict(compliance[cycle.pk])
                if cycle
                else {"yes": 0, "partly": 0, "no": 0},
                top_three=top_three.get(cycle.pk, []) if cycle else [],
                top_three_titles=top_three_titles.get(cycle.pk, []) if cycle else [],
                completion_6=by_months[6].get(provider.pk),
                completion_12=by_months[12].get(provider.pk),
                overdue=overdue[provider.pk],
                complaints=register_figures(complaints[provider.pk], on),
                flags=fired,
            )
        )
    return sort_rows(rows, order)


# --- Everything the agency page shows ------------------------------------------------------


@dataclass
class Overview:
    on: datetime.date
    committees: int
    risks: RiskSummary
    completion_6: CompletionSummary
    completion_12: CompletionSummary
    overdue: list[OverdueAction]
    lapsed: list[Lapsed]
    rows: list[BenchmarkRow]


def overview(providers, on: datetime.date, order: str = "comite") -> Overview:
    chosen = committees(providers)
    held = cycles_with_workshop(chosen, on)
    return Overview(
        on=on,
        committees=chosen.count(),
        risks=risk_summary(chosen, on),
        completion_6=completion_summary(chosen, on, 6, cycles=held),
        completion_12=completion_summary(chosen, on, 12, cycles=held),
        overdue=overdue_actions(chosen, on),
        lapsed=without_recent_cycle(chosen, on),
        rows=benchmark(chosen, on, order),
    )
