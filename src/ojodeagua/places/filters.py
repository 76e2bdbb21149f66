"""The municipality filter every registry and observation list offers."""

import django_filters
from django.utils.translation import gettext_lazy as _

from ojodeagua.pages.filters import visible

from .models import Municipality


def municipality_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=visible(Municipality),
        label=_("Municipio"),
        empty_label=_("Todos los municipios"),
    )
