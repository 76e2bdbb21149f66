"""The books' figures as provider indicators: values, the provider score, refreshes and pages."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from ojodeagua.books.cash import record_expense, record_sale
from ojodeagua.books.models import Connection
from ojodeagua.books.payments import record_payment
from ojodeagua.books.tests.factories import M, make_committee, make_provider
from ojodeagua.books.tests.test_score import keep_books
from ojodeagua.indicators.engine import (
    data_months,
    recompute_all,
    refresh_after,
    refresh_books,
    refresh_books_on_commit,
)
from ojodeagua.indicators.models import IndicatorValue, ScoreWeight
from ojodeagua.indicators.months import add_months
from ojodeagua.indicators.presentation import finance_sentences

from .conftest import MARCH, D

FINANCE = ("collection_efficiency", "cost_coverage", "reserve_months")


def finance_of(provider):
    return {
        (v.indicator, v.period): v
        for v in IndicatorValue.objects.filter(
            entity="provider", entity_id=provider.pk, indicator__in=FINANCE
        )
    }


def readable(values):
    return {
        key: (v.value, v.numerator, v.denominator, v.window_start, v.window_end)
        for key, v in values.items()
    }


@pytest.fixture
def committee(db):
    """A committee with fifteen months of books (see ``keep_books``) and no water system."""
    provider = make_committee("Comité con cuentas (prueba)")
    keep_books(provider)
    return provider


def test_the_books_give_monthly_provider_figures_counted_by_hand(committee):
    refresh_books({committee.pk})
    found = finance_of(committee)

    # March 2026: the 12 months from April 2025. Charged $400 (9 × $50 less a $50 credit);
    # the payments not voided settled $280 of them.
    collection = found["collection_efficiency", MARCH]
    assert (collection.numerator, collection.denominator) == (280, 400)
    assert collection.value == pytest.approx(0.7)
    assert (collection.window_start, collection.window_end) == (D(2025, 4, 1), D(2026, 3, 31))
    coverage = found["cost_coverage", MARCH]
    assert (coverage.numerator, coverage.denominator) == (400, 210)
    assert coverage.value == pytest.approx(400 / 210)
    reserve = found["reserve_months", MARCH]
    assert (reserve.numerator, reserve.denominator) == (360, 17.5)

    # February 2026: January and February's charges, $300, of which $150 + $80 were settled
    # (B's voided payment does not count); the repairs of February 2025 left the window.
    february = found["collection_efficiency", D(2026, 2, 1)]
    assert (february.numerator, february.denominator) == (230, 300)
    assert found["cost_coverage", D(2026, 2, 1)].value == pytest.approx(300 / 120)

    # January 2026: the window still holds February 2025's $500 of repairs.
    assert found["cost_coverage", D(2026, 1, 1)].value == pytest.approx(150 / 500)
    assert found["collection_efficiency", D(2026, 1, 1)].value == 1

    # February 2025: the books began in January 2025, so the window starts there (two months
    # of spending, $250 a month), not twelve months back.
    early = found["reserve_months", D(2025, 2, 1)]
    assert (early.window_start, early.numerator, early.denominator) == (D(2025, 1, 1), 360, 250)
    assert found["cost_coverage", D(2025, 2, 1)].value == 0
    # Nothing was charged before 2026, and in January 2025 nothing was spent yet either.
    assert ("collection_efficiency", D(2025, 12, 1)) not in found
    assert not [key for key in found if key[1] == D(2025, 1, 1)]
    # Nothing after the last month of books.
    assert max(period for _code, period in found) == MARCH


def test_a_full_recompute_and_a_books_refresh_agree(committee):
    refresh_books({committee.pk})
    refreshed = readable(finance_of(committee))
    assert refreshed
    recompute_all()
    assert readable(finance_of(committee)) == refreshed


def test_books_later_than_the_observations_do_not_stretch_the_service_figures(committee):
    """Fees are charged on the 1st while observations wait for validation: the books' months
    must not make a full recompute carry service figures into months without observations."""
    last_observed = data_months()[1]
    later = add_months(last_observed, 1)
    record_expense(
        committee,
        spent_on=later.replace(day=5),
        category="energy",
        amount=M(100),
        supplier="CFE",
        description="Bomba",
    )
    recompute_all()
    # Its 12 months hold February's $120, March's $90 and this $100.
    assert finance_of(committee)["cost_coverage", later].denominator == 310
    assert not IndicatorValue.objects.filter(period__gt=last_observed).exclude(
        indicator__in=FINANCE
    )


def test_a_provider_without_books_has_no_financial_figures(town):
    refresh_after(town["observations"])
    recompute_all()
    provider_values = IndicatorValue.objects.filter(
        entity="provider", entity_id=town["provider"].pk
    )
    assert provider_values.filter(indicator="working_share").exists()
    assert not provider_values.filter(indicator__in=FINANCE).exists()
    # Its score is its systems' mean, as before the books: no finance component, not a zero.
    score = provider_values.get(indicator="score", period=MARCH)
    system_score = IndicatorValue.objects.get(
        entity="system", entity_id=town["system"].pk, indicator="score", period=MARCH
    )
    assert score.value == pytest.approx(system_score.value)
    assert "finance" not in score.breakdown


@pytest.fixture
def town_with_books(town):
    """The test town's committee, whose system has a score in March 2026, keeps books too."""
    keep_books(town["provider"])
    refresh_after(town["observations"])
    refresh_books({town["provider"].pk})
    return town


