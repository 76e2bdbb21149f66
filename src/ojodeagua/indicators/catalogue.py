"""What each indicator is called, what it measures, and how its value reads in plain words."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

MICROBIAL = frozenset({"e_coli", "thermotolerant_coliforms"})
# JMP "priority chemicals" by default: arsenic and fluoride.
CHEMICAL_PRIORITY = frozenset({"arsenic", "fluoride"})


class Code:
    CONTINUITY_HOURS = "continuity_hours"
    DAYS_PER_WEEK = "days_per_week"
    AVAILABILITY = "availability"
    DOWNTIME = "downtime_12m"
    FUNCTIONALITY = "functionality"
    WORKING_SHARE = "working_share"
    RELIABLE_SHARE = "reliable_share"
    CHLORINE = "chlorine_compliance"
    MICROBIAL = "microbial_compliance"
    NOM_PREFIX = "nom127_"
    SCORE = "score"
    GAP_RECORD = "gap_on_record"
    GAP_WORKING = "gap_working"
    GAP_RELIABLE = "gap_reliable"
    GAP_SAFE = "gap_safely_managed"
    PERCEPTION_GAP = "perception_gap"
    # From the committee's books (provider only).
    COLLECTION = "collection_efficiency"
    COST_COVERAGE = "cost_coverage"
    RESERVE_MONTHS = "reserve_months"
    # Kiosks and school systems as businesses (their water sales, from their books).
    SALES_LITRES = "sales_litres_month"
    SALES_REVENUE = "sales_revenue_month"
    SALES_MARGIN = "sales_margin"
    JUG_PRICE = "jug_price_vs_bottled"
    SCHOOL_COVERAGE = "school_sales_cover_costs"


# The provider figures that come from the books rather than from observations of the service.
FINANCE_CODES = (Code.COLLECTION, Code.COST_COVERAGE, Code.RESERVE_MONTHS)
BUSINESS_CODES = (
    Code.SALES_LITRES,
    Code.SALES_REVENUE,
    Code.SALES_MARGIN,
    Code.JUG_PRICE,
    Code.SCHOOL_COVERAGE,
)
# Every figure read from the books: an observation's refresh keeps them as they are.
BOOKS_CODES = FINANCE_CODES + BUSINESS_CODES


@dataclass(frozen=True)
class Definition:
    name: object
    definition: object
    kind: str  # "share", "hours", "days", "tier", "score", "count", "months"


DEFINITIONS: dict[str, Definition] = {
    Code.CONTINUITY_HOURS: Definition(
        _("horas de agua al día"),
        _("Horas con agua registradas ÷ días registrados en el mes."),
        "hours",
    ),
    Code.DAYS_PER_WEEK: Definition(
        _("días con agua por semana"),
        _("7 × días con agua ÷ días registrados en el mes."),
        "days",
    ),
    Code.AVAILABILITY: Definition(
        _("disponibilidad"),
        _("Días con agua ÷ días registrados en el mes."),
        "share",
    ),
    Code.DOWNTIME: Definition(
        _("días sin servicio en 12 meses"),
        _(
            "Días sin agua en los últimos 12 meses, del registro de suministro; si no hay "
            "registro, los días de paro anotados en las visitas. Confiable: menos de 30 días."
        ),
        "count",
    ),
    Code.FUNCTIONALITY: Definition(
        _("nivel de funcionamiento"),
        _(
            "T0 no funciona; T1 da agua; T2 y da el caudal que pide la regla de su tipo de "
            "sistema: una fuente puntual (pozo o manantial), un mínimo de litros por minuto; "
            "los demás, una parte de su caudal de diseño (los dos son umbrales editables; el "
            "desglose dice cuál se usó); T3 y confiable (menos de 30 días sin servicio en 12 "
            "meses); T4 y el agua cumple la norma de E. coli (y de arsénico y flúor donde se "
            "midieron). De la última visita de 12 meses."
        ),
        "tier",
    ),
    Code.WORKING_SHARE: Definition(
        _("sistemas que funcionan"),
        _("Sistemas en T1 o más ÷ sistemas visitados en los últimos 12 meses."),
        "share",
    ),
    Code.RELIABLE_SHARE: Definition(
        _("sistemas confiables"),
        _("Sistemas en T3 o más ÷ sistemas visitados en los últimos 12 meses."),
        "share",
    ),
    Code.CHLORINE: Definition(
        _("cloro residual en norma"),
        _(
            "Lecturas de cloro libre entre 0.2 y 1.5 mg/L ÷ lecturas evaluadas en el mes, sólo "
            "de los sistemas que cloran: la NOM-127 exige cloro residual libre donde se usa "
            "algún compuesto de cloro (5.8.1). Clora si así lo dice su registro; si el registro "
            "no lo dice, si tiene un clorador registrado o una visita de 12 meses encontró su "
            "cloración funcionando o descompuesta. Los sistemas que no cloran, o de los que no "
            "se sabe si cloran, quedan fuera y se dice cuáles."
        ),
        "share",
    ),
    Code.MICROBIAL: Definition(
        _("agua sin E. coli"),
        _("Pruebas de E. coli o coliformes fecales que cumplen ÷ pruebas evaluadas en el mes."),
        "share",
    ),
    Code.SCORE: Definition(
        _("puntaje de servicio"),
        _(
            "De 0 a 1, promedio ponderado de sus componentes; cada sistema, localidad, "
            "prestador o área dice los suyos. A ≥ 0.9, B ≥ 0.7, C ≥ 0.4, D menos."
        ),
        "score",
    ),
    Code.GAP_RECORD: Definition(
        _("población con infraestructura registrada"),
        _("Personas en viviendas que un sistema registrado sirve ÷ población."),
        "share",
    ),
    Code.GAP_WORKING: Definition(
        _("población con un sistema que funciona"),
        _("Personas servidas por sistemas en T1 o más ÷ población."),
        "share",
    ),
    Code.GAP_RELIABLE: Definition(
        _("población con servicio confiable"),
        _("Personas servidas por sistemas en T3 o más ÷ población."),
        "share",
    ),
    Code.GAP_SAFE: Definition(
        _("población con agua gestionada de forma segura"),
        _(
            "Estimación del JMP de agua gestionada de forma segura entre las personas "
            "encuestadas (ver la escalera de agua para beber) × población; sin encuestas, o si "
            "faltan datos para estimarla, estimada con los sistemas en T4."
        ),
        "share",
    ),
    Code.PERCEPTION_GAP: Definition(
        _("dicen «sin problema» pero el agua falló"),
        _(
            "Hogares que dicen que su agua no tiene problema y cuyo sistema falló la prueba de "
            "E. coli (90 días antes o después) o les dio agua menos de 4 días por semana ÷ "
            "hogares que dicen «sin problema»."
        ),
        "share",
    ),
    Code.COLLECTION: Definition(
        _("eficiencia de cobranza"),
        _(
            "Lo que los pagos (sin contar los cancelados) liquidaron de los cargos de los "
            "meses ÷ lo que se cargó a las tomas en esos meses. Últimos 12 meses, o desde que "
            "el comité lleva sus cuentas aquí."
        ),
        "share",
    ),
    Code.COST_COVERAGE: Definition(
        _("cobertura de costos de operación y mantenimiento"),
        _(
            "Ingresos del servicio (cuotas y multas cargadas, tomas nuevas, ventas y otros) ÷ "
            "gastos de operación y mantenimiento, según el libro de cuentas. Últimos 12 "
            "meses, o desde que el comité lleva sus cuentas aquí. 100 por ciento o más: lo "
            "que entra alcanza."
        ),
        "share",
    ),
    Code.RESERVE_MONTHS: Definition(
        _("fondo de reserva en meses de gasto"),
        _(
            "Saldo del fondo de reserva al final del mes ÷ gasto promedio por mes de los "
            "últimos 12 meses (o desde que el comité lleva sus cuentas aquí)."
        ),
        "months",
    ),
    Code.SALES_LITRES: Definition(
        _("litros de agua vendidos al mes"),
        _(
            "Litros vendidos (los anotados en cada venta, o 20 por garrafón) ÷ meses. Últimos "
            "12 meses, o desde que el kiosco o la escuela lleva sus cuentas aquí."
        ),
        "litres",
    ),
    Code.SALES_REVENUE: Definition(
        _("ventas de agua al mes"),
        _("Ingresos por ventas del libro de cuentas ÷ meses, en los mismos meses."),
        "money",
    ),
    Code.SALES_MARGIN: Definition(
        _("margen de las ventas"),
        _(
            "(Ingresos por ventas − gastos de operación y mantenimiento) ÷ ingresos por "
            "ventas. Menos de 0: las ventas no alcanzan para operar."
        ),
        "share",
    ),
    Code.JUG_PRICE: Definition(
        _("precio del garrafón frente al de la tienda"),
        _(
            "Precio promedio del garrafón de 20 litros vendido ÷ precio del garrafón en la "
            "tienda de la localidad (el que anotó el grupo en sus cuentas). 40 por ciento es "
            "60 por ciento más barato."
        ),
        "share",
    ),
    Code.SCHOOL_COVERAGE: Definition(
        _("las ventas cubren operación, mantenimiento y técnico"),
        _(
            "Ingresos de la escuela por su agua (ventas y aportaciones de las familias) ÷ "
            "gastos de operación y mantenimiento, con el pago al técnico; el desglose dice "
            "cuánto fue al técnico. 100 por ciento o más: alcanza."
        ),
        "share",
    ),
    "jmp_water": Definition(
        _("agua gestionada de forma segura (escalera JMP)"),
        _(
            "Estimación del JMP: (personas que usan una fuente mejorada ÷ personas "
            "encuestadas) × el menor de tres porcentajes, cada uno entre las personas que usan "
            "una fuente mejorada y cuya respuesta se conoce: agua en la vivienda o el terreno; "
            "agua suficiente cuando la necesitaron el último mes; agua libre de contaminación "
            "(la última prueba de 12 meses de su sistema sin E. coli, y arsénico y flúor "
            "dentro del límite si se midieron). Quien no sabe, o cuyo sistema no tiene prueba, "
            "no cuenta en ese porcentaje. Encuestas de hogar de los últimos 12 meses; el "
            "municipio y el estado repiten la cuenta con los totales de sus localidades. Las "
            "barras ponen a cada vivienda en su escalón; «no se sabe» es la vivienda a la que "
            "le falta un dato (tiempo de acarreo, agua suficiente o prueba de agua) para saber "
            "su escalón, y no se baja de escalón por eso."
        ),
        "share",
    ),
    "jmp_sanitation": Definition(
        _("saneamiento (escalera JMP)"),
        _("Personas por escalón, de las viviendas encuestadas en 12 meses."),
        "share",
    ),
    "jmp_hygiene": Definition(
        _("higiene (escalera JMP)"),
        _("Personas por escalón, de las viviendas encuestadas en 12 meses."),
        "share",
    ),
    "jmp_school_water": Definition(
        _("agua en escuelas"), _("Escuelas con servicio básico ÷ escuelas encuestadas."), "share"
    ),
    "jmp_school_sanitation": Definition(
        _("saneamiento en escuelas"),
        _("Escuelas con servicio básico ÷ escuelas encuestadas."),
        "share",
    ),
    "jmp_school_hygiene": Definition(
        _("higiene en escuelas"), _("Escuelas con servicio básico ÷ escuelas encuestadas."), "share"
    ),
    # The JMP's ladders for health-care facilities (2019 baseline): a centre whose answers
    # cannot place it counts apart, as unknown, and stays out of the share.
    "jmp_health_water": Definition(
        _("agua en centros de salud (escalera JMP de establecimientos de salud)"),
        _(
            "Centros de salud con servicio básico ÷ centros encuestados cuyo nivel se conoce. "
            "Básico: fuente mejorada dentro del centro y con agua al momento de la encuesta. "
            "Limitado: fuente mejorada a 500 m o menos, o dentro del centro pero sin agua. "
            "Sin servicio: fuente no mejorada, sin fuente, o fuente mejorada a más de 500 m. "
            "Se desconoce: fuente mejorada fuera del centro sin la distancia anotada."
        ),
        "share",
    ),
    "jmp_health_sanitation": Definition(
        _("saneamiento en centros de salud (escalera JMP de establecimientos de salud)"),
        _(
            "Centros de salud con servicio básico ÷ centros encuestados cuyo nivel se conoce. "
            "Básico: baños mejorados que se pueden usar, con al menos uno para el personal, uno "
            "separado para mujeres con lo necesario para la higiene menstrual y uno que puede "
            "usar una persona con movilidad limitada. Limitado: baños mejorados a los que les "
            "falta algo de eso. Sin servicio: baños no mejorados o ninguno."
        ),
        "share",
    ),
    "jmp_health_hygiene": Definition(
        _("higiene de manos en centros de salud (escalera JMP de establecimientos de salud)"),
        _(
            "Centros de salud con servicio básico ÷ centros encuestados cuyo nivel se conoce. "
            "Básico: dónde lavarse las manos con agua y jabón, o gel con alcohol, que funciona "
            "en los puntos de atención y a menos de 5 m de los baños. Limitado: en uno de los "
            "dos lugares. Sin servicio: en ninguno."
        ),
        "share",
    ),
    "jmp_health_waste": Definition(
        _("residuos en centros de salud (escalera JMP de establecimientos de salud)"),
        _(
            "Centros de salud con servicio básico ÷ centros encuestados cuyo nivel se conoce. "
            "Básico: los residuos se separan en al menos tres botes en el consultorio, y los "
            "punzocortantes y los infecciosos se tratan y se eliminan de forma segura. "
            "Limitado: una de las dos cosas. Sin servicio: ninguna."
        ),
        "share",
    ),
    "jmp_health_cleaning": Definition(
        _("limpieza en centros de salud (escalera JMP de establecimientos de salud)"),
        _(
            "Centros de salud con servicio básico ÷ centros encuestados cuyo nivel se conoce. "
            "Básico: hay protocolos de limpieza y todo el personal que limpia recibió "
            "capacitación. Limitado: una de las dos cosas. Sin servicio: ninguna."
        ),
        "share",
    ),
}
# The JMP's service ladders for health-care facilities, in the order the JMP lists them.
HEALTH_CARE_LADDER_CODES = (
    "jmp_health_water",
    "jmp_health_sanitation",
    "jmp_health_hygiene",
    "jmp_health_waste",
    "jmp_health_cleaning",
)


# Parameters the NOM asks only of some systems: what the definition adds.
RESTRICTED_PARAMETER_NOTES = {
    "free_chlorine": _(
        "Sólo de los sistemas que cloran: la NOM-127 exige cloro residual libre donde se usa "
        "algún compuesto de cloro (5.8.1)."
    ),
    "giardia": _(
        "Sólo de los sistemas con fuente superficial o bajo influencia de agua superficial, "
        "como pide la NOM-127."
    ),
    "microcystin_lr": _(
        "Sólo de los sistemas con fuente superficial o bajo influencia de agua superficial, "
        "como pide la NOM-127."
    ),
}


# The score of each kind of place. Only the locality's follows SIASAR; the others are this
# project's own and say so (``engine.families.scores``).
SCORE_DEFINITIONS: dict[str, Definition] = {
    "system": Definition(
        _("puntaje de servicio del sistema"),
        _(
            "Puntaje propio de este proyecto. De 0 a 1, promedio ponderado de funcionamiento "
            "(nivel T0–T4 ÷ 4), continuidad (parte del día con agua), estacionalidad (el peor "
            "mes: parte de los días con agua) y calidad (pruebas de E. coli que cumplen), en "
            "12 meses. Un componente sin datos no cuenta. A ≥ 0.9, B ≥ 0.7, C ≥ 0.4, D menos."
        ),
        "score",
    ),
    "locality": Definition(
        _("puntaje de servicio de la localidad"),
        _(
            "De 0 a 1: acceso (parte de las personas encuestadas con agua básica o mejor), "
            "continuidad, estacionalidad y calidad de los sistemas que la sirven, ponderadas "
            "por las viviendas que sirve cada uno; según la estructura de SIASAR, con pesos "
            "iguales porque los oficiales no están en el sistema. Sin encuestas de hogares en "
            "12 meses el acceso no se sabe y no cuenta. A ≥ 0.9, B ≥ 0.7, C ≥ 0.4, D menos."
        ),
        "score",
    ),
    "provider": Definition(
        _("puntaje del prestador"),
        _(
            "Puntaje propio de este proyecto. De 0 a 1, promedio ponderado del puntaje de "
            "servicio de sus sistemas y, si lleva sus cuentas aquí, de su gestión financiera "
            "(cobranza y cobertura de costos, cada una hasta 1). A ≥ 0.9, B ≥ 0.7, C ≥ 0.4, "
            "D menos."
        ),
        "score",
    ),
    "municipality": Definition(
        _("puntaje de servicio de los sistemas"),
        _(
            "Puntaje propio de este proyecto: el promedio de los puntajes de servicio de los "
            "sistemas del área. A ≥ 0.9, B ≥ 0.7, C ≥ 0.4, D menos."
        ),
        "score",
    ),
}
SCORE_DEFINITIONS["state"] = SCORE_DEFINITIONS["municipality"]


def definition(code: str, entity: str | None = None) -> Definition:
    """What the indicator is; the score's depends on the kind of place (``entity``)."""
    if code == Code.SCORE and entity in SCORE_DEFINITIONS:
        return SCORE_DEFINITIONS[entity]
    if code in DEFINITIONS:
        return DEFINITIONS[code]
    if code.startswith(Code.NOM_PREFIX):
        parameter = code.removeprefix(Code.NOM_PREFIX)
        text = _("Resultados que cumplen la NOM-127 ÷ resultados evaluados en el mes.")
        if parameter in RESTRICTED_PARAMETER_NOTES:
            text = f"{text} {RESTRICTED_PARAMETER_NOTES[parameter]}"
        return Definition(
            _("NOM-127: %(parameter)s") % {"parameter": parameter},
            text,
            "share",
        )
    return Definition(code, "", "share")


