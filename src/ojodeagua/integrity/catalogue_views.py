"""Catalogue pages: everyone reads the versions; coordinators copy, edit drafts and publish."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ojodeagua.audit.trail import record, save_audited
from ojodeagua.organisations.scope import scope_for

from .catalogue import copy_version, export_catalogue, publication_problems, publish
from .catalogue_forms import KINDS, RiskForm
from .models import CatalogueVersion, Cycle, Signal
from .red_flags import CHECKS


def may_edit_catalogue(user) -> bool:
    # The catalogue is shared by every committee: NGO and agency coordinators keep it.
    return scope_for(user).is_coordinator


def _draft_for_editing(request: HttpRequest, pk: int) -> CatalogueVersion:
    if not may_edit_catalogue(request.user):
        raise PermissionDenied
    version = get_object_or_404(CatalogueVersion, pk=pk)
    if version.is_published:
        raise PermissionDenied(_("Esta versión ya se publicó; haga una copia para cambiarla."))
    return version


@login_required
def version_list(request: HttpRequest) -> HttpResponse:
    versions = list(CatalogueVersion.objects.select_related("based_on"))
    in_use = set(Cycle.objects.values_list("catalogue_id", flat=True).distinct())
    current = CatalogueVersion.current()
    return render(
        request,
        "integrity/catalogue/version_list.html",
        {
            "versions": versions,
            "in_use": in_use,
            "current": current,
            "can_edit": may_edit_catalogue(request.user),
        },
    )


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(CatalogueVersion, pk=pk)
    return render(
        request,
        "integrity/catalogue/version_detail.html",
        {
            "version": version,
            "processes": version.processes.all(),
            "risks": version.risks.select_related("process").prefetch_related("tools", "signals"),
            "tools": version.tools.all(),
            "checklist": version.checklist.all(),
            "principles": version.principles.prefetch_related("indicators"),
            "scales": version.scales.all(),
            "checks": CHECKS,
            "can_edit": may_edit_catalogue(request.user) and not version.is_published,
            "can_copy": may_edit_catalogue(request.user),
            "problems": [] if version.is_published else publication_problems(version),
            "cycles_using": Cycle.objects.filter(catalogue=version).count(),
        },
    )


@login_required
def version_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The version in the same shape as ``data/catalogue_v2.json``, to share or review."""
    version = get_object_or_404(CatalogueVersion, pk=pk)
    response = HttpResponse(
        json.dumps(export_catalogue(version), ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="catalogo-{slugify(version.name)[:40] or version.pk}.json"'
    )
    return response


@login_required
@require_POST
def version_copy(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_edit_catalogue(request.user):
        raise PermissionDenied
    original = get_object_or_404(CatalogueVersion, pk=pk)
    name = request.POST.get("name", "").strip() or _("Copia de %(name)s") % {"name": original.name}
    with transaction.atomic():
        copy = copy_version(original, name[:200])
        record(request.user, "create", copy, {"copied_from": original.pk, "name": copy.name})
    messages.success(
        request,
        _("Se hizo el borrador «%(name)s». Cámbielo y publíquelo cuando esté listo.")
        % {"name": copy.name},
    )
    return redirect("integrity:catalogue_version", pk=copy.pk)


@login_required
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = _draft_for_editing(request, pk)
    problems = publication_problems(version)
    if problems:
        for problem in problems:
            messages.error(request, problem)
        return redirect("integrity:catalogue_version", pk=version.pk)
    with transaction.atomic():
        publish(version)
        record(request.user, "update", version, {"published_at": [None, str(version.published_at)]})
    messages.success(
        request,
        _("Se publicó «%(name)s». Los ciclos nuevos la usarán; los anteriores guardan la suya.")
        % {"name": version.name},
    )
    return redirect("integrity:catalogue_version", pk=version.pk)


def _save_signals(request: HttpRequest, risk, wanted: list[str]) -> None:
    current = set(risk.signals.values_list("check_code", flat=True))
    for code in sorted(set(wanted) - current):
        signal = Signal(risk=risk, check_code=code)
        signal.full_clean()
        save_audited(request.user, signal, signal.save)
    for signal in risk.signals.filter(check_code__in=current - set(wanted)):
        record(request.user, "delete", signal, {"check_code": [signal.check_code, None]})
        signal.delete()


@login_required
def entry_edit(request: HttpRequest, pk: int, kind: str, entry_pk: int | None = None):
    version = _draft_for_editing(request, pk)
    form_class = KINDS.get(kind)
    if form_class is None:
        raise Http404
    model = form_class._meta.model
    instance = get_object_or_404(model, pk=entry_pk, version=version) if entry_pk else None
    form = form_class(request.POST or None, instance=instance, version=version)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            entry = save_audited(request.user, form.instance, form.save)
            if isinstance(form, RiskForm):
                _save_signals(request, entry, form.cleaned_data["signals"])
        messages.success(request, _("Guardado: %(entry)s.") % {"entry": entry})
        return redirect(reverse("integrity:catalogue_version", args=[version.pk]) + f"#{kind}")
    return render(
        request,
        "integrity/catalogue/entry_form.html",
        {
            "version": version,
            "form": form,
            "kind_name": model._meta.verbose_name,
            "entry": instance,
            "cancel_url": reverse("integrity:catalogue_version", args=[version.pk]) + f"#{kind}",
        },
    )


@login_required
@require_POST
def entry_delete(request: HttpRequest, pk: int, kind: str, entry_pk: int) -> HttpResponse:
    """Only drafts change, and no cycle points at a draft, so removing an entry loses nothing."""
    version = _draft_for_editing(request, pk)
    form_class = KINDS.get(kind)
    if form_class is None:
        raise Http404
    entry = get_object_or_404(form_class._meta.model, pk=entry_pk, version=version)
    if kind == "procesos" and entry.risks.exists():
        messages.error(request, _("Ese proceso tiene riesgos; cámbielos de proceso primero."))
        return redirect("integrity:catalogue_version", pk=version.pk)
    with transaction.atomic():
        record(request.user, "delete", entry, {"code": [entry.code, None]})
        entry.delete()
    messages.success(request, _("Se quitó «%(entry)s» del borrador.") % {"entry": entry})
    return redirect(reverse("integrity:catalogue_version", args=[version.pk]) + f"#{kind}")


urlpatterns = [
    path("catalogo/", version_list, name="catalogue_list"),
    path("catalogo/<int:pk>/", version_detail, name="catalogue_version"),
    path("catalogo/<int:pk>/catalogo.json", version_json, name="catalogue_json"),
    path("catalogo/<int:pk>/copiar/", version_copy, name="catalogue_copy"),
    path("catalogo/<int:pk>/publicar/", version_publish, name="catalogue_publish"),
    path("catalogo/<int:pk>/<slug:kind>/nuevo/", entry_edit, name="catalogue_entry_create"),
    path("catalogo/<int:pk>/<slug:kind>/<int:entry_pk>/", entry_edit, name="catalogue_entry"),
    path(
        "catalogo/<int:pk>/<slug:kind>/<int:entry_pk>/quitar/",
        entry_delete,
        name="catalogue_entry_delete",
    ),
]
