"""In headless Chromium on a 360-pixel phone: the facilitator runs a whole workshop, and a
dropped connection loses nothing."""

import re

import pytest
from playwright.sync_api import expect

from ojodeagua.integrity.models import (
    AssessedRisk,
    CatalogueVersion,
    Cycle,
    Participant,
    Rating,
    RatingTally,
)
from ojodeagua.organisations.models import Membership
from ojodeagua.web.tests.test_browser import (  # noqa: F401
    PHONE,
    browser,
    htmx_settled,
    open_menu,
    overflow,
)

PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "locale": "es-MX"}


def sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("Usuario").fill("ong")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()


def steps(page):
    return page.get_by_role("navigation", name="Pasos del taller")


def mark_page(page) -> None:
    page.evaluate("() => { window.__notReloaded = true; }")


def not_reloaded(page) -> bool:
    return page.evaluate("window.__notReloaded") is True


def add_person(page, sex: str, role: str, age: str, count: int) -> None:
    form = page.locator("#participant-add")
    form.get_by_label(sex, exact=True).check()
    form.get_by_label(role, exact=True).check()
    form.get_by_label(age, exact=True).check()
    form.get_by_role("button", name="Agregar").click()
    suffix = "persona registrada." if count == 1 else "personas registradas."
    expect(page.locator("#participants-panel .lead")).to_have_text(f"{count} {suffix}")


def level(page, form: str, dimension: str, value: str):
    """One level's button in a form's likelihood or impact row."""
    return page.locator(f"{form} input[name$='-{dimension}'][value='{value}']")


def choose(page, form: str, dimension: str, value: str) -> None:
    """One tap on a level's button (a person's row is first unfolded)."""
    if form.startswith("#rate-"):
        one_by_one(page)
    level(page, form, dimension, value).check()


def one_by_one(page) -> None:
    """Unfold the optional person-by-person rows."""
    rows = page.locator("details.one-by-one")
    if rows.get_attribute("open") is None:
        rows.locator("summary").click()


def rate_row(page, person: Participant, likelihood: str, impact: str) -> None:
    choose(page, f"#rate-{person.pk}", "likelihood", likelihood)
    choose(page, f"#rate-{person.pk}", "impact", impact)
    expect(page.locator(f"#rate-{person.pk} .saved")).to_have_text("✓ guardado")


def agree(page, likelihood: str, impact: str, band: str) -> None:
    choose(page, "#consensus-form", "likelihood", likelihood)
    choose(page, "#consensus-form", "impact", impact)
    expect(page.locator("#consensus-form .saved")).to_be_visible()
    expect(page.locator("#consensus-form .band")).to_contain_text(band)


