"""Compute and store indicator values: everything, or only what a change touches.

The computation runs in layers, each reading the stored values of the layer before it:
systems (from observations) → localities and providers → municipalities → the state.
A full recompute and a targeted refresh run the same code (``computation.Computation``);
the refresh limits it to the systems, localities and months a change can affect.

- ``loading``: the queries that load a layer's inputs for a set of places and months;
- ``families``: pure functions from loaded inputs to values, one module per family
  (continuity, quality, functionality, ladders, gaps, finance, scores);
- ``aggregates``: provider, municipal and state figures from the values of their parts;
- ``storing``: replacing and inserting values, and the full rebuild's fresh table;
- this module: the entry points (``recompute_all``, ``refresh_after``, ``refresh_books``,
  ``refresh_books_on_commit``).

Providers that keep their books here also get financial figures (collection efficiency, O&M
cost coverage, reserve in months), read from the books by ``books.score``; a change in the
books refreshes only its providers (``refresh_books``).
"""

import datetime
from collections.abc import Iterable

from django.db import connection, models, transaction

from ojodeagua.books import score as books_score
from ojodeagua.monitoring.models import HouseholdSurvey
from ojodeagua.waterquality.models import Sample
from ojodeagua.watersystems.models import ServedLocality, WaterSystem

from ..models import Entity, IndicatorValue
from ..months import add_months, month_start
from .computation import LAYERS, Computation, Progress
from .loading import (
    VALIDATED,
    Selection,
    data_months,
    last_stored_month,
    settings_values,
    systems_last_observed_before,
)
from .storing import bulk_load, insert_values, serialise_writers
from .values import Value

__all__ = [
    "LAYERS",
    "Computation",
    "Progress",
    "Selection",
    "Value",
    "bulk_load",
    "data_months",
    "insert_values",
    "recompute_all",
    "refresh_after",
    "refresh_books",
    "refresh_books_on_commit",
    "refresh_new_months",
]


def recompute_all(progress: Progress | None = None) -> int:
    """Rebuild every indicator value from the validated observations and the books. Returns
    rows written. ``progress`` is told each layer as it is stored (``computation.LAYERS``)."""
    # The observations' months bound the service figures; the providers' financial figures
    # follow each provider's own months of books (``provider_values``), which may run later.
    bounds = data_months() or books_score.book_months()
    with transaction.atomic():
        serialise_writers()
        with bulk_load(IndicatorValue) as table:
            if bounds is None:
                return 0
            return Computation(Selection(*bounds), table=table, progress=progress).run()


def refresh_books(provider_ids: Iterable[int]) -> int:
    """Recompute the provider values of these providers after their books changed.

    Every month of their books is recomputed: a payment can settle a charge of any earlier
    month, and a movement of the reserve fund counts in every month after it. A provider's
    figures come from a few grouped queries over its own books, so this stays cheap; it is
    meant to run once per committed transaction (``refresh_books_on_commit``), not per payment.
    """
    provider_ids = set(provider_ids)
    if not provider_ids:
        return 0
    books = books_score.monthly_books(provider_ids)
    if not books:
        return 0
    first = min(b.first_month for b in books.values())
    last = max(b.last_month for b in books.values())
    system_ids = set(WaterSystem.objects.filter(provider_id__in=books).values_list("id", flat=True))
    # Not a full run (system_ids is a set): only these providers' values are replaced.
    selection = Selection(first, last, system_ids=system_ids, locality_ids=set())
    with transaction.atomic():
        serialise_writers()
        computation = Computation(selection)
        computation.books = books
        computation.store(computation.provider_values(set(books)), Entity.PROVIDER, set(books))
        return computation.written


def refresh_books_on_commit(provider_id: int) -> None:
    """Refresh a provider's values once its books' transaction commits; once per provider,
    however many entries the transaction posted."""
    pending = getattr(connection, "_books_refresh_pending", None)
    if pending is None:
        pending = connection._books_refresh_pending = set()
    pending.add(provider_id)

    def run() -> None:
        if provider_id in pending:
            pending.discard(provider_id)
            refresh_books({provider_id})

    transaction.on_commit(run)