def provider_score(town):
    return IndicatorValue.objects.get(
        entity="provider", entity_id=town["provider"].pk, indicator="score", period=MARCH
    )


def test_the_provider_score_weighs_service_and_finances(town_with_books):
    town = town_with_books
    service = IndicatorValue.objects.get(
        entity="system", entity_id=town["system"].pk, indicator="score", period=MARCH
    ).value
    # Finance: collection 0.7 and coverage 400/210, capped at 1; equal weights by default.
    finance = (0.7 + 1.0) / 2
    score = provider_score(town)
    assert score.breakdown == pytest.approx({"service": service, "finance": finance, "systems": 1})
    assert score.value == pytest.approx((service + finance) / 2)

    # A coordinator gives the finances three times the weight of the service.
    ScoreWeight.objects.filter(score="provider", component="finance").update(weight=Decimal(3))
    refresh_books({town["provider"].pk})
    assert provider_score(town).value == pytest.approx((service + 3 * finance) / 4)

    # ... or none: the score is the systems' again.
    ScoreWeight.objects.filter(score="provider", component="finance").update(weight=Decimal(0))
    recompute_all()
    assert provider_score(town).value == pytest.approx(service)


def test_refreshes_and_a_full_recompute_give_the_provider_the_same_values(town_with_books):
    """Observation refresh, books refresh and full recompute meet on every provider value."""
    town = town_with_books

    def provider_values():
        return {
            (v.indicator, v.period): (v.value, v.numerator, v.denominator, v.label, v.breakdown)
            for v in IndicatorValue.objects.filter(entity="provider", entity_id=town["provider"].pk)
        }

    refreshed = provider_values()
    assert ("score", MARCH) in refreshed and ("cost_coverage", MARCH) in refreshed
    recompute_all()
    rebuilt = provider_values()
    assert rebuilt.keys() == refreshed.keys()
    for key, (value, numerator, denominator, label, breakdown) in refreshed.items():
        assert rebuilt[key] == (
            pytest.approx(value),
            numerator,
            denominator,
            label,
            pytest.approx(breakdown),
        ), key


def test_an_observation_refresh_keeps_the_financial_figures(town_with_books):
    town = town_with_books
    before = readable(finance_of(town["provider"]))
    score = provider_score(town).value
    refresh_after(town["observations"])
    assert readable(finance_of(town["provider"])) == before
    assert provider_score(town).value == pytest.approx(score)
    assert "finance" in provider_score(town).breakdown


def test_a_payment_refreshes_its_provider_once_committed(
    committee, django_capture_on_commit_callbacks
):
    refresh_books({committee.pk})
    toma_b = Connection.objects.get(provider=committee, code="B")
    with django_capture_on_commit_callbacks(execute=True):
        record_payment(
            committee, record_id=None, amount=M(50), paid_on=D(2026, 3, 28), connection=toma_b
        )
        # What the books' writers call after posting (see the report): once per provider.
        refresh_books_on_commit(committee.pk)
        refresh_books_on_commit(committee.pk)
    collection = finance_of(committee)["collection_efficiency", MARCH]
    # B's February charge is settled now: $330 of $400.
    assert (collection.numerator, collection.denominator) == (330, 400)


def test_the_command_refreshes_the_books_figures(committee, capsys):
    call_command("indicators", "--books", "--provider", str(committee.pk))
    assert finance_of(committee)
    assert "Se calcularon" in capsys.readouterr().out


