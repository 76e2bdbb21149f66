"""The voice tests' shared fixture: rate-limit counters start empty for every test."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # django-ratelimit counts in the cache; a test must not inherit another's spent quota.
    cache.clear()
    yield
    cache.clear()
