"""Whom a coordinator manages: the organisations they coordinate, the committees inside the area
they coordinate, and the people who hold access in them.

The team page (``web/team_views.py``) gives and changes access with these; the device keys
(``tokens.py``) let a coordinator see and withdraw the keys of the same people.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import Membership, Organisation
from .scope import Scope


def _providers_in(scope: Scope) -> QuerySet:
    """The providers inside the area a person coordinates, by the providers' own area rule.

    Providers sit above this app, which names them by label: the model is reached through the
    organisation's link to it rather than imported.
    """
    providers = Organisation._meta.get_field("provider").related_model._default_manager
    return providers.in_area(scope.audit)


def managed_organisations(user, scope: Scope) -> QuerySet[Organisation]:
    """Organisations a user coordinates, plus the committees inside the area they coordinate."""
    if scope.everything:
        return Organisation.objects.all()
    coordinated = Organisation.objects.filter(
        memberships__user=user,
        memberships__active=True,
        memberships__role=Membership.Role.COORDINATOR,
    )
    return Organisation.objects.filter(
        Q(pk__in=coordinated.values("pk")) | Q(provider__in=_providers_in(scope))
    ).distinct()


def managed_memberships(user, scope: Scope) -> QuerySet[Membership]:
    return Membership.objects.filter(
        organisation__in=managed_organisations(user, scope)
    ).select_related("user", "organisation")


def managed_people(user, scope: Scope) -> QuerySet:
    """People with an access this coordinator manages. Superusers and staff are never anyone's
    to manage: a coordinator must not see or withdraw what keeps the site running."""
    people = get_user_model().objects.all()
    if scope.everything:
        return people
    if not scope.is_coordinator:
        return people.none()
    return people.filter(
        pk__in=managed_memberships(user, scope).values("user_id"),
        is_superuser=False,
        is_staff=False,
    )
