"""Registry rows for domain tests: a locality, a provider and a water system of their own.

Each function builds one minimal valid row (and the parents it needs) with defaults a test can
override by keyword, so a domain test does not borrow a demo committee when it only needs "some
committee". The other apps' factories build on these.
"""

from ojodeagua.organisations.models import Membership
from ojodeagua.places.models import Locality, Municipality, State
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import WaterSystem

BERRIOZABAL = "07012"


def make_place(municipality_key: str = BERRIOZABAL) -> Locality:
    """A locality of the municipality (Berriozábal by default, inside the agency persona's
    scope): the first one there, or one made here when a transactional test emptied the
    database."""
    locality = Locality.objects.filter(municipality__key=municipality_key).first()
    if locality is not None:
        return locality
    state, _ = State.objects.get_or_create(key=municipality_key[:2], defaults={"name": "Chiapas"})
    municipality, _ = Municipality.objects.get_or_create(
        key=municipality_key, defaults={"state": state, "name": "Berriozábal"}
    )
    return Locality.objects.create(
        municipality=municipality, key=f"{municipality_key}0001", name=municipality.name
    )


def make_provider(
    name: str = "Comité de Agua de Prueba",
    kind: str = Provider.Kind.COMMITTEE,
    *,
    locality: Locality | None = None,
    **fields,
) -> Provider:
    """A provider sited in ``locality`` (default: ``make_place()``) and its municipality."""
    locality = locality or make_place()
    fields.setdefault("municipality", locality.municipality)
    return Provider.objects.create(name=name, kind=kind, locality=locality, **fields)


def make_committee(name: str = "Comité de Agua de Prueba", **fields) -> Provider:
    """A water committee with no history at all: no systems, cycles, books or complaints."""
    return make_provider(name, Provider.Kind.COMMITTEE, **fields)


def reached_by(provider: Provider, *usernames: str) -> Provider:
    """``provider`` added to the memberships of ``usernames`` (demo personas), so they reach it
    the way they reach their demo committees."""
    for username in usernames:
        Membership.objects.get(user__username=username).providers.add(provider)
    return provider


def committee_reached_by(name: str, *usernames: str, **fields) -> Provider:
    """A new committee that ``usernames`` reach (see ``reached_by``)."""
    return reached_by(make_committee(name, **fields), *usernames)


def make_system(
    provider: Provider | None = None,
    name: str = "Sistema de prueba",
    kind: str = WaterSystem.Kind.GRAVITY,
    **fields,
) -> WaterSystem:
    """A water system operated by ``provider`` (default: a new committee), in its locality."""
    provider = provider or make_committee()
    fields.setdefault("locality", provider.locality or make_place())
    return WaterSystem.objects.create(name=name, kind=kind, provider=provider, **fields)