def test_the_provider_page_shows_the_accounts_and_leads_to_the_charges(committee, agencia):
    refresh_books({committee.pk})
    html = agencia.get(committee.get_absolute_url()).content.decode()
    assert "Cómo van las cuentas" in html
    assert "Con las cuentas hasta marzo de 2026." in html
    assert (
        "De abril de 2025 a marzo de 2026 se cobró el 70 % de lo que se cargó a las tomas "
        "($280.00 de $400.00)." in html
    )
    assert (
        "Los ingresos del periodo ($400.00) cubren el 190 % de lo que costó operar y mantener "
        "el servicio ($210.00): alcanzan." in html
    )
    # $360 ÷ $17.50 a month = 20.57 months, rounded (not cut) to 20.6.
    assert "El fondo de reserva ($360.00) alcanza para 20.6 meses" in html
    assert "<strong>20.6 meses</strong>" in html
    collection = finance_of(committee)["collection_efficiency", MARCH]
    assert f"/indicadores/{collection.pk}/" in html
    why = agencia.get(f"/indicadores/{collection.pk}/").content.decode()
    assert "280 de 400" in why
    # The charges behind it: the nine monthly fees and the credit.
    assert "Cargos (10)" in why


def test_a_provider_page_without_books_says_there_are_no_figures_yet(town, agencia):
    refresh_after(town["observations"])
    html = agencia.get(town["provider"].get_absolute_url()).content.decode()
    assert "Cómo va el servicio" in html
    assert "Todavía no hay cifras de las cuentas" in html


def test_the_export_lists_the_books_figures(committee, agencia):
    refresh_books({committee.pk})
    response = agencia.get(
        "/indicadores/exportar/valores.csv",
        {"indicator": "cost_coverage", "entity": "provider", "entity_id": committee.pk},
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    march = [row for row in rows[1:] if row[4] == "2026-03"]
    assert len(march) == 1
    assert march[0][3] == committee.name
    assert float(march[0][9]) == 400 and float(march[0][10]) == 210


def test_a_shortfall_is_said_plainly(committee):
    refresh_books({committee.pk})
    january = {
        v.indicator: v
        for v in IndicatorValue.objects.filter(
            entity="provider", entity_id=committee.pk, period=D(2026, 1, 1)
        )
    }
    sentences = finance_sentences(january)
    # The window still holds February 2025's $500 of repairs against January's $150 of fees.
    assert (
        "¡Atención! Los ingresos del periodo ($150.00) cubren sólo el 30 % de lo que costó "
        "operar y mantener el servicio ($500.00)." in sentences
    )
    # An empty reserve is said as such, not as "0.0 months".
    empty = IndicatorValue(
        indicator="reserve_months",
        period=D(2026, 1, 1),
        window_start=D(2025, 2, 1),
        value=0.0,
        numerator=0.0,
        denominator=41.67,
    )
    assert finance_sentences({"reserve_months": empty}) == [
        "El comité no tiene dinero en su fondo de reserva para una reparación grande."
    ]


@pytest.fixture
def kiosk(db):
    """A women's kiosk in the agency's municipality: jug sales and its costs, no tomas."""
    provider = make_provider("Kiosco con cuentas (prueba)", "kiosk")
    for day, jugs in ((D(2026, 2, 7), 100), (D(2026, 3, 14), 80)):
        record_sale(provider, sold_on=day, product="jug_20l", quantity=jugs, unit_price=M(14))
    record_expense(
        provider,
        spent_on=D(2026, 3, 20),
        category="energy",
        amount=M(600),
        supplier="CFE",
        description="Luz del kiosco",
    )
    return provider


def test_a_kiosks_income_is_its_sales_and_collection_does_not_apply(kiosk, agencia):
    refresh_books({kiosk.pk})
    found = finance_of(kiosk)
    # 180 jugs at $14 against $600 of electricity, over February and March.
    coverage = found["cost_coverage", MARCH]
    assert (coverage.numerator, coverage.denominator) == (2520, 600)
    # No tomas were charged: no collection efficiency at all, not a 0 %.
    assert not [key for key in found if key[0] == "collection_efficiency"]
    html = agencia.get(kiosk.get_absolute_url()).content.decode()
    start = html.index('id="finance-title"')
    panel = html[start : html.index("</section>", start)]
    assert "Los ingresos del periodo ($2,520.00) cubren el 420 %" in panel
    assert "<strong>no aplica</strong>eficiencia de cobranza" in panel
    assert "La eficiencia de cobranza no aplica: el dinero de un kiosco" in panel
    assert "se cargó a las tomas" not in panel and "0 %</strong>eficiencia" not in panel


def test_a_committee_shows_its_collection_and_no_not_applicable(committee, agencia):
    refresh_books({committee.pk})
    html = agencia.get(committee.get_absolute_url()).content.decode()
    assert "70 %</strong>eficiencia de cobranza" in html
    assert "no aplica" not in html
