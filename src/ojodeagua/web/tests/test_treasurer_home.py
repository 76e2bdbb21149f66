"""The treasurer's home (issue 15): what she came to do first, "Anotar un pago", then who owes
most, the last cash count and the last report to the assembly; a payment in three taps."""

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ojodeagua.books import cash, charges, transparency
from ojodeagua.books.models import Payment, Signer
from ojodeagua.books.tests.factories import D, M, add_connection
from ojodeagua.lib.money import mxn
from ojodeagua.organisations.models import Membership
from ojodeagua.web.tests.test_browser import browser  # noqa: F401

NAME = "Herminia Ruiz Santiz"


@pytest.fixture
def committee(db):
    return Membership.objects.get(user__username="tesorera").providers.get()


def owe(toma, months: int, amount: str) -> None:
    for month in range(1, months + 1):
        charges.charge_fine(toma, on=D(2026, month, 5), amount=M(amount), description="Cuota")


def text(response) -> str:
    return response.content.decode()


def test_her_home_starts_with_a_payment_then_who_owes_most(tesorera, committee):
    toma = add_connection(committee, "PZ-8801", number="8801", name=NAME)
    owe(toma, 10, "900.00")  # $9,000.00 of ten months: more than anyone in the demo

    page = text(tesorera.get("/"))

    pay = page.index(f'href="/cuentas/{committee.pk}/pagos/nuevo/"')
    assert "Anotar un pago" in page[pay : pay + 200]
    assert pay < page.index("Quién debe") < page.index("Corte de caja")
    assert page.index("Corte de caja") < page.index("Informe a la asamblea")
    owing = page[page.index("Quién debe") : page.index("Corte de caja")]
    first = re.search(r'<li><a href="([^"]+)"><strong>Toma ([^<]+)</strong>', owing)
    assert first.groups() == (f"/cuentas/{committee.pk}/pagos/nuevo/?toma={toma.pk}", "PZ-8801")
    assert NAME in owing and "$9,000.00" in owing and "de 10 meses, desde 01/2026" in owing
    # The books are one tap away, from the home and from the menu of every page.
    assert page.count(f'href="/cuentas/{committee.pk}/"') >= 2
    menu = text(tesorera.get("/sistemas/"))
    # Her menu (web/menu.py) names them «Cuentas».
    assert re.search(
        rf'<nav class="main".*href="/cuentas/{committee.pk}/"[^>]*>Cuentas</a>', menu, re.S
    )


def test_her_home_shows_the_last_cash_count_and_report_to_the_assembly(tesorera, committee):
    treasurer = User.objects.get(username="tesorera")
    expected = cash.expected_cash(committee, D(2026, 11, 30))
    cash.record_cash_count(
        committee,
        counted_on=D(2026, 11, 30),
        counted=expected - M("15.00"),
        first_signer=Signer.TREASURER,
        second_signer=Signer.PRESIDENT,
        user=treasurer,
    )
    report = transparency.publish_report(
        committee, D(2025, 12, 1), D(2026, 11, 30), D(2026, 12, 1), treasurer
    )

    page = text(tesorera.get("/"))

    count = page[page.index("Corte de caja") : page.index("Informe a la asamblea")]
    assert "El último corte fue el 30/11/2026" in count
    counted, said = mxn(expected - M("15.00")), mxn(expected)
    assert f"se contaron {counted} y las cuentas decían {said}." in count
    assert "Faltaron $15.00." in count
    assert f'href="/cuentas/{committee.pk}/caja/corte/"' in count
    told = page[page.index("Informe a la asamblea") :]
    assert "se presentó a la asamblea el 01/12/2026" in told
    assert "del 01/12/2025 al 30/11/2026" in told
    assert f'href="/transparencia/{committee.pk}/informes/{report.pk}/"' in told
    assert f'href="/transparencia/{committee.pk}/"' in told


def test_her_home_reads_its_figures_in_the_same_queries_however_many_owe(tesorera, committee):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert tesorera.get("/").status_code == 200
        return len(captured)

    for number in range(3):
        owe(add_connection(committee, f"PZ-870{number}", name=f"{NAME} {number}"), 12, "500.00")
    few = queries()
    for number in range(3, 9):
        owe(add_connection(committee, f"PZ-870{number}", name=f"{NAME} {number}"), 12, "500.00")
    assert queries() == few


def test_the_agency_and_the_ngo_keep_their_own_homes(agencia, ong):
    for client in (agencia, ong):
        assert 'class="desk"' not in text(client.get("/"))


