"""The committee's books: who is served, what they owe, what was paid, spent and deposited.

Money is never edited in place. Payments, charges, deposits, expenses and sales are written once
(database triggers refuse to change them); a mistake is corrected by a new record (a void, a
credit) that posts a reversing ledger entry.
Every record that moves money posts a balanced ``JournalEntry``; the entries of a provider form a
hash chain (see ``ledger.py``) so that a change made behind the application's back is found.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.money import mxn
from ojodeagua.lib.records import record_id_field
from ojodeagua.providers.models import Provider, ProviderPartQuerySet

ZERO = Decimal("0.00")


def money(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


def positive_money(verbose_name, **kwargs) -> models.DecimalField:
    return money(verbose_name, validators=[MinValueValidator(Decimal("0.01"))], **kwargs)


class ProviderRecord(models.Model):
    """A row of one provider's books; it shares the provider's scope and audit trail.

    Who recorded, received or voided money stays on the record: the user links are PROTECT, so
    a person who kept the books is deactivated, never deleted (deleting would blank the name on
    rows that the database refuses to change anyway).
    """

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="+", verbose_name=_("comité")
    )

    objects = ProviderPartQuerySet.as_manager()

    class Meta:
        abstract = True

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.provider.municipality_id, self.provider_id


# The padrón ---------------------------------------------------------------------------------------
class Household(ProviderRecord):
    """A household on the user register (padrón). Its name is personal data."""

    record_id = record_id_field()
    number = models.CharField(_("número en el padrón"), max_length=20)
    name = models.CharField(_("nombre de quien encabeza"), max_length=200)
    locality = models.ForeignKey(
        "places.Locality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("localidad"),
    )
    reference = models.CharField(_("dirección o referencia"), max_length=200, blank=True)
    people = models.PositiveSmallIntegerField(_("personas en el hogar"), null=True, blank=True)
    registered_on = models.DateField(_("en el padrón desde"), null=True, blank=True)
    notes = models.TextField(_("notas"), blank=True)

    class Meta:
        ordering = ["provider", "number"]
        verbose_name = _("hogar del padrón")
        verbose_name_plural = _("padrón de usuarios")
        constraints = [
            models.UniqueConstraint(fields=["provider", "number"], name="one_padron_number")
        ]

    # Shown in the audit trail only to those who may read the padrón's names.
    PERSONAL_FIELDS = ("name", "reference", "notes")

    def __str__(self) -> str:
        # The number alone: this text also labels the record in the audit trail.
        return _("Hogar %(number)s") % {"number": self.number}


class ExemptionRule(ProviderRecord):
    """An exemption or discount the assembly approved (older adults, widows, public taps…)."""

    name = models.CharField(_("nombre"), max_length=200)
    discount_percent = models.PositiveSmallIntegerField(
        _("descuento (%)"), help_text=_("100 es exento de pagar la cuota.")
    )
    approved_on = models.DateField(_("aprobada por la asamblea el"))
    minutes_reference = models.CharField(_("acta de la asamblea"), max_length=200)

    class Meta:
        ordering = ["provider", "name"]
        verbose_name = _("regla de exención")
        verbose_name_plural = _("reglas de exención")

    def __str__(self) -> str:
        return f"{self.name} ({self.discount_percent} %)"

    def clean(self) -> None:
        if not 1 <= self.discount_percent <= 100:
            raise ValidationError({"discount_percent": _("El descuento va de 1 a 100 %.")})


class Connection(ProviderRecord):
    """A water connection (toma): a house connection, or a public tap several households use."""

    class Kind(models.TextChoices):
        HOUSE = "house", _("toma domiciliaria")
        PUBLIC_TAP = "public_tap", _("toma pública (hidrante)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("activa")
        SUSPENDED = "suspended", _("suspendida")
        EXEMPT = "exempt", _("exenta")

    record_id = record_id_field()
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="connections",
        verbose_name=_("hogar"),
    )
    code = models.CharField(_("número de toma"), max_length=20)
    kind = models.CharField(_("tipo"), max_length=12, choices=Kind.choices, default=Kind.HOUSE)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    exemption = models.ForeignKey(
        ExemptionRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="connections",
        verbose_name=_("regla de exención"),
    )
    exemption_reason = models.CharField(_("por qué está exenta"), max_length=200, blank=True)
    PERSONAL_FIELDS = ("exemption_reason",)
    connected_on = models.DateField(_("conectada el"), null=True, blank=True)

    class Meta:
        ordering = ["provider", "code"]
        verbose_name = _("toma")
        verbose_name_plural = _("tomas")
        constraints = [
            models.UniqueConstraint(fields=["provider", "code"], name="one_connection_code")
        ]
        # The few exempt tomas: the households that paid without being served are found from
        # them (``indicators.households_paying``).
        indexes = [
            models.Index(fields=["provider"], condition=Q(status="exempt"), name="exempt_tomas")
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.status == self.Status.EXEMPT and not (
            self.exemption_id and self.exemption_reason.strip()
        ):
            raise ValidationError(
                _(
                    "Una toma exenta necesita la regla que aprobó la asamblea y el motivo; "
                    "anote los dos."
                )
            )
        if (
            self.household_id
            and self.provider_id
            and self.household.provider_id != self.provider_id
        ):
            raise ValidationError({"household": _("Ese hogar es del padrón de otro comité.")})


# Tariffs and settings -----------------------------------------------------------------------------
class Tariff(ProviderRecord):
    """A price the assembly approved, valid from a date until the next one of its kind."""

    class Kind(models.TextChoices):
        MONTHLY_FEE = "monthly_fee", _("cuota mensual fija por toma")
        PER_CUBIC_METRE = "per_m3", _("precio por metro cúbico")
        PER_JUG = "per_jug", _("precio por garrafón de 20 litros")
        SCHOOL_FAMILY = "school_family", _("aportación mensual por familia (escuela)")
        CONNECTION_FEE = "connection_fee", _("cuota por toma nueva")
        FINE = "fine", _("multa")

    kind = models.CharField(_("tipo"), max_length=15, choices=Kind.choices)
    amount = positive_money(_("monto"))
    description = models.CharField(_("descripción"), max_length=200, blank=True)
    valid_from = models.DateField(_("vale desde"))
    approved_on = models.DateField(_("aprobada por la asamblea el"))
    minutes_reference = models.CharField(_("acta de la asamblea"), max_length=200)

    class Meta:
        ordering = ["provider", "kind", "-valid_from"]
        verbose_name = _("tarifa")
        verbose_name_plural = _("tarifas")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "valid_from"], name="one_tariff_per_kind_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {mxn(self.amount)}"


class BooksSettings(models.Model):
    """What the assembly set for the books: the amount above which three quotes are needed."""

    provider = models.OneToOneField(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="books_settings",
        verbose_name=_("comité"),
    )
    quotes_threshold = money(
        _("monto desde el que se piden tres cotizaciones"), default=Decimal("2000.00")
    )
    threshold_approved_on = models.DateField(
        _("aprobado por la asamblea el"), null=True, blank=True
    )
    # Kiosks compare their price with what a 20-litre jug costs in the locality's shops.
    bottled_jug_price = money(
        _("precio del garrafón en la tienda de la localidad"), null=True, blank=True
    )

    objects = ProviderPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("ajustes de las cuentas")
        verbose_name_plural = _("ajustes de las cuentas")

    def __str__(self) -> str:
        return str(self.provider)

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.provider.municipality_id, self.provider_id


class MoneyAccount(ProviderRecord):
    """A bank or savings-cooperative account where the committee deposits."""

    class Kind(models.TextChoices):
        BANK = "bank", _("banco")
        COOPERATIVE = "cooperative", _("cooperativa o caja de ahorro")

    record_id = record_id_field()
    institution = models.CharField(_("banco o cooperativa"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=12, choices=Kind.choices)
    # Only the last digits: the full number is not needed to follow the money.
    last_digits = models.CharField(_("últimos 4 dígitos"), max_length=4, blank=True)
    is_reserve = models.BooleanField(_("es el fondo de reserva"), default=False)

    class Meta:
        ordering = ["provider", "institution"]
        verbose_name = _("cuenta de banco o cooperativa")
        verbose_name_plural = _("cuentas de banco o cooperativa")

    def __str__(self) -> str:
        suffix = f" ··{self.last_digits}" if self.last_digits else ""
        return f"{self.institution}{suffix}"


# Day-to-day records -------------------------------------------------------------------------------
class Charge(ProviderRecord):
    """What a connection owes for a period, a new connection or a fine.

    A wrong charge is not edited: a credit (negative amount) pointing at it cancels it.
    """

    class Kind(models.TextChoices):
        MONTHLY_FEE = "monthly_fee", _("cuota del mes")
        VOLUME = "volume", _("consumo")
        CONNECTION_FEE = "connection_fee", _("toma nueva")
        FINE = "fine", _("multa")
        CREDIT = "credit", _("corrección (abono)")

    record_id = record_id_field()
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="charges", verbose_name=_("toma")
    )
    period = models.DateField(_("mes"), help_text=_("El primer día del mes que se cobra."))
    kind = models.CharField(_("tipo"), max_length=15, choices=Kind.choices)
    amount = money(_("monto"))
    description = models.CharField(_("descripción"), max_length=200, blank=True)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        verbose_name=_("corrige el cargo"),
    )
    created_at = models.DateTimeField(_("anotado"), auto_now_add=True)
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["provider", "period", "connection", "pk"]
        verbose_name = _("cargo")
        verbose_name_plural = _("cargos")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "period"],
                condition=Q(kind="monthly_fee"),
                name="one_monthly_fee_per_connection_and_month",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | Q(kind="credit"), name="only_credits_are_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.connection} · {self.period:%m/%Y} · {mxn(self.amount)}"


class Payment(ProviderRecord):
    """Money received, with its receipt number: sequential per provider, never reused.

    ``record_id`` is the idempotency key the phone makes: the same payment sent twice is
    recorded once. A wrong payment is voided (``PaymentVoid``), never edited or deleted.
    """

    class Method(models.TextChoices):
        CASH = "cash", _("efectivo")
        TRANSFER = "transfer", _("transferencia o depósito directo")

    record_id = record_id_field()
    receipt_number = models.PositiveIntegerField(_("recibo número"))
    connection = models.ForeignKey(
        Connection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("toma"),
    )
    paid_on = models.DateField(_("fecha de pago"))
    amount = positive_money(_("monto"))
    method = models.CharField(
        _("forma de pago"), max_length=10, choices=Method.choices, default=Method.CASH
    )
    concept = models.CharField(_("concepto"), max_length=200, blank=True)
    received_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("anotado"), auto_now_add=True)

    class Meta:
        ordering = ["provider", "receipt_number"]
        verbose_name = _("pago")
        verbose_name_plural = _("pagos")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "receipt_number"], name="one_receipt_number_per_provider"
            )
        ]
        # The receipts of a period (this month's, those after the day arrears are read for,
        # the households that paid in a year); with their toma, read from the index alone.
        indexes = [
            models.Index(
                fields=["provider", "paid_on"], include=["connection", "id"], name="payment_by_day"
            )
        ]

    def __str__(self) -> str:
        return f"{_('Recibo')} {self.receipt_number}: {mxn(self.amount)}"


class ReceiptCounter(models.Model):
    """The last receipt number a provider gave; locked while a payment takes the next one."""

    provider = models.OneToOneField(
        "providers.Provider", on_delete=models.PROTECT, related_name="receipt_counter"
    )
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("numeración de recibos")
        verbose_name_plural = _("numeración de recibos")

    def __str__(self) -> str:
        return f"{self.provider}: {self.last_number}"


class PaymentAllocation(models.Model):
    """Which charges a payment settled, oldest first; a payment can cover part of one."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="allocations")
    amount = positive_money(_("monto aplicado"))

    class Meta:
        ordering = ["payment", "charge"]
        verbose_name = _("aplicación de un pago")
        verbose_name_plural = _("aplicaciones de pagos")

    def __str__(self) -> str:
        return f"{self.payment} → {self.charge}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.payment.audit_scope()


