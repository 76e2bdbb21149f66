"""The API answers as its OpenAPI description says, on every operation: no 500, no status code,
content type or body the description does not allow.

schemathesis reads the description drf-spectacular makes and sends requests generated from it
(valid ones and invalid ones) to the Django application in this process, on the demo's data,
inside the test's transaction, so what the writes store is rolled back. A second pass sends each
operation that names a record one of the demo's own records, which the generated ids rarely hit.
"""

import json
import os
from io import StringIO

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from ojodeagua.integrity.models import Cycle

# Examples per operation: 5 keeps the whole run near a minute and a half on one core (176
# operations). To search harder before a release: OJODEAGUA_API_EXAMPLES=50.
EXAMPLES = int(os.environ.get("OJODEAGUA_API_EXAMPLES", "5"))

JSON = "application/json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def described_api() -> dict:
    """The OpenAPI description /api/v1/openapi.json serves, as JSON."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


DESCRIBED = schemathesis.openapi.from_dict(
    described_api(),
    config=SchemathesisConfig.from_dict(
        {
            # The same requests on every run: a failure here is reproducible, not luck.
            "seed": 14,
            "generation": {"max-examples": EXAMPLES, "database": "none"},
            # The coverage phase (every boundary of every field) takes ten times as long.
            "phases": {"coverage": {"enabled": False}},
        }
    ),
)


def credentials(username: str) -> dict[str, str]:
    """The headers a client sends to act as ``username``: the one place that knows how the API
    authenticates. Also asks for an uncompressed body (the test client does not unzip)."""
    out = StringIO()
    call_command("api-token", username, stdout=out)
    return {"Authorization": f"Token {out.getvalue().strip()}", "Accept-Encoding": "identity"}


@pytest.fixture
def app(db):
    """The site's WSGI application, answering inside the test's transaction: like Django's test
    client, it does not close the database connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def agency(db) -> dict[str, str]:
    # The municipal agency: it reads every app's records in its area and writes most of them.
    return credentials("agencia")


@DESCRIBED.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_every_operation_answers_generated_requests_as_described(case, app, agency):
    case.call_and_validate(app=app, headers=agency, checks=CHECKS)


def operations_on_a_record() -> list[tuple[str, str]]:
    return [
        (path, method.upper())
        for path, operations in described_api()["paths"].items()
        for method in operations
        if "{" in path
    ]


# Lists the demo leaves empty for the agency: their records are asked for by an id that does not
# exist, and answer 404 as described.
EMPTY_IN_THE_DEMO = {"/api/v1/attachments/", "/api/v1/rating-tallies/"}


def a_demo_record(app, headers, path: str) -> int | None:
    """The id of the first record the list next to ``path`` shows (a committee's for the books'
    summary); None for a list the demo leaves empty."""
    if path.startswith("/api/v1/books-summary/"):
        listed = "/api/v1/providers/"
    else:
        listed = path.split("{")[0]
    answer = DESCRIBED[listed]["GET"].Case(query={"page_size": 1}).call(app=app, headers=headers)
    assert answer.status_code == 200, listed
    rows = answer.json()["results"]
    assert bool(rows) == (listed not in EMPTY_IN_THE_DEMO), listed
    return rows[0]["id"] if rows else None


@pytest.mark.parametrize(("path", "method"), operations_on_a_record())
def test_every_operation_answers_for_a_demo_record_as_described(path, method, app, agency):
    name = "provider" if "{provider}" in path else "id"
    operation = DESCRIBED[path][method]
    record = a_demo_record(app, agency, path)
    shown = DESCRIBED[path.split("{")[0] + "{id}/"]["GET"] if name == "id" else None
    if record is None:
        case = operation.Case(path_parameters={name: 2**31 - 1}, body={}, media_type=JSON)
    elif method == "GET":
        case = operation.Case(path_parameters={name: record})
    elif method in ("PUT", "PATCH") and shown is not None:
        # The record sent back as it was read: an update that changes nothing.
        read = shown.Case(path_parameters={"id": record}).call(app=app, headers=agency)
        case = operation.Case(path_parameters={"id": record}, body=read.json(), media_type=JSON)
    else:
        case = operation.Case(path_parameters={name: record}, body={}, media_type=JSON)
    answer = case.call_and_validate(app=app, headers=agency, checks=CHECKS)
    if method == "GET":
        assert answer.status_code == (200 if record is not None else 404), answer.text


def test_the_top_three_come_back_as_the_list_described(app, agency):
    cycle = Cycle.objects.filter(assessed_risks__priority__isnull=False).distinct().first()
    chosen = list(
        cycle.assessed_risks.filter(priority__isnull=False)
        .order_by("priority")
        .values_list("pk", flat=True)
    )
    case = DESCRIBED["/api/v1/cycles/{id}/top-three/"]["POST"].Case(
        path_parameters={"id": cycle.pk},
        body={"assessed_risks": chosen},
        media_type=JSON,
    )
    answer = case.call_and_validate(app=app, headers=agency, checks=CHECKS)
    assert answer.status_code == 200, answer.text
    assert [row["id"] for row in answer.json()] == chosen


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        # Ids too large for the database's integer column once reached it and answered 500.
        ("GET", "/api/v1/catalogue-tools/", {"version": "-1.7976931348623157e+308"}, None),
        ("POST", "/api/v1/ratings/", None, {"assessed_risk": 2**70, "participant": -(2**110)}),
        ("POST", "/api/v1/rating-tallies/", None, {"assessed_risk": 2**97, "sex": "F"}),
        ("POST", "/api/v1/compliance-answers/", None, {"item": 1, "cycle": -(2**72)}),
    ],
)
def test_an_id_too_large_for_the_database_is_refused_not_a_server_error(
    method, path, query, body, app, agency
):
    sent = {"query": query} if query else {"body": body, "media_type": JSON}
    answer = (
        DESCRIBED[path][method]
        .Case(**sent)
        .call_and_validate(app=app, headers=agency, checks=CHECKS)
    )
    assert answer.status_code == (200 if method == "GET" else 400), answer.text


@pytest.mark.parametrize(
    "address", ["/api/v1/providers/1.5/", "/api/v1/no-such-list/", "/api/v1/systems/%0A1.5/"]
)
def test_an_unknown_api_address_answers_404_in_json(address, app, agency):
    answer = Client(app).get(address, headers=agency)
    assert answer.status_code == 404
    assert answer.json == {"detail": "No encontrado."}
