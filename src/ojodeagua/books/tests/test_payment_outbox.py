"""The phone's waiting payments go in one request (issue 15): the page's bulk address reads each
as the payment form would, records them in one ``record_payments`` call with gapless receipt
numbers, answers one part per payment, and is guarded like every page (session, CSRF, scope)."""

import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ojodeagua.books import charges
from ojodeagua.books.models import Payment
from ojodeagua.books.tests.factories import D, M, add_connection
from ojodeagua.lib.records import new_record_id
from ojodeagua.organisations.models import Membership
from ojodeagua.web.tests.test_browser import browser  # noqa: F401

NAME = "Rosalinda Pérez Gómez"


@pytest.fixture
def committee(db):
    return Membership.objects.get(user__username="tesorera").providers.get()


def owing(committee, code: str):
    toma = add_connection(committee, code, number=code[-4:], name=NAME)
    charges.charge_fine(toma, on=D(2026, 1, 5), amount=M("100.00"), description="Cuota")
    return toma


def waiting(toma, amount: str, record_id: str | None = None, **extra) -> str:
    """A payment form's fields as the outbox keeps them."""
    fields = {
        "record_id": record_id or new_record_id(),
        "toma": toma.pk if toma else "",
        "amount": amount,
        "paid_on": "2026-03-10",
        "method": "cash",
        "concept": "",
        **extra,
    }
    return urlencode(fields)


def parts(response) -> list[tuple[str, str]]:
    return re.findall(
        r'data-batch-position="(\d+)" data-batch-result="(\w+)"', response.content.decode()
    )


def test_waiting_payments_are_recorded_together_in_their_order(tesorera, committee):
    tomas = [owing(committee, f"PZ-770{n}") for n in range(3)]
    before = Payment.objects.filter(provider=committee).count()
    bodies = [waiting(tomas[0], "$1,200"), waiting(tomas[1], "80"), waiting(tomas[2], "50.5")]

    answer = tesorera.post(f"/cuentas/{committee.pk}/pagos/lote/", {"pago": bodies})

    assert answer.status_code == 200
    assert parts(answer) == [("0", "done"), ("1", "done"), ("2", "done")]
    recorded = list(
        Payment.objects.filter(connection__in=tomas)
        .order_by("receipt_number")
        .values_list("connection__code", "amount", "receipt_number")
    )
    assert [(code, amount) for code, amount, _n in recorded] == [
        ("PZ-7700", M("1200.00")),
        ("PZ-7701", M("80.00")),
        ("PZ-7702", M("50.50")),
    ]
    numbers = [number for _c, _a, number in recorded]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    assert Payment.objects.filter(provider=committee).count() == before + 3
    for _code, _amount, number in recorded:
        assert f"recibo número {number} " in answer.content.decode()


def test_a_payment_sent_again_is_recognised_and_a_wrong_one_refused_alone(tesorera, committee):
    first, second = owing(committee, "PZ-7711"), owing(committee, "PZ-7712")
    url = f"/cuentas/{committee.pk}/pagos/lote/"
    sent = waiting(first, "100")
    tesorera.post(url, {"pago": [sent]})
    stored = Payment.objects.get(connection=first)

    answer = tesorera.post(
        url,
        {
            "pago": [
                sent,  # its answer never reached the phone
                waiting(second, "12,5"),  # the form refuses it
                waiting(second, "60"),
                waiting(first, "999", record_id=stored.record_id),  # same id, other content
            ]
        },
    )

    assert parts(answer) == [("0", "done"), ("1", "refused"), ("2", "done"), ("3", "refused")]
    page = answer.content.decode()
    assert f"ya estaba anotado con el recibo número {stored.receipt_number}" in page
    assert "Escriba los centavos con punto" in page
    assert "pero con otros datos" in page
    assert Payment.objects.filter(connection=first).count() == 1
    assert list(Payment.objects.filter(connection=second).values_list("amount", flat=True)) == [
        M("60.00")
    ]
    assert Payment.objects.get(connection=second).receipt_number == stored.receipt_number + 1


def test_the_batch_reads_its_tomas_at_once(tesorera, committee):
    tomas = [owing(committee, f"PZ-772{n}") for n in range(8)]

    def queries(count: int) -> int:
        bodies = [waiting(toma, "10") for toma in tomas[:count]]
        with CaptureQueriesContext(connection) as captured:
            tesorera.post(f"/cuentas/{committee.pk}/pagos/lote/", {"pago": bodies})
        return len(captured)

    assert queries(2) == queries(8)


def test_the_batch_is_a_page_guarded_by_session_csrf_and_scope(tesorera, committee):
    toma = owing(committee, "PZ-7731")
    url = f"/cuentas/{committee.pk}/pagos/lote/"
    body = {"pago": [waiting(toma, "40")]}
    # Signed in, but without the page's CSRF token: refused, nothing recorded.
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(Membership.objects.get(user__username="tesorera").user)
    assert guarded.post(url, body).status_code == 403
    # Not signed in: sent to sign in.
    assert Client().post(url, body).status_code == 302
    assert not Payment.objects.filter(connection=toma).exists()
    # Another committee: as if it did not exist, whatever the method.
    other = Membership.objects.get(user__username="ong").providers.exclude(pk=committee.pk).first()
    assert tesorera.post(f"/cuentas/{other.pk}/pagos/lote/", body).status_code == 404
    assert tesorera.get(url).status_code == 405
    assert tesorera.post(url, {}).status_code == 400
    assert not Payment.objects.filter(connection=toma).exists()