class PaymentVoid(models.Model):
    """A receipt cancelled with its reason; its number stays used and a reversal is posted."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="void")
    reason = models.TextField(_("por qué se cancela"))
    voided_on = models.DateField(_("cancelado el"))
    voided_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recibo cancelado")
        verbose_name_plural = _("recibos cancelados")

    def __str__(self) -> str:
        return f"{self.payment}: {self.reason[:60]}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.payment.audit_scope()


class Signer(models.TextChoices):
    PRESIDENT = "president", _("presidencia")
    TREASURER = "treasurer", _("tesorería")
    SECRETARY = "secretary", _("secretaría")
    VIGILANCE = "vigilance", _("comité de vigilancia")
    OTHER = "other", _("otra persona del comité")


class CashCount(ProviderRecord):
    """A corte de caja: the cash counted against what the books say, signed by two people."""

    record_id = record_id_field()
    counted_on = models.DateField(_("fecha del corte"))
    expected = money(_("lo que dicen las cuentas"))
    counted = money(_("lo que se contó"))
    first_signer = models.CharField(_("firma 1 (cargo)"), max_length=10, choices=Signer.choices)
    second_signer = models.CharField(_("firma 2 (cargo)"), max_length=10, choices=Signer.choices)
    notes = models.TextField(_("notas"), blank=True)
    recorded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "-counted_on", "-pk"]
        verbose_name = _("corte de caja")
        verbose_name_plural = _("cortes de caja")

    def __str__(self) -> str:
        return f"{self.counted_on:%d/%m/%Y}: {mxn(self.counted)}"

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected

    def clean(self) -> None:
        if self.first_signer and self.first_signer == self.second_signer:
            raise ValidationError(
                _("El corte lo firman dos personas con cargos distintos; elija otra segunda firma.")
            )


class Deposit(ProviderRecord):
    """Cash taken to the bank or cooperative, with the slip's reference and photo."""

    record_id = record_id_field()
    account = models.ForeignKey(
        MoneyAccount, on_delete=models.PROTECT, related_name="deposits", verbose_name=_("cuenta")
    )
    deposited_on = models.DateField(_("fecha del depósito"))
    amount = positive_money(_("monto"))
    slip_reference = models.CharField(_("folio de la ficha"), max_length=100, blank=True)
    slip_photo = models.FileField(_("foto de la ficha"), upload_to="books/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "-deposited_on", "-pk"]
        verbose_name = _("depósito")
        verbose_name_plural = _("depósitos")

    def __str__(self) -> str:
        return f"{self.deposited_on:%d/%m/%Y}: {mxn(self.amount)}"


class Expense(ProviderRecord):
    """Money spent on the service, by category, with its receipt and, above the threshold,
    the three quotes the assembly asks for."""

    class Category(models.TextChoices):
        ENERGY = "energy", _("energía eléctrica o combustible")
        CHLORINE = "chlorine", _("cloro")
        REPAIRS = "repairs", _("reparaciones y materiales")
        PAY = "pay", _("pago al operador o técnico")
        TRANSPORT = "transport", _("pasajes y fletes")
        OTHER = "other", _("otros")

    class PaidFrom(models.TextChoices):
        CASH = "cash", _("caja")
        BANK = "bank", _("cuenta de banco o cooperativa")

    record_id = record_id_field()
    spent_on = models.DateField(_("fecha"))
    category = models.CharField(_("categoría"), max_length=10, choices=Category.choices)
    amount = positive_money(_("monto"))
    paid_from = models.CharField(
        _("se pagó de"), max_length=4, choices=PaidFrom.choices, default=PaidFrom.CASH
    )
    supplier = models.CharField(_("a quién se pagó"), max_length=200)
    description = models.CharField(_("qué se compró o pagó"), max_length=300)
    receipt_photo = models.FileField(
        _("foto del comprobante"), upload_to="books/%Y/%m/", blank=True
    )
    approved_by = models.CharField(_("quién lo autorizó"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "-spent_on", "-pk"]
        verbose_name = _("gasto")
        verbose_name_plural = _("gastos")

    def __str__(self) -> str:
        return f"{self.spent_on:%d/%m/%Y} {self.get_category_display()}: {mxn(self.amount)}"


class Quote(models.Model):
    """One of the quotes gathered before a large purchase."""

    expense = models.ForeignKey(Expense, on_delete=models.PROTECT, related_name="quotes")
    supplier = models.CharField(_("proveedor"), max_length=200)
    amount = positive_money(_("monto cotizado"))
    chosen = models.BooleanField(_("se eligió"), default=False)

    class Meta:
        ordering = ["expense", "amount"]
        verbose_name = _("cotización")
        verbose_name_plural = _("cotizaciones")

    def __str__(self) -> str:
        return f"{self.supplier}: {mxn(self.amount)}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.expense.audit_scope()


# Providers whose money is what they sell (jugs, the families' monthly contributions), not fees
# charged to tomas: their books, red flags and indicators speak of sales.
SALES_KINDS = frozenset({Provider.Kind.KIOSK, Provider.Kind.SCHOOL})


def lives_on_sales(provider: Provider) -> bool:
    """A kiosk or a school committee: its income is its sales; it has no tomas to charge."""
    return provider.kind in SALES_KINDS


class Sale(ProviderRecord):
    """Water sold by a kiosk or a school system: jugs, or litres to families."""

    class Product(models.TextChoices):
        JUG_20L = "jug_20l", _("garrafón de 20 litros")
        REFILL = "refill", _("rellenado por litro")
        FAMILY_MONTH = "family_month", _("aportación mensual de una familia")
        OTHER = "other", _("otro")

    record_id = record_id_field()
    sold_on = models.DateField(_("fecha"))
    product = models.CharField(_("producto"), max_length=15, choices=Product.choices)
    quantity = models.DecimalField(
        _("cantidad"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit_price = positive_money(_("precio unitario"))
    amount = positive_money(_("total"))
    litres = models.DecimalField(
        _("litros"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "-sold_on", "-pk"]
        verbose_name = _("venta")
        verbose_name_plural = _("ventas")

    def __str__(self) -> str:
        return f"{self.sold_on:%d/%m/%Y} {self.get_product_display()}: {mxn(self.amount)}"

    def clean(self) -> None:
        if self.quantity is not None and self.unit_price is not None and self.amount is not None:
            if (self.quantity * self.unit_price).quantize(Decimal("0.01")) != self.amount:
                raise ValidationError(
                    {"amount": _("El total debe ser la cantidad por el precio unitario.")}
                )


# The ledger ---------------------------------------------------------------------------------------
class Account(models.TextChoices):
    """The chart of accounts every committee shares; simple enough for an assembly."""

    CASH = "cash", _("caja")
    BANK = "bank", _("banco o cooperativa")
    RESERVE = "reserve", _("fondo de reserva")
    RECEIVABLE = "receivable", _("cuotas por cobrar")
    OPENING = "opening", _("saldo inicial")
    INCOME_FEES = "income_fees", _("ingresos por cuotas")
    INCOME_CONNECTIONS = "income_connections", _("ingresos por tomas nuevas")
    INCOME_FINES = "income_fines", _("ingresos por multas")
    INCOME_SALES = "income_sales", _("ingresos por ventas")
    INCOME_OTHER = "income_other", _("otros ingresos")
    EXPENSE_ENERGY = "expense_energy", _("gasto en energía")
    EXPENSE_CHLORINE = "expense_chlorine", _("gasto en cloro")
    EXPENSE_REPAIRS = "expense_repairs", _("gasto en reparaciones y materiales")
    EXPENSE_PAY = "expense_pay", _("pago al operador o técnico")
    EXPENSE_TRANSPORT = "expense_transport", _("gasto en pasajes y fletes")
    EXPENSE_OTHER = "expense_other", _("otros gastos")


class JournalEntry(ProviderRecord):
    """One balanced movement of a provider's books, chained to the one before it.

    ``sequence`` counts a provider's entries from 1 without gaps; ``entry_hash`` covers the
    entry's content, its lines and ``previous_hash``. Entries are never updated or deleted.
    """

    # No index of its own: the (provider, sequence) index serves every lookup by provider, and a
    # second one tempts PostgreSQL into reading a whole chain to sort a slice of it.
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("comité"),
        db_index=False,
    )
    sequence = models.PositiveBigIntegerField(_("asiento número"))
    entry_date = models.DateField(_("fecha"))
    memo = models.CharField(_("concepto"), max_length=300)
    # "books.payment:42": the record that caused the entry, to show where a figure comes from.
    source = models.CharField(_("origen"), max_length=60, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name=_("revierte el asiento"),
    )
    recorded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("registrado"), auto_now_add=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["provider", "sequence"]
        verbose_name = _("asiento")
        verbose_name_plural = _("asientos")
        constraints = [
            models.UniqueConstraint(fields=["provider", "sequence"], name="one_entry_per_sequence")
        ]
        # Voids, credits and ``ledger verify`` find a record's entry by its source.
        indexes = [models.Index(fields=["provider", "source"], name="entry_by_source")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.entry_date:%d/%m/%Y} {self.memo}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(_("cuenta"), max_length=20, choices=Account.choices)
    debit = money(_("debe"), default=ZERO)
    credit = money(_("haber"), default=ZERO)
    # The receivable of one connection, so arrears can be read per toma from the ledger too.
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["entry", "pk"]
        verbose_name = _("movimiento")
        verbose_name_plural = _("movimientos")
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(debit=0) & Q(credit__gt=0)),
                name="a_line_is_a_debit_or_a_credit",
            )
        ]

    def __str__(self) -> str:
        side = f"debe {self.debit}" if self.debit else f"haber {self.credit}"
        return f"{self.get_account_display()}: {side}"


class MonthlyTotal(models.Model):
    """What one account of a provider moved in one month: the sums of its lines' debits and
    credits, by the month of their entries' dates.

    ``ledger.post_entries`` adds each entry's lines here in the same transaction, so pages add up
    a dozen rows per account instead of a municipal office's two million lines. Totals change by
    update as entries are posted, so no trigger can hold them still: ``ojodeagua ledger verify``
    holds them to the lines they sum and names the first month and account that differ.
    """

    # No index of its own: the unique (provider, account, month) index serves every lookup.
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("comité"),
        db_index=False,
    )
    account = models.CharField(_("cuenta"), max_length=20, choices=Account.choices)
    month = models.DateField(_("mes"))
    # Wider than a line: a month of a municipal office's fees is many lines.
    debit = models.DecimalField(_("debe"), max_digits=16, decimal_places=2, default=ZERO)
    credit = models.DecimalField(_("haber"), max_digits=16, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["provider", "month", "account"]
        verbose_name = _("total del mes")
        verbose_name_plural = _("totales del mes")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "account", "month"], name="one_total_per_account_and_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.month:%Y-%m} {self.account}"


