"""/health/ answers whether the database and the cache work, to anyone, over plain HTTP."""

import json
import logging
from unittest import mock

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client, override_settings

from ojodeagua.lib import health

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_the_database_and_the_cache_answer():
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    # The queue runs in-process in the tests (no broker): "eager" (jobs/tests test a broker).
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "queue": "eager"}


def test_health_answers_503_naming_the_cache_when_the_cache_fails(caplog):
    with mock.patch.object(LocMemCache, "set", side_effect=ConnectionError("no Redis")):
        response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "cache": "error",
        "queue": "eager",
    }
    failure = next(r for r in caplog.records if r.name == "ojodeagua.lib.health")
    assert failure.levelno == logging.WARNING and failure.check == "cache"


def test_health_answers_503_naming_the_cache_when_it_gives_back_nothing():
    with mock.patch.object(LocMemCache, "get", return_value=None):
        response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json()["cache"] == "error"


def test_health_answers_503_naming_the_database_when_it_fails():
    with mock.patch.object(health, "connection") as connection:
        connection.cursor.side_effect = RuntimeError("database gone")
        response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "error",
        "cache": "ok",
        "queue": "eager",
    }


def test_a_registered_check_is_asked_and_named(monkeypatch):
    """The hook the task queue uses: a check an app registers is part of the answer."""

    def queue_is_down() -> None:
        raise ConnectionError("no broker")

    monkeypatch.setitem(health.CHECKS, "queue", queue_is_down)
    response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "ok", "queue": "error"}


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["agua.example.org"])
def test_health_answers_a_load_balancer_over_http_by_the_instance_address():
    """No HTTPS redirect and no 400 for the host, as the rest of the site answers."""
    client = Client(HTTP_HOST="10.0.3.7:8000")
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    head = client.head("/health/")
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == response["Content-Length"] == str(len(response.content))
    # The rest of the site still refuses that host, and redirects to HTTPS for its own.
    assert client.get("/entrar/").status_code == 400
    assert Client(HTTP_HOST="agua.example.org").get("/entrar/").status_code == 301


def test_a_check_may_name_how_it_works_without_failing(monkeypatch):
    monkeypatch.setitem(health.CHECKS, "queue", lambda: "eager")
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["queue"] == "eager"


def test_health_needs_no_sign_in_and_tells_nothing_else():
    response = Client().get("/health/")
    assert set(json.loads(response.content)) == {"status", "database", "cache", "queue"}
    assert "Set-Cookie" not in response
    # Only GET and HEAD are answered; anything else goes on to the site (no such page).
    assert Client().post("/health/").status_code == 404
