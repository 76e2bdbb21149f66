"""In headless Chromium on a 360-pixel phone: a kiosk's checklist asks the kiosk's own items, and
the facilitator sets one aside from it, with a reason, and brings it back."""

import pytest
from playwright.sync_api import expect

from ojodeagua.integrity.tests.factories import make_cycle
from ojodeagua.integrity.tests.test_workshop_browser import PHONE_CONTEXT, sign_in
from ojodeagua.organisations.models import Membership
from ojodeagua.web.tests.test_browser import browser, overflow  # noqa: F401


@pytest.mark.browser
def test_the_facilitator_sets_aside_a_kiosk_item_on_a_phone(
    live_server,
    demo,
    browser,  # noqa: F811
):
    kiosk = Membership.objects.get(user__username="ong").providers.filter(kind="kiosk").first()
    cycle = make_cycle(kiosk)
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    sign_in(page, live_server.url)

    page.goto(f"{live_server.url}/integridad/ciclos/{cycle.pk}/cumplimiento/")
    expect(page.locator("#compliance-count")).to_contain_text("0 de 12 puntos respondidos")
    expect(page.locator("#item-C03")).to_have_count(0)  # no padrón for a kiosk
    expect(page.locator("#item-C20")).to_contain_text("precio del garrafón")
    assert overflow(page) <= 0

    page.locator("#item-C22").get_by_role("link", name="No aplica a este grupo").click()
    expect(page.locator("h1")).to_have_text("Lo que no aplica a este grupo")
    expect(page.get_by_label("Punto o riesgo que no aplica")).to_have_value("C22")
    assert overflow(page) <= 0
    # Without a reason it is refused, in Spanish.
    page.get_by_role("button", name="Dejar de lado").click()
    expect(page.locator("#set-aside-form")).to_contain_text(
        "Diga por qué este punto no aplica a este grupo."
    )
    assert not cycle.set_aside.exists()
    page.get_by_label("Por qué no aplica a este grupo").fill(
        "El kiosco no es de una franquicia; lo apoya la organización."
    )
    page.get_by_role("button", name="Dejar de lado").click()

    # Back on the checklist: the item is gone from the list and shown, with its reason, below.
    expect(page.locator("#compliance-count")).to_contain_text("0 de 11 puntos respondidos")
    expect(page.locator("#item-C22")).to_have_count(0)
    expect(page.locator("#no-aplica-C22")).to_contain_text("lo apoya la organización")
    assert overflow(page) <= 0
    assert cycle.set_aside.get().checklist_item.code == "C22"

    page.locator("#no-aplica-C22").get_by_role("button", name="Volver a incluir").click()
    expect(page.locator("#item-C22")).to_be_visible()
    expect(page.locator("#compliance-count")).to_contain_text("0 de 12 puntos respondidos")
    assert not cycle.set_aside.exists()
    context.close()
