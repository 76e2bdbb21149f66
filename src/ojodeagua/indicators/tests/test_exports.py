"""Indicator downloads: scope, filters, Spanish headers, names looked up in bulk, CSV and XLSX."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ojodeagua.conftest import login_client
from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.organisations.models import Membership
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.watersystems.models import WaterSystem

CSV_URL = "/indicadores/exportar/valores.csv"
XLSX_URL = "/indicadores/exportar/valores.xlsx"
HEADER = [
    "indicador",
    "de qué",
    "clave",
    "nombre",
    "mes",
    "desde",
    "hasta",
    "valor",
    "clase",
    "numerador",
    "denominador",
    "calculado",
    "desglose",
]


def value(indicator: str, entity: str, entity_id: int, **extra) -> IndicatorValue:
    period = extra.pop("period", datetime.date(2025, 3, 1))
    fields = {
        "period": period,
        "window_start": period,
        "window_end": period.replace(day=28),
        "value": 0.75,
        "label": "B",
        "numerator": 3,
        "denominator": 4,
        "computed_at": timezone.now(),
        **extra,
    }
    return IndicatorValue.objects.create(
        indicator=indicator, entity=entity, entity_id=entity_id, **fields
    )


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def values(db) -> dict[str, IndicatorValue]:
    """A committee system (the NGO covers it), Berriozábal (its totals are read by everyone who
    works there, the NGO too), and Ocozocoautla (nobody's)."""
    provider = Membership.objects.get(user__username="ong").providers.order_by("pk").first()
    system = WaterSystem.objects.filter(provider=provider).first()
    berriozabal = Municipality.objects.get(key="07012")
    ocozocoautla = Municipality.objects.get(key="07061")
    return {
        "system": value(
            "prueba_export",
            "system",
            system.pk,
            municipality_id=system.municipality_id,
            provider_id=provider.pk,
        ),
        "berriozabal": value(
            "prueba_export",
            "municipality",
            berriozabal.pk,
            municipality_id=berriozabal.pk,
            period=datetime.date(2025, 5, 1),
        ),
        "ocozocoautla": value(
            "prueba_export", "municipality", ocozocoautla.pk, municipality_id=ocozocoautla.pk
        ),
    }


def test_the_ngo_gets_only_its_area_and_never_ocozocoautla(values):
    system = WaterSystem.objects.get(pk=values["system"].entity_id)

    rows = csv_rows(login_client("ong").get(CSV_URL, {"indicator": "prueba_export"}))

    assert rows[0] == HEADER
    assert rows[1][:5] == ["prueba_export", "municipio", "07012", "Berriozábal", "2025-05"]
    assert rows[2:] == [
        [
            "prueba_export",
            "sistema",
            str(system.pk),
            system.name,
            "2025-03",
            "2025-03-01",
            "2025-03-28",
            "0.75",
            "B",
            "3.0",
            "4.0",
            f"{timezone.localtime(values['system'].computed_at):%Y-%m-%d %H:%M:%S}",
            "",
        ]
    ]
    assert not any("Ocozocoautla" in cell for row in rows for cell in row)


def test_the_agency_filters_by_month_and_entity(values):
    client = login_client("agencia")

    everything = csv_rows(client.get(CSV_URL, {"indicator": "prueba_export"}))
    from_april = csv_rows(client.get(CSV_URL, {"indicator": "prueba_export", "from": "2025-04"}))
    to_april = csv_rows(client.get(CSV_URL, {"indicator": "prueba_export", "to": "2025-04-30"}))
    municipal = csv_rows(
        client.get(CSV_URL, {"indicator": "prueba_export", "entity": "municipality"})
    )

    assert {row[3] for row in everything[1:]} >= {"Berriozábal"}
    assert len(everything) == 3
    assert [row[2:5] for row in from_april[1:]] == [["07012", "Berriozábal", "2025-05"]]
    assert [row[1] for row in to_april[1:]] == ["sistema"]
    assert [row[2] for row in municipal[1:]] == ["07012"]
    assert "Ocozocoautla de Espinosa" not in str(everything)


def test_a_municipality_outside_the_area_is_refused_in_spanish(values):
    ocozocoautla = Municipality.objects.get(key="07061")

    response = login_client("ong").get(CSV_URL, {"municipality": ocozocoautla.pk})
    bad_month = login_client("ong").get(CSV_URL, {"from": "marzo"})

    assert response.status_code == bad_month.status_code == 400
    assert "No se pudo exportar: revise los filtros" in response.content.decode()
    assert "from" in bad_month.content.decode()


def test_the_xlsx_has_the_same_rows_with_real_dates_and_numbers(values):
    rows = xlsx_rows(login_client("ong").get(XLSX_URL, {"indicator": "prueba_export"}))

    assert list(rows[0]) == HEADER
    assert [row[1] for row in rows[1:]] == ["municipio", "sistema"]
    row = rows[2]
    assert row[0:2] == ("prueba_export", "sistema")
    assert row[4] == "2025-03"
    assert row[5] == datetime.datetime(2025, 3, 1)
    assert row[7] == 0.75
    assert row[9:11] == (3, 4)
    assert not any("Ocozocoautla" in str(cell) for row in rows for cell in row)


def test_text_that_a_spreadsheet_would_run_is_neutralised(values):
    IndicatorValue.objects.filter(pk=values["system"].pk).update(label="=HYPERLINK(1)")

    xlsx = xlsx_rows(login_client("ong").get(XLSX_URL, {"indicator": "prueba_export"}))
    csv_ = csv_rows(login_client("ong").get(CSV_URL, {"indicator": "prueba_export"}))

    assert xlsx[2][1] == csv_[2][1] == "sistema"
    assert xlsx[2][8] == "'=HYPERLINK(1)"
    assert csv_[2][8] == "'=HYPERLINK(1)"


@pytest.mark.django_db
def test_names_are_looked_up_in_bulk_not_row_by_row():
    berriozabal = Municipality.objects.get(key="07012")
    localities = list(Locality.objects.filter(municipality=berriozabal).order_by("pk")[:30])
    client = login_client("agencia")

    def queries_for(count: int) -> int:
        for locality in localities[:count]:
            value(f"prueba_bulk_{count}", "locality", locality.pk, municipality_id=berriozabal.pk)
        with CaptureQueriesContext(connection) as captured:
            rows = csv_rows(client.get(CSV_URL, {"indicator": f"prueba_bulk_{count}"}))
        assert len(rows) == count + 1
        assert {row[3] for row in rows[1:]} == {loc.name for loc in localities[:count]}
        return len(captured)

    assert queries_for(30) == queries_for(3)


@pytest.mark.django_db
def test_the_downloads_need_a_signed_in_user(client):
    for url in (CSV_URL, XLSX_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_download_carries_the_distribution_with_its_unknown_share(values):
    agencia = login_client("agencia")
    berriozabal = Municipality.objects.get(key="07012")
    value(
        "jmp_water",
        "municipality",
        berriozabal.pk,
        municipality_id=berriozabal.pk,
        period=datetime.date(2019, 1, 1),
        breakdown={"safely_managed": 3, "unknown": 2, "norm": "who"},
    )
    rows = csv_rows(
        agencia.get(CSV_URL, {"indicator": "jmp_water", "from": "2019-01", "to": "2019-01"})
    )
    assert len(rows) == 2
    assert rows[0][-1] == "desglose"
    assert json.loads(rows[1][-1]) == {"norm": "who", "safely_managed": 3, "unknown": 2}
    others = csv_rows(agencia.get(CSV_URL, {"indicator": "prueba_export"}))
    assert {row[-1] for row in others[1:]} == {""}  # no breakdown, an empty cell
