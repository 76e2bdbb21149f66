"""The desk's pages, downloads and API as the agency uses them, and who may not open them."""

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from ojodeagua.audit.models import AuditEvent
from ojodeagua.desk.models import Factor, PriorityWeight
from ojodeagua.places.models import Municipality
from ojodeagua.watersystems.models import WaterSystem

pytestmark = pytest.mark.django_db

# The GeoJSON JSON Schema, from npm's geojson-schema (`make test` installs it).
GEOJSON_SCHEMA = (
    Path(__file__).resolve().parents[4]
    / "node_modules"
    / "geojson-schema"
    / "FeatureCollection.json"
)
# The WPDx data standard's columns and the values it allows (../shared/domain/service-levels.md).
WPDX_REQUIRED = [
    "wpdx_id",
    "report_date",
    "lat_deg",
    "lon_deg",
    "status_id",
    "status_clean",
    "water_source_clean",
    "water_tech_clean",
    "water_tech_category",
    "management_clean",
    "install_year",
    "installer",
    "rehab_year",
    "pay",
    "fecal_coliform_presence",
    "fecal_coliform_value",
    "subjective_quality",
    "clean_adm1",
    "clean_adm2",
    "clean_adm3",
    "assigned_population",
    "notes",
]
WPDX_ALLOWED = {
    "status_id": {"Yes", "No", "Unknown"},
    "status_clean": {
        "",
        "Functional",
        "Functional, needs repair",
        "Functional, not in use",
        "Non-Functional",
        "Non-Functional, dry season",
        "Abandoned/Decommissioned",
    },
    "water_source_clean": {
        "",
        "Borehole/Tubewell",
        "Protected Well",
        "Unprotected Well",
        "Protected Spring",
        "Unprotected Spring",
        "Piped Water",
        "Rainwater Harvesting",
        "Delivered Water",
        "Packaged Water",
        "Surface Water",
    },
    "water_tech_category": {"", "Hand Pump", "Mechanized Pump", "Tapstand", "Rope and Bucket"},
    "management_clean": {
        "",
        "Community Management",
        "Direct Government Operation",
        "School Management",
        "Health Care Facility",
        "Private Operator/Delegated Management",
    },
    "fecal_coliform_presence": {"", "Presence", "Absence"},
}


def berriozabal() -> Municipality:
    return Municipality.objects.get(key="07012")


def follow_link(client, page, name: str):
    """Open the link whose text is ``name`` on ``page``, as a person taps it."""
    found = re.search(
        rf'<a[^>]+href="([^"]+)"[^>]*>\s*{re.escape(name)}\s*</a>', page.content.decode()
    )
    assert found, f"no link «{name}»"
    return client.get(found.group(1).replace("&amp;", "&"), follow=True)


def test_the_agency_reaches_the_desk_from_home_and_sees_causes_and_priorities(agencia):
    home = agencia.get("/")
    desk = follow_link(agencia, home, "Mapa y prioridades")
    assert desk.status_code == 200
    html = desk.content.decode()
    assert "¿Por qué falla el servicio?" in html
    assert 'data-cause="infrastructure"' in html and 'data-cause="no_system"' in html
    assert "no funciona desde hace" in html  # the demo's pump, still down
    assert 'data-list="priorities"' in html
    assert follow_link(agencia, desk, "Ver el mapa").status_code == 200
    assert (
        follow_link(agencia, desk, "Cambiar los pesos de la lista de prioridades").status_code
        == 200
    )


def test_the_map_lists_the_systems_down_and_its_points_carry_the_filters(agencia):
    pk = berriozabal().pk
    page = agencia.get(f"/mesa/{pk}/mapa/", {"nivel": "T0"})
    html = page.content.decode()
    down = WaterSystem.objects.get(name="Sistema de agua Rancho El Ocote")
    listed = re.findall(r'<ul class="map-list" data-list="systems">(.*?)</ul>', html, re.S)[0]
    assert down.name in listed and listed.count("<li>") == 1
    points = agencia.get(f"/mesa/{pk}/mapa/puntos.geojson", {"nivel": "T0"}).json()
    systems = [f for f in points["features"] if f["properties"]["kind"] == "system"]
    assert [f["properties"]["name"] for f in systems] == [down.name]
    assert systems[0]["properties"]["tier"] == 0
    assert systems[0]["properties"]["url"] == down.get_absolute_url()
    # The localities that system serves come with it; nothing else.
    served = set(down.served_localities.values_list("locality_id", flat=True))
    assert {
        f["properties"]["id"] for f in points["features"] if f["properties"]["kind"] == "locality"
    } == served


def test_people_outside_the_municipality_do_not_open_its_desk(tesorera, ong):
    pk = berriozabal().pk
    for client in (tesorera, ong):
        for address in (
            f"/mesa/{pk}/",
            f"/mesa/{pk}/mapa/",
            f"/mesa/{pk}/mapa/puntos.geojson",
            f"/mesa/{pk}/wpdx.csv",
            f"/mesa/{pk}/puntos.geojson",
            f"/mesa/{pk}/pesos/",
        ):
            assert client.get(address).status_code == 404, address
        assert client.get(f"/api/v1/municipalities/{pk}/geojson/").status_code == 404
        assert client.get(f"/api/v1/municipalities/{pk}/wpdx/").status_code == 404


