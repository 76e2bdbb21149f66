"""Issue 12: what a value is reported as, the missing parameters and limits, and three fixes.

- Parameter.reported_bases: the substances a laboratory may write in the unit ("mg/L As"); for
  nitrate, nitrite and ammonium the nitrogen forms, so that a value whose basis is not stated is
  judged on each reading instead of silently "as N".
- Total and combined chlorine are their own parameters (no limit), never free chlorine.
- New parameters and limits: NOM-127-SSA1-2021 (nickel, selenium, free residual iodine, total
  silver, bromate, chlorate, chlorite, formaldehyde, benzene, styrene, ethylbenzene, toluene,
  xylenes), NOM-127-SSA1-1994/2000 (chlorides, sodium, zinc), WHO (nickel, selenium, uranium,
  boron, antimony).
- WHO free chlorine: 0.2 (operational minimum at the point of delivery) to 5 mg/L (health-based
  maximum).
- NOM-127-SSA1-2021 turbidity 3.0 NTU from the start of the second year (27 April 2024).
- NOM-127-SSA1-2021 population classes as the norm writes them: 500,000 exactly is in none.

Every change is made by parameter code and norm code on a database that may hold user data;
versions are found by the date they are in force on, not by their name. Values are those of
/work/shared/domain/water-quality.md (corrected against the DOF text and WHO's guidelines);
those not read in a primary text say so in their note.
"""

import datetime
from decimal import Decimal

from django.db import migrations, models

NUMERIC = "numeric"
D = Decimal

CONFIRM = "confirmar contra el DOF"
CONFIRM_WHO = "confirmar contra el texto de la OMS"

# code → reported bases (the substances a unit may name for it).
REPORTED_BASES = {
    "arsenic": ["As"], "fluoride": ["F"], "cadmium": ["Cd"], "nitrate": ["N", "NO3"],
    "nitrite": ["N", "NO2"], "ammonia": ["N", "NH3", "NH4"], "lead": ["Pb"], "manganese": ["Mn"],
    "iron": ["Fe"], "aluminium": ["Al"], "copper": ["Cu"], "chromium": ["Cr"],
    "mercury": ["Hg"], "barium": ["Ba"], "hardness": ["CaCO3"], "sulfate": ["SO4"],
    "cyanide": ["CN"], "free_chlorine": ["Cl2"],
}

# Explicit aliases: metals are total concentrations under NOM-127, so "X total" is X; and the
# spellings laboratories use for nitrogen species with their ion written.
EXTRA_ALIASES = {
    "arsenic": ["arsenico total", "total arsenic"],
    "cadmium": ["cadmio total"], "lead": ["plomo total"], "manganese": ["manganeso total"],
    "iron": ["hierro total", "fierro total"], "aluminium": ["aluminio total"],
    "copper": ["cobre total"], "mercury": ["mercurio total"], "barium": ["bario total"],
    "chromium": ["cromo total", "total chromium"],
    # The norm limits fluoride as laboratories measure it, dissolved and bound alike.
    "fluoride": ["fluoruros totales", "fluoruro total", "total fluoride"],
    "nitrate": ["nitratos no3", "nitrato no3", "nitrogeno de nitratos", "n no3", "no3 n"],
    "nitrite": ["nitritos no2", "nitrito no2", "nitrogeno de nitritos", "n no2", "no2 n"],
    "ammonia": ["amonio nh4", "nitrogeno amoniacal", "n nh3", "nh3 n", "nh4 n", "n nh4"],
}

