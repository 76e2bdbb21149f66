"""The treasurer's day-to-day pages under /cuentas/<id>/: payments and receipts, charges, cash
counts, deposits, expenses with their quotes, sales, the opening balance, and their lists.

The views are thin: each one checks scope, reads a form and calls the domain function that
writes the money record and its ledger entry (``payments``, ``charges``, ``cash``); nothing here
writes a money row itself. Their ``ValidationError`` messages are shown on the form as they come.

Who may do what:

* reading the lists and receipts needs the provider in sight (``get_visible_or_404``); writing
  needs it editable (``get_editable_or_404``: 404 outside the scope, 403 when read-only);
* names from the padrón appear only for those who may read them (``may_see_names``). Recording a
  payment does not need names: a toma is found by its code or padrón number, so a coordinator
  who may edit the committee but not read its padrón (``agencia``) can record one too, and sees
  receipts without the household's name;
* the receipt the committee prints and hands to the household shows the household's name,
  because the committee may read it; the same receipt printed by someone who may not read names
  leaves it out. Receipts are never on a public page or in a shared export.

Resends: every form that makes a record carries a ``record_id`` made when the form is shown,
and the page passes it to the domain, which recognises a repeat: the same form sent twice (a
double tap, a resend after the signal dropped) records once, and the page says it was already
there. The same id with other content is refused with the domain's message.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Length
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ojodeagua.lib.folding import Folded, fold
from ojodeagua.lib.money import mxn as money
from ojodeagua.lib.outbox import outbox_key
from ojodeagua.lib.pdf import render_pdf
from ojodeagua.lib.records import RecordConflict
from ojodeagua.lib.uploads import EVIDENCE_KINDS, evidence_extension
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.scope import get_editable_or_404, get_visible_or_404, scope_for
from ojodeagua.providers.models import Provider

from . import cash, charges, desk, payments, selectors
from .entry_forms import (
    CashCountForm,
    CreditForm,
    DepositForm,
    ExpenseForm,
    MoneyAccountForm,
    MonthForm,
    OneOffChargeForm,
    OpeningBalanceForm,
    PaymentForm,
    QuoteFormSet,
    ReceiptSheetForm,
    SaleForm,
    TomaSearchForm,
    VoidForm,
)
from .models import (
    ZERO,
    Account,
    CashCount,
    Charge,
    Connection,
    Deposit,
    Expense,
    JournalEntry,
    MoneyAccount,
    Payment,
    Sale,
    Tariff,
    lives_on_sales,
)
from .padron import may_see_names

PAGE_SIZE = 50
TOMAS_FOUND = 20
DEBTS_ON_PAGE = 10


# Amounts in words --------------------------------------------------------------------------------
UNITS = [
    "",
    "un",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiún",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
]
TENS = ["", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"]
HUNDREDS = [
    "",
    "ciento",
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
]


def _below_thousand(number: int) -> str:
    """1–999 in words, with "un"/"veintiún" as they are said before a noun ("veintiún pesos")."""
    if number == 100:
        return "cien"
    hundreds, rest = divmod(number, 100)
    words = [HUNDREDS[hundreds]] if hundreds else []
    if 0 < rest < 30:
        words.append(UNITS[rest])
    elif rest:
        tens, unit = divmod(rest, 10)
        words.append(f"{TENS[tens]} y {UNITS[unit]}" if unit else TENS[tens])
    return " ".join(words)


def number_in_words(number: int) -> str:
    """A whole number in Spanish words, as said before a noun: 21 → "veintiún"."""
    if number < 0:
        raise ValueError("only amounts of zero or more are written in words")
    if number == 0:
        return "cero"
    millions, rest = divmod(number, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words = []
    if millions == 1:
        words.append("un millón")
    elif millions:
        words.append(f"{number_in_words(millions)} millones")
    if thousands == 1:
        words.append("mil")
    elif thousands:
        words.append(f"{_below_thousand(thousands)} mil")
    if units:
        words.append(_below_thousand(units))
    return " ".join(words)


def amount_in_words(amount: Decimal) -> str:
    """An amount as written on a Mexican receipt: 120 → "ciento veinte pesos 00/100 M.N.".

    Whole millions take "de" ("un millón de pesos"); one peso is "un peso".
    """
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount < 0:
        raise ValueError("only amounts of zero or more are written in words")
    pesos = int(amount)
    cents = int((amount - pesos) * 100)
    words = number_in_words(pesos)
    if pesos and pesos % 1_000_000 == 0:
        words += " de"
    unit = "peso" if pesos == 1 else "pesos"
    return f"{words} {unit} {cents:02d}/100 M.N."


# Shared helpers ----------------------------------------------------------------------------------
def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def add_domain_error(form, error: ValidationError) -> None:
    """The domain's message on the form, as a message for the whole form."""
    for message in error.messages:
        form.add_error(None, message)


def month_words(day: datetime.date) -> str:
    """ "marzo de 2026"."""
    return date_format(day, r"F \d\e Y").lower()


def parse_month(text: str | None) -> datetime.date | None:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def already_recorded(model, provider: Provider, record_id: str | None) -> bool:
    """Whether this form was recorded before, to say so; the domain itself refuses a repeat."""
    return bool(record_id) and model.objects.filter(provider=provider, record_id=record_id).exists()


def toma_page(provider: Provider, connection_id: int) -> str:
    """The payment page of one toma: what it owes, and the form to pay it."""
    return f"{reverse('books:payment_create', args=[provider.pk])}?toma={connection_id}"


