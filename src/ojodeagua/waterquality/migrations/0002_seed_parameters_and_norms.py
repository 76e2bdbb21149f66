"""Seed the parameters, NOM-127-SSA1 (1994/2000 and 2021) and the WHO guidelines as data.

Everything here can be edited afterwards in the admin; a new norm version needs no code.
Values marked "confirmar contra el DOF" or "(check)" are to be verified against the source text.
"""

import datetime
from decimal import Decimal

from django.db import migrations

NUMERIC = "numeric"
MICROBIAL = "microbial"

# (code, Spanish name, English name, symbol, kind, reference unit, expressed as, aliases)
PARAMETERS = [
    ("e_coli", "E. coli", "E. coli", "", MICROBIAL, "/100 mL", "",
     ["Escherichia coli", "ecoli", "e coli", "coliformes e. coli"]),
    ("thermotolerant_coliforms", "Coliformes termotolerantes", "Thermotolerant coliforms", "",
     MICROBIAL, "/100 mL", "",
     ["coliformes fecales", "fecal coliforms", "faecal coliforms", "termotolerantes",
      "coliformes termotolerantes (fecales)", "organismos termotolerantes", "coliformes fecales"
      " (termotolerantes)", "CF", "CTT"]),
    ("total_coliforms", "Coliformes totales", "Total coliforms", "", MICROBIAL, "/100 mL", "",
     ["organismos coliformes totales", "coliformes", "CT"]),
    ("giardia", "Giardia lamblia", "Giardia lamblia", "", MICROBIAL, "quistes/20 L", "",
     ["giardia", "quistes de giardia", "giardia intestinalis", "giardia spp"]),
    ("free_chlorine", "Cloro residual libre", "Free residual chlorine", "Cl2", NUMERIC, "mg/L", "",
     ["cloro libre", "cloro residual", "free chlorine", "cloro libre residual",
      "residual chlorine", "chlorine"]),
    ("turbidity", "Turbiedad", "Turbidity", "", NUMERIC, "NTU", "", ["turbidez"]),
    ("ph", "pH", "pH", "", NUMERIC, "pH", "", ["potencial de hidrogeno", "ph de campo"]),
    ("colour", "Color verdadero", "True colour", "", NUMERIC, "U Pt-Co", "",
     ["color", "colour", "true color", "color real"]),
    ("arsenic", "Arsénico", "Arsenic", "As", NUMERIC, "mg/L", "",
     ["arsenico total", "arsenic total", "total arsenic"]),
    ("fluoride", "Fluoruros", "Fluoride", "F", NUMERIC, "mg/L", "",
     ["fluoruro", "fluor", "fluoruros como f", "fluorides"]),
    ("cadmium", "Cadmio", "Cadmium", "Cd", NUMERIC, "mg/L", "", ["cadmio total"]),
    ("nitrate", "Nitratos", "Nitrate", "NO3", NUMERIC, "mg/L como N", "N",
     ["nitrato", "nitratos como n", "nitrato como n", "nitrate as n", "nitrate-n",
      "nitrogeno de nitratos", "n-no3", "no3-n", "nitratos como no3", "nitrate as no3",
      "nitrates"]),
    ("nitrite", "Nitritos", "Nitrite", "NO2", NUMERIC, "mg/L como N", "N",
     ["nitrito", "nitritos como n", "nitrito como n", "nitrite as n", "nitrite-n",
      "nitrogeno de nitritos", "n-no2", "no2-n", "nitritos como no2", "nitrite as no2",
      "nitrites"]),
    ("ammonia", "Nitrógeno amoniacal", "Ammonia nitrogen", "NH3-N", NUMERIC, "mg/L como N", "N",
     ["amoniaco", "amonio", "ammonia", "nitrogeno amoniacal como n", "n-nh3", "nh3",
      "nh4", "ammonium", "nitrogeno amoniacal (como n)"]),
    ("lead", "Plomo", "Lead", "Pb", NUMERIC, "mg/L", "", ["plomo total"]),
    ("manganese", "Manganeso", "Manganese", "Mn", NUMERIC, "mg/L", "", ["manganeso total"]),
    ("iron", "Hierro", "Iron", "Fe", NUMERIC, "mg/L", "", ["fierro", "hierro total", "fierro total"]),
    ("aluminium", "Aluminio", "Aluminium", "Al", NUMERIC, "mg/L", "", ["aluminum", "aluminio total"]),
    ("copper", "Cobre", "Copper", "Cu", NUMERIC, "mg/L", "", ["cobre total"]),
    ("chromium", "Cromo total", "Total chromium", "Cr", NUMERIC, "mg/L", "",
     ["cromo", "chromium", "total chromium"]),
    ("mercury", "Mercurio", "Mercury", "Hg", NUMERIC, "mg/L", "",
     ["mercurio total", "inorganic mercury", "mercurio inorganico"]),
    ("barium", "Bario", "Barium", "Ba", NUMERIC, "mg/L", "", ["bario total"]),
    ("hardness", "Dureza total", "Total hardness", "", NUMERIC, "mg/L como CaCO3", "",
     ["dureza", "dureza total como caco3", "hardness", "dureza total (como caco3)"]),
    ("tds", "Sólidos disueltos totales", "Total dissolved solids", "SDT", NUMERIC, "mg/L", "",
     ["TDS", "solidos disueltos", "solidos totales disueltos", "STD"]),
    ("sulfate", "Sulfatos", "Sulfate", "SO4", NUMERIC, "mg/L", "",
     ["sulfato", "sulphate", "sulfatos como so4"]),
    ("cyanide", "Cianuros totales", "Total cyanide", "CN", NUMERIC, "mg/L", "",
     ["cianuro", "cianuros", "cyanide", "cianuros como cn", "cianuro total"]),
    ("surfactants", "Sustancias activas al azul de metileno (SAAM)", "Anionic surfactants", "SAAM",
     NUMERIC, "mg/L", "",
     ["tensoactivos", "tensoactivos anionicos", "detergentes", "surfactantes",
      "sustancias activas al azul de metileno", "MBAS", "anionic surfactants"]),
    ("total_trihalomethanes", "Trihalometanos totales", "Total trihalomethanes", "THM", NUMERIC,
     "mg/L", "", ["trihalometanos", "THMs", "TTHM"]),
    ("chloroform", "Cloroformo", "Chloroform", "CHCl3", NUMERIC, "µg/L", "",
     ["triclorometano", "trichloromethane"]),
    ("bromodichloromethane", "Bromodiclorometano", "Bromodichloromethane", "BDCM", NUMERIC,
     "µg/L", "", ["CHBrCl2"]),
    ("bromoform", "Bromoformo", "Bromoform", "CHBr3", NUMERIC, "µg/L", "",
     ["tribromometano", "tribromomethane"]),
    ("dibromochloromethane", "Dibromoclorometano", "Dibromochloromethane", "DBCM", NUMERIC,
     "µg/L", "", ["clorodibromometano", "chlorodibromomethane", "CHBr2Cl"]),
    ("monochloroacetic_acid", "Ácido monocloroacético", "Monochloroacetic acid", "MCAA",
     NUMERIC, "µg/L", "", ["acido cloroacetico", "monochloroacetate"]),
    ("dichloroacetic_acid", "Ácido dicloroacético", "Dichloroacetic acid", "DCAA", NUMERIC,
     "µg/L", "", ["dichloroacetate"]),
    ("trichloroacetic_acid", "Ácido tricloroacético", "Trichloroacetic acid", "TCAA", NUMERIC,
     "µg/L", "", ["trichloroacetate"]),
    ("gross_alpha", "Radiactividad alfa global", "Gross alpha activity", "", NUMERIC, "Bq/L", "",
     ["alfa global", "gross alpha", "actividad alfa global"]),
    ("gross_beta", "Radiactividad beta global", "Gross beta activity", "", NUMERIC, "Bq/L", "",
     ["beta global", "gross beta", "actividad beta global"]),
    ("microcystin_lr", "Microcistina-LR", "Microcystin-LR", "MC-LR", NUMERIC, "µg/L", "",
     ["microcistina lr", "microcistinas", "microcystins", "microcistina-lr total"]),
]

