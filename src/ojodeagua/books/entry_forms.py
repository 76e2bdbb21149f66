"""Forms of the treasurer's day-to-day pages: payments, charges, cash, deposits, expenses, sales.

The forms only read what was typed, in the words a treasurer uses; the rules about money (no
deposit above the cash, three quotes from the threshold, receipt numbers) live in the domain
functions (``payments``, ``charges``, ``cash``), whose ``ValidationError`` the pages show as they
come. Each form that makes a record carries a hidden ``record_id`` made when the form is first
shown, so a double tap or a resend records once.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.lib.forms import date_widget
from ojodeagua.lib.records import new_record_id
from ojodeagua.lib.uploads import checked_evidence
from ojodeagua.providers.models import Provider

from .models import Connection, Expense, MoneyAccount, Payment, Sale, Signer
from .postings import day_refusal

CENT = Decimal("0.01")
# "1,234.50": commas only as thousands separators, a point for the cents (as in Mexico).
THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")


def record_id_input() -> forms.CharField:
    """Made when the form is first shown, so sending it twice saves one record."""
    return forms.CharField(
        widget=forms.HiddenInput, initial=new_record_id, max_length=64, required=False
    )


def decimal_widget(**attrs) -> forms.TextInput:
    # Phones show the numeric keypad with a decimal point.
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})


def parse_amount(text: str) -> Decimal:
    """What a treasurer types as money ("$1,200", "150.5", "80") as a Decimal with cents."""
    cleaned = (text or "").strip().replace("$", "").replace(" ", "")
    if "," in cleaned:
        if not THOUSANDS.match(cleaned):
            raise ValidationError(
                _("Escriba los centavos con punto, no con coma: por ejemplo 150.50 o 1,200.00."),
                code="invalid",
            )
        cleaned = cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(
            _("«%(value)s» no es un monto; escríbalo con números, por ejemplo 150.50.")
            % {"value": text},
            code="invalid",
        ) from None
    if not amount.is_finite():
        raise ValidationError(_("Escriba el monto con números, por ejemplo 150.50."))
    if amount != amount.quantize(CENT):
        raise ValidationError(_("El monto lleva a lo más dos decimales (centavos)."))
    return amount.quantize(CENT)


class MoneyField(forms.CharField):
    """An amount in pesos; more than zero unless ``allow_zero``."""

    def __init__(self, *, allow_zero: bool = False, **kwargs) -> None:
        self.allow_zero = allow_zero
        kwargs.setdefault("widget", decimal_widget(maxlength="20"))
        super().__init__(**kwargs)
        self.error_messages["required"] = gettext_lazy(
            "Anote el monto, con números; por ejemplo 150.50."
        )

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        amount = parse_amount(text)
        if amount < 0 or (amount == 0 and not self.allow_zero):
            raise ValidationError(_("Anote un monto mayor que cero."), code="min_value")
        if amount >= Decimal("10000000000"):
            raise ValidationError(_("Ese monto es demasiado grande; revíselo."), code="max_value")
        return amount


def money_day(day: datetime.date | None) -> datetime.date | None:
    """The day money moved, refused at its field as the books' functions would refuse it."""
    if day and (refusal := day_refusal(day)):
        raise ValidationError(refusal, code="date")
    return day


def day_field(label) -> forms.DateField:
    return forms.DateField(label=label, widget=date_widget(), initial=timezone.localdate)


def photo_field(label) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        help_text=gettext_lazy("Foto JPG, PNG o WebP, o un PDF; hasta 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}
        ),
    )


# Payments ----------------------------------------------------------------------------------------
class TomaSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Buscar la toma"), required=False, max_length=100)

    def __init__(self, *args, with_names: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {
                "placeholder": _("Número de toma, número en el padrón o nombre")
                if with_names
                else _("Número de toma o número en el padrón"),
                "autocomplete": "off",
                "enterkeyhint": "search",
            }
        )


