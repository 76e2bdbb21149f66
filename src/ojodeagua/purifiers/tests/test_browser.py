"""The purifier register on a 360-pixel phone in Chromium: a facilitator registers a unit and
records a visit; no page scrolls sideways and axe-core finds no serious violation."""

import pytest
from playwright.sync_api import expect

from ojodeagua.web.tests.test_axe_browser import AXE, axe_violations, new_page
from ojodeagua.web.tests.test_browser import browser, overflow  # noqa: F401


@pytest.mark.browser
def test_on_a_phone_a_facilitator_registers_a_unit_and_records_a_visit(
    live_server,
    demo,
    browser,  # noqa: F811
):
    context, page = new_page(browser, live_server.url, "ong")
    try:
        page.goto(f"{live_server.url}/purificadores/")
        expect(
            page.get_by_role("heading", name="Purificadores de hogares y escuelas")
        ).to_be_visible()
        assert overflow(page) <= 0
        page.get_by_role("link", name="Anotar un purificador").click()
        page.get_by_label("Localidad").select_option(index=1)
        # Her area is her committees, one by one: the unit is one of them accompanies.
        page.get_by_label("Comité u organización que lo acompaña").select_option(index=1)
        page.get_by_label("Vivienda o lugar").fill("27")
        page.get_by_label("Instalado el").fill("2026-03-02")
        assert overflow(page) <= 0
        page.get_by_role("button", name="Guardar").click()
        expect(page.get_by_text("Se anotó el purificador en el registro.")).to_be_visible()
        assert overflow(page) <= 0
        detail_violations = axe_violations(page) if AXE.exists() else []

        page.get_by_role("link", name="Anotar una visita").click()
        page.get_by_label("Fecha de la visita").fill("2026-06-01")
        for question in ("¿Se está usando?", "¿Está limpio?", "¿La lámpara enciende?"):
            page.get_by_role("group", name=question).get_by_label("Sí").check()
        page.get_by_role("group", name="¿El agua guardada está tapada?").get_by_label("No").check()
        assert overflow(page) <= 0
        form_violations = axe_violations(page) if AXE.exists() else []
        page.get_by_role("button", name="Guardar").click()
        expect(page.get_by_text("Se anotó la visita.")).to_be_visible()
        expect(page.get_by_text("agua guardada destapada")).to_be_visible()

        page.goto(f"{live_server.url}/purificadores/?al=2026-06-30")
        assert overflow(page) <= 0
        list_violations = axe_violations(page) if AXE.exists() else []
        assert (detail_violations, form_violations, list_violations) == ([], [], [])
    finally:
        context.close()
