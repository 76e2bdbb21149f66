"""Compute and store indicator values: everything, or only what an observation change touches."""

from collections.abc import Iterable

from django.db import models


def refresh_after(observations: Iterable[models.Model]) -> None:
    """Recompute the values that depend on these (new or changed) observations."""


def recompute_all() -> int:
    """Rebuild every indicator value from the validated observations. Returns rows written."""
    return 0
