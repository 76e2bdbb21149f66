"""Resolve a value's stored source references into the records a user may see."""

from dataclasses import dataclass

from django.apps import apps
from django.db import models

from ojodeagua.organisations.scope import Scope
from ojodeagua.waterquality.models import Sample

from .models import IndicatorValue

SHOWN_PER_SOURCE = 200


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
        return queryset
    if model._meta.label_lower == "waterquality.verdict":
        return queryset.filter(result__sample__in=scope.visible(Sample.objects.all()))
    if hasattr(queryset, "in_area"):
        return queryset.in_area(scope.view)
    return queryset.none()


def resolve(value: IndicatorValue, scope: Scope) -> list[ResolvedSource]:
    resolved = []
    for reference in value.sources:
        model = apps.get_model(reference["model"])
        queryset = model._default_manager.filter(**reference["filter"])
        if hasattr(queryset, "validated"):
            queryset = queryset.validated()
        queryset = scoped(model, queryset, scope)
        if model._meta.label_lower == "waterquality.verdict":
            queryset = queryset.select_related("result__sample", "norm")
        resolved.append(ResolvedSource(model, queryset.count(), list(queryset[:SHOWN_PER_SOURCE])))
    return resolved
