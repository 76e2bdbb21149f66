"""Receipts: the amount in words, the small PDF, four to an A4 page, names only for the
committee."""

import io
import re

import pytest
from django.contrib.auth.models import User
from pypdf import PdfReader

from ojodeagua.books.entry_views import amount_in_words
from ojodeagua.books.payments import record_payment, void_payment
from ojodeagua.books.tests.factories import D, M, add_connection
from ojodeagua.organisations.models import Membership

NAME = "Hermelinda Cruz Vázquez"
# PDF points: A4 is 595 × 842, A6 is 298 × 420.
A4 = (595, 842)
A6 = (298, 420)


@pytest.mark.parametrize(
    "amount, words",
    [
        ("120", "ciento veinte pesos 00/100 M.N."),
        ("0.50", "cero pesos 50/100 M.N."),
        ("1", "un peso 00/100 M.N."),
        ("15", "quince pesos 00/100 M.N."),
        ("16", "dieciséis pesos 00/100 M.N."),
        ("21", "veintiún pesos 00/100 M.N."),
        ("22.05", "veintidós pesos 05/100 M.N."),
        ("31", "treinta y un pesos 00/100 M.N."),
        ("100", "cien pesos 00/100 M.N."),
        ("101", "ciento un pesos 00/100 M.N."),
        ("500", "quinientos pesos 00/100 M.N."),
        ("999.99", "novecientos noventa y nueve pesos 99/100 M.N."),
        ("1000", "mil pesos 00/100 M.N."),
        ("1500.50", "mil quinientos pesos 50/100 M.N."),
        ("2001", "dos mil un pesos 00/100 M.N."),
        ("21000", "veintiún mil pesos 00/100 M.N."),
        ("100000", "cien mil pesos 00/100 M.N."),
        ("745310.10", "setecientos cuarenta y cinco mil trescientos diez pesos 10/100 M.N."),
        ("1000000", "un millón de pesos 00/100 M.N."),
        ("2000000", "dos millones de pesos 00/100 M.N."),
        ("1250000.05", "un millón doscientos cincuenta mil pesos 05/100 M.N."),
        ("3000001", "tres millones un pesos 00/100 M.N."),
        ("1000000000", "mil millones de pesos 00/100 M.N."),
    ],
)
def test_amounts_in_words(amount, words):
    assert amount_in_words(M(amount)) == words


def test_a_negative_amount_has_no_words():
    with pytest.raises(ValueError):
        amount_in_words(M("-1"))


@pytest.fixture
def committee(db):
    return Membership.objects.get(user__username="tesorera").providers.get()


@pytest.fixture
def toma(committee):
    return add_connection(committee, "RC-9902", number="9902", name=NAME)


def pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, " ".join(re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages)


def size(page) -> tuple[int, int]:
    return round(float(page.mediabox.width)), round(float(page.mediabox.height))


def test_the_receipt_pdf_has_the_number_the_amount_in_words_and_the_name(tesorera, committee, toma):
    payment, _ = record_payment(
        committee,
        record_id=None,
        amount="120",
        paid_on=D(2026, 3, 10),
        connection=toma,
        concept="Cuota de marzo",
        user=User.objects.get(username="tesorera"),
    )
    response = tesorera.get(f"/cuentas/{committee.pk}/recibos/{payment.receipt_number}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    reader, text = pdf_text(response.content)
    assert len(reader.pages) == 1 and size(reader.pages[0]) == A6
    assert f"Recibo núm. {payment.receipt_number}" in text
    assert "ciento veinte pesos 00/100 M.N." in text
    assert "$120.00" in text and "RC-9902" in text and "Cuota de marzo" in text
    assert NAME in text  # the committee prints it for the household
    assert "tesorera (integrante de comité)" in text


def test_the_agency_prints_receipts_without_names(agencia, committee, toma):
    payment, _ = record_payment(
        committee, record_id=None, amount="75.50", paid_on=D(2026, 3, 10), connection=toma
    )
    response = agencia.get(f"/cuentas/{committee.pk}/recibos/{payment.receipt_number}/pdf/")
    _reader, text = pdf_text(response.content)
    assert "setenta y cinco pesos 50/100 M.N." in text
    assert "Hermelinda" not in text
    assert (
        "Hermelinda"
        not in agencia.get(
            f"/cuentas/{committee.pk}/recibos/{payment.receipt_number}/"
        ).content.decode()
    )


def test_a_voided_receipt_prints_cancelled_with_its_reason(tesorera, committee, toma):
    payment, _ = record_payment(
        committee, record_id=None, amount="40", paid_on=D(2026, 3, 10), connection=toma
    )
    void_payment(payment, "Se cobró a la toma equivocada", None, D(2026, 3, 11))
    response = tesorera.get(f"/cuentas/{committee.pk}/recibos/{payment.receipt_number}/pdf/")
    _reader, text = pdf_text(response.content)
    assert "CANCELADO" in text and "Se cobró a la toma equivocada" in text


def test_four_receipts_fit_one_a4_page(tesorera, committee, toma):
    made = [
        record_payment(
            committee, record_id=None, amount=amount, paid_on=D(2026, 4, day), connection=toma
        )[0]
        for day, amount in ((1, "10"), (2, "20"), (3, "30"), (4, "40"))
    ]
    numbers = [p.receipt_number for p in made]
    response = tesorera.get(
        f"/cuentas/{committee.pk}/recibos/imprimir/",
        {"numeros": f"{numbers[0]}-{numbers[2]}, {numbers[3]}"},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader, text = pdf_text(response.content)
    assert len(reader.pages) == 1 and size(reader.pages[0]) == A4
    assert text.count("Recibo núm.") == 4
    for number in numbers:
        assert f"Recibo núm. {number}" in text
    for words in ("diez pesos", "veinte pesos", "treinta pesos", "cuarenta pesos"):
        assert words in text

    # By the days they were paid: one more receipt makes a second page.
    record_payment(committee, record_id=None, amount="50", paid_on=D(2026, 4, 5), connection=toma)
    by_days = tesorera.get(
        f"/cuentas/{committee.pk}/recibos/imprimir/", {"desde": "2026-04-01", "hasta": "2026-04-05"}
    )
    reader, text = pdf_text(by_days.content)
    assert len(reader.pages) >= 2 and text.count("Recibo núm.") >= 5
    assert "cincuenta pesos" in text


def test_the_sheet_asks_for_numbers_or_days(tesorera, committee):
    url = f"/cuentas/{committee.pk}/recibos/imprimir/"
    assert tesorera.get(url).status_code == 200
    wrong = tesorera.get(url, {"numeros": "12, doce"})
    assert wrong.status_code == 400
    assert "«doce» no es un número de recibo" in wrong.content.decode()
    none = tesorera.get(url, {"numeros": "999999"})
    assert none.status_code == 400
    assert "No hay recibos con esos números" in none.content.decode()
