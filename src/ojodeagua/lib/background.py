"""The one way a page of a lower app hands long work to the task queue, without importing it.

The ``jobs`` app sits above every app whose work it runs (it imports the importer's specs, the
indicators engine and the books' check), so the apps below may not import it back. It registers
how to start a job in its ``AppConfig.ready`` and pages call :func:`start` here, as writers ask
for fresh indicators through ``lib/refresh.py``. Without a registered starter (an install
without ``jobs``) :func:`start` returns ``None`` and the page does the work itself.
"""

from collections.abc import Callable
from typing import Any

# (kind, user, **params) → the address of the job's page.
Starter = Callable[..., str]

_start: Starter | None = None


def register(start: Starter) -> None:
    global _start
    _start = start


def available() -> bool:
    """Whether long work can be handed over (a page offers it only then)."""
    return _start is not None


def start(kind: str, user: Any, **params: Any) -> str | None:
    """Queue ``kind`` for ``user``; the address of the page that follows it, or ``None``."""
    if _start is None:
        return None
    return _start(kind, user, **params)
