"""The agency's map in headless Chromium, with no network beyond the server: on a phone and on
a desk, filtered to the systems that are down, a tap on one and on to its page; and what the
first view weighs."""

import gzip

import pytest

from ojodeagua.watersystems.models import WaterSystem
from ojodeagua.web.tests.test_browser import PHONE, browser, open_menu, overflow  # noqa: F401

DESKTOP = {"width": 1280, "height": 900}
# What the first view may weigh, compressed as the production server sends it (whitenoise
# serves the static files pre-compressed; pages and data go through GZipMiddleware).
FIRST_VIEW_LIMIT = 100 * 1024


def offline_page(browser, live_server, viewport, **options):  # noqa: F811
    """A page that can reach the test server and nothing else: no tiles, no CDN."""
    page = browser.new_page(viewport=viewport, locale="es-MX", **options)
    outside: list[str] = []

    def only_the_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_server)
    return page, outside


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill("demo")
    page.locator("div.actions button[type=submit]").click()
    page.wait_for_load_state()


def weigh(page, action) -> int:
    """The bytes the responses to ``action`` would take gzip-compressed."""
    bodies: list[bytes] = []
    page.on("response", lambda response: bodies.append(response.body()))
    action()
    page.wait_for_load_state("networkidle")
    return sum(len(gzip.compress(body)) for body in bodies)


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "1280px"])
def test_the_agency_finds_a_system_that_is_down_on_the_map(live_server, demo, browser, viewport):  # noqa: F811
    down = WaterSystem.objects.get(name="Sistema de agua Rancho El Ocote")
    options = {"is_mobile": True, "has_touch": True} if viewport is PHONE else {}
    page, outside = offline_page(browser, live_server, viewport, **options)
    sign_in(page, live_server, "agencia")

    open_menu(page)
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Mapa y prioridades"
    ).click()
    page.get_by_role("link", name="Ver el mapa").click()
    page.wait_for_url("**/mapa/")
    page.wait_for_function("() => document.getElementById('map').dataset.drawn")
    assert int(page.locator("#map").get_attribute("data-drawn")) > 10
    assert page.locator(".leaflet-tile").count() == 0  # a plain background, no tiles
    assert overflow(page) <= 0

    page.get_by_label("Nivel del sistema").select_option("T0")
    page.get_by_role("button", name="Ver", exact=True).click()
    page.wait_for_url("**/mapa/?*nivel=T0*")
    page.wait_for_function("() => document.getElementById('map').dataset.drawn")
    markers = page.locator(".leaflet-marker-icon.system")
    assert markers.count() == 1
    assert markers.first.inner_text() == "T0"
    if viewport is PHONE:
        markers.first.tap()
    else:
        markers.first.click()
    popup = page.locator(".leaflet-popup-content")
    # The popup pans the map to show itself: tap its link once it has stopped moving.
    page.wait_for_function("() => !document.getElementById('map').dataset.moving")
    assert down.name in popup.inner_text()
    assert "T0" in popup.inner_text()
    popup.get_by_role("link", name="Ver su página").click()
    # The tap starts the navigation: wait for the system's page, not for the map's load.
    page.wait_for_url(f"**{down.get_absolute_url()}")
    assert page.locator("h1").inner_text().startswith(down.name)
    assert outside == []


@pytest.mark.browser
def test_the_map_and_the_desk_weigh_under_100_kb_at_first_view(live_server, demo, browser):  # noqa: F811
    page, _ = offline_page(browser, live_server, PHONE)
    sign_in(page, live_server, "agencia")
    municipality = WaterSystem.objects.get(name="Sistema de agua Rancho El Ocote").municipality_id
    desk = weigh(page, lambda: page.goto(f"{live_server.url}/mesa/{municipality}/"))
    page, _ = offline_page(browser, live_server, PHONE)
    sign_in(page, live_server, "agencia")
    shown = weigh(page, lambda: page.goto(f"{live_server.url}/mesa/{municipality}/mapa/"))
    print(f"primera vista: mesa {desk / 1024:.1f} KB, mapa {shown / 1024:.1f} KB (gzip)")
    assert desk < FIRST_VIEW_LIMIT
    assert shown < FIRST_VIEW_LIMIT
