"""The jobs' pages: the list for coordinators, one job with its progress bar, and the button
that starts a full recompute."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ojodeagua.organisations.scope import scope_for
from ojodeagua.providers.models import Provider

from . import progress, services
from .models import Job

PER_PAGE = 25


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = services.visible_jobs(request.user).select_related("user")
    page = Paginator(jobs, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = progress.with_live_progress_all(page.object_list)
    return render(
        request,
        "jobs/list.html",
        {
            "page": page,
            "may_recompute": services.may_start_service_wide(request.user),
        },
    )


@login_required
@require_POST
def start_recompute(request: HttpRequest) -> HttpResponse:
    if not services.may_start_service_wide(request.user):
        raise PermissionDenied
    job = services.start(Job.Kind.RECOMPUTE, request.user)
    return redirect("jobs:detail", job.pk)


def visible_job(request: HttpRequest, pk: int) -> Job:
    job = get_object_or_404(services.visible_jobs(request.user).select_related("user"), pk=pk)
    return progress.with_live_progress(job)


def status_context(request: HttpRequest, job: Job) -> dict:
    context = {"job": job, "percent": progress.percent(job)}
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
