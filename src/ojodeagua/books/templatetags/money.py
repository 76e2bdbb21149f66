"""Money as committees write it: $1,234.00 (pesos, comma thousands, two decimals)."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def mxn(value) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return "—"
    sign = "−" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
