"""The committee's books page: balances, who owes, receipts; names only for the committee."""

import datetime
from decimal import Decimal

import pytest

from ojodeagua.books import kept
from ojodeagua.books.ledger import credit, debit, post_entry
from ojodeagua.books.models import Account, Charge, Payment
from ojodeagua.books.tests.factories import add_connection, treasurers_new_committee
from ojodeagua.organisations.models import Membership

D = datetime.date


@pytest.fixture
def books(db):
    provider = treasurers_new_committee()
    toma = add_connection(provider, "T-9", number="9", name="Guadalupe Díaz Méndez")
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
    # Written behind the posting code: fill the figures it keeps, as the migration did.
    kept.rebuild([provider.pk])
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


def test_who_owes_counts_only_what_is_left_most_owed_first(db):
    from ojodeagua.books.charges import generate_charges
    from ojodeagua.books.desk import largest_debts
    from ojodeagua.books.payments import record_payment
    from ojodeagua.books.tests.factories import add_tariff

    provider = treasurers_new_committee()
    add_tariff(provider, "50.00", D(2026, 8, 1))
    paid_up, part, _owes_all = (add_connection(provider, code) for code in ("A-1", "B-2", "C-3"))
    for month in (8, 9, 10):
        generate_charges(provider, D(2026, month, 1))
    record_payment(
        provider, record_id="all", amount="150", paid_on=D(2026, 10, 5), connection=paid_up
    )
    record_payment(provider, record_id="part", amount="70", paid_on=D(2026, 10, 5), connection=part)
    rows, owing, _total = largest_debts([provider.pk], D(2026, 11, 27))[provider.pk]
    assert owing == 2
    assert [(r.connection.code, r.amount, r.months, r.oldest) for r in rows] == [
        ("C-3", Decimal("150.00"), 3, D(2026, 8, 1)),
        ("B-2", Decimal("80.00"), 2, D(2026, 9, 1)),
    ]
    # November's own charge is not yet owed in November.
    generate_charges(provider, D(2026, 11, 1))
    rows, _owing, _total = largest_debts([provider.pk], D(2026, 11, 27))[provider.pk]
    assert rows[0].amount == Decimal("150.00")


def test_a_kiosks_books_are_about_sales_not_tomas(ong, tesorera, books):
    """A women's kiosk sells jugs: no monthly charges, fines, new tomas or tomas that owe."""
    kiosk = Membership.objects.get(user__username="ong").providers.filter(kind="kiosk").first()
    page = ong.get(f"/cuentas/{kiosk.pk}/").content.decode()
    assert "Anotar una venta" in page and "Anotar un gasto" in page
    for committee_only in ("Cargos del mes", "Multa", "Toma nueva", "Quién debe", "deben meses"):
        assert committee_only not in page, committee_only
    assert "Anotar un pago" not in page
    committee = tesorera.get(f"/cuentas/{books.pk}/").content.decode()
    for action in ("Anotar un pago", "Cargos del mes", "Multa", "Toma nueva", "Quién debe"):
        assert action in committee, action
    assert "Anotar una venta" not in committee


def test_a_kiosks_books_count_its_sales_where_a_committee_counts_receipts(ong, books):
    """A kiosk gives no numbered receipts: the page counts this month's sales and lists the
    latest ones, instead of saying there are no receipts."""
    from django.utils import timezone

    from ojodeagua.books.cash import record_sale
    from ojodeagua.providers.tests.factories import make_provider, reached_by

    today = timezone.localdate()
    kiosk = reached_by(make_provider("Kiosco de la página (prueba)", "kiosk"), "ong")
    jugs = {"product": "jug_20l", "unit_price": Decimal("14")}
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    record_sale(kiosk, sold_on=last_month, quantity=Decimal("40"), **jugs)
    record_sale(kiosk, sold_on=today.replace(day=1), quantity=Decimal("25"), **jugs)
    record_sale(kiosk, sold_on=today, quantity=Decimal("30"), **jugs)
    page = ong.get(f"/cuentas/{kiosk.pk}/").content.decode()
    assert "<strong>2</strong>ventas este mes ($770.00)" in page
    latest = page[page.index("Últimas ventas") :]
    assert f"{today:%d/%m/%Y}</strong> · 30 × garrafón de 20 litros · $420.00" in latest
    assert f"{last_month:%d/%m/%Y}</strong> · 40 × garrafón de 20 litros · $560.00" in latest
    for receipts_words in ("recibos este mes", "Últimos recibos", "Todavía no hay recibos"):
        assert receipts_words not in page, receipts_words
    committee = ong.get(f"/cuentas/{books.pk}/").content.decode()
    assert "recibos este mes" in committee and "Últimos recibos" in committee
    assert "ventas este mes" not in committee and "Últimas ventas" not in committee
