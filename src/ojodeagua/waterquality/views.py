"""Water sample pages: list, export, entry with results, and each result's verdicts."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ojodeagua.monitoring.views import (
    ObservationFilter,
    ObservationPages,
    locality_filter,
    observation_columns,
    system_filter,
)
from ojodeagua.pages.entity import ExportColumn

from .forms import ResultFormSet, SampleForm
from .models import Parameter, Sample, Verdict

# Verdict.reason codes (see verdicts.py), said in plain Spanish.
REASON_TEXT = {
    "missing_unit": _("Falta la unidad del resultado; anótela para poder compararlo."),
    "unconvertible_unit": _("La unidad no se puede convertir a la unidad de la norma."),
    "below_detection_no_usable_limit": _(
        "El valor está por debajo del límite de detección del método, y ese límite es más alto "
        "que el de la norma: no se sabe si cumple."
    ),
    "above_range_no_usable_limit": _(
        "El valor está por encima del rango que mide el método; no se sabe cuánto es."
    ),
    "unknown_parameter": _("No se reconoce el parámetro; revise cómo está escrito."),
    "norm_not_on_file": _("No tenemos los valores de la norma vigente en la fecha de la muestra."),
    "no_value": _("No hay valor ni resultado cualitativo que comparar."),
    "unknown_population": _(
        "No se sabe la población de la localidad, y el límite depende de ella."
    ),
    "bad_date": _("La fecha de la muestra no es válida."),
    "bad_value": _("El valor no se pudo leer como número."),
}

# Faecal contamination: the single most important fact a committee must see.
FAECAL_CODES = {"e_coli", "thermotolerant_coliforms"}

COMMON_UNITS = ["mg/L", "µg/L", "NMP/100 mL", "UFC/100 mL", "/100 mL", "UTN", "Pt-Co", "pH"]


class SampleFilter(ObservationFilter):
    search_fields = ("locality__name", "system__name", "point_description", "laboratory")
    locality = locality_filter()
    system = system_filter()

    class Meta:
        model = Sample
        fields = ["q", "locality", "system", "state", "date_from", "date_to"]


def reason_text(code: str) -> str:
    return str(REASON_TEXT.get(code, code))


VERDICT_ORDER = {
    Verdict.Outcome.FAIL: 0,
    Verdict.Outcome.NOT_EVALUABLE: 1,
    Verdict.Outcome.PASS: 2,
    Verdict.Outcome.NO_LIMIT: 3,
}


def sample_context(request: HttpRequest, sample: Sample) -> dict[str, Any]:
    """Results with their verdicts, failures first; faecal failures called out on their own."""
    results = list(
        sample.results.select_related("parameter").prefetch_related(
            "verdicts__norm", "verdicts__version"
        )
    )
    rows, alarms = [], []
    for result in results:
        verdicts = sorted(result.verdicts.all(), key=lambda v: v.norm.code)
        for verdict in verdicts:
            verdict.reason_text = reason_text(verdict.reason) if verdict.reason else ""
        worst = min((VERDICT_ORDER.get(v.outcome, 9) for v in verdicts), default=9)
        faecal = bool(result.parameter and result.parameter.code in FAECAL_CODES)
        failed = any(v.outcome == Verdict.Outcome.FAIL for v in verdicts)
        if faecal and failed:
            alarms.append(result)
        rows.append((0 if faecal and failed else 1, worst, result, verdicts))
    rows.sort(key=lambda row: (row[0], row[1], row[2].parameter_text))
    return {
        "alarms": alarms,
        "results": [(result, verdicts) for _first, _worst, result, verdicts in rows],
    }


def sample_edit_context(request: HttpRequest, sample: Sample) -> dict[str, Any]:
    names = sorted({name for p in Parameter.objects.all() for name in (p.name, *p.aliases) if name})
    return {"parameter_names": names, "unit_names": COMMON_UNITS}


def judge(sample: Sample) -> None:
    from .verdicts import judge_sample

    judge_sample(sample)


sample_pages = ObservationPages(
    model=Sample,
    slug="sample",
    url_prefix="muestras/",
    create_path="nueva/",
    template_dir="waterquality",
    filterset=SampleFilter,
    form=SampleForm,
    formsets=[ResultFormSet],
    select_related=("locality", "system"),
    detail_context=sample_context,
    edit_context=sample_edit_context,
    after_save=judge,
    export_columns=observation_columns(
        ExportColumn("cvegeo", lambda o: o.locality.key),
        ExportColumn("localidad", lambda o: o.locality.name),
        ExportColumn("sistema_id", lambda o: o.system_id),
        ExportColumn("sistema", lambda o: o.system.name if o.system else ""),
        ExportColumn("punto", lambda o: o.sampling_point),
        ExportColumn("donde", lambda o: o.point_description),
        ExportColumn("analisis", lambda o: o.analysis),
        ExportColumn("laboratorio", lambda o: o.laboratory),
    ),
)
