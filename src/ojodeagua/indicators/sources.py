"""Resolve a value's stored source references into the records a user may see."""

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Q

from ojodeagua.organisations.scope import Scope
from ojodeagua.waterquality.models import Sample

from .models import IndicatorValue

SHOWN_PER_SOURCE = 200
# Following figures down to observations stops here, so a state figure's page stays fast (its
# 124 municipalities point at thousands of system figures); the page then says the list is
# partial and each municipality's figure lists its own.
MAX_FIGURES_FOLLOWED = 150
MAX_DEPTH = 4
# A verdict row names its sample (system or locality) and norm: read with it, not per row.
VERDICT_ROW_RELATED = ("result__sample__system", "result__sample__locality", "norm")


@dataclass
class ResolvedSource:
    model: type[models.Model]
    total: int
    rows: list[models.Model]

    @property
    def name(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    @property
    def is_indicator(self) -> bool:
        return self.model is IndicatorValue


def scoped(model: type[models.Model], queryset: models.QuerySet, scope: Scope):
    if scope.everything:
        if model._meta.label_lower == "waterquality.verdict":
            return queryset.filter(result__sample__state=Sample.State.VALIDATED)
        return queryset
    if model._meta.label_lower == "waterquality.verdict":
        # Only validated tests count in a figure, so only they are listed behind one.
        samples = Sample.objects.filter(state=Sample.State.VALIDATED)
        return queryset.filter(result__sample__in=scope.visible(samples))
    if hasattr(queryset, "in_area"):
        # The finer figures under a figure follow the rule of every figure (visible_in).
        return scope.visible(queryset)
    return queryset.none()


def shown(model: type[models.Model], queryset: models.QuerySet) -> ResolvedSource:
    rows = list(queryset[:SHOWN_PER_SOURCE])
    if model is IndicatorValue:
        name_places(rows)
    return ResolvedSource(model, queryset.count(), rows)


def name_places(values: list[IndicatorValue]) -> None:
    """Attach the place's name to each value, one query per kind of place."""
    from .views import ENTITY_MODELS

    wanted: dict[str, set[int]] = {}
    for value in values:
        wanted.setdefault(value.entity, set()).add(value.entity_id)
    names = {
        entity: ENTITY_MODELS[entity]._default_manager.in_bulk(ids)
        for entity, ids in wanted.items()
    }
    for value in values:
        place = names[value.entity].get(value.entity_id)
        value.place_name = getattr(place, "name", str(value.entity_id))


def resolve(value: IndicatorValue, scope: Scope) -> list[ResolvedSource]:
    resolved = []
    for reference in value.sources:
        model = apps.get_model(reference["model"])
        queryset = model._default_manager.filter(**reference["filter"])
        if hasattr(queryset, "validated"):
            queryset = queryset.validated()
        queryset = scoped(model, queryset, scope)
        if model._meta.label_lower == "waterquality.verdict":
            queryset = queryset.select_related(*VERDICT_ROW_RELATED)
        resolved.append(shown(model, queryset))
    return resolved


def observations_behind(value: IndicatorValue, scope: Scope) -> tuple[list[ResolvedSource], bool]:
    """The observations under a figure, however many figures it was built from, and whether
    they are all of them (False when there were more figures than ``MAX_FIGURES_FOLLOWED``).

    An area figure is made of locality or system figures, which are made of observations;
    following the chain here puts the observations one click away from any figure.
    """
    pending = list(value.sources)
    by_model: dict[str, Q] = {}
    followed = 0
    complete = True
    for _depth in range(MAX_DEPTH):
        # The figures of one level are read in one query, whatever the number of parts (a
        # state's 124 municipalities each point at their own systems' figures).
        figures = Q()
        for reference in pending:
            if reference["model"] != "indicators.indicatorvalue":
                condition = by_model.get(reference["model"], Q())
                by_model[reference["model"]] = condition | Q(**reference["filter"])
                continue
            figures |= Q(**reference["filter"])
        room = MAX_FIGURES_FOLLOWED - followed
        if not figures:
            break
        if room <= 0:
            complete = False
            break
        # One more than there is room for, to know whether any was left behind.
        children = list(
            IndicatorValue.objects.filter(figures).values_list("sources", flat=True)[: room + 1]
        )
        if len(children) > room:
            complete = False
            children = children[:room]
        followed += len(children)
        pending = [reference for sources in children for reference in sources]
        if not pending:
            break
    resolved = []
    for label, condition in by_model.items():
        model = apps.get_model(label)
        queryset = model._default_manager.filter(condition)
        if hasattr(queryset, "validated"):
            queryset = queryset.validated()
        queryset = scoped(model, queryset, scope).distinct()
        if label == "waterquality.verdict":
            queryset = queryset.select_related(*VERDICT_ROW_RELATED)
        resolved.append(shown(model, queryset))
    return resolved, complete