def test_the_payment_form_names_where_its_waiting_payments_go(tesorera, committee):
    toma = owing(committee, "PZ-7741")
    page = tesorera.get(f"/cuentas/{committee.pk}/pagos/nuevo/?toma={toma.pk}").content.decode()
    assert f'data-outbox-batch="/cuentas/{committee.pk}/pagos/lote/"' in page
    # The months owed are folded under their total; then the amount and its button, before
    # the date, the way of paying and the concept.
    main = page[page.index("<main") :]
    assert main.index("<details") < main.index(" 01/2026") < main.index("</details>")
    assert main.index("</details>") < main.index('name="amount"')
    assert main.index('name="amount"') < main.index('type="submit"') < main.index('name="paid_on"')
    assert 'data-fill-amount="100.00"' in page
    # Without JavaScript, "Paga todo" asks for the page with the whole debt filled in.
    full = tesorera.get(f"/cuentas/{committee.pk}/pagos/nuevo/?toma={toma.pk}&monto=todo")
    assert 'name="amount" value="100.00"' in full.content.decode()


# On a phone without signal ----------------------------------------------------------------------
@pytest.mark.browser
def test_payments_taken_without_signal_go_in_one_request_when_it_returns(
    live_server,
    demo,
    browser,  # noqa: F811
):
    from playwright.sync_api import expect

    from ojodeagua.web.tests.test_browser import PHONE, overflow

    committee = Membership.objects.get(user__username="tesorera").providers.get()
    toma = owing(committee, "PZ-7751")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/entrar/")
    page.get_by_label("Usuario").fill("tesorera")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    page.goto(f"{live_server.url}/cuentas/{committee.pk}/pagos/nuevo/?toma={toma.pk}")
    posts = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    bar = page.locator("#offline-bar")
    form = page.locator("#payment-form")
    before = Payment.objects.filter(provider=committee).count()

    context.set_offline(True)
    for count, amount in enumerate(("40", "35", "25"), start=1):
        form.get_by_label("Monto que paga ($)").fill(amount)
        form.get_by_role("button", name="Anotar el pago y dar recibo").tap()
        waiting_now = "Hay 1 cambio sin enviar" if count == 1 else f"Hay {count} cambios sin enviar"
        expect(bar.locator(".outbox")).to_contain_text(waiting_now)
    assert overflow(page) <= 0
    assert not Payment.objects.filter(connection=toma).exists()
    tried_offline = len(posts)  # the three saves the phone could not send

    context.set_offline(False)
    expect(bar.locator(".done")).to_have_text("Listo: se enviaron los cambios que esperaban.")
    sent = posts[tried_offline:]
    assert sent == [f"{live_server.url}/cuentas/{committee.pk}/pagos/lote/"]
    recorded = list(
        Payment.objects.filter(connection=toma)
        .order_by("receipt_number")
        .values_list("amount", "receipt_number")
    )
    assert [amount for amount, _n in recorded] == [M("40.00"), M("35.00"), M("25.00")]
    numbers = [number for _a, number in recorded]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    assert Payment.objects.filter(provider=committee).count() == before + 3
    # Every receipt is there, and the numbers have no gap.
    for number in numbers:
        page.goto(f"{live_server.url}/cuentas/{committee.pk}/recibos/{number}/")
        expect(page.locator("h1")).to_contain_text(f"Recibo número {number}")
    all_numbers = sorted(
        Payment.objects.filter(provider=committee).values_list("receipt_number", flat=True)
    )
    assert all_numbers == list(range(1, len(all_numbers) + 1))
    context.close()


@pytest.mark.browser
def test_waiting_payments_still_go_after_signing_in_again_in_another_tab(
    live_server,
    demo,
    browser,  # noqa: F811
):
    """Signing in again (what the outbox asks when the session ends) changes the CSRF token:
    the batch is sent with the session's token as it is now, not the one the page was given."""
    from playwright.sync_api import expect

    from ojodeagua.web.tests.test_browser import PHONE

    committee = Membership.objects.get(user__username="tesorera").providers.get()
    toma = owing(committee, "PZ-7761")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")

    def sign_in(page) -> None:
        page.goto(f"{live_server.url}/entrar/")
        page.get_by_label("Usuario").fill("tesorera")
        page.get_by_label("Contraseña").fill("demo")
        page.get_by_role("button", name="Entrar").click()
        expect(page.get_by_role("button", name="Salir")).to_be_visible()

    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page)
    page.goto(f"{live_server.url}/cuentas/{committee.pk}/pagos/nuevo/?toma={toma.pk}")
    bar = page.locator("#offline-bar")
    # No signal for saves on this phone's page while the other tab signs in again.
    page.route("**/pagos/**", lambda route: route.abort())
    page.locator("#payment-form").get_by_label("Monto que paga ($)").fill("45")
    page.get_by_role("button", name="Anotar el pago y dar recibo").click()
    expect(bar.locator(".outbox")).to_contain_text("Hay 1 cambio sin enviar")

    other = context.new_page()
    other.on("dialog", lambda dialog: dialog.accept())
    other.goto(f"{live_server.url}/sistemas/")
    other.get_by_role("button", name="Salir").click()
    sign_in(other)
    other.close()

    page.unroute("**/pagos/**")
    bar.get_by_role("button", name="Reintentar").click()
    expect(bar.locator(".done")).to_have_text("Listo: se enviaron los cambios que esperaban.")
    assert list(Payment.objects.filter(connection=toma).values_list("amount", flat=True)) == [
        M("45.00")
    ]
    context.close()
