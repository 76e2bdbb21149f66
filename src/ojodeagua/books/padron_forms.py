"""Forms of the padrón and tariff pages: a household with its tomas, tariffs, rules, settings."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ojodeagua.imports.forms import SpreadsheetField
from ojodeagua.lib.forms import date_widget
from ojodeagua.pages.forms import ScopedInlineFormSet
from ojodeagua.providers.models import Provider

from . import padron
from .models import BooksSettings, Connection, ExemptionRule, Household, Tariff


def decimal_widget() -> forms.TextInput:
    # Phones show the numeric keypad with a decimal point.
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


# Kept here for the forms and views that import it from the padrón forms.
provider_localities = padron.provider_localities


class PadronFilter(forms.Form):
    """The padrón list's search box and status filter (GET)."""

    STATUS_CHOICES = [
        ("", _("Todas")),
        *Connection.Status.choices,
        ("none", _("sin toma")),
    ]

    q = forms.CharField(label=_("Buscar"), required=False, max_length=100)
    estado = forms.ChoiceField(label=_("Estado de la toma"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, with_names: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = (
            _("Número, nombre, toma o localidad") if with_names else _("Número, toma o localidad")
        )


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["number", "name", "locality", "reference", "people", "registered_on", "notes"]
        widgets = {
            "registered_on": date_widget(),
            "people": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.instance.provider = provider
        self.fields["locality"].queryset = provider_localities(
            provider, self.instance.locality_id if self.instance.pk else None
        )

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        candidate = Household(pk=self.instance.pk, provider=self.provider, number=number)
        if refused := padron.household_number_taken(candidate):
            raise ValidationError(refused)
        return number


class ConnectionForm(forms.ModelForm):
    class Meta:
        model = Connection
        fields = ["code", "kind", "status", "exemption", "exemption_reason", "connected_on"]
        widgets = {"connected_on": date_widget()}

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.provider = provider
        self.fields["code"].required = True
        self.fields["exemption"].queryset = ExemptionRule.objects.filter(provider=provider)
        self.fields["exemption"].help_text = _(
            "Las reglas las aprueba la asamblea; se agregan en «Tarifas y exenciones»."
        )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class BaseConnectionFormSet(ScopedInlineFormSet):
    """The tomas of one household. A toma is never deleted (its charges and payments point
    at it): to stop it, mark it suspended."""

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        self.provider = provider
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["provider"] = self.provider
        return kwargs

    def clean(self) -> None:
        super().clean()
        seen: dict[str, int] = {}
        for index, form in enumerate(self.forms):
            if not hasattr(form, "cleaned_data") or not form.has_changed():
                continue
            code = form.cleaned_data.get("code")
            if not code:
                continue
            if code in seen:
                form.add_error("code", _("Ese número de toma ya está en otra fila; cámbielo."))
                continue
            seen[code] = index
            taken = (
                Connection.objects.filter(provider=self.provider, code=code)
                .exclude(pk=form.instance.pk)
                .exists()
            )
            if taken:
                form.add_error(
                    "code",
                    _("La toma %(code)s ya es de otro hogar de este padrón; use otro número.")
                    % {"code": code},
                )


ConnectionFormSet = forms.inlineformset_factory(
    Household,
    Connection,
    form=ConnectionForm,
    formset=BaseConnectionFormSet,
    extra=1,
    can_delete=False,
)


class PadronImportForm(forms.Form):
    file = SpreadsheetField(label=_("Archivo del padrón"))
    dry_run = forms.BooleanField(
        label=_("Solo revisar, sin guardar nada"), required=False, initial=True
    )
    strict = forms.BooleanField(
        label=_("No guardar nada si alguna fila tiene errores"), required=False
    )


class TariffForm(forms.ModelForm):
    class Meta:
        model = Tariff
        fields = ["kind", "amount", "description", "valid_from", "approved_on", "minutes_reference"]
        widgets = {
            "amount": decimal_widget(),
            "valid_from": date_widget(),
            "approved_on": date_widget(),
        }
        help_texts = {
            "valid_from": _(
                "Desde este día se cobra la tarifa nueva; la anterior del mismo tipo deja de valer."
            ),
            "minutes_reference": _("Por ejemplo: acta de la asamblea del 12 de enero, libro 2."),
        }

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.provider = provider
        self.fields["amount"].label = _("Monto ($)")

    def _post_clean(self) -> None:
        # After the instance has the form's values, which ``clean()`` runs before.
        super()._post_clean()
        if not self.errors:
            try:
                padron.check_new_tariff(self.instance)
            except ValidationError as error:
                self._update_errors(error)


class ExemptionRuleForm(forms.ModelForm):
    class Meta:
        model = ExemptionRule
        fields = ["name", "discount_percent", "approved_on", "minutes_reference"]
        widgets = {
            "discount_percent": forms.NumberInput(
                attrs={"inputmode": "numeric", "min": 1, "max": 100}
            ),
            "approved_on": date_widget(),
        }
        help_texts = {
            "name": _("Por ejemplo: personas adultas mayores, viudas, toma de la escuela."),
        }

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.provider = provider

    def _post_clean(self) -> None:
        # After the instance has the form's values, which ``clean()`` runs before.
        super()._post_clean()
        if not self.errors:
            try:
                padron.check_exemption_rule(self.instance)
            except ValidationError as error:
                self._update_errors(error)


class BooksSettingsForm(forms.ModelForm):
    class Meta:
        model = BooksSettings
        fields = ["quotes_threshold", "threshold_approved_on", "bottled_jug_price"]
        widgets = {
            "quotes_threshold": decimal_widget(),
            "threshold_approved_on": date_widget(),
            "bottled_jug_price": decimal_widget(),
        }
        help_texts = {
            "quotes_threshold": _(
                "Un gasto de este monto o más necesita tres cotizaciones anotadas."
            ),
            "bottled_jug_price": _(
                "Lo que cuesta un garrafón de 20 litros en las tiendas de la localidad, para "
                "comparar el precio del kiosco."
            ),
        }

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.provider = provider
        self.fields["threshold_approved_on"].required = True
        if provider.kind not in {Provider.Kind.KIOSK, Provider.Kind.SCHOOL}:
            del self.fields["bottled_jug_price"]

    def clean_threshold_approved_on(self):
        day = self.cleaned_data["threshold_approved_on"]
        if day and day > timezone.localdate():
            raise ValidationError(
                _(
                    "La fecha de la asamblea no puede ser posterior a hoy; anote el día en que "
                    "se aprobó."
                )
            )
        return day

    def clean_quotes_threshold(self):
        amount = self.cleaned_data["quotes_threshold"]
        if amount is not None and amount <= 0:
            raise ValidationError(_("Anote un monto mayor que cero."))
        return amount
