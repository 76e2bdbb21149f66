"""Whether the database holds demo data, so that every page (and every print) can say so."""

from django.core.cache import cache
from django.http import HttpRequest

from .models import DemoDataset

# Cleared by ``load_demo`` when it marks a database as demo data.
CACHE_KEY = "ojodeagua:is-demo"


def demo(request: HttpRequest) -> dict[str, bool]:
    is_demo = cache.get(CACHE_KEY)
    if is_demo is None:
        is_demo = DemoDataset.objects.exists()
        cache.set(CACHE_KEY, is_demo, 60)
    return {"is_demo": is_demo}
