"""Observation and indicator API: creation idempotent by record id; pending records for editors."""

from collections import Counter

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from ojodeagua.audit.trail import save_audited
from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.indicators.exports import IndicatorValueFilter
from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.monitoring import services
from ojodeagua.monitoring.models import (
    DISTANCE_TOO_LONG,
    NEGATIVE_DISTANCE,
    ComponentCheck,
    HealthCentreSurvey,
    HouseholdSurvey,
    InspectionAnswer,
    SchoolSurvey,
    SupplyDay,
    SystemVisit,
)
from ojodeagua.monitoring.observation import Observation
from ojodeagua.pages.filters import visible
from ojodeagua.places.filters import municipality_filter
from ojodeagua.places.models import Locality
from ojodeagua.waterquality.models import Result, Sample, Verdict
from ojodeagua.waterquality.verdicts import judge_sample
from ojodeagua.watersystems.models import WaterSystem

from .base import (
    ResendableCreate,
    ScopedReadOnlyViewSet,
    ScopedSerializer,
    create_responses,
    refusal,
    saved_response,
)

COMMON_FIELDS = [
    "id",
    "record_id",
    "observed_on",
    "source",
    "state",
    "notes",
    "recorded_by",
    "validated_by",
    "validated_at",
    "municipality",
    "provider",
    "created_at",
    "updated_at",
]
# A resend is "the same" when everything the client wrote matches; the state is not content
# (a coordinator may have validated the record since it was first sent).
NOT_CONTENT = {"record_id", "state"}


class NestedRows:
    """A child list written with its observation: the child model, its parent key, what counts."""

    def __init__(self, model, parent: str, compared: tuple[str, ...]) -> None:
        self.model, self.parent, self.compared = model, parent, compared

    def signature(self, row) -> tuple:
        return tuple(
            getattr(row, self.model._meta.get_field(name).attname) for name in self.compared
        )


class ObservationSerializer(ScopedSerializer):
    """Fields every observation shares; subclasses list their nested rows in ``nested``."""

    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    validated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    nested: dict[str, NestedRows] = {}

    class Meta:
        model = Observation
        fields = COMMON_FIELDS
        read_only_fields = ["validated_at", "created_at", "updated_at"]
        # The record id repeats on purpose when a phone resends: the view answers that case.
        extra_kwargs = {"record_id": {"validators": [], "required": False}}

    def validate_observed_on(self, value):
        # The same limits as the entry pages and the file imports.
        if refused := services.observed_on_refusal(value):
            raise serializers.ValidationError(refused)
        return value

    def candidate(self):
        """The observation these data describe, not saved."""
        plain = {k: v for k, v in self.validated_data.items() if k not in self.nested}
        return self.Meta.model(**plain)

    def differences(self, stored) -> list[str]:
        """Names of the fields whose content differs from the stored record."""
        candidate = self.candidate()
        changed = []
        for name, field in self.fields.items():
            if field.read_only or name in NOT_CONTENT or name in self.nested:
                continue
            attname = self.Meta.model._meta.get_field(field.source).attname
            if getattr(candidate, attname) != getattr(stored, attname):
                changed.append(name)
        for name, rows in self.nested.items():
            sent = Counter(
                rows.signature(rows.model(**row)) for row in self.validated_data.get(name, [])
            )
            kept = Counter(rows.signature(row) for row in getattr(stored, name).all())
            if sent != kept:
                changed.append(name)
        return changed

    def create(self, validated_data):
        children = {name: validated_data.pop(name, []) for name in self.nested}
        user = self.context["request"].user
        observation = self.Meta.model(**validated_data)

        def write(observation):
            save_audited(user, observation, observation.save)
            for name, rows in self.nested.items():
                for row in children[name]:
                    child = rows.model(**row, **{rows.parent: observation})
                    save_audited(user, child, child.save)
            self.after_children(observation)

        state = observation.state
        try:
            saved, _created = services.save_observation(
                user,
                observation,
                write,
                channel=Observation.Channel.API,
                action=services.ACTION_FOR_STATE[state],
                requested_state=state,
            )
        except DjangoPermissionDenied as refused:
            raise PermissionDenied(str(refused)) from None
        except DjangoValidationError as refused:
            raise refusal(refused) from None
        return saved

    def after_children(self, observation) -> None:
        """Work that needs the nested rows saved (scores, verdicts)."""


class ComponentCheckSerializer(ScopedSerializer):
    class Meta:
        model = ComponentCheck
        fields = ["id", "component", "condition", "note"]


class InspectionAnswerSerializer(ScopedSerializer):
    class Meta:
        model = InspectionAnswer
        fields = ["id", "question", "hazard"]


