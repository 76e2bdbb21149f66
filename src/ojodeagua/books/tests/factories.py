"""Books records for domain tests: a committee of our own, its padrón, tariffs, charges, payments.

Registry rows are made by hand (``providers.tests.factories``); everything that the books' own
write functions can make (charges, payments) goes through them, so the ledger entries, receipt
numbers and audit events are the real ones.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from ojodeagua.books.charges import generate_charges
from ojodeagua.books.models import Connection, ExemptionRule, Household, Payment, Tariff
from ojodeagua.books.payments import record_payment
from ojodeagua.providers.models import Provider
from ojodeagua.providers.tests.factories import (
    committee_reached_by,
    make_committee,
    make_place,
    make_provider,
)

__all__ = [
    "D",
    "M",
    "add_connection",
    "add_household",
    "add_rule",
    "add_tariff",
    "charged_tomas",
    "committee_reached_by",
    "make_committee",
    "make_place",
    "make_provider",
    "pay",
    "treasurers_new_committee",
]

D = datetime.date
M = Decimal
RULES_APPROVED_ON = D(2025, 12, 1)


def add_household(
    provider: Provider,
    number: str,
    name: str | None = None,
    *,
    people: int | None = 4,
    code: str | None = None,
    **toma_fields,
) -> Household:
    """Household ``number`` of the padrón ("Familia <number>", 4 people by default) in the
    provider's locality, with its toma ``code`` if given (status, exemption… by keyword)."""
    household = Household.objects.create(
        provider=provider,
        number=number,
        name=name or f"Familia {number}",
        locality=provider.locality or make_place(),
        people=people,
    )
    if code:
        add_connection(provider, code, household=household, **toma_fields)
    return household


def add_connection(
    provider: Provider,
    code: str,
    *,
    household: Household | None = None,
    number: str | None = None,
    name: str | None = None,
    **fields,
) -> Connection:
    """A toma ``code`` of ``household``, or of a new one (number ``code``, "Familia <code>",
    people not given)."""
    household = household or add_household(
        provider, number or code, name or f"Familia {code}", people=None
    )
    return Connection.objects.create(provider=provider, household=household, code=code, **fields)


def add_tariff(
    provider: Provider, amount: str, valid_from: datetime.date, kind: str | None = None
) -> Tariff:
    """A tariff approved by the assembly on the day it starts."""
    return Tariff.objects.create(
        provider=provider,
        kind=kind or Tariff.Kind.MONTHLY_FEE,
        amount=M(amount),
        valid_from=valid_from,
        approved_on=valid_from,
        minutes_reference="Acta de asamblea",
    )


def add_rule(
    provider: Provider,
    percent: int = 100,
    name: str = "Personas mayores",
    *,
    approved_on: datetime.date = RULES_APPROVED_ON,
    minutes_reference: str = "Acta 12/2025",
) -> ExemptionRule:
    """An exemption rule of the assembly (December 2025 by default)."""
    return ExemptionRule.objects.create(
        provider=provider,
        name=name,
        discount_percent=percent,
        approved_on=approved_on,
        minutes_reference=minutes_reference,
    )


def charged_tomas(
    provider: Provider,
    codes: Iterable[str],
    fee: str = "100.00",
    months: Iterable[int] = (1, 2, 3),
) -> list[Connection]:
    """Tomas ``codes`` under a monthly ``fee`` from 1 January 2026, charged (by
    ``generate_charges``) for each of ``months`` of 2026."""
    add_tariff(provider, fee, D(2026, 1, 1))
    tomas = [add_connection(provider, code) for code in codes]
    for month in months:
        generate_charges(provider, D(2026, month, 1))
    return tomas


def pay(
    provider: Provider,
    record_id: str | None,
    amount,
    paid_on: datetime.date,
    toma: Connection | None = None,
    **extra,
) -> tuple[Payment, bool]:
    """``record_payment`` in short: ``(payment, created)``; ``extra`` is method, concept, user."""
    return record_payment(
        provider, record_id=record_id, amount=amount, paid_on=paid_on, connection=toma, **extra
    )


def treasurers_new_committee(name: str = "Comité de la tesorera (prueba)") -> Provider:
    """A committee without books that the treasurer and the NGO facilitator reach the way they
    reach the demo's first committee (which has 24 months of books of its own)."""
    return committee_reached_by(name, "tesorera", "ong")
