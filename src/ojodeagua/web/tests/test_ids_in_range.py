"""An id too big for the database, in a URL, a filter or a posted body: 404 or 400, never 500.

SQLite's driver refuses numbers beyond 64 bits (OverflowError), so every way a number reaches a
query is swept here: each page's URL, each API list filter, detail and create, and the posted
forms that name records by id. The suite runs on SQLite and, in CI, on PostgreSQL.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from ojodeagua.api.urls import router
from ojodeagua.integrity.models import CoachingSession, Cycle

HUGE = "99999999999999999999"  # beyond 64 bits
JUST_BEYOND = str(2**63)  # the first number a BIGINT cannot hold
WRITTEN_BIG = "1e30"  # a number filter reads it as a decimal


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every page's route with at least one whole number in it ("ciclos/<int:pk>/")."""
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # the API router's own patterns: swept below, endpoint by endpoint
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if not route.startswith("admin/"):
                found += routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and "<int:" in route:
            found.append(route)
    return found


def with_number(route: str, number: str) -> list[str]:
    """The route's paths with ``number`` in one of its id slots, and 1 in the others."""
    slots = route.count("<int:")
    paths = []
    for huge_slot in range(slots):
        path, slot = route, 0
        while "<" in path:
            start, end = path.index("<"), path.index(">")
            if path[start + 1 : end].startswith("int:"):
                value, slot = (number if slot == huge_slot else "1"), slot + 1
            else:
                value = "x"
            path = path[:start] + value + path[end + 1 :]
        paths.append("/" + path)
    return paths


ROUTES = routes()


def test_the_sweep_finds_the_pages_with_ids():
    assert "transparencia/<int:provider_id>/informes/<int:report_id>/" in ROUTES
    assert len(ROUTES) > 60


@pytest.mark.django_db
@pytest.mark.parametrize("number", [HUGE, JUST_BEYOND])
def test_no_page_fails_on_a_huge_id_in_its_address(number):
    anonymous = Client(raise_request_exception=False)
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(_user("agencia"))
    failed = []
    for route in ROUTES:
        for path in with_number(route, number):
            for client in (anonymous, signed_in):
                status = client.get(path).status_code
                if status >= 500:
                    failed.append((path, status))
    assert failed == []


@pytest.mark.django_db
def test_the_public_report_of_an_unknown_provider_is_not_found():
    anonymous = Client(raise_request_exception=False)

    response = anonymous.get(f"/transparencia/{HUGE}/informes/1/")

    assert response.status_code == 404


def _user(username: str):
    from django.contrib.auth.models import User

    return User.objects.get(username=username)


def api_client(username: str = "ong") -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(_user(username))
    return client


ENDPOINTS = [(prefix, viewset) for prefix, viewset, _basename in router.registry]


@pytest.mark.django_db
@pytest.mark.parametrize("number", [HUGE, JUST_BEYOND, WRITTEN_BIG])
def test_no_api_filter_fails_on_a_huge_number(number):
    client = api_client()
    failed = []
    for prefix, viewset in ENDPOINTS:
        filterset = getattr(viewset, "filterset_class", None)
        names = list(filterset.base_filters) if filterset else []
        for name in [*names, "provider", "municipality", "cycle", "version", "page"]:
            response = client.get(f"/api/v1/{prefix}/", {name: number})
            if response.status_code >= 500:
                failed.append((prefix, name, response.status_code))
    assert failed == []


@pytest.mark.django_db
def test_catalogue_lists_answer_a_huge_version_without_failing():
    client = api_client()

    for prefix in ("catalogue-risks", "catalogue-tools", "catalogue-processes", "catalogue-scales"):
        response = client.get(f"/api/v1/{prefix}/", {"version": WRITTEN_BIG})
        assert response.status_code == 200, prefix
        assert response.json()["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("number", [HUGE, JUST_BEYOND])
def test_no_api_record_fails_on_a_huge_id(number):
    client = api_client()
    failed = []
    for prefix, viewset in ENDPOINTS:
        response = client.get(f"/api/v1/{prefix}/{number}/")
        if response.status_code != 404:
            failed.append((prefix, "detail", response.status_code))
        if "post" not in viewset.http_method_names or not hasattr(viewset, "create"):
            continue
        serializer_class = getattr(viewset, "input_serializer_class", None) or getattr(
            viewset, "serializer_class", None
        )
        fields = list(serializer_class().fields) if serializer_class else []
        for name in fields:
            response = client.post(
                f"/api/v1/{prefix}/", {name: number}, content_type="application/json"
            )
            if response.status_code >= 500:
                failed.append((prefix, name, response.status_code))
        everything = {name: number for name in fields}
        response = client.post(f"/api/v1/{prefix}/", everything, content_type="application/json")
        if response.status_code >= 500:
            failed.append((prefix, "all", response.status_code))
    assert failed == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "body"),
    [
        ("scorecard-scores", {"cycle": "own", "indicator": HUGE, "score": 3, "evidence": "x"}),
        ("scorecard-scores", {"cycle": HUGE, "indicator": 1, "score": 3, "evidence": "x"}),
        ("coaching-answers", {"session": HUGE, "item": HUGE}),
        ("compliance-answers", {"cycle": "own", "item": HUGE, "answer": "yes"}),
        ("ratings", {"assessed_risk": HUGE, "participant": HUGE, "likelihood": 1, "impact": 1}),
    ],
)
def test_a_huge_id_in_a_natural_key_is_refused_with_400(prefix, body):
    own = Cycle.objects.filter(provider__kind="committee").order_by("pk").first()
    body = {name: own.pk if value == "own" else value for name, value in body.items()}

    response = api_client().post(f"/api/v1/{prefix}/", body, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.django_db
def test_posted_forms_that_name_records_by_id_do_not_fail():
    client = api_client()
    cycle = Cycle.objects.filter(provider__kind="committee").order_by("pk").first()
    session = CoachingSession.objects.filter(cycle=cycle).first()
    base = f"/integridad/ciclos/{cycle.pk}/"
    posts = [
        (base + "valoracion/", {"riesgo": HUGE, "action": "consensus"}),
        (base + "participantes/", {"action": "remove", "participant": HUGE}),
        (base + "cumplimiento/", {"item": HUGE}),
        (base + "autoevaluacion/", {"indicator": HUGE, "score": HUGE}),
        (base + "prioridades/", {"risks": [HUGE]}),
        (base + "plan/", {"assessed": HUGE}),
        (base + "acompanamiento/nueva/", {"held_on": "2026-11-01", "items": HUGE}),
        ("/integridad/pruebas/nueva/", {"compliance_answer": HUGE, "roadmap_item": HUGE}),
        ("/integridad/quejas/nueva/", {"provider": HUGE, "received_on": "2026-11-01", "what": "x"}),
    ]
    if session is not None:
        posts.append((f"/integridad/acompanamiento/{session.pk}/acciones/{HUGE}/", {"x": "1"}))
    answers = [(path, client.post(path, data).status_code) for path, data in posts]
    assert [(path, status) for path, status in answers if status >= 500] == []


@pytest.mark.django_db
def test_the_team_page_refuses_huge_ids_in_its_choices():
    client = api_client("agencia")

    response = client.post(
        "/equipo/nuevo/",
        {
            "username": "nueva",
            "organisation": HUGE,
            "role": "viewer",
            "municipalities": [HUGE],
            "providers": [HUGE, JUST_BEYOND],
        },
    )

    assert response.status_code == 400
