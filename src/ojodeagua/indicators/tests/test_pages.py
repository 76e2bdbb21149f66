"""Summary pages, service panels and "why this number", clicked through as users do."""

import re

from ojodeagua.conftest import login_client
from ojodeagua.indicators.engine import refresh_after
from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.places.models import Municipality

from .conftest import MARCH


def test_municipal_summary_shows_both_gaps_and_leads_to_the_observations(town, agencia):
    refresh_after(town["observations"])
    municipality = town["locality"].municipality
    page = agencia.get(f"/resumen/municipio/{municipality.pk}/?mes=2026-03")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lo que dice el registro y lo que pasa de verdad" in html
    assert "Lo que dicen los hogares y lo que se midió" in html
    # First click: the reliable-service figure opens its "why" page.
    reliable = IndicatorValue.objects.get(
        entity="municipality", entity_id=municipality.pk, period=MARCH, indicator="gap_reliable"
    )
    assert f"/indicadores/{reliable.pk}/" in html
    why = agencia.get(f"/indicadores/{reliable.pk}/").content.decode()
    assert "De dónde sale este número" in why
    # The municipal figure is made of localities' figures; ours is listed with its fraction.
    locality_value = IndicatorValue.objects.get(
        entity="locality", entity_id=town["locality"].pk, period=MARCH, indicator="gap_reliable"
    )
    assert f"/indicadores/{locality_value.pk}/" in why
    assert f"Localidad {town['locality'].name} · marzo de 2026" in why
    # The observations under it are one click away too: the system's visits are listed.
    for visit in town["system"].visits.filter(observed_on__lte="2026-03-31"):
        assert visit.get_absolute_url() in why
    # Second click reaches the locality's figure, which names the served-locality link and
    # the system tiers; the system tier in turn lists the visit.
    locality_why = agencia.get(f"/indicadores/{locality_value.pk}/").content.decode()
    assert "320 de 400" in locality_why


def test_a_figure_of_many_parts_says_its_list_of_observations_is_partial(
    town, agencia, monkeypatch
):
    from ojodeagua.indicators import sources

    refresh_after(town["observations"])
    municipality = town["locality"].municipality
    reliable = IndicatorValue.objects.get(
        entity="municipality", entity_id=municipality.pk, period=MARCH, indicator="gap_reliable"
    )
    partial = "la lista está incompleta"
    assert partial not in agencia.get(f"/indicadores/{reliable.pk}/").content.decode()
    monkeypatch.setattr(sources, "MAX_FIGURES_FOLLOWED", 1)
    html = agencia.get(f"/indicadores/{reliable.pk}/").content.decode()
    assert partial in html
    assert "Las observaciones detrás de esta cifra" in html


def test_why_page_of_a_system_figure_lists_its_supply_days(town, agencia):
    refresh_after(town["observations"])
    hours = IndicatorValue.objects.get(
        entity="system", entity_id=town["system"].pk, period=MARCH, indicator="continuity_hours"
    )
    html = agencia.get(f"/indicadores/{hours.pk}/").content.decode()
    assert "240 de 31" in html
    links = re.findall(r'href="(/suministro/\d+/)"', html) or re.findall(
        r'href="([^"]+)">Sistema de prueba · \d\d/03/2026', html
    )
    assert len(links) == 31  # the pending day in sector "alto" is not a source


def test_system_page_states_the_service_in_plain_words(town, agencia):
    refresh_after(town["observations"])
    html = agencia.get(town["system"].get_absolute_url()).content.decode()
    assert "Cómo va el servicio" in html
    assert "En la última visita el sistema no funcionaba." in html  # April's visit


def test_summaries_respect_scope(town, ong, tesorera, agencia):
    refresh_after(town["observations"])
    foreign = Municipality.objects.get(key="07061")
    assert ong.get(f"/resumen/municipio/{foreign.pk}/").status_code == 404
    state = foreign.state
    assert tesorera.get(f"/resumen/estado/{state.pk}/").status_code == 403
    state_value = IndicatorValue.objects.filter(entity="state").first()
    assert state_value is not None
    assert tesorera.get(f"/indicadores/{state_value.pk}/").status_code == 404
    superuser_page = login_client_superuser().get(f"/resumen/estado/{state.pk}/")
    assert superuser_page.status_code == 200


