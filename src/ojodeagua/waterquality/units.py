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
# A charge after an ion ("NO3-", "F-", "NH4+") says nothing about the unit.
_CHARGE = re.compile(r"\b([a-z][a-z0-9]*)[\-+=]+(?=\s|/|\)|$)")


def normalise(text: str) -> str:
    """Folded text: lower case, no accents, µ (either sign) as u, one kind of minus."""
    text = text.replace("\u00b5", "u").replace("\u03bc", "u")
    text = text.replace("\u207b", "-").replace("\u2212", "-").replace("\u2013", "-")
    text = text.replace("\u2083", "3").replace("\u2082", "2").replace("\u2084", "4")
    return fold(text).strip()


# The substance a unit may name ("mg/L As", "µg As/L", "mg/L F-", "mg/L como CaCO3"), folded
# → as written in chemistry. Only mass concentrations name one; "mg" is milligrams, never
# magnesium, and "co" (cobalt) is left out because "U Pt-Co" is a colour unit.
SUBSTANCES = {
    symbol.lower(): symbol
    for symbol in (
        "N NO3 NO2 NH3 NH4 CaCO3 As Pb F Fe Mn Cd Cr Hg Ba Cu Al Ni Se Ag Zn Na Cl Cl2 SO4 CN "
        "B Sb U I I2 BrO3 ClO3 ClO2 Ca K P PO4 SiO2"
    ).split()
}
_FILLER_WORDS = {"como", "en", "de", "expresado", "expressed"}
_TOKEN = re.compile(r"/|[a-z0-9]+")


def _unknown_unit(text: str) -> UnitError:
    return UnitError(
        UNCONVERTIBLE_UNIT,
        _(
            "No se reconoce la unidad «%(unit)s». Use, por ejemplo, mg/L, µg/L, NTU, "
            "U Pt-Co, NMP/100 mL o Bq/L."
        )
        % {"unit": text},
    )


def _dimension_of(compact: str) -> tuple[str, Decimal] | None:
    if compact in _UNITS:
        return _UNITS[compact]
    if _COUNT_100ML.match(compact):
        return COUNT_100ML, _ONE
    if _CYSTS_20L.match(compact):
        return CYSTS_20L, _ONE
    return None


def _substance_and_rest(folded: str) -> tuple[str, str]:
    """ "mg/l as n" → ("N", "mg/l"); "ug as/l" → ("As", "ug/l"); "mg/l pb" → ("Pb", "mg/l").

    "as" is the English "expressed as" only when a substance follows it; otherwise it is
    arsenic. Nitrate "as N" (NO3-N, N-NO3, "NO3 como N") is nitrogen.
    """
    substances: list[str] = []
    if match := _NITROGEN_OF.search(folded):
        substances.append("N")
        folded = folded[: match.start()] + " " + folded[match.end() :]
    tokens = _TOKEN.findall(folded)
    rest: list[str] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token in _FILLER_WORDS:
            continue
        if token in {"as", "expressed"} and following in SUBSTANCES:
            continue
        if token in SUBSTANCES:
            substances.append(SUBSTANCES[token])
        else:
            rest.append(token)
    found = list(dict.fromkeys(substances))
    if len(found) == 2 and "N" in found and set(found) - {"N"} <= {"NO3", "NO2", "NH3", "NH4"}:
        found = ["N"]  # "mg/L NO3 como N": nitrate counted as nitrogen
    if len(found) > 1:
        raise UnitError(
            UNCONVERTIBLE_UNIT,
            _("La unidad nombra más de una sustancia (%(found)s); deje sólo una.")
            % {"found": ", ".join(found)},
        )
    return (found[0] if found else ""), "".join(rest)


