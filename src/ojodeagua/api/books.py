"""Books API: the padrón, money records written through the domain functions, the ledger, summaries.

Money is written only by the functions in ``ojodeagua.books`` (``record_payment``,
``generate_charges``, ``record_cash_count``, ``record_deposit``, ``record_expense``,
``record_sale``, ``void_payment``): they take the receipt number, lock the books, audit the rows
and post the ledger entry in one transaction. Nothing here saves a money row by itself, and
nothing that moves money is updated or deleted through the API; a correction is a new record
(a void).

Every money record sent here carries the client's ``record_id``, its idempotency key: the same
record sent again answers 200 with what is stored (a payment keeps its receipt number), the same
id with other content answers 409 and writes nothing.

Scope: a token acts as its user. Rows are read where the user sees the provider and written
where the user may edit it. The padrón's names (and addresses, notes, why a toma is exempt) are
shown only to those ``books.padron.may_see_names`` allows, and only they write the padrón.
"""

import datetime

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from ojodeagua.books import ledger, padron
from ojodeagua.books.cash import record_cash_count, record_deposit, record_expense, record_sale
from ojodeagua.books.charges import generate_charges
from ojodeagua.books.indicators import finance_indicators, kiosk_indicators
from ojodeagua.books.models import (
    Account,
    CashCount,
    Charge,
    Connection,
    Deposit,
    ExemptionRule,
    Expense,
    Household,
    JournalEntry,
    JournalLine,
    MoneyAccount,
    Payment,
    PaymentAllocation,
    PaymentVoid,
    Quote,
    Sale,
    Signer,
    Tariff,
    lives_on_sales,
)
from ojodeagua.books.payments import (
    BATCH_LIMIT,
    PaymentBatchRefused,
    PaymentIn,
    check_payments,
    record_payment,
    record_payments,
    void_payment,
)
from ojodeagua.books.postings import source_of
from ojodeagua.books.public_views import last_twelve_months
from ojodeagua.books.verification import books_status
from ojodeagua.lib.records import RecordConflict, RecordIdUnavailable
from ojodeagua.organisations.scope import get_visible_or_404, scope_for
from ojodeagua.pages.filters import visible
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

from .base import (
    CONFLICT,
    ResendableCreate,
    ScopedReadOnlyViewSet,
    ScopedSerializer,
    ScopedViewSet,
    create_responses,
    domain_refusals,
    refusal,
    saved_response,
)

MONEY = {"max_digits": 12, "decimal_places": 2}
FIGURE = {"max_digits": 20, "decimal_places": 2}


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**MONEY, **kwargs)


# --- Where each record's ledger entry is -----------------------------------------------------


class EntryLookup:
    """The sequence of the ledger entry each record posted, fetched a page at a time."""

    def __init__(self) -> None:
        self.known: dict[str, int | None] = {}

    def load(self, records) -> None:
        wanted = {source_of(row): row.provider_id for row in records}
        wanted = {
            source: provider for source, provider in wanted.items() if source not in self.known
        }
        if not wanted:
            return
        self.known.update(dict.fromkeys(wanted))
        # By provider first: the provider's index narrows the search before the sources.
        rows = (
            JournalEntry.objects.filter(
                provider_id__in=set(wanted.values()), source__in=list(wanted), reverses__isnull=True
            )
            .order_by("-sequence")
            .values_list("source", "sequence")
        )
        for source, sequence in rows:
            self.known[source] = sequence  # the lowest sequence wins, as in entry_of()

    def sequence(self, record) -> int | None:
        source = source_of(record)
        if source not in self.known:
            self.load([record])
        return self.known[source]


class EntrySequenceMixin(serializers.Serializer):
    entry_sequence = serializers.SerializerMethodField(
        help_text=gettext_lazy("Número del asiento que este registro hizo en las cuentas.")
    )

    def get_entry_sequence(self, record) -> int | None:
        lookup = self.context.get("entries")
        if lookup is None:
            lookup = self.context["entries"] = EntryLookup()
        return lookup.sequence(record)


# --- Money records: what is read ------------------------------------------------------------


class PaymentAllocationSerializer(serializers.ModelSerializer):
    period = serializers.DateField(source="charge.period", read_only=True)

    class Meta:
        model = PaymentAllocation
        fields = ["charge", "period", "amount"]


class PaymentVoidSerializer(serializers.ModelSerializer):
    voided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PaymentVoid
        fields = ["reason", "voided_on", "voided_by", "created_at"]


class PaymentSerializer(EntrySequenceMixin, serializers.ModelSerializer):
    connection_code = serializers.CharField(
        source="connection.code", read_only=True, default=None, allow_null=True
    )
    received_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    allocations = PaymentAllocationSerializer(many=True, read_only=True)
    void = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "record_id",
            "provider",
            "receipt_number",
            "connection",
            "connection_code",
            "paid_on",
            "amount",
            "method",
            "concept",
            "received_by",
            "created_at",
            "allocations",
            "void",
            "entry_sequence",
        ]

    @extend_schema_field(PaymentVoidSerializer(allow_null=True))
    def get_void(self, payment) -> dict | None:
        try:
            void = payment.void
        except PaymentVoid.DoesNotExist:
            return None
        return PaymentVoidSerializer(void).data


