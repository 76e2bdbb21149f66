"""In headless Chromium on a 360-pixel phone: a coaching session written down after the day it
happened, one action per screen; the road map as short cards and read aloud."""

import datetime
import os

import pytest
from playwright.sync_api import expect

from ojodeagua.integrity.models import Cycle, RoadmapChange
from ojodeagua.integrity.tests.factories import assess, make_cycle, plan_action
from ojodeagua.integrity.tests.test_workshop_browser import PHONE_CONTEXT, sign_in
from ojodeagua.organisations.models import Membership
from ojodeagua.web.tests.test_browser import browser, overflow  # noqa: F401

D = datetime.date
# If SCREENSHOT_DIR is set, each page is also kept there as a picture to look at.
SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR")


def fits_the_phone(page, name: str) -> None:
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, f"{name}.png"), full_page=True)
    assert overflow(page) <= 0, name


@pytest.mark.browser
def test_the_facilitator_writes_down_a_past_session_one_action_per_screen(
    live_server,
    demo,
    browser,  # noqa: F811
):
    committee = (
        Membership.objects.get(user__username="ong")
        .providers.filter(kind="committee")
        .order_by("pk")
        .first()
    )
    cycle = make_cycle(committee, workshop_on=D(2025, 1, 10), stage=Cycle.Stage.IMPLEMENTATION)
    fees = assess(cycle, "R01", 3, 3, 1)
    complaints = assess(cycle, "R11", 2, 3, 2)
    receipts = plan_action(
        fees, D(2025, 3, 15), "Comprar talonario de recibos foliados", responsible="María"
    )
    register = plan_action(complaints, D(2025, 9, 30), "Abrir el registro de quejas")
    page = browser.new_context(**PHONE_CONTEXT).new_page()
    base = live_server.url
    sign_in(page, base)

    # From the cycle's page: coaching, a new session, dated the day it happened.
    page.goto(f"{base}/integridad/ciclos/{cycle.pk}/")
    page.get_by_role("link", name="Acompañamiento").click()
    page.get_by_role("link", name="Anotar una sesión").click()
    fits_the_phone(page, "coaching-session")
    page.get_by_label("Fecha de la sesión").fill("2025-06-02")
    page.get_by_label("Quiénes asistieron").fill("Presidenta, María y la facilitadora")
    page.get_by_role("button", name="Guardar y revisar las acciones").click()

    # One action per screen: how it goes, and why.
    expect(page.locator("h1")).to_have_text("Acción 1 de 2")
    expect(page.locator(".action-card")).to_contain_text("La hace: María")
    done_on = page.get_by_label("Hecha el")
    expect(done_on).to_be_hidden()
    fits_the_phone(page, "coaching-step")
    page.get_by_role("radio", name="Estado: hecha").check()
    expect(done_on).to_be_visible()
    expect(done_on).to_have_value("2025-06-02")
    page.get_by_label("Por qué cambió, o un comentario").fill("Ya se compró el talonario")
    page.get_by_role("button", name="Guardar y seguir").click()

    expect(page.locator("h1")).to_have_text("Acción 2 de 2")
    expect(page.locator(".messages")).to_contain_text("Acción 1 de 2")
    # Nothing changes for the second one: it is saved as it is, without a reason.
    page.get_by_role("button", name="Guardar y terminar").click()
    expect(page.locator("h1")).to_have_text("Sesión de acompañamiento del 02/06/2025")
    expect(page.locator("main")).to_contain_text("Se revisaron 2 de 2 acciones")
    fits_the_phone(page, "coaching-detail")
    receipts.refresh_from_db()
    register.refresh_from_db()
    assert (receipts.status, receipts.done_on) == ("done", D(2025, 6, 2))
    assert register.status == "pending"
    assert RoadmapChange.objects.get(item=receipts).reason == "Ya se compró el talonario"

    # The road map: one short card per action; and the version to read aloud.
    page.get_by_role("link", name="Hoja de ruta").click()
    expect(page.get_by_role("img", name="Estado: hecha")).to_have_count(2)  # count + card
    fits_the_phone(page, "roadmap")
    page.get_by_role("link", name="Versión para leer en voz alta").click()
    expect(page.get_by_text("La hace: María.")).to_be_visible()
    expect(page.locator("table")).to_have_count(0)
    fits_the_phone(page, "roadmap-aloud")
