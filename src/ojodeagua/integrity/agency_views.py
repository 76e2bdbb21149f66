"""The agency view across committees, and exports of ratings and road maps."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ojodeagua.lib.exports import ExportRefused, Table
from ojodeagua.organisations.scope import scope_for
from ojodeagua.pages.exports import export_response
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider

from . import agency, exports, voices
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
            "voices": voices.agency_voices(providers, on),
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


def selected_cycles(user, query):
    """The cycles of the committees chosen with the page's filters, among those the person
    sees; ``ExportRefused`` names a filter to fix."""
    selection = AgencyFilter(query or None, user=user)
    if query and not selection.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in selection.errors.items()
        )
        raise ExportRefused(
            _("No se pudo exportar: revise los filtros ({problems}).").format(problems=problems)
        )
    return Cycle.objects.filter(provider__in=selection.providers())


def ratings_table(user, query) -> Table:
    return exports.ratings_table(selected_cycles(user, query), timezone.localdate())


def roadmap_table(user, query) -> Table:
    return exports.roadmap_table(selected_cycles(user, query), timezone.localdate())


# The downloads' names for ``lib.exports`` (registered in ``IntegrityConfig.ready``).
TABLES = {"integrity-ratings": ratings_table, "integrity-roadmaps": roadmap_table}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ratings_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return export_response(request, "integrity-ratings", fmt)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def roadmap_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return export_response(request, "integrity-roadmaps", fmt)


FORMAT = "(?P<fmt>" + "|".join(exports.FORMATS) + ")"
urlpatterns: list = [
    re_path(r"^$", overview, name="overview"),
    re_path(rf"^exportar/valoraciones\.{FORMAT}$", ratings_export, name="ratings_export"),
    re_path(rf"^exportar/hojas-de-ruta\.{FORMAT}$", roadmap_export, name="roadmap_export"),
]