class TomaField(forms.ModelChoiceField):
    """The toma a payment is for. When many payment forms are read at once (the phone's waiting
    payments), their tomas are read beforehand in one query and given as ``known``."""

    known: dict[int, Connection] | None = None

    def to_python(self, value):
        if self.known is None or value in self.empty_values:
            return super().to_python(value)
        try:
            return self.known[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class PaymentForm(forms.Form):
    record_id = record_id_input()
    toma = TomaField(queryset=Connection.objects.none(), required=False, widget=forms.HiddenInput)
    amount = MoneyField(label=gettext_lazy("Monto que paga ($)"))
    paid_on = day_field(gettext_lazy("Fecha del pago"))
    method = forms.ChoiceField(
        label=gettext_lazy("Forma de pago"),
        choices=Payment.Method.choices,
        initial=Payment.Method.CASH,
        widget=forms.RadioSelect,
    )
    concept = forms.CharField(
        label=gettext_lazy("Concepto"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Si lo deja vacío, el recibo dice qué meses se pagaron. Por ejemplo: «cuota de "
            "enero y febrero»."
        ),
    )

    def __init__(
        self, *args, provider: Provider, tomas: dict[int, Connection] | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["toma"].queryset = Connection.objects.filter(provider=provider)
        # Only tomas of this provider may be given here: the batch reads them with it.
        self.fields["toma"].known = tomas
        self.fields["toma"].error_messages["invalid_choice"] = _(
            "Esa toma no está en el padrón de este comité; búsquela otra vez."
        )

    def clean_paid_on(self):
        return money_day(self.cleaned_data["paid_on"])

    def clean(self):
        data = super().clean()
        # Only when no toma was meant: a toma that failed its own check already says so.
        no_toma = "toma" in data and data["toma"] is None
        if no_toma and not (data.get("concept") or "").strip():
            self.add_error(
                "concept",
                _("Un pago sin toma necesita su concepto: diga qué se pagó (donativo, venta…)."),
            )
        return data


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Por qué se cancela"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text=gettext_lazy(
            "Por ejemplo: «se anotó dos veces» o «el monto estaba mal». La razón queda en las "
            "cuentas y se ve en el recibo."
        ),
        error_messages={
            "required": gettext_lazy("Escriba por qué se cancela el recibo; queda en las cuentas.")
        },
    )


