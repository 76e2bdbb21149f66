"""The one way a writer asks for fresh indicators, without importing the app that computes them.

Indicators are computed from the records below them (observations, samples, books), so the
``indicators`` app sits above the apps that write those records and may import them; the
writers may not import ``indicators`` back. Instead ``indicators`` registers how to refresh
(``IndicatorsConfig.ready``) and writers call the functions here. Without a registered
refresher (an install without ``indicators``) they do nothing.
"""

from collections.abc import Callable, Iterable

from django.db import models, transaction

Refresh = Callable[[list[models.Model]], object]
Recompute = Callable[[], object]

_refresh: Refresh | None = None
_recompute: Recompute | None = None


def register(*, refresh: Refresh, recompute: Recompute) -> None:
    """Called once by the app that computes indicators: a targeted refresh and a full run."""
    global _refresh, _recompute
    _refresh, _recompute = refresh, recompute


def refresh_indicators(records: Iterable[models.Model]) -> None:
    """Recompute now, inside the caller's transaction, the values these records touch."""
    records = list(records)
    if records and _refresh is not None:
        _refresh(records)


class _Pending:
    """The records of one transaction waiting for their refresh, refreshed together once."""

    def __init__(self) -> None:
        self.records: list[models.Model] = []
        self.done = False

    def run(self) -> None:
        if not self.done:
            self.done = True
            refresh_indicators(self.records)


_PENDING = "ojodeagua_pending_refresh"


def refresh_indicators_on_commit(records: Iterable[models.Model]) -> None:
    """Recompute the values these records touch once they are safely stored.

    Nothing is recomputed if the transaction rolls back; outside a transaction, at once. The
    records saved in one transaction are refreshed together, in one pass, when it commits: a
    week of supply days is one refresh, not seven (each pass reads and rewrites the values of
    the system's locality, municipality and state, which cost 0.8 s apiece on the demo).
    """
    records = list(records)
    if not records:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        refresh_indicators(records)
        return
    pending = getattr(connection, _PENDING, None)
    # A batch belongs to the transaction that still holds its hook: once it has run, or its
    # transaction rolled back (Django drops the hooks then), the next record starts another.
    if (
        pending is None
        or pending.done
        or not any(hook[1] == pending.run for hook in connection.run_on_commit)
    ):
        pending = _Pending()
        setattr(connection, _PENDING, pending)
    pending.records.extend(records)
    # Registered at each call, so a savepoint that rolls back drops only its own hook; the
    # first hook to run refreshes every record and the others find it done. A record whose
    # savepoint rolled back is refreshed too, which recomputes its values from what is stored.
    transaction.on_commit(pending.run)


def recompute_indicators() -> None:
    """Recompute every value: cheaper than a targeted refresh when much has changed."""
    if _recompute is not None:
        _recompute()
