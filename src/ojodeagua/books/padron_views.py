"""Pages of a provider's padrón, its import, and its tariffs, exemption rules and settings."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ojodeagua.audit.trail import save_audited
from ojodeagua.imports.engine import describe_columns
from ojodeagua.lib.tabular import TabularFileError, csv_response
from ojodeagua.organisations.scope import get_editable_or_404, get_visible_or_404, scope_for
from ojodeagua.providers.models import Provider

from . import padron
from .import_spec import PADRON
from .models import Household, Tariff
from .padron_forms import (
    BooksSettingsForm,
    ConnectionFormSet,
    ExemptionRuleForm,
    HouseholdForm,
    PadronFilter,
    PadronImportForm,
    TariffForm,
)

PAGE_SIZE = 50
MAX_ROWS_SHOWN = 500


# Who may do what --------------------------------------------------------------------------------
def padron_editable_or_404(request: HttpRequest, provider_id: int) -> Provider:
    """404 outside the scope; 403 for those who may not edit it or may not read its names."""
    provider = get_editable_or_404(request.user, Provider, provider_id)
    if not padron.may_see_names(request.user, provider):
        raise PermissionDenied
    return provider


def no_names_note() -> str:
    return _(
        "Usted ve los números del padrón y de las tomas, sin nombres ni direcciones: esos datos "
        "personales solo los ven el comité y quienes lo acompañan."
    )


def padron_sentences(counts: padron.PadronCounts) -> list[str]:
    """What the padrón's figures mean, in words."""
    sentences = [
        ngettext(
            "El padrón tiene %(count)s hogar.",
            "El padrón tiene %(count)s hogares.",
            counts.households,
        )
        % {"count": counts.households}
    ]
    if counts.connections:
        sentences.append(
            ngettext(
                "Hay %(count)s toma: %(active)s activa, %(suspended)s suspendida y "
                "%(exempt)s exenta.",
                "Hay %(count)s tomas: %(active)s activas, %(suspended)s suspendidas y "
                "%(exempt)s exentas.",
                counts.connections,
            )
            % {
                "count": counts.connections,
                "active": counts.active,
                "suspended": counts.suspended,
                "exempt": counts.exempt,
            }
        )
    else:
        sentences.append(_("Todavía no hay tomas anotadas."))
    if counts.public_taps:
        sentences.append(
            ngettext(
                "%(count)s de ellas es una toma pública (hidrante).",
                "%(count)s de ellas son tomas públicas (hidrantes).",
                counts.public_taps,
            )
            % {"count": counts.public_taps}
        )
    if counts.people:
        sentences.append(
            ngettext(
                "En los hogares del padrón vive %(count)s persona, según lo anotado.",
                "En los hogares del padrón viven %(count)s personas, según lo anotado.",
                counts.people,
            )
            % {"count": counts.people}
        )
    return sentences


