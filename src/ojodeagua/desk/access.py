"""Who may open the desk of a municipality: whoever sees it whole (the desk adds up every
system in it, whoever runs it). One rule for the pages, the downloads and the API."""

from django.http import Http404

from ojodeagua.organisations.scope import get_visible_or_404, scope_for
from ojodeagua.places.models import Municipality


def covered_municipality(user, pk: int) -> Municipality:
    """The municipality, or Http404 when the user does not see it whole."""
    municipality = get_visible_or_404(user, Municipality, pk)
    scope = scope_for(user)
    if not (scope.everything or municipality.pk in scope.view.municipality_ids):
        raise Http404
    return municipality


def first_covered(user) -> Municipality | None:
    scope = scope_for(user)
    found = Municipality.objects.select_related("state").order_by("key")
    if scope.everything:
        return found.first()
    return found.filter(pk__in=scope.view.municipality_ids).first()
