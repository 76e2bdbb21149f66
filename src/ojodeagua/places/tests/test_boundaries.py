"""INEGI boundaries: shapefiles as INEGI publishes them (Lambert conformal conic, Latin-1
names), joined by CVEGEO, atomic and idempotent."""

import io
import zipfile

import pytest
import shapefile
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pyproj import CRS, Transformer
from pyproj.enums import WktVersion

from ojodeagua.places.boundaries import import_boundaries
from ojodeagua.places.models import Boundary, Locality, Municipality

pytestmark = pytest.mark.django_db

INEGI_LCC = CRS.from_user_input("EPSG:6372")
# A square around Berriozábal's seat, in degrees (longitude, latitude).
SQUARE = [(-93.40, 16.70), (-93.15, 16.70), (-93.15, 16.90), (-93.40, 16.90), (-93.40, 16.70)]


def lambert(points):
    to_lcc = Transformer.from_crs("EPSG:4326", INEGI_LCC, always_xy=True)
    return [to_lcc.transform(x, y) for x, y in points]


def inegi_zip(records, *, encoding="latin-1", with_prj=True, with_cpg=False, stem="07mun") -> bytes:
    """A zip like INEGI's: conjunto_de_datos/07mun.shp with CVEGEO, CVE_ENT, CVE_MUN, NOMGEO."""
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(
        shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON, encoding=encoding
    ) as w:
        w.field("CVEGEO", "C", 16)
        w.field("NOMGEO", "C", 110)
        for key, name, ring in records:
            w.poly([lambert(ring)])
            w.record(key, name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        base = f"mg_2023/conjunto_de_datos/{stem}"
        archive.writestr(f"{base}.shp", shp.getvalue())
        archive.writestr(f"{base}.shx", shx.getvalue())
        archive.writestr(f"{base}.dbf", dbf.getvalue())
        if with_prj:
            archive.writestr(f"{base}.prj", INEGI_LCC.to_wkt(WktVersion.WKT1_ESRI))
        if with_cpg:
            archive.writestr(f"{base}.cpg", encoding.upper())
    return out.getvalue()


def test_a_municipal_layer_is_joined_by_key_reprojected_and_named_in_latin_1():
    berriozabal = Municipality.objects.get(key="07012")
    result = import_boundaries(None, "07mun.zip", inegi_zip([("07012", "Berriozábal", SQUARE)]))
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    boundary = Boundary.objects.get(level=Boundary.Level.MUNICIPALITY, key="07012")
    assert boundary.municipality == berriozabal
    assert boundary.name == "Berriozábal"
    ring = boundary.geometry["coordinates"][0]
    assert boundary.geometry["type"] == "Polygon"
    for (x, y), (ex, ey) in zip(ring, SQUARE, strict=True):
        assert x == pytest.approx(ex, abs=1e-5) and y == pytest.approx(ey, abs=1e-5)
    again = import_boundaries(None, "07mun.zip", inegi_zip([("07012", "Berriozábal", SQUARE)]))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Boundary.objects.count() == 1


def test_utf8_names_with_their_cpg_and_locality_polygons():
    locality = Locality.objects.filter(municipality__key="07012").first()
    small = [(-93.30, 16.80), (-93.29, 16.80), (-93.29, 16.81), (-93.30, 16.80)]
    content = inegi_zip(
        [(locality.key, "Ñuñú Viejo", small)], encoding="utf-8", with_cpg=True, stem="07l"
    )
    import_boundaries(None, "07l.zip", content)
    boundary = Boundary.objects.get(key=locality.key)
    assert (boundary.level, boundary.locality, boundary.name) == (
        Boundary.Level.LOCALITY,
        locality,
        "Ñuñú Viejo",
    )


def test_an_unknown_key_refuses_the_whole_file_and_says_which():
    content = inegi_zip([("07012", "Berriozábal", SQUARE), ("07999", "Nowhere", SQUARE)])
    with pytest.raises(ValidationError) as refused:
        import_boundaries(None, "07mun.zip", content)
    assert refused.value.messages == [
        "La clave 07999 es de un municipio (07999) que no está en el catálogo."
    ]
    assert not Boundary.objects.exists()
    with pytest.raises(ValidationError) as refused:
        import_boundaries(None, "07mun.shp", b"not a zip")
    assert "Suba el archivo .zip" in refused.value.messages[0]


def test_the_command_imports_a_file(tmp_path, capsys):
    path = tmp_path / "07mun.zip"
    path.write_bytes(inegi_zip([("07012", "Berriozábal", SQUARE)], with_prj=False))
    call_command("import-boundaries", str(path))
    assert "Nuevos: 1" in capsys.readouterr().out
    # Without a .prj, metres are read as INEGI's Lambert projection.
    x, y = Boundary.objects.get(key="07012").geometry["coordinates"][0][0]
    assert (x, y) == (pytest.approx(-93.40, abs=1e-5), pytest.approx(16.70, abs=1e-5))
