"""Money across committees (/cuentas/comites/): the books' own figures for every committee in
scope, no names, the chain's last check, and a fixed number of queries."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from ojodeagua.books.across import money_across
from ojodeagua.books.indicators import finance_indicators
from ojodeagua.books.models import ChainCheck, Household
from ojodeagua.books.public_views import last_twelve_months
from ojodeagua.demo.cached import SUITE_TODAY
from ojodeagua.organisations.models import Membership, Organisation
from ojodeagua.providers.models import Provider

pytestmark = pytest.mark.django_db
QUERY_BOUND = 8


def test_the_agency_reads_the_books_figures_of_every_committee_and_no_names(agencia):
    alianza = Provider.objects.get(name="Comité de Agua La Alianza")
    ChainCheck.objects.create(
        provider=alianza, checked_at=timezone.now(), head="0" * 64, first_bad_sequence=3
    )

    response = agencia.get("/cuentas/comites/")

    assert response.status_code == 200
    page = response.content.decode()
    rows = response.context["money"].rows
    assert len(rows) >= 12
    assert "alterada" in page and "sin revisar" in page
    row = next(r for r in rows if r.provider == alianza)
    assert row.chain_state == "broken"
    start, end = last_twelve_months(SUITE_TODAY)
    same = finance_indicators(alianza, start, end)
    assert row.figures.collection_efficiency == same.collection_efficiency
    assert row.figures.cost_coverage == same.cost_coverage
    assert row.figures.reserve_months == same.reserve_months
    assert row.last_deposit is not None
    for name in Household.objects.values_list("name", flat=True)[:200]:
        assert name not in page
    assert "Rosa Gómez Sántiz" not in page


def test_a_facilitator_sees_only_her_committees():
    committee = Provider.objects.get(name="Comité de Agua Nueva Gloria")
    user = User.objects.create_user("solo-gloria")
    Membership.objects.create(
        user=user,
        organisation=Organisation.objects.create(name="Otra ONG", kind=Organisation.Kind.NGO),
        role=Membership.Role.FACILITATOR,
    ).providers.add(committee)
    client = Client()
    client.force_login(user)
    rows = client.get("/cuentas/comites/").context["money"].rows
    assert [row.provider for row in rows] == [committee]


def test_the_queries_do_not_grow_with_the_committees(django_assert_max_num_queries):
    everyone = Provider.objects.order_by("pk")
    with django_assert_max_num_queries(QUERY_BOUND) as many:
        found = money_across(everyone, SUITE_TODAY)
    assert len(found.rows) >= 16
    with django_assert_max_num_queries(QUERY_BOUND) as one:
        money_across(everyone.filter(name="Comité de Agua Nueva Gloria"), SUITE_TODAY)
    assert len(one.captured_queries) == len(many.captured_queries)
