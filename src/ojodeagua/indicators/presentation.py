"""Indicator values as people read them: formatted figures, plain sentences and trend charts."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max
from django.utils.formats import date_format, number_format
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ojodeagua.books.models import lives_on_sales
from ojodeagua.lib.money import mxn
from ojodeagua.watersystems.models import WaterSystem

from . import ladders
from .catalogue import (
    BREAKDOWN_LABELS,
    BREAKDOWN_VALUES,
    CLASS_COLOURS,
    FINANCE_CODES,
    HEALTH_CARE_LADDER_CODES,
    NORM_LABELS,
    Code,
    definition,
)
from .engine.families.ladders import health_centre_rungs
from .models import Entity, IndicatorValue
from .months import add_months


def format_value(value: IndicatorValue) -> str:
    if value.value is None:
        return "—"
    kind = definition(value.indicator).kind
    if kind == "share":
        return f"{number_format(value.value * 100, 0)} %"
    if kind == "hours":
        return _("%(hours)s h") % {"hours": number_format(value.value, 1)}
    if kind == "days":
        return number_format(value.value, 1)
    if kind == "tier":
        return value.label
    if kind == "score":
        return f"{number_format(value.value, 2)} ({value.label})"
    if kind == "litres":
        return _("%(litres)s L") % {"litres": number_format(value.value, 0)}
    if kind == "money":
        return f"$ {number_format(value.value, 2)}"
    if kind == "months":
        # number_format cuts decimals off; months are rounded, as people would say them.
        return _("%(months)s meses") % {"months": number_format(round(value.value, 1), 1)}
    return number_format(value.value, 0)


def format_value_share(share: float) -> str:
    return f"{number_format(share * 100, 0)} %"


def fraction(value: IndicatorValue) -> str:
    """'240 de 31'-style reading of numerator over denominator, for the figure's caption."""
    if value.numerator is None or value.denominator is None:
        return ""
    return _("%(numerator)s de %(denominator)s") % {
        "numerator": number_format(
            value.numerator, 0 if value.numerator.is_integer() else 1, force_grouping=True
        ),
        "denominator": number_format(value.denominator, 0, force_grouping=True),
    }


def month_name(month: datetime.date) -> str:
    """'octubre de 2026': Spanish writes month names in lower case inside a sentence."""
    name = date_format(month, "YEAR_MONTH_FORMAT")
    return name.lower() if get_language().startswith("es") else name


def day_name(day: datetime.date) -> str:
    """'12 de agosto de 2026', in lower case inside a sentence as ``month_name``."""
    name = date_format(day, "DATE_FORMAT")
    return name.lower() if get_language().startswith("es") else name


@dataclass
class Rung:
    code: str
    label: str
    colour: str
    amount: float
    share: float


def rungs(value: IndicatorValue | None) -> list[Rung]:
    """A ladder value's distribution, best rung first, with shares of the total."""
    if value is None or not value.breakdown:
        return []
    order = [
        r
        for r in (
            *ladders.WATER_RUNGS,
            *ladders.SANITATION_RUNGS,
            *ladders.HYGIENE_RUNGS,
            *ladders.HEALTH_CARE_RUNGS,
        )
        if r in value.breakdown
    ]
    # Unknown is reported apart, after every rung.
    order = [r for r in dict.fromkeys(order) if r != ladders.UNKNOWN]
    if ladders.UNKNOWN in value.breakdown:
        order.append(ladders.UNKNOWN)
    total = sum(value.breakdown[r] for r in order) or 1
    return [
        Rung(
            r,
            str(ladders.RUNG_LABELS[r]),
            ladders.RUNG_COLOURS[r],
            value.breakdown[r],
            value.breakdown[r] / total,
        )
        for r in order
    ]


# The functionality tiers in words, each including the ones before it (T3 works, gives its
# flow and is reliable). Service-levels note, "Functionality".
TIER_WORDS = {
    "T0": _lazy("no funciona"),
    "T1": _lazy("da agua"),
    "T2": _lazy("da agua y su caudal"),
    "T3": _lazy("además es confiable (menos de %(days)s días sin servicio en 12 meses)"),
    "T4": _lazy("además su agua cumple la norma de E. coli"),
}


