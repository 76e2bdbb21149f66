"""Who may see and change what: one place that every page, export and API view asks."""

from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from ojodeagua.lib.scoping import NOWHERE, Area

from .models import Membership

M = TypeVar("M", bound=models.Model)
Role = Membership.Role

NAMES_ARE_THEIRS = gettext_lazy(
    "Los nombres los anotan el comité y quienes lo acompañan; usted ve cuántas personas hay, "
    "de qué sexo y con qué papel. Deje este dato vacío."
)


@dataclass(frozen=True)
class Scope:
    """A user's areas: where they may look, where they may edit, and whose audit trail."""

    everything: bool
    view: Area
    edit: Area
    audit: Area
    create: Area
    roles: frozenset[str]

    @property
    def is_coordinator(self) -> bool:
        return self.everything or Role.COORDINATOR in self.roles

    @property
    def sees_audit_trail(self) -> bool:
        return self.everything or bool(self.audit)

    @property
    def can_create(self) -> bool:
        return self.everything or bool(self.create)

    def visible(self, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
        if hasattr(queryset, "visible_in"):
            # Observations: pending records are shown only to those who may edit them.
            return queryset.visible_in(self)
        if self.everything:
            return queryset
        return queryset.in_area(self.view)  # type: ignore[attr-defined]

    def editable(self, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
        if self.everything:
            return queryset
        return queryset.in_area(self.edit, for_edit=True)  # type: ignore[attr-defined]

    def creatable_in(self, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
        """Places and providers a user may attach new records to."""
        if self.everything:
            return queryset
        return queryset.in_area(self.create, for_edit=True)  # type: ignore[attr-defined]

    def sees_names_of(self, provider_id: int | None) -> bool:
        """The one rule for personal data (README, "Personal data"): the names of a provider's
        people (its padrón, workshop participants, who filed a complaint, who came to a
        coaching session) are for those who keep its records one by one: the committee
        itself and the people who accompany it. Covering a whole municipality is not enough,
        nor is reading the committee as a viewer. Everyone else sees counts by sex and role.
        Pages, exports, printables, the API and the audit trail all ask here."""
        return self.everything or (
            provider_id is not None and provider_id in self.edit.provider_ids
        )

    def refuse_unseen_names(self, provider_id: int | None, **values: str) -> None:
        """Who may not read a provider's names does not write them either: each personal
        value given is refused, field by field (``ValidationError``)."""
        if self.sees_names_of(provider_id):
            return
        refused = {name: NAMES_ARE_THEIRS for name, value in values.items() if value}
        if refused:
            raise ValidationError(refused)

    def can_edit(self, obj: models.Model) -> bool:
        return self.editable(type(obj)._default_manager.filter(pk=obj.pk)).exists()


def scope_for(user: User | AnonymousUser) -> Scope:
    """Build the scope from the user's active memberships (cached on the user object)."""
    cached = getattr(user, "_ojodeagua_scope", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        scope = Scope(False, NOWHERE, NOWHERE, NOWHERE, NOWHERE, frozenset())
    elif user.is_superuser:
        scope = Scope(True, NOWHERE, NOWHERE, NOWHERE, NOWHERE, frozenset())
    else:
        view = edit = audit = create = NOWHERE
        roles: set[str] = set()
        memberships = user.memberships.filter(active=True).prefetch_related(
            "municipalities", "providers"
        )
        for membership in memberships:
            area = Area(
                frozenset(m.pk for m in membership.municipalities.all()),
                frozenset(p.pk for p in membership.providers.all()),
            )
            roles.add(membership.role)
            view |= area
            if membership.can_edit:
                edit |= area
            if membership.role in {Role.COORDINATOR, Role.FACILITATOR}:
                create |= area
            if membership.role == Role.COORDINATOR:
                audit |= area
        scope = Scope(False, view, edit, audit, create, frozenset(roles))
    user._ojodeagua_scope = scope  # type: ignore[union-attr]
    return scope


def get_visible_or_404(user: User | AnonymousUser, model: type[M], pk: object) -> M:
    return get_object_or_404(scope_for(user).visible(model._default_manager.all()), pk=pk)


def get_editable_or_404(user: User | AnonymousUser, model: type[M], pk: object) -> M:
    """404 when the object is out of sight; PermissionDenied when seen but read-only."""
    obj = get_visible_or_404(user, model, pk)
    if not scope_for(user).can_edit(obj):
        raise PermissionDenied
    return obj