# NOM-127-SSA1-2021: published in the DOF on 2 May 2022; in force 360 calendar days counted
# from the day after publication (3 May 2022 is day 1, so day 360 is 27 April 2023).
NOM_2021_PUBLISHED = datetime.date(2022, 5, 2)
NOM_2021_IN_FORCE = NOM_2021_PUBLISHED + datetime.timedelta(days=360)
NOM_2021_BASIS = (
    "NOM-127-SSA1-2021, publicada en el DOF el 2 de mayo de 2022. Transitorio: entra en vigor "
    "a los 360 días naturales contados a partir del día siguiente de su publicación; contando "
    "el 3 de mayo de 2022 como día 1, el día 360 es el 27 de abril de 2023 (algunas fuentes "
    "secundarias dicen 26 o 28: confirmar contra el DOF). Sustituye a la NOM-127-SSA1-1994. "
    "Metales como concentraciones totales."
)
NOM_1994_FROM = datetime.date(2000, 11, 23)
NOM_1994_BASIS = (
    "NOM-127-SSA1-1994 con su modificación publicada en el DOF el 22 de noviembre de 2000; "
    "se toma vigente desde el día siguiente (confirmar contra el DOF). Antes de esa fecha la "
    "norma no está en el sistema. Sus valores se tomaron de la tabla modificada; los marcados "
    "«confirmar contra el DOF» faltan por cotejar."
)
WHO_2017_FROM = datetime.date(2017, 4, 24)
WHO_2022_FROM = datetime.date(2022, 3, 21)
WHO_2017_BASIS = (
    "Guidelines for Drinking-water Quality, 4th edition incorporating the 1st addendum "
    "(WHO, 24 April 2017). No manganese guideline value in this version."
)
WHO_2022_BASIS = (
    "Guidelines for Drinking-water Quality, 4th edition incorporating the 1st and 2nd addenda "
    "(WHO, 21 March 2022). Turbidity has no health-based guideline value (below 1 NTU for "
    "effective disinfection, below 5 NTU usually acceptable) and is not judged. Free chlorine "
    "also has an operational target of at least 0.2 mg/L at the point of delivery (check)."
)