# SIASAR's classes for a score from 0 to 1 (A ≥ 0.9, B 0.7 to < 0.9, C 0.4 to < 0.7, D < 0.4);
# every score here is classed with them, SIASAR's or not.
SCORE_CLASSES = (("A", Decimal("0.9")), ("B", Decimal("0.7")), ("C", Decimal("0.4")))
CLASS_COLOURS = {"A": "green", "B": "yellowgreen", "C": "orange", "D": "red"}
# Scores are kept to nine decimals: far finer than any reading, coarse enough to drop the
# binary noise that would put a score at a class boundary (0.7) in the class below.
SCORE_STEP = Decimal("1e-9")


def as_decimal(number: float | Decimal) -> Decimal:
    # Through str: the float 0.7 is the decimal 0.7, not 0.6999999999999999555910790149937.
    return number if isinstance(number, Decimal) else Decimal(str(number))


def round_score(score: float | Decimal) -> float:
    return float(as_decimal(score).quantize(SCORE_STEP))


def class_for_score(score: float | Decimal) -> str:
    """The score's class, compared in decimal so that a score of 0.7 is a B."""
    rounded = as_decimal(score).quantize(SCORE_STEP)
    for label, floor in SCORE_CLASSES:
        if rounded >= floor:
            return label
    return "D"


