"""The public voice in headless Chromium on a 360-pixel phone, with no account: read that the
water failed E. coli, file a complaint, keep the code, and later read the committee's answer."""

import datetime
import re

import pytest

from ojodeagua.integrity import register
from ojodeagua.integrity.models import Complaint
from ojodeagua.web.tests.test_browser import PHONE, browser, overflow  # noqa: F401

from . import factories


@pytest.mark.browser
def test_a_user_reads_the_water_failed_files_a_complaint_and_reads_the_answer(
    live_server,
    demo,
    browser,  # noqa: F811
):
    factories.build()
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page.goto(f"{live_server.url}/agua/")
    page.get_by_label("Nombre de la localidad o del municipio").fill("Las Flores")
    page.get_by_role("button", name="Buscar").tap()
    page.get_by_role("link", name="Las Flores").tap()
    page.wait_for_url(f"**/agua/{factories.KEY}/")
    alert = page.get_by_role("alert")
    assert "tuvo E. coli el 12 de noviembre de 2026: hiérvala o clórela" in alert.inner_text()
    assert overflow(page) <= 0

    page.get_by_role("link", name="Presentar una queja").tap()
    page.get_by_label("Comité de Agua Las Flores").check()
    page.get_by_label("¿Qué pasó?").fill("El agua sale con olor desde el domingo.")
    page.get_by_label("¿Dónde? (calle, barrio, toma)").fill("Barrio San José")
    page.get_by_role("radio", name="mujer", exact=True).check()
    assert overflow(page) <= 0
    page.get_by_role("button", name="Enviar mi queja").tap()
    page.wait_for_url("**/agua/seguimiento/?codigo=*")
    code = page.locator(".voice-code-value").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert "El comité todavía no responde." in page.content()

    complaint = Complaint.objects.get(tracking_code=code)
    assert (complaint.reporter_sex, complaint.channel) == ("F", "public_form")
    register.move_complaint(
        complaint,
        None,
        Complaint.Status.ANSWERED,
        answered_on=datetime.date(2026, 12, 6),
        answer="Se lavó el tanque el lunes; el olor ya no debe volver.",
    )

    later = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    later.goto(f"{live_server.url}/agua/seguimiento/")
    later.get_by_label("Código de su queja").fill(code.lower())
    later.get_by_role("button", name="Buscar mi queja").tap()
    later.wait_for_url("**/agua/seguimiento/?codigo=*")
    assert "Se lavó el tanque el lunes" in later.content()
    assert "Barrio San José" not in later.content()
    assert overflow(later) <= 0
