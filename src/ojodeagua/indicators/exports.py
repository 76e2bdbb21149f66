"""CSV and XLSX downloads of indicator values, with each entity's key and name looked up in bulk.

``values_table`` is the one table the page and the task queue write (``lib.exports``)."""

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.lib.exports import ExportRefused, Table
from ojodeagua.organisations.scope import scope_for
from ojodeagua.pages.filters import visible
from ojodeagua.places.models import Locality, Municipality, State
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import WaterSystem

from .models import Entity, IndicatorValue

CHUNK = 2000
# "2025-03" picks a month; a full date works too.
PERIOD_FORMATS = ["%Y-%m-%d", "%Y-%m"]


class MonthField(forms.DateField):
    input_formats = PERIOD_FORMATS


class MonthFilter(django_filters.DateFilter):
    field_class = MonthField


class IndicatorValueFilter(django_filters.FilterSet):
    """The same selection for the API list and the downloads."""

    indicator = django_filters.CharFilter(label=gettext_lazy("Indicador"))
    entity = django_filters.ChoiceFilter(choices=Entity.choices, label=gettext_lazy("De qué"))
    entity_id = django_filters.NumberFilter(label=gettext_lazy("Identificador de la entidad"))
    municipality = django_filters.ModelChoiceFilter(
        queryset=visible(Municipality), method="in_municipality", label=gettext_lazy("Municipio")
    )

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "entity", "entity_id", "municipality"]

    def in_municipality(self, queryset, name: str, value: Municipality):
        return queryset.filter(municipality_id=value.pk)


# "from" and "to" are Python keywords, so they are added after the class is built.
IndicatorValueFilter.base_filters["from"] = MonthFilter(
    field_name="period", lookup_expr="gte", label=gettext_lazy("Desde el mes (AAAA-MM)")
)
IndicatorValueFilter.base_filters["to"] = MonthFilter(
    field_name="period", lookup_expr="lte", label=gettext_lazy("Hasta el mes (AAAA-MM)")
)


def headers() -> list[str]:
    return [
        _("indicador"),
        _("de qué"),
        _("clave"),
        _("nombre"),
        _("mes"),
        _("desde"),
        _("hasta"),
        _("valor"),
        _("clase"),
        _("numerador"),
        _("denominador"),
        _("calculado"),
        # The distribution behind the figure (people per rung, "unknown" among them; the norm
        # that judged contamination; the systems a quality figure left out), as JSON.
        _("desglose"),
    ]


def _keyed(model, key_field: str | None):
    def lookup(ids: set[int]) -> dict[int, tuple[str, str]]:
        fields = ["pk", "name", *([key_field] if key_field else [])]
        rows = model._default_manager.filter(pk__in=ids).values_list(*fields)
        # Systems and providers have no official key; their id is what the API uses.
        return {row[0]: (row[2] if key_field else str(row[0]), row[1]) for row in rows}

    return lookup


ENTITY_LOOKUPS = {
    Entity.SYSTEM: _keyed(WaterSystem, None),
    Entity.PROVIDER: _keyed(Provider, None),
    Entity.LOCALITY: _keyed(Locality, "key"),
    Entity.MUNICIPALITY: _keyed(Municipality, "key"),
    Entity.STATE: _keyed(State, "key"),
}


def entity_labels(values: Iterable[IndicatorValue]) -> dict[tuple[str, int], tuple[str, str]]:
    """(entity, id) → (key, name), one query per kind of entity."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for value in values:
        wanted[value.entity].add(value.entity_id)
    labels = {}
    for entity, ids in wanted.items():
        lookup = ENTITY_LOOKUPS.get(entity)
        if lookup is None:
            continue
        for pk, key_and_name in lookup(ids).items():
            labels[(entity, pk)] = key_and_name
    return labels


def _chunks(queryset) -> Iterator[list[IndicatorValue]]:
    rows = queryset.iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _local(moment: datetime.datetime) -> datetime.datetime:
    # Spreadsheets have no time zones: write the wall-clock time in Mexico City.
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def rows(queryset) -> Iterator[list[object]]:
    """One row per value in the order of ``headers()``; names resolved a chunk at a time."""
    entity_names = dict(Entity.choices)
    for chunk in _chunks(queryset.order_by("indicator", "entity", "entity_id", "period")):
        labels = entity_labels(chunk)
        for value in chunk:
            key, name = labels.get((value.entity, value.entity_id), (str(value.entity_id), ""))
            yield [
                value.indicator,
                str(entity_names.get(value.entity, value.entity)),
                key,
                name,
                f"{value.period:%Y-%m}",
                value.window_start,
                value.window_end,
                value.value,
                value.label,
                value.numerator,
                value.denominator,
                _local(value.computed_at),
                json.dumps(value.breakdown, ensure_ascii=False, sort_keys=True)
                if value.breakdown
                else "",
            ]


class _Asking:
    """What the filters read of a request (the municipality choices are the person's)."""

    def __init__(self, user) -> None:
        self.user = user


def selection(user, query):
    """The values this person may see, filtered as the API's list is; ``ExportRefused`` names
    the filters to fix."""
    queryset = scope_for(user).visible(IndicatorValue.objects.all())
    filterset = IndicatorValueFilter(query, queryset=queryset, request=_Asking(user))
    if not filterset.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in filterset.errors.items()
        )
        raise ExportRefused(
            _("No se pudo exportar: revise los filtros ({problems}).").format(problems=problems)
        )
    return filterset.qs


def values_table(user, query) -> Table:
    """The download of indicator values (``lib.exports``): the page's and the job's."""
    queryset = selection(user, query)
    return Table(
        name=f"indicadores-{timezone.localdate():%Y-%m-%d}",
        sheet=_("indicadores"),
        header=headers(),
        rows=rows(queryset),
        count=queryset.count(),
    )
