"""What needs attention on the facilitator's and the agency's home: the lines the demo produces
(plus the kinds it lacks, added here), each link answering, the scope, no names, a query bound."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from ojodeagua.books.models import ChainCheck
from ojodeagua.demo.cached import SUITE_TODAY
from ojodeagua.integrity import attention
from ojodeagua.integrity.attention import Kind
from ojodeagua.integrity.models import Complaint
from ojodeagua.monitoring.models import SystemVisit
from ojodeagua.organisations.models import Membership, Organisation
from ojodeagua.organisations.scope import scope_for
from ojodeagua.providers.models import Provider
from ojodeagua.waterquality.tests.factories import judged_sample
from ojodeagua.watersystems.models import WaterSystem

pytestmark = pytest.mark.django_db
TODAY = SUITE_TODAY
DEMO_KINDS = {
    Kind.UNSAFE_WATER,
    Kind.NO_CHLORINE,
    Kind.COMPLAINT,
    Kind.ACTION,
    Kind.RED_FLAG,
    Kind.PENDING,
    Kind.NO_CYCLE,
}
# Generous but fixed: the count does not grow with the committees (checked below).
QUERY_BOUND = 30


def section(page: str) -> str:
    """The attention section of a home page."""
    start = page.index('<section class="attention"')
    return page[start : page.index("</section>", start)]


def links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html)


def ong_system() -> WaterSystem:
    ong = Membership.objects.get(user__username="ong")
    return WaterSystem.objects.filter(provider__in=ong.providers.all()).order_by("pk").first()


def add_missing_kinds() -> WaterSystem:
    """What the demo does not produce: a system down, water failing arsenic, an altered book."""
    system = ong_system()
    SystemVisit.objects.create(
        system=system,
        observed_on=TODAY - datetime.timedelta(days=3),
        source=SystemVisit.Source.VISIT,
        state=SystemVisit.State.VALIDATED,
        working=False,
    )
    judged_sample(
        system.locality, system, TODAY - datetime.timedelta(days=2), [("arsenic", "fail")]
    )
    ChainCheck.objects.create(
        provider=system.provider, checked_at=timezone.now(), head="0" * 64, first_bad_sequence=7
    )
    return system


def home_section(client: Client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    # The attention list comes first: before the area's counts.
    assert page.index('<section class="attention"') < page.index('<div class="figures">')
    return section(page)


def kinds_seen(html: str) -> set[str]:
    return {kind for kind, label in attention.KIND_LABELS.items() if str(label) in html}


@pytest.mark.parametrize("username", ["ong", "agencia"])
def test_the_home_starts_with_every_kind_of_attention_line_and_each_link_answers(username):
    system = add_missing_kinds()
    client = Client()
    client.force_login(User.objects.get(username=username))

    html = home_section(client)

    assert kinds_seen(html) == DEMO_KINDS | {Kind.SYSTEM_DOWN}
    assert f"{system.name} no funcionaba en la visita del" in html
    assert f"El agua de {system.name} no cumplió en arsénico" in html
    assert "encontró un asiento o un registro alterado" in html
    found = links(html)
    assert len(found) > 40
    for url in sorted(set(found)):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("username", ["ong", "agencia"])
def test_the_lines_name_no_one(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    html = home_section(client)
    reporters = set(Complaint.objects.exclude(reported_by="").values_list("reported_by", flat=True))
    assert reporters
    assert "Queja de " in html
    for name in reporters:
        assert name not in html


def test_a_facilitator_sees_only_the_committees_she_accompanies(ong):
    ong_ids = set(
        Membership.objects.get(user__username="ong").providers.values_list("pk", flat=True)
    )
    agencia = scope_for(User.objects.get(username="agencia"))
    outside = {
        line.committee.name
        for line in attention.attention_lines(agencia, TODAY)
        if line.committee.pk not in ong_ids
    }
    assert outside  # the agency sees committees the NGO does not accompany

    html = home_section(ong)

    for name in outside:
        assert f"<strong>{name}</strong>" not in html

    # One committee only: nothing of the others.
    committee = Provider.objects.get(name="Comité de Agua La Alianza")
    user = User.objects.create_user("solo-alianza")
    Membership.objects.create(
        user=user,
        organisation=Organisation.objects.create(name="Otra ONG", kind=Organisation.Kind.NGO),
        role=Membership.Role.FACILITATOR,
    ).providers.add(committee)
    client = Client()
    client.force_login(user)
    html = home_section(client)
    shown = set(re.findall(r"<strong>([^<]+)</strong>", html))
    assert shown == {committee.name}


def test_the_queries_do_not_grow_with_the_committees(django_assert_max_num_queries):
    add_missing_kinds()
    counts = {}
    for username in ("ong", "agencia"):
        scope = scope_for(User.objects.get(username=username))
        with django_assert_max_num_queries(QUERY_BOUND) as captured:
            lines = attention.attention_lines(scope, TODAY)
        counts[username] = len(captured.captured_queries)
        assert len({line.committee.pk for line in lines}) > 10
    user = User.objects.create_user("uno")
    Membership.objects.create(
        user=user,
        organisation=Organisation.objects.create(name="Otra ONG", kind=Organisation.Kind.NGO),
        role=Membership.Role.FACILITATOR,
    ).providers.add(ong_system().provider)
    scope = scope_for(user)
    with django_assert_max_num_queries(QUERY_BOUND) as captured:
        lines = attention.attention_lines(scope, TODAY)
    assert {line.committee.pk for line in lines} == {ong_system().provider_id}
    # One committee or forty: the same queries.
    assert len(captured.captured_queries) == counts["ong"] == counts["agencia"]


def test_dates_are_relative_to_the_day_asked():
    scope = scope_for(User.objects.get(username="agencia"))
    complaint = Complaint.objects.filter(status=Complaint.Status.RECEIVED).order_by("-respond_by")
    complaint = complaint.first()
    url = f"/integridad/quejas/{complaint.pk}/"

    def complaint_urls(on):
        return {
            line.url for line in attention.attention_lines(scope, on) if line.kind == Kind.COMPLAINT
        }

    assert url not in complaint_urls(complaint.respond_by)
    assert url in complaint_urls(complaint.respond_by + datetime.timedelta(days=1))


def test_the_home_links_to_the_money_across_committees(agencia):
    html = home_section(agencia)
    assert 'href="/cuentas/comites/"' in html
    assert "Dinero de los comités" in html
