"""How many women and men came to an assembly: counted when its report is published
(``transparency.publish_report``, the one write path), shown on the report and in the list of
assemblies on the public page, and never changed afterwards."""

import datetime
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books.models import AssemblyReport
from ojodeagua.books.transparency import publish_report
from ojodeagua.organisations.models import Membership
from ojodeagua.providers.models import Provider
from ojodeagua.providers.tests.factories import make_committee

D = datetime.date


def text(response) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags))


@pytest.fixture
def committee(db) -> Provider:
    return make_committee("Comité de la asamblea contada")


def test_the_count_is_kept_with_the_report_and_in_its_trail(committee):
    report = publish_report(
        committee, D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 7), women_present=23, men_present=17
    )

    stored = AssemblyReport.objects.get(pk=report.pk)
    event = AuditEvent.objects.get(
        content_type__model="assemblyreport", object_id=str(report.pk), action="create"
    )
    assert (stored.women_present, stored.men_present) == (23, 17)
    assert event.changes["present"] == {"women": 23, "men": 17}


def test_an_assembly_not_counted_says_so(committee):
    report = publish_report(committee, D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 7))
    page = text(Client().get(f"/transparencia/{committee.pk}/"))
    assert report.women_present is None and report.men_present is None
    assert "No se contó cuántas mujeres y hombres vinieron a esta asamblea." in page


def test_a_count_below_zero_is_refused(committee):
    with pytest.raises(ValidationError) as refused:
        publish_report(committee, D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 7), men_present=-1)
    assert "men_present" in refused.value.message_dict
    assert not AssemblyReport.objects.filter(provider=committee).exists()


def test_the_list_of_assemblies_and_the_report_show_who_came(committee):
    first = publish_report(
        committee, D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 7), women_present=23, men_present=17
    )
    publish_report(committee, D(2026, 2, 1), D(2026, 2, 28), D(2026, 3, 7), women_present=1)
    anyone = Client()

    listed = text(anyone.get(f"/transparencia/{committee.pk}/"))
    printed = text(anyone.get(f"/transparencia/{committee.pk}/informes/{first.pk}/"))

    assert "Asamblea del 07/03/2026" in listed
    assert "Vinieron a la asamblea: 1 mujer y hombres sin contar." in listed
    assert "Vinieron a la asamblea: 23 mujeres y 17 hombres" in listed
    assert "Vinieron a la asamblea: 23 mujeres y 17 hombres" in printed


def test_the_treasurer_counts_who_came_when_she_publishes(tesorera):
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    form = tesorera.get(f"/transparencia/{committee.pk}/").content.decode()
    publish = {"desde": "2026-01-01", "hasta": "2026-01-31", "asamblea": "2026-02-07"}

    published = tesorera.post(
        f"/transparencia/{committee.pk}/publicar/", {**publish, "mujeres": "31", "hombres": "12"}
    )
    refused = tesorera.post(
        f"/transparencia/{committee.pk}/publicar/", {**publish, "mujeres": "muchas"}
    )

    assert 'name="mujeres"' in form and 'inputmode="numeric"' in form
    assert published.status_code == 302 and refused.status_code == 302
    report = AssemblyReport.objects.filter(provider=committee).latest("pk")
    assert (report.women_present, report.men_present) == (31, 12)
    assert (
        AssemblyReport.objects.filter(provider=committee, presented_on=D(2026, 2, 7)).count() == 1
    )
    assert "con números enteros" in text(tesorera.get(f"/transparencia/{committee.pk}/"))


def test_who_may_not_keep_the_books_sees_no_form(committee):
    assert 'name="mujeres"' not in Client().get(f"/transparencia/{committee.pk}/").content.decode()
