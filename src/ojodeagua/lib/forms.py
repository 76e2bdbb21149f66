"""Form helpers shared by every registry app: choices limited to what the user may use."""

from django import forms
from django.db import models
from django.db.models import Q

from ojodeagua.organisations.scope import Scope

EDITABLE_CHOICE_MODELS = {"providers.provider"}


def allowed_choices(scope: Scope, queryset: models.QuerySet, current: object = None):
    """Rows a user may pick for a related field, plus the value already stored.

    Providers are offered only where the user may edit them (attaching a system to a
    committee changes that committee); places and systems where the user may see them.
    """
    if queryset.model._meta.label_lower in EDITABLE_CHOICE_MODELS:
        limited = scope.editable(queryset)
    else:
        limited = scope.visible(queryset)
    allowed = Q(pk__in=limited.values("pk"))
    if current is not None:
        allowed |= Q(pk=current)
    return queryset.filter(allowed)


class ScopedModelForm(forms.ModelForm):
    """A model form whose related-object choices only offer rows inside the user's scope."""

    @staticmethod
    def date_widget() -> forms.DateInput:
        return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    @staticmethod
    def decimal_widget() -> forms.TextInput:
        # Phones show the numeric keypad with a decimal point.
        return forms.TextInput(attrs={"inputmode": "decimal"})

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField) and hasattr(field.queryset, "in_area"):
                current = getattr(self.instance, f"{name}_id", None)
                field.queryset = allowed_choices(scope, field.queryset, current)


def scoped_inline_formset(parent: type[models.Model], model: type[models.Model], **kwargs):
    """Inline formset whose child forms receive the scope too."""
    kwargs.setdefault("extra", 1)
    kwargs.setdefault("can_delete", False)
    return forms.inlineformset_factory(parent, model, form=ScopedModelForm, **kwargs)
