"""Water system pages: list with search and filters, export, detail and edit with parts."""

import django_filters
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.filters import yes_no_filter
from ojodeagua.organisations.scope import scope_for
from ojodeagua.pages.entity import EntityPages, ExportColumn, SearchFilterSet
from ojodeagua.pages.forms import ScopedModelForm, scoped_inline_formset
from ojodeagua.places.filters import municipality_filter

from .models import Component, ServedLocality, Source, WaterSystem


class WaterSystemFilter(SearchFilterSet):
    municipality = municipality_filter("municipality")
    kind = django_filters.ChoiceFilter(
        choices=WaterSystem.Kind.choices, label=_("Tipo"), empty_label=_("Todos los tipos")
    )
    has_chlorinator = yes_no_filter("filter_chlorinator", _("Con clorador"))

    class Meta:
        model = WaterSystem
        fields = ["q", "municipality", "kind", "has_chlorinator"]

    def filter_chlorinator(self, queryset, name, value):
        chlorinated = Component.objects.filter(kind=Component.Kind.CHLORINATOR).values("system")
        if value == "yes":
            return queryset.filter(pk__in=chlorinated)
        return queryset.exclude(pk__in=chlorinated)


class WaterSystemForm(ScopedModelForm):
    class Meta:
        model = WaterSystem
        fields = [
            "name",
            "kind",
            "provider",
            "locality",
            "latitude",
            "longitude",
            "construction_year",
            "design_yield_lps",
            "design_households",
            "chlorinates",
            "notes",
        ]
        widgets = {
            "latitude": ScopedModelForm.decimal_widget(),
            "longitude": ScopedModelForm.decimal_widget(),
            "design_yield_lps": ScopedModelForm.decimal_widget(),
        }


SourceFormSet = scoped_inline_formset(
    WaterSystem, Source, fields=["name", "kind", "protected", "surface_influence"]
)
ComponentFormSet = scoped_inline_formset(
    WaterSystem, Component, fields=["kind", "quantity", "install_year", "condition", "notes"]
)
ServedLocalityFormSet = scoped_inline_formset(
    WaterSystem, ServedLocality, fields=["locality", "households"]
)


def system_context(request, system):
    scope = scope_for(request.user)
    return {
        "sources": system.sources.all(),
        "components": system.components.all(),
        "served": system.served_localities.select_related("locality"),
        "households_served": system.households_served(),
        # Through reverse relations: the facilities' app sits above this one.
        "schools": scope.visible(system.schools.all()),
        "health_centres": scope.visible(system.health_centres.all()),
    }


pages = EntityPages(
    model=WaterSystem,
    slug="system",
    url_prefix="sistemas/",
    template_dir="watersystems",
    filterset=WaterSystemFilter,
    form=WaterSystemForm,
    formsets=[SourceFormSet, ComponentFormSet, ServedLocalityFormSet],
    select_related=("locality", "provider", "municipality"),
    detail_context=system_context,
    export_columns=[
        ExportColumn("id", lambda o: o.pk),
        ExportColumn("nombre", lambda o: o.name),
        ExportColumn("tipo", lambda o: o.kind),
        ExportColumn("prestador", lambda o: o.provider.name if o.provider else ""),
        ExportColumn("cvegeo", lambda o: o.locality.key),
        ExportColumn("localidad", lambda o: o.locality.name),
        ExportColumn("municipio", lambda o: o.municipality.name),
        ExportColumn("anio_construccion", lambda o: o.construction_year),
        ExportColumn("caudal_diseno_lps", lambda o: o.design_yield_lps),
        ExportColumn("viviendas_diseno", lambda o: o.design_households),
        ExportColumn("clora", lambda o: o.chlorinates),
        ExportColumn("latitud", lambda o: o.latitude),
        ExportColumn("longitud", lambda o: o.longitude),
    ],
)
