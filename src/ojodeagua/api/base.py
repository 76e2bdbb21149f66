"""Scoped viewsets and serializers: what a token may read and write, decided by its user.

Also the one way a create answers: 201 with a new record, 200 with the stored one when the
client resent it, 409 when its record id is taken by other content (``RecordConflict``, raised
by the domain's services or by ``resent_or_conflict`` here), and 400 on ``record_id`` when it
is taken by a record the user may not see (``RecordIdUnavailable``).
"""

import contextlib
import copy
from collections.abc import Iterator

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from ojodeagua.audit.trail import save_audited
from ojodeagua.lib.records import RecordConflict, RecordIdUnavailable
from ojodeagua.organisations.scope import scope_for
from ojodeagua.pages.forms import allowed_choices
from ojodeagua.pages.saving import save_in_area

OUT_OF_CHOICES = forms.ModelChoiceField.default_error_messages["invalid_choice"]

CONFLICT = inline_serializer(
    "RecordIdConflict",
    fields={"detail": serializers.CharField(), "fields": serializers.ListField()},
)


def conflict_response(error: RecordConflict) -> Response:
    """409: the record id is taken by other content; ``fields`` says which differ. A record
    id the user may not see is a wrong ``record_id`` (400), in words that say nothing of it."""
    if isinstance(error, RecordIdUnavailable):
        return Response({"record_id": [error.messages[0]]}, status=status.HTTP_400_BAD_REQUEST)
    return Response(
        {"detail": error.messages[0], "fields": error.fields}, status=status.HTTP_409_CONFLICT
    )


def saved_response(data, created: bool) -> Response:
    """201 for a new record, 200 for one that was stored already (a resend or an upsert)."""
    return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def refusal(error: DjangoValidationError) -> ApiValidationError:
    """A domain rule broken (a service's ``ValidationError``), as a 400 answer."""
    return ApiValidationError(serializers.as_serializer_error(error))


@contextlib.contextmanager
def domain_refusals() -> Iterator[None]:
    """Around a service call: its refusal answers 400 with the page's sentence, and a
    ``RecordConflict`` (also a ``ValidationError``) stays a conflict, answered 409."""
    try:
        yield
    except RecordConflict:
        raise
    except DjangoValidationError as error:
        raise refusal(error) from None


def create_responses(serializer, *, resent: str, conflict: str) -> dict:
    """The schema of the answers a create can give."""
    return {
        201: OpenApiResponse(serializer, description=gettext_lazy("Creado.")),
        200: OpenApiResponse(serializer, description=resent),
        # 400 (field by field, or a record_id that cannot be used) is added to every write by
        # ``api/schema.py``, with its body's schema.
        409: OpenApiResponse(CONFLICT, description=conflict),
    }


class ConflictAnswers:
    """Viewset mixin: a ``RecordConflict`` raised anywhere in a request answers 409."""

    def handle_exception(self, exc):
        if isinstance(exc, RecordConflict):
            return conflict_response(exc)
        return super().handle_exception(exc)


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
                # Out of the user's choices, in the words the page's form uses for it.
                field.error_messages["does_not_exist"] = OUT_OF_CHOICES
        return fields


class ResendableCreate(ConflictAnswers):
    """Viewset mixin: creating is idempotent by the client's ``record_id``.

    A record id already stored answers 200 with the stored record when everything the client
    wrote is the same, and 409 naming the fields when it is not. A record id stored for a
    record the user may not see is looked at last: the request is checked and tried as new,
    and only if it would have been written does the id answer 400 (``RecordIdUnavailable``),
    so the same wrong request answers the same whether or not the id exists elsewhere. Two
    sends of the same record at once: the second answers like a resend. ``not_compared``:
    fields that change over a record's life (a complaint's status) and so do not make a
    resend different.
    """

    not_compared: frozenset[str] = frozenset()
    # True where the domain's service answers resends itself: (record, False) or a conflict.
    service_answers_resends = False

    def sent_record_id(self) -> str | None:
        data = self.request.data if hasattr(self.request.data, "get") else {}
        record_id = data.get("record_id")
        return str(record_id) if record_id else None

    def stored_by_id(self, record_id: str | None):
        if not record_id or not hasattr(self.queryset.model, "record_id"):
            return None
        return self.queryset.model._default_manager.filter(record_id=record_id).first()

    def create(self, request, *args, **kwargs):
        if self.service_answers_resends:
            return self.create_new(request, *args, **kwargs)
        record_id = self.sent_record_id()
        stored = self.stored_by_id(record_id)
        if stored is not None and self.seen(stored):
            return self.resent(stored)
        try:
            with transaction.atomic():
                return self.create_new(request, *args, **kwargs)
        except IntegrityError:
            stored = self.stored_by_id(record_id)
            if stored is None:
                raise
            if not self.seen(stored):
                raise RecordIdUnavailable(stored.record_id) from None
            return self.resent(stored)

    def seen(self, stored) -> bool:
        return self.get_queryset().filter(pk=stored.pk).exists()

    def create_new(self, request, *args, **kwargs) -> Response:
        """A record whose id is not stored yet."""
        return super().create(request, *args, **kwargs)

    def check_resend(self, stored) -> None:
        """Refuse a resend the user may not make (raise), beyond seeing the record."""

    def resent(self, stored) -> Response:
        self.check_resend(stored)
        serializer = self.get_serializer(stored, data=self.request.data)
        serializer.context["replay"] = True
        serializer.is_valid(raise_exception=True)
        if changed := self.differences(serializer, stored):
            raise RecordConflict(stored.record_id, changed)
        fresh = self.get_queryset().get(pk=stored.pk)
        return saved_response(self.get_serializer(fresh).data, created=False)

    def differences(self, serializer, stored) -> list[str]:
        """Names of the sent fields whose content differs from the stored record."""
        changed = []
        for name, value in serializer.validated_data.items():
            if name in self.not_compared or name == "record_id":
                continue
            field = stored._meta.get_field(serializer.fields[name].source)
            sent = value.pk if hasattr(value, "pk") else value
            if sent != getattr(stored, field.attname):
                changed.append(name)
        return changed


class ScopedReadOnlyViewSet(ConflictAnswers, viewsets.ReadOnlyModelViewSet):
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
        user = self.request.user
        try:
            save_in_area(user, lambda: save_audited(user, instance, serializer.save))
        except DjangoPermissionDenied as refused:
            raise PermissionDenied(str(refused)) from None
