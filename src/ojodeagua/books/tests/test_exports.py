"""Downloads of the books: scoped, complete, and without the padrón's names."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from ojodeagua.books.ledger import credit, debit, post_entry
from ojodeagua.books.models import Account, Connection, Household, Payment, PaymentVoid
from ojodeagua.books.tests.factories import treasurers_new_committee
from ojodeagua.organisations.models import Membership

D = datetime.date


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def own_books(db):
    provider = treasurers_new_committee()
    home = Household.objects.create(
        provider=provider, number="77", name="Rosa Hernández Ruiz", locality=provider.locality
    )
    toma = Connection.objects.create(provider=provider, household=home, code="T-77")
    for number in (1, 2):
        payment = Payment.objects.create(
            provider=provider,
            receipt_number=number,
            connection=toma,
            paid_on=D(2026, 10, number),
            amount=Decimal("80"),
        )
        post_entry(
            provider.pk,
            payment.paid_on,
            f"Recibo {number}",
            [debit(Account.CASH, Decimal("80")), credit(Account.INCOME_FEES, Decimal("80"))],
        )
    PaymentVoid.objects.create(payment=payment, reason="Duplicado", voided_on=D(2026, 10, 3))
    return provider


def test_the_treasurer_downloads_her_payments_and_journal_without_names(tesorera, own_books):
    payments = body(tesorera.get(f"/cuentas/{own_books.pk}/exportar/pagos.csv"))
    lines = payments.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("\ufeffrecibo,fecha,toma")
    assert lines[2].startswith("2,2026-10-02,T-77,80.00") and "Duplicado" in lines[2]
    journal = body(tesorera.get(f"/cuentas/{own_books.pk}/exportar/asientos.csv"))
    assert journal.count("\n") == 5  # header and two lines for each of the two entries
    for text in (payments, journal):
        assert "Rosa Hernández" not in text


def test_the_xlsx_opens_with_the_same_rows(tesorera, own_books):
    response = tesorera.get(f"/cuentas/{own_books.pk}/exportar/pagos.xlsx")
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["recibo", 1, 2]


def test_another_committees_books_are_out_of_reach(tesorera, own_books):
    other = (
        Membership.objects.get(user__username="ong")
        .providers.exclude(
            pk__in=Membership.objects.get(user__username="tesorera").providers.values("pk")
        )
        .first()
    )
    assert tesorera.get(f"/cuentas/{other.pk}/exportar/pagos.csv").status_code == 404
    assert tesorera.get(f"/cuentas/{own_books.pk}/exportar/pagos.pdf").status_code == 404
    assert tesorera.get(f"/cuentas/{own_books.pk}/exportar/hogares.csv").status_code == 404
