"""The summaries' figures read as what they are (issue 15).

On the demo's municipal and state summaries: the official-vs-real bars are nested and the
"safely managed" estimate stands apart from them; every figure says who it counts, over which
dates and from what; the two "safely managed" numbers of the water ladder are named as two
things; tests passed and households failed each carry their own denominator; JMP, T0–T4 and the A–D
classes are explained where they appear. Charts print their latest value and scale as text and
give the same values as a table, with no links or tooltips inside the image.
"""

import html as html_lib
import re

import pytest

from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.indicators.presentation import format_value, format_value_share, rungs
from ojodeagua.places.models import Municipality
from ojodeagua.web.tests.test_browser import PHONE, browser, overflow  # noqa: F401

MUNICIPALITY_KEY = "07012"


@pytest.fixture
def municipality(db):
    return Municipality.objects.get(key=MUNICIPALITY_KEY)


def latest_values(entity: str, entity_id: int) -> dict[str, IndicatorValue]:
    found = IndicatorValue.objects.filter(entity=entity, entity_id=entity_id)
    month = found.order_by("-period").first().period
    return {v.indicator: v for v in found.filter(period=month)}


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    end = page.find("</section>", start)
    return page[start:end]


def people(row_html: str) -> int:
    found = re.search(r"([\d,]+) de [\d,]+ personas", text_of(row_html))
    assert found, row_html
    return int(found.group(1).replace(",", ""))


def summaries(agencia, municipality):
    municipal = agencia.get(f"/resumen/municipio/{municipality.pk}/").content.decode()
    state = agencia.get(f"/resumen/estado/{municipality.state_id}/").content.decode()
    return {
        "municipality": (municipal, latest_values("municipality", municipality.pk)),
        "state": (state, latest_values("state", municipality.state_id)),
    }


def test_the_official_bars_are_nested_and_safely_managed_stands_apart(agencia, municipality):
    for page, values in summaries(agencia, municipality).values():
        gaps = section(page, "gap1")
        bars = gaps[gaps.index('class="gap-bars"') :]
        bars = bars[: bars.index("</div>\n")]
        rows = re.findall(r'<a class="gap-row"[^>]*data-indicator="(\w+)"(.*?)</a>', bars, re.S)
        assert [code for code, _ in rows] == ["gap_on_record", "gap_working", "gap_reliable"]
        counted = [people(row) for _, row in rows]
        assert counted == sorted(counted, reverse=True), counted
        # The estimate is drawn apart, said to be another measure, with its own method.
        apart = gaps[gaps.index("gap-apart") :]
        assert 'data-indicator="gap_safely_managed"' in apart
        words = text_of(apart)
        assert "otra medida" in words and "No es un paso más" in words
        assert "encuestas de hogares" in words and "T4" in words
        safe = values["gap_safely_managed"]
        assert f"{safe.numerator:,.0f} de {safe.denominator:,.0f} personas" in words


def test_every_figure_says_who_it_counts_over_which_dates(agencia, municipality):
    for page, values in summaries(agencia, municipality).values():
        for heading, code in (
            ("gap1", "gap_on_record"),
            ("gap2", "perception_gap"),
            ("systems", "working_share"),
            ("ladders", "jmp_water"),
        ):
            words = text_of(section(page, heading))
            value = values[code]
            assert "Quién cuenta" in words, heading
            assert f"{value.window_start:%d/%m/%Y} al {value.window_end:%d/%m/%Y}" in words, heading


def test_the_two_safely_managed_figures_of_the_water_ladder_are_named_apart(agencia, municipality):
    for page, values in summaries(agencia, municipality).values():
        water = values["jmp_water"]
        card = section(page, "ladders")
        card = card[: card.index("</div>", card.index("safely-managed-estimate"))]
        words = text_of(card)
        # The bar: one rung per household, summing to 100 %.
        assert "suman 100 %" in text_of(section(page, "ladders"))
        bar = next(r for r in rungs(water) if r.code == "safely_managed")
        rung_share = format_value_share(bar.share)
        assert f"de la barra ({rung_share}) cuenta otra cosa" in words
        assert "las viviendas que cumplen las tres a la vez" in words
        # The estimate, named as the JMP's.
        assert f"(estimación del JMP, según las guías de la OMS): {format_value(water)}" in words
        # The criteria are separate lines, not steps.
        criteria = re.findall(r"<li>(.*?)</li>", card[card.index('class="criteria"') :])[:3]
        assert [text_of(c).split(":")[0] for c in criteria] == [
            "Agua en la vivienda o el terreno",
            "Agua suficiente cuando la necesitaron el último mes",
            "Agua libre de contaminación (según las guías de la OMS)",
        ]


def test_tests_passed_and_households_failed_each_say_their_denominator(agencia, municipality):
    for page, values in summaries(agencia, municipality).values():
        tests = values["microbial_compliance"]
        systems = text_of(section(page, "systems"))
        assert (
            f"de {tests.denominator:.0f} pruebas de E. coli hechas a los sistemas del "
            f"{tests.window_start:%d/%m/%Y} al {tests.window_end:%d/%m/%Y}, "
            f"{tests.numerator:.0f} salieron sin E. coli. Cuenta pruebas, no hogares."
        ) in systems
        gap = values["perception_gap"]
        households = text_of(section(page, "gap2"))
        assert (
            f"E. coli: {gap.breakdown['ecoli_failed']:,.0f} de esos {gap.denominator:,.0f} "
            "hogares reciben agua de un sistema que tuvo una prueba con E. coli (NOM-127) a "
            "menos de 90 días de la encuesta."
        ) in households


