"""Dates as the public pages say them: '12 de agosto de 2026', 'noviembre de 2026'."""

from django import template

from ojodeagua.indicators.presentation import day_name, month_name

register = template.Library()


@register.filter
def long_day(day):
    return day_name(day) if day else ""


@register.filter
def month(day):
    return month_name(day) if day else ""
