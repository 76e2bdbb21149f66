"""The purifier register's pages: the list by locality with its figures, a unit's page with its
history, the entry forms and the file import.

Every view signs in and asks the scope: a unit out of sight is a 404, one seen but not
editable a 403. The forms hand what was typed to ``services`` and show its refusals field by
field; the figures come from ``selectors``.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.imports.engine import run_import
from ojodeagua.imports.forms import ImportForm, import_page_context
from ojodeagua.lib.forms import add_errors
from ojodeagua.lib.records import RecordConflict, RecordIdUnavailable
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.organisations.scope import Scope, get_editable_or_404, scope_for
from ojodeagua.places.models import Municipality

from . import selectors, services
from .forms import (
    EcoliTestForm,
    LampChangeForm,
    RepairForm,
    RetireForm,
    UnitForm,
    VisitForm,
)
from .import_spec import import_specs
from .models import Unit

UNITS_PER_PAGE = 50


def may_write(scope: Scope) -> bool:
    """Whether the user keeps anyone's records: an edit area, or the whole register."""
    return scope.everything or bool(scope.edit)


def visible_units(user):
    return scope_for(user).visible(Unit.objects.all())


def get_unit_or_404(user, pk: int) -> Unit:
    return get_object_or_404(visible_units(user).select_related("locality", "school"), pk=pk)


def read_day(text: str | None) -> datetime.date:
    """The day the figures are read for: ``?al=AAAA-MM-DD``, today when absent or wrong."""
    try:
        return datetime.date.fromisoformat(text or "")
    except ValueError:
        return timezone.localdate()


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)} %"


# The list ------------------------------------------------------------------------------------
@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    units = visible_units(request.user)
    municipalities = scope.visible(Municipality.objects.all()).order_by("name")
    municipality = None
    chosen = request.GET.get("municipio", "")
    if chosen.isdigit() and len(chosen) < 19:
        municipality = municipalities.filter(pk=chosen).first()
    if municipality is not None:
        units = units.filter(locality__municipality=municipality)
    query = request.GET.get("q", "").strip()
    if query:
        units = units.search(query)
    on = read_day(request.GET.get("al"))
    figures = selectors.register_figures(units, on)
    page = Paginator(figures.states, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "figures": figures,
        "total": figures.total,
        "in_use_percent": percent(figures.total.share_in_use),
        "effective_percent": percent(figures.total.share_effective),
        "rows": [
            (row, percent(row.figures.share_in_use), percent(row.figures.share_effective))
            for row in figures.localities
        ],
        "page_obj": page,
        "municipalities": municipalities,
        "municipality": municipality,
        "query": query,
        "on": on,
        "can_create": may_write(scope),
        "can_import": may_write(scope),
    }
    return render(request, "purifiers/unit_list.html", context)


# A unit --------------------------------------------------------------------------------------
@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_or_404(request.user, pk)
    scope = scope_for(request.user)
    today = timezone.localdate()
    state = selectors.unit_state(unit, today)
    context = {
        "object": unit,
        "state": state,
        "today": today,
        "history": selectors.unit_history(unit),
        "can_edit": scope.can_edit(unit) and not unit.is_retired,
        "days": selectors.VISIT_WINDOW_DAYS,
        "test_days": selectors.TEST_WINDOW_DAYS,
        "scope": scope,
    }
    return render(request, "purifiers/unit_detail.html", context)


