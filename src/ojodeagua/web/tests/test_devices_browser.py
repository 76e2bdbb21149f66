"""In headless Chromium on a 360-pixel phone: the treasurer makes a key for her phone on «Mis
dispositivos», copies it, and withdraws it; the page never scrolls sideways."""

import pytest
from rest_framework.test import APIClient

from ojodeagua.web.tests.test_browser import PHONE, browser, open_menu, overflow  # noqa: F401


@pytest.mark.browser
def test_the_treasurer_makes_and_withdraws_a_key_on_her_phone(live_server, demo, browser):  # noqa: F811
    page = browser.new_page(viewport=PHONE, locale="es-MX")
    page.goto(f"{live_server.url}/entrar/")
    page.get_by_label("Usuario").fill("tesorera")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    open_menu(page, more=True)
    page.get_by_role("link", name="Mis dispositivos").click()

    page.get_by_label("Nombre del dispositivo o programa").fill("Teléfono de la tesorera")
    page.get_by_label("Cuánto dura").select_option("30")
    page.get_by_role("button", name="Hacer la clave").click()

    key = page.locator("#new-key").inner_text()
    assert key.startswith("oda_")
    assert page.get_by_text("no se volverá a mostrar").is_visible()
    assert overflow(page) <= 0
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/providers/").status_code == 200

    page.get_by_role("button", name="Retirar «Teléfono de la tesorera»").click()

    assert page.get_by_text("Se retiró la clave «Teléfono de la tesorera»").is_visible()
    assert page.get_by_text("la retiró su dueño(a)").is_visible()
    assert key not in page.content()
    assert overflow(page) <= 0
    assert api.get("/api/v1/providers/").status_code == 401