def years_after(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year + years)


def day_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=1)


def D(text: str) -> Decimal:
    return Decimal(text)


CONFIRM = "confirmar contra el DOF"

# Population classes of NOM-127-SSA1-2021's staging table. The text leaves exactly 500 000
# in no class; it goes in the middle one.
CLASSES = [
    (500_001, None, 1, "más de 500 000 habitantes"),
    (50_000, 500_000, 3, "50 000 a 499 999 habitantes (500 000 exactos se asignan aquí)"),
    (None, 49_999, 6, "menos de 50 000 habitantes"),
]


def nom_2021_limits():
    """(parameter code, rule, min, max, unit, from, until, pop min, pop max, clause, note)."""
    rows = [
        ("e_coli", "not_detectable", None, None, "/100 mL", None, None, None, None, "",
         "NMP < 1.1, filtración por membrana < 1 UFC o ausencia. El operador elige E. coli "
         "o coliformes termotolerantes."),
        ("thermotolerant_coliforms", "not_detectable", None, None, "/100 mL", None, None, None,
         None, "", "NMP < 1.1, filtración por membrana < 1 UFC o ausencia."),
        ("giardia", "not_detectable", None, None, "quistes/20 L", None, None, None, None, "",
         "Ausencia. Sólo para fuentes superficiales o bajo influencia superficial."),
        ("free_chlorine", "range", D("0.2"), D("1.5"), "mg/L", None, None, None, None, "",
         "Sólo donde se desinfecta con compuestos de cloro; debajo de 0.2 y arriba de 1.5 "
         "no cumple."),
        ("ph", "range", D("6.5"), D("8.5"), "pH", None, None, None, None, "", ""),
        ("colour", "max", None, D("15"), "U Pt-Co", None, None, None, None, "", ""),
        ("nitrate", "max", None, D("11.00"), "mg/L como N", None, None, None, None, "", ""),
        ("nitrite", "max", None, D("0.90"), "mg/L como N", None, None, None, None, "", ""),
        ("ammonia", "max", None, D("0.50"), "mg/L como N", None, None, None, None, "", ""),
        ("lead", "max", None, D("0.01"), "mg/L", None, None, None, None, "", ""),
        ("manganese", "max", None, D("0.15"), "mg/L", None, None, None, None, "", ""),
        ("iron", "max", None, D("0.30"), "mg/L", None, None, None, None, "", ""),
        ("aluminium", "max", None, D("0.20"), "mg/L", None, None, None, None, "", ""),
        ("copper", "max", None, D("2.00"), "mg/L", None, None, None, None, "", ""),
        ("chromium", "max", None, D("0.05"), "mg/L", None, None, None, None, "", ""),
        ("mercury", "max", None, D("0.006"), "mg/L", None, None, None, None, "", ""),
        ("barium", "max", None, D("1.3"), "mg/L", None, None, None, None, "", ""),
        ("hardness", "max", None, D("500"), "mg/L como CaCO3", None, None, None, None, "", ""),
        ("tds", "max", None, D("1000"), "mg/L", None, None, None, None, "", ""),
        ("sulfate", "max", None, D("400"), "mg/L", None, None, None, None, "", ""),
        ("cyanide", "max", None, D("0.07"), "mg/L", None, None, None, None, "", ""),
        ("surfactants", "max", None, D("0.50"), "mg/L", None, None, None, None, "", ""),
        ("chloroform", "max", None, D("300"), "µg/L", None, None, None, None, "",
         "Subproducto de la desinfección con cloro."),
        ("bromodichloromethane", "max", None, D("60"), "µg/L", None, None, None, None, "",
         "Subproducto de la desinfección con cloro."),
        ("bromoform", "max", None, D("100"), "µg/L", None, None, None, None, "",
         "Subproducto de la desinfección con cloro."),
        ("dibromochloromethane", "max", None, D("100"), "µg/L", None, None, None, None, "",
         "Subproducto de la desinfección con cloro."),
        ("monochloroacetic_acid", "max", None, D("20"), "µg/L", None, None, None, None, "",
         "Subproducto de la desinfección con cloro."),
        ("dichloroacetic_acid", "max", None, D("50"), "µg/L", None, None, None, None, "",
         "Subproducto de la desinfección con cloro."),
        ("trichloroacetic_acid", "max", None, D("200"), "µg/L", None, None, None, None, "",
         "Subproducto de la desinfección con cloro."),
        ("gross_alpha", "max", None, D("0.5"), "Bq/L", None, None, None, None, "", ""),
        ("gross_beta", "max", None, D("1.0"), "Bq/L", None, None, None, None, "", ""),
        ("microcystin_lr", "max", None, D("1.0"), "µg/L", None, None, None, None, "",
         "Sólo para fuentes superficiales."),
    ]
    second_year = years_after(NOM_2021_IN_FORCE, 2)
    turbidity_note = (
        "«A partir del segundo año de la entrada en vigor»: se interpreta como dos años "
        f"después de la entrada en vigor, es decir desde el {second_year:%d/%m/%Y}; "
        + CONFIRM + "."
    )
    rows += [
        ("turbidity", "max", None, D("4.0"), "NTU", None, day_before(second_year), None, None,
         "", "Valor inicial. " + turbidity_note),
        ("turbidity", "max", None, D("3.0"), "NTU", second_year, None, None, None, "",
         turbidity_note),
    ]
    staged = [("arsenic", D("0.025"), D("0.010")), ("fluoride", D("1.50"), D("1.0")),
              ("cadmium", D("0.005"), D("0.003"))]
    for code, interim, final in staged:
        for pop_min, pop_max, years, label in CLASSES:
            stricter_from = years_after(NOM_2021_IN_FORCE, years)
            rows.append((code, "max", None, interim, "mg/L", None, day_before(stricter_from),
                         pop_min, pop_max, "",
                         f"Valor transitorio para localidades de {label}, hasta "
                         f"{years} año(s) después de la entrada en vigor."))
            rows.append((code, "max", None, final, "mg/L", stricter_from, None, pop_min, pop_max,
                         "", f"Valor final para localidades de {label}, desde {years} año(s) "
                         "después de la entrada en vigor."))
    return rows


