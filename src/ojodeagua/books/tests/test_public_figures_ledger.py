"""The public accounts say what was charged and what came in, apart, each equal to the ledger.

A committee's books are built through the books' own services (monthly fees, a fine, a new
connection's fee, payments in cash and by transfer, a payment without a toma, a voided receipt
and a corrected charge). Each figure on the public page and in the assembly report (its page
and its PDF) is then held against sums of the journal lines by account, computed here.
"""

import html
import io
import re
from decimal import Decimal

import pypdf
import pytest
from django.db.models import Count, Sum
from django.test import Client

from ojodeagua.books import charges
from ojodeagua.books.cash import record_sale
from ojodeagua.books.models import Account, Charge, JournalLine, Payment, PaymentAllocation
from ojodeagua.books.payments import record_payment, void_payment
from ojodeagua.books.tests.factories import D, add_connection, add_tariff, make_committee
from ojodeagua.books.transparency import publish_report
from ojodeagua.lib.money import mxn
from ojodeagua.providers.models import Provider

START, END = D(2026, 1, 1), D(2026, 3, 31)


@pytest.fixture
def committee(db):
    provider = make_committee("Comité de Cuentas Claras")
    add_tariff(provider, "100.00", D(2026, 1, 1))
    tomas = {code: add_connection(provider, code) for code in "ABC"}
    for month in (1, 2, 3):
        charges.generate_charges(provider, D(2026, month, 1))
    charges.charge_fine(tomas["A"], on=D(2026, 2, 10), amount="50.00", description="Faena")
    charges.charge_connection_fee(
        tomas["C"], on=D(2026, 1, 5), amount="500.00", description="Toma nueva"
    )
    record_payment(
        provider, record_id=None, amount="150.00", paid_on=D(2026, 2, 12), connection=tomas["A"]
    )
    record_payment(
        provider,
        record_id=None,
        amount="600.00",
        paid_on=D(2026, 1, 20),
        connection=tomas["C"],
        method=Payment.Method.TRANSFER,
    )
    voided, _ = record_payment(
        provider, record_id=None, amount="200.00", paid_on=D(2026, 3, 2), connection=tomas["B"]
    )
    void_payment(voided, "Se anotó en la toma equivocada", on=D(2026, 3, 3))
    record_payment(
        provider, record_id=None, amount="100.00", paid_on=D(2026, 3, 4), connection=tomas["B"]
    )
    record_payment(
        provider, record_id=None, amount="30.00", paid_on=D(2026, 3, 5), concept="Donativo"
    )
    march_fee = Charge.objects.get(connection=tomas["C"], period=D(2026, 3, 1))
    charges.credit_charge(march_fee, "La toma estuvo cortada en marzo", on=D(2026, 3, 6))
    record_sale(provider, sold_on=D(2026, 3, 8), product="jug_20l", quantity=2, unit_price="15.00")
    return provider


def ledger_sums(provider) -> dict[str, Decimal]:
    """Debit − credit of the period's journal lines, by account."""
    return {
        row["account"]: (row["d"] or 0) - (row["c"] or 0)
        for row in JournalLine.objects.filter(
            entry__provider=provider, entry__entry_date__gte=START, entry__entry_date__lte=END
        )
        .values("account")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    }


def expected(provider) -> dict[str, str]:
    by_account = ledger_sums(provider)
    income = {
        account: -by_account.get(account, Decimal(0))
        for account in (
            Account.INCOME_FEES,
            Account.INCOME_CONNECTIONS,
            Account.INCOME_FINES,
            Account.INCOME_SALES,
            Account.INCOME_OTHER,
        )
    }
    charged = income[Account.INCOME_FEES] + income[Account.INCOME_CONNECTIONS]
    charged += income[Account.INCOME_FINES]
    # Charges raise the receivable, payments lower it: what it did not grow by was paid.
    paid = charged - by_account.get(Account.RECEIVABLE, Decimal(0))
    came_in = paid + income[Account.INCOME_SALES] + income[Account.INCOME_OTHER]
    # Collection, as the indicators count it: of the charges for the period's months, what
    # receipts that were not voided settled.
    of_months = Charge.objects.filter(provider=provider, period__gte=START, period__lte=END)
    charged_for_months = of_months.aggregate(total=Sum("amount"))["total"]
    collected = PaymentAllocation.objects.filter(
        charge__in=of_months, payment__void__isnull=True
    ).aggregate(total=Sum("amount"))["total"]
    return {
        "charged": mxn(charged),
        "came-in": mxn(came_in),
        "paid": mxn(paid),
        "rate": f"{(collected / charged_for_months * 100).quantize(Decimal('0.1'))} %",
        "charged-for-months": mxn(charged_for_months),
        "collected": mxn(collected),
        "fees": mxn(income[Account.INCOME_FEES]),
        "connections": mxn(income[Account.INCOME_CONNECTIONS]),
        "fines": mxn(income[Account.INCOME_FINES]),
        "sold": mxn(income[Account.INCOME_SALES]),
        "other": mxn(income[Account.INCOME_OTHER]),
    }


