"""In headless Chromium on a 360-pixel phone: a job's bar moves on its own and stops at the end."""

import pytest
from django.contrib.auth.models import User

from ojodeagua.jobs import progress, services
from ojodeagua.jobs.models import Job
from ojodeagua.web.tests.test_browser import PHONE, browser, htmx_settled, overflow  # noqa: F401


@pytest.mark.browser
def test_the_job_page_follows_the_work_by_itself_and_shows_the_result(
    live_server,
    demo,
    browser,  # noqa: F811
):
    agency = User.objects.get(username="agencia")
    job = Job.objects.create(kind=Job.Kind.RECOMPUTE, user=agency, state=Job.State.RUNNING)
    progress.report_progress(job, 1, 5, "Sistemas: listo")

    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/entrar/")
    page.get_by_label("Usuario").fill("agencia")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    page.goto(f"{live_server.url}/trabajos/{job.pk}/")
    page.evaluate("() => { window.__notReloaded = true; }")
    bar = page.locator("#job-status progress")
    assert bar.get_attribute("value") == "1" and bar.get_attribute("max") == "5"
    assert overflow(page) <= 0

    # The worker moves on: the page asks by itself and shows it, without a reload.
    progress.report_progress(job, 3, 5, "Prestadores: listo", force=True)
    page.get_by_text("Pasos hechos: 3 de 5").wait_for(timeout=10_000)
    assert bar.get_attribute("value") == "3"

    htmx_settled(page)
    services.finish(job, Job.State.DONE, result={"values": 1234})
    page.get_by_text("Se calcularon 1,234 valores de indicadores.").wait_for(timeout=10_000)
    assert page.locator("#job-status").get_attribute("hx-trigger") is None
    assert page.evaluate("window.__notReloaded") is True
    assert overflow(page) <= 0
    assert refused == []
