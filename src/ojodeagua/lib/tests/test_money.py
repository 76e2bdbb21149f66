"""Money printed one way: $1,234.00, and a negative with a real minus sign before the $."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from ojodeagua.lib.money import mxn


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.5"), "$1,234.50"),
        (Decimal("0"), "$0.00"),
        ("60", "$60.00"),  # public figures travel as text
        (1234567, "$1,234,567.00"),
        (Decimal("-1234.5"), "\u2212$1,234.50"),
        ("-0.25", "\u2212$0.25"),
        (None, "—"),
        ("", "—"),
        ("NaN", "—"),
    ],
)
def test_money_is_written_as_committees_write_it(value, expected):
    assert mxn(value) == expected


def test_a_negative_amount_never_prints_a_hyphen_after_the_dollar_sign():
    printed = mxn(Decimal("-40"))
    assert printed.startswith("\u2212$") and "-" not in printed


def test_pages_print_money_with_the_same_function():
    template = Template("{% load money %}{{ amount|mxn }}")
    for amount in (Decimal("-1234.5"), Decimal("86.4")):
        assert template.render(Context({"amount": amount})) == mxn(amount)