def tier_rows(value: IndicatorValue | None, reliable_days: int = 30) -> list[tuple[str, str, int]]:
    """(tier, its meaning, how many systems) from a working-share figure's breakdown;
    ``reliable_days``: the downtime threshold of "reliable" (the setting the engine read)."""
    if value is None:
        return []
    return [
        (tier, str(words).replace("%(days)s", str(reliable_days)), int(value.breakdown[tier]))
        for tier, words in TIER_WORDS.items()
        if tier in value.breakdown
    ]


def rung_share(ladder_rungs: list[Rung], code: str) -> float | None:
    """The share of one rung of a ladder's bar (the households placed on it one by one)."""
    return next((rung.share for rung in ladder_rungs if rung.code == code), None)


def class_colour(label: str) -> str:
    return CLASS_COLOURS.get(label, "grey")


def latest_period(queryset) -> datetime.date | None:
    return queryset.aggregate(latest=Max("period"))["latest"]


def values_by_indicator(queryset, month: datetime.date) -> dict[str, IndicatorValue]:
    return {v.indicator: v for v in queryset.filter(period=month)}


@dataclass
class ChartRow:
    """One month of a chart, as its table and its latest-value line print it."""

    month: str
    shown: str
    pk: int


@dataclass
class Chart:
    """A small server-rendered SVG line chart of one indicator over months.

    The image carries no numbers nor links: a tooltip or a 7-px dot cannot be tapped on a
    phone nor read on paper. The latest value and the scale are printed beside it as text, and
    ``rows`` is the same series as a table (each month a link to "why this number").
    """

    title: str
    points: str
    dots: list[tuple[float, float]]
    labels: list[tuple[float, str]]
    top_label: str
    rows: list[ChartRow]
    slug: str
    width: int = 320
    height: int = 120

    @property
    def latest(self) -> ChartRow:
        return self.rows[-1]


def trend_chart(
    title: str,
    values: Iterable[IndicatorValue],
    months: list[datetime.date],
    maximum: float,
    share: bool = False,
    slug: str = "",
) -> Chart | None:
    """``share``: the values are shares, so the top reads as a percentage even past 100 %.
    ``slug``: the indicator's code, so the chart's table has an address on its page."""
    by_month = {v.period: v for v in values}
    if len(by_month) < 2:
        return None
    width, height, pad = 320, 120, 6
    step = (width - 2 * pad) / max(len(months) - 1, 1)
    coordinates, dots, rows = [], [], []
    for index, month in enumerate(months):
        value = by_month.get(month)
        if value is None or value.value is None:
            continue
        x = pad + index * step
        y = height - pad - (min(value.value, maximum) / maximum) * (height - 2 * pad)
        coordinates.append(f"{x:.1f},{y:.1f}")
        dots.append((round(x, 1), round(y, 1)))
        rows.append(ChartRow(month_name(month), format_value(value), value.pk))
    if not rows:
        return None
    labels = [(pad, month_name(months[0])), (width - pad, month_name(months[-1]))]
    top = "100 %" if maximum == 1 else number_format(maximum, 0)
    if share:
        top = format_value_share(maximum)
    return Chart(title, " ".join(coordinates), dots, labels, top, rows, slug or slugify(title))


def trend_months(last: datetime.date, count: int = 24) -> list[datetime.date]:
    return [add_months(last, -n) for n in range(count - 1, -1, -1)]


