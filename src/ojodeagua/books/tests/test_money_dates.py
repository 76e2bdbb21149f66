"""One rule for the day money moved, in the books' own functions: not after today, not before
the books could exist. Pages, the API and any import reach money through these functions.

The suite's today is 6 December 2026 (see ``conftest``).
"""

import pytest
from django.core.exceptions import ValidationError

from ojodeagua.books.cash import (
    add_money_account,
    opening_balance,
    record_cash_count,
    record_deposit,
    record_expense,
    record_sale,
)
from ojodeagua.books.charges import charge_fine, credit_charge, generate_charges
from ojodeagua.books.models import Charge, Connection, JournalEntry, Signer
from ojodeagua.books.payments import record_payment, void_payment
from ojodeagua.books.tests.factories import D, charged_tomas, make_committee

TODAY = D(2026, 12, 6)
TOMORROW = D(2026, 12, 7)
LONG_AGO = D(1900, 3, 5)


@pytest.fixture
def committee(db):
    provider = make_committee("Comité de las fechas")
    charged_tomas(provider, ["T-01"])
    opening_balance(provider, cash="1000", on=D(2026, 1, 1))
    return provider


def writers(provider):
    """Each function that writes money, with the day it is given."""
    toma = Connection.objects.get(provider=provider)
    account = add_money_account(provider, institution="Caja Popular", kind="cooperative")
    return {
        "pago": lambda day: record_payment(
            provider, record_id=None, amount="10", paid_on=day, connection=toma
        ),
        "corte": lambda day: record_cash_count(
            provider,
            counted_on=day,
            counted="0",
            first_signer=Signer.TREASURER,
            second_signer=Signer.VIGILANCE,
        ),
        "depósito": lambda day: record_deposit(
            provider, account=account, deposited_on=day, amount="10"
        ),
        "gasto": lambda day: record_expense(
            provider,
            spent_on=day,
            category="chlorine",
            amount="10",
            supplier="Farmacia",
            description="Cloro",
        ),
        "venta": lambda day: record_sale(
            provider, sold_on=day, product="jug_20l", quantity="1", unit_price="10"
        ),
        "multa": lambda day: charge_fine(toma, on=day, amount="10"),
    }


KINDS = ["pago", "corte", "depósito", "gasto", "venta", "multa"]


@pytest.mark.parametrize("kind", KINDS)
def test_money_dated_tomorrow_is_refused_and_nothing_is_posted(committee, kind):
    posted = JournalEntry.objects.filter(provider=committee).count()
    with pytest.raises(ValidationError, match="no puede ser posterior a hoy"):
        writers(committee)[kind](TOMORROW)
    assert JournalEntry.objects.filter(provider=committee).count() == posted


@pytest.mark.parametrize("kind", KINDS)
def test_money_dated_in_1900_is_refused_as_a_mistyped_year(committee, kind):
    with pytest.raises(ValidationError, match=r"\(05/03/1900\) es demasiado antigua"):
        writers(committee)[kind](LONG_AGO)


@pytest.mark.parametrize("kind", KINDS)
def test_money_dated_today_goes_in(committee, kind):
    writers(committee)[kind](TODAY)


def test_a_receipt_cannot_be_voided_or_a_charge_credited_on_a_later_day_than_today(committee):
    payment, _created = record_payment(
        committee, record_id="r1", amount="10", paid_on=TODAY, connection=None, concept="Donativo"
    )
    with pytest.raises(ValidationError, match="cancelación no puede ser posterior a hoy"):
        void_payment(payment, "Repetido", on=TOMORROW)
    charge = Charge.objects.filter(provider=committee).first()
    with pytest.raises(ValidationError, match="corrección no puede ser posterior a hoy"):
        credit_charge(charge, "No le tocaba", on=TOMORROW)
    void_payment(payment, "Repetido", on=TODAY)


def test_the_opening_balance_follows_the_same_rule(db):
    provider = make_committee("Comité que empieza")
    with pytest.raises(ValidationError, match="demasiado antigua"):
        opening_balance(provider, cash="100", on=LONG_AGO)
    with pytest.raises(ValidationError, match="no puede ser posterior a hoy"):
        opening_balance(provider, cash="100", on=TOMORROW)


def test_a_month_may_be_charged_ahead_but_not_before_the_books_could_exist(committee):
    assert generate_charges(committee, D(2027, 1, 1))
    with pytest.raises(ValidationError, match="demasiado antigua"):
        generate_charges(committee, D(1900, 1, 1))
