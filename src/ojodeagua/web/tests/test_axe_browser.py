"""axe-core over each persona's main pages on a phone: no serious or critical violation.

axe-core comes from npm (``make test`` installs it in ``node_modules``). Playwright injects
it as a script tag, which the pages' Content-Security-Policy would refuse: the test's browser
context alone bypasses the policy (``test_csp_browser.py`` checks the policy holds).
"""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ojodeagua.books.models import Connection
from ojodeagua.integrity.models import Cycle
from ojodeagua.organisations.models import Membership
from ojodeagua.places.models import Municipality
from ojodeagua.watersystems.models import WaterSystem
from ojodeagua.web.tests.test_browser import PHONE, browser  # noqa: F401

AXE = Path(__file__).resolve().parents[4] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "where": [node["target"] for node in violation["nodes"][:5]],
            "html": [node["html"][:160] for node in violation["nodes"][:3]],
        }
        for violation in results["violations"]
        if violation["impact"] in SERIOUS
    ]


def new_page(browser, base: str, username: str | None):  # noqa: F811
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="es-MX", bypass_csp=True)
    page = context.new_page()
    if username:
        page.goto(f"{base}/entrar/")
        page.get_by_label("Usuario").fill(username)
        page.get_by_label("Contraseña").fill("demo")
        page.get_by_role("button", name="Entrar").click()
        expect(page.get_by_role("button", name="Salir")).to_be_visible()
    return context, page


def persona_pages() -> dict[str | None, list[str]]:
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    toma = Connection.objects.filter(provider=committee).first()
    ong_providers = Membership.objects.get(user__username="ong").providers.all()
    cycle = (
        Cycle.objects.filter(provider__in=ong_providers, participants__isnull=False)
        .distinct()
        .first()
    )
    municipality = Municipality.objects.get(key="07012")
    system = WaterSystem.objects.filter(provider__in=ong_providers).first()
    books = f"/cuentas/{committee.pk}"
    return {
        "tesorera": [
            "/",
            committee.get_absolute_url(),
            f"{books}/",
            f"{books}/pagos/nuevo/?toma={toma.pk}",
            f"{books}/padron/",
        ],
        "ong": [
            "/",
            f"/integridad/ciclos/{cycle.pk}/",
            "/integridad/quejas/",
            "/visitas/",
            f"/visitas/nueva/?system={system.pk}",
            "/encuestas/escuelas/nueva/",
        ],
        "agencia": [
            "/",
            f"/resumen/municipio/{municipality.pk}/",
            "/integridad/",
            "/integridad/quejas/",
            f"/integridad/ciclos/{cycle.pk}/",
            "/localidades/",
            "/no-existe/",
        ],
        None: [
            f"/transparencia/{committee.pk}/",
            "/entrar/",
            # The users' voice: the committee's locality in public, its form, the rights.
            f"/agua/{committee.locality.key}/",
            f"/agua/{committee.locality.key}/queja/",
            "/agua/seguimiento/",
            "/agua/derechos/calidad-del-agua/",
        ],
    }


@pytest.mark.browser
def test_the_main_pages_of_each_persona_have_no_serious_accessibility_violation(
    live_server,
    demo,
    browser,  # noqa: F811
):
    assert AXE.exists(), "axe-core is missing: run `make test` (npm install axe-core@4)"
    found = {}
    for username, paths in persona_pages().items():
        context, page = new_page(browser, live_server.url, username)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == (404 if path == "/no-existe/" else 200), (username, path)
            if violations := axe_violations(page):
                found[f"{username or 'anónimo'} {path}"] = violations
        context.close()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


@pytest.mark.browser
def test_the_open_menu_on_a_desk_has_no_serious_accessibility_violation(
    live_server,
    demo,
    browser,  # noqa: F811
):
    assert AXE.exists(), "axe-core is missing: run `make test` (npm install axe-core@4)"
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="es-MX", bypass_csp=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/entrar/")
    page.get_by_label("Usuario").fill("agencia")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("navigation", name="Menú principal").get_by_text("Más", exact=True).click()
    assert axe_violations(page) == []
    context.close()