def figure(page: str, name: str) -> str:
    """The number of the figure marked ``data-figure="name"``."""
    found = re.search(rf'data-figure="{name}"><strong>([^<]*)</strong>', page)
    assert found, name
    return html.unescape(found.group(1)).strip()


def sentence(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">(.*?)</li>', page, re.S)
    assert found, name
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def test_the_hand_count_of_these_books(committee):
    # Fees 9 × 100 less the 100 credited; a 50 fine; a 500 connection fee.
    # Paid: 150 + 600 + 100 (the 200 was voided); 30 without a toma; 30 of sales.
    assert expected(committee) == {
        "charged": "$1,350.00",
        "came-in": "$910.00",
        "paid": "$850.00",
        "rate": "63.0 %",
        "charged-for-months": "$1,350.00",
        "collected": "$850.00",
        "fees": "$800.00",
        "connections": "$500.00",
        "fines": "$50.00",
        "sold": "$30.00",
        "other": "$30.00",
    }


def assert_figures_match_the_ledger(page: str, want: dict[str, str]) -> None:
    assert figure(page, "charged") == want["charged"]
    assert figure(page, "came-in") == want["came-in"]
    assert figure(page, "rate") == want["rate"]
    charged = sentence(page, "charged-sentence")
    for label, key in (("cuotas", "fees"), ("tomas nuevas", "connections"), ("multas", "fines")):
        assert f"{label}: {want[key]}" in charged
    collected = sentence(page, "collected-sentence")
    for key in ("charged-for-months", "collected", "rate"):
        assert want[key] in collected, key
    assert "cuotas, tomas nuevas y multas" in collected
    came_in = sentence(page, "came-in-sentence")
    for key in ("came-in", "paid", "sold", "other"):
        assert want[key] in came_in
    # What was charged is never called what came in.
    assert "entró" not in re.sub(r"entró de verdad", "", page)


def test_the_public_page_says_what_was_charged_and_what_came_in(committee, settings):
    settings.LANGUAGE_CODE = "es"
    want = expected(committee)
    page = Client().get(f"/transparencia/{committee.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200
    # The public page shows the last 12 whole months, which hold this period whole.
    assert_figures_match_the_ledger(page.content.decode(), want)


def test_the_assembly_report_says_the_same_as_the_ledger(committee):
    want = expected(committee)
    report = publish_report(committee, START, END, D(2026, 4, 7))
    anyone = Client(HTTP_ACCEPT_LANGUAGE="es")
    base = f"/transparencia/{committee.pk}/informes/{report.pk}/"
    assert_figures_match_the_ledger(anyone.get(base).content.decode(), want)
    for size in ("carta", "cartel"):
        pdf = anyone.get(base + f"informe.pdf?formato={size}")
        text = " ".join(
            page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages
        )
        text = re.sub(r"\s+", " ", text)
        for key in ("charged", "came-in", "collected", "fees", "connections", "fines"):
            assert want[key] in text, (size, key)
        assert "de lo cargado por cuotas, tomas nuevas y multas" in text


def test_the_assembly_poster_is_one_eleven_by_seventeen_inch_sheet(committee):
    report = publish_report(committee, START, END, D(2026, 4, 7))
    pdf = Client().get(
        f"/transparencia/{committee.pk}/informes/{report.pk}/informe.pdf?formato=cartel"
    )
    pages = pypdf.PdfReader(io.BytesIO(pdf.content)).pages
    assert len(pages) == 1
    box = pages[0].mediabox
    # 11 × 17 in at 72 points an inch.
    assert (round(float(box.width)), round(float(box.height))) == (792, 1224)


def test_a_full_years_poster_of_a_demo_committee_fits_its_sheet(db):
    """A demo committee's year: every income and most expense accounts have a row."""
    provider = (
        JournalLine.objects.filter(account__startswith="expense_")
        .values("entry__provider")
        .annotate(accounts=Count("account", distinct=True))
        .order_by("-accounts", "entry__provider")
        .first()
    )
    committee = Provider.objects.get(pk=provider["entry__provider"])
    report = publish_report(committee, D(2025, 11, 1), D(2026, 10, 31), D(2026, 11, 20))
    assert len(report.figures["expenses"]) >= 4
    pdf = Client().get(
        f"/transparencia/{committee.pk}/informes/{report.pk}/informe.pdf?formato=cartel"
    )
    pages = pypdf.PdfReader(io.BytesIO(pdf.content)).pages
    assert len(pages) == 1
    assert (round(float(pages[0].mediabox.width)), round(float(pages[0].mediabox.height))) == (
        792,
        1224,
    )
