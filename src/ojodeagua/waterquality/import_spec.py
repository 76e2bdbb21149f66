"""The import spec of water samples: one row per result, grouped into samples by record_id."""

import re
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from ojodeagua.imports.columns import (
    QUERY_CHUNK,
    Column,
    Number,
    Parser,
    RowError,
    Text,
    field_column,
)
from ojodeagua.imports.engine import ParsedRow
from ojodeagua.lib.folding import fold
from ojodeagua.monitoring.import_spec import locality_column, system_column
from ojodeagua.monitoring.observation import Observation
from ojodeagua.monitoring.observation_import import ChildSpec, ObservationSpec, observation_columns

from .models import Result, Sample
from .verdicts import Judge, read_value

DECIMAL_COMMA = re.compile(r"\d,\d")
RESULT_VALUE_PLACES = 6


class ReportedValueParser(Parser):
    """A number, "<0.005" (below the detection limit), or "ND", "ausencia", "presencia"."""

    type_label = gettext_lazy("número, «<» y número, o ND / ausencia / presencia")

    def parse(self, text: str, column: str):
        if DECIMAL_COMMA.search(text):
            raise RowError(
                _(
                    "la columna %(column)s tiene «%(text)s»: escriba los decimales con punto, "
                    "por ejemplo %(fixed)s"
                )
                % {"column": column, "text": text, "fixed": text.replace(",", ".")}
            )
        try:
            reported = read_value(text)
        except ValueError as error:
            raise RowError(
                _(
                    "la columna %(column)s debe ser un número (con «<» si quedó bajo el límite "
                    "de detección) o ND, ausencia o presencia, y tiene «%(text)s»"
                )
                % {"column": column, "text": text}
            ) from error
        if reported.value is not None:
            Number(places=RESULT_VALUE_PLACES, max_digits=14).parse(str(reported.value), column)
        return reported


class Results(ChildSpec):
    """Each row of the file is one result of its sample."""

    model = Result
    parent_field = "sample"
    fields = ("parameter_text", "parameter_id", "value", "below_detection", "outcome", "unit")

    def columns(self, header: Sequence[str]) -> list[Column]:
        return [
            Column(
                "result_id",
                Text(64),
                description=_(
                    "identificador del resultado (opcional; se acepta, pero cada resultado se "
                    "reconoce por su parámetro y su método)"
                ),
            ),
            Column(
                "parameter",
                Text(120),
                required=True,
                description=_(
                    "parámetro como lo escribe el laboratorio (E. coli, arsénico, pH, cloro "
                    "residual libre…); se reconoce sin importar acentos"
                ),
            ),
            Column(
                "value",
                ReportedValueParser(),
                description=_(
                    "valor medido; «<0.005» si quedó bajo el límite de detección; ND, ausencia "
                    "o presencia para resultados cualitativos"
                ),
            ),
            field_column(
                Result,
                "outcome",
                aliases_for={
                    "presencia": "detected",
                    "positivo": "detected",
                    "detectado": "detected",
                    "ausencia": "not_detected",
                    "negativo": "not_detected",
                    "nd": "not_detected",
                    "no detectado": "not_detected",
                },
                description=_("resultado cualitativo, si no hay valor numérico"),
            ),
            field_column(Result, "below_detection"),
            field_column(Result, "unit"),
            field_column(Result, "method"),
        ]

    def prepare(self, parents, rows) -> None:
        self.judge = Judge()

    def build(self, parent, row: ParsedRow) -> list[Result]:
        values = row.values
        reported = values.get("value")
        value = reported.value if reported else None
        outcome = values.get("outcome") or (reported.outcome if reported else "")
        below = bool(values.get("below_detection")) or bool(reported and reported.below_detection)
        if value is None and not outcome:
            raise RowError(
                _("llene la columna value con el valor medido, o outcome con presencia o ausencia")
            )
        text = values["parameter"]
        return [
            Result(
                parameter_text=text,
                parameter=self.judge.recognise(text),
                value=value,
                below_detection=below,
                outcome=outcome,
                unit=values.get("unit", ""),
                method=values.get("method", ""),
            )
        ]

    def key(self, child: Result) -> Any:
        parameter = child.parameter_id or fold(child.parameter_text.strip())
        return (parameter, fold(child.method.strip()))


def sample_source(values: dict[str, Any]) -> str:
    if values.get("analysis") == Sample.Analysis.LABORATORY:
        return Observation.Source.LABORATORY
    return Observation.Source.VISIT


def judge_samples(samples: list[Sample]) -> None:
    """Store every result's verdicts, with norms and limits loaded once for the whole file."""
    judge = Judge()
    ids = [sample.pk for sample in samples]
    for start in range(0, len(ids), QUERY_CHUNK):
        judge.judge_results(Result.objects.filter(sample_id__in=ids[start : start + QUERY_CHUNK]))


SAMPLES = ObservationSpec(
    kind="samples",
    label=gettext_lazy("muestras de agua y resultados"),
    model=Sample,
    description=gettext_lazy(
        "Una fila por resultado. Las filas con el mismo record_id son una sola muestra y deben "
        "repetir sus datos (fecha, localidad, punto de muestreo…). Volver a importar agrega o "
        "corrige resultados; nunca los borra."
    ),
    columns=[
        *observation_columns(Sample),
        locality_column(),
        system_column(required=False),
        field_column(Sample, "sampling_point"),
        field_column(Sample, "point_description"),
        field_column(
            Sample,
            "analysis",
            aliases_for={"lab": "laboratory", "kit": "field_kit", "campo": "field_kit"},
        ),
        field_column(Sample, "laboratory"),
    ],
    default_source=sample_source,
    grouped=True,
    children=[Results()],
    place_fields=("system", "locality"),
    place_hint=gettext_lazy("si la muestra es de un sistema que usted atiende, llene system_id"),
    on_written=judge_samples,
)
