"""The committee's books page: balances, who owes, receipts; names only for the committee."""

import datetime
from decimal import Decimal

import pytest

from ojodeagua.books.ledger import credit, debit, post_entry
from ojodeagua.books.models import Account, Charge, Connection, Household, Payment
from ojodeagua.books.tests.builders import treasurers_new_committee
from ojodeagua.organisations.models import Membership

D = datetime.date


@pytest.fixture
def books(db):
    provider = treasurers_new_committee()
    home = Household.objects.create(
        provider=provider, number="9", name="Guadalupe Díaz Méndez", locality=provider.locality
    )
    toma = Connection.objects.create(provider=provider, household=home, code="T-9")
    for month in (7, 8):
        Charge.objects.create(
            provider=provider,
            connection=toma,
            period=D(2026, month, 1),
            kind="monthly_fee",
            amount=Decimal("60"),
        )
    Payment.objects.create(
        provider=provider,
        receipt_number=1,
        connection=toma,
        paid_on=D(2026, 9, 1),
        amount=Decimal("25"),
    )
    post_entry(
        provider.pk,
        D(2026, 9, 1),
        "Recibo 1",
        [debit(Account.CASH, Decimal("25")), credit(Account.INCOME_FEES, Decimal("25"))],
    )
    return provider


def test_the_treasurer_sees_balances_debtors_and_names(tesorera, books):
    page = tesorera.get(f"/cuentas/{books.pk}/").content.decode()
    assert "$25.00" in page  # in cash
    assert "T-9" in page and "$120.00" in page  # two months of $60, nothing allocated
    assert "Guadalupe Díaz Méndez" in page
    assert "Recibo 1" in page


def test_the_agency_sees_the_books_without_names(agencia, books):
    page = agencia.get(f"/cuentas/{books.pk}/").content.decode()
    assert "T-9" in page
    assert "Guadalupe" not in page


def test_another_committee_cannot_open_these_books(books):
    from ojodeagua.conftest import login_client

    other = (
        Membership.objects.get(user__username="ong")
        .providers.exclude(
            pk__in=Membership.objects.get(user__username="tesorera").providers.values("pk")
        )
        .first()
    )
    assert login_client("tesorera").get(f"/cuentas/{other.pk}/").status_code == 404