def test_jmp_the_tiers_and_the_classes_are_explained_where_they_appear(agencia, municipality):
    for page, values in summaries(agencia, municipality).values():
        start = page.index('id="glosario"')
        glossary = page[start : page.index("</details>", start)]
        words = text_of(glossary)
        assert "el JMP (OMS y UNICEF)" in words and "los escalones suman 100 %" in words
        assert "T0 no funciona; T1 da agua; T2 da agua y su caudal" in words
        assert "A (0.9 o más)" in words and "propio de este proyecto" in words
        # The systems' score is the project's own: SIASAR is named only beside the locality
        # score (test_score_names).
        assert "SIASAR" not in page
        # Where they appear, they point to the explanation.
        assert '<a href="#glosario"><abbr title="Programa Conjunto' in section(page, "ladders")
        systems = section(page, "systems")
        assert '<a href="#glosario">T0–T4</a>' in systems
        assert "de 0 a 1 (las clases A–D se explican al principio)" in systems
        # A figure is one link: no link inside it.
        for figure in re.findall(r'<a class="figure[^"]*"[^>]*>(.*?)</a>', systems, re.S):
            assert "<a " not in figure
        # Each tier's count with its meaning, one line each.
        working = values["working_share"]
        for tier, count in working.breakdown.items():
            if not re.fullmatch(r"T\d", tier):
                continue
            assert re.search(rf"<strong>{tier}</strong> [^:<]+: {count:.0f} sistemas?<", systems)


def chart_figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'<figure class="chart" data-chart="(\w+)">(.*?)</figure>', page, re.S))


def test_charts_print_their_latest_value_and_scale_and_give_a_table(agencia, municipality):
    page = agencia.get(f"/resumen/municipio/{municipality.pk}/").content.decode()
    charts = chart_figures(page)
    assert set(charts) == {
        "working_share",
        "reliable_share",
        "gap_reliable",
        "microbial_compliance",
        "continuity_hours",
    }
    found = IndicatorValue.objects.filter(entity="municipality", entity_id=municipality.pk)
    for code, chart in charts.items():
        image = chart[chart.index("<svg") : chart.index("</svg>")]
        assert "<a " not in image and "<title>" not in image, code
        series = list(found.filter(indicator=code).order_by("period"))[-24:]
        latest = series[-1]
        words = text_of(chart)
        assert f"Último dato, {latest.period:%m/%Y}"[:12] in words  # "Último dato,"
        assert f": {format_value(latest)}" in words
        assert "Escala: de 0 (abajo) a" in words
        table = chart[chart.index(f'<details class="chart-table" id="tabla-{code}">') :]
        assert "<summary>Ver tabla</summary>" in table
        links = re.findall(r'href="/indicadores/(\d+)/">([^<]*)</a>', table)
        assert len(links) == image.count("<circle")
        assert links[0] == (str(latest.pk), format_value(latest))


def test_the_service_and_finance_panels_charts_do_the_same(agencia):
    from ojodeagua.providers.models import Provider
    from ojodeagua.watersystems.models import WaterSystem

    system_id = (
        IndicatorValue.objects.filter(entity="system", indicator="days_per_week")
        .values_list("entity_id", flat=True)
        .first()
    )
    provider = Provider.objects.get(
        pk=IndicatorValue.objects.filter(entity="provider", indicator="collection_efficiency")
        .values_list("entity_id", flat=True)
        .first()
    )
    pages = [
        agencia.get(WaterSystem.objects.get(pk=system_id).get_absolute_url()).content.decode(),
        agencia.get(provider.get_absolute_url()).content.decode(),
    ]
    for number, page in enumerate(pages):
        charts = chart_figures(page)
        assert charts, (number, page.count("chart"))
        for code, chart in charts.items():
            image = chart[chart.index("<svg") : chart.index("</svg>")]
            assert "<a " not in image and "<title>" not in image, code
            assert "Último dato" in chart and "Escala: de 0" in chart
            assert f'id="tabla-{code}"' in chart


@pytest.mark.browser
def test_on_a_phone_the_glossary_and_a_chart_table_open_without_sideways_scroll(
    live_server,
    demo,
    browser,  # noqa: F811
):
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page.goto(f"{live_server.url}/")
    page.get_by_label("Usuario").fill("agencia")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    municipality = Municipality.objects.get(key=MUNICIPALITY_KEY)
    page.goto(f"{live_server.url}/resumen/municipio/{municipality.pk}/")
    page.get_by_text("Qué quieren decir JMP, T0–T4 y las clases A–D").click()
    assert page.locator("#glosario dd").first.is_visible()
    table = page.locator("#tabla-reliable_share")
    table.get_by_text("Ver tabla").click()
    assert table.locator("tbody tr").first.is_visible()
    summary_box = table.locator("summary").bounding_box()
    assert summary_box["height"] >= 44
    assert overflow(page) <= 0


def test_a_ladders_line_counts_the_people_its_bar_places(agencia, municipality):
    """The sanitation bar has a «no se sabe» rung: its line counts those people too."""
    for page, values in summaries(agencia, municipality).values():
        sanitation = values["jmp_sanitation"]
        placed = sum(rung.amount for rung in rungs(sanitation))
        assert placed > sanitation.denominator  # some households' rung is unknown
        card = section(page, "ladders")
        card = card[card.index(f"/indicadores/{sanitation.pk}/") :]
        words = text_of(card[: card.index('<div class="card">')])
        assert f"Quién cuenta: {placed:,.0f} personas en viviendas encuestadas" in words
