"""The treasurer's pages on her committee: payments recorded once, voids with a reason, charges
with a preview, cash counts, deposits never above the cash, expenses with three quotes, sales,
the opening balance, photos behind scope; names only for those who may read them."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books import cash, charges
from ojodeagua.books.models import (
    BooksSettings,
    CashCount,
    Charge,
    Connection,
    Deposit,
    Expense,
    JournalEntry,
    MoneyAccount,
    Payment,
    PaymentVoid,
    Quote,
    Sale,
)
from ojodeagua.books.tests.factories import (
    D,
    M,
    add_connection,
    add_tariff,
    committee_reached_by,
    make_committee,
)
from ojodeagua.lib.tests.files import PNG
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import make_viewer
from ojodeagua.web.tests.test_browser import browser  # noqa: F401

NAME = "Rosalinda Pérez Gómez"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def treasurer(db):
    return User.objects.get(username="tesorera")


@pytest.fixture
def committee(db):
    return Membership.objects.get(user__username="tesorera").providers.get()


@pytest.fixture
def toma(committee, treasurer):
    """A toma of her committee owing $100 for January and $100 for February 2026."""
    connection = add_connection(committee, "PZ-9901", number="9901", name=NAME)
    for month in (1, 2):
        charges.charge_fine(
            connection,
            on=D(2026, month, 5),
            amount=M("100.00"),
            description="Cuota",
            user=treasurer,
        )
    return connection


@pytest.fixture
def own_committee(db):
    """A committee of our own, added to the treasurer's membership, for figures by hand."""
    return committee_reached_by("Comité de Agua Las Pruebas", "tesorera")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def record_id_of(page: str) -> str:
    return re.search(r'name="record_id" value="([^"]+)"', page).group(1)


def payment_data(page: str, toma, **extra) -> dict:
    data = {
        "record_id": record_id_of(page),
        "toma": toma.pk if toma else "",
        "amount": "120",
        "paid_on": "2026-03-10",
        "method": "cash",
        "concept": "",
    }
    data.update(extra)
    return data


def text(response) -> str:
    return response.content.decode()


# Payments ----------------------------------------------------------------------------------------
def test_a_payment_is_recorded_once_when_the_same_form_is_posted_twice(tesorera, committee, toma):
    url = f"/cuentas/{committee.pk}/pagos/nuevo/"
    page = text(tesorera.get(f"{url}?toma={toma.pk}"))
    assert "PZ-9901" in page and NAME in page
    assert "Esta toma debe $200.00 de 2 cargos" in page
    assert 'inputmode="decimal"' in page and "data-draft=" in page
    assert "ojodeagua/draft.js" in page
    data = payment_data(page, toma)

    first = tesorera.post(url, data)
    second = tesorera.post(url, data)  # a double tap, or a resend after the signal dropped

    payments = Payment.objects.filter(record_id=data["record_id"])
    assert payments.count() == 1
    payment = payments.get()
    receipt_url = f"/cuentas/{committee.pk}/recibos/{payment.receipt_number}/"
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == receipt_url
    assert payment.amount == M("120.00") and payment.connection == toma
    assert payment.received_by.username == "tesorera"
    # Oldest first: January settled, $20 of February.
    applied = sorted((a.charge.period.month, a.amount) for a in payment.allocations.all())
    assert applied == [(1, M("100.00")), (2, M("20.00"))]
    shown = text(tesorera.get(receipt_url))
    assert "ya estaba anotado con el recibo número" in shown
    assert "ciento veinte pesos 00/100 M.N." in shown
    assert NAME in shown
    assert f'data-record-id="{payment.record_id}"' in shown


def test_htmx_goes_to_the_receipt_and_errors_come_back_in_place(tesorera, committee, toma):
    url = f"/cuentas/{committee.pk}/pagos/nuevo/"
    page = text(tesorera.get(f"{url}?toma={toma.pk}"))
    refused = tesorera.post(url, payment_data(page, toma, amount="12,5"), **HX)
    assert refused.status_code == 422
    assert "Escriba los centavos con punto" in text(refused)
    assert 'id="payment-form"' in text(refused)
    assert not Payment.objects.filter(record_id=record_id_of(page)).exists()

    saved = tesorera.post(url, payment_data(page, toma, amount="50.00"), **HX)
    payment = Payment.objects.get(record_id=record_id_of(page))
    assert saved.status_code == 200
    assert saved["HX-Redirect"] == f"/cuentas/{committee.pk}/recibos/{payment.receipt_number}/"
    # What an outbox resend shows in the form's place.
    assert 'id="payment-form"' in text(saved)
    assert f"recibo número {payment.receipt_number}" in text(saved)


