"""The area a person may see or change, and the search every scoped list shares."""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from .folding import Folded, fold


@dataclass(frozen=True)
class Area:
    """Municipalities covered whole, and providers covered one by one.

    Every scoped model's queryset has ``in_area(area, for_edit=...)``, so the rule for what
    an area covers lives beside each model and is used by pages, exports and the API alike.
    """

    municipality_ids: frozenset[int] = frozenset()
    provider_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.municipality_ids or self.provider_ids)

    def covers(self, municipality_id: int | None, provider_id: int | None) -> bool:
        """The rule of the querysets' ``in_area``, for a record not saved yet: its municipality
        is covered whole, or its provider one by one."""
        return municipality_id in self.municipality_ids or (
            provider_id is not None and provider_id in self.provider_ids
        )

    def __or__(self, other: "Area") -> "Area":
        return Area(
            self.municipality_ids | other.municipality_ids,
            self.provider_ids | other.provider_ids,
        )


NOWHERE = Area()


class SearchableQuerySet(models.QuerySet):
    """``search(text)`` matches any of ``search_lookups``; the lists' search box uses it."""

    search_lookups: tuple[str, ...] = ()

    def search(self, text: str):
        """Names match without regard to accents or case; keys match as typed."""
        text = text.strip()
        if not text:
            return self
        queryset, condition = self, Q()
        for index, lookup in enumerate(self.search_lookups):
            field, _, operator = lookup.rpartition("__")
            if operator == "icontains":
                alias = f"_folded_{index}"
                queryset = queryset.alias(**{alias: Folded(field)})
                condition |= Q(**{f"{alias}__contains": fold(text)})
            else:
                condition |= Q(**{lookup: text})
        return queryset.filter(condition)
