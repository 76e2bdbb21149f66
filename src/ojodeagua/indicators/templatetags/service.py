"""Template tags that show indicator values: the service panel, figures and charts."""

from django import template

from ojodeagua.indicators import presentation
from ojodeagua.indicators.views import service_context
from ojodeagua.organisations.scope import scope_for

register = template.Library()


@register.inclusion_tag("indicators/service_panel.html", takes_context=True)
def service_panel(context, entity: str, obj) -> dict:
    return service_context(entity, obj, scope_for(context["request"].user))


@register.inclusion_tag("indicators/health_care_panel.html")
def health_care_panel(centre) -> dict:
    return presentation.health_care_context(centre)


@register.inclusion_tag("indicators/finance_panel.html")
def finance_panel(provider) -> dict:
    return presentation.finance_context(provider)


@register.filter
def figure(value) -> str:
    return presentation.format_value(value) if value is not None else "—"


@register.filter
def fraction(value) -> str:
    return presentation.fraction(value) if value is not None else ""


@register.filter
def percent(share: float) -> str:
    return presentation.format_value_share(share)


@register.inclusion_tag("indicators/chart.html")
def chart(chart):
    return {"chart": chart}


@register.filter
def month_name(month) -> str:
    return presentation.month_name(month)


@register.filter
def breakdown_items(value) -> list:
    return presentation.breakdown_items(value)


@register.filter
def plain_number(amount) -> str:
    return presentation.plain_number(amount)