def test_the_tomas_that_owe_most_are_one_tap_from_the_payment_page_names_for_her_only(
    tesorera, agencia, committee
):
    toma = add_connection(committee, "PZ-8804", number="8804", name=NAME)
    owe(toma, 10, "900.00")
    url = f"/cuentas/{committee.pk}/pagos/nuevo/"
    for client, names in ((tesorera, True), (agencia, False)):
        page = text(client.get(url))
        listed = page[page.index("Tomas que deben más") :]
        first = re.search(r'<li><a href="([^"]+)"><strong>Toma ([^<]+)</strong>', listed)
        assert first.groups() == (f"{url}?toma={toma.pk}", "PZ-8804")
        assert "debe $9,000.00 de 10 meses" in listed
        assert (NAME in page) is names


# On her phone --------------------------------------------------------------------------------
@pytest.mark.browser
def test_from_her_home_a_payment_takes_three_taps_and_one_typed_amount(
    live_server,
    demo,
    browser,  # noqa: F811
):
    from playwright.sync_api import expect

    from ojodeagua.web.tests.test_browser import PHONE, overflow

    committee = Membership.objects.get(user__username="tesorera").providers.get()
    toma = add_connection(committee, "PZ-8802", number="8802", name=NAME)
    owe(toma, 11, "900.00")  # eleven months owed: the form used to sit 1,600 px down
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_label("Usuario").fill("tesorera")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    assert overflow(page) <= 0
    taps = []
    typed = []

    def tap(locator) -> None:
        # Within the first screen, as a thumb finds it, then tapped.
        locator.scroll_into_view_if_needed()
        taps.append(locator)
        locator.tap()

    # Her home opens with the action, on the first screen.
    action = page.get_by_role("main").get_by_role("link", name="Anotar un pago", exact=True)
    assert action.bounding_box()["y"] + action.bounding_box()["height"] <= PHONE["height"]
    tap(action)
    expect(page.locator("h1")).to_have_text("Anotar un pago")
    assert overflow(page) <= 0
    tap(page.get_by_role("link", name=re.compile("Toma PZ-8802")))
    expect(page.get_by_text("Esta toma debe $9,900.00 de 11 cargos.")).to_be_visible()
    assert overflow(page) <= 0
    amount = page.locator("#payment-form").get_by_label("Monto que paga ($)")
    save = page.get_by_role("button", name="Anotar el pago y dar recibo")
    # The amount and the button are on the first screen; the owed months are folded.
    for thing in (amount, save):
        box = thing.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], box
    expect(page.locator(".owed-details li").first).to_be_hidden()
    amount.fill("1800")
    typed.append("1800")
    tap(save)

    expect(page.locator("h1")).to_contain_text("Recibo número")
    expect(page.get_by_text("mil ochocientos pesos 00/100 M.N.")).to_be_visible()
    assert overflow(page) <= 0
    assert len(taps) == 3 and len(typed) == 1
    payment = Payment.objects.get(connection=toma)
    assert payment.amount == M("1800.00")
    assert sorted(a.charge.period.month for a in payment.allocations.all()) == [1, 2]
    context.close()


@pytest.mark.browser
def test_paga_todo_fills_the_whole_debt_on_the_phone(
    live_server,
    demo,
    browser,  # noqa: F811
):
    from playwright.sync_api import expect

    from ojodeagua.web.tests.test_browser import PHONE, overflow

    committee = Membership.objects.get(user__username="tesorera").providers.get()
    toma = add_connection(committee, "PZ-8803", number="8803", name=NAME)
    owe(toma, 3, "120.00")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page = context.new_page()
    page.goto(f"{live_server.url}/entrar/")
    page.get_by_label("Usuario").fill("tesorera")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    url = f"{live_server.url}/cuentas/{committee.pk}/pagos/nuevo/?toma={toma.pk}"
    page.goto(url)
    amount = page.locator("#payment-form").get_by_label("Monto que paga ($)")
    expect(amount).to_have_value("")
    page.get_by_role("link", name="Paga todo: $360.00").tap()
    expect(amount).to_have_value("360.00")
    assert page.url == url  # filled in place, without going to the server
    page.locator(".owed-details summary").tap()
    expect(page.locator(".owed-details li")).to_have_count(3)
    assert overflow(page) <= 0
    page.get_by_role("button", name="Anotar el pago y dar recibo").tap()
    expect(page.get_by_text("trescientos sesenta pesos 00/100 M.N.")).to_be_visible()
    assert Payment.objects.get(connection=toma).amount == M("360.00")
    context.close()
