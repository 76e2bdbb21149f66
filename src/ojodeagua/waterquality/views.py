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
from .verdicts import range_ends, sample_composites

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
    "norm_not_on_file": _(
        "La edición de esta norma o guía vigente en la fecha de la muestra no está en el "
        "sistema, así que no se juzga (tampoco con otra edición)."
    ),
    "no_value": _("No hay valor ni resultado cualitativo que comparar."),
    "unknown_population": _(
        "No se sabe la población de la localidad, y el límite depende de ella."
    ),
    "bad_date": _("La fecha de la muestra no es válida."),
    "bad_value": _("El valor no se pudo leer como número."),
    "basis_unstated": _(
        "No dice si el valor está expresado como nitrógeno (N) o como el ion (NO3, NO2, NH4), y "
        "con una lectura cumple y con la otra no. Anote la forma en la unidad, por ejemplo "
        "«mg/L N-NO3» o «mg/L NO3»."
    ),
    "basis_conflict": _(
        "El nombre del parámetro y la unidad dicen formas distintas (como N o como el ion) y el "
        "veredicto cambia según cuál se crea. Corrija una de las dos."
    ),
    "basis_either_reading": _(
        "No se sabe con certeza si está expresado como nitrógeno (N) o como el ion, pero el "
        "veredicto es el mismo con cualquiera de las dos lecturas."
    ),
    "unit_substance_mismatch": _(
        "La unidad nombra otra sustancia que la del parámetro (por ejemplo «mg/L Pb» en un "
        "resultado de arsénico). Revise el parámetro o la unidad."
    ),
    "below_minimum": _("El valor está por debajo del mínimo."),
    "above_maximum": _("El valor está por encima del máximo."),
    "population_between_classes": _(
        "La localidad tiene exactamente 500 000 habitantes, que no caben en ninguna clase de la "
        "norma; se juzgó con la clase más estricta, para proteger la salud."
    ),
    "detection_limit_counted": _(
        "Algún componente está por debajo del límite de detección: para decir que cumple se "
        "contó con el límite de detección, y para decir que no cumple, con cero."
    ),
    "member_without_limit": _("Algún componente no tiene valor guía en esta edición."),
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
            "verdicts__norm", "verdicts__version", "verdicts__limit"
        )
    )
    rows, alarms = [], []
    for result in results:
        verdicts = sorted(result.verdicts.all(), key=lambda v: v.norm.code)
        for verdict in verdicts:
            verdict.reason_text = reason_text(verdict.reason) if verdict.reason else ""
            verdict.ends = range_ends(verdict)
        worst = min((VERDICT_ORDER.get(v.outcome, 9) for v in verdicts), default=9)
        faecal = bool(result.parameter and result.parameter.code in FAECAL_CODES)
        failed = any(v.outcome == Verdict.Outcome.FAIL for v in verdicts)
        if faecal and failed:
            alarms.append(result)
        rows.append((0 if faecal and failed else 1, worst, result, verdicts))
    rows.sort(key=lambda row: (row[0], row[1], row[2].parameter_text))
    # Sums of ratios (WHO: nitrate + nitrite, trihalomethanes), with the reason in words.
    composites = [
        (composite, reason_text(composite.reason) if composite.reason else "")
        for composite in sample_composites(sample)
    ]
    return {
        "alarms": alarms,
        "results": [(result, verdicts) for _first, _worst, result, verdicts in rows],
        "composites": composites,
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
