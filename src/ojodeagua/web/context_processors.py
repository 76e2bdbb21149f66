"""Template context every page needs: the user's scope, their menu and the languages to choose from.

Whether demo data is loaded comes from ``demo.context_processors``: the demo sits above web.
"""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from ojodeagua.organisations.scope import scope_for

from .menu import build_menu


def site(request):
    # Each language is named in itself, so a reader can always find their own. The menu is
    # built only when a page shows it (partial htmx responses do not).
    return {
        "scope": scope_for(request.user),
        "languages": settings.LANGUAGES,
        "menu": SimpleLazyObject(lambda: build_menu(request.user, request.path)),
    }
