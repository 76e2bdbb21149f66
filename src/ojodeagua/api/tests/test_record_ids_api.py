"""Fines, credits and bank accounts come back through the API with the record id they were made
with, so a phone can tell which of its records the server already holds."""

import pytest

from ojodeagua.api.tests.test_books_api import api
from ojodeagua.books import cash, charges
from ojodeagua.books.tests.factories import (
    D,
    add_connection,
    committee_reached_by,
)


@pytest.fixture
def committee(db):
    return committee_reached_by("Comité de Agua de los Identificadores (API)", "tesorera")


def test_a_fine_its_credit_and_an_account_are_read_back_with_their_record_ids(committee):
    toma = add_connection(committee, "API-1")
    for _resend in range(2):
        fine = charges.charge_fine(toma, on=D(2026, 3, 7), amount="150", record_id="phone-fine")
        charges.credit_charge(fine, "No le tocaba faena", record_id="phone-credit")
        cash.add_money_account(
            committee, institution="Caja Solidaria", kind="cooperative", record_id="phone-account"
        )
    client = api("tesorera")

    charged = client.get("/api/v1/charges/", {"provider": committee.pk}).json()["results"]
    accounts = client.get("/api/v1/money-accounts/", {"provider": committee.pk}).json()["results"]

    assert [(row["record_id"], row["kind"], row["amount"]) for row in charged] == [
        ("phone-fine", "fine", "150.00"),
        ("phone-credit", "credit", "-150.00"),
    ]
    assert [(row["record_id"], row["institution"]) for row in accounts] == [
        ("phone-account", "Caja Solidaria")
    ]
