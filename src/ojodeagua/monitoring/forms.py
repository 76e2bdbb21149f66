"""Forms to record observations: system visits, a week of supply, and the surveys."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ojodeagua.organisations.scope import Scope
from ojodeagua.pages.forms import ScopedModelForm
from ojodeagua.watersystems.models import Component, WaterSystem

from .models import (
    DISTANCE_TOO_LONG,
    NEGATIVE_DISTANCE,
    HealthCentreSurvey,
    HouseholdSurvey,
    InspectionForm,
    SchoolSurvey,
    StoppageCause,
    SystemVisit,
)
from .observation import EARLIEST_OBSERVED_ON, Observation
from .services import observed_on_refusal, too_old_message
from .workflow import may_record

YES_NO = [(True, _("Sí")), (False, _("No"))]


def yes_no_field(label, required_message) -> forms.TypedChoiceField:
    """A yes/no question that must be answered: an unticked box would silently mean "no"."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )


def numeric_widget() -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"})


def decimal_widget() -> forms.TextInput:
    return ScopedModelForm.decimal_widget()


class ObservationForm(ScopedModelForm):
    """Place choices are what the user can see; saving checks they may record there."""

    source_choices: tuple[str, ...] = (Observation.Source.VISIT, Observation.Source.SELF_REPORT)
    place_error = _(
        "No puede registrar datos de ese lugar: elija uno de su área "
        "(para un comité, uno de sus sistemas)."
    )

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, scope=scope, **kwargs)
        self.scope = scope
        if "observed_on" in self.fields:
            self.fields["observed_on"].widget = self.date_widget()
            self.fields["observed_on"].initial = timezone.localdate()
        if "source" in self.fields:
            self.fields["source"].choices = [
                (value, label)
                for value, label in Observation.Source.choices
                if value in self.source_choices
            ]
        for field in self.fields.values():
            if isinstance(field.widget, forms.NumberInput):
                field.widget.attrs.setdefault("inputmode", "numeric")

    def clean_observed_on(self) -> datetime.date:
        observed_on = self.cleaned_data["observed_on"]
        if refused := observed_on_refusal(observed_on):
            raise forms.ValidationError(refused)
        return observed_on

    def _post_clean(self) -> None:
        super()._post_clean()
        if not self.errors and not may_record(self.scope, self.instance):
            self.add_error(None, self.place_error)