class ReceiptSheetForm(forms.Form):
    """Which receipts to print four to a page: a list of numbers, or the days they were paid."""

    numeros = forms.CharField(
        label=gettext_lazy("Números de recibo"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Separados por comas; un guion para una serie: 12, 15, 20-31."),
    )
    desde = forms.DateField(
        label=gettext_lazy("Pagados desde"), required=False, widget=date_widget()
    )
    hasta = forms.DateField(label=gettext_lazy("hasta"), required=False, widget=date_widget())

    MAX_RECEIPTS = 400

    def clean_numeros(self) -> list[int]:
        text = self.cleaned_data["numeros"].strip()
        numbers: list[int] = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            match = re.fullmatch(r"(\d+)\s*-\s*(\d+)|(\d+)", part)
            if not match:
                raise ValidationError(
                    _("«%(part)s» no es un número de recibo; escriba por ejemplo 12, 15, 20-31.")
                    % {"part": part}
                )
            if match.group(3):
                numbers.append(int(match.group(3)))
                continue
            low, high = int(match.group(1)), int(match.group(2))
            if low > high or high - low >= self.MAX_RECEIPTS:
                raise ValidationError(
                    _("La serie %(part)s no se puede imprimir; use una serie más corta.")
                    % {"part": part}
                )
            numbers.extend(range(low, high + 1))
        if len(numbers) > self.MAX_RECEIPTS:
            raise ValidationError(
                _("Se imprimen hasta %(max)s recibos a la vez.") % {"max": self.MAX_RECEIPTS}
            )
        return numbers

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("desde"), data.get("hasta")
        if not data.get("numeros") and not (start and end):
            raise ValidationError(
                _("Escriba los números de recibo, o las dos fechas (desde y hasta).")
            )
        if start and end and start > end:
            self.add_error("hasta", _("Esta fecha va después de la fecha «desde»."))
        return data


# Charges -----------------------------------------------------------------------------------------
class MonthField(forms.DateField):
    """A month, typed as the phone's month picker sends it (2026-03) or as 03/2026."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%m/%Y", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class MonthForm(forms.Form):
    month = MonthField(label=gettext_lazy("Mes que se cobra"))


def toma_by_code(provider: Provider, code: str) -> Connection:
    code = (code or "").strip()
    toma = Connection.objects.filter(provider=provider, code__iexact=code).first()
    if toma is None:
        raise ValidationError(
            _("La toma «%(code)s» no está en el padrón de este comité; revise el número.")
            % {"code": code}
        )
    return toma


class OneOffChargeForm(forms.Form):
    """A fine or a new-connection fee for one toma; the approved tariff unless an amount is
    written."""

    record_id = record_id_input()
    toma = forms.CharField(label=gettext_lazy("Número de toma"), max_length=20)
    on = day_field(gettext_lazy("Fecha del cargo"))
    amount = MoneyField(
        label=gettext_lazy("Monto ($)"),
        required=False,
        help_text=gettext_lazy("Déjelo vacío para cobrar la tarifa que aprobó la asamblea."),
    )
    description = forms.CharField(
        label=gettext_lazy("Motivo o descripción"), max_length=200, required=False
    )

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.fields["toma"].widget.attrs["autocomplete"] = "off"

    def clean_toma(self) -> Connection:
        return toma_by_code(self.provider, self.cleaned_data["toma"])

    def clean_on(self):
        return money_day(self.cleaned_data["on"])


class CreditForm(forms.Form):
    record_id = record_id_input()
    reason = forms.CharField(
        label=gettext_lazy("Por qué se corrige"),
        max_length=200,
        help_text=gettext_lazy("Por ejemplo: «la toma estaba suspendida ese mes»."),
        error_messages={
            "required": gettext_lazy("Escriba por qué se corrige el cargo; queda en las cuentas.")
        },
    )
    amount = MoneyField(
        label=gettext_lazy("Monto que se corrige ($)"),
        required=False,
        help_text=gettext_lazy("Déjelo vacío para corregir todo lo que queda sin pagar del cargo."),
    )


# Cash, deposits, expenses, sales -----------------------------------------------------------------
class CashCountForm(forms.Form):
    record_id = record_id_input()
    counted_on = day_field(gettext_lazy("Fecha del corte"))
    counted = MoneyField(label=gettext_lazy("Lo que se contó en caja ($)"), allow_zero=True)
    first_signer = forms.ChoiceField(label=gettext_lazy("Firma 1 (cargo)"), choices=Signer.choices)
    second_signer = forms.ChoiceField(label=gettext_lazy("Firma 2 (cargo)"), choices=Signer.choices)
    notes = forms.CharField(
        label=gettext_lazy("Notas"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_signer"].initial = Signer.TREASURER
        self.fields["second_signer"].initial = Signer.VIGILANCE

    def clean_counted_on(self):
        return money_day(self.cleaned_data["counted_on"])


class DepositForm(forms.Form):
    record_id = record_id_input()
    account = forms.ModelChoiceField(
        label=gettext_lazy("Cuenta"), queryset=MoneyAccount.objects.none(), empty_label=None
    )
    deposited_on = day_field(gettext_lazy("Fecha del depósito"))
    amount = MoneyField(label=gettext_lazy("Monto depositado ($)"))
    slip_reference = forms.CharField(
        label=gettext_lazy("Folio de la ficha"), max_length=100, required=False
    )
    slip_photo = photo_field(gettext_lazy("Foto de la ficha de depósito"))

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = MoneyAccount.objects.filter(provider=provider)

    def clean_deposited_on(self):
        return money_day(self.cleaned_data["deposited_on"])

    def clean_slip_photo(self):
        return checked_evidence(self.cleaned_data.get("slip_photo"))


class ExpenseForm(forms.Form):
    record_id = record_id_input()
    spent_on = day_field(gettext_lazy("Fecha"))
    category = forms.ChoiceField(
        label=gettext_lazy("Categoría"),
        choices=[("", gettext_lazy("Elija la categoría")), *Expense.Category.choices],
        error_messages={"required": gettext_lazy("Elija la categoría del gasto.")},
    )
    amount = MoneyField(label=gettext_lazy("Monto ($)"))
    supplier = forms.CharField(label=gettext_lazy("A quién se pagó"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Qué se compró o pagó"), max_length=300)
    paid_from = forms.ChoiceField(
        label=gettext_lazy("Se pagó de"),
        choices=Expense.PaidFrom.choices,
        initial=Expense.PaidFrom.CASH,
        widget=forms.RadioSelect,
    )
    approved_by = forms.CharField(
        label=gettext_lazy("Quién lo autorizó"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Un cargo, por ejemplo «presidencia» o «asamblea del 12/01»."),
    )
    receipt_photo = photo_field(gettext_lazy("Foto del comprobante"))

    def clean_spent_on(self):
        return money_day(self.cleaned_data["spent_on"])

    def clean_receipt_photo(self):
        return checked_evidence(self.cleaned_data.get("receipt_photo"))


class QuoteForm(forms.Form):
    supplier = forms.CharField(label=gettext_lazy("Quién cotizó"), max_length=200, required=False)
    amount = MoneyField(label=gettext_lazy("Monto cotizado ($)"), required=False)
    chosen = forms.BooleanField(label=gettext_lazy("Se eligió esta"), required=False)

    def clean(self):
        data = super().clean()
        filled = data.get("supplier") or data.get("amount") is not None
        if filled and not self.errors:
            if not (data.get("supplier") or "").strip():
                self.add_error("supplier", _("Anote quién dio esta cotización."))
            if data.get("amount") is None:
                self.add_error("amount", _("Anote el monto de esta cotización."))
        return data

    def as_quote(self) -> dict | None:
        data = getattr(self, "cleaned_data", {})
        if not (data.get("supplier") or "").strip() and data.get("amount") is None:
            return None
        return {
            "supplier": data.get("supplier", ""),
            "amount": data.get("amount"),
            "chosen": bool(data.get("chosen")),
        }


QuoteFormSet = forms.formset_factory(QuoteForm, extra=3, max_num=6, absolute_max=6)


class SaleForm(forms.Form):
    record_id = record_id_input()
    sold_on = day_field(gettext_lazy("Fecha"))
    product = forms.ChoiceField(label=gettext_lazy("Qué se vendió"), choices=Sale.Product.choices)
    quantity = MoneyField(label=gettext_lazy("Cantidad"))
    unit_price = MoneyField(label=gettext_lazy("Precio de cada uno ($)"))
    litres = forms.DecimalField(
        label=gettext_lazy("Litros en total"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=1,
        widget=decimal_widget(),
        help_text=gettext_lazy("Si lo deja vacío, un garrafón cuenta como 20 litros."),
    )

    def clean_sold_on(self):
        return money_day(self.cleaned_data["sold_on"])

    def clean(self):
        data = super().clean()
        if (
            data.get("litres") is None
            and data.get("product") == Sale.Product.JUG_20L
            and data.get("quantity") is not None
        ):
            data["litres"] = (data["quantity"] * 20).quantize(Decimal("0.1"))
        return data


class OpeningBalanceForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Fecha"), widget=date_widget())
    cash = MoneyField(label=gettext_lazy("Dinero en caja ($)"), allow_zero=True, required=False)
    bank = MoneyField(
        label=gettext_lazy("En la cuenta de banco o cooperativa ($)"),
        allow_zero=True,
        required=False,
    )
    reserve = MoneyField(
        label=gettext_lazy("En el fondo de reserva ($)"), allow_zero=True, required=False
    )

    def clean_on(self):
        return money_day(self.cleaned_data["on"])


class MoneyAccountForm(forms.ModelForm):
    record_id = record_id_input()

    class Meta:
        model = MoneyAccount
        fields = ["institution", "kind", "last_digits", "is_reserve"]
        widgets = {"last_digits": forms.TextInput(attrs={"inputmode": "numeric"})}
        help_texts = {
            "last_digits": gettext_lazy(
                "Solo los últimos 4: el número completo no hace falta para seguir el dinero."
            ),
            "is_reserve": gettext_lazy(
                "Márquelo si en esta cuenta se guarda el fondo de reserva que acordó la asamblea."
            ),
        }

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.provider = provider

    def clean_last_digits(self) -> str:
        digits = self.cleaned_data["last_digits"].strip()
        if digits and not re.fullmatch(r"\d{4}", digits):
            raise ValidationError(_("Escriba los últimos 4 dígitos, solo números."))
        return digits
