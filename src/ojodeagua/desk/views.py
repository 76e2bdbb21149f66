"""The desk's pages: why it fails and what to do first, the map, and the priority weights.

They translate HTTP: the figures come from ``facts.load`` through ``causes`` and
``priorities``, and the weights are written by ``services.set_weights``.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.indicators.presentation import month_name
from ojodeagua.lib.pdf import render_pdf
from ojodeagua.pages.exports import export_response

from . import (
    assistance,
    business,
    causes,
    complaints,
    facts,
    mapdata,
    priorities,
    report,
    services,
    whatif,
    wpdx,
)
from .access import covered_municipality, first_covered
from .models import Factor

PRIORITIES_SHOWN = 20


@login_required
def desk_home(request: HttpRequest) -> HttpResponse:
    municipality = first_covered(request.user)
    if municipality is None:
        raise Http404
    return redirect("desk:desk", pk=municipality.pk)


def today() -> datetime.date:
    return timezone.localdate()


@login_required
def desk(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = covered_municipality(request.user, pk)
    found = facts.load(municipality, today())
    summary = causes.summary(found)
    ranked = priorities.rank(priorities.candidates(found), priorities.weights_for(pk))
    return render(
        request,
        "desk/desk.html",
        {
            "municipality": municipality,
            "facts": found,
            "month_label": month_name(found.month) if found.month else "",
            "summary": summary,
            "priorities": ranked[:PRIORITIES_SHOWN],
            "priorities_total": len(ranked),
            "may_weigh": services.may_weigh(request.user, municipality),
        },
    )


@login_required
def weights(request: HttpRequest, pk: int) -> HttpResponse:
    """The weights as a form: "Ver el cambio" ranks with the proposed weights beside the
    current ranking; "Guardar" keeps them."""
    municipality = covered_municipality(request.user, pk)
    if not services.may_weigh(request.user, municipality):
        raise PermissionDenied
    current = priorities.weights_for(pk)
    proposed = dict(current)
    errors: dict = {}
    source = request.POST if request.method == "POST" else request.GET
    if any(f in source for f in Factor.values):
        try:
            proposed = services.clean_weights(source)
        except ValidationError as error:
            errors = error.message_dict
        if request.method == "POST" and not errors and "save" in request.POST:
            services.set_weights(request.user, municipality, request.POST)
            messages.success(request, _("Se guardaron los pesos; así queda la lista."))
            query = "&".join(f"{f}={current[f]}" for f in Factor.values)
            return redirect(f"{reverse('desk:weights', args=[pk])}?{query}&antes=1")
    found = facts.load(municipality, today())
    candidates = priorities.candidates(found)
    before_weights = current
    if request.GET.get("antes") and not errors:
        # Just saved: the weights in the address are the ones before, to show what moved.
        before_weights = services.clean_weights(request.GET)
        proposed = current
    before = priorities.rank(candidates, before_weights)
    after = priorities.rank(candidates, proposed)
    rows = [
        (factor, proposed.get(factor.value, current[factor.value]), errors.get(factor.value))
        for factor in Factor
    ]
    return render(
        request,
        "desk/weights.html",
        {
            "municipality": municipality,
            "rows": rows,
            "errors": errors.get("__all__"),
            "moves": priorities.compare(before, after)[:PRIORITIES_SHOWN],
            "changed": before_weights != proposed,
        },
    )


@login_required
def map_page(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = covered_municipality(request.user, pk)
    found = facts.load(municipality, today())
    chosen = mapdata.Filters.from_query(request.GET, found)
    shown = mapdata.select(found, chosen)
    return render(
        request,
        "desk/map.html",
        {
            "municipality": municipality,
            "facts": found,
            "filters": chosen,
            "shown": shown,
            "legend": mapdata.legend(),
            "data_url": f"{reverse('desk:map_data', args=[pk])}?{request.GET.urlencode()}",
            "tiles": getattr(settings, "MAP_TILE_URL", ""),
            "tiles_attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
        },
    )


@login_required
def map_data(request: HttpRequest, pk: int) -> HttpResponse:
    """The map's points as GeoJSON, with the page's filters."""
    municipality = covered_municipality(request.user, pk)
    found = facts.load(municipality, today())
    shown = mapdata.select(found, mapdata.Filters.from_query(request.GET, found))
    return mapdata.geojson_response(mapdata.feature_collection(found, shown))


@login_required
def wpdx_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The water points in the WPDx standard, as CSV or XLSX (``wpdx.wpdx_table``)."""
    covered_municipality(request.user, pk)
    return export_response(request, wpdx.EXPORT, fmt, municipality=pk)


@login_required
def geojson_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Every locality, system, school and health centre with its figures, as a GeoJSON file."""
    municipality = covered_municipality(request.user, pk)
    response = mapdata.geojson_response(
        mapdata.feature_collection(facts.load(municipality, today()))
    )
    response["Content-Disposition"] = f'attachment; filename="ojodeagua-{municipality.key}.geojson"'
    return response


@login_required
def council_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The report for the council as a print page (the browser prints it too)."""
    municipality = covered_municipality(request.user, pk)
    return render(request, "desk/print/council_report.html", report.context(municipality, today()))


@login_required
def council_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = covered_municipality(request.user, pk)
    on = today()
    return render_pdf(
        request,
        "desk/print/council_report.html",
        report.context(municipality, on),
        f"informe-cabildo-{municipality.key}-{on:%Y-%m-%d}.pdf",
    )


@login_required
def what_if(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose repairs, chlorinators and coached cycles; see the people who would move."""
    municipality = covered_municipality(request.user, pk)
    found = facts.load(municipality, today())
    offered = whatif.options(found)
    chosen = {
        action: {int(v) for v in request.GET.getlist(action) if v.isdigit()}
        & {option.system_id for option in offered[action]}
        for action in offered
    }
    outcome = whatif.estimate(found, chosen) if any(chosen.values()) else None
    groups = [
        (action, whatif.ACTION_LABELS[action], offered[action], chosen[action])
        for action in offered
    ]
    return render(
        request,
        "desk/whatif.html",
        {
            "municipality": municipality,
            "groups": groups,
            "outcome": outcome,
            "assumptions": whatif.ASSUMPTIONS,
            "cycle_success": round(whatif.CYCLE_SUCCESS * 100),
        },
    )


@login_required
def assistance_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The agency's own figures as the committees' technical assistance provider."""
    municipality = covered_municipality(request.user, pk)
    figures = assistance.assistance(municipality, today())
    return render(
        request,
        "desk/assistance.html",
        {
            "municipality": municipality,
            "figures": figures,
            "periods": [figures.before, figures.now],
            "scores": [(month_name(month), mean, n) for month, mean, n in figures.scores],
        },
    )


@login_required
def turned_over_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Complaints the committees left unanswered past their date: the agency's to follow up."""
    municipality = covered_municipality(request.user, pk)
    on = today()
    rows = complaints.turned_over(municipality, on)
    return render(
        request,
        "desk/complaints.html",
        {"municipality": municipality, "rows": rows, "on": on},
    )


@login_required
def business_network(request: HttpRequest) -> HttpResponse:
    """Kiosks and school systems side by side, as businesses: do their sales cover costs?"""
    rows = business.network(request.user)
    return render(request, "desk/business.html", {"rows": rows})
