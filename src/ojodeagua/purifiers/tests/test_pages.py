"""Signing in and clicking through the purifier register as its users do."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from ojodeagua.purifiers.models import EcoliTest, FollowUpVisit, LampChange, Repair, Unit

from .factories import build_area, unit, visit

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def area():
    return build_area()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hidden_record_id(page: str) -> str:
    return re.search(r'name="record_id" value="([^"]+)"', page).group(1)


def test_a_facilitator_registers_a_unit_and_records_its_life_from_its_page(area):
    client = signed_in(area.people["facilitadora"])
    listed = client.get(reverse("purifiers:unit_list"))
    assert listed.status_code == 200
    create_url = reverse("purifiers:unit_create")
    assert f'href="{create_url}"' in listed.content.decode()

    form = client.get(create_url)
    record_id = hidden_record_id(form.content.decode())
    posted = {
        "locality": area.localities["L1"].pk,
        "owner": "household",
        "place_label": "14",
        "unit_model": "Mesita Azul",
        "installed_on": "2026-03-02",
        "record_id": record_id,
    }
    saved = client.post(create_url, posted)
    registered = Unit.objects.get(record_id=record_id)
    assert saved.status_code == 302 and saved.url == registered.get_absolute_url()
    resent = client.post(create_url, posted, follow=True)
    assert "Este purificador ya estaba anotado." in resent.content.decode()
    assert Unit.objects.filter(record_id=record_id).count() == 1

    page = client.get(registered.get_absolute_url()).content.decode()
    assert "La vivienda 14" in page and "02/03/2027" in page  # the lamp's due date
    steps = [
        ("visit_create", {"visited_on": "2026-06-10", "in_use": "True", "is_clean": "True"}),
        ("test_create", {"sampled_on": "2026-06-10", "method": "mpn", "ecoli_after": "0"}),
        ("lamp_create", {"done_on": "2026-06-11"}),
        ("repair_create", {"done_on": "2026-06-12", "what": "Se cambió la manguera"}),
    ]
    steps[0][1].update({"lamp_working": "True", "stored_water_covered": "False"})
    for name, data in steps:
        url = reverse(f"purifiers:{name}", args=[registered.pk])
        assert f'href="{url}"' in page
        form = client.get(url).content.decode()
        answer = client.post(url, {**data, "record_id": hidden_record_id(form)})
        assert answer.status_code == 302, (name, answer.content.decode())

    page = client.get(registered.get_absolute_url()).content.decode()
    assert page.count('data-kind="') == 4
    assert "Se cambió la manguera" in page and "sin E. coli" in page
    assert FollowUpVisit.objects.get(unit=registered).stored_water_covered is False
    assert EcoliTest.objects.get(unit=registered).ecoli_after == 0
    assert LampChange.objects.filter(unit=registered).exists()
    assert Repair.objects.filter(unit=registered).exists()
    registered.refresh_from_db()
    assert registered.lamp_due_on == D(2027, 6, 11)

    figures = client.get(reverse("purifiers:unit_list"), {"al": "2026-06-30"}).content.decode()
    assert '<strong data-figure="units">1</strong>' in figures
    assert '<strong data-figure="effective">1</strong>' in figures


def test_a_visit_before_the_installation_is_shown_on_its_field(area):
    target = unit(area.localities["L1"], "1", D(2026, 3, 15))
    client = signed_in(area.people["facilitadora"])
    url = reverse("purifiers:visit_create", args=[target.pk])

    answer = client.post(
        url,
        {
            "visited_on": "2026-02-01",
            "in_use": "True",
            "is_clean": "True",
            "lamp_working": "True",
            "stored_water_covered": "True",
        },
    )

    assert answer.status_code == 400
    assert "antes de que se instalara el purificador (15/03/2026)" in answer.content.decode()
    assert not FollowUpVisit.objects.filter(unit=target).exists()


def test_an_unanswered_question_is_asked_again_not_taken_as_no(area):
    target = unit(area.localities["L1"], "1", D(2026, 3, 15))
    client = signed_in(area.people["facilitadora"])

    answer = client.post(
        reverse("purifiers:visit_create", args=[target.pk]), {"visited_on": "2026-04-01"}
    )

    assert answer.status_code == 400
    assert "Diga si el purificador se está usando." in answer.content.decode()


def test_a_viewer_reads_the_unit_but_finds_no_form(area):
    target = unit(area.localities["L1"], "1", D(2026, 3, 15))
    client = signed_in(area.people["lectora"])

    page = client.get(target.get_absolute_url())
    form = client.get(reverse("purifiers:visit_create", args=[target.pk]))
    create = client.get(reverse("purifiers:unit_create"))

    assert page.status_code == 200
    assert reverse("purifiers:visit_create", args=[target.pk]) not in page.content.decode()
    assert form.status_code == 403 and create.status_code == 403


def test_units_out_of_the_area_are_not_found_and_not_counted(area):
    target = unit(area.localities["L1"], "1", D(2026, 3, 15))
    visit(target, D(2026, 4, 1))
    client = signed_in(area.people["ajena"])

    assert client.get(target.get_absolute_url()).status_code == 404
    assert client.get(reverse("purifiers:visit_create", args=[target.pk])).status_code == 404
    listed = client.get(reverse("purifiers:unit_list"), {"al": "2026-04-30"}).content.decode()
    assert '<strong data-figure="units">0</strong>' in listed
    assert "Los Pinos" not in listed


def test_a_committee_member_sees_the_units_her_committee_accompanies(area):
    ours = unit(area.localities["L1"], "1", D(2026, 3, 15), provider=area.providers["P1"])
    theirs = unit(area.localities["L1"], "2", D(2026, 3, 15))
    client = signed_in(area.people["tesorero"])

    listed = client.get(reverse("purifiers:unit_list"), {"al": "2026-04-30"}).content.decode()

    assert ours.get_absolute_url() in listed and theirs.get_absolute_url() not in listed
    assert client.get(theirs.get_absolute_url()).status_code == 404


def test_signing_in_is_asked_first():
    answer = Client().get(reverse("purifiers:unit_list"))

    assert answer.status_code == 302 and "/entrar/" in answer.url


def test_the_menu_leads_to_the_register(area):
    page = signed_in(area.people["facilitadora"]).get(reverse("home")).content.decode()

    assert reverse("purifiers:unit_list") in page


def test_with_many_localities_the_form_asks_for_the_key(area, monkeypatch):
    monkeypatch.setattr("ojodeagua.purifiers.forms.MAX_LOCALITY_CHOICES", 1)
    client = signed_in(area.people["facilitadora"])
    url = reverse("purifiers:unit_create")
    form = client.get(url, {"localidad": area.localities["L2"].pk}).content.decode()
    assert 'inputmode="numeric"' in form and 'value="079960002"' in form

    wrong = client.post(
        url,
        {
            "locality": "079950001",
            "owner": "household",
            "place_label": "1",
            "installed_on": "2026-01-05",
        },
    )
    right = client.post(
        url,
        {
            "locality": "079960002",
            "owner": "household",
            "place_label": "1",
            "installed_on": "2026-01-05",
        },
    )

    assert wrong.status_code == 400
    assert "No hay una localidad con esa clave en su área" in wrong.content.decode()
    assert right.status_code == 302
    assert Unit.objects.get(place_label="1").locality == area.localities["L2"]
