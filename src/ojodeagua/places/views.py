"""Locality pages: list with search and filters, export, detail and edit."""

import django_filters
from django.utils.translation import gettext_lazy as _

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.lib.filters import municipality_filter, yes_no_filter
from ojodeagua.lib.forms import ScopedModelForm
from ojodeagua.lib.pages import EntityPages, ExportColumn, SearchFilterSet
from ojodeagua.organisations.scope import scope_for
from ojodeagua.watersystems.models import ServedLocality, WaterSystem

from .import_spec import LOCALITY_FIELDS
from .models import Locality


class LocalityFilter(SearchFilterSet):
    municipality = municipality_filter("municipality")
    area = django_filters.ChoiceFilter(
        choices=Locality.Area.choices, label=_("Ámbito"), empty_label=_("Urbana y rural")
    )
    without_system = yes_no_filter("filter_without_system", _("Sin sistema registrado"))

    class Meta:
        model = Locality
        fields = ["q", "municipality", "area", "without_system"]

    def filter_without_system(self, queryset, name, value):
        served = ServedLocality.objects.values("locality_id")
        return queryset.exclude(pk__in=served) if value == "yes" else queryset.filter(pk__in=served)


class LocalityForm(ScopedModelForm):
    class Meta:
        model = Locality
        fields = list(LOCALITY_FIELDS)


class NewLocalityForm(ScopedModelForm):
    """A locality missing from INEGI's catalogue: its key and municipality are set once."""

    class Meta:
        model = Locality
        fields = ["municipality", "key", *LOCALITY_FIELDS]

    def clean(self):
        data = super().clean()
        municipality, key = data.get("municipality"), data.get("key")
        if municipality and key and not key.startswith(municipality.key):
            self.add_error(
                "key",
                _("La clave debe empezar con la del municipio (%(prefix)s).")
                % {"prefix": municipality.key},
            )
        return data


def locality_context(request, locality):
    scope = scope_for(request.user)
    systems = scope.visible(WaterSystem.objects.all())
    links = locality.served_by.filter(system__in=systems).select_related(
        "system", "system__provider"
    )
    return {
        "served_by": links,
        "schools": scope.visible(School.objects.filter(locality=locality)),
        "health_centres": scope.visible(HealthCentre.objects.filter(locality=locality)),
    }


pages = EntityPages(
    model=Locality,
    slug="locality",
    url_prefix="localidades/",
    template_dir="places",
    create_needs_municipality=True,
    filterset=LocalityFilter,
    form=LocalityForm,
    create_form=NewLocalityForm,
    select_related=("municipality",),
    detail_context=locality_context,
    export_columns=[
        ExportColumn("CVEGEO", lambda o: o.key),
        ExportColumn("NOM_LOC", lambda o: o.name),
        ExportColumn("NOM_MUN", lambda o: o.municipality.name),
        ExportColumn("AMBITO", lambda o: o.area),
        ExportColumn("POB_TOTAL", lambda o: o.population),
        ExportColumn("VIVTOT", lambda o: o.dwellings),
        ExportColumn("LATITUD", lambda o: o.latitude),
        ExportColumn("LONGITUD", lambda o: o.longitude),
        ExportColumn("VERSION_CATALOGO", lambda o: o.catalogue_version),
    ],
)
