"""One rule for who reads a figure: the "why this number" page, the place's panel and the API.

A locality's figures add up every system that serves it, whoever runs it, so only those who
cover its municipality read them; the committee's treasurer and the NGO facilitator, who
accompany committees one by one, read their committees' figures and their municipality's totals.
"""

import re

import pytest

from ojodeagua.indicators.models import Entity, IndicatorValue
from ojodeagua.organisations.models import Membership
from ojodeagua.places.models import Locality


def latest(entity: str, entity_id: int | None = None, **extra) -> IndicatorValue:
    values = IndicatorValue.objects.filter(entity=entity, **extra)
    if entity_id is not None:
        values = values.filter(entity_id=entity_id)
    return values.order_by("-period", "indicator").first()


def figures():
    """One figure of each kind of place, named by what it is to the treasurer; "another
    committee" is one neither she nor the NGO accompanies, in her municipality."""
    own = Membership.objects.get(user__username="tesorera").providers.get()
    providencia = Locality.objects.get(name="La Providencia")
    accompanied = Membership.objects.get(user__username="ong").providers.all()
    other = (
        IndicatorValue.objects.filter(entity=Entity.PROVIDER, municipality_id=own.municipality_id)
        .exclude(entity_id__in=accompanied.values("pk"))
        .order_by("entity_id")
        .first()
    )
    return {
        "La Providencia": latest(Entity.LOCALITY, providencia.pk),
        "her committee": latest(Entity.PROVIDER, own.pk),
        "her system": latest(Entity.SYSTEM, provider_id=own.pk),
        "another committee": latest(Entity.PROVIDER, other.entity_id),
        "her municipality": latest(Entity.MUNICIPALITY, own.municipality_id),
        "the state": latest(Entity.STATE),
    }


READS = {
    "agencia": {
        "La Providencia",
        "her committee",
        "her system",
        "another committee",
        "her municipality",
        "the state",
    },
    "ong": {"her committee", "her system", "her municipality"},
    "tesorera": {"her committee", "her system", "her municipality"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["agencia", "ong", "tesorera"])
def test_the_page_and_the_api_show_the_same_figures(persona, request):
    client = request.getfixturevalue(persona)
    read_on_page, read_by_api = set(), set()
    for name, value in figures().items():
        assert value is not None, name
        page = client.get(f"/indicadores/{value.pk}/")
        api = client.get(f"/api/v1/indicator-values/{value.pk}/")
        assert page.status_code in (200, 404) and api.status_code in (200, 404), name
        if page.status_code == 200:
            read_on_page.add(name)
        if api.status_code == 200:
            read_by_api.add(name)

    assert read_on_page == read_by_api == READS[persona]


@pytest.mark.django_db
def test_the_locality_page_keeps_its_figures_for_the_municipality(tesorera, ong, agencia):
    providencia = Locality.objects.get(name="La Providencia")
    value = latest(Entity.LOCALITY, providencia.pk)
    withheld = "las ve quien coordina el municipio"

    for client in (tesorera, ong):
        html = client.get(providencia.get_absolute_url()).content.decode()
        assert withheld in html
        assert "/indicadores/" not in html
        listed = client.get("/api/v1/indicator-values/", {"entity": "locality"}).json()
        assert listed["count"] == 0

    html = agencia.get(providencia.get_absolute_url()).content.decode()
    assert withheld not in html
    assert f"/indicadores/{value.pk}/" in html


@pytest.mark.django_db
def test_the_municipal_summary_lists_no_locality_to_a_committee(tesorera, agencia):
    own = Membership.objects.get(user__username="tesorera").providers.get()
    summary = f"/resumen/municipio/{own.municipality_id}/"

    mine = tesorera.get(summary)
    theirs = agencia.get(summary)

    assert mine.status_code == theirs.status_code == 200
    locality_link = re.compile(r'href="/localidades/\d+/"')
    assert not locality_link.search(mine.content.decode())
    assert locality_link.search(theirs.content.decode())