def refresh_after(observations: Iterable[models.Model]) -> int:
    """Recompute the values that depend on these (new or changed) observations."""
    system_ids: set[int] = set()
    locality_ids: set[int] = set()
    municipality_ids: set[int] = set()
    first: datetime.date | None = None
    latest: datetime.date | None = None
    reach = settings_values()["perception_ecoli_window_days"]
    for observation in observations:
        day = earliest = observation.observed_on
        if isinstance(observation, Sample):
            # A test counts for the surveys of the 90 days before it (perception gap) and of
            # the year after it ("safely managed" reads the year's latest test).
            earliest = day - datetime.timedelta(days=reach)
            day = day + datetime.timedelta(days=365)
        first = earliest if first is None or earliest < first else first
        latest = day if latest is None or day > latest else latest
        if getattr(observation, "system_id", None):
            system_ids.add(observation.system_id)
        if getattr(observation, "locality_id", None):
            locality_ids.add(observation.locality_id)
        municipality_ids.add(observation.municipality_id)
    if first is None or latest is None:
        return 0
    bounds = data_months()
    if bounds is None:
        return 0
    # "Last 12 months" values of later months read this month too.
    last = min(add_months(month_start(latest), 11), bounds[1])
    first_month = max(month_start(first), bounds[0])
    if first_month > last:
        return 0
    locality_ids |= set(
        ServedLocality.objects.filter(system_id__in=system_ids).values_list(
            "locality_id", flat=True
        )
    )
    # Households may name a system that has no "serves" link to their locality.
    locality_ids |= set(
        HouseholdSurvey.objects.filter(system_id__in=system_ids, state=VALIDATED)
        .values_list("locality_id", flat=True)
        .distinct()
    )
    first_month = min(first_month, silent_months_start(system_ids, first_month))
    selection = Selection(first_month, last, system_ids, locality_ids)
    with transaction.atomic():
        serialise_writers()
        stored_last = last_stored_month(Entity.STATE)
        written = Computation(selection, municipality_ids=municipality_ids).run()
        if stored_last is None or stored_last < bounds[1]:
            written += extend_to_new_months(stored_last, bounds)
        return written


def refresh_new_months() -> int:
    """Carry every place's figures into the months after the last one stored, if the records
    now reach further (``extend_to_new_months``); nothing else. For a change that moves no
    figure: a record that is pending, and was pending or new before."""
    bounds = data_months()
    if bounds is None:
        return 0
    with transaction.atomic():
        serialise_writers()
        return extend_to_new_months(last_stored_month(Entity.STATE), bounds)


def silent_months_start(system_ids: set[int], first_month: datetime.date) -> datetime.date:
    """Where a refresh of these systems must begin so that a record after silent months
    fills them, as a full rebuild does.

    A system's "last 12 months" figures run from its first month of data to its last one.
    A record months after the system's previous one moves that last month, and the months
    between gain the year figures of the earlier data; the same holds in reverse when such
    a record is taken away. So the refresh begins the month after the previous record.
    """
    previous = systems_last_observed_before(system_ids, first_month) if system_ids else {}
    return min((add_months(month_start(day), 1) for day in previous.values()), default=first_month)


def extend_to_new_months(
    stored_last: datetime.date | None, bounds: tuple[datetime.date, datetime.date]
) -> int:
    """Compute every place for the months after the last one stored, up to the data's last.

    A full rebuild computes every month up to the data's last one, and carries each
    locality's and municipality's "last 12 months" figures (household surveys, schools,
    health centres) into it. A record in a month after all others moves that last month, so
    places the record does not touch gain values too. Systems keep to their own months of
    data, so no system is recomputed here; the localities read the systems' stored values.
    """
    first = bounds[0] if stored_last is None else max(add_months(stored_last, 1), bounds[0])
    if first > bounds[1]:
        return 0
    return Computation(Selection(first, bounds[1], system_ids=set(), locality_ids=None)).run()