def service_sentences(values: dict[str, IndicatorValue], place: str) -> list[str]:
    """Plain statements of the current service, as ui.md asks: every figure has a sentence."""
    sentences = []
    if tier := values.get(Code.FUNCTIONALITY):
        texts = {
            "T0": _("En la última visita el sistema no funcionaba."),
            "T1": _(
                "En la última visita el sistema daba agua, pero no se comprobó que diera "
                "el caudal que se pide a su tipo de sistema."
            ),
            "T2": _(
                "El sistema funciona y da su caudal, pero no ha sido confiable: muchos días "
                "sin servicio en el año o sin registro."
            ),
            "T3": _(
                "El sistema funciona y es confiable, pero el agua no tiene una prueba "
                "reciente que cumpla la norma de E. coli."
            ),
            "T4": _("El sistema funciona, es confiable y su agua cumplió la norma de E. coli."),
        }
        sentences.append(texts.get(tier.label, ""))
    if days := values.get(Code.DAYS_PER_WEEK):
        sentences.append(
            _("En %(month)s llegó agua %(days)s días por semana en promedio.")
            % {"month": month_name(days.period), "days": number_format(days.value, 1)}
        )
    if downtime := values.get(Code.DOWNTIME):
        sentences.append(
            _("En los últimos 12 meses estuvo %(days)s días sin servicio.")
            % {"days": number_format(downtime.value, 0)}
        )
    if micro := values.get(Code.MICROBIAL):
        if (
            micro.numerator is not None
            and micro.denominator
            and micro.numerator < micro.denominator
        ):
            sentences.append(
                _(
                    "¡Atención! En %(month)s el agua no cumplió la norma de E. coli en "
                    "%(failed)s de %(total)s pruebas."
                )
                % {
                    "month": month_name(micro.period),
                    "failed": number_format(micro.denominator - micro.numerator, 0),
                    "total": number_format(micro.denominator, 0),
                }
            )
    if water := values.get("jmp_water"):
        sentences.append(safely_managed_sentence(water, place))
    if gap := values.get(Code.PERCEPTION_GAP):
        if gap.numerator:
            sentences.append(
                _(
                    "%(count)s hogares dijeron que su agua no tiene problema, pero su agua no "
                    "cumplió la norma de E. coli o llegó menos de %(days)s días por semana."
                )
                % {
                    "count": number_format(gap.numerator, 0),
                    "days": number_format(gap.breakdown.get("min_days_per_week", 4), 0),
                }
            )
    return [s for s in sentences if s]


def norm_label(value: IndicatorValue | None) -> str:
    """'según las guías de la OMS': the norm that judged "free from contamination"."""
    if value is None:
        return ""
    return str(NORM_LABELS.get(value.breakdown.get("norm", ""), ""))


def safely_managed_sentence(water: IndicatorValue, place: str) -> str:
    unknown = water.breakdown.get("unknown", 0)
    if water.value is None:
        text = _(
            "En %(place)s no se puede estimar cuántas personas tienen agua gestionada de forma "
            "segura: falta saber si el agua alcanza, si está libre de contaminación o dónde "
            "está, para todas las viviendas con fuente mejorada."
        ) % {"place": place}
    else:
        text = _(
            "Se estima que %(share)s de las personas encuestadas en %(place)s tiene agua "
            "gestionada de forma segura (método del JMP, %(norm)s)."
        ) % {"share": format_value(water), "place": place, "norm": norm_label(water)}
    if unknown and water.denominator:
        text += " " + _(
            "De %(unknown)s personas no se sabe en qué escalón están: les falta un dato, no "
            "se las baja de escalón."
        ) % {"unknown": number_format(unknown, 0, force_grouping=True)}
    return text


@dataclass
class Criterion:
    label: str
    met: float
    known: float
    share: float | None


def safely_managed_method(value: IndicatorValue | None) -> dict | None:
    """The JMP estimate of a drinking-water ladder written out with its own numbers, for
    "why this number"."""
    if value is None or value.indicator != "jmp_water" or "improved" not in value.breakdown:
        return None
    found = value.breakdown
    labels = {
        "on_premises": _("agua en la vivienda o el terreno"),
        "available": _("agua suficiente cuando la necesitaron el último mes"),
        "free_of_contamination": _("agua libre de contaminación (%(norm)s)")
        % {"norm": norm_label(value)},
    }
    criteria = []
    for code, label in labels.items():
        known = found.get(f"{code}_known", 0)
        met = found.get(code, 0)
        criteria.append(Criterion(label, met, known, met / known if known else None))
    people = value.denominator or 0
    shares = [c.share for c in criteria]
    lowest = min(shares) if None not in shares else None
    return {
        "improved": found.get("improved", 0),
        "people": people,
        "improved_share": found.get("improved", 0) / people if people else None,
        "criteria": criteria,
        "lowest": lowest,
        "norm": norm_label(value),
    }


def left_out_systems(value: IndicatorValue) -> list[tuple[str, str]]:
    """The systems a quality figure left out, by name, and why (one query)."""
    rows = value.breakdown.get("left_out_systems") or []
    if not rows:
        return []
    names = WaterSystem.objects.in_bulk([system_id for system_id, _reason in rows])
    return [
        (
            names[system_id].name if system_id in names else f"#{system_id}",
            str(BREAKDOWN_VALUES.get(reason, reason)),
        )
        for system_id, reason in rows
    ]


