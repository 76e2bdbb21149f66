"""The OpenAPI description of /api/v1/: every operation also lists the refusals it can answer.

drf-spectacular describes the answers a view means to give (200, 201); the refusals come from
DRF and the domain for every view alike, so they are added here once, from what the operation
is: 401 for a missing or wrong token; 400 when it reads a body or filters; 403 when it writes
(the user's role or scope refuses); 404 when it names a record, or a page that does not exist;
409 when it writes records that carry a client-made id, taken by other content.
"""

import copy

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .base import CONFLICT, ConflictAnswers

WRITES = frozenset({"POST", "PUT", "PATCH"})
# Query parameters that never answer 400: a wrong page answers 404, a wrong page size is ignored.
PAGING = frozenset({"page", "page_size"})

REFUSAL_SCHEMA = {
    "type": "object",
    "description": "Why the request was refused, in a sentence for the user.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
INVALID_SCHEMA = {
    "type": "object",
    "description": (
        "What was wrong: each field names its messages (a list of sentences, or for a list or "
        "nested field the same shape per item); ``non_field_errors`` the record as a whole; "
        "``detail`` a request that could not be read."
    ),
    "additionalProperties": {},
}


class ApiSchema(AutoSchema):
    """drf-spectacular's schema of an operation, with the refusals it can answer."""

    # Fields a serializer leaves out for some readers (personal data): in the answer's
    # description they are not promised to be there.
    OMITTED_FOR_SOME_READERS = ("private_fields", "personal_fields")

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, answer in self.refusals(operation).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(answer, code)
        return operation

    def refusals(self, operation: dict) -> dict[str, OpenApiResponse]:
        """The refusals this operation can answer, by status code."""
        parameters = operation.get("parameters", [])
        filters = {p["name"] for p in parameters if p["in"] == "query"} - PAGING
        names_a_record = any(p["in"] == "path" for p in parameters)
        pages = any(p["in"] == "query" and p["name"] == "page" for p in parameters)
        writes = self.method in WRITES
        refusals = {
            "401": OpenApiResponse(
                self.component("Refusal", REFUSAL_SCHEMA),
                description=gettext_lazy("Falta el token, o no es válido."),
            )
        }
        if writes or filters:
            refusals["400"] = OpenApiResponse(
                self.component("Invalid", INVALID_SCHEMA),
                description=gettext_lazy("Datos no válidos; cada campo dice qué corregir."),
            )
        if writes:
            refusals["403"] = OpenApiResponse(
                self.component("Refusal", REFUSAL_SCHEMA),
                description=gettext_lazy("Su papel o su área no le permiten este cambio."),
            )
        if names_a_record or pages:
            refusals["404"] = OpenApiResponse(
                self.component("Refusal", REFUSAL_SCHEMA),
                description=gettext_lazy("No existe, o no está en su área."),
            )
        if writes and self.keeps_record_ids():
            refusals["409"] = OpenApiResponse(
                CONFLICT,
                description=gettext_lazy("El record_id ya se usó con otro contenido."),
            )
        return refusals

    def keeps_record_ids(self) -> bool:
        """Whether the view's records carry a client-made ``record_id`` a resend can clash on."""
        if not isinstance(self.view, ConflictAnswers):
            return False
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        return model is not None and any(f.name == "record_id" for f in model._meta.get_fields())

    def component(self, name: str, schema: dict) -> dict:
        """A reference to the named schema component, registered on first use."""
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # A read-only choice loses ``allow_blank`` in DRF, but the column may hold "" (no
        # choice made): an answer can carry it.
        if (
            direction == "response"
            and isinstance(field, serializers.ChoiceField)
            and not field.allow_blank
            and read_from_blank_column(field)
        ):
            field = copy.copy(field)
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        # A field declared by hand (a user's name for a foreign key) does not learn from the
        # model that the value may be missing; what is read back can be null all the same.
        if direction == "response" and read_from_nullable_column(field):
            meta["nullable"] = True
        return meta

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response":
            omitted = {
                name
                for attribute in self.OMITTED_FOR_SOME_READERS
                for name in getattr(serializer, attribute, ())
            }
            if omitted and "required" in schema:
                schema["required"] = [name for name in schema["required"] if name not in omitted]
                if not schema["required"]:
                    del schema["required"]
        return schema


def columns_read(field) -> list:
    """The model fields a serializer field reads through, in order (``connection.code``: the
    foreign key, then the code); empty when it reads no column."""
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or field.source == "*":
        return []
    columns = []
    for name in field.source.split("."):
        if model is None:
            return []
        try:
            column = model._meta.get_field(name)
        except FieldDoesNotExist:
            return []
        columns.append(column)
        model = column.related_model
    return columns


def read_from_nullable_column(field) -> bool:
    """Whether the value comes through a model field that allows null (the field itself, or a
    foreign key on the way to it)."""
    return any(getattr(column, "null", False) for column in columns_read(field))


def read_from_blank_column(field) -> bool:
    """Whether the value is a text column that may be left blank."""
    columns = columns_read(field)
    return bool(columns) and columns[-1].blank and isinstance(columns[-1], models.CharField)
