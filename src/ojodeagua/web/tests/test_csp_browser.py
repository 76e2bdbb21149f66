"""The Content-Security-Policy holds in Chromium: pages, htmx saves, a refused form swapped in
place and the printables run with no inline script or style, and the browser reports no
violation."""

import pytest
from playwright.sync_api import expect

from ojodeagua.books.models import Connection
from ojodeagua.integrity.models import Cycle
from ojodeagua.integrity.tests.factories import make_cycle
from ojodeagua.organisations.models import Membership
from ojodeagua.places.models import Municipality
from ojodeagua.web.tests.test_browser import PHONE, browser  # noqa: F401

# Every violation the page sees, kept where the test can read it.
WATCH = """document.addEventListener("securitypolicyviolation", (event) => {
  (window.__violations = window.__violations || []).push(
    event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile
  );
});"""


def signed_in(browser, base: str, username: str):  # noqa: F811
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="es-MX")
    context.add_init_script(WATCH)
    page = context.new_page()
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{base}/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    return context, page, seen


def violations(page, seen: list[str]) -> list[str]:
    return (page.evaluate("window.__violations || []")) + seen


@pytest.mark.browser
def test_the_pages_keep_their_content_security_policy(live_server, demo, browser):  # noqa: F811
    base = live_server.url
    context, page, seen = signed_in(browser, base, "ong")
    response = page.goto(f"{base}/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy

    ong_providers = Membership.objects.get(user__username="ong").providers.all()
    cycle = (
        Cycle.objects.filter(provider__in=ong_providers, participants__isnull=False)
        .distinct()
        .first()
    )
    municipality = Municipality.objects.get(key="07012")
    for path in (
        "/",
        f"/resumen/municipio/{municipality.pk}/",
        f"/integridad/ciclos/{cycle.pk}/",
        f"/integridad/ciclos/{cycle.pk}/mapa/",
        f"/integridad/ciclos/{cycle.pk}/hoja-de-ruta/en-voz-alta/",
        f"/integridad/ciclos/{cycle.pk}/imprimir/tablero/",
    ):
        page.goto(f"{base}{path}")
        assert violations(page, seen) == [], path

    # An htmx save (the group's rating) still goes through, with htmx's styles off.
    fresh = make_cycle(cycle.provider)
    page.goto(f"{base}/integridad/ciclos/{fresh.pk}/valoracion/?riesgo=R02")
    page.locator("#consensus-form input[name$='-likelihood'][value='2']").check()
    page.locator("#consensus-form input[name$='-impact'][value='2']").check()
    expect(page.locator("#consensus-form .saved")).to_be_visible()
    expect(page.locator("#consensus-form .htmx-indicator")).to_be_hidden()
    assert violations(page, seen) == []
    context.close()

    # A refused payment (422) is swapped in place by htmx's configuration, not by inline code.
    context, page, seen = signed_in(browser, base, "tesorera")
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    toma = Connection.objects.filter(provider=committee).first()
    page.goto(f"{base}/cuentas/{committee.pk}/pagos/nuevo/?toma={toma.pk}")
    page.evaluate("window.__notReloaded = true")
    amount = page.locator("#payment-form").get_by_label("Monto que paga ($)")
    amount.fill("12,5")
    page.locator("#payment-form").get_by_role("button", name="Anotar el pago y dar recibo").click()
    expect(page.locator("#payment-form")).to_contain_text("Escriba los centavos con punto")
    assert page.evaluate("window.__notReloaded") is True
    assert violations(page, seen) == []
    context.close()