@pytest.mark.browser
def test_the_facilitator_runs_a_whole_workshop_on_a_phone(
    live_server,
    demo,
    browser,  # noqa: F811
):
    committee = (
        Membership.objects.get(user__username="ong")
        .providers.filter(kind="committee")
        .order_by("pk")
        .last()
    )
    before = set(committee.integrity_cycles.values_list("pk", flat=True))
    context = browser.new_context(accept_downloads=True, **PHONE_CONTEXT)
    page = context.new_page()
    base = live_server.url
    sign_in(page, base)

    # A new cycle for one of her committees, from "Ciclos de integridad" in her menu.
    open_menu(page)
    page.get_by_role("link", name="Ciclos de integridad").click()
    page.get_by_role("link", name="Empezar un ciclo").click()
    page.get_by_label("Comité:", exact=True).select_option(str(committee.pk))
    page.get_by_label("Contexto del comité").fill("Da agua a 120 familias por gravedad.")
    page.get_by_role("button", name="Empezar el ciclo").click()
    expect(page.locator("h1")).to_contain_text(committee.name)
    expect(page.get_by_text("Tomada el")).to_be_visible()
    (cycle,) = committee.integrity_cycles.exclude(pk__in=before)
    assert overflow(page) <= 0

    # Participants of both sexes, added without leaving the page.
    steps(page).get_by_role("link", name="Participantes", exact=True).click()
    mark_page(page)
    add_person(page, "mujer", "comité", "de 30 a 59 años", 1)
    add_person(page, "mujer", "usuaria o usuario", "menos de 30 años", 2)
    add_person(page, "hombre", "autoridad", "60 años o más", 3)
    add_person(page, "hombre", "usuaria o usuario", "de 30 a 59 años", 4)
    assert not_reloaded(page)
    assert overflow(page) <= 0
    rosa, ana, pedro, juan = cycle.participants.order_by("pk")
    assert [p.sex for p in (rosa, ana, pedro, juan)] == ["F", "F", "M", "M"]

    # Compliance: each answer saves on its own.
    steps(page).get_by_role("link", name="Cumplimiento").click()
    mark_page(page)
    page.locator("#item-C01").get_by_label("sí").check()
    expect(page.locator("#item-C01 .saved")).to_contain_text("guardado")
    page.locator("#item-C05").get_by_label("Prueba o comentario").fill("El libro no cuadra")
    page.locator("#item-C05").get_by_label("en parte").check()
    expect(page.locator("#item-C05 .saved")).to_contain_text("en parte")
    assert not_reloaded(page)
    assert cycle.compliance.get(item__code="C05").evidence == "El libro no cuadra"
    # A comment written after the answer saves itself too, when the field is left.
    page.locator("#item-C01").get_by_label("Prueba o comentario").fill("Padrón de 2025")
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.locator("#item-C01 legend").click()
    expect(page.locator("#item-C01 .saved")).to_contain_text("guardado")
    expect(page.locator("#item-C01").get_by_label("Prueba o comentario")).to_have_value(
        "Padrón de 2025"
    )
    assert cycle.compliance.get(item__code="C01").evidence == "Padrón de 2025"
    assert not_reloaded(page)
    assert overflow(page) <= 0

    # Ratings: every participant's rating and the group's, saved without reloading.
    steps(page).get_by_role("link", name="Valoración").click()
    for code, ratings, consensus in [
        ("R06", [("3", "3"), ("3", "2"), ("1", "2"), ("1", "1")], ("3", "3", "alto")),
        ("R01", [("2", "2"), ("2", "1"), ("3", "3"), ("3", "2")], ("3", "2", "alto")),
        ("R11", [("2", "2"), ("1", "2"), ("1", "1"), ("1", "1")], ("1", "2", "bajo")),
    ]:
        page.get_by_label("Riesgo que se valora").select_option(code)
        page.get_by_role("button", name="Ver").click()
        expect(page.locator("#risk-title")).to_contain_text(code)
        mark_page(page)
        for person, (likelihood, impact) in zip((rosa, ana, pedro, juan), ratings, strict=True):
            rate_row(page, person, likelihood, impact)
        agree(page, *consensus)
        assert not_reloaded(page), code
        assert overflow(page) <= 0
    htmx_settled(page)
    assert Rating.objects.filter(assessed_risk__cycle=cycle).count() == 12
    chlorine = cycle.assessed_risks.get(risk__code="R06")
    assert (chlorine.consensus_likelihood, chlorine.consensus_impact) == (3, 3)
    # The last risk rated, R11, shows its check on the data beside it.
    expect(page.locator(".risk-panel .flag")).to_contain_text(
        "Quejas abiertas después de su fecha para responder"
    )

    steps(page).get_by_role("link", name="Mapa").click()
    expect(page.get_by_text("Las mujeres valoraron más alto:")).to_be_visible()
    assert overflow(page) <= 0

    # The top three, then the road map for the first of them.
    steps(page).get_by_role("link", name="Tres problemas").click()
    page.get_by_label("Primer problema").select_option(str(chlorine.pk))
    page.get_by_label("Segundo problema").select_option(
        str(cycle.assessed_risks.get(risk__code="R01").pk)
    )
    page.get_by_role("button", name="Guardar los tres problemas").click()
    expect(page.locator("h1")).to_have_text("Plan: herramientas y hoja de ruta")
    section = page.locator(f"#riesgo-{chlorine.pk}")
    section.get_by_label("Herramienta").select_option(label="Bitácora de cloración")
    section.get_by_label("Acción").fill("Anotar el cloro cada semana")
    section.get_by_label("Quién la hace").fill("Fontanero")
    section.get_by_label("Para cuándo").fill("2027-02-28")
    section.get_by_label("Cómo sabremos que está hecha").fill("Ocho semanas seguidas anotadas")
    mark_page(page)
    section.get_by_role("button", name="Agregar la acción").click()
    expect(page.locator(f"#riesgo-{chlorine.pk} ol.actions-list")).to_contain_text(
        "Anotar el cloro cada semana"
    )
    assert not_reloaded(page)
    assert overflow(page) <= 0
    assert chlorine.roadmap.get().tool.code == "bitacora-cloracion"

    # Back on the hub: the planning board for the assembly, as a PDF.
    steps(page).get_by_role("link", name="Resumen", exact=True).click()
    expect(page.get_by_text("hecho").first).to_be_visible()
    assert overflow(page) <= 0
    board = page.locator('a[href$="/imprimir/tablero.pdf"]')
    with page.expect_download() as download:
        board.click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    context.close()