class ChargeMonthTotal(models.Model):
    """What was charged to the tomas for one month (by the month the charges are for, credits
    less): the collection rate's denominator. What was collected of them is this less what is
    left of the month's charges (``OwedCharge``).

    The posting code adds each charge here in the same transaction as the charge
    (``books.kept``), so the collection rate of a municipal office reads a dozen rows and its few
    thousand open charges, not half a million charges and their receipts. ``ojodeagua ledger
    verify`` holds every row to the charges it sums.
    """

    # No index of its own: the unique (provider, month) index serves every lookup.
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("comité"),
        db_index=False,
    )
    month = models.DateField(_("mes"))
    charged = models.DecimalField(_("cobrado"), max_digits=16, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["provider", "month"]
        verbose_name = _("total de cargos del mes")
        verbose_name_plural = _("totales de cargos del mes")
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="one_charge_total_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.month:%Y-%m}"


class OwedCharge(models.Model):
    """What is left unpaid of one charge: its amount less what live receipts settled and less
    its correction. A charge gets its row when it is made; a charge paid up keeps it at zero,
    and the charges whose figures were filled at once (the migration) have none: both are read
    as nothing left.

    Kept by the posting code with every charge, receipt and void (``books.kept``), so the
    arrears and the collection of a municipal office read its few thousand open charges, not
    its half a million charges with their allocations. ``ojodeagua ledger verify`` holds every
    row, and every charge without one, to the charge, its allocations and its correction.
    """

    charge = models.OneToOneField(
        Charge, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    # Copied from the charge (which never changes) so arrears are read from this table alone.
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("comité"),
        db_index=False,
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    period = models.DateField(_("mes"))
    unpaid = money(_("por pagar"))

    class Meta:
        ordering = ["provider", "period", "connection"]
        verbose_name = _("cargo por pagar")
        verbose_name_plural = _("cargos por pagar")
        # Only the charges with something left: a municipal office's are a few thousand of its
        # half a million.
        indexes = [
            models.Index(
                fields=["provider", "period"], condition=~Q(unpaid=0), name="owed_by_provider"
            ),
            models.Index(
                fields=["connection", "period"], condition=~Q(unpaid=0), name="owed_by_connection"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.charge_id}: {self.unpaid}"


class PaidMonth(models.Model):
    """How many live receipts one toma has for one month (by the day they were paid): a
    receipt adds one, its void takes it off again. The households that paid in a period are
    read through ``PaidStep``; these rows are what the steps are worked out from.

    Kept by the posting code with every receipt and void (``books.kept``); ``ojodeagua ledger
    verify`` holds every row to the receipts it counts. A row at zero and no row say the same.
    """

    # Posting and moving tomas look rows up by toma (the unique index); ``ledger verify`` and
    # ``rebuild`` read a provider's rows whole (the provider index below).
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("comité"),
        db_index=False,
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    month = models.DateField(_("mes"))
    receipts = models.IntegerField(_("recibos"), default=0)

    class Meta:
        ordering = ["provider", "month", "connection"]
        verbose_name = _("recibos de la toma en el mes")
        verbose_name_plural = _("recibos de las tomas por mes")
        constraints = [
            models.UniqueConstraint(fields=["connection", "month"], name="one_paid_month_a_toma")
        ]
        indexes = [models.Index(fields=["provider", "month"], name="paid_months_of_provider")]

    def __str__(self) -> str:
        return f"{self.connection_id} {self.month:%Y-%m}: {self.receipts}"


# The ``previous`` of a household's first paid month: before any month the books can hold.
NO_MONTH = datetime.date(1, 1, 1)


class PaidStep(models.Model):
    """How many households paid in ``month`` and, before it, last paid in ``previous``
    (``NO_MONTH`` when never): the households that paid in months a to b are those of the steps
    with a month from a to b and a previous before a, each counted once, at its first paid
    month of the period. A provider has at most one row per pair of months, so a year's payers
    of a municipal office are a few hundred rows, not its year of receipts.

    Kept by the posting code with every receipt and void, and when a toma moves to another
    household (``books.kept``); ``ojodeagua ledger verify`` holds every row to the receipts.
    """

    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("comité"),
        db_index=False,
    )
    month = models.DateField(_("mes"))
    previous = models.DateField(_("mes anterior con pago"))
    households = models.IntegerField(_("hogares"), default=0)

    class Meta:
        ordering = ["provider", "month", "previous"]
        verbose_name = _("hogares que volvieron a pagar")
        verbose_name_plural = _("hogares que volvieron a pagar")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "month", "previous"], name="one_paid_step_a_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.month:%Y-%m} ← {self.previous:%Y-%m}: {self.households}"


class AssemblyReport(ProviderRecord):
    """The accounts as presented to an assembly: figures frozen with the chain head they came from.

    Anyone holding the printed report can look its hash up on the public page: if the live chain
    still holds that entry and verifies, nothing in the books behind the report was changed.
    """

    period_start = models.DateField(_("desde"))
    period_end = models.DateField(_("hasta"))
    presented_on = models.DateField(_("presentado a la asamblea el"))
    head_sequence = models.PositiveBigIntegerField(_("último asiento incluido"))
    head_hash = models.CharField(_("huella de las cuentas"), max_length=64)
    figures = models.JSONField(_("cifras"))
    # Who came to the assembly, counted by the committee, so that how many women took part is
    # seen beside the accounts they heard (empty: not counted). Written with the report by
    # ``transparency.publish_report``, its one write path, and never changed afterwards, like
    # the figures: a report is what was presented, and a count told wrong is put right by
    # publishing the report again, which keeps the first one. A separate attendance record
    # that could be edited later would let the count move under a printed report.
    women_present = models.PositiveIntegerField(_("mujeres presentes"), null=True, blank=True)
    men_present = models.PositiveIntegerField(_("hombres presentes"), null=True, blank=True)
    published_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "-presented_on", "-pk"]
        verbose_name = _("informe a la asamblea")
        verbose_name_plural = _("informes a la asamblea")

    def __str__(self) -> str:
        return f"{self.provider} · {self.presented_on:%d/%m/%Y}"


class ChainCheck(models.Model):
    """The last full check of a provider's chain, so a page need not reread a long chain.

    Pages verify short chains on every view. A long one (a municipal office's) is checked in
    full by ``ojodeagua ledger verify`` (nightly) or by the first page that finds no recent
    check; later views verify only the entries posted after it and link them to its head.
    """

    provider = models.OneToOneField(
        "providers.Provider", on_delete=models.CASCADE, related_name="chain_check"
    )
    checked_at = models.DateTimeField(_("revisada"))
    entries = models.PositiveBigIntegerField(default=0)
    last_sequence = models.PositiveBigIntegerField(default=0)
    head = models.CharField(max_length=64)
    first_bad_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    first_bad_kind = models.CharField(max_length=20, blank=True)
    first_bad_date = models.DateField(null=True, blank=True)
    missing_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    # What the same full check found wrong in the money records (a receipt that no longer says
    # what its entry says, a gap in the receipt numbers…), as sentences; empty when all held.
    record_problems = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("revisión de la cadena")
        verbose_name_plural = _("revisiones de la cadena")

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.entries} @ {self.checked_at:%Y-%m-%d %H:%M}"
