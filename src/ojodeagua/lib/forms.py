"""Form widgets and helpers shared by every app's forms."""

from django import forms
from django.core.exceptions import ValidationError


def date_widget() -> forms.DateInput:
    """The phone's date picker; the value is sent as ISO so every locale reads it back."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_errors(form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None):
    """Put a service's refusal on the fields it names (``aliases`` maps a model field to the
    form's), or on the whole form when the field is not shown: every page says the service's
    own words next to what to fix."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        name = aliases.get(name, name)
        shown = name in form.fields and not form.fields[name].widget.is_hidden
        form.add_error(name if shown else None, errors)
