"""Filters for the facts on a record's page: an empty value reads "sin dato", never "None"."""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def or_no_data(value):
    """The value, or "sin dato" when it is missing. Put it before ``intcomma`` or ``unlocalize``,
    which turn a missing value into the word "None"."""
    if value is None or value == "":
        return gettext("sin dato")
    return value
