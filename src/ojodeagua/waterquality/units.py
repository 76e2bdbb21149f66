"""Read the units laboratories write and convert values between them, explicitly and exactly."""

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import gettext as _

from ojodeagua.lib.folding import fold

# Molar masses (g/mol) of the nitrogen forms a result can be "expressed as".
# Every one of these holds one nitrogen atom, so converting goes through N.
MOLAR_MASS = {
    "N": Decimal("14.007"),
    "NO3": Decimal("62.004"),
    "NO2": Decimal("46.005"),
    "NH3": Decimal("17.031"),
    "NH4": Decimal("18.039"),
}
# Which forms are the same substance counted differently; NO3 → NO2 would be a different one.
SAME_SUBSTANCE = [{"N", "NO3"}, {"N", "NO2"}, {"N", "NH3"}, {"N", "NH4"}, {"NH3", "NH4"}]

MISSING_UNIT = "missing_unit"
UNCONVERTIBLE_UNIT = "unconvertible_unit"


class UnitError(ValueError):
    """A value cannot be put in the unit of a limit; ``code`` is the verdict's reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Unit:
    """A parsed unit: what it measures, its factor to the reference unit, and its basis."""

    text: str
    dimension: str
    factor: Decimal  # value × factor = value in the dimension's reference unit
    basis: str = ""  # "N", "NO3", "NO2", "NH3", "NH4", "CaCO3" or ""


MASS = "mass_concentration"
TURBIDITY = "turbidity"
COLOUR = "colour"
COUNT_100ML = "count_per_100ml"
CYSTS_20L = "cysts_per_20l"
ACTIVITY = "activity"
PH = "ph"

REFERENCE_UNIT = {
    MASS: "mg/L",
    TURBIDITY: "NTU",
    COLOUR: "U Pt-Co",
    COUNT_100ML: "/100 mL",
    CYSTS_20L: "quistes/20 L",
    ACTIVITY: "Bq/L",
    PH: "pH",
}

_ONE = Decimal(1)
# Keys are the unit text folded, without "de"/"como", spaces, hyphens, dots or parentheses.
_UNITS: dict[str, tuple[str, Decimal]] = {}


def _add(dimension: str, factor: Decimal, *spellings: str) -> None:
    for spelling in spellings:
        _UNITS[spelling] = (dimension, factor)


_add(MASS, _ONE, "mg/l", "mg/lt", "mg/litro", "mgl1", "mg/dm3", "ppm")
_add(MASS, Decimal("0.001"), "ug/l", "ug/lt", "mcg/l", "ugl1", "ppb")
_add(MASS, Decimal("0.000001"), "ng/l", "ngl1")
_add(MASS, Decimal(1000), "g/l")
# FTU and FNU are formazin units; they read the same as NTU on the same standard.
_add(TURBIDITY, _ONE, "ntu", "unt", "utn", "ftu", "fnu", "unidadesnefelometricasturbiedad")
_add(
    COLOUR,
    _ONE,
    "uptco",
    "ptco",
    "uc",
    "ucptco",
    "unidadesptco",
    "unidadescolor",
    "unidadescolorptco",
    "pcu",
    "hazen",
    "mgpt/l",
    "mgptco/l",
)
_add(ACTIVITY, _ONE, "bq/l")
_add(ACTIVITY, Decimal("0.001"), "mbq/l")
_add(PH, _ONE, "ph", "uph", "unidadesph")

_COUNT_100ML = re.compile(
    r"^(nmp|mpn|ufc|cfu|org|orgs|organismos|colonias|bacterias|ecoli|col)?/100ml$"
)
_CYSTS_20L = re.compile(r"^(quistes|quiste|cysts|cyst|ooquistes|org|organismos)/20l$")

# The basis is written many ways: "mg/L as N", "mg N/L", "mg/L-N", "mg/L NO3-N", "mg NO3/L".
_NITROGEN_OF = re.compile(r"(no3|no2|nh3|nh4)-?n\b|\bn-?(no3|no2|nh3|nh4)")
_FORM = re.compile(r"(no3|no2|nh4|nh3|caco3)")
_LONE_N = re.compile(r"(?:^|(?<=[\s/\-_,]))n(?=$|[\s/\-_,])")
_FILLER = re.compile(r"\b(as|como|en|de|expresado|expressed)\b")
_CHARGE = re.compile(r"(no3|no2|nh4)[\-+=]+")


def normalise(text: str) -> str:
    """Folded text: lower case, no accents, µ (either sign) as u, one kind of minus."""
    text = text.replace("\u00b5", "u").replace("\u03bc", "u")
    text = text.replace("\u207b", "-").replace("\u2212", "-").replace("\u2013", "-")
    text = text.replace("\u2083", "3").replace("\u2082", "2").replace("\u2084", "4")
    return fold(text).strip()


# Laboratories use a handful of spellings; parsing each once keeps bulk judging fast.
@lru_cache(maxsize=2048)
def parse_unit(text: str | None) -> Unit | None:
    """The unit written, or None when nothing is written. Unknown text raises UnitError."""
    if text is None or not text.strip():
        return None
    folded = normalise(text)
    folded = folded.replace("(", " ").replace(")", " ").replace("por ", "/")
    folded = _CHARGE.sub(lambda match: match.group(1), folded)
    basis = ""
    if match := _NITROGEN_OF.search(folded):
        basis = "N"
        folded = folded[: match.start()] + " " + folded[match.end() :]
    elif match := _FORM.search(folded):
        basis = {"caco3": "CaCO3"}.get(match.group(1), match.group(1).upper())
        folded = folded[: match.start()] + " " + folded[match.end() :]
    folded = _FILLER.sub(" ", folded)
    if not basis and _LONE_N.search(folded):
        basis = "N"
        folded = _LONE_N.sub(" ", folded)
    compact = re.sub(r"[\s\-_.,]+", "", folded)
    if compact in _UNITS:
        dimension, factor = _UNITS[compact]
    elif _COUNT_100ML.match(compact):
        dimension, factor = COUNT_100ML, _ONE
    elif _CYSTS_20L.match(compact):
        dimension, factor = CYSTS_20L, _ONE
    else:
        raise UnitError(
            UNCONVERTIBLE_UNIT,
            _(
                "No se reconoce la unidad «%(unit)s». Use, por ejemplo, mg/L, µg/L, NTU, "
                "U Pt-Co, NMP/100 mL o Bq/L."
            )
            % {"unit": text},
        )
    if basis and dimension != MASS:
        raise UnitError(
            UNCONVERTIBLE_UNIT,
            _("La unidad «%(unit)s» no admite «como %(basis)s».") % {"unit": text, "basis": basis},
        )
    return Unit(text=text.strip(), dimension=dimension, factor=factor, basis=basis)


def convert(
    value: Decimal, from_text: str | None, to_text: str | None, *, default_basis: str = ""
) -> Decimal:
    """``value`` written in ``from_text`` expressed in ``to_text``.

    ``default_basis`` is the basis a parameter is reported in when the unit does not say
    (nitrate "as N" under NOM-127). A missing unit is accepted only when the target is pH.
    """
    target = parse_unit(to_text)
    source = parse_unit(from_text)
    if source is None:
        if target is None or target.dimension == PH:
            return value
        raise UnitError(
            MISSING_UNIT,
            _(
                "Falta la unidad del valor; anote la unidad en que se reportó "
                "(por ejemplo %(unit)s)."
            )
            % {"unit": target.text},
        )
    if target is None:
        if source.dimension == PH:
            return value
        raise UnitError(
            UNCONVERTIBLE_UNIT,
            _("El límite no tiene unidad y el valor viene en %(unit)s.") % {"unit": source.text},
        )
    if source.dimension != target.dimension:
        raise UnitError(
            UNCONVERTIBLE_UNIT,
            _("No se puede convertir %(source)s a %(target)s: miden cosas distintas.")
            % {"source": source.text, "target": target.text},
        )
    converted = value * source.factor / target.factor
    from_basis = source.basis or default_basis
    to_basis = target.basis or default_basis
    if from_basis and to_basis and from_basis != to_basis:
        converted = convert_basis(converted, from_basis, to_basis)
    return converted


def convert_basis(value: Decimal, from_basis: str, to_basis: str) -> Decimal:
    """Nitrate as NO3 ↔ as N (14.007/62.004), nitrite as NO2 ↔ as N (14.007/46.005), etc."""
    if {from_basis, to_basis} not in SAME_SUBSTANCE:
        raise UnitError(
            UNCONVERTIBLE_UNIT,
            _("No se puede pasar de «como %(source)s» a «como %(target)s».")
            % {"source": from_basis, "target": to_basis},
        )
    return value * MOLAR_MASS[to_basis] / MOLAR_MASS[from_basis]


def basis_in_text(text: str) -> str:
    """The basis a parameter name carries ("Nitratos (como N)", "N-NO3"), or ""."""
    folded = _CHARGE.sub(lambda match: match.group(1), normalise(text).replace("(", " "))
    folded = folded.replace(")", " ")
    if _NITROGEN_OF.search(folded) or re.search(r"\b(como|as)\s+n\b", folded):
        return "N"
    if match := re.search(r"\b(como|as)\s+(no3|no2|nh3|nh4)\b", folded):
        return match.group(2).upper()
    return ""
