"""Public accounts: a page per provider, open to anyone, with no personal names; the printable
assembly report; and the check of a printed report's hash against the live books."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ojodeagua.lib.pdf import render_pdf
from ojodeagua.organisations.scope import get_editable_or_404, scope_for
from ojodeagua.providers.models import Provider

from . import ledger
from .models import Account, AssemblyReport, JournalEntry
from .selectors import INCOME_ACCOUNTS, OM_EXPENSE_ACCOUNTS
from .transparency import CHARGED_ACCOUNTS, check_hash, public_figures, publish_report
from .verification import books_status

# WeasyPrint knows "letter" but not "tabloid": the poster is one 11 × 17 in sheet, by size.
REPORT_SIZES = {"carta": "letter portrait", "cartel": "11in 17in"}


def last_twelve_months(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 12 whole months before the current one."""
    end = today.replace(day=1) - datetime.timedelta(days=1)
    start = end.replace(day=1)
    for _month in range(11):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return start, end


def labelled(amounts: dict[str, str], accounts) -> list[tuple[str, str]]:
    names = dict(Account.choices)
    return [(names[account], amounts[account]) for account in accounts if account in amounts]


# What each charged account is, in the words a committee uses for its charges.
CHARGE_WORDS = {
    Account.INCOME_FEES: gettext_lazy("cuotas"),
    Account.INCOME_CONNECTIONS: gettext_lazy("tomas nuevas"),
    Account.INCOME_FINES: gettext_lazy("multas"),
}


def figures_context(figures: dict) -> dict:
    charged = figures.get("charged_by_account") or {}
    return {
        "figures": figures,
        # Reports published before these figures were split keep only the old ones.
        "split": figures.get("came_in") is not None,
        "charged_rows": [
            (CHARGE_WORDS[account], charged[account])
            for account in CHARGED_ACCOUNTS
            if account in charged
        ],
        "income_rows": labelled(figures["income"], INCOME_ACCOUNTS),
        "expense_rows": labelled(figures["expenses"], OM_EXPENSE_ACCOUNTS),
    }


def public_page(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_object_or_404(Provider, pk=provider_id)
    keeps_books = JournalEntry.objects.filter(provider=provider).exists()
    start, end = last_twelve_months(timezone.localdate())
    context = {
        "provider": provider,
        "keeps_books": keeps_books,
        "period_start": start,
        "period_end": end,
        "reports": AssemblyReport.objects.filter(provider=provider)[:5],
        "head": ledger.head_hash(provider.pk),
        # The form that publishes a report (and counts who came) is for who keeps the books.
        "can_publish": request.user.is_authenticated and scope_for(request.user).can_edit(provider),
        "today": timezone.localdate(),
    }
    books = None
    if keeps_books:
        # Computed on every view, a long chain's too: they add up monthly totals, not lines.
        context.update(figures_context(public_figures(provider, start, end).as_dict()))
        books = books_status(provider.pk)
        context.update(books=books, chain=books.chain)
    wanted = request.GET.get("huella", "").strip()
    if wanted:
        context["hash_check"] = check_hash(provider, wanted, books)
        context["wanted"] = wanted
    return render(request, "books/public/page.html", context)


def report_context(provider_id: int, report_id: int) -> dict:
    report = get_object_or_404(AssemblyReport, pk=report_id, provider_id=provider_id)
    return {"provider": report.provider, "report": report, **figures_context(report.figures)}


def report_print(request: HttpRequest, provider_id: int, report_id: int) -> HttpResponse:
    context = report_context(provider_id, report_id)
    size = request.GET.get("formato", "carta")
    if size not in REPORT_SIZES:
        raise Http404
    context.update(
        size=size,
        page_size=REPORT_SIZES[size],
        pdf_url=reverse("transparency:report_pdf", args=[provider_id, report_id])
        + f"?formato={size}",
    )
    return render(request, "books/public/report.html", context)


def report_pdf(request: HttpRequest, provider_id: int, report_id: int) -> HttpResponse:
    context = report_context(provider_id, report_id)
    size = request.GET.get("formato", "carta")
    if size not in REPORT_SIZES:
        raise Http404
    context.update(size=size, page_size=REPORT_SIZES[size])
    report = context["report"]
    return render_pdf(
        request,
        "books/public/report.html",
        context,
        f"informe-{report.provider_id}-{report.presented_on:%Y-%m-%d}-{size}",
    )


@login_required
@require_POST
def publish(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    try:
        start = datetime.date.fromisoformat(request.POST["desde"])
        end = datetime.date.fromisoformat(request.POST["hasta"])
        presented_on = datetime.date.fromisoformat(request.POST["asamblea"])
    except (KeyError, ValueError):
        messages.error(request, _("Anote las fechas del periodo y de la asamblea (día/mes/año)."))
        return redirect("transparency:page", provider_id=provider.pk)
    if start > end:
        messages.error(request, _("El periodo empieza después de terminar; revise las fechas."))
        return redirect("transparency:page", provider_id=provider.pk)
    present = {}
    for name, field in (("women_present", "mujeres"), ("men_present", "hombres")):
        text = request.POST.get(field, "").strip()
        if text and not (text.isascii() and text.isdigit()):
            messages.error(
                request,
                _(
                    "Anote cuántas mujeres y cuántos hombres vinieron con números enteros, "
                    "o déjelo vacío si no se contaron."
                ),
            )
            return redirect("transparency:page", provider_id=provider.pk)
        present[name] = int(text) if text else None
    report = publish_report(provider, start, end, presented_on, request.user, **present)
    messages.success(
        request,
        _("Se publicó el informe con la huella %(hash)s.") % {"hash": report.head_hash[:16]},
    )
    return redirect("transparency:page", provider_id=provider.pk)


app_name = "transparency"
urlpatterns = [
    path("<int:provider_id>/", public_page, name="page"),
    path("<int:provider_id>/publicar/", publish, name="publish"),
    path("<int:provider_id>/informes/<int:report_id>/", report_print, name="report_print"),
    path("<int:provider_id>/informes/<int:report_id>/informe.pdf", report_pdf, name="report_pdf"),
]