# The padrón -------------------------------------------------------------------------------------
@login_required
def padron_list(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    show_names = padron.may_see_names(request.user, provider)
    filters = PadronFilter(request.GET or None, with_names=show_names)
    text = status = ""
    if filters.is_bound and filters.is_valid():
        text, status = filters.cleaned_data["q"], filters.cleaned_data["estado"]
    households = padron.padron_households(provider, text=text, status=status, with_names=show_names)
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = padron.padron_counts(provider)
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    context = {
        "provider": provider,
        "show_names": show_names,
        "no_names_note": no_names_note(),
        "can_edit": padron.may_edit_padron(request.user, provider),
        "counts": counts,
        "sentences": padron_sentences(counts),
        "filters": filters,
        "filtered": bool(text or status),
        "page_obj": page,
        "query": urlencode(query),
        "public_taps": padron.public_taps_without_household(provider),
        "section": "padron",
    }
    if context["can_edit"]:
        context["import_form"] = PadronImportForm(auto_id="import_%s")
    return render(request, "books/padron/list.html", context)


@login_required
def padron_export(request: HttpRequest, provider_id: int) -> HttpResponse:
    """The padrón as CSV: numbers only by default; with names only for those who may read them."""
    provider = get_visible_or_404(request.user, Provider, provider_id)
    with_names = request.GET.get("nombres") == "1"
    if with_names and not padron.may_see_names(request.user, provider):
        raise PermissionDenied
    suffix = "con-nombres" if with_names else "sin-nombres"
    return csv_response(
        f"padron-{provider.pk}-{suffix}.csv",
        padron.export_header(with_names=with_names),
        padron.export_rows(provider, with_names=with_names),
    )


def household_page(request: HttpRequest, provider: Provider, household: Household):
    creating = household.pk is None
    data = request.POST if request.method == "POST" else None
    form = HouseholdForm(data, instance=household, provider=provider)
    formset = ConnectionFormSet(data, instance=household, provider=provider, prefix="tomas")
    if data is not None and form.is_valid() and formset.is_valid():
        changed = [
            row.instance
            for row in formset.forms
            if row.has_changed() and row not in formset.deleted_forms
        ]
        saved, _created = padron.save_household(request.user, form.instance, changed)
        if creating:
            messages.success(
                request, _("Se agregó el hogar %(number)s al padrón.") % {"number": saved.number}
            )
        else:
            messages.success(
                request, _("Se guardó el hogar %(number)s.") % {"number": saved.number}
            )
        return redirect(f"{reverse('books:padron', args=[provider.pk])}?q={saved.number}")
    context = {
        "provider": provider,
        "form": form,
        "formset": formset,
        "creating": creating,
        "household": household,
        "section": "padron",
    }
    return render(request, "books/padron/household_form.html", context, status=400 if data else 200)


@login_required
def household_create(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = padron_editable_or_404(request, provider_id)
    household = Household(
        provider=provider,
        number=padron.next_padron_number(provider),
        locality_id=provider.locality_id,
    )
    return household_page(request, provider, household)


@login_required
def household_edit(request: HttpRequest, provider_id: int, pk: int) -> HttpResponse:
    provider = padron_editable_or_404(request, provider_id)
    household = get_object_or_404(Household, provider=provider, pk=pk)
    return household_page(request, provider, household)


@login_required
def padron_import(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = padron_editable_or_404(request, provider_id)
    form = PadronImportForm(request.POST or None, request.FILES or None)
    result = file_error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = padron.import_padron(
                provider,
                upload.read(),
                filename=upload.name,
                user=request.user,
                strict=form.cleaned_data["strict"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except TabularFileError as error:
            file_error = str(error)
    context = {
        "provider": provider,
        "form": form,
        "result": result,
        "file_error": file_error,
        "columns": describe_columns(PADRON),
        "spec": PADRON,
        "section": "padron",
    }
    if result is not None:
        context["rejected"] = [
            (line, reason.rstrip(".")) for line, reason in result.rejected[:MAX_ROWS_SHOWN]
        ]
        context["more_rejected"] = max(len(result.rejected) - MAX_ROWS_SHOWN, 0)
        context["accepted"] = result.accepted[:MAX_ROWS_SHOWN]
        context["more_accepted"] = max(len(result.accepted) - MAX_ROWS_SHOWN, 0)
        return render(request, "books/padron/import_result.html", context)
    status = 400 if form.is_bound else 200
    return render(request, "books/padron/import.html", context, status=status)


# Tariffs, exemption rules and settings ----------------------------------------------------------
@login_required
def tariff_list(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_visible_or_404(request.user, Provider, provider_id)
    context = {
        "provider": provider,
        "lines": padron.tariff_lines(provider),
        "rules": padron.exemption_rules(provider),
        "settings": padron.settings_for(provider),
        "can_edit": scope_for(request.user).can_edit(provider),
        "show_jug_price": provider.kind in {Provider.Kind.KIOSK, Provider.Kind.SCHOOL},
        "section": "tariffs",
    }
    return render(request, "books/tariffs/list.html", context)


@login_required
def tariff_create(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    initial = {}
    if request.GET.get("tipo") in Tariff.Kind.values:
        initial["kind"] = request.GET["tipo"]
    form = TariffForm(request.POST or None, initial=initial, provider=provider)
    if request.method == "POST" and form.is_valid():
        try:
            tariff = padron.add_tariff(request.user, form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        except IntegrityError:
            form.add_error(
                "valid_from",
                _("Ya hay una tarifa de este tipo desde ese día; elija un día posterior."),
            )
        else:
            messages.success(
                request,
                _("Se agregó la tarifa «%(kind)s». Vale desde el %(day)s.")
                % {
                    "kind": tariff.get_kind_display(),
                    "day": tariff.valid_from.strftime("%d/%m/%Y"),
                },
            )
            return redirect("books:tariffs", provider.pk)
    context = {
        "provider": provider,
        "form": form,
        "lines": padron.tariff_lines(provider),
        "section": "tariffs",
    }
    return render(
        request, "books/tariffs/tariff_form.html", context, status=400 if form.is_bound else 200
    )


@login_required
def exemption_create(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    form = ExemptionRuleForm(request.POST or None, provider=provider)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            rule = save_audited(request.user, form.instance, form.save)
        messages.success(
            request, _("Se agregó la regla de exención «%(name)s».") % {"name": rule.name}
        )
        return redirect("books:tariffs", provider.pk)
    context = {"provider": provider, "form": form, "section": "tariffs"}
    return render(
        request,
        "books/tariffs/exemption_form.html",
        context,
        status=400 if form.is_bound else 200,
    )


@login_required
def books_settings(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_editable_or_404(request.user, Provider, provider_id)
    settings = padron.settings_for(provider)
    form = BooksSettingsForm(request.POST or None, instance=settings, provider=provider)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            save_audited(request.user, form.instance, form.save)
        messages.success(request, _("Se guardaron los acuerdos de la asamblea para las cuentas."))
        return redirect("books:tariffs", provider.pk)
    context = {"provider": provider, "form": form, "section": "tariffs"}
    return render(
        request, "books/tariffs/settings_form.html", context, status=400 if form.is_bound else 200
    )


urlpatterns = [
    path("<int:provider_id>/padron/", padron_list, name="padron"),
    path("<int:provider_id>/padron/nuevo/", household_create, name="household_create"),
    path("<int:provider_id>/padron/<int:pk>/", household_edit, name="household_edit"),
    path("<int:provider_id>/padron/exportar.csv", padron_export, name="padron_export"),
    path("<int:provider_id>/padron/importar/", padron_import, name="padron_import"),
    path("<int:provider_id>/tarifas/", tariff_list, name="tariffs"),
    path("<int:provider_id>/tarifas/nueva/", tariff_create, name="tariff_create"),
    path("<int:provider_id>/exenciones/nueva/", exemption_create, name="exemption_create"),
    path("<int:provider_id>/ajustes/", books_settings, name="settings"),
]