# Laboratories use a handful of spellings; parsing each once keeps bulk judging fast.
@lru_cache(maxsize=2048)
def parse_unit(text: str | None) -> Unit | None:
    """The unit written, or None when nothing is written. Unknown text raises UnitError.

    A mass concentration may name what it is counted as: a nitrogen form ("mg/L N-NO3"),
    CaCO3, or the element or ion measured ("mg/L As", "µg As/L", "mg F-/L"). That name is the
    unit's ``basis``; the judge checks it against the parameter.
    """
    if text is None or not text.strip():
        return None
    folded = normalise(text)
    folded = folded.replace("(", " ").replace(")", " ").replace("por ", "/")
    folded = _CHARGE.sub(lambda match: match.group(1), folded)
    # Units that are not mass concentrations are read whole: "U Pt-Co", "unidades de pH".
    plain = " ".join(word for word in folded.split() if word not in _FILLER_WORDS)
    found = _dimension_of(re.sub(r"[\s\-_.,+]+", "", plain))
    if found is not None:
        dimension, factor = found
        return Unit(text=text.strip(), dimension=dimension, factor=factor)
    basis, rest = _substance_and_rest(folded)
    found = _dimension_of(rest)
    if found is None:
        raise _unknown_unit(text)
    dimension, factor = found
    if basis and dimension != MASS:
        raise UnitError(
            UNCONVERTIBLE_UNIT,
            _("La unidad «%(unit)s» no admite «como %(basis)s».") % {"unit": text, "basis": basis},
        )
    return Unit(text=text.strip(), dimension=dimension, factor=factor, basis=basis)


def unit_basis(text: str | None) -> str:
    """The substance a unit names, or "" (also for a unit that cannot be read)."""
    try:
        unit = parse_unit(text)
    except UnitError:
        return ""
    return unit.basis if unit else ""


def convert(
    value: Decimal,
    from_text: str | None,
    to_text: str | None,
    *,
    default_basis: str = "",
    value_basis: str = "",
) -> Decimal:
    """``value`` written in ``from_text`` expressed in ``to_text``.

    ``value_basis`` is the basis the value is read in, whatever its unit says (the judge
    tries each reading when name and unit disagree). ``default_basis`` stands for a basis
    neither unit states. A missing unit is accepted only when the target is pH.
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
    from_basis = value_basis or source.basis or default_basis
    to_basis = target.basis or default_basis or value_basis
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


_FORMS = {"no3": "NO3", "no2": "NO2", "nh3": "NH3", "nh4": "NH4", "caco3": "CaCO3"}
_AS_FORM = re.compile(r"\b(?:como|as)\s+(n|no3|no2|nh3|nh4|caco3)\b")


def _folded_for_basis(text: str) -> str:
    folded = normalise(text or "").replace("(", " ").replace(")", " ")
    return _CHARGE.sub(lambda match: match.group(1), folded)


def basis_in_text(text: str) -> str:
    """The basis a parameter's name states, or "".

    "Nitratos (como N)", "N-NO3", "NO3-N", "Nitrógeno de nitratos" → "N"; "Nitratos (NO3-)",
    "Nitrato como NO3", "Amonio (NH4+)" → the ion; "Dureza (como CaCO3)" → "CaCO3".
    """
    folded = _folded_for_basis(text)
    if _NITROGEN_OF.search(folded) or re.search(r"\bnitrogen[oa]?\b", folded):
        return "N"
    if match := _AS_FORM.search(folded):
        return "N" if match.group(1) == "n" else _FORMS[match.group(1)]
    for word in re.findall(r"[a-z0-9]+", folded):
        if word in _FORMS:
            return _FORMS[word]
    return ""


def basis_in_method(text: str) -> str:
    """The basis a method states only in words ("… como N", "NO3-N"), or "".

    A bare formula in a method is its name ("SM 4500-NO3- E"), not the basis of the value.
    """
    folded = _folded_for_basis(text)
    if _NITROGEN_OF.search(folded):
        return "N"
    if match := _AS_FORM.search(folded):
        return "N" if match.group(1) == "n" else _FORMS[match.group(1)]
    return ""


def unit_in_name(text: str) -> tuple[str, str]:
    """A unit written in the parameter's name: "Nitratos (mg/L N-NO3)" → ("Nitratos", unit).

    "Coliformes fecales NMP/100 mL" → ("Coliformes fecales", "NMP/100 mL"). Returns the name
    unchanged and "" when no trailing part of it reads as a unit.
    """
    return _unit_in_name(text or "")


@lru_cache(maxsize=2048)
def _unit_in_name(text: str) -> tuple[str, str]:
    stripped = text.strip()
    if match := re.search(r"\(([^()]*)\)\s*$", stripped):
        inner = match.group(1).strip()
        if _reads_as_unit(inner):
            return stripped[: match.start()].strip(), inner
    words = stripped.split()
    for start in range(1, len(words)):
        tail = " ".join(words[start:])
        if _reads_as_unit(tail):
            return " ".join(words[:start]), tail
    return stripped, ""


def _reads_as_unit(text: str) -> bool:
    try:
        return parse_unit(text) is not None
    except UnitError:
        return False
