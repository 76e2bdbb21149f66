"""The jobs' pages: the list for coordinators, one job with its progress bar, the buttons
that start a full or a municipality's recompute, and the download of a job's file."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ojodeagua.organisations.scope import scope_for
from ojodeagua.providers.models import Provider

from . import progress, services
from .models import Job

PER_PAGE = 25


class MunicipalityForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipio"), queryset=None, empty_label=None)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = services.recomputable_municipalities(user)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    return render_list(request, MunicipalityForm(user=request.user))


def render_list(request: HttpRequest, form: MunicipalityForm, status: int = 200) -> HttpResponse:
    jobs = services.visible_jobs(request.user).select_related("user")
    page = Paginator(jobs, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = progress.with_live_progress_all(page.object_list)
    return render(
        request,
        "jobs/list.html",
        {
            "page": page,
            "may_recompute": services.may_start_service_wide(request.user),
            "municipality_form": form if form.fields["municipality"].queryset.exists() else None,
        },
        status=status,
    )


@login_required
@require_POST
def start_recompute(request: HttpRequest) -> HttpResponse:
    if not services.may_start_service_wide(request.user):
        raise PermissionDenied
    job = services.start(Job.Kind.RECOMPUTE, request.user)
    return redirect("jobs:detail", job.pk)


@login_required
@require_POST
def start_municipality_recompute(request: HttpRequest) -> HttpResponse:
    """A coordinator's own municipality, recomputed on the queue; another one is refused."""
    form = MunicipalityForm(request.POST, user=request.user)
    if not form.fields["municipality"].queryset.exists():
        raise PermissionDenied
    if not form.is_valid():
        return render_list(request, form, status=400)
    municipality = form.cleaned_data["municipality"]
    job = services.start(
        Job.Kind.RECOMPUTE_MUNICIPALITY,
        request.user,
        municipality_ids={municipality.pk},
        municipality=municipality.pk,
    )
    return redirect("jobs:detail", job.pk)


@login_required
def job_file(request: HttpRequest, pk: int) -> FileResponse:
    """The file an export job prepared, for the person who asked for it."""
    job = visible_job(request, pk)
    if not job.file:
        raise Http404
    if not services.may_download(request.user, job):
        raise PermissionDenied
    if not services.still_readable(request.user, job):
        raise PermissionDenied(
            _(
                "Este archivo tiene datos que usted ya no puede ver. Prepare de nuevo la descarga "
                "desde la página de donde la pidió."
            )
        )
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        # Deleted from the folder by hand (or a worker wrote it where this server cannot see).
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=(job.result or {}).get("filename"))
    # A person's own data: no shared cache may keep it.
    patch_cache_control(response, private=True, no_store=True)
    return response


def visible_job(request: HttpRequest, pk: int) -> Job:
    job = get_object_or_404(services.visible_jobs(request.user).select_related("user"), pk=pk)
    return progress.with_live_progress(job)


def status_context(request: HttpRequest, job: Job) -> dict:
    context = {
        "job": job,
        "percent": progress.percent(job),
        "may_download": services.may_download(request.user, job),
    }
    result = job.result or {}
    if job.kind == Job.Kind.LEDGER_VERIFY and result:
        # Each reader sees the findings of the committees she sees (one query).
        seen = set(
            scope_for(request.user)
            .visible(Provider.objects.filter(pk__in=[p["provider"] for p in result["providers"]]))
            .values_list("pk", flat=True)
        )
        committees = [p for p in result["providers"] if p["provider"] in seen]
        # Counted among the committees she sees, not the whole service's.
        context["committees"] = committees
        context["checked"] = len(committees)
        context["bad"] = sum(not p["ok"] for p in committees)
    return context


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = visible_job(request, pk)
    return render(request, "jobs/detail.html", status_context(request, job))


@login_required
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the job's page that htmx asks for every 2 s until the job ends."""
    job = visible_job(request, pk)
    response = render(request, "jobs/_status.html", status_context(request, job))
    response["Cache-Control"] = "no-store"
    return response
