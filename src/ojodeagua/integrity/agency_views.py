"""The agency view across committees, and exports of ratings and road maps."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider

from . import agency, exports
from .models import Cycle


class AgencyFilter(forms.Form):
    """What kind of committee and which municipality; choices only from the user's area."""

    tipo = forms.ChoiceField(
        label=gettext_lazy("Tipo de comité"),
        required=False,
        choices=[("", gettext_lazy("Todos"))]
        + [(kind.value, kind.label) for kind in agency.CYCLE_KINDS],
    )
    municipio = forms.ModelChoiceField(
        label=gettext_lazy("Municipio"),
        required=False,
        queryset=Municipality.objects.none(),
        empty_label=gettext_lazy("Todos los municipios"),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope_for(user)
        municipalities = self.scope.visible(Municipality.objects.all()).order_by("name")
        self.fields["municipio"].queryset = municipalities

    def providers(self):
        """The committees the user may see, narrowed by the chosen kind and municipality."""
        providers = agency.committees(self.scope.visible(Provider.objects.all()))
        if not self.is_valid():
            return providers
        if kind := self.cleaned_data.get("tipo"):
            providers = providers.filter(kind=kind)
        if municipality := self.cleaned_data.get("municipio"):
            providers = providers.filter(municipality=municipality)
        return providers


def _percent(share: float | None) -> int | None:
    return None if share is None else round(share * 100)


SORT_LABELS = {
    "comite": gettext_lazy("Comité"),
    "ciclo": gettext_lazy("Ciclo"),
    "taller": gettext_lazy("Taller"),
    "cumplimiento": gettext_lazy("Cumplimiento"),
    "avance6": gettext_lazy("Hecho a 6 meses"),
    "avance12": gettext_lazy("Hecho a 12 meses"),
    "atrasadas": gettext_lazy("Acciones atrasadas"),
    "arreglo": gettext_lazy("Quejas resueltas"),
    "quejas": gettext_lazy("Quejas atrasadas"),
    "alertas": gettext_lazy("Señales de alerta"),
}


def sort_headers(request: HttpRequest, order: str) -> list[dict]:
    """Each column's link: a first click sorts ascending, a second click descending."""
    headers = []
    for key in agency.SORT_KEYS:
        query = request.GET.copy()
        query["orden"] = f"-{key}" if order == key else key
        current = {key: "ascending", f"-{key}": "descending"}.get(order)
        headers.append(
            {"key": key, "label": SORT_LABELS[key], "query": query.urlencode(), "sort": current}
        )
    return headers


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    selection = AgencyFilter(request.GET or None, user=request.user)
    providers = selection.providers()
    on = timezone.localdate()
    order = request.GET.get("orden", "comite")
    if order.lstrip("-") not in agency.SORT_KEYS:
        order = "comite"
    figures = agency.overview(providers, on, order)
    single = len(figures.rows) == 1 and not selection.scope.can_create
    return render(
        request,
        "integrity/agency/overview.html",
        {
            "selection": selection,
            "figures": figures,
            "single": single,
            "row": figures.rows[0] if figures.rows else None,
            "headers": sort_headers(request, order),
            "labels": SORT_LABELS,
            "shares": {
                "completion_6": _percent(figures.completion_6.share),
                "completion_12": _percent(figures.completion_12.share),
            },
            "reference": _percent(agency.URBAN_UTILITY_REFERENCE),
            "many_municipalities": selection.fields["municipio"].queryset.count() > 1,
            "export_query": selection_query(request),
        },
    )


def selection_query(request: HttpRequest) -> str:
    """The filters, without the order, for the export links."""
    query = request.GET.copy()
    query.pop("orden", None)
    return query.urlencode()


def _cycles(request: HttpRequest):
    """(cycles of the chosen committees, None), or (None, a 400 answer) for a bad filter."""
    selection = AgencyFilter(request.GET or None, user=request.user)
    if request.GET and not selection.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in selection.errors.items()
        )
        message = _("No se pudo exportar: revise los filtros ({problems}).").format(
            problems=problems
        )
        return None, HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return Cycle.objects.filter(provider__in=selection.providers()), None


@login_required
def ratings_export(request: HttpRequest, fmt: str) -> HttpResponse:
    cycles, error = _cycles(request)
    return error or exports.ratings_export(cycles, fmt, timezone.localdate())


@login_required
def roadmap_export(request: HttpRequest, fmt: str) -> HttpResponse:
    cycles, error = _cycles(request)
    return error or exports.roadmap_export(cycles, fmt, timezone.localdate())


FORMAT = "(?P<fmt>" + "|".join(exports.FORMATS) + ")"
urlpatterns: list = [
    re_path(r"^$", overview, name="overview"),
    re_path(rf"^exportar/valoraciones\.{FORMAT}$", ratings_export, name="ratings_export"),
    re_path(rf"^exportar/hojas-de-ruta\.{FORMAT}$", roadmap_export, name="roadmap_export"),
]
