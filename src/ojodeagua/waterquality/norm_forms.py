"""Forms coordinators use to edit norm versions, their limits and the parameters' names."""

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.lib.folding import fold
from ojodeagua.pages.forms import ScopedModelForm

from . import units
from .models import Limit, NormVersion, Parameter
from .verdicts import name_key

date_widget = ScopedModelForm.date_widget
decimal_widget = ScopedModelForm.decimal_widget


class NormVersionForm(forms.ModelForm):
    class Meta:
        model = NormVersion
        fields = ["name", "in_force_from", "in_force_until", "basis"]
        help_texts = {
            "in_force_until": gettext_lazy("Déjelo vacío si sigue vigente."),
        }
        widgets = {
            "in_force_from": date_widget(),
            "in_force_until": date_widget(),
            "basis": forms.Textarea(attrs={"rows": 5}),
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        norm_id = self.instance.norm_id
        others = NormVersion.objects.filter(norm_id=norm_id, name__iexact=name)
        if norm_id and others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("Esta norma ya tiene una versión llamada «%(name)s»; use otro nombre.")
                % {"name": name}
            )
        return name


class NormVersionCopyForm(NormVersionForm):
    """A new version that starts as a copy of an existing one, limits included."""

    close_source = forms.BooleanField(
        label=gettext_lazy("Terminar la versión copiada el día antes de que empiece la nueva"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, source: NormVersion, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        self.instance.norm = source.norm

    def clean(self) -> dict:
        data = super().clean()
        start = data.get("in_force_from")
        if data.get("close_source") and start and start <= self.source.in_force_from:
            self.add_error(
                "in_force_from",
                _(
                    "Para terminar la versión «%(name)s» antes de la nueva, la nueva debe empezar "
                    "después del %(day)s. Cambie la fecha o desmarque esa casilla."
                )
                % {"name": self.source.name, "day": self.source.in_force_from.strftime("%d/%m/%Y")},
            )
        return data

    def source_end(self) -> datetime.date | None:
        """The day the copied version should end, or None to leave it as it is."""
        start = self.cleaned_data["in_force_from"]
        until = self.source.in_force_until
        if not self.cleaned_data.get("close_source") or (until and until < start):
            return None
        return start - datetime.timedelta(days=1)


class LimitForm(forms.ModelForm):
    class Meta:
        model = Limit
        fields = list(Limit.DEFINITION_FIELDS)
        labels = {"parameter": gettext_lazy("parámetro")}
        help_texts = {
            "minimum": gettext_lazy("Sólo para un intervalo (por ejemplo pH de 6.5 a 8.5)."),
            "unit": gettext_lazy("Por ejemplo mg/L, µg/L, mg/L como N, NTU, U Pt-Co, /100 mL."),
            "applies_from": gettext_lazy(
                "Para límites escalonados. Vacío: desde que la versión entra en vigor."
            ),
            "applies_until": gettext_lazy("Vacío: mientras la versión siga vigente."),
            "population_min": gettext_lazy(
                "Sólo si el límite depende del tamaño de la localidad; vacío si aplica a todas."
            ),
            "population_max": gettext_lazy("Vacío si no hay tope."),
        }
        widgets = {
            "minimum": decimal_widget(),
            "maximum": decimal_widget(),
            "applies_from": date_widget(),
            "applies_until": date_widget(),
            "population_min": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "population_max": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, version: NormVersion, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.version = version
        field = self.fields["parameter"]
        # In alphabetical order as a reader expects it: "Ácido…" beside "Aluminio", not last.
        parameters = sorted(Parameter.objects.all(), key=lambda p: fold(p.name))
        field.choices = [("", "---------"), *((p.pk, p.name) for p in parameters)]

    def clean_unit(self) -> str:
        unit = self.cleaned_data["unit"].strip()
        try:
            units.parse_unit(unit)
        except units.UnitError as error:
            raise forms.ValidationError(str(error)) from error
        return unit

    def clean(self) -> dict:
        data = super().clean()
        rule = data.get("rule")
        minimum, maximum = data.get("minimum"), data.get("maximum")
        if rule == Limit.Rule.NOT_DETECTABLE:
            # "Not detectable" compares against detection, not against a number.
            data["minimum"] = data["maximum"] = None
            self.instance.minimum = self.instance.maximum = None
        elif rule == Limit.Rule.MAXIMUM and minimum is not None:
            self.add_error(
                "minimum",
                _("Un límite máximo no lleva mínimo; bórrelo o elija la regla «intervalo»."),
            )
        if rule == Limit.Rule.RANGE and None not in (minimum, maximum) and minimum > maximum:
            self.add_error("maximum", _("El máximo no puede ser menor que el mínimo."))
        for name in ("minimum", "maximum"):
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, _("El valor no puede ser negativo."))
        start, end = data.get("applies_from"), data.get("applies_until")
        if start and end and end < start:
            self.add_error(
                "applies_until", _("«Aplica hasta» no puede ser antes de «aplica desde».")
            )
        low, high = data.get("population_min"), data.get("population_max")
        if low is not None and high is not None and high < low:
            self.add_error(
                "population_max", _("La población máxima no puede ser menor que la mínima.")
            )
        if data.get("unit") == "" and rule != Limit.Rule.NOT_DETECTABLE:
            self.add_error("unit", _("Anote la unidad del límite; sin ella no se puede comparar."))
        return data


class AliasesField(forms.CharField):
    """Aliases edited one per line."""

    widget = forms.Textarea(attrs={"rows": 6})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        names = [line.strip() for line in text.replace(";", "\n").splitlines()]
        return list(dict.fromkeys(name for name in names if name))


class ParameterForm(forms.ModelForm):
    aliases = AliasesField(
        label=gettext_lazy("otros nombres"),
        required=False,
        help_text=gettext_lazy(
            "Uno por renglón: como lo escriben los laboratorios. No importan acentos ni mayúsculas."
        ),
    )

    class Meta:
        model = Parameter
        fields = ["name", "name_en", "symbol", "aliases", "unit"]

    def clean_unit(self) -> str:
        unit = self.cleaned_data["unit"].strip()
        try:
            units.parse_unit(unit)
        except units.UnitError as error:
            raise forms.ValidationError(str(error)) from error
        return unit

    def clean(self) -> dict:
        data = super().clean()
        # A chemical symbol is what a laboratory may write in the unit ("mg/L Zn").
        symbol = units.SUBSTANCES.get((data.get("symbol") or "").strip().lower())
        if symbol and not self.instance.reported_bases:
            self.instance.reported_bases = [symbol]
        # A name another parameter already answers to would make results ambiguous.
        taken: dict[str, Parameter] = {}
        for other in Parameter.objects.exclude(pk=self.instance.pk):
            for name in other.all_names():
                if key := name_key(name):
                    taken.setdefault(key, other)
        own = {"name": data.get("name"), "name_en": data.get("name_en")}
        own["symbol"] = data.get("symbol")
        for field_name, name in own.items():
            other = taken.get(name_key(name or ""))
            if other is not None:
                self.add_error(field_name, self._clash(name, other))
        clashes = [
            (alias, taken[name_key(alias)])
            for alias in data.get("aliases") or []
            if name_key(alias) in taken
        ]
        if clashes:
            self.add_error("aliases", [self._clash(alias, other) for alias, other in clashes])
        return data

    @staticmethod
    def _clash(name: str, other: Parameter) -> str:
        return _("«%(name)s» ya es un nombre de %(other)s; quítelo de aquí o de ese parámetro.") % {
            "name": name,
            "other": other.name,
        }