def test_a_payment_date_after_today_or_a_missing_amount_is_refused(tesorera, committee, toma):
    url = f"/cuentas/{committee.pk}/pagos/nuevo/"
    page = text(tesorera.get(f"{url}?toma={toma.pk}"))
    response = tesorera.post(url, payment_data(page, toma, amount="", paid_on="2099-01-01"))
    assert response.status_code == 400
    assert "La fecha no puede ser posterior a hoy" in text(response)
    assert "Anote el monto, con números" in text(response)
    assert not Payment.objects.filter(record_id=record_id_of(page)).exists()


def test_a_payment_dated_absurdly_long_ago_is_refused_at_its_field(tesorera, committee, toma):
    url = f"/cuentas/{committee.pk}/pagos/nuevo/"
    page = text(tesorera.get(f"{url}?toma={toma.pk}"))
    response = tesorera.post(url, payment_data(page, toma, amount="50.00", paid_on="1900-03-05"))
    assert response.status_code == 400
    assert "La fecha (05/03/1900) es demasiado antigua" in text(response)
    assert not Payment.objects.filter(record_id=record_id_of(page)).exists()


def test_a_fine_dated_after_today_is_refused_as_the_api_and_the_books_refuse_it(
    tesorera, committee, toma
):
    url = f"/cuentas/{committee.pk}/cargos/multa/"
    page = text(tesorera.get(url))
    data = {
        "record_id": record_id_of(page),
        "toma": "pz-9901",
        "on": "2099-03-07",
        "amount": "150",
        "description": "Faltó a la faena",
    }
    response = tesorera.post(url, data)
    assert response.status_code == 400
    assert "La fecha no puede ser posterior a hoy" in text(response)
    assert not Charge.objects.filter(connection=toma, description="Faltó a la faena").exists()


def test_an_expense_dated_after_today_is_refused(tesorera, committee, media):
    url = f"/cuentas/{committee.pk}/gastos/nuevo/"
    page = text(tesorera.get(url))
    response = tesorera.post(url, {**expense_data(page, "350.00"), "spent_on": "2099-11-20"})
    assert response.status_code == 400
    assert "La fecha no puede ser posterior a hoy" in text(response)
    assert not Expense.objects.filter(record_id=record_id_of(page)).exists()


def test_a_payment_without_a_toma_needs_its_concept(tesorera, committee):
    url = f"/cuentas/{committee.pk}/pagos/nuevo/"
    page = text(tesorera.get(f"{url}?toma=ninguna"))
    refused = tesorera.post(url, payment_data(page, None))
    assert refused.status_code == 400
    assert "Un pago sin toma necesita su concepto" in text(refused)
    saved = tesorera.post(url, payment_data(page, None, concept="Donativo de la feria"))
    payment = Payment.objects.get(record_id=record_id_of(page))
    assert saved.status_code == 302 and payment.connection is None
    assert payment.concept == "Donativo de la feria"


def test_the_toma_is_found_by_code_number_or_name_for_the_committee(tesorera, committee, toma):
    url = f"/cuentas/{committee.pk}/pagos/nuevo/"
    assert f"?toma={toma.pk}" in text(tesorera.get(url, {"q": "pz-9901"}))
    assert f"?toma={toma.pk}" in text(tesorera.get(url, {"q": "9901"}))
    assert f"?toma={toma.pk}" in text(tesorera.get(url, {"q": "99"}))  # part of the code
    by_name = text(tesorera.get(url, {"q": "perez gomez"}))  # without accents
    assert f"?toma={toma.pk}" in by_name and NAME in by_name
    assert "No se encontró ninguna toma" in text(tesorera.get(url, {"q": "ZZ-404"}))


