"""Template tags that show a provider's red flags from data and a short integrity summary."""

import datetime

from django import template
from django.utils import timezone

from ojodeagua.integrity.red_flags import provider_flags
from ojodeagua.integrity.register import register_figures

register = template.Library()


def split_flags(provider, on: datetime.date) -> dict:
    flags = provider_flags(provider, on)
    return {
        "provider": provider,
        "on": on,
        "fired": [flag for flag in flags if flag.state == "fired"],
        "quiet": [flag for flag in flags if flag.state == "quiet"],
        "unavailable": [flag for flag in flags if flag.state == "unavailable"],
    }


@register.inclusion_tag("integrity/flags/red_flags.html")
def red_flags(provider, on: datetime.date | None = None) -> dict:
    """Fired flags first, with the risks they point to and the records that show them."""
    return split_flags(provider, on or timezone.localdate())


@register.inclusion_tag("integrity/flags/brief.html")
def integrity_brief(provider, on: datetime.date | None = None) -> dict:
    """For the committee's home page: its latest cycle, the flags that fired, its register."""
    on = on or timezone.localdate()
    context = split_flags(provider, on)
    context["cycle"] = provider.integrity_cycles.order_by("-number").first()
    context["register"] = register_figures(provider.complaints.all(), on)
    return context


@register.simple_tag
def complaint_figures(provider, on: datetime.date | None = None):
    """The register's figures for one provider, e.g. ``{% complaint_figures object as f %}``."""
    return register_figures(provider.complaints.all(), on or timezone.localdate())
