"""Template context every page needs: the user's scope and whether demo data is loaded."""

from django.conf import settings
from django.core.cache import cache

from ojodeagua.organisations.scope import scope_for


def site(request):
    from ojodeagua.demo.models import DemoDataset

    is_demo = cache.get("ojodeagua:is-demo")
    if is_demo is None:
        is_demo = DemoDataset.objects.exists()
        cache.set("ojodeagua:is-demo", is_demo, 60)
    # Each language is named in itself, so a reader can always find their own.
    return {"scope": scope_for(request.user), "is_demo": is_demo, "languages": settings.LANGUAGES}