# How the keys of a value's breakdown read on "why this number".
BREAKDOWN_LABELS = {
    "localities": _("localidades"),
    "estimated_localities": _("localidades estimadas sin encuestas"),
    "municipalities": _("municipios"),
    "surveyed": _("hogares encuestados"),
    "no_problem": _("dicen «sin problema»"),
    "ecoli_failed": _("de ellos, su agua falló E. coli"),
    "few_days": _("de ellos, agua menos días por semana"),
    "min_days_per_week": _("días por semana mínimos"),
    "visit_date": _("fecha de la visita"),
    "stops_at": _("por qué no sube de nivel"),
    "flow_rule": _("regla del nivel T2"),
    "minimum_flow_lps": _("caudal que pide la regla (L/s)"),
    "flow_lps": _("caudal medido (L/s)"),
    "minimum_flow_lpm": _("caudal que pide la regla (L/min)"),
    "flow_lpm": _("caudal medido (L/min)"),
    "from": _("calculado con"),
    "functionality": _("funcionamiento"),
    "continuity": _("continuidad"),
    "seasonality": _("estacionalidad"),
    "quality": _("calidad"),
    "accessibility": _("acceso"),
    "service": _("servicio de sus sistemas"),
    "finance": _("gestión financiera"),
    "systems": _("sistemas con puntaje"),
    "improved": _("personas con fuente mejorada"),
    "on_premises": _("en la vivienda o el terreno"),
    "on_premises_known": _("con respuesta sobre dónde está el agua"),
    "available": _("con agua suficiente cuando la necesitaron"),
    "available_known": _("con respuesta sobre agua suficiente"),
    "free_of_contamination": _("con agua libre de contaminación"),
    "free_of_contamination_known": _("con prueba de agua de su sistema"),
    "norm": _("norma para «libre de contaminación»"),
    "left_out": _("no cuenta porque"),
    "readings": _("lecturas que no cuentan"),
    "counted_systems": _("sistemas que cuentan"),
    "unnamed_left_out": _("sistemas fuera que se nombran en la cifra de cada municipio"),
    "left_out_does_not_chlorinate": _("sistemas fuera porque no cloran"),
    "left_out_chlorination_unknown": _("sistemas fuera porque no se sabe si cloran"),
    "left_out_not_surface": _("sistemas fuera porque su fuente no es superficial"),
    "left_out_surface_unknown": _(
        "sistemas fuera porque no se sabe si su fuente es superficial o tiene influencia "
        "superficial"
    ),
}
BREAKDOWN_VALUES = {
    "supply_log": _("el registro de suministro"),
    "visits": _("los días de paro anotados en las visitas"),
    "not_working": _("no funcionaba en la visita"),
    "below_design_yield": _("da menos de la parte de su caudal de diseño que pide la regla"),
    "below_point_min_flow": _("da menos litros por minuto de los que pide la regla"),
    "no_flow_measure": _("no se midió el caudal en la visita"),
    "no_design_yield": _("no hay caudal de diseño registrado para aplicar la regla"),
    "point_min_flow": _(
        "fuente puntual: un mínimo de litros por minuto (el umbral de campo usual para bombas "
        "manuales; práctica del sector, no del JMP)"
    ),
    "design_flow_share": _("una parte de su caudal de diseño (regla de este proyecto)"),
    "no_household_survey": _(
        "no se sabe: sin encuestas de hogares en 12 meses (no cuenta en el puntaje)"
    ),
    "no_downtime_record": _("no hay registro de días sin servicio"),
    "unreliable": _("30 días o más sin servicio en 12 meses"),
    "no_microbial_test": _("sin prueba de E. coli en 12 meses"),
    "microbial_failed": _("la última prueba de E. coli no cumplió"),
    "arsenic_failed": _("la última prueba de arsénico no cumplió"),
    "fluoride_failed": _("la última prueba de flúor no cumplió"),
    "who": _("guías de la OMS"),
    "nom127": _("NOM-127"),
    "mixed": _("distintas normas según la localidad"),
    "does_not_chlorinate": _(
        "el sistema no clora (la NOM sólo exige cloro residual donde se clora, 5.8.1)"
    ),
    "chlorination_unknown": _("no se sabe si el sistema clora"),
    "not_surface": _("su fuente no es superficial ni tiene influencia superficial"),
    "surface_unknown": _("no se sabe si su fuente es superficial o tiene influencia superficial"),
}
# How the figure of safely managed water is labelled with the norm that judged contamination.
NORM_LABELS = {
    "who": _("según las guías de la OMS"),
    "nom127": _("según la NOM-127"),
    "mixed": _("según distintas normas"),
}
