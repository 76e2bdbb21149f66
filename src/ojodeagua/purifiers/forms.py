"""The purifier register's entry forms: what a phone's browser asks, handed to ``services``.

The forms only read what was typed (dates, numbers, yes or no) and offer choices inside the
user's scope; every rule of the register is the services' (and the models'), so the pages say
exactly what the API and the importer say.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from ojodeagua.facilities.models import School
from ojodeagua.lib.forms import date_widget
from ojodeagua.lib.records import new_record_id
from ojodeagua.monitoring.forms import yes_no_field
from ojodeagua.organisations.scope import Scope
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

from .models import LAMP_LIFE_MONTHS, NOTES_MAX_LENGTH, EcoliTest, Unit

# More localities than this in the user's area and the form asks for the locality's key.
MAX_LOCALITY_CHOICES = 300


def record_id_input() -> forms.CharField:
    """Made when the form is first shown, so sending it twice saves one record."""
    return forms.CharField(
        widget=forms.HiddenInput, initial=new_record_id, max_length=64, required=False
    )


def notes_input() -> forms.CharField:
    return forms.CharField(
        label=_("Notas"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def decimal_input(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class UnitForm(forms.Form):
    locality = forms.ModelChoiceField(
        label=_("Localidad"), queryset=Locality.objects.none(), empty_label=_("— elija —")
    )
    owner = forms.ChoiceField(
        label=_("Dónde está"),
        choices=Unit.Owner.choices,
        initial=Unit.Owner.HOUSEHOLD,
        widget=forms.RadioSelect,
    )
    place_label = forms.CharField(
        label=_("Vivienda o lugar"),
        max_length=60,
        required=False,
        help_text=Unit._meta.get_field("place_label").help_text,
    )
    school = forms.ModelChoiceField(
        label=_("Escuela"),
        queryset=School.objects.none(),
        required=False,
        empty_label=_("— solo si está en una escuela —"),
    )
    provider = forms.ModelChoiceField(
        label=_("Comité u organización que lo acompaña"),
        queryset=Provider.objects.none(),
        required=False,
        empty_label=_("— ninguno —"),
    )
    unit_model = forms.CharField(label=_("Modelo"), max_length=100, required=False)
    installed_on = forms.DateField(label=_("Instalado el"), widget=date_widget())
    lamp_installed_on = forms.DateField(
        label=_("Lámpara puesta el"),
        required=False,
        widget=date_widget(),
        help_text=_("Si la deja vacía, es el día en que se instaló."),
    )
    lamp_due_on = forms.DateField(
        label=_("Cambiar la lámpara a más tardar el"),
        required=False,
        widget=date_widget(),
    )
    notes = notes_input()
    record_id = record_id_input()

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        localities = scope.visible(Locality.objects.all()).order_by("name", "key")
        field = self.fields["locality"]
        field.queryset = localities
        if localities.count() > MAX_LOCALITY_CHOICES:
            # A whole state's localities would make the page too heavy for a phone: the key
            # is typed instead, as in the import files.
            field.to_field_name = "key"
            field.widget = forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 9})
            field.help_text = _("Clave INEGI de 9 dígitos de la localidad.")
            field.error_messages["invalid_choice"] = _(
                "No hay una localidad con esa clave en su área; escriba la clave INEGI de 9 "
                "dígitos."
            )
            chosen = self.initial.get("locality")
            if isinstance(chosen, int):
                self.initial["locality"] = (
                    localities.filter(pk=chosen).values_list("key", flat=True).first()
                )
        self.fields["school"].queryset = scope.visible(School.objects.all()).select_related(
            "locality"
        )
        self.fields["provider"].queryset = scope.editable(Provider.objects.all())
        self.fields["lamp_due_on"].help_text = _(
            "Si la deja vacía, se ponen %(months)s meses después de poner la lámpara."
        ) % {"months": LAMP_LIFE_MONTHS}


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Fecha de la visita"), widget=date_widget())
    in_use = yes_no_field(_("¿Se está usando?"), _("Diga si el purificador se está usando."))
    is_clean = yes_no_field(_("¿Está limpio?"), _("Diga si el purificador está limpio."))
    lamp_working = yes_no_field(_("¿La lámpara enciende?"), _("Diga si la lámpara enciende."))
    stored_water_covered = yes_no_field(
        _("¿El agua guardada está tapada?"), _("Diga si el agua guardada está tapada.")
    )
    notes = notes_input()
    record_id = record_id_input()


class EcoliTestForm(forms.Form):
    sampled_on = forms.DateField(label=_("Fecha de la muestra"), widget=date_widget())
    method = forms.ChoiceField(
        label=_("Método"), choices=EcoliTest.Method.choices, initial=EcoliTest.Method.MPN
    )
    ecoli_before = decimal_input(_("E. coli antes del purificador (por 100 mL)"))
    ecoli_after = decimal_input(_("E. coli después del purificador (por 100 mL)"))
    notes = notes_input()
    record_id = record_id_input()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ecoli_after"].help_text = _(
            "Si no se detectó E. coli, escriba 0. Menos de 1 por 100 mL cuenta como agua sin "
            "E. coli."
        )


class LampChangeForm(forms.Form):
    done_on = forms.DateField(label=_("Fecha del cambio"), widget=date_widget())
    lamp_due_on = forms.DateField(
        label=_("Cambiar la nueva lámpara a más tardar el"),
        required=False,
        widget=date_widget(),
    )
    notes = notes_input()
    record_id = record_id_input()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lamp_due_on"].help_text = _(
            "Si la deja vacía, se ponen %(months)s meses después del cambio."
        ) % {"months": LAMP_LIFE_MONTHS}


class RepairForm(forms.Form):
    done_on = forms.DateField(label=_("Fecha de la reparación"), widget=date_widget())
    what = forms.CharField(label=_("Qué se reparó"), max_length=300)
    notes = notes_input()
    record_id = record_id_input()


class RetireForm(forms.Form):
    retired_on = forms.DateField(label=_("Retirado el"), widget=date_widget())
    retired_reason = forms.CharField(label=_("Por qué se retira"), max_length=200)
