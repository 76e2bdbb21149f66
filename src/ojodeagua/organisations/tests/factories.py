"""People for domain tests: a read-only member who reaches the committees or municipalities given.

The demo's personas (agencia, ong, tesorera) stay the demo's; a test that needs someone who only
reads makes her here, in the agency unless told.
"""

from collections.abc import Iterable

from django.contrib.auth.models import User

from ojodeagua.organisations.models import Membership, Organisation
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider


def make_viewer(
    username: str = "lectora",
    *,
    organisation: Organisation | None = None,
    providers: Iterable[Provider] = (),
    municipalities: Iterable[Municipality] = (),
    password: str | None = None,
) -> User:
    """A user with a viewer's membership of ``organisation`` (default: the agency) over
    ``providers`` and ``municipalities``."""
    viewer = User.objects.create_user(username, password=password)
    membership = Membership.objects.create(
        user=viewer,
        organisation=organisation or Organisation.objects.get(kind=Organisation.Kind.AGENCY),
        role=Membership.Role.VIEWER,
    )
    membership.providers.add(*providers)
    membership.municipalities.add(*municipalities)
    return viewer


def municipal_viewer(username: str = "consulta") -> str:
    """A viewer of the agency persona's organisation over all of its municipalities; her
    username (the API tests sign in by name)."""
    agency = Membership.objects.get(user__username="agencia")
    make_viewer(
        username,
        organisation=agency.organisation,
        municipalities=agency.municipalities.all(),
        password="x",
    )
    return username


def device_key(username: str, name: str = "Teléfono de pruebas") -> str:
    """A new device key for ``username``, made through the keys' service as her page does."""
    from ojodeagua.organisations import tokens

    owner = User.objects.get(username=username)
    return tokens.issue(owner, name, actor=owner).key