def _refused(form: forms.Form, error: Exception) -> None:
    if isinstance(error, RecordIdUnavailable):
        form.add_error(None, error.messages[0])
    elif isinstance(error, RecordConflict):
        form.add_error(
            None,
            _(
                "Este formulario ya se usó para otro registro con otros datos. Vuelva a abrir "
                "el formulario para anotar uno nuevo."
            ),
        )
    elif isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("Su papel no permite anotar aquí."))
    elif isinstance(error, ValidationError):
        add_errors(form, error)


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not may_write(scope):
        raise PermissionDenied
    initial = {"installed_on": timezone.localdate()}
    chosen = request.GET.get("localidad", "")
    if chosen.isdigit() and len(chosen) < 19:
        initial["locality"] = int(chosen)
    form = UnitForm(request.POST or None, scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["record_id"] = data.get("record_id") or None
        try:
            unit, created = services.register_unit(request.user, **data)
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            if created:
                messages.success(request, _("Se anotó el purificador en el registro."))
            else:
                messages.info(request, _("Este purificador ya estaba anotado."))
            return redirect(unit)
    context = {
        "form": form,
        "title": _("Anotar un purificador"),
        "cancel_url": reverse("purifiers:unit_list"),
    }
    return render(request, "purifiers/form.html", context, status=400 if form.is_bound else 200)


# What happens to a unit: one view shape for visits, tests, lamp changes and repairs.
RECORD_KINDS = {
    "visit": (
        VisitForm,
        services.record_visit,
        gettext_lazy("Anotar una visita"),
        "visited_on",
        gettext_lazy("Se anotó la visita."),
    ),
    "test": (
        EcoliTestForm,
        services.record_test,
        gettext_lazy("Anotar una prueba de E. coli"),
        "sampled_on",
        gettext_lazy("Se anotó la prueba."),
    ),
    "lamp": (
        LampChangeForm,
        services.record_lamp_change,
        gettext_lazy("Anotar un cambio de lámpara"),
        "done_on",
        gettext_lazy("Se anotó el cambio de lámpara."),
    ),
    "repair": (
        RepairForm,
        services.record_repair,
        gettext_lazy("Anotar una reparación"),
        "done_on",
        gettext_lazy("Se anotó la reparación."),
    ),
}


def _record_view(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    unit = get_editable_or_404(request.user, Unit, pk)
    form_class, write, title, day_field, done = RECORD_KINDS[kind]
    form = form_class(request.POST or None, initial={day_field: timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["record_id"] = data.get("record_id") or None
        try:
            _record, created = write(request.user, unit, **data)
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            if created:
                messages.success(request, str(done))
            else:
                messages.info(request, _("Ya estaba anotado."))
            return redirect(unit)
    context = {
        "form": form,
        "object": unit,
        "title": title,
        "cancel_url": unit.get_absolute_url(),
    }
    return render(request, "purifiers/form.html", context, status=400 if form.is_bound else 200)


@login_required
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(request, pk, "visit")


@login_required
def test_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(request, pk, "test")


@login_required
def lamp_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(request, pk, "lamp")


@login_required
def repair_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_view(request, pk, "repair")


@login_required
def unit_retire(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_editable_or_404(request.user, Unit, pk)
    form = RetireForm(request.POST or None, initial={"retired_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            _unit, changed = services.retire_unit(
                request.user,
                unit,
                retired_on=form.cleaned_data["retired_on"],
                reason=form.cleaned_data["retired_reason"],
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            if changed:
                messages.success(request, _("El purificador quedó como retirado."))
            return redirect(unit)
    context = {
        "form": form,
        "object": unit,
        "title": _("Retirar el purificador"),
        "cancel_url": unit.get_absolute_url(),
    }
    return render(request, "purifiers/form.html", context, status=400 if form.is_bound else 200)


# Import --------------------------------------------------------------------------------------
@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    if not may_write(scope_for(request.user)):
        raise PermissionDenied
    result = file_error = None
    form = ImportForm(request.POST or None, request.FILES or None, specs=import_specs())
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = run_import(
                import_specs()[form.cleaned_data["kind"]],
                upload.read(),
                filename=upload.name,
                user=request.user,
                strict=form.cleaned_data["strict"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except TabularFileError as error:
            file_error = str(error)
    context = import_page_context(form, result, file_error, import_specs())
    return render(request, "purifiers/import.html", context)
