"""The public accounts: hand-counted figures, no names anywhere, tampering shown, hashes checked."""

import datetime
import io
from decimal import Decimal

import pypdf
import pytest
from django.db import connection
from django.test import Client

from ojodeagua.books import kept
from ojodeagua.books.ledger import credit, debit, post_entry
from ojodeagua.books.models import (
    Account,
    AssemblyReport,
    Charge,
    JournalLine,
    Payment,
    PaymentAllocation,
)
from ojodeagua.books.tests.factories import add_connection, make_committee
from ojodeagua.books.tests.tampering import database_administrator
from ojodeagua.books.transparency import publish_report

D = datetime.date
M = Decimal
NAMES = ["María Pérez Gómez", "Juan López Sántiz"]


@pytest.fixture
def books(db):
    """Two households; January fees of $100 each, one paid; $40 of chlorine; a reserve."""
    provider = make_committee("Comité de Agua Transparente")
    post_entry(
        provider.pk,
        D(2025, 12, 31),
        "Saldo inicial",
        [debit(Account.RESERVE, M("300")), credit(Account.OPENING, M("300"))],
    )
    for number, name in enumerate(NAMES, start=1):
        toma = add_connection(provider, f"T{number}", number=str(number), name=name)
        charge = Charge.objects.create(
            provider=provider,
            connection=toma,
            period=D(2026, 1, 1),
            kind="monthly_fee",
            amount=M("100"),
        )
        post_entry(
            provider.pk,
            D(2026, 1, 1),
            "Cuota de enero",
            [debit(Account.RECEIVABLE, M("100"), toma.pk), credit(Account.INCOME_FEES, M("100"))],
            source=f"books.charge:{charge.pk}",
        )
        if number == 1:
            payment = Payment.objects.create(
                provider=provider,
                receipt_number=1,
                connection=toma,
                paid_on=D(2026, 1, 10),
                amount=M("100"),
            )
            PaymentAllocation.objects.create(payment=payment, charge=charge, amount=M("100"))
            post_entry(
                provider.pk,
                D(2026, 1, 10),
                "Recibo 1",
                [debit(Account.CASH, M("100")), credit(Account.RECEIVABLE, M("100"), toma.pk)],
                source=f"books.payment:{payment.pk}",
            )
    post_entry(
        provider.pk,
        D(2026, 1, 20),
        "Cloro",
        [debit(Account.EXPENSE_CHLORINE, M("40")), credit(Account.CASH, M("40"))],
    )
    # Written behind the posting code: fill the figures it keeps, as the migration did.
    kept.rebuild([provider.pk])
    return provider


def test_the_figures_match_the_hand_count(books):
    from ojodeagua.books.transparency import public_figures

    figures = public_figures(books, D(2026, 1, 1), D(2026, 12, 31))
    assert (figures.income_total, figures.expenses_total, figures.result) == (
        "200.00",
        "40.00",
        "160.00",
    )
    assert (figures.cash, figures.bank, figures.reserve, figures.balance) == (
        "60.00",
        "0.00",
        "300.00",
        "360.00",
    )
    assert (figures.charged, figures.collected, figures.collection_rate) == (
        "200.00",
        "100.00",
        "50.0",
    )
    # $40 of spending over 12 months is $3.33 a month: the reserve lasts 90 months.
    assert figures.reserve_months == "90.0"


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_public_page_and_its_reports_carry_no_names(books):
    report = publish_report(books, D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 7))
    anyone = Client()
    page = anyone.get(f"/transparencia/{books.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Comité de Agua Transparente" in html and report.head_hash in html
    printed = [
        anyone.get(f"/transparencia/{books.pk}/informes/{report.pk}/informe.pdf?formato={size}")
        for size in ("carta", "cartel")
    ]
    assert all(response["Content-Type"] == "application/pdf" for response in printed)
    texts = [pdf_text(response.content) for response in printed]
    for name in NAMES:
        assert name not in html
        for text in texts:
            assert name not in text
    for text in texts:
        assert report.head_hash[:16] in text.replace("\n", "")
    assert anyone.get(f"/transparencia/{books.pk}/informes/{report.pk}/").status_code == 200


def test_a_printed_hash_is_checked_against_the_live_books(books):
    report = publish_report(books, D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 7))
    anyone = Client()
    good = anyone.get(f"/transparencia/{books.pk}/", {"huella": report.head_hash.upper()})
    assert "Coincide" in good.content.decode()
    bad = anyone.get(f"/transparencia/{books.pk}/", {"huella": "ab" * 32})
    assert "No coincide" in bad.content.decode()
    assert "Esa huella no está en las cuentas" in bad.content.decode()


def test_an_amount_changed_in_the_database_shows_on_the_public_page(books):
    report = publish_report(books, D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 7))
    line = JournalLine.objects.filter(entry__provider=books, account=Account.EXPENSE_CHLORINE).get()
    with database_administrator(), connection.cursor() as cursor:
        for side in ("debit", "credit"):
            cursor.execute(
                f"UPDATE {JournalLine._meta.db_table} SET {side} = %s "
                f"WHERE entry_id = %s AND {side} > 0",
                ["4.00", line.entry_id],
            )
    page = Client().get(f"/transparencia/{books.pk}/", {"huella": report.head_hash})
    html = page.content.decode()
    assert "Las cuentas se alteraron" in html
    assert f"El asiento {line.entry.sequence}:" in html
    assert "No coincide" in html


def test_only_who_may_edit_the_committee_publishes_a_report(books, tesorera):
    response = tesorera.post(
        f"/transparencia/{books.pk}/publicar/",
        {"desde": "2026-01-01", "hasta": "2026-01-31", "asamblea": "2026-02-07"},
    )
    assert response.status_code == 404
    assert not AssemblyReport.objects.filter(provider=books).exists()
