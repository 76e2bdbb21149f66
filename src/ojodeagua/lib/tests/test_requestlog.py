"""Each request is one JSON log line: method, path, status and duration, nothing personal."""

import json
import logging

import pytest
from django.test import Client

from ojodeagua.lib.jsonlog import JsonFormatter

pytestmark = pytest.mark.django_db


def request_lines(caplog) -> list[str]:
    formatter = JsonFormatter()
    return [formatter.format(r) for r in caplog.records if r.name == "ojodeagua.requests"]


def test_a_request_is_one_json_line_without_the_query_string(caplog):
    with caplog.at_level(logging.INFO, logger="ojodeagua.requests"):
        response = Client().get("/entrar/?q=Mar%C3%ADa+L%C3%B3pez&next=/cuentas/")
    assert response.status_code == 200
    [line] = request_lines(caplog)
    entry = json.loads(line)
    assert entry["logger"] == "ojodeagua.requests"
    assert entry["level"] == "INFO"
    assert entry["method"] == "GET"
    assert entry["path"] == "/entrar/"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert "?" not in line
    assert "María" not in line and "Mar%C3%ADa" not in line and "cuentas" not in line


def test_a_posted_form_leaves_no_trace_of_its_fields(caplog):
    with caplog.at_level(logging.INFO, logger="ojodeagua.requests"):
        response = Client().post(
            "/entrar/", {"username": "tesorera", "password": "una-clave-secreta"}
        )
    [line] = request_lines(caplog)
    entry = json.loads(line)
    assert (entry["method"], entry["path"], entry["status"]) == (
        "POST",
        "/entrar/",
        response.status_code,
    )
    assert "tesorera" not in line and "una-clave-secreta" not in line


def test_static_files_and_redirects_are_logged_too(caplog):
    with caplog.at_level(logging.INFO, logger="ojodeagua.requests"):
        Client().get("/static/ojodeagua/site.css")
        Client().get("/")
    entries = [json.loads(line) for line in request_lines(caplog)]
    assert [(e["path"], e["status"]) for e in entries] == [
        ("/static/ojodeagua/site.css", 200),
        ("/", 302),
    ]


def test_the_formatter_keeps_plain_extras_and_drops_objects():
    """Django's own loggers attach the request object; it must not be dumped into the log."""
    record = logging.makeLogRecord(
        {
            "name": "django.request",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "Not Found: %s",
            "args": ("/x/",),
            "status_code": 404,
            "request": object(),
        }
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "Not Found: /x/"
    assert entry["status_code"] == 404
    assert "request" not in entry
