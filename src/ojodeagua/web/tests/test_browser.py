"""In headless Chromium on a 360-pixel phone: the treasurer signs in and opens her committee."""

import os
import shutil

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from ojodeagua.organisations.models import Membership

PHONE = {"width": 360, "height": 740}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium where installed (CI installs it), else Playwright's own download."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop; the ORM calls here happen outside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()
        # While Playwright's loop runs, the ORM keys connections by that context; close them
        # here or PostgreSQL cannot drop the test database afterwards.
        connections.close_all()


def overflow(page) -> int:
    """How far the page scrolls sideways, as a person sees it: measured once its stylesheets
    have loaded. A page measured the moment its HTML arrives is laid out unstyled, where a
    long device key does not wrap yet."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def open_menu(page, more: bool = False) -> None:
    """On a phone the role's menu is folded behind "Menú"; open it (and "Más" if asked)."""
    # The button works once site.js has run: wait for the page that a tap may still be loading.
    page.wait_for_load_state()
    nav = page.get_by_role("navigation", name="Menú principal")
    button = nav.get_by_role("button", name="Menú")
    if button.is_visible() and button.get_attribute("aria-expanded") == "false":
        button.click()
    if more:
        nav.get_by_text("Más", exact=True).click()


def htmx_settled(page) -> None:
    """Wait until no htmx request is in flight or queued behind another.

    On SQLite the live server shares the test's in-memory database, whose writers do not wait:
    a test that reads the database while the server is still saving a form's last change fails
    with "database table is locked". A response on screen is not enough, since a form that saves
    on each change may still have its final change queued behind it.
    """
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


@pytest.mark.browser
def test_the_treasurer_opens_her_committee_on_a_phone_without_scrolling_sideways(
    live_server, demo, browser
):
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")

    page.goto(f"{live_server.url}/")
    page.get_by_label("Usuario").fill("tesorera")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("link", name="Ver el comité").click()

    assert page.locator("h1").inner_text() == committee.name
    assert page.get_by_text("Integrantes en funciones").is_visible()
    assert overflow(page) <= 0
    for link_name in ("Editar",):
        page.get_by_role("link", name=link_name).click()
        assert overflow(page) <= 0, page.url
    page.goto(f"{live_server.url}{committee.systems.get().get_absolute_url()}")
    assert overflow(page) <= 0
    page.goto(f"{live_server.url}/sistemas/")
    assert overflow(page) <= 0


@pytest.mark.browser
def test_the_list_search_updates_results_in_place(live_server, demo, browser):
    page = browser.new_page(viewport=PHONE, locale="es-MX")
    page.goto(f"{live_server.url}/entrar/")
    page.get_by_label("Usuario").fill("agencia")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    page.goto(f"{live_server.url}/localidades/")
    page.evaluate("() => { window.__notReloaded = true; }")

    page.get_by_label("Buscar").fill("Berriozábal")
    page.get_by_text("1 resultado", exact=True).wait_for()

    assert page.evaluate("window.__notReloaded") is True
    assert "q=Berrioz" in page.url
    assert overflow(page) <= 0
