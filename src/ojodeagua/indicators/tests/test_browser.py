"""In headless Chromium on a phone: from a figure on the municipal summary to its observations."""

import pytest

from ojodeagua.web.tests.test_browser import PHONE, browser, overflow  # noqa: F401


@pytest.mark.browser
def test_a_municipal_figure_leads_to_the_observations_behind_it(
    live_server,
    demo,
    browser,  # noqa: F811
):
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page.goto(f"{live_server.url}/")
    page.get_by_label("Usuario").fill("agencia")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()

    # The home's own link (the menu's is folded away on a phone); the login page has none in
    # its main part, so this also waits for the home to load.
    page.locator("main").get_by_role("link", name="cómo va el servicio").first.click()
    assert "Cómo va el servicio en Berriozábal" in page.locator("h1").inner_text()
    assert page.get_by_text("Lo que dice el registro y lo que pasa de verdad").is_visible()
    assert page.get_by_text("Lo que dicen los hogares y lo que se midió").is_visible()
    assert overflow(page) <= 0

    # Click 1: the reliable-service figure opens "why this number".
    page.locator('a[data-indicator="gap_reliable"]').click()
    assert page.get_by_text("De dónde sale este número").is_visible()
    assert page.get_by_text("Las observaciones detrás de esta cifra").is_visible()
    assert overflow(page) <= 0

    # Click 2: one of the system visits behind it.
    visit_link = page.locator('ul.sources a[href^="/visitas/"]').first
    visit_text = visit_link.inner_text()
    visit_link.click()
    assert "/visitas/" in page.url
    assert visit_text.split(" · ")[0] in page.locator("main").inner_text()
