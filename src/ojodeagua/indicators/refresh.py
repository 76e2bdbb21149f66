"""The one way a writer asks for fresh indicators: after its transaction commits.

Pages, the API, the importers and the services call ``refresh_indicators_on_commit`` with the
observations they created or changed (and the stored copies of changed ones, whose old place
and date need refreshing too). Nothing is recomputed if the transaction rolls back (a dry run,
a refused import), and a writer outside any transaction refreshes at once.
"""

from collections.abc import Iterable

from django.db import models, transaction


def refresh_indicators_on_commit(observations: Iterable[models.Model]) -> None:
    """Recompute the values these observations touch once they are safely stored."""
    observations = list(observations)
    if not observations:
        return

    def run() -> None:
        from ojodeagua.indicators.engine import refresh_after

        refresh_after(observations)

    transaction.on_commit(run)
