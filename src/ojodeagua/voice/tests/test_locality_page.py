"""The public page of a locality's water, read without an account: what it says, and what it
must never say."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from ojodeagua.voice import selectors

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def flores():
    return factories.build()


def text_of(response) -> str:
    return response.content.decode()


def test_the_page_says_in_plain_words_that_the_water_failed_e_coli(flores):
    response = Client().get(reverse("voice:locality", args=[factories.KEY]))
    assert response.status_code == 200
    page = text_of(response)
    assert "El agua de la red tuvo E. coli el 12 de noviembre de 2026: hiérvala o clórela" in page
    # The sample still waiting for review is not a fact yet.
    assert "30 de noviembre de 2026" not in page
    assert "El agua del kiosco no tuvo E. coli el 3 de noviembre de 2026." in page
    assert "5,5" in page or "5.5" in page
    assert "El 25 de noviembre de 2026 no hubo agua de Red Las Flores: tubería rota." in page
    assert "Red Las Flores funcionaba cuando se visitó el 20 de noviembre de 2026." in page
    assert "Casa ejidal, sábados de 9 a 12" in page
    assert "Fuga en la calle principal" in page
    assert "Escuela Primaria Benito Juárez" in page


def test_the_page_names_nobody(flores):
    response = Client().get(reverse("voice:locality", args=[factories.KEY]))
    page = text_of(response)
    for personal in factories.PERSONAL:
        assert personal not in page


def test_the_figures_are_read_in_a_fixed_number_of_queries(flores, django_assert_num_queries):
    on = datetime.date(2026, 12, 6)
    # Twelve whatever the locality's size: systems, figures, outages (2), visits, tests, schools,
    # books, reports, complaints (2), household units.
    with django_assert_num_queries(12):
        water = selectors.locality_water(flores.locality, on)
    assert [t.failed for t in water.ecoli_failed] == [True]
    assert water.recent
    assert water.complaint_counts.received == 2
    assert water.complaint_counts.waiting == 1
    assert [c.summary for c in water.complaints] == ["Fuga en la calle principal"]


def test_a_locality_with_no_recent_data_says_so(flores):
    # Nine months on, the November facts are still the latest, each with its date, and the
    # page says they are not recent.
    water = selectors.locality_water(flores.locality, datetime.date(2027, 9, 1))
    assert not water.recent
    assert water.last_data_on == datetime.date(2026, 11, 25)
    # After a year they are gone, and the page has nothing recent to show.
    water = selectors.locality_water(flores.locality, datetime.date(2028, 1, 1))
    assert (water.recent, water.tests, water.last_data_on) == (False, [], None)


def test_an_unknown_key_is_not_found(db):
    assert Client().get("/agua/079990099/").status_code == 404


def test_the_search_finds_a_locality_by_name(flores):
    response = Client().get(reverse("voice:find"), {"q": "flores"})
    assert reverse("voice:locality", args=[factories.KEY]) in text_of(response)
    assert Client().get(reverse("voice:find"), {"q": factories.KEY}).status_code == 302


def test_more_systems_samples_and_complaints_take_no_more_queries(
    flores, django_assert_num_queries
):
    from ojodeagua.integrity import register
    from ojodeagua.integrity.models import Complaint
    from ojodeagua.waterquality.tests.factories import judged_sample
    from ojodeagua.watersystems.models import ServedLocality, WaterSystem

    for n in range(4):
        system = WaterSystem.objects.create(
            name=f"Pozo {n}",
            kind=WaterSystem.Kind.POINT_SOURCE,
            provider=flores.committee,
            locality=flores.locality,
            municipality=flores.locality.municipality,
        )
        ServedLocality.objects.create(system=system, locality=flores.locality, households=5)
        judged_sample(flores.locality, system, datetime.date(2026, 10, 1 + n), [("e_coli", "pass")])
        register.file_complaint(
            flores.committee,
            received_on=datetime.date(2026, 10, 1 + n),
            what=f"Queja {n}",
            channel=Complaint.Channel.PUBLIC_FORM,
        )
    with django_assert_num_queries(12):
        water = selectors.locality_water(flores.locality, datetime.date(2026, 12, 6))
    assert len(water.services) == 6
