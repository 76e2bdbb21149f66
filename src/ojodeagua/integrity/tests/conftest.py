"""Fixtures shared by the integrity tests."""

import pytest

from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider


@pytest.fixture
def fresh_committee(db) -> Provider:
    """A committee of its own, so the demo's cycles and complaints never mix into a count."""
    locality = Locality.objects.filter(municipality__key="07012").first()
    return Provider.objects.create(
        name="Comité sin historia",
        kind="committee",
        municipality=locality.municipality,
        locality=locality,
    )
