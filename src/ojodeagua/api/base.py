"""Scoped viewsets and serializers: what a token may read and write, decided by its user."""

import copy

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from ojodeagua.audit.trail import save_audited
from ojodeagua.organisations.scope import scope_for
from ojodeagua.pages.forms import allowed_choices


class ScopedSerializer(serializers.ModelSerializer):
    """Related fields only accept rows inside the requesting user's scope.

    The model's own ``clean()`` runs too, so the API keeps the same rules as the pages.
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        candidate = copy.copy(self.instance) if self.instance else self.Meta.model()
        for name, value in attrs.items():
            if not isinstance(value, list):
                setattr(candidate, name, value)
        candidate.clean()  # DRF turns Django's ValidationError into a 400 with the messages
        return attrs

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is None:
            return fields
        scope = scope_for(request.user)
        for name, field in fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "in_area") and not field.read_only:
                current = getattr(self.instance, f"{name}_id", None) if self.instance else None
                field.queryset = allowed_choices(scope, queryset, current)
        return fields


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    select_related: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = self.queryset.model._default_manager.select_related(*self.select_related)
        return scope_for(self.request.user).visible(queryset).order_by("pk")


class ScopedViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """Read, create and update; never delete (corrections are new values, kept in the trail)."""

    creation_needs_creator_role = True

    def perform_create(self, serializer) -> None:
        if self.creation_needs_creator_role and not scope_for(self.request.user).can_create:
            raise PermissionDenied(_("Su papel no permite agregar registros."))
        self._save(serializer, serializer.Meta.model())

    def perform_update(self, serializer) -> None:
        if not scope_for(self.request.user).can_edit(serializer.instance):
            raise PermissionDenied(_("Puede ver este registro, pero no cambiarlo."))
        self._save(serializer, serializer.instance)

    def _save(self, serializer, instance) -> None:
        with transaction.atomic():
            saved = save_audited(self.request.user, instance, serializer.save)
            if not scope_for(self.request.user).can_edit(saved):
                raise PermissionDenied(_("El registro quedaría fuera de su área."))
