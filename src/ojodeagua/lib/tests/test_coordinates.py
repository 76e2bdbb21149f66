"""Coordinates as INEGI writes them."""

from decimal import Decimal

import pytest

from ojodeagua.lib.coordinates import CoordinateError, parse_coordinate


@pytest.mark.parametrize(
    ("text", "axis", "expected"),
    [
        ("16.799477", "lat", "16.799477"),
        ("-93.270312", "lon", "-93.270312"),
        ("16°47'58.123\" N", "lat", "16.799479"),
        ("93°16'13.374\" W", "lon", "-93.270382"),
        ("93°16'13.374\" O", "lon", "-93.270382"),
        ("16° 47' 58\" N", "lat", "16.799444"),
        ("0931613", "lon", "-93.270278"),
        ("164758", "lat", "16.799444"),
    ],
)
def test_it_reads_decimal_dms_and_packed_coordinates(text, axis, expected):
    assert parse_coordinate(text, axis=axis) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "  ", "*", "N/D"])
def test_empty_cells_have_no_coordinate(text):
    assert parse_coordinate(text, axis="lat") is None


@pytest.mark.parametrize(
    ("text", "axis", "message"),
    [
        ("abc", "lat", "no se entiende"),
        ("95.5", "lat", "fuera de rango"),
        ("16°75'00\" N", "lat", "menores de 60"),
        ("93°16'13\" W", "lat", "es una longitud"),
    ],
)
def test_it_explains_coordinates_it_cannot_read(text, axis, message):
    with pytest.raises(CoordinateError, match=message):
        parse_coordinate(text, axis=axis)


def test_the_explanation_follows_the_active_language():
    from django.utils import translation

    with translation.override("en"), pytest.raises(CoordinateError, match="cannot be read"):
        parse_coordinate("abc", axis="lat")