def page_status(form) -> int:
    return 400 if form.is_bound else 200


def base_context(request: HttpRequest, provider: Provider, section: str, **extra) -> dict:
    return {
        "provider": provider,
        "section": section,
        "can_edit": scope_for(request.user).can_edit(provider),
        "show_names": may_see_names(request.user, provider),
        "sells": lives_on_sales(provider) or Sale.objects.filter(provider=provider).exists(),
        **extra,
    }


def paginate(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    return urlencode({k: v for k, v in request.GET.items() if k != "page" and v})


# Finding a toma ----------------------------------------------------------------------------------
def find_tomas(provider: Provider, text: str, *, with_names: bool):
    """Tomas whose code holds what was typed ("24" finds T-024), or whose padrón number starts
    with it; by a name too, without regard to accents, only for those who may read names (a
    search by name would otherwise tell that a name is on the padrón). Shortest codes first, so
    an exact code comes before the longer ones that contain it."""
    text = text.strip()
    if not text:
        return Connection.objects.none()
    condition = Q(code__icontains=text) | Q(household__number__istartswith=text)
    tomas = Connection.objects.filter(provider=provider)
    if with_names:
        tomas = tomas.alias(_folded_name=Folded("household__name"))
        condition |= Q(_folded_name__contains=fold(text))
    return (
        tomas.filter(condition)
        .select_related("household")
        .order_by(Length("code"), "code")[:TOMAS_FOUND]
    )


@dataclass
class Owed:
    items: list[payments.OpenCharge]
    total: Decimal


def owed_by(toma: Connection | None) -> Owed:
    if toma is None:
        return Owed([], ZERO)
    items = payments.open_charges(toma)
    return Owed(items, sum((item.open for item in items), ZERO))


# Payments ----------------------------------------------------------------------------------------
@login_required
def payment_create(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    show_names = may_see_names(request.user, provider)
    search = TomaSearchForm(request.GET or None, with_names=show_names)
    text = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
    toma: Connection | None = None
    owed: Owed | None = None
    without_toma = False
    if request.method == "POST":
        form = PaymentForm(request.POST, provider=provider)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment, created = payments.record_payment(
                    provider,
                    record_id=data["record_id"] or None,
                    amount=data["amount"],
                    paid_on=data["paid_on"],
                    connection=data["toma"],
                    method=data["method"],
                    concept=data["concept"],
                    user=request.user,
                )
            except ValidationError as error:
                add_domain_error(form, error)
            else:
                return payment_done(request, provider, payment, created)
        toma = form.cleaned_data.get("toma") if hasattr(form, "cleaned_data") else None
        if toma is None:
            toma = Connection.objects.filter(
                provider=provider, pk=request.POST.get("toma") or None
            ).first()
        without_toma = toma is None
    else:
        chosen = request.GET.get("toma", "")
        if chosen == "ninguna":
            without_toma = True
        elif chosen:
            toma = get_object_or_404(Connection, provider=provider, pk=chosen)
        initial = {"toma": toma.pk if toma else None}
        owed = owed_by(toma)
        # "Paga todo" without JavaScript: the link comes back with the whole debt filled in.
        if toma is not None and request.GET.get("monto") == "todo" and owed.total > ZERO:
            initial["amount"] = f"{owed.total:.2f}"
        form = PaymentForm(initial=initial, provider=provider)
    context = base_context(
        request,
        provider,
        "payments",
        search=search,
        text=text,
        found=find_tomas(provider, text, with_names=show_names) if text else None,
        toma=toma,
        without_toma=without_toma,
        owed=owed if owed is not None else owed_by(toma),
        form=form,
        chosen=toma is not None or without_toma,
        arrears_on=timezone.localdate(),
        batch_url=reverse("books:payment_batch", args=[provider.pk]),
    )
    if not context["chosen"]:
        # The tomas that owe most, one tap away: most payments are theirs.
        debts, debtors, _total = desk.largest_debts(
            [provider.pk], timezone.localdate(), shown=DEBTS_ON_PAGE
        )[provider.pk]
        context.update(debts=debts, debtors=debtors)
    if toma is not None:
        context["arrears"] = selectors.arrears(toma, timezone.localdate())
    status = 200
    if form.is_bound:
        # htmx swaps a 422 in place (the form asks for it); the outbox takes it as refused.
        status = 422 if is_htmx(request) else 400
    return render(request, "books/entry/payment_create.html", context, status=status)


def payment_done(request: HttpRequest, provider: Provider, payment: Payment, created: bool):
    url = reverse("books:receipt", args=[provider.pk, payment.receipt_number])
    if created:
        messages.success(
            request,
            _("Se anotó el pago con el recibo número %(number)s por %(amount)s.")
            % {"number": payment.receipt_number, "amount": money(payment.amount)},
        )
    else:
        messages.info(
            request,
            _("Este pago ya estaba anotado con el recibo número %(number)s; no se anotó dos veces.")
            % {"number": payment.receipt_number},
        )
    if not is_htmx(request):
        return redirect(url)
    # Live, htmx goes to the receipt; a resend from the outbox shows this part in the form's place.
    response = render(
        request,
        "books/entry/_payment_done.html",
        {"provider": provider, "payment": payment, "created": created, "receipt_url": url},
    )
    response["HX-Redirect"] = url
    return response


@login_required
def payment_batch(request: HttpRequest, provider_id: int) -> HttpResponse:
    """The phone's waiting payments of one committee, sent together when the signal returns.

    Each waiting payment comes as the payment form sent it (``pago``, repeated: the form's own
    fields, url-encoded), so it is read by the same ``PaymentForm`` as the page, with the same
    Spanish messages. The good ones are recorded in one ``payments.record_payments`` call: one
    transaction, receipt numbers in the order sent, a payment sent before recognised by its
    ``record_id``. A payment the domain refuses is left out and the rest recorded; one that does
    not read as a payment is refused alone too. The answer has one part per payment, in the
    order sent: what its form shows once recorded (``_payment_done.html``), or its errors.

    Like every form of the site it is a page: the session and Django's CSRF check protect it
    (``draft.js`` sends the session's current token, read from its cookie); the API's
    ``payments/batch`` is the device keys' way.
    """
    # Scope first: another committee's address answers 404 whatever the method.
    provider = get_editable_or_404(request.user, Provider, provider_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    sent = [QueryDict(body) for body in request.POST.getlist("pago")]
    if not sent or len(sent) > payments.BATCH_LIMIT:
        return HttpResponse(status=400)
    wanted = {int(d["toma"]) for d in sent if d.get("toma", "").isdigit() and len(d["toma"]) < 19}
    tomas = Connection.objects.filter(provider=provider, pk__in=wanted).in_bulk() if wanted else {}
    forms = [PaymentForm(data, provider=provider, tomas=tomas) for data in sent]
    pending = [position for position, form in enumerate(forms) if form.is_valid()]
    recorded: dict[int, tuple[Payment, bool]] = {}
    while pending:
        items = [payment_in(forms[position].cleaned_data) for position in pending]
        try:
            results = payments.record_payments(provider, items, user=request.user)
        except payments.PaymentBatchRefused as refused:
            for index, error in refused.by_item.items():
                add_domain_error(forms[pending[index]], error)
            pending = [p for index, p in enumerate(pending) if index not in refused.by_item]
            continue
        recorded = dict(zip(pending, results, strict=True))
        break
    parts = []
    for position, form in enumerate(forms):
        payment, created = recorded.get(position, (None, False))
        receipt_url = (
            reverse("books:receipt", args=[provider.pk, payment.receipt_number]) if payment else ""
        )
        parts.append(
            {"payment": payment, "created": created, "receipt_url": receipt_url, "form": form}
        )
    return render(
        request, "books/entry/_payment_batch.html", {"provider": provider, "parts": parts}
    )


def payment_in(data: dict) -> payments.PaymentIn:
    return payments.PaymentIn(
        data["record_id"] or None,
        data["amount"],
        data["paid_on"],
        data["toma"],
        data["method"],
        data["concept"],
    )


@login_required
def payment_list(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    month = parse_month(request.GET.get("mes"))
    receipts = Payment.objects.filter(provider=provider)
    if month:
        receipts = receipts.filter(paid_on__gte=month, paid_on__lt=next_month(month))
    figures = receipts.aggregate(
        count=Count("pk"),
        live=Count("pk", filter=Q(void__isnull=True)),
        total=Sum("amount", filter=Q(void__isnull=True)),
    )
    page = paginate(
        request,
        receipts.select_related("connection__household", "void").order_by("-receipt_number"),
    )
    context = base_context(
        request,
        provider,
        "payments",
        month=month,
        month_value=month.strftime("%Y-%m") if month else "",
        page_obj=page,
        query=query_without_page(request),
        sentence=payment_sentence(figures, month),
        sheet_form=ReceiptSheetForm(
            initial={"desde": month, "hasta": next_month(month) - datetime.timedelta(days=1)}
            if month
            else None
        ),
    )
    return render(request, "books/entry/payment_list.html", context)


def payment_sentence(figures: dict, month: datetime.date | None) -> str:
    live, voided = figures["live"], figures["count"] - figures["live"]
    total = money(figures["total"] or ZERO)
    if month:
        sentence = ngettext(
            "En %(month)s se dio %(count)s recibo por %(total)s.",
            "En %(month)s se dieron %(count)s recibos por %(total)s en total.",
            live,
        ) % {"month": month_words(month), "count": live, "total": total}
    else:
        sentence = ngettext(
            "Hay %(count)s recibo vigente por %(total)s.",
            "Hay %(count)s recibos vigentes por %(total)s en total.",
            live,
        ) % {"count": live, "total": total}
    if voided:
        sentence += " " + ngettext(
            "Además hay %(count)s recibo cancelado, que no cuenta en el total.",
            "Además hay %(count)s recibos cancelados, que no cuentan en el total.",
            voided,
        ) % {"count": voided}
    return sentence


# Receipts ----------------------------------------------------------------------------------------
@dataclass
class Receipt:
    """What a printed or shown receipt says."""

    payment: Payment
    words: str
    paid_for: list[tuple[Charge, Decimal]]
    credit_left: Decimal
    received_by: str
    household_name: str


def received_by_label(payment: Payment, roles: dict[int, str]) -> str:
    user = payment.received_by
    if user is None:
        return ""
    role = roles.get(user.pk)
    return f"{user.username} ({role})" if role else user.username


def member_roles(user_ids: set[int]) -> dict[int, str]:
    roles: dict[int, str] = {}
    for membership in Membership.objects.filter(user_id__in=user_ids, active=True).order_by("pk"):
        roles.setdefault(membership.user_id, str(membership.get_role_display()))
    return roles


def receipts_for(payments_qs, *, show_names: bool) -> list[Receipt]:
    rows = list(
        payments_qs.select_related("connection__household", "void", "received_by").prefetch_related(
            "allocations__charge"
        )
    )
    roles = member_roles({p.received_by_id for p in rows if p.received_by_id})
    receipts = []
    for payment in rows:
        paid_for = [(a.charge, a.amount) for a in payment.allocations.all()]
        applied = sum((amount for _charge, amount in paid_for), ZERO)
        household = payment.connection.household if payment.connection else None
        receipts.append(
            Receipt(
                payment=payment,
                words=amount_in_words(payment.amount),
                paid_for=paid_for,
                credit_left=payment.amount - applied if payment.connection_id else ZERO,
                received_by=received_by_label(payment, roles),
                household_name=household.name if household and show_names else "",
            )
        )
    return receipts


def receipt_payment(provider: Provider, number: int) -> Payment:
    return get_object_or_404(Payment, provider=provider, receipt_number=number)


@login_required
def receipt(request: HttpRequest, provider_id: int, number: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    payment = receipt_payment(provider, number)
    show_names = may_see_names(request.user, provider)
    (shown,) = receipts_for(Payment.objects.filter(pk=payment.pk), show_names=show_names)
    context = base_context(request, provider, "payments", receipt=shown, payment=payment)
    return render(request, "books/receipts/receipt.html", context)


def print_context(provider: Provider, receipts: list[Receipt], layout: str) -> dict:
    per_page = 4 if layout == "sheet" else 1
    return {
        "provider": provider,
        "layout": layout,
        "page_size": "A4 portrait" if layout == "sheet" else "A6 portrait",
        "pages": [receipts[i : i + per_page] for i in range(0, len(receipts), per_page)],
        "printed_on": timezone.localdate(),
    }


@login_required
def receipt_pdf(request: HttpRequest, provider_id: int, number: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    payment = receipt_payment(provider, number)
    receipts = receipts_for(
        Payment.objects.filter(pk=payment.pk), show_names=may_see_names(request.user, provider)
    )
    return render_pdf(
        request,
        "books/receipts/print.html",
        print_context(provider, receipts, "single"),
        _("recibo-%(number)s-%(provider)s") % {"number": number, "provider": provider.name},
    )


@login_required
def receipts_sheet(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Receipts four to an A4 page, by their numbers or the days they were paid."""
    provider = get_visible_or_404(request.user, Provider, provider_id)
    form = ReceiptSheetForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        chosen = Payment.objects.filter(provider=provider)
        if data["numeros"]:
            chosen = chosen.filter(receipt_number__in=data["numeros"])
        if data["desde"] and data["hasta"]:
            chosen = chosen.filter(paid_on__gte=data["desde"], paid_on__lte=data["hasta"])
        found = chosen.order_by("receipt_number")[: ReceiptSheetForm.MAX_RECEIPTS + 1]
        count = len(found)
        if count > ReceiptSheetForm.MAX_RECEIPTS:
            form.add_error(
                None,
                _("Son más de %(max)s recibos; elija menos días o menos números.")
                % {"max": ReceiptSheetForm.MAX_RECEIPTS},
            )
        elif not count:
            form.add_error(None, _("No hay recibos con esos números o en esas fechas."))
        else:
            receipts = receipts_for(
                Payment.objects.filter(pk__in=[p.pk for p in found]).order_by("receipt_number"),
                show_names=may_see_names(request.user, provider),
            )
            first, last = receipts[0].payment.receipt_number, receipts[-1].payment.receipt_number
            return render_pdf(
                request,
                "books/receipts/print.html",
                print_context(provider, receipts, "sheet"),
                _("recibos-%(first)s-a-%(last)s-%(provider)s")
                % {"first": first, "last": last, "provider": provider.name},
            )
    context = base_context(request, provider, "payments", form=form)
    return render(request, "books/receipts/sheet_form.html", context, status=page_status(form))


@login_required
def payment_void(request: HttpRequest, provider_id: int, number: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    payment = receipt_payment(provider, number)
    url = reverse("books:receipt", args=[provider.pk, number])
    already_voided = hasattr(payment, "void")
    if already_voided and request.method != "POST":
        return redirect(url)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _void, created = payments.void_payment(
                payment, form.cleaned_data["reason"], user=request.user
            )
        except RecordConflict as conflict:
            # Voided before with another reason: the receipt shows the one it keeps.
            messages.error(request, conflict.messages[0])
            return redirect(url)
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            if created:
                messages.success(
                    request,
                    _(
                        "Se canceló el recibo %(number)s. Su número queda usado y el dinero "
                        "sale de las cuentas."
                    )
                    % {"number": number},
                )
            else:
                messages.info(
                    request, _("El recibo %(number)s ya estaba cancelado.") % {"number": number}
                )
            return redirect(url)
    if already_voided:
        messages.info(request, _("El recibo %(number)s ya estaba cancelado.") % {"number": number})
        return redirect(url)
    show_names = may_see_names(request.user, provider)
    (shown,) = receipts_for(Payment.objects.filter(pk=payment.pk), show_names=show_names)
    context = base_context(request, provider, "payments", form=form, receipt=shown)
    return render(request, "books/entry/payment_void.html", context, status=page_status(form))


# Charges -----------------------------------------------------------------------------------------
class _Preview(Exception):
    """Raised to roll back a dry run of the month's charges."""


def preview_charges(provider: Provider, period: datetime.date, user) -> tuple[int, Decimal]:
    """How many charges generating the month would make, and their total, found by running the
    domain's own ``generate_charges`` and rolling it back (so the preview cannot differ from it)."""
    result = (0, ZERO)
    try:
        with transaction.atomic():
            made = charges.generate_charges(provider, period, user)
            result = (len(made), sum((charge.amount for charge in made), ZERO))
            raise _Preview
    except _Preview:
        pass
    return result


@login_required
def charges_generate(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    today = timezone.localdate()
    form = MonthForm(request.POST or None, initial={"month": today.replace(day=1)})
    preview = None
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["month"]
        try:
            if request.POST.get("confirm"):
                made = charges.generate_charges(provider, period, request.user)
                total = sum((charge.amount for charge in made), ZERO)
                messages.success(
                    request,
                    ngettext(
                        "Se hizo %(count)s cargo de %(month)s por %(total)s.",
                        "Se hicieron %(count)s cargos de %(month)s por %(total)s en total.",
                        len(made),
                    )
                    % {"count": len(made), "month": month_words(period), "total": money(total)},
                )
                return redirect("books:provider_books", provider.pk)
            count, total = preview_charges(provider, period, request.user)
            preview = {
                "count": count,
                "total": total,
                "period": period,
                "month": month_words(period),
                "value": period.strftime("%Y-%m"),
            }
        except ValidationError as error:
            add_domain_error(form, error)
    context = base_context(request, provider, "charges", form=form, preview=preview)
    status = 400 if form.errors else 200
    return render(request, "books/entry/charges_generate.html", context, status=status)


def one_off_charge(request: HttpRequest, provider_id: int, kind: str) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    form = OneOffChargeForm(request.POST or None, provider=provider)
    fine = kind == Charge.Kind.FINE
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record_id = data["record_id"] or None
        seen = already_recorded(Charge, provider, record_id)
        make = charges.charge_fine if fine else charges.charge_connection_fee
        try:
            charge = make(
                data["toma"],
                on=data["on"],
                amount=data["amount"],
                description=data["description"],
                record_id=record_id,
                user=request.user,
            )
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            if seen:
                messages.info(request, _("Ese cargo ya se había anotado; no se anotó dos veces."))
            else:
                messages.success(
                    request,
                    _("Se anotó %(what)s de %(amount)s a la toma %(code)s.")
                    % {
                        "what": charge.get_kind_display(),
                        "amount": money(charge.amount),
                        "code": charge.connection.code,
                    },
                )
            return redirect(toma_page(provider, charge.connection_id))
    tariff = charges.tariff_on(
        provider,
        [Tariff.Kind.FINE if fine else Tariff.Kind.CONNECTION_FEE],
        timezone.localdate(),
    )
    context = base_context(
        request,
        provider,
        "charges",
        form=form,
        title=_("Anotar una multa") if fine else _("Cobrar una toma nueva"),
        intro=one_off_intro(tariff, fine),
        submit=_("Anotar la multa") if fine else _("Anotar el cargo"),
    )
    return render(request, "books/entry/form.html", context, status=page_status(form))


def one_off_intro(tariff: Tariff | None, fine: bool) -> list[str]:
    if tariff is None:
        return [_("No hay una tarifa aprobada para esto; escriba el monto que aprobó la asamblea.")]
    sentence = (
        _("La multa que aprobó la asamblea es de %(amount)s.")
        if fine
        else _("La cuota por toma nueva que aprobó la asamblea es de %(amount)s.")
    )
    return [sentence % {"amount": money(tariff.amount)}]


@login_required
def charge_fine(request: HttpRequest, provider_id: int) -> HttpResponse:
    return one_off_charge(request, provider_id, Charge.Kind.FINE)


@login_required
def charge_connection_fee(request: HttpRequest, provider_id: int) -> HttpResponse:
    return one_off_charge(request, provider_id, Charge.Kind.CONNECTION_FEE)


@login_required
def charge_credit(request: HttpRequest, provider_id: int, pk: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    charge = get_object_or_404(
        Charge.objects.select_related("connection"), provider=provider, pk=pk
    )
    toma_url = toma_page(provider, charge.connection_id)
    if request.method == "POST" and Charge.objects.filter(corrects=charge).exists():
        messages.info(request, _("Ese cargo ya tenía su corrección; no se corrigió dos veces."))
        return redirect(toma_url)
    form = CreditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            credit = charges.credit_charge(
                charge,
                form.cleaned_data["reason"],
                user=request.user,
                amount=form.cleaned_data["amount"],
                record_id=form.cleaned_data["record_id"] or None,
            )
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Se corrigió el cargo: %(amount)s menos para la toma %(code)s.")
                % {"amount": money(-credit.amount), "code": charge.connection.code},
            )
            return redirect(toma_url)
    left = next(
        (i.open for i in payments.open_charges(charge.connection) if i.charge.pk == charge.pk),
        ZERO,
    )
    intro = [
        _("Cargo: %(kind)s de %(month)s a la toma %(code)s, por %(amount)s.")
        % {
            "kind": charge.get_kind_display(),
            "month": month_words(charge.period),
            "code": charge.connection.code,
            "amount": money(charge.amount),
        },
        _("De ese cargo quedan %(left)s sin pagar; solo eso se puede corregir.")
        % {"left": money(left)},
        _("El cargo no se borra: la corrección queda a su lado, con su razón."),
    ]
    context = base_context(
        request,
        provider,
        "charges",
        form=form,
        title=_("Corregir un cargo"),
        intro=intro,
        submit=_("Corregir el cargo"),
        cancel_url=toma_url,
    )
    return render(request, "books/entry/form.html", context, status=page_status(form))


# Cash counts -------------------------------------------------------------------------------------
@login_required
def cash_count(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    form = CashCountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            count = cash.record_cash_count(
                provider,
                counted_on=data["counted_on"],
                counted=data["counted"],
                first_signer=data["first_signer"],
                second_signer=data["second_signer"],
                notes=data["notes"],
                record_id=data["record_id"] or None,
                user=request.user,
            )
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, cash_count_sentence(count))
            return redirect("books:cash_count_list", provider.pk)
    day = form.cleaned_data.get("counted_on") if form.is_bound and form.is_valid() else None
    day = day or timezone.localdate()
    expected = cash.expected_cash(provider, day)
    intro = [
        _(
            "Según las cuentas, al cierre del %(day)s en caja debe haber %(amount)s. Cuenten el "
            "dinero entre dos personas del comité y anoten lo que contaron."
        )
        % {"day": day.strftime("%d/%m/%Y"), "amount": money(expected)},
        _(
            "Si lo contado no es igual, la diferencia queda anotada como faltante o sobrante "
            "para que la vea la asamblea."
        ),
    ]
    context = base_context(
        request,
        provider,
        "cash",
        form=form,
        title=_("Corte de caja"),
        intro=intro,
        submit=_("Anotar el corte"),
        draft_key=outbox_key("books", provider=provider.pk, form="cash-count"),
        expected=expected,
    )
    return render(request, "books/entry/form.html", context, status=page_status(form))


def cash_count_sentence(count: CashCount) -> str:
    difference = count.difference
    values = {
        "day": count.counted_on.strftime("%d/%m/%Y"),
        "counted": money(count.counted),
        "expected": money(count.expected),
        "difference": money(abs(difference)),
    }
    if difference < 0:
        return (
            _(
                "Corte del %(day)s: se contaron %(counted)s y las cuentas decían %(expected)s; "
                "faltan %(difference)s."
            )
            % values
        )
    if difference > 0:
        return (
            _(
                "Corte del %(day)s: se contaron %(counted)s y las cuentas decían %(expected)s; "
                "sobran %(difference)s."
            )
            % values
        )
    return _("Corte del %(day)s: se contaron %(counted)s, lo mismo que dicen las cuentas.") % values


@login_required
def cash_count_list(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    page = paginate(
        request, CashCount.objects.filter(provider=provider).order_by("-counted_on", "-pk")
    )
    for count in page:
        count.sentence = cash_count_sentence(count)
    context = base_context(
        request,
        provider,
        "cash",
        page_obj=page,
        query="",
        expected=cash.expected_cash(provider, timezone.localdate()),
    )
    return render(request, "books/entry/cash_count_list.html", context)


# Deposits ----------------------------------------------------------------------------------------
@login_required
def deposit_create(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    form = DepositForm(request.POST or None, request.FILES or None, provider=provider)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deposit = cash.record_deposit(
                provider,
                account=data["account"],
                deposited_on=data["deposited_on"],
                amount=data["amount"],
                slip_reference=data["slip_reference"],
                slip_photo=data["slip_photo"] or None,
                record_id=data["record_id"] or None,
                user=request.user,
            )
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Se anotó el depósito de %(amount)s en %(account)s.")
                % {"amount": money(deposit.amount), "account": deposit.account},
            )
            return redirect("books:deposit_list", provider.pk)
    today = timezone.localdate()
    intro = [
        _("Según las cuentas, hoy se pueden depositar hasta %(amount)s de la caja.")
        % {"amount": money(max(cash.cash_available(provider, today), ZERO))}
    ]
    context = base_context(
        request,
        provider,
        "deposits",
        form=form,
        title=_("Anotar un depósito"),
        intro=intro,
        submit=_("Anotar el depósito"),
        multipart=True,
        draft_key=outbox_key("books", provider=provider.pk, form="deposit"),
        no_accounts=not MoneyAccount.objects.filter(provider=provider).exists(),
    )
    return render(request, "books/entry/form.html", context, status=page_status(form))


@login_required
def deposit_list(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    deposits = Deposit.objects.filter(provider=provider)
    figures = deposits.aggregate(count=Count("pk"), total=Sum("amount"))
    page = paginate(request, deposits.select_related("account").order_by("-deposited_on", "-pk"))
    sentence = ngettext(
        "Hay %(count)s depósito anotado, por %(total)s.",
        "Hay %(count)s depósitos anotados, por %(total)s en total.",
        figures["count"],
    ) % {"count": figures["count"], "total": money(figures["total"] or ZERO)}
    last = deposits.order_by("-deposited_on").first()
    if last:
        sentence += " " + _("El último fue el %(day)s.") % {
            "day": last.deposited_on.strftime("%d/%m/%Y")
        }
    context = base_context(
        request,
        provider,
        "deposits",
        page_obj=page,
        query="",
        sentence=sentence,
        accounts=MoneyAccount.objects.filter(provider=provider),
    )
    return render(request, "books/entry/deposit_list.html", context)


@login_required
def account_create(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    form = MoneyAccountForm(request.POST or None, provider=provider)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record_id = data["record_id"] or None
        seen = already_recorded(MoneyAccount, provider, record_id)
        try:
            account = cash.add_money_account(
                provider,
                institution=data["institution"],
                kind=data["kind"],
                last_digits=data["last_digits"],
                is_reserve=data["is_reserve"],
                record_id=record_id,
                user=request.user,
            )
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            if seen:
                messages.info(
                    request,
                    _("La cuenta %(account)s ya estaba agregada; no se agregó dos veces.")
                    % {"account": account},
                )
            else:
                messages.success(
                    request, _("Se agregó la cuenta %(account)s.") % {"account": account}
                )
            return redirect("books:deposit_create", provider.pk)
    context = base_context(
        request,
        provider,
        "deposits",
        form=form,
        title=_("Agregar una cuenta de banco o cooperativa"),
        intro=[_("La cuenta donde el comité deposita lo que cobra.")],
        submit=_("Agregar la cuenta"),
    )
    return render(request, "books/entry/form.html", context, status=page_status(form))


# Expenses ----------------------------------------------------------------------------------------
@login_required
def expense_create(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    threshold = cash.quotes_threshold(provider)
    data = request.POST if request.method == "POST" else None
    form = ExpenseForm(data, request.FILES or None)
    quotes = QuoteFormSet(data, prefix="cotizaciones")
    if data is not None and form.is_valid() and quotes.is_valid():
        fields = form.cleaned_data
        try:
            expense = cash.record_expense(
                provider,
                spent_on=fields["spent_on"],
                category=fields["category"],
                amount=fields["amount"],
                supplier=fields["supplier"],
                description=fields["description"],
                paid_from=fields["paid_from"],
                approved_by=fields["approved_by"],
                receipt_photo=fields["receipt_photo"] or None,
                quotes=[q for q in (f.as_quote() for f in quotes.forms) if q],
                record_id=fields["record_id"] or None,
                user=request.user,
            )
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Se anotó el gasto de %(amount)s: %(description)s.")
                % {"amount": money(expense.amount), "description": expense.description},
            )
            return redirect("books:expense_list", provider.pk)
    context = base_context(
        request,
        provider,
        "expenses",
        form=form,
        quotes=quotes,
        threshold=threshold,
        draft_key=outbox_key("books", provider=provider.pk, form="expense"),
    )
    return render(request, "books/entry/expense_form.html", context, status=page_status(form))


@login_required
def expense_list(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    month = parse_month(request.GET.get("mes"))
    expenses = Expense.objects.filter(provider=provider)
    if month:
        expenses = expenses.filter(spent_on__gte=month, spent_on__lt=next_month(month))
    figures = expenses.aggregate(count=Count("pk"), total=Sum("amount"))
    by_category = [
        (Expense.Category(row["category"]).label, row["total"])
        for row in expenses.values("category").annotate(total=Sum("amount")).order_by("-total")
    ]
    page = paginate(request, expenses.prefetch_related("quotes").order_by("-spent_on", "-pk"))
    where = month_words(month) if month else _("todos los meses")
    sentence = ngettext(
        "En %(when)s hay %(count)s gasto anotado, por %(total)s.",
        "En %(when)s hay %(count)s gastos anotados, por %(total)s en total.",
        figures["count"],
    ) % {"when": where, "count": figures["count"], "total": money(figures["total"] or ZERO)}
    context = base_context(
        request,
        provider,
        "expenses",
        page_obj=page,
        query=query_without_page(request),
        month_value=month.strftime("%Y-%m") if month else "",
        sentence=sentence,
        by_category=by_category,
        threshold=cash.quotes_threshold(provider),
    )
    return render(request, "books/entry/expense_list.html", context)


# Sales -------------------------------------------------------------------------------------------
@login_required
def sale_create(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    today = timezone.localdate()
    jug = charges.tariff_on(provider, [Tariff.Kind.PER_JUG], today)
    initial = {"product": Sale.Product.JUG_20L}
    if jug:
        initial["unit_price"] = f"{jug.amount:.2f}"
    form = SaleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        litres = data["litres"]
        if litres is None and data["product"] == Sale.Product.REFILL:
            litres = data["quantity"]
        try:
            sale = cash.record_sale(
                provider,
                sold_on=data["sold_on"],
                product=data["product"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                litres=litres,
                record_id=data["record_id"] or None,
                user=request.user,
            )
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Se anotó la venta: %(quantity)s × %(product)s, %(amount)s.")
                % {
                    "quantity": cash.plain_number(sale.quantity),
                    "product": sale.get_product_display(),
                    "amount": money(sale.amount),
                },
            )
            return redirect("books:sale_list", provider.pk)
    intro = [_("El total es la cantidad por el precio; se cobra en efectivo y entra a la caja.")]
    if jug:
        intro.insert(
            0,
            _("El garrafón de 20 litros vale %(amount)s según la tarifa vigente.")
            % {"amount": money(jug.amount)},
        )
    context = base_context(
        request,
        provider,
        "sales",
        form=form,
        title=_("Anotar una venta"),
        intro=intro,
        submit=_("Anotar la venta"),
        draft_key=outbox_key("books", provider=provider.pk, form="sale"),
    )
    return render(request, "books/entry/form.html", context, status=page_status(form))


@login_required
def sale_list(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    month = parse_month(request.GET.get("mes"))
    sales = Sale.objects.filter(provider=provider)
    if month:
        sales = sales.filter(sold_on__gte=month, sold_on__lt=next_month(month))
    figures = sales.aggregate(count=Count("pk"), total=Sum("amount"), litres=Sum("litres"))
    where = month_words(month) if month else _("todos los meses")
    sentence = ngettext(
        "En %(when)s hay %(count)s venta anotada, por %(total)s.",
        "En %(when)s hay %(count)s ventas anotadas, por %(total)s en total.",
        figures["count"],
    ) % {"when": where, "count": figures["count"], "total": money(figures["total"] or ZERO)}
    if figures["litres"]:
        sentence += " " + _("Se vendieron %(litres)s litros.") % {
            "litres": f"{figures['litres']:,.0f}"
        }
    context = base_context(
        request,
        provider,
        "sales",
        page_obj=paginate(request, sales.order_by("-sold_on", "-pk")),
        query=query_without_page(request),
        month_value=month.strftime("%Y-%m") if month else "",
        sentence=sentence,
    )
    return render(request, "books/entry/sale_list.html", context)


# Opening balance ---------------------------------------------------------------------------------
def standing_opening(provider: Provider) -> JournalEntry | None:
    return (
        JournalEntry.objects.filter(
            provider=provider,
            lines__account=Account.OPENING,
            reverses__isnull=True,
            reversal__isnull=True,
        )
        .order_by("sequence")
        .first()
    )


@login_required
def opening_balance(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    existing = standing_opening(provider)
    form = OpeningBalanceForm(request.POST or None)
    if request.method == "POST" and existing is None and form.is_valid():
        data = form.cleaned_data
        try:
            cash.opening_balance(
                provider,
                cash=data["cash"] or ZERO,
                bank=data["bank"] or ZERO,
                reserve=data["reserve"] or ZERO,
                on=data["on"],
                user=request.user,
            )
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Se anotó el saldo inicial del comité."))
            return redirect("books:provider_books", provider.pk)
    if existing is not None:
        intro = [
            _(
                "Este comité ya tiene su saldo inicial, del %(day)s. Se anota una sola vez; si "
                "estaba mal, hay que revertir ese asiento y anotar el correcto."
            )
            % {"day": existing.entry_date.strftime("%d/%m/%Y")}
        ]
    else:
        intro = [
            _(
                "El dinero que el comité ya tenía el día en que empieza a llevar sus cuentas "
                "aquí. Se anota una sola vez."
            )
        ]
    context = base_context(
        request,
        provider,
        "opening",
        form=None if existing else form,
        title=_("Saldo inicial"),
        intro=intro,
        submit=_("Anotar el saldo inicial"),
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "books/entry/form.html", context, status=status)


# Photos ------------------------------------------------------------------------------------------
FILES = {
    "ficha": (Deposit, "slip_photo", "ficha-deposito"),
    "comprobante": (Expense, "receipt_photo", "comprobante-gasto"),
}


@login_required
def books_file(request: HttpRequest, provider_id: int, kind: str, pk: int) -> HttpResponse:
    """A deposit slip or an expense receipt, to those who see the committee; never public."""
    provider = get_visible_or_404(request.user, Provider, provider_id)
    if kind not in FILES:
        raise Http404
    model, field, stem = FILES[kind]
    record = get_object_or_404(model, provider=provider, pk=pk)
    stored = getattr(record, field)
    extension = evidence_extension(stored.name or "")
    if not stored or extension not in EVIDENCE_KINDS:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=EVIDENCE_KINDS[extension][0], filename=f"{stem}-{pk}.{extension}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("<int:provider_id>/pagos/", payment_list, name="payment_list"),
    path("<int:provider_id>/pagos/nuevo/", payment_create, name="payment_create"),
    path("<int:provider_id>/pagos/lote/", payment_batch, name="payment_batch"),
    path("<int:provider_id>/recibos/<int:number>/", receipt, name="receipt"),
    path("<int:provider_id>/recibos/<int:number>/pdf/", receipt_pdf, name="receipt_pdf"),
    path("<int:provider_id>/recibos/<int:number>/cancelar/", payment_void, name="payment_void"),
    path("<int:provider_id>/recibos/imprimir/", receipts_sheet, name="receipts_sheet"),
    path("<int:provider_id>/cargos/generar/", charges_generate, name="charges_generate"),
    path("<int:provider_id>/cargos/multa/", charge_fine, name="charge_fine"),
    path(
        "<int:provider_id>/cargos/toma-nueva/", charge_connection_fee, name="charge_connection_fee"
    ),
    path("<int:provider_id>/cargos/<int:pk>/corregir/", charge_credit, name="charge_credit"),
    path("<int:provider_id>/caja/", cash_count_list, name="cash_count_list"),
    path("<int:provider_id>/caja/corte/", cash_count, name="cash_count"),
    path("<int:provider_id>/depositos/", deposit_list, name="deposit_list"),
    path("<int:provider_id>/depositos/nuevo/", deposit_create, name="deposit_create"),
    path("<int:provider_id>/cuentas-de-banco/nueva/", account_create, name="account_create"),
    path("<int:provider_id>/gastos/", expense_list, name="expense_list"),
    path("<int:provider_id>/gastos/nuevo/", expense_create, name="expense_create"),
    path("<int:provider_id>/ventas/", sale_list, name="sale_list"),
    path("<int:provider_id>/ventas/nueva/", sale_create, name="sale_create"),
    path("<int:provider_id>/saldo-inicial/", opening_balance, name="opening_balance"),
    path("<int:provider_id>/archivos/<str:kind>/<int:pk>/", books_file, name="file"),
]
