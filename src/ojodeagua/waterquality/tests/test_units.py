"""Unit parsing and conversion: spellings, µg/L, nitrate and nitrite bases, refusals."""

from decimal import Decimal

import pytest

from ojodeagua.waterquality import units
from ojodeagua.waterquality.units import UnitError, basis_in_text, convert, parse_unit


@pytest.mark.parametrize(
    ("text", "dimension", "factor"),
    [
        ("mg/L", units.MASS, "1"),
        ("MG/l", units.MASS, "1"),
        ("ppm", units.MASS, "1"),
        ("µg/L", units.MASS, "0.001"),  # micro sign
        ("μg/L", units.MASS, "0.001"),  # Greek mu
        ("ug/L", units.MASS, "0.001"),
        ("ppb", units.MASS, "0.001"),
        ("NTU", units.TURBIDITY, "1"),
        ("UNT", units.TURBIDITY, "1"),
        ("FTU", units.TURBIDITY, "1"),
        ("Unidades Nefelométricas de Turbiedad", units.TURBIDITY, "1"),
        ("U Pt-Co", units.COLOUR, "1"),
        ("UC", units.COLOUR, "1"),
        ("NMP/100 mL", units.COUNT_100ML, "1"),
        ("UFC/100 mL", units.COUNT_100ML, "1"),
        ("MPN/100mL", units.COUNT_100ML, "1"),
        ("CFU/100 mL", units.COUNT_100ML, "1"),
        ("org/100 mL", units.COUNT_100ML, "1"),
        ("NMP por 100 mL", units.COUNT_100ML, "1"),
        ("quistes/20 L", units.CYSTS_20L, "1"),
        ("cysts/20L", units.CYSTS_20L, "1"),
        ("Bq/L", units.ACTIVITY, "1"),
        ("pH", units.PH, "1"),
        ("unidades de pH", units.PH, "1"),
    ],
)
def test_common_spellings_are_recognised(text, dimension, factor):
    unit = parse_unit(text)

    assert unit.dimension == dimension
    assert unit.factor == Decimal(factor)


@pytest.mark.parametrize(
    ("text", "basis"),
    [
        ("mg/L as N", "N"),
        ("mg/L N", "N"),
        ("mg N/L", "N"),
        ("mg/L-N", "N"),
        ("mg/L NO3-N", "N"),
        ("mg/L N-NO3", "N"),
        ("mg/L como N", "N"),
        ("mg/L NO2-N", "N"),
        ("mg/L as NO3", "NO3"),
        ("mg/L NO3", "NO3"),
        ("mg NO3/L", "NO3"),
        ("mg/L como NO₃⁻", "NO3"),
        ("mg/L NO2", "NO2"),
        ("mg NO2/L", "NO2"),
        ("mg/L como CaCO3", "CaCO3"),
        ("mg/L", ""),
    ],
)
def test_the_basis_is_read_from_the_unit(text, basis):
    assert parse_unit(text).basis == basis


def test_a_blank_unit_is_none():
    assert parse_unit("") is None
    assert parse_unit("   ") is None
    assert parse_unit(None) is None


def test_micrograms_convert_to_milligrams_exactly():
    assert convert(Decimal("15"), "µg/L", "mg/L") == Decimal("0.015")
    assert convert(Decimal("15"), "ppb", "mg/L") == Decimal("0.015")
    assert convert(Decimal("0.015"), "mg/L", "μg/L") == Decimal("15")


def test_nitrate_as_nitrate_converts_to_as_nitrogen_and_back():
    as_n = convert(Decimal("50"), "mg/L NO3", "mg/L as N")
    back = convert(Decimal("11.3"), "mg N/L", "mg/L como NO3")

    assert as_n == Decimal("50") * Decimal("14.007") / Decimal("62.004")
    assert round(as_n, 3) == Decimal("11.295")
    assert back == Decimal("11.3") * Decimal("62.004") / Decimal("14.007")
    assert round(back, 2) == Decimal("50.02")


def test_nitrite_as_nitrite_converts_to_as_nitrogen_and_back():
    as_n = convert(Decimal("3"), "mg/L NO2", "mg/L-N")
    back = convert(Decimal("0.9"), "mg/L N", "mg NO2/L")

    assert as_n == Decimal("3") * Decimal("14.007") / Decimal("46.005")
    assert round(as_n, 4) == Decimal("0.9134")
    assert back == Decimal("0.9") * Decimal("46.005") / Decimal("14.007")


def test_a_bare_unit_takes_the_parameters_default_basis():
    assert convert(Decimal("10"), "mg/L", "mg/L como NO3", default_basis="N") == (
        Decimal("10") * Decimal("62.004") / Decimal("14.007")
    )
    assert convert(Decimal("10"), "mg/L", "mg/L como N", default_basis="N") == Decimal("10")


def test_nitrate_cannot_become_nitrite():
    with pytest.raises(UnitError) as error:
        convert(Decimal("10"), "mg/L NO3", "mg/L NO2")
    assert error.value.code == units.UNCONVERTIBLE_UNIT


def test_a_missing_unit_is_accepted_only_for_ph():
    assert convert(Decimal("7.1"), "", "pH") == Decimal("7.1")
    with pytest.raises(UnitError) as error:
        convert(Decimal("0.01"), "", "mg/L")
    assert error.value.code == units.MISSING_UNIT
    assert "Falta la unidad" in str(error.value)


@pytest.mark.parametrize(
    ("source", "target"),
    [("NTU", "mg/L"), ("mg/L", "NTU"), ("NMP/100 mL", "mg/L"), ("Bq/L", "µg/L"), ("pH", "mg/L")],
)
def test_different_quantities_are_unconvertible(source, target):
    with pytest.raises(UnitError) as error:
        convert(Decimal("1"), source, target)
    assert error.value.code == units.UNCONVERTIBLE_UNIT


def test_an_unknown_unit_is_unconvertible_and_says_what_to_use():
    with pytest.raises(UnitError) as error:
        parse_unit("gotas")
    assert error.value.code == units.UNCONVERTIBLE_UNIT
    assert "gotas" in str(error.value)
    assert "mg/L" in str(error.value)


def test_the_basis_is_read_from_a_parameter_name():
    assert basis_in_text("Nitratos (como N)") == "N"
    assert basis_in_text("N-NO3") == "N"
    assert basis_in_text("Nitrato como NO3") == "NO3"
    assert basis_in_text("Nitratos") == ""