def test_numbers_in_links_and_receipts_carry_no_thousands_separator(tesorera, own_committee):
    from ojodeagua.books.models import ReceiptCounter
    from ojodeagua.books.payments import record_payment

    toma = add_connection(own_committee, "K-7", number="77", name=NAME, pk=123456)
    url = f"/cuentas/{own_committee.pk}/pagos/nuevo/"
    assert "?toma=123456" in text(tesorera.get(url, {"q": "K-7"}))
    page = text(tesorera.get(url, {"toma": "123456"}))
    assert f"books:provider-{own_committee.pk}:payment-123456" in page
    ReceiptCounter.objects.create(provider=own_committee, last_number=1233)
    payment, _ = record_payment(
        own_committee, record_id=None, amount="10", paid_on=D(2026, 5, 1), connection=toma
    )
    assert payment.receipt_number == 1234
    receipt = text(tesorera.get(f"/cuentas/{own_committee.pk}/recibos/1234/"))
    assert "Recibo número 1234" in receipt and "1,234" not in receipt
    assert ">1234</a>" in text(tesorera.get(f"/cuentas/{own_committee.pk}/pagos/"))


def test_the_agency_records_a_payment_without_seeing_names(agencia, committee, toma):
    """A coordinator of the municipality may edit the committee but not read its padrón:
    recording a payment needs no names, so she may, and sees none."""
    url = f"/cuentas/{committee.pk}/pagos/nuevo/"
    assert "No se encontró ninguna toma" in text(agencia.get(url, {"q": "Rosalinda"}))
    found = text(agencia.get(url, {"q": "PZ-9901"}))
    assert f"?toma={toma.pk}" in found and "Rosalinda" not in found
    page = text(agencia.get(f"{url}?toma={toma.pk}"))
    assert "Rosalinda" not in page
    response = agencia.post(url, payment_data(page, toma, amount="80"))
    payment = Payment.objects.get(record_id=record_id_of(page))
    assert response.status_code == 302
    assert payment.received_by.username == "agencia"
    receipt = text(agencia.get(response.url))
    assert "ochenta pesos 00/100 M.N." in receipt and "Rosalinda" not in receipt


def entry_urls(provider_id: int) -> list[str]:
    """Every day-to-day page of a provider's books, with made-up numbers for its records."""
    from django.urls import reverse

    from ojodeagua.books import entry_views

    values = {"provider_id": provider_id, "number": 1, "pk": 1, "kind": "ficha"}
    urls = []
    for pattern in entry_views.urlpatterns:
        names = pattern.pattern.converters.keys()
        urls.append(reverse(f"books:{pattern.name}", kwargs={n: values[n] for n in names}))
    return urls


def test_every_page_of_another_committee_answers_404(tesorera, committee):
    other = Membership.objects.get(user__username="ong").providers.exclude(pk=committee.pk).first()
    urls = entry_urls(other.pk)
    assert len(urls) >= 20
    before = Payment.objects.count()
    for url in urls:
        assert tesorera.get(url).status_code == 404, url
        posted = tesorera.post(
            url, {"record_id": "x-1", "amount": "10", "paid_on": "2026-03-01", "method": "cash"}
        )
        assert posted.status_code == 404, url
    assert Payment.objects.count() == before


def test_a_toma_of_another_committee_cannot_be_paid_here(tesorera, committee):
    stranger = add_connection(make_committee("Comité Ajeno"), "AJ-1")
    url = f"/cuentas/{committee.pk}/pagos/nuevo/"
    assert tesorera.get(f"{url}?toma={stranger.pk}").status_code == 404
    page = text(tesorera.get(f"{url}?toma=ninguna"))
    response = tesorera.post(url, payment_data(page, stranger, concept="x"))
    assert response.status_code == 400
    assert "Esa toma no está en el padrón de este comité" in text(response)
    assert not Payment.objects.filter(connection=stranger).exists()


def test_the_payment_list_marks_voided_receipts_and_filters_by_month(
    tesorera, committee, toma, treasurer
):
    from ojodeagua.books.payments import record_payment, void_payment

    march, _ = record_payment(
        committee, record_id=None, amount="30", paid_on=D(2026, 3, 2), connection=toma
    )
    april, _ = record_payment(
        committee, record_id=None, amount="45", paid_on=D(2026, 4, 2), connection=toma
    )
    void_payment(april, "Se anotó dos veces", treasurer, D(2026, 4, 3))
    page = text(tesorera.get(f"/cuentas/{committee.pk}/pagos/", {"mes": "2026-04"}))
    assert f"/recibos/{april.receipt_number}/" in page
    assert f"/recibos/{march.receipt_number}/" not in page
    assert "CANCELADO" in page
    assert "Además hay 1 recibo cancelado" in page
    assert NAME in page
    march_page = text(tesorera.get(f"/cuentas/{committee.pk}/pagos/", {"mes": "2026-03"}))
    assert f"/recibos/{march.receipt_number}/" in march_page
    assert "$30.00" in march_page


