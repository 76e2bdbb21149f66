"""The purifier register's API: units, follow-up visits, E. coli tests, lamp changes, repairs,
and the figures by locality.

Every create writes through ``purifiers.services`` (the pages and the importer do too): the
serializers only read what was sent and limit related choices to the user's scope; the service
checks the scope and the rules and recognises a resend by ``record_id``. The answer is the one
every create gives (``base``): 201 new, 200 resent, 409 conflict, 400 with the service's
sentence on the field to fix, 403 when the user's role or area refuses.
"""

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from ojodeagua.lib.records import RecordConflict
from ojodeagua.organisations.scope import scope_for
from ojodeagua.pages.filters import visible
from ojodeagua.places.filters import municipality_filter
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.purifiers import selectors, services
from ojodeagua.purifiers.models import EcoliTest, FollowUpVisit, LampChange, Repair, Unit

from .base import (
    ScopedReadOnlyViewSet,
    ScopedSerializer,
    create_responses,
    refusal,
    saved_response,
)

# The record id is checked by the service (a resend is not a duplicate): no unique validator.
RECORD_ID = {"validators": [], "required": False}


class PurifierSerializer(ScopedSerializer):
    """Related choices inside the user's scope; the rules are the service's, not repeated."""

    def validate(self, attrs):
        return attrs


class UnitSerializer(PurifierSerializer):
    lamp_installed_on = serializers.DateField(required=False, allow_null=True)
    lamp_due_on = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "record_id",
            "locality",
            "owner",
            "place_label",
            "school",
            "provider",
            "unit_model",
            "installed_on",
            "lamp_installed_on",
            "lamp_due_on",
            "status",
            "retired_on",
            "retired_reason",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "retired_on", "retired_reason", "created_at", "updated_at"]
        extra_kwargs = {"record_id": RECORD_ID}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Always filled once stored (the service sets their defaults).
        data["lamp_installed_on"] = str(instance.lamp_installed_on)
        data["lamp_due_on"] = str(instance.lamp_due_on)
        return data


class VisitSerializer(PurifierSerializer):
    class Meta:
        model = FollowUpVisit
        fields = [
            "id",
            "record_id",
            "unit",
            "visited_on",
            "in_use",
            "is_clean",
            "lamp_working",
            "stored_water_covered",
            "notes",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"record_id": RECORD_ID}


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(" + "|".join(EcoliTest.Method.values) + ")$",
        "description": "mpn: NMP/100 mL; cfu: UFC/100 mL",
    }
)
class TestMethodField(serializers.ChoiceField):
    """Described by a pattern, not an enum: the schema's enums are named by field, and a
    payment's "method" is another one."""


class EcoliTestSerializer(PurifierSerializer):
    method = TestMethodField(choices=EcoliTest.Method.choices, required=False)

    class Meta:
        model = EcoliTest
        fields = [
            "id",
            "record_id",
            "unit",
            "sampled_on",
            "method",
            "ecoli_before",
            "ecoli_after",
            "notes",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"record_id": RECORD_ID}


class LampChangeSerializer(PurifierSerializer):
    lamp_due_on = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = LampChange
        fields = ["id", "record_id", "unit", "done_on", "lamp_due_on", "notes", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"record_id": RECORD_ID}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["lamp_due_on"] = str(instance.lamp_due_on)
        return data


class RepairSerializer(PurifierSerializer):
    class Meta:
        model = Repair
        fields = ["id", "record_id", "unit", "done_on", "what", "notes", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"record_id": RECORD_ID}


class PurifierViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Read within scope; create through the register's service (never update or delete here:
    a record is corrected on its page, and its trail keeps every change)."""

    def write(self, data: dict):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["record_id"] = data.get("record_id") or None
        try:
            record, created = self.write(data)
        except DjangoPermissionDenied as refused:
            raise PermissionDenied(str(refused) or None) from None
        except RecordConflict:
            raise  # answered 409 (or 400 on record_id) by ConflictAnswers
        except DjangoValidationError as error:
            raise refusal(error) from None
        fresh = self.get_queryset().get(pk=record.pk)
        return saved_response(self.get_serializer(fresh).data, created)


def documented(serializer, what: str):
    return extend_schema(
        responses=create_responses(
            serializer,
            resent=gettext_lazy("Ya estaba anotado igual; se devuelve lo guardado."),
            conflict=gettext_lazy("El record_id existe con otro contenido."),
        ),
        description=what,
    )


class UnitFilter(django_filters.FilterSet):
    locality = django_filters.ModelChoiceFilter(queryset=visible(Locality))
    municipality = municipality_filter("locality__municipality")
    status = django_filters.ChoiceFilter(choices=Unit.Status.choices)

    class Meta:
        model = Unit
        fields = ["locality", "municipality", "status"]


class FiguresQuery(serializers.Serializer):
    on = serializers.DateField(required=False)
    municipality = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class FiguresSerializer(serializers.Serializer):
    units = serializers.IntegerField()
    visited = serializers.IntegerField()
    in_use = serializers.IntegerField()
    effective = serializers.IntegerField()
    lamps_overdue = serializers.IntegerField()
    share_in_use = serializers.FloatField(allow_null=True)
    share_effective = serializers.FloatField(allow_null=True)
    latest_visit_on = serializers.DateField(allow_null=True)


class LocalityFiguresSerializer(FiguresSerializer):
    locality = serializers.IntegerField()
    locality_key = serializers.CharField()
    locality_name = serializers.CharField()


class RegisterFiguresSerializer(serializers.Serializer):
    on = serializers.DateField()
    days = serializers.IntegerField()
    test_days = serializers.IntegerField()
    total = FiguresSerializer()
    localities = LocalityFiguresSerializer(many=True)


def figures_data(figures: selectors.UnitFigures) -> dict:
    return {
        "units": figures.units,
        "visited": figures.visited,
        "in_use": figures.in_use,
        "effective": figures.effective,
        "lamps_overdue": figures.lamps_overdue,
        "share_in_use": figures.share_in_use,
        "share_effective": figures.share_effective,
        "latest_visit_on": figures.latest_visit_on,
    }


class UnitViewSet(PurifierViewSet):
    """Household and school UV purification units. POST registers one (``register_unit``)."""

    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    select_related = ("locality",)

    def write(self, data: dict):
        return services.register_unit(self.request.user, **data)

    @documented(UnitSerializer, "Anota un purificador en el registro.")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(
        parameters=[FiguresQuery],
        responses={200: RegisterFiguresSerializer},
        description=(
            "Cuántos purificadores hay, en uso y funcionando (sin E. coli después del "
            "purificador), por localidad y en total, al día ``on`` (hoy si falta). Las "
            "definiciones están en ojodeagua.purifiers.selectors."
        ),
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def figures(self, request):
        query = FiguresQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or timezone.localdate()
        scope = scope_for(request.user)
        units = scope.visible(Unit.objects.all())
        if "municipality" in query.validated_data:
            # A municipality out of sight counts nothing, as one that does not exist.
            seen = scope.visible(Municipality.objects.all()).values("pk")
            units = units.filter(
                locality__municipality_id=query.validated_data["municipality"],
                locality__municipality_id__in=seen,
            )
        figures = selectors.register_figures(units, on)
        data = {
            "on": figures.on,
            "days": figures.days,
            "test_days": figures.test_days,
            "total": figures_data(figures.total),
            "localities": [
                {
                    "locality": row.locality.pk,
                    "locality_key": row.locality.key,
                    "locality_name": row.locality.name,
                    **figures_data(row.figures),
                }
                for row in figures.localities
            ],
        }
        return Response(RegisterFiguresSerializer(data).data)


def unit_filter(model) -> type[django_filters.FilterSet]:
    """Filter a unit's records by the unit (one the user sees)."""
    meta = type("Meta", (), {"model": model, "fields": ["unit"]})
    attributes = {"unit": django_filters.ModelChoiceFilter(queryset=visible(Unit)), "Meta": meta}
    return type(f"{model.__name__}Filter", (django_filters.FilterSet,), attributes)


class VisitViewSet(PurifierViewSet):
    """Follow-up visits to units. POST records one (``record_visit``)."""

    queryset = FollowUpVisit.objects.all()
    serializer_class = VisitSerializer
    filterset_class = unit_filter(FollowUpVisit)

    def write(self, data: dict):
        return services.record_visit(self.request.user, data.pop("unit"), **data)

    @documented(VisitSerializer, "Anota una visita de seguimiento a un purificador.")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class EcoliTestViewSet(PurifierViewSet):
    """E. coli before and after a unit. POST records one (``record_test``)."""

    queryset = EcoliTest.objects.all()
    serializer_class = EcoliTestSerializer
    filterset_class = unit_filter(EcoliTest)

    def write(self, data: dict):
        return services.record_test(self.request.user, data.pop("unit"), **data)

    @documented(EcoliTestSerializer, "Anota una prueba de E. coli antes y después del purificador.")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class LampChangeViewSet(PurifierViewSet):
    """Lamp changes. POST records one and moves the unit's lamp (``record_lamp_change``)."""

    queryset = LampChange.objects.all()
    serializer_class = LampChangeSerializer
    filterset_class = unit_filter(LampChange)

    def write(self, data: dict):
        return services.record_lamp_change(self.request.user, data.pop("unit"), **data)

    @documented(LampChangeSerializer, "Anota un cambio de lámpara.")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class RepairViewSet(PurifierViewSet):
    """Repairs. POST records one (``record_repair``)."""

    queryset = Repair.objects.all()
    serializer_class = RepairSerializer
    filterset_class = unit_filter(Repair)

    def write(self, data: dict):
        return services.record_repair(self.request.user, data.pop("unit"), **data)

    @documented(RepairSerializer, "Anota una reparación.")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


PURIFIER_ROUTES = [
    ("purifier-units", UnitViewSet, "purifier-unit"),
    ("purifier-visits", VisitViewSet, "purifier-visit"),
    ("purifier-tests", EcoliTestViewSet, "purifier-test"),
    ("purifier-lamp-changes", LampChangeViewSet, "purifier-lamp-change"),
    ("purifier-repairs", RepairViewSet, "purifier-repair"),
]
