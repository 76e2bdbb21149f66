"""The agency desk's exports in the API: a municipality's water points in the WPDx standard and
its localities and systems as GeoJSON, the same tables and scope rule as the desk's downloads."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ojodeagua.desk import facts, mapdata, wpdx
from ojodeagua.desk.access import covered_municipality


def _covered(request, pk):
    try:
        return covered_municipality(request.user, int(pk))
    except (Http404, ValueError) as error:
        raise NotFound() from error


class DeskExports:
    """Mixed into the municipalities' viewset: /municipalities/{id}/wpdx/ and /geojson/."""

    @extend_schema(
        summary="Puntos de agua (estándar WPDx)",
        description=(
            "Un renglón por sistema de agua del municipio, con las columnas y los valores del "
            "estándar de datos WPDx (status_id Yes/No/Unknown, status_clean, "
            "water_source_clean, water_tech_category, management_clean…), del último mes con "
            "cifras. Sólo para quien ve el municipio completo."
        ),
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), 404: None},
    )
    @action(detail=True, methods=["get"], url_path="wpdx")
    def wpdx(self, request, pk=None):
        municipality = _covered(request, pk)
        found = facts.load(municipality, timezone.localdate())
        return Response({"columns": wpdx.COLUMNS, "water_points": wpdx.rows(found)})

    @extend_schema(
        summary="Localidades y sistemas con sus cifras (GeoJSON)",
        description=(
            "Un FeatureCollection (RFC 7946): localidades (población, nivel de servicio, "
            "personas con servicio confiable y seguro), sistemas (nivel T0–T4, última prueba de "
            "E. coli, causa principal), escuelas y centros de salud. Sólo para quien ve el "
            "municipio completo."
        ),
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), 404: None},
    )
    @action(detail=True, methods=["get"], url_path="geojson")
    def geojson(self, request, pk=None):
        municipality = _covered(request, pk)
        found = facts.load(municipality, timezone.localdate())
        return Response(mapdata.feature_collection(found))
