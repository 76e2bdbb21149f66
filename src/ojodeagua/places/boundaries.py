"""Boundaries from INEGI's Marco Geoestadístico: municipal, AGEB and locality polygons read from
the shapefiles as INEGI publishes them, joined to the catalogue by their INEGI key (CVEGEO).

One import is atomic: every layer in the file is read, reprojected to WGS 84 (INEGI publishes
in its Lambert conformal conic; the .prj says which), simplified for a phone's map, and checked
against the catalogue before anything is written. A key the catalogue does not have refuses the
whole file, with every such key named. Importing the same file again changes nothing.
The attribute table's encoding is read from its .cpg when there is one, and otherwise tried as
the locality import tries CSV files: UTF-8, then Windows-1252, then Latin-1.
"""

import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import shapefile
import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping, shape

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent
from ojodeagua.organisations.scope import scope_for

from .models import Boundary, Locality, Municipality

# INEGI's projection for the Marco Geoestadístico when a layer comes without its .prj:
# "MEXICO_ITRF2008_LCC" (EPSG:6372).
INEGI_CRS = "EPSG:6372"
WGS84 = "EPSG:4326"
# About 30 m at Chiapas' latitude: a municipality stays recognisable in a few kilobytes.
SIMPLIFY_DEGREES = 0.0003
DBF_ENCODINGS = ("utf-8", "cp1252", "latin-1")
# pyshp 3 reports a name it cannot decode with its own exception; pyshp 2 lets Python's out.
UNDECODABLE = (UnicodeDecodeError, LookupError, getattr(shapefile, "dbfFileException", LookupError))
MAX_ERRORS_SHOWN = 20
LEVEL_BY_KEY_LENGTH = {
    5: Boundary.Level.MUNICIPALITY,
    9: Boundary.Level.LOCALITY,
    13: Boundary.Level.AGEB,
}


@dataclass
class Layer:
    name: str
    shp: bytes
    shx: bytes
    dbf: bytes
    prj: str = ""
    cpg: str = ""


@dataclass
class BoundaryRow:
    level: str
    key: str
    name: str
    geometry: dict


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    layers: list[str] = field(default_factory=list)


def layers_in(filename: str, content: bytes) -> list[Layer]:
    """The shapefiles in a .zip (INEGI's download) or the parts of one named together."""
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ValidationError(
            _("Suba el archivo .zip del Marco Geoestadístico de INEGI (con .shp, .shx y .dbf).")
        )
    parts: dict[str, dict[str, bytes]] = defaultdict(dict)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            path = PurePosixPath(info.filename)
            suffix = path.suffix.lower()
            if suffix in {".shp", ".shx", ".dbf", ".prj", ".cpg"}:
                parts[str(path.with_suffix("")).lower()][suffix] = archive.read(info)
    found = []
    for stem, files in sorted(parts.items()):
        missing = [s for s in (".shp", ".shx", ".dbf") if s not in files]
        if missing:
            raise ValidationError(
                _("A la capa %(layer)s le falta %(missing)s.")
                % {"layer": PurePosixPath(stem).name, "missing": ", ".join(missing)}
            )
        found.append(
            Layer(
                PurePosixPath(stem).name,
                files[".shp"],
                files[".shx"],
                files[".dbf"],
                files.get(".prj", b"").decode("latin-1"),
                files.get(".cpg", b"").decode("latin-1").strip(),
            )
        )
    if not found:
        raise ValidationError(_("El archivo no tiene ninguna capa .shp."))
    return found


def _reader(layer: Layer, encoding: str) -> shapefile.Reader:
    return shapefile.Reader(
        shp=io.BytesIO(layer.shp),
        shx=io.BytesIO(layer.shx),
        dbf=io.BytesIO(layer.dbf),
        encoding=encoding,
    )


def _records(layer: Layer) -> tuple[list, list[str]]:
    """The layer's records and field names, in the first encoding that reads them all."""
    encodings = (layer.cpg,) if layer.cpg else DBF_ENCODINGS
    for encoding in encodings:
        try:
            reader = _reader(layer, encoding.replace("UTF-8", "utf-8"))
            names = [f[0] for f in reader.fields[1:]]
            return list(reader.iterShapeRecords()), names
        except UNDECODABLE:
            continue
        except shapefile.ShapefileException as error:
            raise ValidationError(
                _("La capa %(layer)s no se pudo leer: %(error)s")
                % {"layer": layer.name, "error": error}
            ) from error
    raise ValidationError(
        _("No se pudieron leer los nombres de la capa %(layer)s en ninguna codificación conocida.")
        % {"layer": layer.name}
    )