def systems_left_out(value: IndicatorValue | None) -> int:
    """How many systems a quality figure left out, whatever the reason."""
    if value is None:
        return 0
    return int(
        sum(
            amount
            for key, amount in value.breakdown.items()
            if key.startswith("left_out_") and isinstance(amount, int | float)
        )
    )


def left_out_summary(value: IndicatorValue) -> list[str]:
    """'Se dejaron fuera N sistemas que no cloran (...)': one sentence per reason."""
    texts = {
        "does_not_chlorinate": (
            "Se dejó fuera %(count)s sistema que no clora (la NOM sólo exige cloro residual "
            "donde se clora, 5.8.1).",
            "Se dejaron fuera %(count)s sistemas que no cloran (la NOM sólo exige cloro "
            "residual donde se clora, 5.8.1).",
        ),
        "chlorination_unknown": (
            "Se dejó fuera %(count)s sistema del que no se sabe si clora: registre en el "
            "sistema si clora para que cuente.",
            "Se dejaron fuera %(count)s sistemas de los que no se sabe si cloran: registre en "
            "cada sistema si clora para que cuenten.",
        ),
        "not_surface": (
            "Se dejó fuera %(count)s sistema cuya fuente no es superficial ni tiene influencia "
            "superficial (la NOM pide Giardia y microcistina sólo en esas fuentes).",
            "Se dejaron fuera %(count)s sistemas cuya fuente no es superficial ni tiene "
            "influencia superficial (la NOM pide Giardia y microcistina sólo en esas fuentes).",
        ),
        "surface_unknown": (
            "Se dejó fuera %(count)s sistema del que no se sabe si su fuente es superficial o "
            "tiene influencia superficial: regístrelo en sus fuentes para que cuente.",
            "Se dejaron fuera %(count)s sistemas de los que no se sabe si su fuente es "
            "superficial o tiene influencia superficial: regístrelo en sus fuentes para que "
            "cuenten.",
        ),
    }
    sentences = []
    reason = value.breakdown.get("left_out")
    if reason:
        readings = value.breakdown.get("readings", 0)
        sentences.append(
            _("Esta cifra no cuenta las %(readings)s lecturas del mes: %(why)s.")
            % {
                "readings": number_format(readings, 0),
                "why": BREAKDOWN_VALUES.get(reason, reason),
            }
        )
    for key, (singular, plural) in texts.items():
        count = value.breakdown.get(f"left_out_{key}")
        if count:
            text = ngettext(singular, plural, int(count))
            sentences.append(text % {"count": number_format(count, 0)})
    return sentences


def finance_sentences(values: dict[str, IndicatorValue]) -> list[str]:
    """The books' figures in plain words, with the amounts they come from."""
    sentences = []
    if collection := values.get(Code.COLLECTION):
        figures = {
            "start": month_name(collection.window_start),
            "end": month_name(collection.period),
            "share": format_value_share(collection.value),
            "collected": mxn(collection.numerator),
            "charged": mxn(collection.denominator),
        }
        if collection.window_start.replace(day=1) == collection.period:
            text = _(
                "En %(end)s se cobró el %(share)s de lo que se cargó a las tomas "
                "(%(collected)s de %(charged)s)."
            )
        else:
            text = _(
                "De %(start)s a %(end)s se cobró el %(share)s de lo que se cargó a las tomas "
                "(%(collected)s de %(charged)s)."
            )
        sentences.append(text % figures)
    if coverage := values.get(Code.COST_COVERAGE):
        figures = {
            "share": format_value_share(coverage.value),
            "income": mxn(coverage.numerator),
            "spent": mxn(coverage.denominator),
        }
        if coverage.value >= 1:
            text = _(
                "Los ingresos del periodo (%(income)s) cubren el %(share)s de lo que costó "
                "operar y mantener el servicio (%(spent)s): alcanzan."
            )
        else:
            text = _(
                "¡Atención! Los ingresos del periodo (%(income)s) cubren sólo el %(share)s de "
                "lo que costó operar y mantener el servicio (%(spent)s)."
            )
        sentences.append(text % figures)
    if reserve := values.get(Code.RESERVE_MONTHS):
        if reserve.numerator and reserve.numerator > 0:
            sentences.append(
                _(
                    "El fondo de reserva (%(reserve)s) alcanza para %(months)s meses de gasto "
                    "como el de este periodo."
                )
                % {
                    "reserve": mxn(reserve.numerator),
                    "months": number_format(round(reserve.value, 1), 1),
                }
            )
        else:
            sentences.append(
                _("El comité no tiene dinero en su fondo de reserva para una reparación grande.")
            )
    return sentences