def login_client_superuser():
    from django.contrib.auth.models import User

    user = User.objects.create_superuser("raiz", "raiz@example.org", "x")
    return login_client(user.username)


def test_the_menu_link_opens_the_summary_of_the_users_municipality(agencia, tesorera):
    page = agencia.get("/resumen/", follow=True)
    assert page.status_code == 200
    assert "Cómo va el servicio en Berriozábal" in page.content.decode()
    assert tesorera.get("/resumen/", follow=True).status_code == 200


def test_the_demo_summary_shows_both_gaps_with_their_numbers(agencia):
    """The demo's story: coverage on paper, far less reliable service, and "no problem"."""
    municipality = Municipality.objects.get(key="07012")
    html = agencia.get(f"/resumen/municipio/{municipality.pk}/").content.decode()
    latest = IndicatorValue.objects.filter(entity="municipality", entity_id=municipality.pk)
    month = latest.order_by("-period").first().period

    def figure(indicator):
        return latest.get(period=month, indicator=indicator)

    record, reliable = figure("gap_on_record"), figure("gap_reliable")
    assert reliable.numerator < record.numerator
    # Somewhere, everyone is covered on paper while at most half have reliable service.
    localities = IndicatorValue.objects.filter(entity="locality", period=month)
    fully_covered = {
        v.entity_id
        for v in localities.filter(indicator="gap_on_record")
        if v.numerator == v.denominator
    }
    assert any(
        v.value <= 0.5
        for v in localities.filter(indicator="gap_reliable", entity_id__in=fully_covered)
    )
    for value in (record, reliable, figure("gap_working"), figure("gap_safely_managed")):
        assert f"{value.numerator:,.0f} de {value.denominator:,.0f} personas" in html
    perception = figure("perception_gap")
    assert perception.numerator > 0
    assert (
        f"De {perception.denominator:,.0f} hogares que dijeron que su agua no tiene ningún "
        f"problema, en {perception.numerator:,.0f} el agua no cumplió" in html
    )
    assert perception.breakdown["ecoli_failed"] > 0


def test_moving_a_survey_to_another_date_refreshes_the_month_it_left(
    town, agencia, django_capture_on_commit_callbacks
):
    from django.forms.models import model_to_dict

    from ojodeagua.monitoring.forms import HouseholdSurveyForm

    refresh_after(town["observations"])
    survey = next(o for o in town["observations"] if type(o).__name__ == "HouseholdSurvey")
    data = {
        name: value
        for name, value in model_to_dict(survey, fields=HouseholdSurveyForm._meta.fields).items()
        if value is not None
    }
    data.update(observed_on="2025-01-10", action="validate")
    with django_capture_on_commit_callbacks(execute=True):
        response = agencia.post(f"{survey.get_absolute_url()}editar/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    water = IndicatorValue.objects.get(
        entity="locality", entity_id=town["locality"].pk, period=MARCH, indicator="jmp_water"
    )
    assert water.denominator == 10 - survey.household_size


def test_the_breakdown_reads_in_words(town, agencia):
    refresh_after(town["observations"])
    tier = IndicatorValue.objects.get(
        entity="system",
        entity_id=town["system"].pk,
        indicator="functionality",
        period=MARCH.replace(month=4),
    )
    html = agencia.get(f"/indicadores/{tier.pk}/").content.decode()
    assert "por qué no sube de nivel: no funcionaba en la visita" in html
    assert "stops_at" not in html
    record = IndicatorValue.objects.get(
        entity="locality", entity_id=town["locality"].pk, period=MARCH, indicator="gap_on_record"
    )
    html = agencia.get(f"/indicadores/{record.pk}/").content.decode()
    assert "<dd>320</dd>" in html and "<dd>400</dd>" in html


