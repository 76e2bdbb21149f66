"""Forms of the workshop pages: small, one thing each, so a phone can save them one by one."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.forms import date_widget
from ojodeagua.lib.records import new_record_id
from ojodeagua.providers.models import Provider

from .models import (
    AssessedRisk,
    CatalogueVersion,
    ComplianceAnswer,
    Cycle,
    Participant,
    RatingScale,
    RoadmapItem,
    Tool,
)

# The toolbox is for community providers; a municipal office runs no integrity workshop.
CYCLE_PROVIDER_KINDS = Cycle.PROVIDER_KINDS


class RecordIdField(forms.CharField):
    """Made when the form is shown; sending the same form twice is then recognised."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=64, **kwargs)


def give_record_id(form: forms.BaseForm) -> None:
    """A fresh id each time an empty form is shown; a form sent back keeps the one it had."""
    if not form.is_bound:
        form.initial.setdefault("record_id", new_record_id())


class RecordIdForm(forms.Form):
    record_id = RecordIdField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        give_record_id(self)


class CycleCreateForm(RecordIdForm):
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.none(), label=_("Comité"), empty_label=_("— elija el comité —")
    )
    scale = forms.ModelChoiceField(
        queryset=RatingScale.objects.none(),
        label=_("Escala para valorar los riesgos"),
        empty_label=None,
        help_text=_("La de 3 × 3 es más sencilla para una asamblea."),
    )
    context = forms.CharField(
        label=_("Contexto del comité"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A quién da servicio, cómo se organiza, si tiene reconocimiento legal; lo que el "
            "grupo debe tener presente."
        ),
    )
    workshop_on = forms.DateField(label=_("Fecha del taller"), required=False, widget=date_widget())

    def __init__(self, *args, providers, catalogue: CatalogueVersion, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        self.fields["provider"].queryset = providers.filter(kind__in=CYCLE_PROVIDER_KINDS)
        self.fields["provider"].error_messages["invalid_choice"] = _(
            "Elija un comité de la lista; solo aparecen los que usted puede cambiar."
        )
        self.fields["scale"].queryset = catalogue.scales.order_by("-is_default", "code")
        default = catalogue.scales.filter(is_default=True).first()
        if default is not None:
            self.fields["scale"].initial = default.pk


class CycleEditForm(forms.ModelForm):
    retake_baseline = forms.BooleanField(
        label=_("Tomar otra vez la línea base con los datos de hoy"),
        required=False,
        help_text=_("Solo antes del taller, por ejemplo si se registraron visitas después."),
    )

    class Meta:
        model = Cycle
        fields = ["stage", "workshop_on", "context"]
        widgets = {
            "workshop_on": date_widget(),
            "context": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.stage != Cycle.Stage.PREPARATION:
            del self.fields["retake_baseline"]


class ParticipantForm(forms.ModelForm):
    record_id = RecordIdField()
    how_many = forms.IntegerField(
        label=_("Cuántas personas así"),
        min_value=1,
        max_value=60,
        required=False,
        help_text=_(
            "Vacío es una. Para registrar de una vez, sin nombres, a varias personas iguales."
        ),
        error_messages={
            "invalid": _("Escriba cuántas personas con números."),
            "min_value": _("Escriba 1 o más."),
            "max_value": _("De una vez se registran hasta 60 personas."),
        },
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": 1, "max": 60, "placeholder": "1"}
        ),
    )

    class Meta:
        model = Participant
        fields = ["record_id", "role", "sex", "age_group", "name"]
        widgets = {
            "role": forms.RadioSelect,
            "sex": forms.RadioSelect,
            "age_group": forms.RadioSelect,
        }
        help_texts = {"name": _("Si la persona no quiere dar su nombre, déjelo vacío.")}

    def __init__(self, *args, names: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        give_record_id(self)
        if not names:
            # Who may not read the names of the committee's people is not asked them either.
            del self.fields["name"]
        for name in ("role", "sex", "age_group"):
            field = self.fields[name]
            field.choices = [c for c in field.choices if c[0]]
        required = {
            "sex": _("Elija mujer, hombre o «prefiere no decir»."),
            "role": _("Elija qué papel tiene la persona en el taller."),
            "age_group": _("Elija la edad de la persona."),
        }
        for name, message in required.items():
            self.fields[name].error_messages["required"] = message

    def validate_unique(self) -> None:
        # A repeated record id means the form was sent twice; the view answers that case.
        pass

    def clean(self):
        data = super().clean()
        if (data.get("how_many") or 1) > 1 and (data.get("name") or "").strip():
            self.add_error(
                "how_many", _("Con nombre se registra una persona a la vez; quite el número.")
            )
        return data


class ComplianceForm(forms.ModelForm):
    class Meta:
        model = ComplianceAnswer
        fields = ["answer", "evidence"]
        widgets = {
            "answer": forms.RadioSelect,
            "evidence": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"evidence": _("Prueba o comentario")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # RadioSelect offers the blank choice of a CharField with choices otherwise.
        self.fields["answer"].choices = ComplianceAnswer.Answer.choices
        self.fields["answer"].error_messages["required"] = _(
            "Elija sí, en parte o no antes de guardar."
        )


def scale_choices(levels: list[dict]) -> list[tuple[str, str]]:
    """The levels, then a way back to no rating; each button shows its number and its word."""
    return [(str(level["value"]), level["label"]) for level in levels] + [("", _("sin valorar"))]


class LevelButtons(forms.RadioSelect):
    """Each level a big button, chosen in one tap (a dropdown takes two and hides the choices)."""

    template_name = "integrity/workshop/_level_buttons.html"


class ScaleRatingForm(forms.Form):
    """Likelihood and impact as numbers; whether they are on the scale is the model's rule."""

    likelihood = forms.IntegerField(label=_("Probabilidad"), required=False)
    impact = forms.IntegerField(label=_("Impacto"), required=False)

    def __init__(self, *args, scale: RatingScale, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["likelihood"].widget = LevelButtons(choices=scale_choices(scale.likelihood))
        self.fields["impact"].widget = LevelButtons(choices=scale_choices(scale.impact))
        for field in self.fields.values():
            field.error_messages["invalid"] = _("Elija un valor de la lista.")

    def both_or_none(self) -> bool:
        data = self.cleaned_data
        return (data.get("likelihood") is None) == (data.get("impact") is None)


TALLY_SEXES = (("F", _("Mujeres")), ("M", _("Hombres")))
TALLY_DIMENSIONS = (("likelihood", _("Probabilidad")), ("impact", _("Impacto")))


class TallyForm(forms.Form):
    """How many women and how many men chose each level, one small box per level.

    A box left empty is 0. The fields are named <sex>-<dimension>-<level> so a phone can send
    the whole count each time a box changes.
    """

    def __init__(self, *args, scale: RatingScale, present: dict[str, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.present = present
        self.rows = []
        for sex, sex_label in TALLY_SEXES:
            for dimension, dimension_label in TALLY_DIMENSIONS:
                names = []
                for level in getattr(scale, dimension):
                    name = f"{sex}-{dimension}-{level['value']}"
                    self.fields[name] = forms.IntegerField(
                        label=f"{sex_label}, {dimension_label.lower()} {level['value']} "
                        f"({level['label']})",
                        required=False,
                        min_value=0,
                        max_value=999,
                        error_messages={
                            "invalid": _("Escriba cuántas personas, con números."),
                            "min_value": _("Un conteo no puede ser negativo."),
                            "max_value": _("Ese conteo es demasiado grande."),
                        },
                        widget=forms.TextInput(
                            attrs={
                                "inputmode": "numeric",
                                "pattern": "[0-9]*",
                                "autocomplete": "off",
                                "maxlength": "3",
                                "data-tally-most": present.get(sex, 0),
                            }
                        ),
                    )
                    names.append((level, name))
                self.rows.append(
                    {
                        "sex": sex,
                        "sex_label": sex_label,
                        "dimension_label": dimension_label,
                        "boxes": [(level, self[name]) for level, name in names],
                    }
                )

    def counts(self, sex: str, dimension: str) -> dict[int, int]:
        prefix = f"{sex}-{dimension}-"
        return {
            int(name[len(prefix) :]): value or 0
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix)
        }


class OwnRiskForm(RecordIdForm):
    own_title = forms.CharField(
        label=_("Riesgo que el grupo agrega"),
        max_length=300,
        help_text=_("Con las palabras del grupo; por ejemplo «Se pierden las llaves del tanque»."),
    )

    def clean_own_title(self) -> str:
        title = self.cleaned_data["own_title"].strip()
        if not title:
            raise ValidationError(_("Escriba el riesgo que el grupo quiere agregar."))
        return title


class TopThreeForm(forms.Form):
    first = forms.TypedChoiceField(label=_("Primer problema"), coerce=int, empty_value=None)
    second = forms.TypedChoiceField(
        label=_("Segundo problema"), coerce=int, empty_value=None, required=False
    )
    third = forms.TypedChoiceField(
        label=_("Tercer problema"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, rated: list[AssessedRisk], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(a.pk), getattr(a, "label", a.title)) for a in rated]
        for field in self.fields.values():
            field.choices = choices
        self.fields["first"].error_messages["required"] = _("Elija al menos el primer problema.")
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _(
                "Ese riesgo no tiene valoración del grupo; elija uno de la lista."
            )

    def ordered_ids(self) -> list[int]:
        return [
            self.cleaned_data[name]
            for name in ("first", "second", "third")
            if self.cleaned_data.get(name) is not None
        ]


class RoadmapItemForm(forms.ModelForm):
    record_id = RecordIdField()

    class Meta:
        model = RoadmapItem
        fields = ["record_id", "tool", "action", "responsible", "deadline", "done_when"]
        widgets = {
            "deadline": date_widget(),
            "action": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, catalogue: CatalogueVersion, suggested: list[Tool], **kwargs):
        super().__init__(*args, **kwargs)
        give_record_id(self)
        tool = self.fields["tool"]
        tool.queryset = Tool.objects.filter(version=catalogue)
        suggested_ids = {t.pk for t in suggested}
        others = [t for t in tool.queryset.order_by("name") if t.pk not in suggested_ids]
        # Suggested tools first: they are the catalogue's answer to this risk.
        choices = [("", _("— sin herramienta del catálogo —"))]
        if suggested:
            choices += [
                (_("Sugeridas para este riesgo"), [(t.pk, t.name) for t in suggested]),
                (_("Otras herramientas"), [(t.pk, t.name) for t in others]),
            ]
        else:
            # The group's own risks have no suggestions: a plain list, without an empty group.
            choices += [(t.pk, t.name) for t in others]
        tool.choices = choices
        tool.required = False
        required = {
            "action": _("Escriba qué se hará."),
            "responsible": _("Escriba quién lo hará: un cargo o una persona."),
            "deadline": _("Ponga para cuándo debe quedar hecha."),
            "done_when": _("Escriba cómo sabrán que está hecha."),
        }
        for name, message in required.items():
            self.fields[name].error_messages["required"] = message
        self.fields["deadline"].error_messages["invalid"] = _(
            "Escriba la fecha como día/mes/año, por ejemplo 28/02/2027."
        )

    def validate_unique(self) -> None:
        # A repeated record id means the form was sent twice; the view answers that case.
        pass


class SetAsideForm(forms.Form):
    """An entry of the cycle's catalogue that does not apply to this group, and why."""

    entry = forms.ChoiceField(
        label=_("Punto o riesgo que no aplica"),
        error_messages={
            "required": _("Elija el punto o riesgo que no aplica."),
            "invalid_choice": _("Ese punto ya no está en la lista; recargue la página."),
        },
    )
    reason = forms.CharField(
        label=_("Por qué no aplica a este grupo"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Diga por qué este punto no aplica a este grupo.")},
        help_text=_("La razón queda en el ciclo y se ve en la lista y en el resumen."),
    )

    def __init__(self, *args, checklist, risks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [
            ("", _("— elija —")),
            (_("Lista de cumplimiento"), [(i.code, f"{i.code}. {i.text}") for i in checklist]),
            (_("Riesgos del catálogo"), [(r.code, f"{r.code}. {r.title}") for r in risks]),
        ]