def nom_1994_limits():
    rows = [
        ("e_coli", "not_detectable", None, None, "/100 mL", None, None, None, None, "",
         "E. coli o coliformes fecales u organismos termotolerantes: ausencia o no detectables."),
        ("thermotolerant_coliforms", "not_detectable", None, None, "/100 mL", None, None, None,
         None, "", "Ausencia o no detectables."),
        ("total_coliforms", "not_detectable", None, None, "/100 mL", None, None, None, None, "",
         "Ausencia o no detectables."),
        ("free_chlorine", "range", D("0.2"), D("1.50"), "mg/L", None, None, None, None, "", ""),
        ("ph", "range", D("6.5"), D("8.5"), "pH", None, None, None, None, "", ""),
        ("colour", "max", None, D("20"), "U Pt-Co", None, None, None, None, "", ""),
        ("turbidity", "max", None, D("5"), "NTU", None, None, None, None, "", ""),
        ("fluoride", "max", None, D("1.50"), "mg/L", None, None, None, None, "", ""),
        ("cadmium", "max", None, D("0.005"), "mg/L", None, None, None, None, "", ""),
        ("nitrate", "max", None, D("10.00"), "mg/L como N", None, None, None, None, "", ""),
        ("nitrite", "max", None, D("1.00"), "mg/L como N", None, None, None, None, "",
         CONFIRM + " (hay tablas que citan 0.05)."),
        ("ammonia", "max", None, D("0.50"), "mg/L como N", None, None, None, None, "", ""),
        ("lead", "max", None, D("0.01"), "mg/L", None, None, None, None, "",
         "0.025 en el texto de 1994; 0.01 desde la modificación de 2000 (" + CONFIRM + ")."),
        ("manganese", "max", None, D("0.15"), "mg/L", None, None, None, None, "", ""),
        ("iron", "max", None, D("0.30"), "mg/L", None, None, None, None, "", ""),
        ("aluminium", "max", None, D("0.20"), "mg/L", None, None, None, None, "", ""),
        ("copper", "max", None, D("2.00"), "mg/L", None, None, None, None, "", ""),
        ("chromium", "max", None, D("0.05"), "mg/L", None, None, None, None, "", ""),
        ("mercury", "max", None, D("0.001"), "mg/L", None, None, None, None, "", ""),
        ("barium", "max", None, D("0.70"), "mg/L", None, None, None, None, "", ""),
        ("hardness", "max", None, D("500"), "mg/L como CaCO3", None, None, None, None, "", ""),
        ("tds", "max", None, D("1000"), "mg/L", None, None, None, None, "", ""),
        ("sulfate", "max", None, D("400"), "mg/L", None, None, None, None, "", ""),
        ("cyanide", "max", None, D("0.07"), "mg/L", None, None, None, None, "", ""),
        ("surfactants", "max", None, D("0.50"), "mg/L", None, None, None, None, "", ""),
        ("total_trihalomethanes", "max", None, D("0.20"), "mg/L", None, None, None, None, "",
         CONFIRM + "."),
        ("gross_alpha", "max", None, D("0.1"), "Bq/L", None, None, None, None, "",
         CONFIRM + "."),
        ("gross_beta", "max", None, D("1.0"), "Bq/L", None, None, None, None, "",
         CONFIRM + "."),
    ]
    # The 2000 amendment lowered arsenic one step a year, 0.05 → 0.025 by 2005.
    arsenic = [
        (None, datetime.date(2000, 12, 31), D("0.05")),
        (datetime.date(2001, 1, 1), datetime.date(2001, 12, 31), D("0.045")),
        (datetime.date(2002, 1, 1), datetime.date(2002, 12, 31), D("0.040")),
        (datetime.date(2003, 1, 1), datetime.date(2003, 12, 31), D("0.035")),
        (datetime.date(2004, 1, 1), datetime.date(2004, 12, 31), D("0.030")),
        (datetime.date(2005, 1, 1), None, D("0.025")),
    ]
    for applies_from, applies_until, value in arsenic:
        rows.append(("arsenic", "max", None, value, "mg/L", applies_from, applies_until, None,
                     None, "", "Reducción anual de la modificación de 2000, por año "
                     "calendario; " + CONFIRM + "."))
    return rows


