"""Forms for editing a draft version of the integrity catalogue."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.providers.models import Provider

from .catalogue import scale_problems
from .models import (
    BusinessProcess,
    ChecklistItem,
    RatingScale,
    Risk,
    ScorecardIndicator,
    ScorecardPrinciple,
    Tool,
    every_workshop_kind,
)
from .red_flags import CHECKS


class EntryForm(forms.ModelForm):
    """An entry of one draft version; the code names it across versions, so it is fixed once set."""

    def __init__(self, *args, version, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.version = version
        self.version = version
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _(
                "El código une esta entrada con la misma en otras versiones; no cambia."
            )
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = field.queryset.filter(version=version)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        others = type(self.instance).objects.filter(version=self.version, code=code)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Ya hay una entrada con ese código en esta versión."))
        return code


class ProviderKindsField(forms.MultipleChoiceField):
    """The kinds of provider an entry is for, ticked; at least one (none would hide it)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs) -> None:
        kinds = dict(Provider.Kind.choices)
        super().__init__(
            label=gettext_lazy("Para qué tipos de grupo"),
            choices=[(kind, kinds[kind]) for kind in every_workshop_kind()],
            # A new entry starts for every kind; the coordinator unticks those it is not for.
            initial=every_workshop_kind,
            error_messages={
                "required": gettext_lazy("Elija al menos un tipo de grupo al que se aplica.")
            },
            help_text=gettext_lazy(
                "El taller de un grupo de otro tipo no pregunta este punto ni lo cuenta."
            ),
            **kwargs,
        )


class ProcessForm(EntryForm):
    class Meta:
        model = BusinessProcess
        fields = ["code", "name"]


class ToolForm(EntryForm):
    class Meta:
        model = Tool
        fields = ["code", "name", "description"]


class LinesField(forms.CharField):
    """One item per line, kept as a list (a risk's red flags)."""

    widget = forms.Textarea

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class RiskForm(EntryForm):
    provider_kinds = ProviderKindsField()
    red_flags = LinesField(
        label=gettext_lazy("Señales de alerta"),
        required=False,
        help_text=gettext_lazy("Una por renglón: lo que se puede observar."),
    )
    signals = forms.MultipleChoiceField(
        label=gettext_lazy("Revisiones con los datos del proyecto"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Se muestran junto al riesgo en el taller y en la página del comité."
        ),
    )

    class Meta:
        model = Risk
        fields = ["code", "title", "process", "type", "driver", "red_flags", "description"]
        fields += ["tools", "provider_kinds"]
        widgets = {"tools": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signals"].choices = [(code, label) for code, label in CHECKS.items()]
        if self.instance.pk:
            self.initial["signals"] = list(
                self.instance.signals.values_list("check_code", flat=True)
            )


class ChecklistForm(EntryForm):
    provider_kinds = ProviderKindsField()

    class Meta:
        model = ChecklistItem
        fields = ["code", "text", "help", "provider_kinds"]


class PrincipleForm(EntryForm):
    class Meta:
        model = ScorecardPrinciple
        fields = ["code", "name"]


class IndicatorForm(EntryForm):
    provider_kinds = ProviderKindsField()

    class Meta:
        model = ScorecardIndicator
        fields = ["code", "principle", "name", "descriptor_1", "descriptor_3", "descriptor_5"]
        fields += ["provider_kinds"]


class JsonListField(forms.CharField):
    widget = forms.Textarea

    def prepare_value(self, value):
        if isinstance(value, list):
            return json.dumps(value, ensure_ascii=False, indent=1)
        return value

    def to_python(self, value):
        try:
            parsed = json.loads(value or "[]")
        except json.JSONDecodeError:
            raise ValidationError(
                _("No se entiende el texto; revise comillas, comas y corchetes.")
            ) from None
        if not isinstance(parsed, list):
            raise ValidationError(_("Debe ser una lista entre corchetes [ ]."))
        return parsed


class ScaleForm(EntryForm):
    likelihood = JsonListField(
        label=gettext_lazy("Niveles de probabilidad"),
        help_text=gettext_lazy('Por ejemplo: [{"value": 1, "label": "poco probable"}, …]'),
    )
    impact = JsonListField(
        label=gettext_lazy("Niveles de impacto"),
        help_text=gettext_lazy('Por ejemplo: [{"value": 1, "label": "menor"}, …]'),
    )
    bands = JsonListField(
        label=gettext_lazy("Bandas"),
        help_text=gettext_lazy(
            'Por ejemplo: [{"min": 1, "max": 2, "code": "low", "label": "bajo"}, …]; '
            "deben cubrir todos los productos posibles de probabilidad × impacto."
        ),
    )

    class Meta:
        model = RatingScale
        fields = ["code", "name", "likelihood", "impact", "bands", "is_default", "note"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            problems = scale_problems(cleaned["likelihood"], cleaned["impact"], cleaned["bands"])
            if problems:
                raise ValidationError(problems)
        return cleaned


KINDS: dict[str, type[EntryForm]] = {
    "procesos": ProcessForm,
    "herramientas": ToolForm,
    "riesgos": RiskForm,
    "cumplimiento": ChecklistForm,
    "principios": PrincipleForm,
    "indicadores": IndicatorForm,
    "escalas": ScaleForm,
}
