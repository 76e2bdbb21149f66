"""Locality pages: list with search and filters, export, detail and edit."""

import django_filters
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.filters import yes_no_filter
from ojodeagua.organisations.scope import scope_for
from ojodeagua.pages.entity import EntityPages, ExportColumn, SearchFilterSet
from ojodeagua.pages.forms import ScopedModelForm
from ojodeagua.places.filters import municipality_filter

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
        served = Locality.objects.filter(served_by__isnull=False).values("pk")
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
    """The systems, schools and health centres of a locality, read through reverse relations
    (their apps sit above this one): only those the user may see."""
    scope = scope_for(request.user)
    links = scope.visible(locality.served_by.all()).select_related("system", "system__provider")
    return {
        "served_by": links,
        "schools": scope.visible(locality.schools.all()),
        "health_centres": scope.visible(locality.health_centres.all()),
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