class SystemVisitSerializer(ObservationSerializer):
    component_checks = ComponentCheckSerializer(many=True, required=False)
    inspection_answers = InspectionAnswerSerializer(many=True, required=False)
    nested = {
        "component_checks": NestedRows(ComponentCheck, "visit", ("component", "condition", "note")),
        "inspection_answers": NestedRows(InspectionAnswer, "visit", ("question", "hazard")),
    }

    class Meta(ObservationSerializer.Meta):
        model = SystemVisit
        fields = [
            *COMMON_FIELDS,
            "system",
            "working",
            "flow_lps",
            "downtime_days",
            "downtime_cause",
            "chlorination",
            "inspection_form",
            "inspection_score",
            "inspection_risk",
            "component_checks",
            "inspection_answers",
        ]
        read_only_fields = [
            *ObservationSerializer.Meta.read_only_fields,
            "inspection_score",
            "inspection_risk",
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        system = attrs.get("system")
        components = [check["component"] for check in attrs.get("component_checks", [])]
        if any(component.system_id != system.pk for component in components):
            raise serializers.ValidationError(
                {"component_checks": _("Cada componente revisado debe ser del sistema visitado.")}
            )
        if len(set(components)) != len(components):
            raise serializers.ValidationError(
                {"component_checks": _("Anote cada componente una sola vez por visita.")}
            )
        questions = [answer["question"] for answer in attrs.get("inspection_answers", [])]
        form = attrs.get("inspection_form")
        if questions and form is None:
            raise serializers.ValidationError(
                {"inspection_form": _("Diga qué formulario de inspección sanitaria se usó.")}
            )
        if any(question.form_id != form.pk for question in questions):
            raise serializers.ValidationError(
                {
                    "inspection_answers": _(
                        "Cada respuesta debe ser de una pregunta del formulario elegido."
                    )
                }
            )
        if len(set(questions)) != len(questions):
            raise serializers.ValidationError(
                {"inspection_answers": _("Conteste cada pregunta una sola vez.")}
            )
        return attrs

    def after_children(self, observation) -> None:
        observation.score_inspection()
        observation.save(update_fields=["inspection_score", "inspection_risk"])


class SupplyDaySerializer(ObservationSerializer):
    class Meta(ObservationSerializer.Meta):
        model = SupplyDay
        fields = [*COMMON_FIELDS, "system", "sector", "hours", "no_water_reason"]
        # Replaced by the check in validate(), whose message names the fields in plain words.
        validators = []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        same_day = SupplyDay.objects.filter(
            system=attrs["system"], sector=attrs.get("sector", ""), observed_on=attrs["observed_on"]
        )
        if self.instance is not None:
            same_day = same_day.exclude(pk=self.instance.pk)
        if same_day.exists():
            raise serializers.ValidationError(
                _(
                    "Ya está anotado el suministro de ese sistema (y sector) para ese día. "
                    "Si hay que corregirlo, corrija el registro existente."
                )
            )
        return attrs


class VerdictSerializer(serializers.ModelSerializer):
    norm = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = Verdict
        fields = ["norm", "outcome", "limit_text", "version", "reason"]


class ResultSerializer(ScopedSerializer):
    verdicts = VerdictSerializer(many=True, read_only=True)

    class Meta:
        model = Result
        fields = [
            "id",
            "parameter_text",
            "parameter",
            "value",
            "below_detection",
            "outcome",
            "unit",
            "method",
            "verdicts",
        ]


class SampleSerializer(ObservationSerializer):
    results = ResultSerializer(many=True, required=False)
    # The parameter may be matched from the text when the sample is judged, so a resend
    # that names it only by text is still the same result.
    nested = {
        "results": NestedRows(
            Result,
            "sample",
            ("parameter_text", "value", "below_detection", "outcome", "unit", "method"),
        )
    }

    class Meta(ObservationSerializer.Meta):
        model = Sample
        fields = [
            *COMMON_FIELDS,
            "locality",
            "system",
            "sampling_point",
            "point_description",
            "analysis",
            "laboratory",
            "results",
        ]

    def after_children(self, observation) -> None:
        judge_sample(observation)


class HouseholdSurveySerializer(ObservationSerializer):
    class Meta(ObservationSerializer.Meta):
        model = HouseholdSurvey
        fields = [*COMMON_FIELDS, "locality", "system", *HouseholdSurvey.ANSWER_FIELDS]


class SchoolSurveySerializer(ObservationSerializer):
    class Meta(ObservationSerializer.Meta):
        model = SchoolSurvey
        fields = [*COMMON_FIELDS, "school", *SchoolSurvey.ANSWER_FIELDS]


class HealthCentreSurveySerializer(ObservationSerializer):
    class Meta(ObservationSerializer.Meta):
        model = HealthCentreSurvey
        fields = [*COMMON_FIELDS, "health_centre", *HealthCentreSurvey.ANSWER_FIELDS]
        # The same words as the page and the model, not the framework's generic range text.
        extra_kwargs = {
            **ObservationSerializer.Meta.extra_kwargs,
            "water_source_distance_m": {
                "error_messages": {
                    "min_value": NEGATIVE_DISTANCE,
                    "max_value": DISTANCE_TOO_LONG,
                }
            },
        }


def observation_filter(model, places: dict[str, type]) -> type[django_filters.FilterSet]:
    """State, date range (observed_on_after/_before), municipality and the observed place."""
    attrs = {
        "state": django_filters.ChoiceFilter(choices=Observation.State.choices),
        "observed_on": django_filters.DateFromToRangeFilter(),
        "municipality": municipality_filter("municipality"),
        **{
            name: django_filters.ModelChoiceFilter(queryset=visible(place))
            for name, place in places.items()
        },
        "Meta": type("Meta", (), {"model": model, "fields": []}),
    }
    return type(f"{model.__name__}Filter", (django_filters.FilterSet,), attrs)


class ObservationViewSet(ResendableCreate, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Read and create; never update or delete here (corrections are new, audited records)."""

    select_related: tuple[str, ...] = ("recorded_by", "validated_by")
    prefetch: tuple[str, ...] = ()

    def get_queryset(self):
        return super().get_queryset().prefetch_related(*self.prefetch)

    def create_new(self, request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        observation = serializer.save()
        fresh = self.get_queryset().get(pk=observation.pk)
        return saved_response(self.get_serializer(fresh).data, created=True)

    def differences(self, serializer, stored) -> list[str]:
        return serializer.differences(stored)


def documented(viewset: type[ObservationViewSet]) -> type[ObservationViewSet]:
    """The schema lists the three answers a create can give."""
    serializer = viewset.serializer_class
    responses = create_responses(
        serializer,
        resent=gettext_lazy("Ya existía igual; no se duplicó."),
        conflict=gettext_lazy("El record_id existe con otro contenido."),
    )
    return extend_schema_view(create=extend_schema(responses=responses))(viewset)


@documented
class SystemVisitViewSet(ObservationViewSet):
    queryset = SystemVisit.objects.all()
    serializer_class = SystemVisitSerializer
    filterset_class = observation_filter(SystemVisit, {"system": WaterSystem})
    prefetch = ("component_checks", "inspection_answers")


@documented
class SupplyDayViewSet(ObservationViewSet):
    queryset = SupplyDay.objects.all()
    serializer_class = SupplyDaySerializer
    filterset_class = observation_filter(SupplyDay, {"system": WaterSystem})


@documented
class SampleViewSet(ObservationViewSet):
    queryset = Sample.objects.all()
    serializer_class = SampleSerializer
    filterset_class = observation_filter(Sample, {"system": WaterSystem, "locality": Locality})
    prefetch = ("results__verdicts__norm", "results__verdicts__version")


@documented
class HouseholdSurveyViewSet(ObservationViewSet):
    queryset = HouseholdSurvey.objects.all()
    serializer_class = HouseholdSurveySerializer
    filterset_class = observation_filter(
        HouseholdSurvey, {"system": WaterSystem, "locality": Locality}
    )


@documented
class SchoolSurveyViewSet(ObservationViewSet):
    queryset = SchoolSurvey.objects.all()
    serializer_class = SchoolSurveySerializer
    filterset_class = observation_filter(SchoolSurvey, {"school": School})


@documented
class HealthCentreSurveyViewSet(ObservationViewSet):
    queryset = HealthCentreSurvey.objects.all()
    serializer_class = HealthCentreSurveySerializer
    filterset_class = observation_filter(HealthCentreSurvey, {"health_centre": HealthCentre})


class IndicatorValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "entity",
            "entity_id",
            "period",
            "window_start",
            "window_end",
            "value",
            "label",
            "numerator",
            "denominator",
            "breakdown",
            "sources",
            "computed_at",
        ]


class IndicatorValueViewSet(ScopedReadOnlyViewSet):
    """Computed figures of the user's area; filters: indicator, entity, entity_id,
    municipality, from and to (months as AAAA-MM)."""

    queryset = IndicatorValue.objects.all()
    serializer_class = IndicatorValueSerializer
    filterset_class = IndicatorValueFilter


OBSERVATION_ROUTES = [
    ("system-visits", SystemVisitViewSet),
    ("supply-days", SupplyDayViewSet),
    ("samples", SampleViewSet),
    ("household-surveys", HouseholdSurveyViewSet),
    ("school-surveys", SchoolSurveyViewSet),
    ("health-centre-surveys", HealthCentreSurveyViewSet),
    ("indicator-values", IndicatorValueViewSet),
]
