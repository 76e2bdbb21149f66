"""Filter fields shared by registry lists: choices limited to what the user can see."""

import django_filters
from django.utils.translation import gettext_lazy as _

from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Municipality


def visible(model):
    """A filter's choices: only rows the requesting user can see."""

    def choices(request):
        if request is None:
            return model.objects.none()
        return scope_for(request.user).visible(model.objects.all())

    return choices


def municipality_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=visible(Municipality),
        label=_("Municipio"),
        empty_label=_("Todos los municipios"),
    )


YES_NO = [("yes", _("Sí")), ("no", _("No"))]


def yes_no_filter(method: str, label: str) -> django_filters.ChoiceFilter:
    """A yes/no question whose blank answer means "do not filter"."""
    return django_filters.ChoiceFilter(
        choices=YES_NO, method=method, label=label, empty_label=_("Todos")
    )
