"""Rights in plain words: public pages that name their sources, the quality page's limits read
from the norm's own rows, the way back to a locality, and the words in the reader's language."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db.models import Q
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ojodeagua.places.models import Locality
from ojodeagua.voice.rights import PAGES
from ojodeagua.waterquality.models import Limit, NormVersion

pytestmark = pytest.mark.django_db

QUALITY = reverse("voice:rights_page", args=["calidad-del-agua"])


def spanish(path: str) -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE="es-mx").get(path)
    assert response.status_code == 200
    return response.content.decode()


def nom127_in_force() -> NormVersion:
    today = timezone.localdate()
    return (
        NormVersion.objects.filter(norm__code="nom127", in_force_from__lte=today)
        .filter(Q(in_force_until__isnull=True) | Q(in_force_until__gte=today))
        .get()
    )


def rural_limit(code: str, *, later: bool = False) -> Limit:
    """The norm's row for a rural locality: in force today, or (later=True) the next one."""
    today = timezone.localdate()
    rows = Limit.objects.filter(version=nom127_in_force(), parameter__code=code).filter(
        Q(population_min__isnull=True) | Q(population_min__lte=2_499),
        Q(population_max__isnull=True) | Q(population_max__gte=2_499),
    )
    if later:
        return rows.filter(applies_from__gt=today).get()
    return rows.filter(
        Q(applies_from__isnull=True) | Q(applies_from__lte=today),
        Q(applies_until__isnull=True) | Q(applies_until__gte=today),
    ).get()


def number(value: Decimal) -> str:
    return f"{value.normalize():f}"


@pytest.mark.parametrize("slug", PAGES)
def test_each_page_answers_without_an_account_and_names_its_source(slug):
    html = spanish(reverse("voice:rights_page", args=[slug]))
    assert "Fuente:" in html
    assert reverse("voice:rights") in html  # the way back to the list


def test_each_page_names_what_it_comes_from():
    sources = {
        "agua-y-saneamiento": ["resolución 64/292", "28 de julio de 2010", "artículo 4o"],
        "calidad-del-agua": ["NOM-127-SSA1-2021", "Secretaría de Salud", "2 de mayo de 2022"],
        "lo-que-el-comite-debe": ["Water Integrity Network", "Small Water Supply Systems", "2014"],
        "a-donde-acudir": ["artículo 115", "Comisión Estatal de los Derechos Humanos de Chiapas"],
    }
    for slug, words in sources.items():
        html = spanish(reverse("voice:rights_page", args=[slug]))
        for word in words:
            assert word in html, (slug, word)


def test_the_index_lists_the_four_pages():
    html = spanish(reverse("voice:rights"))
    assert reverse("voice:rights") == "/agua/derechos/"
    for slug in PAGES:
        assert f'href="/agua/derechos/{slug}/"' in html


def test_a_page_that_does_not_exist_is_not_found():
    assert Client().get("/agua/derechos/otra-cosa/").status_code == 404


def test_the_quality_page_says_no_e_coli_and_shows_the_norms_own_limits():
    html = spanish(QUALITY)
    e_coli = rural_limit("e_coli")
    assert e_coli.rule == Limit.Rule.NOT_DETECTABLE and e_coli.unit == "/100 mL"
    assert "E. coli" in html and "Ninguno en 100 mL de agua." in html
    chlorine = rural_limit("free_chlorine")
    low, high = number(chlorine.minimum), number(chlorine.maximum)
    assert f"Entre {low} y {high} mg/L." in html
    for code in ("turbidity", "arsenic", "fluoride", "nitrate"):
        limit = rural_limit(code)
        assert f"No más de {number(limit.maximum)} {limit.unit}." in html, code
    # The staged values still to come for a rural locality, with their day.
    for code in ("arsenic", "fluoride"):
        later = rural_limit(code, later=True)
        day = later.applies_from
        assert f"no más de {number(later.maximum)} {later.unit}." in html, code
        assert f"{day.day} de " in html and str(day.year) in html
    assert "hiérvala o clórela" in html


