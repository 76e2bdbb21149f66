"""On a 360-pixel phone, the facilitator and the agency sign in, read what needs attention first,
tap a line and land on its record, without scrolling sideways; the money across committees too."""

import pytest

from ojodeagua.web.tests.test_browser import PHONE, browser, overflow  # noqa: F401


@pytest.mark.browser
@pytest.mark.parametrize("username", ["ong", "agencia"])
def test_the_home_starts_with_what_needs_attention_on_a_phone(
    live_server,
    demo,
    browser,  # noqa: F811
    username,
):
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page.goto(f"{live_server.url}/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()

    assert page.locator("main h2").first.inner_text() == "Lo que necesita atención"
    assert overflow(page) <= 0
    first = page.locator(".attention-lines a").first
    href = first.get_attribute("href")
    first.tap()
    page.wait_for_url(f"{live_server.url}{href}")
    assert page.locator("h1").first.is_visible()
    assert overflow(page) <= 0, page.url

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Dinero de los comités").tap()
    page.wait_for_url(f"{live_server.url}/cuentas/comites/")
    assert page.locator("table.stacked tbody tr").count() >= 12
    assert overflow(page) <= 0