WHO_CHECK = "(check) Confirmar contra el texto de la OMS antes de mostrarlo como definitivo."


def who_limits(*, with_manganese: bool):
    rows = [
        ("e_coli", "not_detectable", None, None, "/100 mL", None, None, None, None, "",
         "No detectable en ninguna muestra de 100 mL."),
        ("thermotolerant_coliforms", "not_detectable", None, None, "/100 mL", None, None, None,
         None, "", "No detectable en ninguna muestra de 100 mL."),
        ("arsenic", "max", None, D("0.01"), "mg/L", None, None, None, None, "", "Provisional."),
        ("fluoride", "max", None, D("1.5"), "mg/L", None, None, None, None, "", ""),
        ("nitrate", "max", None, D("50"), "mg/L como NO3", None, None, None, None, "",
         "Como nitrato (unos 11.3 mg/L como N)."),
        ("nitrite", "max", None, D("3"), "mg/L como NO2", None, None, None, None, "",
         "Como nitrito (unos 0.9 mg/L como N)."),
        ("lead", "max", None, D("0.01"), "mg/L", None, None, None, None, "", "Provisional."),
        ("cadmium", "max", None, D("0.003"), "mg/L", None, None, None, None, "", ""),
        ("barium", "max", None, D("1.3"), "mg/L", None, None, None, None, "", ""),
        ("copper", "max", None, D("2"), "mg/L", None, None, None, None, "", ""),
        ("chromium", "max", None, D("0.05"), "mg/L", None, None, None, None, "",
         "Cromo total."),
        ("mercury", "max", None, D("0.006"), "mg/L", None, None, None, None, "",
         "Mercurio inorgánico."),
        ("free_chlorine", "max", None, D("5"), "mg/L", None, None, None, None, "",
         "Máximo; además meta operativa de al menos 0.2 mg/L en el punto de entrega. "
         + WHO_CHECK),
        ("chloroform", "max", None, D("300"), "µg/L", None, None, None, None, "", WHO_CHECK),
        ("bromodichloromethane", "max", None, D("60"), "µg/L", None, None, None, None, "",
         WHO_CHECK),
        ("bromoform", "max", None, D("100"), "µg/L", None, None, None, None, "", WHO_CHECK),
        ("dibromochloromethane", "max", None, D("100"), "µg/L", None, None, None, None, "",
         WHO_CHECK),
        ("monochloroacetic_acid", "max", None, D("20"), "µg/L", None, None, None, None, "",
         WHO_CHECK),
        ("dichloroacetic_acid", "max", None, D("50"), "µg/L", None, None, None, None, "",
         "Provisional. " + WHO_CHECK),
        ("trichloroacetic_acid", "max", None, D("200"), "µg/L", None, None, None, None, "",
         WHO_CHECK),
        ("microcystin_lr", "max", None, D("1"), "µg/L", None, None, None, None, "",
         "Provisional, exposición de por vida. " + WHO_CHECK),
    ]
    if with_manganese:
        rows.append(("manganese", "max", None, D("0.08"), "mg/L", None, None, None, None, "",
                     "Provisional; nuevo en 2022."))
    return rows


