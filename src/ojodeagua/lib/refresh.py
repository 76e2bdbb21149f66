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


def refresh_indicators_on_commit(records: Iterable[models.Model]) -> None:
    """Recompute the values these records touch once they are safely stored.

    Nothing is recomputed if the transaction rolls back; outside a transaction, at once.
    """
    records = list(records)
    if records:
        transaction.on_commit(lambda: refresh_indicators(records))


def recompute_indicators() -> None:
    """Recompute every value: cheaper than a targeted refresh when much has changed."""
    if _recompute is not None:
        _recompute()