# (code, name, English name, symbol, reference unit, reported bases, aliases)
NEW_PARAMETERS = [
    ("total_chlorine", "Cloro residual total", "Total residual chlorine", "", "mg/L", ["Cl2"],
     ["cloro total", "cloro residual total", "total chlorine", "total residual chlorine"]),
    ("combined_chlorine", "Cloro residual combinado", "Combined residual chlorine", "", "mg/L",
     ["Cl2"], ["cloro combinado", "cloro residual combinado", "combined chlorine"]),
    ("nickel", "Níquel", "Nickel", "Ni", "mg/L", ["Ni"], ["niquel", "niquel total", "nickel"]),
    ("selenium", "Selenio", "Selenium", "Se", "mg/L", ["Se"], ["selenio total", "selenium"]),
    ("free_iodine", "Yodo residual libre", "Free residual iodine", "I2", "mg/L", ["I2", "I"],
     ["yodo libre", "yodo residual", "yodo residual libre", "free iodine", "iodine"]),
    ("silver", "Plata total", "Total silver", "Ag", "mg/L", ["Ag"],
     ["plata", "plata total", "silver", "total silver"]),
    ("bromate", "Bromato", "Bromate", "BrO3", "µg/L", ["BrO3"], ["bromatos", "bromate"]),
    ("chlorate", "Clorato", "Chlorate", "ClO3", "µg/L", ["ClO3"], ["cloratos", "chlorate"]),
    ("chlorite", "Clorito", "Chlorite", "", "µg/L", ["ClO2"], ["cloritos", "chlorite"]),
    ("formaldehyde", "Formaldehído", "Formaldehyde", "HCHO", "µg/L", [],
     ["formaldehido", "formol", "formaldehyde"]),
    ("benzene", "Benceno", "Benzene", "", "µg/L", [], ["benzene"]),
    ("styrene", "Estireno", "Styrene", "", "µg/L", [], ["styrene", "estireno monomero"]),
    ("ethylbenzene", "Etilbenceno", "Ethylbenzene", "", "µg/L", [], ["ethylbenzene"]),
    ("toluene", "Tolueno", "Toluene", "", "µg/L", [], ["toluene"]),
    ("xylenes", "Xilenos (totales)", "Xylenes (total)", "", "µg/L", [],
     ["xilenos", "xileno", "xilenos totales", "xylenes", "xylene", "total xylenes"]),
    ("chloride", "Cloruros", "Chloride", "Cl", "mg/L", ["Cl"],
     ["cloruro", "cloruros como cl", "chloride", "chlorides"]),
    ("sodium", "Sodio", "Sodium", "Na", "mg/L", ["Na"], ["sodio total", "sodium"]),
    ("zinc", "Zinc", "Zinc", "Zn", "mg/L", ["Zn"], ["cinc", "zinc total", "cinc total"]),
    ("uranium", "Uranio", "Uranium", "U", "mg/L", ["U"], ["uranio total", "uranium"]),
    ("boron", "Boro", "Boron", "B", "mg/L", ["B"], ["boro total", "boron"]),
    ("antimony", "Antimonio", "Antimony", "Sb", "mg/L", ["Sb"], ["antimonio total", "antimony"]),
]

DISINFECTANT = "Sólo donde se desinfecta con {what}: Tabla 9 de la NOM-127-SSA1-2021."
BY_PRODUCT = "Sólo donde se desinfecta con ozono o dióxido de cloro (Tablas 12-13)."
ORGANIC = "Tabla 14 de la NOM-127-SSA1-2021."

# (parameter, rule, minimum, maximum, unit, note)
NOM_2021 = [
    ("nickel", "max", None, D("0.07"), "mg/L", "Tabla 4."),
    ("selenium", "max", None, D("0.04"), "mg/L", "Tabla 4."),
    ("free_iodine", "range", D("0.2"), D("1.5"), "mg/L",
     DISINFECTANT.format(what="yodo") + " Debajo de 0.2 y arriba de 1.5 no cumple."),
    ("silver", "range", D("0.05"), D("0.1"), "mg/L",
     DISINFECTANT.format(what="plata") + " Intervalo de plata total como desinfectante residual "
     "(no se aplica si la plata no se usa para desinfectar); " + CONFIRM + " si 0.05 es mínimo."),
    ("bromate", "max", None, D("10"), "µg/L", BY_PRODUCT),
    ("chlorate", "max", None, D("700"), "µg/L", BY_PRODUCT),
    ("chlorite", "max", None, D("700"), "µg/L", BY_PRODUCT),
    ("formaldehyde", "max", None, D("900"), "µg/L", BY_PRODUCT),
    ("benzene", "max", None, D("10"), "µg/L", ORGANIC),
    ("styrene", "max", None, D("20"), "µg/L", ORGANIC),
    ("ethylbenzene", "max", None, D("300"), "µg/L", ORGANIC),
    ("toluene", "max", None, D("700"), "µg/L", ORGANIC),
    ("xylenes", "max", None, D("500"), "µg/L", ORGANIC + " Suma de isómeros."),
]
NOM_1994 = [
    ("chloride", "max", None, D("250"), "mg/L", "Tabla de la modificación de 2000 (" + CONFIRM + ")."),
    ("sodium", "max", None, D("200"), "mg/L", "Tabla de la modificación de 2000 (" + CONFIRM + ")."),
    ("zinc", "max", None, D("5.00"), "mg/L", "Tabla de la modificación de 2000 (" + CONFIRM + ")."),
]
WHO_VALUES = [
    ("nickel", "max", None, D("0.07"), "mg/L", ""),
    ("selenium", "max", None, D("0.04"), "mg/L", "Provisional."),
    ("uranium", "max", None, D("0.03"), "mg/L", "Provisional."),
    ("boron", "max", None, D("2.4"), "mg/L", ""),
    ("antimony", "max", None, D("0.02"), "mg/L", ""),
]
WHO_2017_NOTE = " Valor de la edición 2022; " + CONFIRM_WHO + " (edición 2017)."