# Voids -------------------------------------------------------------------------------------------
def test_voiding_a_receipt_needs_a_reason(tesorera, committee, toma):
    from ojodeagua.books.payments import record_payment

    payment, _ = record_payment(
        committee, record_id=None, amount="120", paid_on=D(2026, 3, 1), connection=toma
    )
    url = f"/cuentas/{committee.pk}/recibos/{payment.receipt_number}/cancelar/"
    assert tesorera.get(url).status_code == 200
    refused = tesorera.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Escriba por qué se cancela el recibo" in text(refused)
    assert not PaymentVoid.objects.filter(payment=payment).exists()

    done = tesorera.post(url, {"reason": "El monto estaba mal"})
    assert done.status_code == 302
    void = PaymentVoid.objects.get(payment=payment)
    assert void.reason == "El monto estaba mal" and void.voided_by.username == "tesorera"
    receipt = text(tesorera.get(done.url))
    assert "CANCELADO" in receipt and "El monto estaba mal" in receipt
    # The charges it paid are owed again.
    owed = text(tesorera.get(f"/cuentas/{committee.pk}/pagos/nuevo/?toma={toma.pk}"))
    assert "Esta toma debe $200.00" in owed
    again = tesorera.post(url, {"reason": "otra vez"})
    assert again.status_code == 302
    assert PaymentVoid.objects.filter(payment=payment).count() == 1


def test_a_viewer_reads_receipts_and_gets_403_on_changes(committee, toma):
    from ojodeagua.books.payments import record_payment
    from ojodeagua.conftest import login_client
    from ojodeagua.organisations.models import Organisation

    payment, _ = record_payment(
        committee, record_id=None, amount="10", paid_on=D(2026, 3, 1), connection=toma
    )
    make_viewer(
        "consulta-cuentas", organisation=Organisation.objects.first(), providers=[committee]
    )
    client = login_client("consulta-cuentas")
    base = f"/cuentas/{committee.pk}"
    assert client.get(f"{base}/recibos/{payment.receipt_number}/").status_code == 200
    assert client.get(f"{base}/pagos/").status_code == 200
    void = client.post(f"{base}/recibos/{payment.receipt_number}/cancelar/", {"reason": "x"})
    assert void.status_code == 403
    assert client.get(f"{base}/pagos/nuevo/").status_code == 403
    assert not PaymentVoid.objects.filter(payment=payment).exists()


# Charges -----------------------------------------------------------------------------------------
def test_the_month_is_previewed_then_charged_once(tesorera, own_committee):
    add_tariff(own_committee, "85.00", D(2026, 1, 1))
    add_connection(own_committee, "LP-1")
    add_connection(own_committee, "LP-2")
    add_connection(own_committee, "LP-3", status=Connection.Status.SUSPENDED)
    url = f"/cuentas/{own_committee.pk}/cargos/generar/"
    assert tesorera.get(url).status_code == 200
    events = AuditEvent.objects.count()

    preview = text(tesorera.post(url, {"month": "2026-03"}))
    assert "Se harán 2 cargos nuevos de marzo de 2026, por $170.00 en total." in preview
    assert not Charge.objects.filter(provider=own_committee).exists()
    assert not JournalEntry.objects.filter(provider=own_committee).exists()
    assert AuditEvent.objects.count() == events

    done = tesorera.post(url, {"month": "2026-03", "confirm": "1"})
    assert done.status_code == 302
    assert Charge.objects.filter(provider=own_committee, period=D(2026, 3, 1)).count() == 2
    again = text(tesorera.post(url, {"month": "2026-03"}))
    assert "No hay cargos nuevos que hacer para marzo de 2026" in again
    tesorera.post(url, {"month": "2026-03", "confirm": "1"})
    assert Charge.objects.filter(provider=own_committee).count() == 2


