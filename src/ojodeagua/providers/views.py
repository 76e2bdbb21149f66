"""Provider pages: list with search and filters, export, detail and edit with members."""

import django_filters
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ojodeagua.pages.entity import EntityPages, ExportColumn, SearchFilterSet
from ojodeagua.pages.forms import ScopedModelForm, scoped_inline_formset
from ojodeagua.places.filters import municipality_filter

from .models import Member, Provider, Sex


def members_in_office(sex: str):
    """Count of a provider's members of one sex whose term covers today."""
    current = Member.objects.current().filter(provider=OuterRef("pk"), sex=sex)
    return Coalesce(Subquery(current.values("provider").annotate(n=Count("pk")).values("n")), 0)


class ProviderFilter(SearchFilterSet):
    municipality = municipality_filter("municipality")
    kind = django_filters.ChoiceFilter(
        choices=Provider.Kind.choices, label=_("Tipo"), empty_label=_("Todos los tipos")
    )

    class Meta:
        model = Provider
        fields = ["q", "municipality", "kind"]


class ProviderForm(ScopedModelForm):
    class Meta:
        model = Provider
        fields = [
            "name",
            "kind",
            "municipality",
            "locality",
            "established_year",
            "public_contact",
            "notes",
        ]


MemberFormSet = scoped_inline_formset(
    Provider,
    Member,
    fields=["name", "role", "sex", "term_start", "term_end"],
    widgets={
        "term_start": ScopedModelForm.date_widget(),
        "term_end": ScopedModelForm.date_widget(),
    },
)


def provider_context(request, provider):
    return {
        "current_members": provider.current_members().order_by("role"),
        "past_members": provider.members.exclude(pk__in=provider.current_members()),
        "systems": provider.systems.select_related("locality").prefetch_related(
            "served_localities__locality"
        ),
    }


pages = EntityPages(
    model=Provider,
    slug="provider",
    url_prefix="prestadores/",
    template_dir="providers",
    create_needs_municipality=True,
    filterset=ProviderFilter,
    form=ProviderForm,
    formsets=[MemberFormSet],
    select_related=("municipality", "locality"),
    detail_context=provider_context,
    # Members' names are personal data: the export carries counts, never names.
    export_columns=[
        ExportColumn("id", lambda o: o.pk),
        ExportColumn("nombre", lambda o: o.name),
        ExportColumn("tipo", lambda o: o.kind),
        ExportColumn("municipio", lambda o: o.municipality.name),
        ExportColumn("localidad", lambda o: o.locality.name if o.locality else ""),
        ExportColumn("anio_creacion", lambda o: o.established_year),
        ExportColumn("contacto_publico", lambda o: o.public_contact),
        ExportColumn("sistemas", lambda o: o.system_count),
        ExportColumn("integrantes_mujeres", lambda o: o.women_in_office),
        ExportColumn("integrantes_hombres", lambda o: o.men_in_office),
    ],
    export_annotations={
        "system_count": Count("systems", distinct=True),
        "women_in_office": members_in_office(Sex.FEMALE),
        "men_in_office": members_in_office(Sex.MALE),
    },
)
