"""``/health/``: whether this instance can serve, for a load balancer or a monitor.

Each check is a function that raises when what it checks is broken; it may return a word that
says how it works instead of "ok" (the queue answers "eager" when the work runs in-process). The
database and the cache are checked here; an app that adds a service registers its own check in
its ``AppConfig.ready`` with :func:`register` (``jobs`` adds ``"queue"``), as
``lib/refresh.py`` lets higher apps plug in without being imported.

The answer comes from a middleware placed first, before the host check, the HTTPS
redirect, sessions and the language: a load balancer probes each instance over plain HTTP by its
address, and must get the instance's health rather than a redirect or a 400 for an unknown
host. It names only which checks failed, nothing about the data or the people in it.
"""

import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

PATH = "/health/"

Check = Callable[[], str | None]
CHECKS: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    """Adds (or replaces) a check; it passes by returning (None for "ok", or its own word)
    and fails by raising."""
    CHECKS[name] = check


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    # A key of its own per probe: workers probed at once must not read each other's value.
    key = f"ojodeagua:health:{uuid.uuid4().hex}"
    cache.set(key, "ok", 30)
    came_back = cache.get(key)
    cache.delete(key)
    if came_back != "ok":
        raise RuntimeError("the cache did not give back what was stored")


register("database", check_database)
register("cache", check_cache)


def run_checks() -> dict[str, str]:
    """``{"status": "ok"|"error", name: "ok"|"error"|its word, …}``; a failure is logged with
    its error."""
    results = {}
    for name, check in CHECKS.items():
        try:
            outcome = check()
        except Exception:
            logger.warning("health check %s failed", name, exc_info=True, extra={"check": name})
            results[name] = "error"
        else:
            results[name] = outcome if isinstance(outcome, str) and outcome else "ok"
    healthy = all(result != "error" for result in results.values())
    return {"status": "ok" if healthy else "error", **results}


def health_response(request: HttpRequest) -> HttpResponse:
    results = run_checks()
    response = JsonResponse(results, status=200 if results["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Set here: the middleware that would add it comes after this one.
    response["Content-Length"] = str(len(response.content))
    if request.method == "HEAD":
        response.content = b""
    return response


class HealthCheckMiddleware:
    """Answers ``GET``/``HEAD /health/`` before any other middleware looks at the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return health_response(request)
        return self.get_response(request)
