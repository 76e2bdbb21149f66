"""Form helpers shared by every registry app: choices limited to what the user may use."""

from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.forms import date_widget
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
        return date_widget()

    @staticmethod
    def decimal_widget() -> forms.TextInput:
        # Phones show the numeric keypad with a decimal point.
        return forms.TextInput(attrs={"inputmode": "decimal"})

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField) and hasattr(field.queryset, "in_area"):
                current = getattr(self.instance, f"{name}_id", None)
                field.queryset = allowed_choices(scope, field.queryset, current)


class ScopedInlineFormSet(forms.BaseInlineFormSet):
    """Rows of one parent record: a posted row id must be one of this parent's rows."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        # Django checks row ids against the whole table; a row of another record (perhaps
        # outside the user's scope) must look exactly like a row that does not exist.
        pk_name = self.model._meta.pk.name
        if pk_name in form.fields and hasattr(form.fields[pk_name], "queryset"):
            form.fields[pk_name].queryset = self.get_queryset()

    def clean(self) -> None:
        super().clean()
        self._check_unique_constraints()

    def _check_unique_constraints(self) -> None:
        """Refuse rows that repeat a unique constraint, within the form or in the database."""
        for constraint in self.model._meta.constraints:
            fields = [f for f in getattr(constraint, "fields", ()) if f != self.fk.name]
            if not isinstance(constraint, models.UniqueConstraint) or not fields:
                continue
            seen = set()
            for form in self.forms:
                if not form.has_changed() and form.instance.pk is None:
                    continue
                values = tuple(form.cleaned_data.get(name) for name in fields)
                if None in values:
                    continue
                others = (
                    self.model._default_manager.filter(
                        **{self.fk.name: self.instance}, **dict(zip(fields, values, strict=True))
                    ).exclude(pk=form.instance.pk)
                    if self.instance.pk
                    else None
                )
                if values in seen or (others is not None and others.exists()):
                    form.add_error(fields[0], _("Ya está en la lista; no lo agregue dos veces."))
                seen.add(values)


def scoped_inline_formset(parent: type[models.Model], model: type[models.Model], **kwargs):
    """Inline formset whose child forms receive the scope too."""
    kwargs.setdefault("extra", 1)
    kwargs.setdefault("can_delete", False)
    return forms.inlineformset_factory(
        parent, model, form=ScopedModelForm, formset=ScopedInlineFormSet, **kwargs
    )
