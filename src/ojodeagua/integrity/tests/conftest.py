"""Fixtures shared by the integrity tests."""

import pytest

from ojodeagua.integrity.tests.factories import make_committee
from ojodeagua.providers.models import Provider


@pytest.fixture
def fresh_committee(db) -> Provider:
    """A committee of its own, so the demo's cycles and complaints never mix into a count."""
    return make_committee("Comité sin historia")
