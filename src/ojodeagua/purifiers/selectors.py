"""The only readers of the purifier register's figures, per locality and for a whole area.

Every figure is read "as of" a day ``on`` (never today by itself), over the units a caller
passes (already limited to what the reader may see). For that day:

* **units** (registered): installed on or before ``on`` and not retired by then
  (``retired_on`` empty or after ``on``). Every other figure counts among these.
* **visited**: units with a follow-up visit in the window of ``days`` days ending on ``on``
  (``on - days + 1`` ≤ visited_on ≤ ``on``; default ``VISIT_WINDOW_DAYS``).
* **in use**: units whose latest visit in that window (latest date, then latest entered) found
  them in use. A unit not visited in the window is not counted in use: nobody saw it.
* **effective**: in use, AND that same latest visit found the lamp working, AND the latest test
  with a result after the unit in the window of ``test_days`` days ending on ``on`` (default
  ``TEST_WINDOW_DAYS``) found E. coli not detected after it (``models.NOT_DETECTED_BELOW``:
  < 1.1 by MPN, < 1 CFU by membrane filtration).
* **lamps overdue**: units whose lamp of that day was due before ``on`` (due < ``on``). The
  lamp of that day is the one put in by the latest lamp change on or before ``on``; before any
  change, the first lamp (the due date the first later change replaced, or the unit's own).
* **share in use** = in use ÷ units; **share effective** = effective ÷ units (None without
  units).
* **latest visit**: the date of the latest visit on or before ``on`` to any unit counted,
  whatever the window.

One query reads all of it (correlated subqueries), however many units there are.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ojodeagua.places.models import Locality, Municipality

from .models import EcoliTest, FollowUpVisit, LampChange, Repair, Unit, ecoli_not_detected

# Our choice: programmes visit each unit about once a quarter, so a visit older than 90 days no
# longer says whether the unit is used today.
VISIT_WINDOW_DAYS = 90
# Our choice: E. coli tests cost a laboratory trip and are taken about once a year per unit.
TEST_WINDOW_DAYS = 365


@dataclass(frozen=True)
class UnitState:
    """One unit as of a day: what its latest visit and test said."""

    unit: Unit
    last_visit_on: datetime.date | None
    in_use: bool
    lamp_working: bool
    last_test_on: datetime.date | None
    ecoli_after: Decimal | None
    ecoli_method: str
    lamp_due_on: datetime.date
    lamp_overdue: bool

    @property
    def visited(self) -> bool:
        return self.last_visit_on is not None

    @property
    def clean_after(self) -> bool:
        return bool(ecoli_not_detected(self.ecoli_after, self.ecoli_method))

    @property
    def effective(self) -> bool:
        return self.in_use and self.lamp_working and self.clean_after


@dataclass
class UnitFigures:
    """Counts of units as of a day; the module's docstring defines each one."""

    units: int = 0
    visited: int = 0
    in_use: int = 0
    effective: int = 0
    lamps_overdue: int = 0
    latest_visit_on: datetime.date | None = None

    @property
    def share_in_use(self) -> float | None:
        return self.in_use / self.units if self.units else None

    @property
    def share_effective(self) -> float | None:
        return self.effective / self.units if self.units else None

    def add(self, state: UnitState, ever_visited_on: datetime.date | None) -> None:
        self.units += 1
        self.visited += state.visited
        self.in_use += state.in_use
        self.effective += state.effective
        self.lamps_overdue += state.lamp_overdue
        if ever_visited_on and (
            self.latest_visit_on is None or ever_visited_on > self.latest_visit_on
        ):
            self.latest_visit_on = ever_visited_on


@dataclass(frozen=True)
class LocalityFigures:
    locality: Locality
    figures: UnitFigures


@dataclass
class RegisterFigures:
    """The figures of an area as of ``on``: by locality (by name), and for all of it."""

    on: datetime.date
    days: int
    test_days: int
    localities: list[LocalityFigures] = field(default_factory=list)
    total: UnitFigures = field(default_factory=UnitFigures)
    states: list[UnitState] = field(default_factory=list)


def counted_on(units: QuerySet[Unit], on: datetime.date) -> QuerySet[Unit]:
    """Units installed on or before ``on`` and not retired by then."""
    return units.filter(installed_on__lte=on).filter(
        Q(retired_on__isnull=True) | Q(retired_on__gt=on)
    )


def _window_start(on: datetime.date, days: int) -> datetime.date:
    return on - datetime.timedelta(days=max(days, 1) - 1)


