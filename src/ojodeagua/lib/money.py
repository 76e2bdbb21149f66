"""Money as committees write it, the one way every page, message and export prints pesos.

``$1,234.00``: a dollar sign, comma thousands and two decimals (``/work/shared/ui.md``'s format
for Mexico). A negative amount takes a real minus sign before the dollar sign, ``−$1,234.50``,
so a shortfall never reads as ``$-1,234.50`` in one place and ``−$1,234.50`` in another.
"""

from decimal import Decimal, InvalidOperation

MINUS = "\u2212"  # the minus sign, not the hyphen: it is as wide as the digits and reads as one
NOT_A_NUMBER = "—"


def mxn(value: object) -> str:
    """The amount in pesos (a Decimal, a number or its text), or a dash when it is not one."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return NOT_A_NUMBER
    if not amount.is_finite():
        return NOT_A_NUMBER
    sign = MINUS if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
