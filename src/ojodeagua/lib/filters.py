"""Filter fields shared by lists that need nothing of the user or the domain."""

import django_filters
from django.utils.translation import gettext_lazy as _

YES_NO = [("yes", _("Sí")), ("no", _("No"))]


def yes_no_filter(method: str, label: str) -> django_filters.ChoiceFilter:
    """A yes/no question whose blank answer means "do not filter"."""
    return django_filters.ChoiceFilter(
        choices=YES_NO, method=method, label=label, empty_label=_("Todos")
    )