def as_of(
    units: QuerySet[Unit],
    on: datetime.date,
    *,
    days: int = VISIT_WINDOW_DAYS,
    test_days: int = TEST_WINDOW_DAYS,
) -> QuerySet[Unit]:
    """The counted units, each annotated with its latest visit and test and its lamp of ``on``."""
    visits = FollowUpVisit.objects.filter(
        unit=OuterRef("pk"), visited_on__range=(_window_start(on, days), on)
    ).order_by("-visited_on", "-pk")
    ever = FollowUpVisit.objects.filter(unit=OuterRef("pk"), visited_on__lte=on).order_by(
        "-visited_on", "-pk"
    )
    tests = EcoliTest.objects.filter(
        unit=OuterRef("pk"),
        ecoli_after__isnull=False,
        sampled_on__range=(_window_start(on, test_days), on),
    ).order_by("-sampled_on", "-pk")
    lamp_then = LampChange.objects.filter(unit=OuterRef("pk"), done_on__lte=on).order_by(
        "-done_on", "-pk"
    )
    lamp_later = LampChange.objects.filter(unit=OuterRef("pk"), done_on__gt=on).order_by(
        "done_on", "pk"
    )
    return (
        counted_on(units, on)
        .select_related("locality", "school")
        .annotate(
            last_visit_on=Subquery(visits.values("visited_on")[:1]),
            last_in_use=Subquery(visits.values("in_use")[:1]),
            last_lamp_working=Subquery(visits.values("lamp_working")[:1]),
            ever_visited_on=Subquery(ever.values("visited_on")[:1]),
            last_test_on=Subquery(tests.values("sampled_on")[:1]),
            last_ecoli_after=Subquery(tests.values("ecoli_after")[:1]),
            last_ecoli_method=Subquery(tests.values("method")[:1]),
            due_then=Coalesce(
                Subquery(lamp_then.values("lamp_due_on")[:1]),
                Subquery(lamp_later.values("replaced_due_on")[:1]),
                F("lamp_due_on"),
            ),
        )
    )


def _state(unit: Unit, on: datetime.date) -> UnitState:
    after = unit.last_ecoli_after  # type: ignore[attr-defined]
    due = unit.due_then  # type: ignore[attr-defined]
    return UnitState(
        unit=unit,
        last_visit_on=unit.last_visit_on,  # type: ignore[attr-defined]
        in_use=bool(unit.last_in_use),  # type: ignore[attr-defined]
        lamp_working=bool(unit.last_lamp_working),  # type: ignore[attr-defined]
        last_test_on=unit.last_test_on,  # type: ignore[attr-defined]
        ecoli_after=Decimal(after) if after is not None else None,
        ecoli_method=unit.last_ecoli_method or "",  # type: ignore[attr-defined]
        lamp_due_on=due,
        lamp_overdue=due < on,
    )


def register_figures(
    units: QuerySet[Unit],
    on: datetime.date,
    *,
    days: int = VISIT_WINDOW_DAYS,
    test_days: int = TEST_WINDOW_DAYS,
) -> RegisterFigures:
    """The figures of ``units`` as of ``on``, by locality and in all: one query."""
    result = RegisterFigures(on=on, days=days, test_days=test_days)
    by_locality: dict[int, LocalityFigures] = {}
    for unit in as_of(units, on, days=days, test_days=test_days):
        state = _state(unit, on)
        result.states.append(state)
        row = by_locality.get(unit.locality_id)
        if row is None:
            row = by_locality[unit.locality_id] = LocalityFigures(unit.locality, UnitFigures())
        ever = unit.ever_visited_on  # type: ignore[attr-defined]
        row.figures.add(state, ever)
        result.total.add(state, ever)
    result.localities = sorted(
        by_locality.values(), key=lambda row: (row.locality.name, row.locality.key)
    )
    return result


def unit_state(unit: Unit, on: datetime.date) -> UnitState | None:
    """One unit as of ``on`` (None before it was installed or after it was retired)."""
    found = register_figures(Unit.objects.filter(pk=unit.pk), on).states
    return found[0] if found else None


def municipality_figures(
    municipality: Municipality,
    on: datetime.date,
    units: QuerySet[Unit] | None = None,
    **window: int,
) -> RegisterFigures:
    """The figures of a municipality's localities (of ``units``, when the caller scoped them)."""
    units = Unit.objects.all() if units is None else units
    return register_figures(units.filter(locality__municipality=municipality), on, **window)


@dataclass(frozen=True)
class PublicUnitCounts:
    """What the public locality page may show: counts and a date, never a household."""

    units: int
    in_use: int
    effective: int
    lamps_overdue: int
    latest_visit_on: datetime.date | None
    days: int
    test_days: int


def locality_units(locality: Locality, on: datetime.date) -> PublicUnitCounts:
    """The locality's units as of ``on``, for its public page: one query, no personal data.

    ``units``, ``in_use``, ``effective`` and ``lamps_overdue`` as this module defines them, with
    the default windows (``days`` and ``test_days`` say which); ``latest_visit_on`` the latest
    visit to any of them on or before ``on``.
    """
    figures = register_figures(Unit.objects.filter(locality=locality), on).total
    return PublicUnitCounts(
        units=figures.units,
        in_use=figures.in_use,
        effective=figures.effective,
        lamps_overdue=figures.lamps_overdue,
        latest_visit_on=figures.latest_visit_on,
        days=VISIT_WINDOW_DAYS,
        test_days=TEST_WINDOW_DAYS,
    )


# A unit's history ------------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryEntry:
    day: datetime.date
    kind: str  # visit, test, lamp, repair
    record: object


def unit_history(unit: Unit) -> list[HistoryEntry]:
    """Every dated record of the unit, newest first: four queries."""
    entries: list[HistoryEntry] = []
    sources: Iterable[tuple[str, QuerySet, str]] = (
        ("visit", FollowUpVisit.objects.filter(unit=unit), "visited_on"),
        ("test", EcoliTest.objects.filter(unit=unit), "sampled_on"),
        ("lamp", LampChange.objects.filter(unit=unit), "done_on"),
        ("repair", Repair.objects.filter(unit=unit), "done_on"),
    )
    for kind, records, day_field in sources:
        entries += [HistoryEntry(getattr(r, day_field), kind, r) for r in records]
    entries.sort(key=lambda entry: (entry.day, entry.record.created_at), reverse=True)  # type: ignore[attr-defined]
    return entries
