"""Each role's menu in Chromium: folded behind "Menú" on a 360-pixel phone, it opens and fits;
at 1280 pixels every link is on screen."""

import pytest
from playwright.sync_api import expect

from ojodeagua.web.tests.test_browser import PHONE, browser, overflow  # noqa: F401

DESK = {"width": 1280, "height": 800}

FIRST_ITEMS = {
    "tesorera": ["Inicio", "Anotar un pago", "Cuentas", "Padrón", "Mi comité"],
    "ong": ["Inicio", "Comités y prestadores", "Visitas", "Pruebas de agua", "Quejas"],
    "agencia": ["Inicio", "Cómo va el servicio", "Integridad en los comités", "Quejas"],
}


def signed_in(browser, base: str, username: str, viewport: dict):  # noqa: F811
    page = browser.new_page(viewport=viewport, locale="es-MX")
    page.goto(f"{base}/entrar/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    return page


@pytest.mark.browser
@pytest.mark.parametrize("username", sorted(FIRST_ITEMS))
def test_on_a_phone_the_menu_opens_from_one_button_and_fits(
    live_server,
    demo,
    browser,  # noqa: F811
    username,
):
    page = signed_in(browser, live_server.url, username, PHONE)
    nav = page.get_by_role("navigation", name="Menú principal")
    button = nav.get_by_role("button", name="Menú")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Inicio")).to_be_hidden()
    assert overflow(page) <= 0

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    for name in FIRST_ITEMS[username]:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    nav.get_by_text("Más", exact=True).click()
    expect(nav.get_by_role("link", name="Mis dispositivos")).to_be_visible()
    assert overflow(page) <= 0
    # The links are at least 44 pixels tall, for a thumb.
    assert nav.get_by_role("link", name="Inicio").bounding_box()["height"] >= 44


@pytest.mark.browser
@pytest.mark.parametrize("username", sorted(FIRST_ITEMS))
def test_on_a_desk_every_menu_link_is_on_screen(live_server, demo, browser, username):  # noqa: F811
    page = signed_in(browser, live_server.url, username, DESK)
    nav = page.get_by_role("navigation", name="Menú principal")
    expect(nav.get_by_role("button", name="Menú")).to_be_hidden()
    more = nav.get_by_text("Más", exact=True)
    main_links = nav.locator(".menu-items > li > a")
    assert main_links.count() <= 6
    for box in [*(link.bounding_box() for link in main_links.all()), more.bounding_box()]:
        assert box["x"] >= 0 and box["x"] + box["width"] <= DESK["width"], box
        assert box["y"] + box["height"] <= 200, box  # in the header, not pushed down the page
    more.click()
    for link in nav.locator(".menu-more a").all():
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= DESK["width"], box
    assert overflow(page) <= 0


@pytest.mark.browser
def test_without_javascript_the_menu_stays_open_and_fits_a_phone(live_server, demo, browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="es-MX", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/entrar/")
    page.get_by_label("Usuario").fill("tesorera")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    nav = page.get_by_role("navigation", name="Menú principal")
    expect(nav.get_by_role("button", name="Menú")).to_be_hidden()
    for name in FIRST_ITEMS["tesorera"]:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert overflow(page) <= 0
    context.close()
