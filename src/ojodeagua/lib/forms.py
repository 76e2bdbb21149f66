"""Form widgets shared by every app's forms."""

from django import forms


def date_widget() -> forms.DateInput:
    """The phone's date picker; the value is sent as ISO so every locale reads it back."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
