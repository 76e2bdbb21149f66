"""For the books' domain tests: a committee of our own, its padrón and tariffs, built by hand."""

import datetime
from decimal import Decimal

from ojodeagua.books.models import Connection, ExemptionRule, Household, Tariff
from ojodeagua.organisations.models import Membership
from ojodeagua.places.models import Locality, Municipality, State
from ojodeagua.providers.models import Provider

D = datetime.date
M = Decimal


def place() -> Locality:
    """A locality of Berriozábal; made here when a transactional test emptied the database."""
    locality = Locality.objects.filter(municipality__key="07012").first()
    if locality is not None:
        return locality
    state, _ = State.objects.get_or_create(key="07", defaults={"name": "Chiapas"})
    municipality, _ = Municipality.objects.get_or_create(
        key="07012", defaults={"state": state, "name": "Berriozábal"}
    )
    return Locality.objects.create(municipality=municipality, key="070120001", name="Berriozábal")


def make_committee(name: str = "Comité de Agua de Prueba") -> Provider:
    locality = place()
    return Provider.objects.create(
        name=name, kind="committee", municipality=locality.municipality, locality=locality
    )


def add_connection(provider: Provider, code: str, **fields) -> Connection:
    household = Household.objects.create(
        provider=provider,
        number=code,
        name=f"Familia {code}",
        locality=provider.locality or place(),
    )
    return Connection.objects.create(provider=provider, household=household, code=code, **fields)


def add_tariff(provider: Provider, amount: str, valid_from: datetime.date, kind=None) -> Tariff:
    return Tariff.objects.create(
        provider=provider,
        kind=kind or Tariff.Kind.MONTHLY_FEE,
        amount=M(amount),
        valid_from=valid_from,
        approved_on=valid_from,
        minutes_reference="Acta de asamblea",
    )


def add_rule(provider: Provider, percent: int, name: str = "Personas mayores") -> ExemptionRule:
    return ExemptionRule.objects.create(
        provider=provider,
        name=name,
        discount_percent=percent,
        approved_on=D(2025, 12, 1),
        minutes_reference="Acta 12/2025",
    )


def treasurers_new_committee(name: str = "Comité de la tesorera (prueba)") -> Provider:
    """A committee without books that the treasurer and the NGO facilitator reach the way they
    reach the demo's first committee (which has 24 months of books of its own)."""
    provider = make_committee(name)
    for username in ("tesorera", "ong"):
        Membership.objects.get(user__username=username).providers.add(provider)
    return provider
