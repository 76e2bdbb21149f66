"""CSV and XLSX downloads of a provider's books, without personal names.

The padrón's names stay out: a payment or a charge names its toma (connection code), which
only the committee can match with a household.

A table of many thousand rows (a municipal office's journal) is prepared on the task queue
(``pages.exports``): ``books_table`` is the one table the page and the job write.
"""

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ojodeagua.lib.exports import Table
from ojodeagua.lib.xlsx import DOWNLOAD_FORMATS
from ojodeagua.organisations.scope import get_visible_or_404
from ojodeagua.pages.exports import export_response
from ojodeagua.providers.models import Provider

from .models import Charge, Deposit, Expense, JournalLine, Payment, Sale


def journal(provider) -> tuple[list[str], Iterator[list]]:
    header = [
        _("asiento"),
        _("fecha"),
        _("concepto"),
        _("cuenta"),
        _("debe"),
        _("haber"),
        _("toma"),
        _("revierte el asiento"),
        _("origen"),
        _("huella"),
    ]
    lines = (
        JournalLine.objects.filter(entry__provider=provider)
        .select_related("entry__reverses", "connection")
        .order_by("entry__sequence", "pk")
    )
    rows = (
        [
            line.entry.sequence,
            line.entry.entry_date,
            line.entry.memo,
            line.get_account_display(),
            line.debit,
            line.credit,
            line.connection.code if line.connection else "",
            line.entry.reverses.sequence if line.entry.reverses else "",
            line.entry.source,
            line.entry.entry_hash,
        ]
        for line in lines.iterator(chunk_size=2000)
    )
    return header, rows


def payments(provider) -> tuple[list[str], Iterator[list]]:
    header = [_("recibo"), _("fecha"), _("toma"), _("monto"), _("forma de pago"), _("concepto")]
    header += [_("cancelado"), _("motivo de la cancelación")]
    rows = (
        [
            p.receipt_number,
            p.paid_on,
            p.connection.code if p.connection else "",
            p.amount,
            p.get_method_display(),
            p.concept,
            _("sí") if hasattr(p, "void") else _("no"),
            p.void.reason if hasattr(p, "void") else "",
        ]
        for p in Payment.objects.filter(provider=provider)
        .select_related("connection", "void")
        .order_by("receipt_number")
        .iterator(chunk_size=2000)
    )
    return header, rows


def charges(provider) -> tuple[list[str], Iterator[list]]:
    header = [_("mes"), _("toma"), _("tipo"), _("monto"), _("descripción"), _("corrige")]
    rows = (
        [
            c.period.strftime("%Y-%m"),
            c.connection.code,
            c.get_kind_display(),
            c.amount,
            c.description,
            c.corrects_id or "",
        ]
        for c in Charge.objects.filter(provider=provider)
        .select_related("connection")
        .order_by("period", "pk")
        .iterator(chunk_size=2000)
    )
    return header, rows


def expenses(provider) -> tuple[list[str], Iterator[list]]:
    header = [_("fecha"), _("categoría"), _("monto"), _("se pagó de"), _("a quién")]
    header += [_("qué"), _("cotizaciones")]
    rows = (
        [
            e.spent_on,
            e.get_category_display(),
            e.amount,
            e.get_paid_from_display(),
            e.supplier,
            e.description,
            len(e.quotes.all()),
        ]
        for e in Expense.objects.filter(provider=provider)
        .prefetch_related("quotes")
        .order_by("spent_on", "pk")
    )
    return header, rows


def deposits(provider) -> tuple[list[str], Iterator[list]]:
    header = [_("fecha"), _("cuenta"), _("monto"), _("folio de la ficha")]
    rows = (
        [d.deposited_on, str(d.account), d.amount, d.slip_reference]
        for d in Deposit.objects.filter(provider=provider)
        .select_related("account")
        .order_by("deposited_on", "pk")
    )
    return header, rows


def sales(provider) -> tuple[list[str], Iterator[list]]:
    header = [_("fecha"), _("producto"), _("cantidad"), _("precio unitario"), _("total")]
    header += [_("litros")]
    rows = (
        [s.sold_on, s.get_product_display(), s.quantity, s.unit_price, s.amount, s.litres]
        for s in Sale.objects.filter(provider=provider).order_by("sold_on", "pk")
    )
    return header, rows


TABLES = {
    "asientos": journal,
    "pagos": payments,
    "cargos": charges,
    "gastos": expenses,
    "depositos": deposits,
    "ventas": sales,
}


# How many rows each table has, in one query: past ``EXPORT_QUEUE_ROWS`` it goes to the queue.
COUNTS = {
    "asientos": lambda provider: JournalLine.objects.filter(entry__provider=provider).count(),
    "pagos": lambda provider: Payment.objects.filter(provider=provider).count(),
    "cargos": lambda provider: Charge.objects.filter(provider=provider).count(),
    "gastos": lambda provider: Expense.objects.filter(provider=provider).count(),
    "depositos": lambda provider: Deposit.objects.filter(provider=provider).count(),
    "ventas": lambda provider: Sale.objects.filter(provider=provider).count(),
}
EXPORT = "books"


def books_table(user, query) -> Table:
    """One table of a committee's books the person may see (``lib.exports``); 404 otherwise."""
    table = query.get("table")
    if table not in TABLES:
        raise Http404
    provider = get_visible_or_404(user, Provider, int(query["provider"]))
    header, rows = TABLES[table](provider)
    return Table(
        name=f"{table}-{provider.pk}-{timezone.localdate():%Y-%m-%d}",
        sheet=table,
        header=header,
        rows=rows,
        count=COUNTS[table](provider),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export(request: HttpRequest, provider_id: int, table: str, fmt: str):
    if table not in TABLES or fmt not in DOWNLOAD_FORMATS:
        raise Http404
    return export_response(request, EXPORT, fmt, provider=provider_id, table=table)


app_name = "books_exports"
urlpatterns = [
    path("<int:provider_id>/exportar/<slug:table>.<slug:fmt>", export, name="export"),
]
