"""The one way a writer asks for fresh indicators, without importing the app that computes them.

Indicators are computed from the records below them (observations, samples, books), so the
``indicators`` app sits above the apps that write those records and may import them; the
writers may not import ``indicators`` back. Instead ``indicators`` registers how to refresh
(``IndicatorsConfig.ready``) and writers call the functions here. Without a registered
refresher (an install without ``indicators``) they do nothing.

A refresh after a commit that touched many water systems (``REFRESH_QUEUE_SYSTEMS``: an import
from the page; one form or one validation never does) is not done in the request that saved
them: it becomes one job on the task queue (the ``jobs`` app registers how, with
:func:`register_queue`), which rebuilds the records' places and days (:func:`touched`,
:func:`rebuilt`) and refreshes them there. Work that already runs on the queue (a big import)
refreshes where it is (:func:`in_background`).
"""

import contextlib
import contextvars
import datetime
from collections.abc import Callable, Iterable, Iterator

from django.apps import apps
from django.conf import settings
from django.db import models, transaction

Refresh = Callable[[list[models.Model]], object]
Recompute = Callable[[], object]
# Records that count in no figure (saved pending, and pending before) still move the months
# the figures run over (``indicators.engine.loading.data_months``); this carries the figures
# into new months when they did.
NewMonths = Callable[[], object]
# (the records' places and days, their municipalities) → nothing; the work is queued.
Queue = Callable[[list[dict], set[int]], object]

_refresh: Refresh | None = None
_recompute: Recompute | None = None
_new_months: NewMonths | None = None
_queue: Queue | None = None
_background = contextvars.ContextVar("refresh_in_background", default=False)

# What places a record in space and time, and whether it counts yet (a refresh skips records
# that are not validated): all a refresh reads of it. A record is kept for the queue as these
# (and its model and day), so two records of the same system, day and state are one.
PLACE_FIELDS = ("system_id", "locality_id", "municipality_id", "state")


def register(*, refresh: Refresh, recompute: Recompute, new_months: NewMonths) -> None:
    """Called once by the app that computes indicators: a targeted refresh, a full run, and
    the step that carries figures into months a record that counts in none of them opened."""
    global _refresh, _recompute, _new_months
    _refresh, _recompute, _new_months = refresh, recompute, new_months


def refresh_indicators(records: Iterable[models.Model]) -> None:
    """Recompute now, inside the caller's transaction, the values these records touch."""
    records = list(records)
    if records and _refresh is not None:
        _refresh(records)


def register_queue(queue: Queue) -> None:
    """Called once by the app that runs the task queue: how a big refresh becomes a job."""
    global _queue
    _queue = queue


class _Pending:
    """The records of one transaction waiting for their refresh, refreshed together once."""

    def __init__(self, background: bool) -> None:
        self.records: list[models.Model] = []
        # Records that were not validated before this transaction and are not now.
        self.uncounted: list[models.Model] = []
        # Whether the work asking runs on the queue is known now; the commit may come later.
        self.background = background
        self.done = False

    def run(self) -> None:
        if self.done:
            return
        self.done = True
        if self.records:
            _refresh_or_queue(self.records + self.uncounted, self.background)
        elif _new_months is not None:
            _new_months()


_PENDING = "ojodeagua_pending_refresh"


def refresh_indicators_on_commit(records: Iterable[models.Model], *, counted: bool = True) -> None:
    """Recompute the values these records touch once they are safely stored.

    ``counted=False`` says that none of the records counts in a figure, before or after the
    change (a record saved pending over one that was pending or new): no value can move, so
    nothing is recomputed for them but the months the figures run over. Only a writer that
    knows the record's stored state can say so; the default refreshes.

    Nothing is recomputed if the transaction rolls back; outside a transaction, at once. The
    records saved in one transaction are refreshed together, in one pass, when it commits: a
    week of supply days is one refresh, not seven (each pass reads and rewrites the values of
    the system's locality, municipality and state, which cost 0.8 s apiece on the demo). When
    they reach more than ``REFRESH_QUEUE_SYSTEMS`` water systems the refresh is one job on the
    task queue instead (nothing waits for it), unless this already runs on the queue.
    """
    records = list(records)
    if not records:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        batch = _Pending(_background.get())
        (batch.records if counted else batch.uncounted).extend(records)
        batch.run()
        return
    pending = getattr(connection, _PENDING, None)
    # A batch belongs to the transaction that still holds its hook: once it has run, or its
    # transaction rolled back (Django drops the hooks then), the next record starts another.
    if (
        pending is None
        or pending.done
        or not any(hook[1] == pending.run for hook in connection.run_on_commit)
    ):
        pending = _Pending(_background.get())
        setattr(connection, _PENDING, pending)
    (pending.records if counted else pending.uncounted).extend(records)
    # Registered at each call, so a savepoint that rolls back drops only its own hook; the
    # first hook to run refreshes every record and the others find it done. A record whose
    # savepoint rolled back is refreshed too, which recomputes its values from what is stored.
    transaction.on_commit(pending.run)


def _refresh_or_queue(records: list[models.Model], background: bool) -> None:
    """At commit: refresh here, or hand a big refresh to the task queue."""
    if _queue is not None and not background and worth_a_job(records):
        places = touched(records)
        _queue(places, {p["municipality_id"] for p in places if p["municipality_id"]})
    else:
        refresh_indicators(records)


def worth_a_job(records: Iterable[models.Model]) -> bool:
    """More water systems than ``REFRESH_QUEUE_SYSTEMS`` (a locality's record without a system,
    such as a sample from a household tap, counts as its locality)."""
    places = set()
    for record in records:
        if system := getattr(record, "system_id", None):
            places.add(("system", system))
        elif locality := getattr(record, "locality_id", None):
            places.add(("locality", locality))
    return len(places) > settings.REFRESH_QUEUE_SYSTEMS


def touched(records: Iterable[models.Model]) -> list[dict]:
    """The records as the places and days they are about (JSON for the job), each once."""
    seen = set()
    for record in records:
        key = (
            record._meta.label,
            record.observed_on.isoformat(),
            *(getattr(record, name, None) for name in PLACE_FIELDS),
        )
        seen.add(key)
    return [
        {"model": label, "observed_on": day, **dict(zip(PLACE_FIELDS, place, strict=True))}
        for label, day, *place in sorted(seen, key=lambda key: tuple(map(str, key)))
    ]


def rebuilt(places: Iterable[dict]) -> list[models.Model]:
    """Unsaved records standing for :func:`touched`'s places and days, to refresh with."""
    records = []
    for place in places:
        record = apps.get_model(place["model"])()
        record.observed_on = datetime.date.fromisoformat(place["observed_on"])
        for name in PLACE_FIELDS:
            # A field left out (a model with no state, a record with no system) keeps the
            # model's default, so no attribute is made up.
            if (value := place.get(name)) is not None:
                setattr(record, name, value)
        records.append(record)
    return records


@contextlib.contextmanager
def in_background() -> Iterator[None]:
    """Work on the task queue: a refresh it asks for runs where it is, not as another job."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


def recompute_indicators() -> None:
    """Recompute every value: cheaper than a targeted refresh when much has changed."""
    if _recompute is not None:
        _recompute()