VERSIONS = [
    ("nom127", "NOM-127-SSA1-1994 (modificación 2000)", NOM_1994_FROM,
     day_before(NOM_2021_IN_FORCE), NOM_1994_BASIS, nom_1994_limits),
    ("nom127", "NOM-127-SSA1-2021", NOM_2021_IN_FORCE, None, NOM_2021_BASIS, nom_2021_limits),
    ("who", "Guías OMS 4.ª ed. + 1.ª adenda (2017)", WHO_2017_FROM, day_before(WHO_2022_FROM),
     WHO_2017_BASIS, lambda: who_limits(with_manganese=False)),
    ("who", "Guías OMS 4.ª ed. con adendas (2022)", WHO_2022_FROM, None, WHO_2022_BASIS,
     lambda: who_limits(with_manganese=True)),
]
NORMS = [
    ("nom127", "NOM-127-SSA1 (México): agua para uso y consumo humano"),
    ("who", "Guías de la OMS para la calidad del agua de consumo humano"),
]


def seed(apps, schema_editor):
    Parameter = apps.get_model("waterquality", "Parameter")
    Norm = apps.get_model("waterquality", "Norm")
    NormVersion = apps.get_model("waterquality", "NormVersion")
    Limit = apps.get_model("waterquality", "Limit")
    parameters = {}
    for code, name, name_en, symbol, kind, unit, expressed_as, aliases in PARAMETERS:
        parameters[code], _ = Parameter.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "symbol": symbol,
                "kind": kind,
                "unit": unit,
                "expressed_as": expressed_as,
                "aliases": sorted(set(aliases)),
            },
        )
    norms = {
        code: Norm.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in NORMS
    }
    for norm_code, name, in_force_from, in_force_until, basis, limits in VERSIONS:
        version, _ = NormVersion.objects.update_or_create(
            norm=norms[norm_code],
            name=name,
            defaults={
                "in_force_from": in_force_from,
                "in_force_until": in_force_until,
                "basis": basis,
            },
        )
        version.limits.all().delete()
        Limit.objects.bulk_create(
            Limit(
                version=version,
                parameter=parameters[code],
                rule=rule,
                minimum=minimum,
                maximum=maximum,
                unit=unit,
                applies_from=applies_from,
                applies_until=applies_until,
                population_min=pop_min,
                population_max=pop_max,
                clause=clause,
                note=note[:300],
            )
            for (code, rule, minimum, maximum, unit, applies_from, applies_until, pop_min,
                 pop_max, clause, note) in limits()
        )


class Migration(migrations.Migration):
    dependencies = [("waterquality", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