class ChargeSerializer(EntrySequenceMixin, serializers.ModelSerializer):
    connection_code = serializers.CharField(source="connection.code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Charge
        fields = [
            "id",
            "record_id",
            "provider",
            "connection",
            "connection_code",
            "period",
            "kind",
            "amount",
            "description",
            "corrects",
            "created_by",
            "created_at",
            "entry_sequence",
        ]


class CashCountSerializer(EntrySequenceMixin, serializers.ModelSerializer):
    difference = serializers.DecimalField(**MONEY, read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    signers = serializers.SerializerMethodField(
        help_text=gettext_lazy("Los cargos de las dos personas que firmaron el corte.")
    )

    class Meta:
        model = CashCount
        fields = [
            "id",
            "record_id",
            "provider",
            "counted_on",
            "expected",
            "counted",
            "difference",
            "signers",
            "notes",
            "recorded_by",
            "created_at",
            "entry_sequence",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Signer.choices)))
    def get_signers(self, count) -> list[str]:
        return [count.first_signer, count.second_signer]


class DepositSerializer(EntrySequenceMixin, serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    has_slip_photo = serializers.SerializerMethodField()

    class Meta:
        model = Deposit
        fields = [
            "id",
            "record_id",
            "provider",
            "account",
            "deposited_on",
            "amount",
            "slip_reference",
            "has_slip_photo",
            "recorded_by",
            "created_at",
            "entry_sequence",
        ]

    def get_has_slip_photo(self, deposit) -> bool:
        return bool(deposit.slip_photo)


class QuoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Quote
        fields = ["supplier", "amount", "chosen"]


class ExpenseSerializer(EntrySequenceMixin, serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    has_receipt_photo = serializers.SerializerMethodField()
    quotes = QuoteSerializer(many=True, read_only=True)

    class Meta:
        model = Expense
        fields = [
            "id",
            "record_id",
            "provider",
            "spent_on",
            "category",
            "amount",
            "paid_from",
            "supplier",
            "description",
            "approved_by",
            "has_receipt_photo",
            "quotes",
            "recorded_by",
            "created_at",
            "entry_sequence",
        ]

    def get_has_receipt_photo(self, expense) -> bool:
        return bool(expense.receipt_photo)


class SaleSerializer(EntrySequenceMixin, serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Sale
        fields = [
            "id",
            "record_id",
            "provider",
            "sold_on",
            "product",
            "quantity",
            "unit_price",
            "amount",
            "litres",
            "recorded_by",
            "created_at",
            "entry_sequence",
        ]


# --- Money records: what is sent ------------------------------------------------------------


def record_id_input() -> serializers.CharField:
    return serializers.CharField(
        max_length=64,
        help_text=gettext_lazy(
            "Identificador que genera el teléfono para este registro (clave de idempotencia): "
            "si se reenvía, no se anota dos veces."
        ),
        error_messages={
            "required": gettext_lazy(
                "Falta el identificador del registro (record_id) que genera el teléfono; con él "
                "un reenvío no se anota dos veces."
            ),
            "blank": gettext_lazy(
                "El identificador del registro (record_id) está vacío; envíe el que generó el "
                "teléfono."
            ),
        },
    )


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A related row the requesting user can see; others answer as if they did not exist."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return scope_for(request.user).visible(queryset)


class MoneyInput(serializers.Serializer):
    """What every money record sent through the API carries."""

    provider = VisibleRelatedField(queryset=Provider.objects.all())
    record_id = record_id_input()


class PaymentInput(MoneyInput):
    amount = money_field()
    paid_on = serializers.DateField()
    connection = VisibleRelatedField(
        queryset=Connection.objects.all(), required=False, allow_null=True
    )
    method = serializers.ChoiceField(Payment.Method.choices, default=Payment.Method.CASH)
    concept = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BatchPaymentItem(serializers.Serializer):
    """One payment of a batch: as a single payment, without the provider (the batch has it)."""

    record_id = record_id_input()
    amount = money_field()
    paid_on = serializers.DateField()
    connection = serializers.IntegerField(
        required=False, allow_null=True, help_text=gettext_lazy("El id de la toma, o nada.")
    )
    method = serializers.ChoiceField(Payment.Method.choices, default=Payment.Method.CASH)
    concept = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PaymentBatchInput(serializers.Serializer):
    provider = VisibleRelatedField(queryset=Provider.objects.all())
    payments = serializers.ListField(child=BatchPaymentItem(), min_length=1, max_length=BATCH_LIMIT)


class PaymentBatchResult(serializers.Serializer):
    created = serializers.ListField(child=serializers.BooleanField())
    payments = PaymentSerializer(many=True)


class CashCountInput(MoneyInput):
    counted_on = serializers.DateField()
    counted = money_field()
    signers = serializers.ListField(
        child=serializers.ChoiceField(Signer.choices),
        min_length=2,
        max_length=2,
        help_text=gettext_lazy("Los cargos de las dos personas que firman, distintos."),
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class DepositInput(MoneyInput):
    account = VisibleRelatedField(queryset=MoneyAccount.objects.all())
    deposited_on = serializers.DateField()
    amount = money_field()
    slip_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )


class QuoteInput(serializers.Serializer):
    supplier = serializers.CharField(max_length=200)
    amount = money_field()
    chosen = serializers.BooleanField(default=False)


class ExpenseInput(MoneyInput):
    spent_on = serializers.DateField()
    category = serializers.ChoiceField(Expense.Category.choices)
    amount = money_field()
    paid_from = serializers.ChoiceField(Expense.PaidFrom.choices, default=Expense.PaidFrom.CASH)
    supplier = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=300)
    approved_by = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    quotes = QuoteInput(
        many=True,
        required=False,
        help_text=gettext_lazy(
            "Desde el monto que fijó la asamblea, tres cotizaciones o más; una marcada como "
            "elegida, por el mismo monto del gasto."
        ),
    )


class SaleInput(MoneyInput):
    sold_on = serializers.DateField()
    product = serializers.ChoiceField(Sale.Product.choices)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_price = money_field()
    amount = money_field(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("El total; si se envía, debe ser la cantidad por el precio."),
    )
    litres = serializers.DecimalField(
        max_digits=12, decimal_places=1, required=False, allow_null=True
    )


# --- Money records: viewsets ----------------------------------------------------------------


def provider_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(queryset=visible(Provider))


def books_filter(model, date_field: str | None = None, **extra) -> type[django_filters.FilterSet]:
    """Provider (among those the user sees), a date range (``<field>_after``/``_before``)."""
    attrs = {"provider": provider_filter(), **extra}
    if date_field:
        attrs[date_field] = django_filters.DateFromToRangeFilter()
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": []})
    return type(f"{model.__name__}ApiFilter", (django_filters.FilterSet,), attrs)


class BooksReadViewSet(ScopedReadOnlyViewSet):
    """Rows of the books the user may see, in the provider's order."""

    prefetch: tuple = ()
    ordering: tuple[str, ...] = ("pk",)

    def get_queryset(self):
        return super().get_queryset().prefetch_related(*self.prefetch).order_by(*self.ordering)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not hasattr(self, "_entries"):
            self._entries = EntryLookup()
        context["entries"] = self._entries
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and issubclass(self.get_serializer_class(), EntrySequenceMixin):
            if not hasattr(self, "_entries"):
                self._entries = EntryLookup()
            self._entries.load(page)
        return page


def writable_provider(user, provider: Provider) -> Provider:
    if not scope_for(user).can_edit(provider):
        raise PermissionDenied(_("Puede ver las cuentas de este comité, pero no anotar en ellas."))
    return provider


def documented_money_create(input_serializer, output_serializer, what: str):
    responses = {
        201: OpenApiResponse(output_serializer, description=gettext_lazy("Anotado.")),
        200: OpenApiResponse(
            output_serializer,
            description=gettext_lazy("Ya estaba anotado igual; se devuelve lo guardado."),
        ),
        409: OpenApiResponse(
            CONFLICT, description=gettext_lazy("El record_id ya se usó con otro contenido.")
        ),
    }
    return extend_schema(request=input_serializer, responses=responses, description=what)


class MoneyRecordViewSet(BooksReadViewSet):
    """Read the records, and create them through the domain function; never update or delete.

    ``compared``: sent field → stored attribute, to tell a client which fields differ when its
    record id is already taken by other content.
    """

    input_serializer_class: type[serializers.Serializer]
    compared: dict[str, str] = {}

    def write(self, provider, data: dict, user):
        """Call the domain function; returns the record (and whether it was new, if it knows)."""
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        sent = self.input_serializer_class(data=request.data, context=self.get_serializer_context())
        sent.is_valid(raise_exception=True)
        data = dict(sent.validated_data)
        provider = writable_provider(request.user, data.pop("provider"))
        record_id = data["record_id"]
        model = self.queryset.model
        stored = model._default_manager.filter(record_id=record_id).first()
        if stored is not None and not self.get_queryset().filter(pk=stored.pk).exists():
            # The id is taken by a record the user cannot see: refused, saying nothing of it.
            raise RecordIdUnavailable(record_id)
        try:
            result = self.write(provider, data, request.user)
        except RecordConflict as error:
            stored = model._default_manager.filter(record_id=record_id).first()
            error.fields = self.differences(stored, provider, data)
            raise
        except DjangoValidationError as error:
            raise refusal(error) from None
        record, created = result if isinstance(result, tuple) else (result, stored is None)
        fresh = self.get_queryset().get(pk=record.pk)
        return saved_response(self.get_serializer(fresh).data, created)

    def differences(self, stored, provider, data: dict) -> list[str]:
        if stored is None:
            return []
        changed = ["provider"] if stored.provider_id != provider.pk else []
        for name, attribute in self.compared.items():
            sent = data.get(name)
            sent = sent.pk if hasattr(sent, "pk") else sent
            if isinstance(sent, str):
                sent = sent.strip()
            if sent != getattr(stored, attribute):
                changed.append(name)
        return changed


class VoidInput(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy("Por qué se cancela el recibo; queda en las cuentas."),
        error_messages={
            "required": gettext_lazy(
                "Escriba por qué se cancela el recibo (reason); queda en las cuentas."
            )
        },
    )
    voided_on = serializers.DateField(required=False)


class PaymentViewSet(MoneyRecordViewSet):
    """Payments with their receipt numbers (sequential per committee, never reused).

    POST records a payment through ``record_payment``: it takes the next receipt number, settles
    the toma's oldest charges and posts its entry. The same ``record_id`` sent again answers 200
    with the stored payment and its receipt number. A wrong payment is voided with a reason
    (``POST payments/{id}/void/``): its number stays used and its entry is reversed.
    """

    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    input_serializer_class = PaymentInput
    filterset_class = books_filter(
        Payment,
        "paid_on",
        connection=django_filters.ModelChoiceFilter(queryset=visible(Connection)),
        receipt_number=django_filters.NumberFilter(),
        voided=django_filters.BooleanFilter(field_name="void", lookup_expr="isnull", exclude=True),
    )
    select_related = ("connection", "received_by", "void__voided_by")
    # Joined rather than prefetched: prefetching the charges of a 1,000-row page builds an
    # expression too deep for SQLite.
    prefetch = (
        Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("charge")),
    )
    ordering = ("provider_id", "receipt_number")
    compared = {
        "amount": "amount",
        "paid_on": "paid_on",
        "connection": "connection_id",
        "method": "method",
        "concept": "concept",
    }

    def write(self, provider, data: dict, user):
        return record_payment(
            provider,
            record_id=data["record_id"],
            amount=data["amount"],
            paid_on=data["paid_on"],
            connection=data.get("connection"),
            method=data["method"],
            concept=data.get("concept", ""),
            user=user,
        )

    @documented_money_create(PaymentInput, PaymentSerializer, "Anota un pago y le da su recibo.")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(
        request=PaymentBatchInput,
        responses={
            201: OpenApiResponse(
                PaymentBatchResult,
                description=gettext_lazy("Anotados (algunos quizá ya lo estaban)."),
            ),
            200: OpenApiResponse(
                PaymentBatchResult,
                description=gettext_lazy(
                    "Todos ya estaban anotados igual; se devuelve lo guardado."
                ),
            ),
            409: OpenApiResponse(
                CONFLICT, description=gettext_lazy("Algún record_id ya se usó con otro contenido.")
            ),
        },
    )
    @action(detail=False, methods=["post"])
    def batch(self, request):
        """Record many payments of one committee at once, all or none (a phone's waiting receipts).

        Receipt numbers follow the order sent. A payment whose ``record_id`` was recorded
        before comes back as it was stored (``created`` false). If any payment is wrong, none is
        recorded: 400 names each wrong one by its position (from 0), and 409 each reused id.
        """
        sent = PaymentBatchInput(data=request.data, context=self.get_serializer_context())
        sent.is_valid(raise_exception=True)
        provider = writable_provider(request.user, sent.validated_data["provider"])
        rows = sent.validated_data["payments"]
        # Another committee's records are not named: their ids are refused, saying nothing.
        visible_ids = self.get_queryset().filter(record_id__in=[row["record_id"] for row in rows])
        taken = Payment.objects.filter(record_id__in=[row["record_id"] for row in rows]).exclude(
            pk__in=visible_ids.values("pk")
        )
        if hidden := taken.values_list("record_id", flat=True).first():
            raise RecordIdUnavailable(hidden)
        wanted = {row["connection"] for row in rows if row.get("connection") is not None}
        connections = {c.pk: c for c in Connection.objects.filter(provider=provider, pk__in=wanted)}
        items = [
            PaymentIn(
                row["record_id"],
                row["amount"],
                row["paid_on"],
                connections.get(row.get("connection")),
                row["method"],
                row.get("concept", ""),
            )
            for row in rows
        ]
        # Every wrong payment is named at once: tomas not on this padrón and the domain's rules.
        _checked, wrong = check_payments(provider, items)
        errors = {str(position): error.messages for position, error in wrong.items()}
        for position, row in enumerate(rows):
            if row.get("connection") is not None and row["connection"] not in connections:
                message = _("La toma %(id)s no está en el padrón de este comité.")
                errors.setdefault(str(position), []).append(message % {"id": row["connection"]})
        if errors:
            raise ApiValidationError(
                {"payments": dict(sorted(errors.items(), key=lambda e: int(e[0])))}
            )
        try:
            results = record_payments(provider, items, user=request.user)
        except PaymentBatchRefused as refused:
            errors = {str(position): error.messages for position, error in refused.by_item.items()}
            if any(error.code == "conflict" for error in refused.by_item.values()):
                return Response(
                    {"detail": refused.messages[0], "payments": errors},
                    status=status.HTTP_409_CONFLICT,
                )
            raise ApiValidationError({"payments": errors}) from None
        except DjangoValidationError as error:
            raise refusal(error) from None
        stored = self.get_queryset().in_bulk([payment.pk for payment, _new in results])
        payments = [stored[payment.pk] for payment, _new in results]
        if not hasattr(self, "_entries"):
            self._entries = EntryLookup()
        self._entries.load(payments)
        created = [new for _payment, new in results]
        return Response(
            {
                "created": created,
                "payments": self.get_serializer(payments, many=True).data,
            },
            status=status.HTTP_201_CREATED if any(created) else status.HTTP_200_OK,
        )

    @extend_schema(
        request=VoidInput,
        responses={
            200: PaymentSerializer,
            409: OpenApiResponse(
                CONFLICT, description=gettext_lazy("Ya estaba cancelado por otro motivo.")
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Cancel a receipt with its reason; sending the same cancellation again answers 200."""
        payment = self.get_object()
        if not scope_for(request.user).can_edit(payment):
            raise PermissionDenied(
                _("Puede ver este recibo, pero no cancelarlo: no anota en las cuentas del comité.")
            )
        sent = VoidInput(data=request.data)
        sent.is_valid(raise_exception=True)
        with domain_refusals():
            void_payment(
                payment,
                sent.validated_data["reason"],
                user=request.user,
                on=sent.validated_data.get("voided_on") or timezone.localdate(),
            )
        return Response(self.get_serializer(self.get_object()).data)


class GenerateInput(serializers.Serializer):
    provider = VisibleRelatedField(queryset=Provider.objects.all())
    period = serializers.DateField(
        input_formats=["%Y-%m", "iso-8601"],
        help_text=gettext_lazy("El mes que se cobra: AAAA-MM o cualquier día del mes."),
    )


class ChargeViewSet(BooksReadViewSet):
    """What each toma owes: the months' fees, new-connection fees, fines and their corrections.

    ``POST charges/generate/`` charges the month's fee to every active toma of a committee
    (through ``generate_charges``); running it again for the same month adds nothing.
    """

    queryset = Charge.objects.all()
    serializer_class = ChargeSerializer
    filterset_class = books_filter(
        Charge,
        "period",
        connection=django_filters.ModelChoiceFilter(queryset=visible(Connection)),
        kind=django_filters.ChoiceFilter(choices=Charge.Kind.choices),
    )
    select_related = ("connection", "created_by")
    ordering = ("provider_id", "period", "connection_id", "pk")

    @extend_schema(
        request=GenerateInput,
        responses={
            201: inline_serializer(
                "GeneratedCharges",
                fields={
                    "period": serializers.DateField(),
                    "created": serializers.IntegerField(),
                    "charges": ChargeSerializer(many=True),
                },
            ),
        },
    )
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Charge a month's fee to the committee's active tomas; 200 when nothing was new."""
        sent = GenerateInput(data=request.data, context=self.get_serializer_context())
        sent.is_valid(raise_exception=True)
        provider = writable_provider(request.user, sent.validated_data["provider"])
        period = sent.validated_data["period"].replace(day=1)
        with domain_refusals():
            created = generate_charges(provider, period, user=request.user)
        rows = self.get_queryset().filter(pk__in=[charge.pk for charge in created])
        self._entries = EntryLookup()
        self._entries.load(rows)
        return Response(
            {
                "period": period,
                "created": len(created),
                "charges": self.get_serializer(rows, many=True).data,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CashCountViewSet(MoneyRecordViewSet):
    """Cortes de caja: the cash counted by two people against what the books say; a difference
    is posted as a shortfall or a surplus."""

    queryset = CashCount.objects.all()
    serializer_class = CashCountSerializer
    input_serializer_class = CashCountInput
    filterset_class = books_filter(CashCount, "counted_on")
    select_related = ("recorded_by",)
    ordering = ("provider_id", "-counted_on", "-pk")
    compared = {"counted_on": "counted_on", "counted": "counted"}

    def write(self, provider, data: dict, user):
        first, second = data["signers"]
        return record_cash_count(
            provider,
            counted_on=data["counted_on"],
            counted=data["counted"],
            first_signer=first,
            second_signer=second,
            notes=data.get("notes", ""),
            record_id=data["record_id"],
            user=user,
        )

    def differences(self, stored, provider, data: dict) -> list[str]:
        changed = super().differences(stored, provider, data)
        if stored is not None and list(data["signers"]) != [
            stored.first_signer,
            stored.second_signer,
        ]:
            changed.append("signers")
        return changed

    @documented_money_create(CashCountInput, CashCountSerializer, "Anota un corte de caja.")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class DepositViewSet(MoneyRecordViewSet):
    """Cash taken to the bank or cooperative; never more than the cash the books hold."""

    queryset = Deposit.objects.all()
    serializer_class = DepositSerializer
    input_serializer_class = DepositInput
    filterset_class = books_filter(Deposit, "deposited_on")
    select_related = ("recorded_by",)
    ordering = ("provider_id", "-deposited_on", "-pk")
    compared = {"account": "account_id", "deposited_on": "deposited_on", "amount": "amount"}

    def write(self, provider, data: dict, user):
        return record_deposit(
            provider,
            account=data["account"],
            deposited_on=data["deposited_on"],
            amount=data["amount"],
            slip_reference=data.get("slip_reference", ""),
            record_id=data["record_id"],
            user=user,
        )

    @documented_money_create(DepositInput, DepositSerializer, "Anota un depósito.")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class ExpenseViewSet(MoneyRecordViewSet):
    """Money spent on the service, by category, with the three quotes the assembly asks for
    from its threshold up."""

    queryset = Expense.objects.all()
    serializer_class = ExpenseSerializer
    input_serializer_class = ExpenseInput
    filterset_class = books_filter(
        Expense, "spent_on", category=django_filters.ChoiceFilter(choices=Expense.Category.choices)
    )
    select_related = ("recorded_by",)
    prefetch = ("quotes",)
    ordering = ("provider_id", "-spent_on", "-pk")
    compared = {
        "spent_on": "spent_on",
        "category": "category",
        "amount": "amount",
        "paid_from": "paid_from",
        "supplier": "supplier",
    }

    def write(self, provider, data: dict, user):
        return record_expense(
            provider,
            spent_on=data["spent_on"],
            category=data["category"],
            amount=data["amount"],
            supplier=data["supplier"],
            description=data["description"],
            paid_from=data["paid_from"],
            approved_by=data.get("approved_by", ""),
            quotes=[dict(quote) for quote in data.get("quotes", [])],
            record_id=data["record_id"],
            user=user,
        )

    @documented_money_create(ExpenseInput, ExpenseSerializer, "Anota un gasto.")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class SaleViewSet(MoneyRecordViewSet):
    """Water sold by a kiosk or a school system, paid in cash."""

    queryset = Sale.objects.all()
    serializer_class = SaleSerializer
    input_serializer_class = SaleInput
    filterset_class = books_filter(
        Sale, "sold_on", product=django_filters.ChoiceFilter(choices=Sale.Product.choices)
    )
    select_related = ("recorded_by",)
    ordering = ("provider_id", "-sold_on", "-pk")
    compared = {"sold_on": "sold_on", "product": "product", "quantity": "quantity"}

    def write(self, provider, data: dict, user):
        return record_sale(
            provider,
            sold_on=data["sold_on"],
            product=data["product"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            amount=data.get("amount"),
            litres=data.get("litres"),
            record_id=data["record_id"],
            user=user,
        )

    def differences(self, stored, provider, data: dict) -> list[str]:
        changed = super().differences(stored, provider, data)
        if stored is not None and data.get("amount") not in (None, stored.amount):
            changed.append("amount")
        return changed

    @documented_money_create(SaleInput, SaleSerializer, "Anota una venta.")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


# --- The ledger (read only) -----------------------------------------------------------------


class JournalLineSerializer(serializers.Serializer):
    account = serializers.ChoiceField(Account.choices)
    debit = serializers.DecimalField(**MONEY)
    credit = serializers.DecimalField(**MONEY)
    connection = serializers.IntegerField(source="connection_id", allow_null=True)
    connection_code = serializers.CharField(source="connection.code", default=None, allow_null=True)


class JournalEntrySerializer(serializers.ModelSerializer):
    lines = JournalLineSerializer(many=True, read_only=True)
    reverses_sequence = serializers.IntegerField(
        source="reverses.sequence", read_only=True, default=None, allow_null=True
    )
    reversed_by_sequence = serializers.SerializerMethodField()
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = JournalEntry
        fields = [
            "id",
            "provider",
            "sequence",
            "entry_date",
            "memo",
            "source",
            "reverses_sequence",
            "reversed_by_sequence",
            "lines",
            "previous_hash",
            "entry_hash",
            "recorded_by",
            "recorded_at",
        ]

    def get_reversed_by_sequence(self, entry) -> int | None:
        try:
            return entry.reversal.sequence
        except JournalEntry.DoesNotExist:
            return None


class JournalEntryViewSet(BooksReadViewSet):
    """The ledger: each committee's entries numbered from 1, with their lines and the hashes
    that chain them (each entry's hash covers its content and the previous hash)."""

    queryset = JournalEntry.objects.all()
    serializer_class = JournalEntrySerializer
    filterset_class = books_filter(
        JournalEntry,
        "entry_date",
        sequence=django_filters.RangeFilter(),
        source=django_filters.CharFilter(),
    )
    select_related = ("reverses", "reversal", "recorded_by")
    prefetch = (Prefetch("lines", queryset=JournalLine.objects.select_related("connection")),)
    ordering = ("provider_id", "sequence")


# --- Tariffs, rules and accounts (read only) ------------------------------------------------


class TariffSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tariff
        fields = [
            "id",
            "provider",
            "kind",
            "amount",
            "description",
            "valid_from",
            "approved_on",
            "minutes_reference",
        ]


class ExemptionRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExemptionRule
        fields = ["id", "provider", "name", "discount_percent", "approved_on", "minutes_reference"]


class MoneyAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = MoneyAccount
        fields = ["id", "record_id", "provider", "institution", "kind", "last_digits", "is_reserve"]


class TariffViewSet(BooksReadViewSet):
    """Prices the assembly approved, each valid from its date until the next of its kind."""

    queryset = Tariff.objects.all()
    serializer_class = TariffSerializer
    filterset_class = books_filter(
        Tariff, kind=django_filters.ChoiceFilter(choices=Tariff.Kind.choices)
    )
    ordering = ("provider_id", "kind", "-valid_from")


class ExemptionRuleViewSet(BooksReadViewSet):
    """Exemptions and discounts the assembly approved."""

    queryset = ExemptionRule.objects.all()
    serializer_class = ExemptionRuleSerializer
    filterset_class = books_filter(ExemptionRule)
    ordering = ("provider_id", "name")


class MoneyAccountViewSet(BooksReadViewSet):
    """The bank and cooperative accounts where a committee deposits."""

    queryset = MoneyAccount.objects.all()
    serializer_class = MoneyAccountSerializer
    filterset_class = books_filter(MoneyAccount)
    ordering = ("provider_id", "institution")


# --- The padrón -----------------------------------------------------------------------------


def sees_names(request, provider: Provider) -> bool:
    """``padron.may_see_names``, asked once per provider and request."""
    cache = getattr(request, "_padron_names", None)
    if cache is None:
        cache = request._padron_names = {}
    if provider.pk not in cache:
        cache[provider.pk] = padron.may_see_names(request.user, provider)
    return cache[provider.pk]


def no_names_refusal() -> PermissionDenied:
    """``padron.no_names_refusal``'s sentence, as the API's 403."""
    return PermissionDenied(str(padron.no_names_refusal()))


class PadronSerializer(ScopedSerializer):
    """A padrón row; its personal fields only for those who may read the padrón's names."""

    personal_fields: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not sees_names(request, instance.provider):
            for name in self.personal_fields:
                data.pop(name, None)
        return data

    def provider_of(self, attrs):
        return attrs.get("provider") or getattr(self.instance, "provider", None)

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("provider", "record_id"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: _("Esto no se cambia; registre uno nuevo si hace falta.")}
                    )
        return super().validate(attrs)


PERSONAL_NOTE = gettext_lazy(
    "Solo aparece para el comité y quienes lo acompañan (datos personales del padrón)."
)


class HouseholdSerializer(PadronSerializer):
    personal_fields = Household.PERSONAL_FIELDS
    connections = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "record_id",
            "provider",
            "number",
            "name",
            "locality",
            "reference",
            "people",
            "registered_on",
            "notes",
            "connections",
        ]
        extra_kwargs = {
            "record_id": {"validators": [], "required": False},
            "name": {"help_text": PERSONAL_NOTE},
            "reference": {"help_text": PERSONAL_NOTE},
            "notes": {"help_text": PERSONAL_NOTE},
        }
        # The padrón number is checked in validate(), with a message that says what to do.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        # As on the padrón page: any locality of the committee's municipality or one its
        # systems serve (checked in validate()), even one the user's scope does not list;
        # the locality catalogue is public.
        if not fields["locality"].read_only:
            fields["locality"].queryset = Locality.objects.all()
        return fields

    # The padrón number and the locality are checked by ``padron.save_household``.


class ConnectionSerializer(PadronSerializer):
    personal_fields = Connection.PERSONAL_FIELDS

    class Meta:
        model = Connection
        fields = [
            "id",
            "record_id",
            "provider",
            "household",
            "code",
            "kind",
            "status",
            "exemption",
            "exemption_reason",
            "connected_on",
        ]
        extra_kwargs = {
            "record_id": {"validators": [], "required": False},
            "exemption_reason": {"help_text": PERSONAL_NOTE},
        }
        validators = []

    # The toma code and the exemption rule are checked by ``padron.save_connection``.


class PadronViewSet(ResendableCreate, ScopedViewSet):
    """Read, create and update; never delete (a toma is suspended, not removed).

    Creating is idempotent by ``record_id``. Writing needs edit rights on the committee and
    the right to read its padrón's names.
    """

    creation_needs_creator_role = False

    def check_padron_writer(self, provider) -> None:
        if provider is not None and not sees_names(self.request, provider):
            raise no_names_refusal()

    def perform_create(self, serializer) -> None:
        self.save(serializer, serializer.Meta.model(**serializer.validated_data))

    def perform_update(self, serializer) -> None:
        if not scope_for(self.request.user).can_edit(serializer.instance):
            raise PermissionDenied(_("Puede ver este registro, pero no cambiarlo."))
        for name, value in serializer.validated_data.items():
            setattr(serializer.instance, name, value)
        self.save(serializer, serializer.instance)

    def save(self, serializer, record) -> None:
        """Through ``padron.save_household`` or ``save_connection``, as the padrón page."""
        try:
            serializer.instance, _created = self.write(self.request.user, record)
        except DjangoPermissionDenied as refused:
            raise PermissionDenied(str(refused)) from None
        except DjangoValidationError as error:
            raise refusal(error) from None

    def check_resend(self, stored) -> None:
        self.check_padron_writer(stored.provider)


def documented_padron(viewset):
    """The schema lists the three answers a create can give."""
    serializer = viewset.serializer_class
    responses = create_responses(
        serializer,
        resent=gettext_lazy("Ya existía igual; no se duplicó."),
        conflict=gettext_lazy("El record_id existe con otro contenido."),
    )
    return extend_schema_view(create=extend_schema(responses=responses))(viewset)


@documented_padron
class HouseholdViewSet(PadronViewSet):
    """Households of the padrón; names, addresses and notes only for the committee and those
    who accompany it."""

    queryset = Household.objects.all()
    serializer_class = HouseholdSerializer
    write = staticmethod(padron.save_household)
    filterset_class = books_filter(
        Household,
        locality=django_filters.ModelChoiceFilter(queryset=visible(Locality)),
        number=django_filters.CharFilter(),
    )
    select_related = ("provider",)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("connections")


@documented_padron
class ConnectionViewSet(PadronViewSet):
    """Tomas: house connections and public taps, with their status; why a toma is exempt only
    for the committee and those who accompany it."""

    queryset = Connection.objects.all()
    serializer_class = ConnectionSerializer
    write = staticmethod(padron.save_connection)
    filterset_class = books_filter(
        Connection,
        household=django_filters.ModelChoiceFilter(queryset=visible(Household)),
        status=django_filters.ChoiceFilter(choices=Connection.Status.choices),
        kind=django_filters.ChoiceFilter(choices=Connection.Kind.choices),
        code=django_filters.CharFilter(),
    )
    select_related = ("provider",)


# --- A committee's books at a glance (read only) --------------------------------------------


class RatioSerializer(serializers.Serializer):
    numerator = serializers.DecimalField(**FIGURE)
    denominator = serializers.DecimalField(**FIGURE)
    value = serializers.DecimalField(max_digits=20, decimal_places=3, allow_null=True)


class FinanceSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    # A kiosk or a school lives on its sales: figures about tomas' fees do not apply to it
    # (null, and named in ``not_applicable``), rather than a misleading 0.
    collection_efficiency = RatioSerializer(allow_null=True)
    cost_coverage = RatioSerializer()
    reserve_months = RatioSerializer()
    arrears_amount = serializers.DecimalField(**FIGURE, allow_null=True)
    connections_in_arrears = serializers.IntegerField(allow_null=True)
    households_paying = RatioSerializer(allow_null=True)
    not_applicable = serializers.ListField(child=serializers.CharField())


class KioskSerializer(serializers.Serializer):
    litres_sold = serializers.DecimalField(max_digits=20, decimal_places=1)
    revenue = serializers.DecimalField(**FIGURE)
    costs = serializers.DecimalField(**FIGURE)
    margin = serializers.DecimalField(**FIGURE)
    average_jug_price = serializers.DecimalField(**FIGURE, allow_null=True)
    bottled_jug_price = serializers.DecimalField(**FIGURE, allow_null=True)
    price_against_bottled = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True
    )


class BalanceSerializer(serializers.Serializer):
    account = serializers.ChoiceField(Account.choices)
    label = serializers.CharField()
    balance = serializers.DecimalField(
        **FIGURE, help_text=gettext_lazy("Debe menos haber; los ingresos quedan negativos.")
    )


class ChainSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    entries = serializers.IntegerField()
    head = serializers.CharField()
    first_bad_sequence = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField(allow_blank=True)
    checked_at = serializers.DateTimeField(
        allow_null=True,
        help_text=gettext_lazy(
            "En una cadena larga: cuándo se revisó completa; lo posterior se revisó ahora. "
            "Nulo cuando se revisó toda ahora."
        ),
    )


class BooksSummarySerializer(serializers.Serializer):
    provider = serializers.IntegerField()
    provider_name = serializers.CharField()
    on = serializers.DateField()
    balances = BalanceSerializer(many=True)
    head_hash = serializers.CharField()
    chain = ChainSerializer()
    books_ok = serializers.BooleanField(
        help_text=gettext_lazy("La cadena y además: recibos sin huecos, cada registro con asiento.")
    )
    problems = serializers.ListField(child=serializers.CharField())
    indicators = FinanceSerializer()
    kiosk = KioskSerializer(allow_null=True)


SummaryQuery = type(
    "SummaryQuery",
    (serializers.Serializer,),
    {"from": serializers.DateField(required=False), "to": serializers.DateField(required=False)},
)


def summary_period(query) -> tuple[datetime.date, datetime.date]:
    start, end = query.get("from"), query.get("to")
    if start is None and end is None:
        return last_twelve_months(timezone.localdate())
    if start is None or end is None:
        raise ApiValidationError(
            {
                "from": _(
                    "Envíe las dos fechas, from y to, o ninguna (entonces se usan los últimos 12 "
                    "meses completos)."
                )
            }
        )
    if start > end:
        raise ApiValidationError({"from": _("La fecha from debe ser anterior a la fecha to.")})
    return start, end


def ratio(figure) -> dict:
    return {
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "value": figure.value,
    }


class BooksSummaryViewSet(viewsets.ViewSet):
    """A committee's books at a glance: balances, the chain head and its check, and the
    financial indicators of a period (``from``/``to``; the last 12 whole months by default)."""

    lookup_url_kwarg = "provider"
    lookup_value_regex = r"\d+"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "provider", int, OpenApiParameter.PATH, description="Comité (id del prestador)"
            ),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Desde (AAAA-MM-DD)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Hasta (AAAA-MM-DD)"),
        ],
        responses=BooksSummarySerializer,
    )
    def retrieve(self, request, provider=None):
        committee = get_visible_or_404(request.user, Provider, provider)
        query = SummaryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = summary_period(query.validated_data)
        labels = dict(Account.choices)
        held = ledger.balances(committee.pk)
        # A long chain answers from its last full check plus what came after, as pages do.
        report = books_status(committee.pk)
        chain = report.chain
        figures = finance_indicators(committee, start, end)
        kiosk = None
        if committee.kind in (Provider.Kind.KIOSK, Provider.Kind.SCHOOL):
            sold = kiosk_indicators(committee, start, end)
            kiosk = {
                "litres_sold": sold.litres_sold,
                "revenue": sold.revenue,
                "costs": sold.costs,
                "margin": sold.margin,
                "average_jug_price": sold.average_jug_price,
                "bottled_jug_price": sold.bottled_jug_price,
                "price_against_bottled": sold.price_against_bottled,
            }
        data = {
            "provider": committee.pk,
            "provider_name": committee.name,
            "on": timezone.localdate(),
            "balances": [
                {"account": account, "label": labels[account], "balance": held[account]}
                for account in Account.values
                if account in held
            ],
            "head_hash": ledger.head_hash(committee.pk),
            "chain": {
                "ok": chain.ok,
                "entries": chain.entries,
                "head": chain.head,
                "first_bad_sequence": chain.first_bad[0] if chain.first_bad else None,
                "problem": chain.describe(),
                "checked_at": chain.checked_at,
            },
            "books_ok": report.ok,
            "problems": report.messages(),
            "indicators": finance_figures(committee, figures),
            "kiosk": kiosk,
        }
        return Response(BooksSummarySerializer(data).data)


FEE_FIGURES = (
    "collection_efficiency",
    "arrears_amount",
    "connections_in_arrears",
    "households_paying",
)


def finance_figures(provider: Provider, figures) -> dict:
    data = {
        "period_start": figures.period_start,
        "period_end": figures.period_end,
        "collection_efficiency": ratio(figures.collection_efficiency),
        "cost_coverage": ratio(figures.cost_coverage),
        "reserve_months": ratio(figures.reserve_months),
        "arrears_amount": figures.arrears_amount,
        "connections_in_arrears": figures.connections_in_arrears,
        "households_paying": ratio(figures.households_paying),
        "not_applicable": [],
    }
    if lives_on_sales(provider):
        data.update(dict.fromkeys(FEE_FIGURES), not_applicable=list(FEE_FIGURES))
    return data


BOOKS_ROUTES = [
    ("households", HouseholdViewSet, None),
    ("connections", ConnectionViewSet, None),
    ("tariffs", TariffViewSet, None),
    ("exemption-rules", ExemptionRuleViewSet, None),
    ("money-accounts", MoneyAccountViewSet, None),
    ("charges", ChargeViewSet, None),
    ("payments", PaymentViewSet, None),
    ("cash-counts", CashCountViewSet, None),
    ("deposits", DepositViewSet, None),
    ("expenses", ExpenseViewSet, None),
    ("sales", SaleViewSet, None),
    ("ledger-entries", JournalEntryViewSet, None),
    ("books-summary", BooksSummaryViewSet, "books-summary"),
]
