"""Norm pages: everyone reads the norms and their limits; coordinators edit them as data."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.audit.trail import save_audited, save_form_audited
from ojodeagua.lib.folding import fold
from ojodeagua.organisations.scope import scope_for

from .models import Limit, Norm, NormVersion, Parameter, Result
from .norm_forms import LimitForm, NormVersionCopyForm, NormVersionForm, ParameterForm
from .rejudge import DateRange, Rejudged, limit_range, rejudge_report, rejudge_unrecognised, span

# Every field a copied limit keeps; the version is the new one.
LIMIT_COPY_FIELDS = ["parameter_id", *Limit.DEFINITION_FIELDS[1:]]


def may_edit_norms(user) -> bool:
    # Norms hold for every municipality: only coordinators (and superusers) change them.
    return scope_for(user).is_coordinator


def _require_editor(request: HttpRequest) -> None:
    if not may_edit_norms(request.user):
        raise PermissionDenied


def _day(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _people(count: int) -> str:
    return f"{count:,}"


def limit_conditions(limit: Limit) -> list[str]:
    """When and where a limit applies, in words; empty when it applies always and everywhere."""
    said = []
    if limit.applies_from and limit.applies_until:
        said.append(
            _("del %(start)s al %(end)s")
            % {"start": _day(limit.applies_from), "end": _day(limit.applies_until)}
        )
    elif limit.applies_from:
        said.append(_("desde el %(day)s") % {"day": _day(limit.applies_from)})
    elif limit.applies_until:
        said.append(_("hasta el %(day)s") % {"day": _day(limit.applies_until)})
    low, high = limit.population_min, limit.population_max
    if low is not None and high is not None:
        said.append(
            _("localidades de %(low)s a %(high)s habitantes")
            % {"low": _people(low), "high": _people(high)}
        )
    elif low is not None:
        said.append(_("localidades de %(low)s habitantes o más") % {"low": _people(low)})
    elif high is not None:
        said.append(_("localidades de hasta %(high)s habitantes") % {"high": _people(high)})
    return said


def version_status(version: NormVersion, today: datetime.date) -> str:
    if version.in_force_from > today:
        return "future"
    if version.in_force_until and version.in_force_until < today:
        return "past"
    return "current"


def _rejudged_message(request: HttpRequest, saved: str, report: Rejudged) -> None:
    messages.success(
        request,
        _(
            "%(saved)s Se volvieron a comparar %(results)s resultados con la norma; "
            "cambió el veredicto de %(changed)s."
        )
        % {"saved": saved, "results": f"{report.results:,}", "changed": f"{report.changed:,}"},
    )


# --- Reading ----------------------------------------------------------------------------------


@login_required
def norm_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    versions = NormVersion.objects.annotate(limit_count=Count("limits")).order_by(
        "-in_force_from", "pk"
    )
    norms = list(Norm.objects.prefetch_related(Prefetch("versions", queryset=versions)))
    for norm in norms:
        for version in norm.versions.all():
            version.status = version_status(version, today)
    return render(
        request,
        "waterquality/norm_list.html",
        {"norms": norms, "can_edit": may_edit_norms(request.user)},
    )


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(NormVersion.objects.select_related("norm"), pk=pk)
    limits = sorted(
        version.limits.select_related("parameter").order_by("population_min", "applies_from", "pk"),
        key=lambda limit: fold(limit.parameter.name),
    )
    for limit in limits:
        limit.conditions = limit_conditions(limit)
    version.status = version_status(version, timezone.localdate())
    return render(
        request,
        "waterquality/norm_version.html",
        {"version": version, "limits": limits, "can_edit": may_edit_norms(request.user)},
    )


@login_required
def parameter_list(request: HttpRequest) -> HttpResponse:
    parameters = sorted(
        Parameter.objects.annotate(limit_count=Count("limits")), key=lambda p: fold(p.name)
    )
    return render(
        request,
        "waterquality/norm_parameters.html",
        {"parameters": parameters, "can_edit": may_edit_norms(request.user)},
    )


# --- Editing ----------------------------------------------------------------------------------


def _form_page(request, form, *, title: str, cancel: str, intro: str = "", status: int = 200):
    return render(
        request,
        "waterquality/norm_form.html",
        {"form": form, "title": title, "cancel_url": cancel, "intro": intro},
        status=status,
    )


@login_required
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    version = get_object_or_404(NormVersion.objects.select_related("norm"), pk=pk)
    before = (version.in_force_from, version.in_force_until)
    form = NormVersionForm(request.POST or None, instance=version)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = save_form_audited(request.user, form)
            reach = span(before, (saved.in_force_from, saved.in_force_until))
            report = rejudge_report(saved.norm, *reach)
        _rejudged_message(request, _("Se guardó la versión."), report)
        return redirect("norms:version_detail", pk=saved.pk)
    return _form_page(
        request,
        form,
        title=_("Cambiar la versión %(name)s") % {"name": version.name},
        cancel=version_url(version),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def version_copy(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    source = get_object_or_404(NormVersion.objects.select_related("norm"), pk=pk)
    initial = {"name": _("%(name)s (copia)") % {"name": source.name}, "basis": source.basis}
    form = NormVersionCopyForm(
        request.POST or None, instance=NormVersion(), source=source, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            version, reach = copy_version(request.user, form)
            report = rejudge_report(version.norm, *reach)
        _rejudged_message(
            request,
            _("Se creó la versión %(name)s con %(count)s límites copiados; revíselos.")
            % {"name": version.name, "count": version.limits.count()},
            report,
        )
        return redirect("norms:version_detail", pk=version.pk)
    return _form_page(
        request,
        form,
        title=_("Nueva versión a partir de %(name)s") % {"name": source.name},
        cancel=version_url(source),
        intro=_(
            "La nueva versión empieza con todos los límites de «%(name)s». Después cambie los "
            "que la nueva versión modifica. Las muestras tomadas desde la fecha de inicio se "
            "comparan con la nueva versión."
        )
        % {"name": source.name},
        status=400 if request.method == "POST" else 200,
    )


def copy_version(actor, form: NormVersionCopyForm) -> tuple[NormVersion, DateRange]:
    """Save the new version, copy every limit of the source into it, and end the source.

    Also returns the days whose verdicts may change: the new version's, and the days the
    source stops covering when it is ended.
    """
    source = form.source
    version = save_form_audited(actor, form)
    for limit in source.limits.order_by("pk"):
        copy = Limit(version=version, **{name: getattr(limit, name) for name in LIMIT_COPY_FIELDS})
        save_audited(actor, copy, copy.save)
    reach = (version.in_force_from, version.in_force_until)
    end = form.source_end()
    if end is not None:
        reach = span(reach, (version.in_force_from, source.in_force_until))
        source.in_force_until = end
        source.full_clean()
        save_audited(actor, source, source.save)
    return version, reach


@login_required
def limit_edit(request: HttpRequest, pk: int | None = None, version_pk: int | None = None):
    _require_editor(request)
    if pk is not None:
        limit = get_object_or_404(Limit.objects.select_related("version__norm"), pk=pk)
        version = limit.version
        before = limit_range(limit, version)
        parameter_ids = {limit.parameter_id}
    else:
        version = get_object_or_404(NormVersion.objects.select_related("norm"), pk=version_pk)
        limit = Limit(version=version)
        before = None
        parameter_ids = set()
    form = LimitForm(request.POST or None, instance=limit, version=version)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = save_form_audited(request.user, form)
            reach = limit_range(saved, version)
            if before is not None:
                reach = span(before, reach)
            # A limit decides only results of its parameter (the old one too, if it changed).
            parameter_ids.add(saved.parameter_id)
            results = Result.objects.filter(parameter_id__in=parameter_ids)
            report = rejudge_report(version.norm, *reach, results=results)
        done = _("Se guardó el límite.") if pk is not None else _("Se agregó el límite.")
        _rejudged_message(request, done, report)
        return redirect("norms:version_detail", pk=version.pk)
    if pk is not None:
        title = _("Cambiar el límite de %(parameter)s") % {"parameter": limit.parameter.name}
    else:
        title = _("Agregar un límite a %(name)s") % {"name": version.name}
    return _form_page(
        request,
        form,
        title=title,
        cancel=version_url(version),
        intro=_("Versión: %(name)s (%(norm)s).") % {"name": version.name, "norm": version.norm},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def parameter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    parameter = get_object_or_404(Parameter, pk=pk)
    form = ParameterForm(request.POST or None, instance=parameter)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            save_form_audited(request.user, form)
            # New names can make results recognisable that were not.
            report = rejudge_unrecognised()
        _rejudged_message(request, _("Se guardó el parámetro."), report)
        return redirect("norms:parameter_list")
    return _form_page(
        request,
        form,
        title=_("Cambiar el parámetro %(name)s") % {"name": parameter.name},
        cancel=reverse("norms:parameter_list"),
        intro=_("Código: %(code)s. El código no cambia: los indicadores lo usan.")
        % {"code": parameter.code},
        status=400 if request.method == "POST" else 200,
    )


def version_url(version: NormVersion) -> str:
    return reverse("norms:version_detail", args=[version.pk])
