"""The public complaint form and the tracking-code form: what anyone may send without an account,
and the limits that keep a phone's mistake or a script's flood out of a committee's register."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.integrity.followup_forms import record_id_input
from ojodeagua.integrity.register import normalise_tracking_code
from ojodeagua.lib.forms import date_widget
from ojodeagua.providers.models import Sex

# Long enough for "what happened, where, since when" in a person's own words; a longer text is
# not a complaint someone typed on a phone.
WHAT_MAX = 2000
PHONE_PATTERN = re.compile(r"^\+?[\d\s().-]{7,20}$")
# The trap's name looks worth filling to a script; people never see it (hidden, skipped by tab).
HONEYPOT = "sitio_web"


class PublicComplaintForm(forms.Form):
    provider = forms.TypedChoiceField(
        label=gettext_lazy("¿De qué servicio se queja?"), coerce=int, widget=forms.RadioSelect
    )
    what = forms.CharField(
        label=gettext_lazy("¿Qué pasó?"),
        max_length=WHAT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Por ejemplo: no llega agua desde hace tres días a mi calle."),
    )
    where = forms.CharField(
        label=gettext_lazy("¿Dónde? (calle, barrio, toma)"), max_length=200, required=False
    )
    since = forms.DateField(
        label=gettext_lazy("¿Desde cuándo?"), required=False, widget=date_widget()
    )
    reported_by = forms.CharField(
        label=gettext_lazy("Su nombre (si quiere darlo)"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Solo lo verá el comité. Nunca sale en la página pública."),
    )
    reporter_phone = forms.CharField(
        label=gettext_lazy("Su teléfono (si quiere que le llamen)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("Solo lo verá el comité."),
    )
    reporter_sex = forms.ChoiceField(
        label=gettext_lazy("¿Usted es mujer u hombre? (si quiere decirlo)"),
        required=False,
        choices=[
            ("", gettext_lazy("no digo")),
            (Sex.FEMALE.value, Sex.FEMALE.label),
            (Sex.MALE.value, Sex.MALE.label),
        ],
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Solo para contar cuántas quejas presentan las mujeres y cuántas los hombres."
        ),
    )
    record_id = record_id_input()
    sitio_web = forms.CharField(
        label=gettext_lazy("No escriba nada aquí"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, providers: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = providers
        if len(providers) == 1:
            self.fields["provider"].initial = providers[0][0]
            self.fields["provider"].widget = forms.HiddenInput()

    def clean_sitio_web(self) -> str:
        if self.cleaned_data.get(HONEYPOT):
            raise forms.ValidationError(
                _("Deje vacío el campo «No escriba nada aquí» y vuelva a enviar su queja.")
            )
        return ""

    def clean_reporter_phone(self) -> str:
        phone = self.cleaned_data["reporter_phone"].strip()
        if phone and not PHONE_PATTERN.match(phone):
            raise forms.ValidationError(
                _("Escriba el teléfono solo con números, por ejemplo 961 123 4567.")
            )
        return phone

    def clean_since(self):
        since = self.cleaned_data.get("since")
        if since and since > timezone.localdate():
            raise forms.ValidationError(_("«Desde cuándo» no puede ser después de hoy."))
        return since


class FollowForm(forms.Form):
    codigo = forms.CharField(
        label=gettext_lazy("Código de su queja"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=gettext_lazy("Son 8 letras y números, como ABCD-2345."),
    )

    def clean_codigo(self) -> str:
        code = normalise_tracking_code(self.cleaned_data["codigo"])
        if code is None:
            raise forms.ValidationError(
                _("Ese código no está bien escrito: son 8 letras y números, como ABCD-2345.")
            )
        return code