def test_charging_a_month_without_a_tariff_says_what_to_do(tesorera, own_committee):
    add_connection(own_committee, "LP-1")
    response = tesorera.post(f"/cuentas/{own_committee.pk}/cargos/generar/", {"month": "2026-03"})
    assert response.status_code == 400
    assert "No hay una cuota mensual aprobada" in text(response)


def test_a_fine_is_charged_once_and_a_charge_credited_with_a_reason(tesorera, committee, toma):
    url = f"/cuentas/{committee.pk}/cargos/multa/"
    page = text(tesorera.get(url))
    data = {
        "record_id": record_id_of(page),
        "toma": "pz-9901",
        "on": "2026-03-07",
        "amount": "150",
        "description": "Faltó a la faena",
    }
    assert tesorera.post(url, data).status_code == 302
    assert tesorera.post(url, data).status_code == 302
    fines = Charge.objects.filter(connection=toma, description="Faltó a la faena")
    assert fines.count() == 1 and fines.get().amount == M("150.00")
    unknown = tesorera.post(url, {**data, "record_id": "otra", "toma": "NO-EXISTE"})
    assert unknown.status_code == 400
    assert "La toma «NO-EXISTE» no está en el padrón" in text(unknown)

    fine = fines.get()
    credit_url = f"/cuentas/{committee.pk}/cargos/{fine.pk}/corregir/"
    refused = tesorera.post(credit_url, {"reason": ""})
    assert refused.status_code == 400
    assert "Escriba por qué se corrige el cargo" in text(refused)
    assert tesorera.post(credit_url, {"reason": "No le tocaba faena"}).status_code == 302
    credit = Charge.objects.get(corrects=fine)
    assert credit.amount == M("-150.00") and credit.description == "No le tocaba faena"


# Cash, deposits, expenses, sales -----------------------------------------------------------------
def test_a_cash_count_shows_what_the_books_say_and_needs_two_signers(tesorera, committee):
    url = f"/cuentas/{committee.pk}/caja/corte/"
    page = text(tesorera.get(url))
    today_expected = cash.expected_cash(committee, D(2026, 11, 27))
    assert "en caja debe haber" in page
    same = {
        "record_id": record_id_of(page),
        "counted_on": "2026-11-27",
        "counted": "0",
        "first_signer": "treasurer",
        "second_signer": "treasurer",
    }
    refused = tesorera.post(url, same)
    assert refused.status_code == 400
    assert "dos personas con cargos distintos" in text(refused)
    counted = today_expected + M("15.00")
    done = tesorera.post(url, {**same, "second_signer": "vigilance", "counted": str(counted)})
    assert done.status_code == 302
    count = CashCount.objects.get(record_id=same["record_id"])
    assert count.expected == today_expected and count.difference == M("15.00")
    listing = text(tesorera.get(done.url))
    assert "sobran $15.00" in listing