class SystemVisitForm(ObservationForm):
    """The visit, one condition per component, and the sanitary inspection questions."""

    working = yes_no_field(
        _("¿Funciona el sistema el día de la visita?"),
        _("Indique si el sistema funciona hoy (sí o no)."),
    )

    class Meta:
        model = SystemVisit
        fields = [
            "observed_on",
            "source",
            "working",
            "flow_lps",
            "downtime_days",
            "downtime_cause",
            "chlorination",
            "notes",
        ]
        widgets = {"flow_lps": decimal_widget(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(
        self,
        *args,
        system: WaterSystem,
        inspection_form: InspectionForm | None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance.system = system
        self.instance.inspection_form = inspection_form
        self.fields["downtime_cause"].choices = [("", "—"), *StoppageCause.choices[1:]]
        visit = self.instance if self.instance.pk else None
        conditions = (
            {c.component_id: c.condition for c in visit.component_checks.all()} if visit else {}
        )
        answers = {a.question_id: a.hazard for a in visit.inspection_answers.all()} if visit else {}
        self.components = list(system.components.all())
        for component in self.components:
            label = component.get_kind_display()
            if component.quantity > 1:
                label = f"{label} ({component.quantity})"
            self.fields[f"component_{component.pk}"] = forms.ChoiceField(
                label=label,
                choices=Component.Condition.choices,
                initial=conditions.get(component.pk, component.condition),
            )
        self.questions = list(inspection_form.questions.all()) if inspection_form else []
        for question in self.questions:
            field = yes_no_field(
                f"{question.number}. {question.text}",
                _("Conteste esta pregunta: sí, si ve el riesgo; no, si no lo ve."),
            )
            field.initial = answers.get(question.pk)
            self.fields[f"question_{question.pk}"] = field

    def visit_fields(self) -> list:
        return [self[name] for name in self._meta.fields]

    def component_fields(self) -> list:
        return [self[f"component_{c.pk}"] for c in self.components]

    def question_fields(self) -> list:
        return [self[f"question_{q.pk}"] for q in self.questions]

    def conditions(self) -> list[tuple[Component, str]]:
        return [(c, self.cleaned_data[f"component_{c.pk}"]) for c in self.components]

    def answers(self) -> list[tuple[object, bool]]:
        return [(q, self.cleaned_data[f"question_{q.pk}"]) for q in self.questions]


class SupplyWeekChoice(forms.Form):
    """Which system, sector and week to enter; sent by GET so the week can be bookmarked."""

    system = forms.ModelChoiceField(
        label=_("Sistema"),
        queryset=WaterSystem.objects.none(),
        empty_label=_("Elija el sistema"),
        error_messages={"required": _("Elija el sistema.")},
    )
    sector = forms.CharField(
        label=_("Sector (opcional)"),
        max_length=60,
        required=False,
        help_text=_("Solo si la red se reparte por sectores."),
    )
    start = forms.DateField(
        label=_("Primer día de la semana"),
        widget=ScopedModelForm.date_widget(),
        error_messages={
            "required": _("Elija el primer día de la semana."),
            "invalid": _("Escriba la fecha como día/mes/año o elíjala del calendario."),
        },
    )

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = scope.editable(
            WaterSystem.objects.select_related("locality")
        )

    def clean_sector(self) -> str:
        return " ".join(self.cleaned_data["sector"].split())

    def clean_start(self) -> datetime.date:
        start = self.cleaned_data["start"]
        if start > timezone.localdate():
            raise forms.ValidationError(
                _("Esa semana todavía no empieza; elija una que empiece hoy o antes.")
            )
        if start < EARLIEST_OBSERVED_ON:
            raise forms.ValidationError(too_old_message(start))
        return start

    def days(self) -> list[datetime.date]:
        start = self.cleaned_data["start"]
        return [start + datetime.timedelta(days=offset) for offset in range(7)]


class SupplyDayRow(forms.Form):
    """One day: hours with water, or why there was none. A blank row records nothing."""

    hours = forms.DecimalField(
        label=_("Horas con agua"),
        required=False,
        min_value=0,
        max_value=24,
        max_digits=3,
        decimal_places=1,
        widget=decimal_widget(),
        error_messages={
            "invalid": _("Escriba las horas con número, por ejemplo 6 o 6.5."),
            "min_value": _("Las horas no pueden ser menos de 0."),
            "max_value": _("Un día tiene 24 horas como máximo; corrija la cifra."),
            "max_decimal_places": _("Use un solo decimal, por ejemplo 6.5."),
            "max_digits": _("Use un solo decimal, por ejemplo 6.5."),
        },
    )
    no_water_reason = forms.ChoiceField(
        label=_("Si no hubo agua, ¿por qué?"),
        required=False,
        choices=[("", "—"), *StoppageCause.choices[1:]],
    )

    def __init__(self, *args, day: datetime.date, existing=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.day = day
        self.existing = existing

    def clean(self) -> dict:
        data = super().clean()
        hours, reason = data.get("hours"), data.get("no_water_reason")
        if hours is None and reason and "hours" not in self.errors:
            data["hours"] = hours = 0
        if hours == 0 and not reason:
            self.add_error("no_water_reason", _("Si no hubo agua ese día, diga por qué."))
        if (hours is not None or reason) and self.day > timezone.localdate():
            self.add_error("hours", _("Este día todavía no llega; déjelo en blanco."))
        if hours is None and not reason and self.existing is not None and not self.errors:
            self.add_error(
                "hours",
                _("Este día ya estaba anotado; escriba las horas (0 si no hubo agua)."),
            )
        return data

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data
        return data.get("hours") is None and not data.get("no_water_reason")


class HouseholdSurveyForm(ObservationForm):
    class Meta:
        model = HouseholdSurvey
        fields = [
            "observed_on",
            "source",
            "locality",
            "system",
            *HouseholdSurvey.ANSWER_FIELDS,
            "notes",
        ]
        widgets = {
            "monthly_payment": decimal_widget(),
            "household_size": numeric_widget(),
            "collection_minutes": numeric_widget(),
            "days_with_water_last_week": numeric_widget(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "water_has_problem": _("Pregunte esto antes que lo demás, con sus propias palabras."),
        }


INSTITUTION_FIELDS = ["observed_on", "source", *SchoolSurvey.ANSWER_FIELDS, "notes"]


class YesNoAnswersForm(ObservationForm):
    """A survey whose yes/no questions must each be answered, as on the visit form: an unticked
    box would record "no" for a question nobody asked, and no answer is chosen beforehand."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in list(self.fields.items()):
            # Questions with "no se sabe" (NullBooleanField) keep their three answers.
            if type(field) is not forms.BooleanField:
                continue
            question = yes_no_field(capfirst(field.label), _("Conteste esta pregunta: sí o no."))
            question.help_text = field.help_text
            self.fields[name] = question
            if self.instance.pk is None:
                # The model's default (the water is on the premises) is not an answer.
                self.initial.pop(name, None)


class SchoolSurveyForm(YesNoAnswersForm):
    class Meta:
        model = SchoolSurvey
        fields = ["school", *INSTITUTION_FIELDS]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class HealthCentreSurveyForm(YesNoAnswersForm):
    class Meta:
        model = HealthCentreSurvey
        fields = [
            "health_centre",
            "observed_on",
            "source",
            *HealthCentreSurvey.ANSWER_FIELDS,
            "notes",
        ]
        labels = {"water_on_premises": _("el agua está dentro del centro de salud")}
        error_messages = {
            "water_source_distance_m": {
                "min_value": NEGATIVE_DISTANCE,
                "max_value": DISTANCE_TOO_LONG,
            }
        }
        widgets = {
            "water_source_distance_m": numeric_widget(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