@pytest.mark.browser
def test_a_dropped_connection_keeps_a_draft_and_sends_the_waiting_saves(
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
    catalogue = CatalogueVersion.current()
    cycle = Cycle.objects.create(
        provider=committee,
        number=committee.integrity_cycles.count() + 1,
        catalogue=catalogue,
        scale=catalogue.scales.get(code="3x3"),
    )
    first, second = (
        Participant.objects.create(cycle=cycle, role="user", sex=sex, age_group="adult")
        for sex in "FM"
    )
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    sign_in(page, live_server.url)
    ratings_url = f"{live_server.url}/integridad/ciclos/{cycle.pk}/valoracion/?riesgo=R02"
    # Leaving while saves wait asks first (beforeunload); the facilitator chooses to leave.
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(ratings_url)
    bar = page.locator("#offline-bar")

    # No signal: the rating waits in the phone's outbox, and goes when the signal returns.
    context.set_offline(True)
    choose(page, f"#rate-{first.pk}", "likelihood", "2")
    choose(page, f"#rate-{first.pk}", "impact", "3")
    expect(bar.locator(".outbox")).to_have_text(
        re.compile(r"^Hay 1 cambio sin enviar; se enviará cuando haya señal\.")
    )
    expect(page.locator(f"#rate-{first.pk} [data-status]")).to_contain_text("Sin señal")
    assert not Rating.objects.filter(participant=first).exists()
    context.set_offline(False)
    expect(bar.locator(".done")).to_have_text("Listo: se enviaron los cambios que esperaban.")
    expect(page.locator(f"#rate-{first.pk} .saved")).to_have_text("✓ guardado")
    assert Rating.objects.get(participant=first).score == 6

    # What was typed in a form survives a failed save and a reload.
    page.get_by_label("Riesgo que el grupo agrega").fill("Se pierden las llaves del tanque")
    context.set_offline(True)
    page.get_by_role("button", name="Agregar el riesgo").click(no_wait_after=True)
    # The phone shows its "no internet" page; the facilitator opens the page again later.
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(ratings_url)
    bar = page.locator("#offline-bar")
    expect(bar.locator(".draft")).to_contain_text("Hay datos sin guardar de este teléfono:")
    expect(page.get_by_label("Riesgo que el grupo agrega")).to_have_value("")
    bar.get_by_role("button", name="Recuperar").click()
    expect(page.get_by_label("Riesgo que el grupo agrega")).to_have_value(
        "Se pierden las llaves del tanque"
    )
    page.get_by_role("button", name="Agregar el riesgo").click()
    expect(page.locator("#risk-title")).to_contain_text("Se pierden las llaves del tanque")
    assert AssessedRisk.objects.filter(cycle=cycle, risk__isnull=True).count() == 1
    page.goto(ratings_url)
    expect(page.locator("#risk-title")).to_contain_text("R02")
    expect(bar.locator(".draft")).to_have_count(0)

    # A weak signal: the save fails while the phone thinks it is online. After a reload the
    # outbox still shows what waits, and "Reintentar" sends it once the network answers.
    def refuse_posts(route):
        if route.request.method == "POST":
            route.abort()
        else:
            route.continue_()

    page.route("**/valoracion/**", refuse_posts)
    choose(page, f"#rate-{second.pk}", "likelihood", "1")
    choose(page, f"#rate-{second.pk}", "impact", "1")
    expect(bar.locator(".outbox")).to_have_attribute("data-count", "1")
    page.reload()
    expect(bar.locator(".outbox")).to_contain_text("Hay 1 cambio sin enviar")
    expect(bar.locator(".outbox")).to_have_attribute("data-count", "1")
    assert not Rating.objects.filter(participant=second).exists()
    page.unroute("**/valoracion/**")
    bar.get_by_role("button", name="Reintentar").click()
    expect(bar.locator(".done")).to_be_visible()
    expect(page.locator(f"#rate-{second.pk} .saved")).to_have_text("✓ guardado")
    assert Rating.objects.get(participant=second).score == 1
    # Sent once: the outbox is empty, and a reload shows nothing waiting.
    page.reload()
    expect(bar.locator(".outbox")).to_have_count(0)
    context.close()


# Whether the page would ask before it is left: what the browser does on "beforeunload".
WARNS_BEFORE_LEAVING = """() => {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""


def refuse_posts(route):
    """A weak signal: the phone thinks it is online, but no save gets through."""
    if route.request.method == "POST":
        route.abort()
    else:
        route.continue_()


def workshop_with(people: str):
    committee = (
        Membership.objects.get(user__username="ong")
        .providers.filter(kind="committee")
        .order_by("pk")
        .first()
    )
    catalogue = CatalogueVersion.current()
    cycle = Cycle.objects.create(
        provider=committee,
        number=committee.integrity_cycles.count() + 1,
        catalogue=catalogue,
        scale=catalogue.scales.get(code="3x3"),
    )
    participants = [
        Participant.objects.create(cycle=cycle, role="user", sex=sex, age_group="adult")
        for sex in people
    ]
    return cycle, participants


def rate_offline(page, form: str, likelihood: str, impact: str) -> None:
    choose(page, f"{form}", "likelihood", likelihood)
    choose(page, f"{form}", "impact", impact)
    expect(page.locator(f"{form} [data-status]")).to_contain_text("Sin señal")
    expect(page.locator(f"{form} .saved")).to_have_count(0)


@pytest.mark.browser
def test_a_waiting_rating_and_consensus_stay_with_their_own_risk_when_the_next_is_rated(
    live_server,
    demo,
    browser,  # noqa: F811
):
    """Issue 13: a rating waiting in the outbox was written into the next risk's row."""
    cycle, (person,) = workshop_with("F")
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    sign_in(page, live_server.url)
    url = f"{live_server.url}/integridad/ciclos/{cycle.pk}/valoracion/"
    row = f"#rate-{person.pk}"
    bar = page.locator("#offline-bar")
    page.goto(f"{url}?riesgo=R01")
    assert page.evaluate(WARNS_BEFORE_LEAVING) is False

    # On R01's page the saves fail: the person's rating and the group's wait on the phone.
    page.route("**/valoracion/**", refuse_posts)
    rate_offline(page, row, "3", "2")
    rate_offline(page, "#consensus-form", "3", "3")
    expect(bar.locator(".outbox")).to_have_text(
        re.compile(r"^Hay 2 cambios sin enviar; se enviarán cuando haya señal\.")
    )
    assert page.evaluate(WARNS_BEFORE_LEAVING) is True

    # The facilitator moves on to R02 and rates the same person, and the group, again.
    page.goto(f"{url}?riesgo=R02")
    expect(page.locator("#risk-title")).to_contain_text("R02")
    expect(bar.locator(".outbox")).to_have_attribute("data-count", "2")
    expect(page.locator(f"{row} input[name=riesgo]")).to_have_value("R02")
    rate_offline(page, row, "1", "1")
    rate_offline(page, "#consensus-form", "1", "2")
    expect(bar.locator(".outbox")).to_have_text(
        re.compile(r"^Hay 4 cambios sin enviar; se enviarán cuando haya señal\.")
    )
    assert not Rating.objects.filter(participant=person).exists()

    # The signal returns: each save goes to the risk it was made for.
    page.unroute("**/valoracion/**")
    bar.get_by_role("button", name="Reintentar").click()
    expect(bar.locator(".done")).to_have_text("Listo: se enviaron los cambios que esperaban.")
    rated = {
        rating.assessed_risk.risk.code: (rating.likelihood, rating.impact)
        for rating in Rating.objects.filter(participant=person).select_related(
            "assessed_risk__risk"
        )
    }
    assert rated == {"R01": (3, 2), "R02": (1, 1)}
    agreed = {
        risk.risk.code: (risk.consensus_likelihood, risk.consensus_impact)
        for risk in cycle.assessed_risks.select_related("risk")
    }
    assert agreed == {"R01": (3, 3), "R02": (1, 2)}
    # R02's page shows R02's answers, and its row still speaks for R02.
    expect(page.locator(f"{row} .saved")).to_have_text("✓ guardado")
    expect(page.locator(f"{row} input[name=riesgo]")).to_have_value("R02")
    expect(level(page, f"{row}", "likelihood", "1")).to_be_checked()
    expect(page.locator("#consensus-form input[name=riesgo]")).to_have_value("R02")
    expect(level(page, "#consensus-form", "impact", "2")).to_be_checked()
    assert page.evaluate(WARNS_BEFORE_LEAVING) is False

    # A later rating on R02's page is saved under R02, not over R01's.
    with page.expect_response(lambda response: response.request.method == "POST"):
        choose(page, f"{row}", "likelihood", "2")
    expect(page.locator(f"{row} .saved")).to_have_text("✓ guardado")
    htmx_settled(page)
    assert Rating.objects.get(participant=person, assessed_risk__risk__code="R01").likelihood == 3
    assert Rating.objects.get(participant=person, assessed_risk__risk__code="R02").likelihood == 2
    context.close()


@pytest.mark.browser
def test_a_waiting_compliance_answer_is_never_shown_in_another_items_form(
    live_server,
    demo,
    browser,  # noqa: F811
):
    cycle, _ = workshop_with("F")
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/integridad/ciclos/{cycle.pk}/cumplimiento/")
    bar = page.locator("#offline-bar")
    page.route("**/cumplimiento/**", refuse_posts)
    page.locator("#item-C01").get_by_label("sí").check()
    page.locator("#item-C02").get_by_label("no", exact=True).check()
    expect(bar.locator(".outbox")).to_have_attribute("data-count", "2")
    page.reload()
    expect(bar.locator(".outbox")).to_have_attribute("data-count", "2")
    page.unroute("**/cumplimiento/**")
    bar.get_by_role("button", name="Reintentar").click()
    expect(bar.locator(".done")).to_be_visible()
    answers = dict(cycle.compliance.values_list("item__code", "answer"))
    assert set(answers) == {"C01", "C02"}
    assert answers["C01"] != answers["C02"]
    expect(page.locator("#item-C01 .saved")).to_contain_text("sí")
    expect(page.locator("#item-C02 .saved")).to_contain_text("no")
    context.close()


class Taps:
    """Counts what the facilitator does with her fingers: taps, and digits typed."""

    def __init__(self, page) -> None:
        self.page = page
        self.taps = 0
        self.digits = 0

    def tap(self, locator) -> None:
        self.taps += 1
        locator.click()

    def type(self, digits: str) -> None:
        assert digits.isdigit()
        self.digits += len(digits)
        for digit in digits:
            self.page.keyboard.type(digit)

    @property
    def total(self) -> int:
        return self.taps + self.digits


# Eleven risks as a room of 8 women and 7 men rated them: the group's (likelihood, impact), then
# how many women and men put their card on each level 1-2-3 of likelihood and of impact.
ROOM = [
    ((1, 2), "008", "008", "700", "700"),  # R01: the group says low; the women say high
    ((3, 3), "026", "017", "016", "025"),
    ((2, 2), "242", "341", "331", "232"),
    ((1, 1), "710", "620", "610", "700"),
    ((2, 3), "134", "125", "223", "115"),
    ((3, 2), "035", "161", "034", "142"),
    ((1, 3), "620", "116", "520", "106"),
    ((2, 1), "161", "620", "151", "520"),
    ((3, 3), "008", "017", "007", "016"),
    ((2, 2), "233", "242", "232", "322"),
    ((1, 2), "512", "161", "430", "250"),
]


@pytest.mark.browser
def test_a_room_of_fifteen_rates_eleven_risks_by_tallies_in_under_250_taps(
    live_server,
    demo,
    browser,  # noqa: F811
):
    """Issue 13: the group's rating in two taps and the women's and men's counts typed digit
    after digit; the women-and-men view and the gap flag follow from the counts."""
    cycle, _ = workshop_with("")
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/integridad/ciclos/{cycle.pk}/")
    fingers = Taps(page)

    # The room is registered in two forms: 8 women users, 7 men users, no names.
    fingers.tap(steps(page).get_by_role("link", name="Participantes", exact=True))
    form = page.locator("#participant-add")
    for sex, how_many, total in (("mujer", "8", 8), ("hombre", "7", 15)):
        fingers.tap(form.get_by_label(sex, exact=True))
        fingers.tap(form.get_by_label("usuaria o usuario", exact=True))
        fingers.tap(form.get_by_label("de 30 a 59 años", exact=True))
        fingers.tap(form.get_by_label("Cuántas personas así"))
        fingers.type(how_many)
        fingers.tap(form.get_by_role("button", name="Agregar"))
        expect(page.locator("#participants-panel .lead")).to_have_text(
            f"{total} personas registradas."
        )
    registering = fingers.total
    assert sorted(cycle.participants.values_list("sex", flat=True)) == ["F"] * 8 + ["M"] * 7

    fingers.tap(steps(page).get_by_role("link", name="Valoración"))
    for number, (agreed, women_l, women_i, men_l, men_i) in enumerate(ROOM, start=1):
        code = f"R{number:02d}"
        expect(page.locator("#risk-title")).to_contain_text(code)
        # She taps once the page has loaded, its scripts with it, as a person sees it ready.
        page.wait_for_load_state("load")
        fingers.tap(level(page, "#consensus-form", "likelihood", str(agreed[0])))
        fingers.tap(level(page, "#consensus-form", "impact", str(agreed[1])))
        expect(page.locator("#consensus-form .saved")).to_be_visible()
        fingers.tap(page.locator("#id_F-likelihood-1"))
        with page.expect_response(
            lambda response: response.request.method == "POST" and "Hombres: 7" in response.text()
        ):
            fingers.type(women_l + women_i + men_l + men_i)
        status = page.locator("#tally-status")
        expect(status).to_contain_text("conteo guardado")
        expect(status).to_contain_text("Mujeres: 8 en probabilidad, 8 en impacto")
        expect(status).to_contain_text("Hombres: 7 en probabilidad, 7 en impacto")
        assert overflow(page) <= 0, code
        if number < len(ROOM):
            fingers.tap(page.get_by_role("link", name=re.compile(r"^Siguiente riesgo")))

    assert fingers.total < 250, (fingers.taps, fingers.digits)
    htmx_settled(page)
    print(
        f"\n15 people registered in {registering} taps and digits; with {len(ROOM)} risks "
        f"rated: {fingers.taps} taps + {fingers.digits} digits = {fingers.total}"
    )
    tallies = RatingTally.objects.filter(assessed_risk__cycle=cycle)
    assert tallies.count() == 2 * len(ROOM)
    for number, (agreed, women_l, women_i, men_l, men_i) in enumerate(ROOM, start=1):
        risk = cycle.assessed_risks.get(risk__code=f"R{number:02d}")
        assert (risk.consensus_likelihood, risk.consensus_impact) == agreed
        stored = {t.sex: t for t in risk.tallies.all()}
        for sex, typed_l, typed_i in (("F", women_l, women_i), ("M", men_l, men_i)):
            for counts, typed in (
                (stored[sex].likelihood_counts, typed_l),
                (stored[sex].impact_counts, typed_i),
            ):
                wanted = {str(lvl): int(n) for lvl, n in enumerate(typed, start=1) if n != "0"}
                assert counts == wanted, (number, sex)

    # The heat map says out loud that the group's R01 is far from the women's.
    steps(page).get_by_role("link", name="Mapa").click()
    expect(page.get_by_text("las mujeres, en promedio, «alto»").first).to_be_visible()
    context.close()


@pytest.mark.browser
def test_a_waiting_count_stays_with_its_own_risk_when_the_next_is_counted(
    live_server,
    demo,
    browser,  # noqa: F811
):
    """The room's count waits in the outbox under its risk, like a person's rating."""
    cycle, _ = workshop_with("FFFM")
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url)
    url = f"{live_server.url}/integridad/ciclos/{cycle.pk}/valoracion/"
    bar = page.locator("#offline-bar")
    page.goto(f"{url}?riesgo=R01")
    page.route("**/valoracion/**", refuse_posts)
    page.locator("#id_F-likelihood-3").click()
    page.keyboard.type("3")  # three women on "probable"; the box moves on and sends
    expect(page.locator("#tally-status")).to_contain_text("Sin señal")
    page.goto(f"{url}?riesgo=R02")
    expect(page.locator("#risk-title")).to_contain_text("R02")
    expect(page.locator("#id_F-likelihood-3")).to_have_value("")
    page.locator("#id_M-impact-1").click()
    page.keyboard.type("1")
    expect(bar.locator(".outbox")).to_have_attribute("data-count", "2")
    assert not RatingTally.objects.filter(assessed_risk__cycle=cycle).exists()
    page.unroute("**/valoracion/**")
    bar.get_by_role("button", name="Reintentar").click()
    expect(bar.locator(".done")).to_be_visible()
    counted = {
        (t.assessed_risk.risk.code, t.sex): (t.likelihood_counts, t.impact_counts)
        for t in RatingTally.objects.filter(assessed_risk__cycle=cycle).select_related(
            "assessed_risk__risk"
        )
        if t.people
    }
    assert counted == {("R01", "F"): ({"3": 3}, {}), ("R02", "M"): ({}, {"1": 1})}
    context.close()