def _transformer(layer: Layer, sample_x: float) -> Transformer:
    try:
        source = CRS.from_wkt(layer.prj) if layer.prj.strip() else None
    except CRSError as error:
        raise ValidationError(
            _("El archivo .prj de la capa %(layer)s no es una proyección que se pueda leer.")
            % {"layer": layer.name}
        ) from error
    if source is None:
        source = CRS.from_user_input(WGS84 if abs(sample_x) <= 180 else INEGI_CRS)
    return Transformer.from_crs(source, WGS84, always_xy=True)


def read_layer(layer: Layer) -> list[BoundaryRow]:
    records, names = _records(layer)
    if "CVEGEO" not in names:
        raise ValidationError(
            _("La capa %(layer)s no tiene la columna CVEGEO con la clave de INEGI.")
            % {"layer": layer.name}
        )
    rows = []
    transformer = None
    for item in records:
        key = str(item.record["CVEGEO"]).strip()
        level = LEVEL_BY_KEY_LENGTH.get(len(key))
        if level is None or item.shape.shapeType == shapefile.NULL:
            continue
        geometry = shape(item.shape.__geo_interface__)
        if transformer is None:
            transformer = _transformer(layer, geometry.bounds[0])
        projected = shapely.transform(geometry, transformer.transform, interleaved=False)
        simple = projected.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        name = str(item.record["NOMGEO"]).strip() if "NOMGEO" in names else ""
        rows.append(BoundaryRow(level, key, name, _rounded(mapping(simple))))
    return rows


def _rounded(geometry: dict) -> dict:
    """Six decimals (about 10 cm) keep a boundary exact enough and the file small."""

    def walk(value):
        if isinstance(value, (list, tuple)):
            return [walk(item) for item in value]
        return round(value, 6) if isinstance(value, float) else value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _join(rows: list[BoundaryRow]) -> tuple[dict, dict, list[str]]:
    municipality_keys = {row.key[:5] for row in rows}
    municipalities = dict(
        Municipality.objects.filter(key__in=municipality_keys).values_list("key", "pk")
    )
    locality_keys = [row.key for row in rows if row.level == Boundary.Level.LOCALITY]
    localities = dict(Locality.objects.filter(key__in=locality_keys).values_list("key", "pk"))
    errors = []
    for row in rows:
        if row.key[:5] not in municipalities:
            errors.append(
                _("La clave %(key)s es de un municipio (%(m)s) que no está en el catálogo.")
                % {"key": row.key, "m": row.key[:5]}
            )
        elif row.level == Boundary.Level.LOCALITY and row.key not in localities:
            errors.append(
                _("La localidad %(key)s no está en el catálogo: importe primero las localidades.")
                % {"key": row.key}
            )
    return municipalities, localities, errors


def may_import(user) -> bool:
    """The commands (no user) and coordinators import boundaries."""
    return user is None or scope_for(user).is_coordinator


@transaction.atomic
def import_boundaries(actor, filename: str, content: bytes) -> Result:
    """Read every layer of ``content``, then write all its boundaries or none."""
    if not may_import(actor):
        raise PermissionDenied
    result = Result()
    rows: list[BoundaryRow] = []
    for layer in layers_in(filename, content):
        read = read_layer(layer)
        if read:
            result.layers.append(layer.name)
        rows += read
    if not rows:
        raise ValidationError(
            _("Ninguna capa tiene polígonos con clave de municipio, AGEB o localidad.")
        )
    municipalities, localities, errors = _join(rows)
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > len(shown):
            shown.append(_("… y %(n)s más.") % {"n": len(errors) - len(shown)})
        raise ValidationError(shown)
    stored = {
        (b.level, b.key): b
        for b in Boundary.objects.select_for_update().filter(key__in=[row.key for row in rows])
    }
    created = []
    for row in rows:
        existing = stored.get((row.level, row.key))
        if existing is None:
            created.append(
                Boundary(
                    level=row.level,
                    key=row.key,
                    name=row.name,
                    geometry=row.geometry,
                    municipality_id=municipalities[row.key[:5]],
                    locality_id=localities.get(row.key),
                    source=filename[:200],
                )
            )
        elif existing.geometry == row.geometry and existing.name == row.name:
            result.unchanged += 1
        else:
            existing.geometry, existing.name, existing.source = (
                row.geometry,
                row.name,
                filename[:200],
            )
            existing.save()
            trail.record(actor, AuditEvent.Action.UPDATE, existing, {"source": filename[:200]})
            result.updated += 1
    trail.record_created(actor, Boundary.objects.bulk_create(created))
    result.created = len(created)
    return result