def test_the_seeded_limits_are_those_of_the_corrected_domain_note():
    # /work/shared/domain/water-quality.md, checked against the DOF text of NOM-127-SSA1-2021.
    assert (rural_limit("free_chlorine").minimum, rural_limit("free_chlorine").maximum) == (
        Decimal("0.2"),
        Decimal("1.5"),
    )
    assert rural_limit("turbidity").maximum == Decimal("3.0")  # from 27 April 2024
    assert rural_limit("arsenic").maximum == Decimal("0.025")
    assert rural_limit("fluoride").maximum == Decimal("1.50")
    assert rural_limit("nitrate").maximum == Decimal("11.00")
    assert rural_limit("arsenic", later=True).maximum == Decimal("0.010")
    assert rural_limit("fluoride", later=True).maximum == Decimal("1.0")
    # Localities under 50,000 get the stricter values six years after entry into force.
    assert rural_limit("arsenic", later=True).applies_from == datetime.date(2029, 4, 27)


def test_an_edited_limit_shows_on_the_page_at_once():
    chlorine = rural_limit("free_chlorine")
    chlorine.maximum = Decimal("1.4")
    chlorine.save(update_fields=["maximum"])
    assert f"Entre {number(chlorine.minimum)} y 1.4 mg/L." in spanish(QUALITY)


def test_a_locality_of_more_than_half_a_million_gets_its_own_class():
    locality = Locality.objects.order_by("key").first()
    locality.population = 600_000
    locality.save(update_fields=["population"])
    html = spanish(f"{QUALITY}?localidad={locality.key}")
    assert "que tiene 600,000 habitantes" in html
    # More than 500,000: the stricter arsenic value from one year after entry into force.
    assert "No más de 0.01 mg/L." in html
    assert "No más de 0.025 mg/L." not in html


def test_a_locality_key_gives_the_way_back_to_its_page_from_every_page():
    locality = Locality.objects.order_by("key").first()
    back = reverse("voice:locality", args=[locality.key])
    html = spanish(f"{reverse('voice:rights')}?localidad={locality.key}")
    assert f'href="{back}"' in html
    assert f'href="/agua/derechos/calidad-del-agua/?localidad={locality.key}"' in html
    for slug in PAGES:
        html = spanish(f"{reverse('voice:rights_page', args=[slug])}?localidad={locality.key}")
        assert f'href="{back}"' in html, slug
        assert f'href="/agua/derechos/?localidad={locality.key}"' in html, slug


def test_a_key_that_is_not_a_locality_gives_no_way_back():
    for key in ("999999999", "12<script>", "0701200011"):
        html = spanish(f"{QUALITY}?localidad={key}")
        # (the language switch keeps the address it came from, key and all)
        assert "/?localidad=" not in html.replace(f'value="{QUALITY}?localidad=', "")
        assert "Volver al agua de" not in html


def test_the_links_partial_keeps_the_locality():
    html = render_to_string("voice/rights/_links.html", {"locality_key": "070120001"})
    assert html.count("?localidad=070120001") == 4
    plain = render_to_string("voice/rights/_links.html", {})
    assert "?localidad=" not in plain and plain.count('href="/agua/derechos/') == 4


def test_the_pages_print_without_the_way_back_and_with_their_address():
    html = spanish(QUALITY)
    assert 'href="/static/voice/rights.css"' in html
    assert 'class="rights-print-only muted">Esta hoja está en internet: http' in html
    sheet = Path(finders.find("voice/rights.css")).read_text()
    printed = sheet[sheet.index("@media print") :]
    assert ".rights-nav{display:none}" in printed and ".rights-print-only{display:block}" in printed


def test_the_spanish_page_turns_english_with_the_language_switch():
    # The page's words go through the project's catalogue, figures and all.
    reader = Client()
    reader.post("/i18n/setlang/", {"language": "en", "next": QUALITY})
    html = reader.get(QUALITY).content.decode()
    assert 'lang="en"' in html
    assert "Skip to content" in html
    assert "What does the standard say?" in html
    assert "¿Qué dice la norma?" not in html
    limit = rural_limit("arsenic")
    assert f"No more than {number(limit.maximum)} mg/L." in html
    assert f"Between {number(rural_limit('free_chlorine').minimum)} and" in html
    reader.post("/i18n/setlang/", {"language": "es-mx", "next": QUALITY})
    assert "¿Qué dice la norma?" in reader.get(QUALITY).content.decode()
