"""Forms to record a water sample and its results."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ojodeagua.monitoring.forms import ObservationForm, decimal_widget
from ojodeagua.pages.forms import ScopedInlineFormSet, ScopedModelForm

from .models import Result, Sample


class SampleForm(ObservationForm):
    source_choices = tuple(Sample.Source.values)

    class Meta:
        model = Sample
        fields = [
            "observed_on",
            "source",
            "locality",
            "system",
            "sampling_point",
            "point_description",
            "analysis",
            "laboratory",
            "notes",
        ]
        labels = {"observed_on": _("fecha en que se tomó la muestra")}
        help_texts = {"system": _("El sistema que da agua en ese punto, si lo sabe.")}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def clean(self) -> dict:
        data = super().clean()
        if data.get("analysis") == Sample.Analysis.LABORATORY and not data.get("laboratory"):
            self.add_error("laboratory", _("Anote el nombre del laboratorio que hizo el análisis."))
        return data


class ResultForm(ScopedModelForm):
    class Meta:
        model = Result
        fields = ["parameter_text", "value", "below_detection", "outcome", "unit", "method"]
        labels = {"below_detection": _("«<» menor que el límite de detección")}
        help_texts = {"below_detection": ""}
        widgets = {
            # The datalist suggests the names the project knows; any other name is kept as typed.
            "parameter_text": forms.TextInput(attrs={"list": "parameter-names"}),
            "value": decimal_widget(),
            "unit": forms.TextInput(attrs={"list": "unit-names"}),
        }

    def clean(self) -> dict:
        data = super().clean()
        if "parameter_text" in self.changed_data:
            # Recognised again when the sample is judged; the old one would judge the wrong thing.
            self.instance.parameter = None
        return data


class BaseResultFormSet(ScopedInlineFormSet):
    def clean(self) -> None:
        super().clean()
        filled = [form for form in self.forms if form.has_changed() or form.instance.pk]
        if not filled:
            raise forms.ValidationError(
                _("Anote al menos un resultado: el parámetro y su valor, o si se detectó o no.")
            )


def result_formset(extra: int):
    return forms.inlineformset_factory(
        Sample,
        Result,
        form=ResultForm,
        formset=BaseResultFormSet,
        extra=extra,
        can_delete=False,
    )


ResultFormSet = result_formset(4)