def test_a_deposit_larger_than_the_cash_is_refused(tesorera, committee, media):
    account_page = text(tesorera.get(f"/cuentas/{committee.pk}/cuentas-de-banco/nueva/"))
    made = tesorera.post(
        f"/cuentas/{committee.pk}/cuentas-de-banco/nueva/",
        {
            "record_id": record_id_of(account_page),
            "institution": "Caja Popular Berriozábal",
            "kind": "cooperative",
            "last_digits": "4321",
        },
    )
    assert made.status_code == 302
    account = MoneyAccount.objects.get(provider=committee, institution="Caja Popular Berriozábal")

    url = f"/cuentas/{committee.pk}/depositos/nuevo/"
    page = text(tesorera.get(url))
    day = D(2026, 11, 27)
    available = cash.cash_available(committee, day)
    data = {
        "record_id": record_id_of(page),
        "account": account.pk,
        "deposited_on": "2026-11-27",
        "amount": str(max(available, M("0")) + M("100.00")),
        "slip_reference": "F-77",
    }
    refused = tesorera.post(url, data)
    assert refused.status_code == 400
    assert "Las cuentas dicen que en caja hay" in text(refused)
    assert not Deposit.objects.filter(record_id=data["record_id"]).exists()

    # With cash in the box (a payment received), the deposit goes in, with its slip photo.
    from ojodeagua.books.payments import record_payment

    record_payment(committee, record_id=None, amount="500", paid_on=day, concept="Donativo")
    photo = _upload("ficha-de-Rosalinda.png", PNG)
    done = tesorera.post(url, {**data, "amount": "500.00", "slip_photo": photo})
    assert done.status_code == 302
    deposit = Deposit.objects.get(record_id=data["record_id"])
    assert deposit.amount == M("500.00") and deposit.account == account
    assert "Rosalinda" not in deposit.slip_photo.name
    served = tesorera.get(f"/cuentas/{committee.pk}/archivos/ficha/{deposit.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["Cache-Control"] == "private, no-store"
    # What is served is the photo as the server drew it again: a real PNG, the one stored.
    served_bytes = b"".join(served.streaming_content)
    assert served_bytes.startswith(b"\x89PNG")
    deposit.slip_photo.open("rb")
    assert served_bytes == deposit.slip_photo.read()


def test_a_photo_that_is_not_an_image_is_refused(tesorera, committee, media):
    url = f"/cuentas/{committee.pk}/gastos/nuevo/"
    page = text(tesorera.get(url))
    response = tesorera.post(
        url, {**expense_data(page, "100"), "receipt_photo": _upload("x.png", b"MZ...")}
    )
    assert response.status_code == 400
    assert "Solo se aceptan fotos (JPG, PNG o WebP) y documentos PDF" in text(response)


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def expense_data(page: str, amount: str, quotes=()) -> dict:
    data = {
        "record_id": record_id_of(page),
        "spent_on": "2026-11-20",
        "category": "repairs",
        "amount": amount,
        "supplier": "Ferretería El Tubo",
        "description": "Tubo de 2 pulgadas y coples",
        "paid_from": "bank",
        "approved_by": "asamblea",
        "cotizaciones-TOTAL_FORMS": "3",
        "cotizaciones-INITIAL_FORMS": "0",
        "cotizaciones-MIN_NUM_FORMS": "0",
        "cotizaciones-MAX_NUM_FORMS": "6",
    }
    for index, (supplier, quoted, chosen) in enumerate(quotes):
        data[f"cotizaciones-{index}-supplier"] = supplier
        data[f"cotizaciones-{index}-amount"] = quoted
        if chosen:
            data[f"cotizaciones-{index}-chosen"] = "on"
    return data


def test_an_expense_at_the_threshold_needs_three_quotes(tesorera, committee, media):
    BooksSettings.objects.update_or_create(
        provider=committee, defaults={"quotes_threshold": M("2000.00")}
    )
    url = f"/cuentas/{committee.pk}/gastos/nuevo/"
    page = text(tesorera.get(url))
    assert "Un gasto de $2,000.00 o más necesita tres cotizaciones" in page

    refused = tesorera.post(url, expense_data(page, "2,000.00"))
    assert refused.status_code == 400
    assert "necesita tres cotizaciones, como acordó la asamblea; aquí hay 0" in text(refused)
    assert not Expense.objects.filter(record_id=record_id_of(page)).exists()

    quotes = [
        ("Ferretería El Tubo", "2000", True),
        ("Materiales Suchiapa", "2150", False),
        ("Tlapalería Centro", "2300.50", False),
    ]
    done = tesorera.post(url, expense_data(page, "2000", quotes))
    assert done.status_code == 302
    expense = Expense.objects.get(record_id=record_id_of(page))
    assert expense.amount == M("2000.00") and expense.paid_from == "bank"
    assert sorted(Quote.objects.filter(expense=expense).values_list("supplier", "chosen")) == [
        ("Ferretería El Tubo", True),
        ("Materiales Suchiapa", False),
        ("Tlapalería Centro", False),
    ]
    listing = text(tesorera.get(done.url))
    assert "Tubo de 2 pulgadas" in listing and "3 cotizaciones" in listing


def test_an_expense_below_the_threshold_goes_in_without_quotes(tesorera, committee, media):
    url = f"/cuentas/{committee.pk}/gastos/nuevo/"
    page = text(tesorera.get(url))
    done = tesorera.post(url, {**expense_data(page, "350.00"), "paid_from": "bank"})
    assert done.status_code == 302
    assert Expense.objects.get(record_id=record_id_of(page)).amount == M("350.00")


def test_a_sale_is_quantity_times_price(tesorera, committee):
    url = f"/cuentas/{committee.pk}/ventas/nueva/"
    page = text(tesorera.get(url))
    data = {
        "record_id": record_id_of(page),
        "sold_on": "2026-11-26",
        "product": "jug_20l",
        "quantity": "12",
        "unit_price": "15.50",
    }
    assert tesorera.post(url, data).status_code == 302
    assert tesorera.post(url, data).status_code == 302
    sale = Sale.objects.get(record_id=data["record_id"])
    assert sale.amount == M("186.00") and sale.litres == Decimal("240.0")
    assert "$186.00" in text(tesorera.get(f"/cuentas/{committee.pk}/ventas/"))


def test_the_opening_balance_goes_in_once(tesorera, own_committee):
    url = f"/cuentas/{own_committee.pk}/saldo-inicial/"
    data = {"on": "2026-01-01", "cash": "1,500.00", "bank": "3000", "reserve": ""}
    assert tesorera.post(url, data).status_code == 302
    assert cash.expected_cash(own_committee, D(2026, 1, 1)) == M("1500.00")
    page = tesorera.get(url)
    assert "ya tiene su saldo inicial, del 01/01/2026" in text(page)
    again = tesorera.post(url, data)
    assert again.status_code == 400
    assert cash.expected_cash(own_committee, D(2026, 1, 1)) == M("1500.00")


def test_the_books_page_offers_the_actions_only_to_editors(tesorera, agencia, committee):
    from ojodeagua.conftest import login_client

    page = text(tesorera.get(f"/cuentas/{committee.pk}/"))
    assert f"/cuentas/{committee.pk}/pagos/nuevo/" in page
    assert f"/cuentas/{committee.pk}/caja/corte/" in page
    from ojodeagua.organisations.models import Organisation

    make_viewer("consulta-libros", organisation=Organisation.objects.first(), providers=[committee])
    read_only = text(login_client("consulta-libros").get(f"/cuentas/{committee.pk}/"))
    assert "/pagos/nuevo/" not in read_only
    assert f"/cuentas/{committee.pk}/pagos/" in read_only


# On a phone, with the signal coming and going ------------------------------------------------
@pytest.mark.browser
def test_a_payment_on_a_phone_survives_a_dropped_connection_and_is_recorded_once(
    live_server,
    demo,
    browser,  # noqa: F811
):
    from playwright.sync_api import expect

    from ojodeagua.web.tests.test_browser import PHONE, overflow

    committee = Membership.objects.get(user__username="tesorera").providers.get()
    toma = add_connection(committee, "PZ-9977", number="9977", name=NAME)
    charges.charge_fine(toma, on=D(2026, 1, 5), amount=M("100.00"), description="Cuota")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_label("Usuario").fill("tesorera")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()

    page.goto(f"{live_server.url}/cuentas/{committee.pk}/")
    page.get_by_role("link", name="Anotar un pago").click()
    page.get_by_label("Buscar la toma").fill("9977")
    page.get_by_role("button", name="Buscar").click()
    page.get_by_role("link", name=re.compile("Toma PZ-9977")).click()
    expect(page.get_by_text("Esta toma debe $100.00 de 1 cargo.")).to_be_visible()
    assert overflow(page) <= 0
    bar = page.locator("#offline-bar")
    form = page.locator("#payment-form")

    # The server saves the payment but the answer never reaches the phone: the form waits in
    # the outbox with the same record id, and sending it again records nothing new.
    def lose_the_answer(route):
        if route.request.method == "POST":
            route.fetch()
            route.abort()
        else:
            route.continue_()

    page.route("**/pagos/nuevo/**", lose_the_answer)
    form.get_by_label("Monto que paga ($)").fill("120")
    form.get_by_role("button", name="Anotar el pago y dar recibo").click()
    expect(bar.locator(".outbox")).to_contain_text("Hay 1 cambio sin enviar")
    assert Payment.objects.filter(connection=toma).count() == 1
    page.unroute("**/pagos/nuevo/**")
    bar.get_by_role("button", name="Reintentar").click()
    expect(bar.locator(".done")).to_have_text("Listo: se enviaron los cambios que esperaban.")
    first = Payment.objects.get(connection=toma)
    expect(page.locator("#payment-form")).to_contain_text(
        f"ya estaba anotado con el recibo número {first.receipt_number}"
    )
    assert Payment.objects.filter(connection=toma).count() == 1

    # No signal at all: the payment waits on the phone and goes when the signal returns.
    page.goto(f"{live_server.url}/cuentas/{committee.pk}/pagos/nuevo/?toma={toma.pk}")
    form = page.locator("#payment-form")
    context.set_offline(True)
    form.get_by_label("Monto que paga ($)").fill("50")
    form.get_by_role("button", name="Anotar el pago y dar recibo").click()
    expect(bar.locator(".outbox")).to_contain_text("Hay 1 cambio sin enviar")
    assert Payment.objects.filter(connection=toma).count() == 1
    context.set_offline(False)
    expect(bar.locator(".done")).to_have_text("Listo: se enviaron los cambios que esperaban.")
    assert sorted(Payment.objects.filter(connection=toma).values_list("amount", flat=True)) == [
        M("50.00"),
        M("120.00"),
    ]

    # With signal, the phone goes to the receipt.
    page.goto(f"{live_server.url}/cuentas/{committee.pk}/pagos/nuevo/?toma={toma.pk}")
    page.locator("#payment-form").get_by_label("Monto que paga ($)").fill("30")
    page.get_by_role("button", name="Anotar el pago y dar recibo").click()
    expect(page.locator("h1")).to_contain_text("Recibo número")
    expect(page.get_by_text("treinta pesos 00/100 M.N.")).to_be_visible()
    assert overflow(page) <= 0
    assert Payment.objects.filter(connection=toma).count() == 3
    numbers = list(Payment.objects.filter(connection=toma).values_list("receipt_number", flat=True))
    assert len(set(numbers)) == 3
    context.close()


@pytest.mark.browser
def test_a_waiting_payment_is_recorded_for_its_own_toma_and_never_shown_in_anothers_form(
    live_server,
    demo,
    browser,  # noqa: F811
):
    """Issue 13: a save waiting in the outbox belongs to the record it was made for."""
    from playwright.sync_api import expect

    from ojodeagua.web.tests.test_browser import PHONE

    committee = Membership.objects.get(user__username="tesorera").providers.get()
    first = add_connection(committee, "PZ-9981", number="9981", name=NAME)
    second = add_connection(committee, "PZ-9982", number="9982", name=NAME)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/")
    page.get_by_label("Usuario").fill("tesorera")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    url = f"{live_server.url}/cuentas/{committee.pk}/pagos/nuevo/"
    bar = page.locator("#offline-bar")
    refused = []

    def weak_signal(route):
        # No save gets through while the signal is weak; pages still load.
        if route.request.method == "POST" and refused:
            route.abort()
        else:
            route.continue_()

    page.route("**/pagos/nuevo/**", weak_signal)
    # Waiting payments are sent together to the batch address (issue 15).
    page.route("**/pagos/lote/**", weak_signal)
    refused.append(True)
    page.goto(f"{url}?toma={first.pk}")
    page.locator("#payment-form").get_by_label("Monto que paga ($)").fill("120")
    page.get_by_role("button", name="Anotar el pago y dar recibo").click()
    expect(bar.locator(".outbox")).to_contain_text("Hay 1 cambio sin enviar")

    # The treasurer goes on to the next household and takes its payment.
    page.goto(f"{url}?toma={second.pk}")
    page.locator("#payment-form").get_by_label("Monto que paga ($)").fill("75")
    page.get_by_role("button", name="Anotar el pago y dar recibo").click()
    expect(bar.locator(".outbox")).to_contain_text("Hay 2 cambios sin enviar")
    assert not Payment.objects.filter(connection__in=[first, second]).exists()

    # The signal returns: both go in one request, each is recorded for its own toma, and the
    # first one's answer does not replace the form of the second household, on screen.
    refused.clear()
    bar.get_by_role("button", name="Reintentar").click()
    expect(bar.locator(".done")).to_have_text("Listo: se enviaron los cambios que esperaban.")
    assert list(Payment.objects.filter(connection=first).values_list("amount", flat=True)) == [
        M("120.00")
    ]
    expect(page.locator("#payment-form")).not_to_contain_text("$120.00")
    expect(page.locator("#payment-form")).to_contain_text("por $75.00")
    assert list(Payment.objects.filter(connection=second).values_list("amount", flat=True)) == [
        M("75.00")
    ]
    assert Payment.objects.filter(connection=first).count() == 1
    context.close()
