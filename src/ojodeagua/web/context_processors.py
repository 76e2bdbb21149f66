"""Template context every page needs: the user's scope and the languages to choose from.

Whether demo data is loaded comes from ``demo.context_processors``: the demo sits above web.
"""

from django.conf import settings

from ojodeagua.organisations.scope import scope_for


def site(request):
    # Each language is named in itself, so a reader can always find their own.
    return {"scope": scope_for(request.user), "languages": settings.LANGUAGES}