WHO_CHLORINE_NOTE = (
    "0.2 mg/L: mínimo operativo de desinfección de la OMS en el punto de entrega (no es un "
    "valor guía de salud; debajo, el agua en la práctica no está desinfectada). 5 mg/L: valor "
    "guía de salud de la OMS (máximo). " + CONFIRM_WHO + " (el 0.2)."
)

NOM_2021_IN_FORCE = datetime.date(2023, 4, 27)
# "A partir del segundo año posterior a la entrada en vigor": the second year starts one year
# after entry into force. The lenient reading (two full years, 27 April 2025) is kept in the
# note: switch it by editing the two turbidity rows' dates in the admin.
TURBIDITY_STRICT_FROM = datetime.date(2024, 4, 27)
TURBIDITY_LENIENT_FROM = datetime.date(2025, 4, 27)
TURBIDITY_NOTE = (
    "«A partir del segundo año posterior a la entrada en vigor»: inicio del segundo año, "
    "27/04/2024 (lectura estricta). Opción indulgente, dos años cumplidos: en el administrador, "
    "4.0 hasta 26/04/2025 y 3.0 desde 27/04/2025. " + CONFIRM + "."
)

MIDDLE_CLASS_NOTE = (
    "localidades de 50 000 a 499 999 habitantes (Tabla 5). Una localidad de 500 000 exactos no "
    "cae en ninguna clase: se juzga con la más estricta y el veredicto lo dice."
)


def version_on(NormVersion, norm_code, day):
    """The version of a norm in force on a day (the latest to start), or None."""
    return (
        NormVersion.objects.filter(norm__code=norm_code, in_force_from__lte=day)
        .filter(models.Q(in_force_until__isnull=True) | models.Q(in_force_until__gte=day))
        .order_by("-in_force_from")
        .first()
    )