def finance_context(provider) -> dict:
    """The "how are the accounts" panel of a provider page: its latest financial figures."""
    queryset = IndicatorValue.objects.filter(
        entity=Entity.PROVIDER, entity_id=provider.pk, indicator__in=FINANCE_CODES
    )
    month = latest_period(queryset)
    if month is None:
        return {"finance": None}
    values = values_by_indicator(queryset, month)
    months = trend_months(month)
    grouped: dict[str, list[IndicatorValue]] = {}
    for value in queryset.filter(period__gte=months[0], period__lte=month).filter(
        indicator__in=[Code.COLLECTION, Code.COST_COVERAGE]
    ):
        grouped.setdefault(value.indicator, []).append(value)
    charts = [
        chart
        for code in (Code.COLLECTION, Code.COST_COVERAGE)
        if (
            chart := trend_chart(
                str(definition(code).name),
                grouped.get(code, []),
                months,
                # Coverage can pass 100 %: the chart grows to show how far.
                max([1.0, *(v.value or 0 for v in grouped.get(code, []))]),
                share=True,
                slug=code,
            )
        )
    ]
    # A kiosk or a school lives on its sales: it charges no tomas, so there is no collection
    # efficiency to compute. Said so, rather than left out or read as 0 %.
    not_applicable = (
        [str(definition(Code.COLLECTION).name)]
        if lives_on_sales(provider) and Code.COLLECTION not in values
        else []
    )
    return {
        "finance": {
            "month": month,
            "sentences": finance_sentences(values),
            "figures": [
                (definition(code).name, format_value(values[code]), values[code])
                for code in FINANCE_CODES
                if code in values
            ],
            "not_applicable": not_applicable,
            "charts": charts,
        }
    }


def breakdown_items(value: IndicatorValue) -> list[tuple[str, str]]:
    """The breakdown in words: rung and tier names, reasons, and plain numbers."""
    items = []
    for key, amount in value.breakdown.items():
        if isinstance(amount, list | dict):
            # Lists (the systems left out) have their own section on the page.
            continue
        label = BREAKDOWN_LABELS.get(key) or ladders.RUNG_LABELS.get(key) or key
        if isinstance(amount, bool):
            shown = _("sí") if amount else _("no")
        elif isinstance(amount, int | float):
            shown = number_format(
                amount, 0 if float(amount).is_integer() else 2, force_grouping=True
            )
        else:
            shown = str(BREAKDOWN_VALUES.get(amount, amount)) if amount else "—"
        items.append((str(label), shown))
    return items


def plain_number(amount: float | None) -> str:
    if amount is None:
        return "—"
    decimals = 0 if float(amount).is_integer() else 2
    return number_format(amount, decimals, force_grouping=True)


@dataclass
class FacilityRung:
    """One of a health centre's JMP ladders, as its latest validated survey places it."""

    code: str
    rung: str
    label: str
    colour: str


def health_care_context(centre) -> dict:
    """A health centre's five JMP health-care rungs from its latest validated survey (one
    query, through the reverse relation: monitoring sits below this app)."""
    survey = centre.surveys.filter(state="validated").order_by("-observed_on", "-pk").first()
    if survey is None:
        return {"survey": None, "rungs": []}
    answers = {f.attname: getattr(survey, f.attname) for f in survey._meta.concrete_fields}
    found = health_centre_rungs(answers)
    return {
        "survey": survey,
        "rungs": [
            FacilityRung(
                code,
                found[code],
                str(ladders.RUNG_LABELS[found[code]]),
                ladders.RUNG_COLOURS[found[code]],
            )
            for code in HEALTH_CARE_LADDER_CODES
        ],
    }