def test_why_this_number_writes_out_the_jmp_estimate_and_its_norm(town, agencia):
    refresh_after(town["observations"])
    water = IndicatorValue.objects.get(
        entity="locality", entity_id=town["locality"].pk, period=MARCH, indicator="jmp_water"
    )
    html = agencia.get(f"/indicadores/{water.pk}/").content.decode()
    assert "Cómo se estimó «gestionada de forma segura»" in html
    assert "Usan una fuente mejorada 8 de 10 personas encuestadas: 80 %." in html
    assert "agua en la vivienda o el terreno: 5 de 8 (62 %)" in html
    assert "el menor de los tres (62 %) = 50 %" in html
    assert "«Libre de contaminación» se juzgó según las guías de la OMS." in html
    assert "no se sabe: <strong>0 %</strong>" in html  # the unknown share has its own rung
    assert "<dt>Clase</dt><dd>gestionado de forma segura</dd>" in html
    # The locality page's panel labels the figure with the norm.
    page = agencia.get(town["locality"].get_absolute_url()).content.decode()
    assert "(método del JMP, según las guías de la OMS)" in page
    assert "«Libre de contaminación» según las guías de la OMS." in page
    summary = agencia.get(
        f"/resumen/municipio/{town['locality'].municipality_id}/?mes=2026-03"
    ).content.decode()
    assert "Gestionada de forma segura (estimación del JMP, según las guías de la OMS)" in summary


def test_a_figure_that_cannot_be_estimated_says_so(town, agencia):
    from ojodeagua.waterquality.models import Verdict

    Verdict.objects.filter(norm__code="who").delete()
    refresh_after(town["observations"])
    water = IndicatorValue.objects.get(
        entity="locality", entity_id=town["locality"].pk, period=MARCH, indicator="jmp_water"
    )
    html = agencia.get(f"/indicadores/{water.pk}/").content.decode()
    assert "nadie respondió o nadie tiene prueba: no se puede estimar" in html
    assert "un dato que falta no se cuenta como «no»" in html
    assert "no se sabe: <strong>50 %</strong>" in html


def test_why_this_number_names_the_systems_left_out_of_chlorine(town, agencia):
    system = town["system"]
    system.chlorinates = "no"
    system.save()
    refresh_after(town["observations"])
    own = IndicatorValue.objects.get(
        entity="system", entity_id=system.pk, period=MARCH, indicator="chlorine_compliance"
    )
    html = agencia.get(f"/indicadores/{own.pk}/").content.decode()
    assert "Esta cifra no cuenta las 2 lecturas del mes: el sistema no clora" in html
    area = IndicatorValue.objects.get(
        entity="municipality",
        entity_id=town["locality"].municipality_id,
        period=MARCH,
        indicator="chlorine_compliance",
    )
    html = agencia.get(f"/indicadores/{area.pk}/").content.decode()
    count = area.breakdown["left_out_does_not_chlorinate"]
    sentence = (
        "Se dejó fuera 1 sistema que no clora"
        if count == 1
        else f"Se dejaron fuera {count} sistemas que no cloran"
    )
    assert f"{sentence} (la NOM sólo exige cloro residual donde se clora, 5.8.1)." in html
    assert f"{system.name} — el sistema no clora" in html
    summary = agencia.get(
        f"/resumen/municipio/{town['locality'].municipality_id}/?mes=2026-03"
    ).content.decode()
    from ojodeagua.indicators.presentation import systems_left_out

    assert re.search(
        rf"· {systems_left_out(area)} sistemas? fuera porque no cloran? o no se sabe", summary
    )
    assert "left_out_systems" not in html


def test_the_systems_left_out_are_named_in_one_query(town, django_assert_num_queries):
    from ojodeagua.indicators import presentation
    from ojodeagua.providers.tests.factories import make_system

    others = [make_system(town["provider"], name=f"Sin cloro {n}") for n in range(5)]
    value = IndicatorValue(
        indicator="chlorine_compliance",
        breakdown={
            "left_out_systems": [[s.pk, "does_not_chlorinate"] for s in others]
            + [[town["system"].pk, "chlorination_unknown"]],
        },
    )
    with django_assert_num_queries(1):
        named = presentation.left_out_systems(value)
    assert named[-1] == (town["system"].name, "no se sabe si el sistema clora")
    assert [name for name, _why in named[:5]] == [f"Sin cloro {n}" for n in range(5)]
    with django_assert_num_queries(0):
        assert presentation.left_out_systems(IndicatorValue(breakdown={})) == []