def forward(apps, schema_editor):
    Parameter = apps.get_model("waterquality", "Parameter")
    NormVersion = apps.get_model("waterquality", "NormVersion")
    Limit = apps.get_model("waterquality", "Limit")

    for code, bases in REPORTED_BASES.items():
        Parameter.objects.filter(code=code).update(reported_bases=bases)
    for code, aliases in EXTRA_ALIASES.items():
        parameter = Parameter.objects.filter(code=code).first()
        if parameter is not None:
            parameter.aliases = sorted(set(parameter.aliases or []) | set(aliases))
            parameter.save(update_fields=["aliases"])
    # "cloro residual total" must never reach free chlorine through one of its aliases.
    free = Parameter.objects.filter(code="free_chlorine").first()
    if free is not None:
        free.aliases = [a for a in free.aliases or [] if "total" not in a and "combinad" not in a]
        free.save(update_fields=["aliases"])

    parameters = {}
    for code, name, name_en, symbol, unit, bases, aliases in NEW_PARAMETERS:
        parameter, created = Parameter.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "symbol": symbol, "kind": NUMERIC,
                      "unit": unit, "reported_bases": bases, "aliases": sorted(set(aliases))},
        )
        if not created:  # keep the admin's edits; add what is missing
            parameter.reported_bases = parameter.reported_bases or bases
            parameter.aliases = sorted(set(parameter.aliases or []) | set(aliases))
            parameter.save(update_fields=["reported_bases", "aliases"])
        parameters[code] = parameter

    def add_limits(version, rows, note_suffix=""):
        if version is None:
            return
        for code, rule, minimum, maximum, unit, note in rows:
            parameter = parameters.get(code) or Parameter.objects.get(code=code)
            if Limit.objects.filter(version=version, parameter=parameter).exists():
                continue  # already there (entered in the admin, or this migration ran before)
            Limit.objects.create(
                version=version, parameter=parameter, rule=rule, minimum=minimum,
                maximum=maximum, unit=unit, note=(note + note_suffix).strip()[:300],
            )

    nom_2021 = version_on(NormVersion, "nom127", NOM_2021_IN_FORCE)
    nom_1994 = version_on(NormVersion, "nom127", datetime.date(2010, 1, 1))
    who_2017 = version_on(NormVersion, "who", datetime.date(2018, 1, 1))
    who_2022 = version_on(NormVersion, "who", datetime.date(2023, 1, 1))
    add_limits(nom_2021, NOM_2021)
    add_limits(nom_1994, NOM_1994)
    add_limits(who_2022, WHO_VALUES)
    if who_2017 is not None and who_2017 != who_2022:
        add_limits(who_2017, WHO_VALUES, WHO_2017_NOTE)

    # WHO free chlorine: the operational minimum joins the health-based maximum.
    for version in {who_2017, who_2022} - {None}:
        Limit.objects.filter(
            version=version, parameter__code="free_chlorine", rule="max", maximum=D("5")
        ).update(rule="range", minimum=D("0.2"), note=WHO_CHLORINE_NOTE)

    if nom_2021 is not None:
        turbidity = Limit.objects.filter(version=nom_2021, parameter__code="turbidity")
        turbidity.filter(maximum=D("4.0"), applies_until=TURBIDITY_LENIENT_FROM - datetime.timedelta(days=1)).update(
            applies_until=TURBIDITY_STRICT_FROM - datetime.timedelta(days=1),
            note="Valor inicial. " + TURBIDITY_NOTE,
        )
        turbidity.filter(maximum=D("3.0"), applies_from=TURBIDITY_LENIENT_FROM).update(
            applies_from=TURBIDITY_STRICT_FROM, note=TURBIDITY_NOTE
        )
        # The middle class ends at 499,999, as the norm writes it.
        for limit in Limit.objects.filter(version=nom_2021, population_max=500_000):
            limit.population_max = 499_999
            if limit.applies_from:
                when = "Valor final, desde 3 años después de la entrada en vigor"
            else:
                when = "Valor transitorio, hasta 3 años después de la entrada en vigor"
            limit.note = f"{when}, para {MIDDLE_CLASS_NOTE}"[:300]
            limit.save(update_fields=["population_max", "note"])


def backward(apps, schema_editor):
    """Put back the changed rows; the new parameters and limits stay (they may be in use)."""
    NormVersion = apps.get_model("waterquality", "NormVersion")
    Limit = apps.get_model("waterquality", "Limit")
    for day in (datetime.date(2018, 1, 1), datetime.date(2023, 1, 1)):
        version = version_on(NormVersion, "who", day)
        Limit.objects.filter(
            version=version, parameter__code="free_chlorine", rule="range", minimum=D("0.2")
        ).update(rule="max", minimum=None)
    nom_2021 = version_on(NormVersion, "nom127", NOM_2021_IN_FORCE)
    if nom_2021 is not None:
        turbidity = Limit.objects.filter(version=nom_2021, parameter__code="turbidity")
        turbidity.filter(maximum=D("4.0"), applies_until=TURBIDITY_STRICT_FROM - datetime.timedelta(days=1)).update(
            applies_until=TURBIDITY_LENIENT_FROM - datetime.timedelta(days=1)
        )
        turbidity.filter(maximum=D("3.0"), applies_from=TURBIDITY_STRICT_FROM).update(
            applies_from=TURBIDITY_LENIENT_FROM
        )
        Limit.objects.filter(version=nom_2021, population_max=499_999).update(population_max=500_000)


class Migration(migrations.Migration):

    dependencies = [
        ('waterquality', '0003_alter_sample_observed_on'),
    ]

    operations = [
        migrations.AddField(
            model_name='parameter',
            name='reported_bases',
            field=models.JSONField(blank=True, default=list, help_text='Sustancias que un laboratorio puede escribir en la unidad (As en «mg/L As»; N o NO3 para nitratos). Si hay dos formas de nitrógeno y el resultado no dice cuál, se juzga con ambas.', verbose_name='se reporta como'),
        ),
        migrations.AlterField(
            model_name='parameter',
            name='expressed_as',
            field=models.CharField(blank=True, max_length=10, verbose_name='límite expresado como'),
        ),
        migrations.RunPython(forward, backward),
    ]