def test_the_agency_tries_a_weight_then_saves_it_and_sees_what_moved(agencia):
    pk = berriozabal().pk
    trial = {f: "1" for f in Factor.values} | {Factor.CONTAMINATION: "10"}
    seen = agencia.get(f"/mesa/{pk}/pesos/", trial)
    assert "Cómo cambia la lista" in seen.content.decode()
    assert not PriorityWeight.objects.exists()  # trying writes nothing
    saved = agencia.post(f"/mesa/{pk}/pesos/", trial | {"save": "1"}, follow=True)
    html = saved.content.decode()
    assert "Se guardaron los pesos" in html
    changes = [int(c) for c in re.findall(r'data-change="(-?\d+)"', html)]
    assert any(changes), "a system with E. coli moves up when contamination weighs 10"
    assert PriorityWeight.objects.get(factor=Factor.CONTAMINATION).weight == 10
    assert AuditEvent.objects.filter(object_repr__contains="contamination").exists()
    refused = agencia.post(f"/mesa/{pk}/pesos/", trial | {Factor.PEOPLE: "-1", "save": "1"})
    assert (
        "El peso de «personas sin agua confiable y segura» va de 0 a 10."
        in refused.content.decode()
    )


def test_the_wpdx_download_has_the_standards_columns_and_values(agencia):
    pk = berriozabal().pk
    response = agencia.get(f"/mesa/{pk}/wpdx.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows and list(rows[0]) == WPDX_REQUIRED
    for row in rows:
        for column, allowed in WPDX_ALLOWED.items():
            assert row[column] in allowed, (column, row[column])
        assert row["clean_adm2"] == "Berriozábal"
    statuses = {row["status_id"] for row in rows}
    assert {"Yes", "No", "Unknown"} <= statuses
    pump = WaterSystem.objects.get(name="Sistema de agua Rancho El Ocote")
    down = next(r for r in rows if r["notes"].startswith(f"Ojo de Agua {pump.pk}:"))
    assert (down["status_id"], down["status_clean"]) == ("No", "Non-Functional")
    api = agencia.get(f"/api/v1/municipalities/{pk}/wpdx/").json()
    assert api["columns"] == WPDX_REQUIRED
    assert len(api["water_points"]) == len(rows)


def test_the_geojson_validates_against_the_geojson_schema(agencia):
    schema = json.loads(GEOJSON_SCHEMA.read_text())
    pk = berriozabal().pk
    download = agencia.get(f"/mesa/{pk}/puntos.geojson")
    assert download["Content-Type"].startswith("application/geo+json")
    collection = json.loads(download.content)
    jsonschema.validate(collection, schema)
    kinds = {f["properties"]["kind"] for f in collection["features"]}
    assert kinds == {"locality", "system", "school", "health_centre"}
    api = agencia.get(f"/api/v1/municipalities/{pk}/geojson/").json()
    jsonschema.validate(api, schema)
    assert len(api["features"]) == len(collection["features"])
    # And the check can fail: a point with one coordinate is not GeoJSON.
    collection["features"][0]["geometry"]["coordinates"] = [1.0]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(collection, schema)


def test_the_openapi_schema_lists_the_desk_exports(agencia):
    paths = agencia.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/municipalities/{id}/geojson/" in paths
    assert "/api/v1/municipalities/{id}/wpdx/" in paths


def test_an_imported_boundary_is_drawn_with_the_points(agencia):
    from ojodeagua.places.models import Boundary

    municipality = berriozabal()
    ring = [[-93.4, 16.7], [-93.1, 16.7], [-93.1, 16.9], [-93.4, 16.7]]
    Boundary.objects.create(
        level=Boundary.Level.MUNICIPALITY,
        key=municipality.key,
        municipality=municipality,
        geometry={"type": "Polygon", "coordinates": [ring]},
    )
    collection = agencia.get(f"/mesa/{municipality.pk}/mapa/puntos.geojson").json()
    first = collection["features"][0]
    assert first["properties"]["kind"] == "boundary"
    assert first["geometry"]["coordinates"] == [ring]
    jsonschema.validate(collection, json.loads(GEOJSON_SCHEMA.read_text()))


def test_the_agency_reads_its_own_figures_as_an_assistance_provider(agencia, tesorera):
    pk = berriozabal().pk
    desk = agencia.get(f"/mesa/{pk}/")
    page = follow_link(agencia, desk, "La agencia como asistencia técnica")
    html = page.content.decode()
    for row in ("committees", "visits", "answer", "cycle"):
        assert f'data-row="{row}"' in html
    assert 'data-table="scores"' in html  # the demo committees have monthly scores
    assert tesorera.get(f"/mesa/{pk}/asistencia/").status_code == 404


def test_kiosks_and_schools_are_compared_as_businesses(ong, tesorera):
    from ojodeagua.providers.models import Provider

    home = ong.get("/")
    page = follow_link(ong, home, "Kioscos y escuelas como negocio")
    html = page.content.decode()
    kiosks = Provider.objects.filter(kind=Provider.Kind.KIOSK)
    assert kiosks.exists()
    for kiosk in kiosks:
        assert f'data-provider="{kiosk.pk}"' in html
    # The demo's kiosks sell more than they spend; the figures link to "why this number".
    assert html.count('data-covers="yes"') >= kiosks.count()
    assert "/indicadores/" in html
    # The treasurer of a committee sees no kiosk of anyone else's.
    other = tesorera.get("/mesa/kioscos-y-escuelas/").content.decode()
    assert not any(f'data-provider="{k.pk}"' in other for k in kiosks)
