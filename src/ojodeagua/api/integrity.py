"""Integrity API: cycles and their records, complaints, the catalogue and the agency figures.

A cycle's records (participants, ratings, road map, …) take their scope from the cycle: whoever
may see the cycle sees them, whoever may edit it writes them. Creating is idempotent by
``record_id`` where the model has one, and by the natural key where there is one (a rating by
risk and participant), so a phone that resends its outbox does not duplicate anything.
"""

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from ojodeagua.audit.trail import save_audited
from ojodeagua.integrity import agency, register
from ojodeagua.integrity.models import (
    AssessedRisk,
    Attachment,
    BusinessProcess,
    CatalogueVersion,
    ChecklistItem,
    CoachingAnswer,
    CoachingSession,
    Complaint,
    ComplianceAnswer,
    Cycle,
    Participant,
    Rating,
    RatingScale,
    RatingTally,
    Risk,
    RoadmapChange,
    RoadmapItem,
    ScorecardIndicator,
    ScorecardPrinciple,
    ScorecardScore,
    Tool,
)
from ojodeagua.integrity.red_flags import CHECKS
from ojodeagua.integrity.workshop import (
    ADJUSTABLE,
    add_participant,
    add_risk,
    answer_checklist,
    answer_coaching,
    change_assessed_risk,
    change_roadmap,
    correct_coaching_session,
    edit_cycle,
    hold_coaching_session,
    open_cycle,
    plan_action,
    rate_risk,
    score_indicator,
    set_top_three,
    tally_risk,
)
from ojodeagua.lib.records import RecordConflict
from ojodeagua.organisations.scope import scope_for
from ojodeagua.pages.filters import visible
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider

from .base import (
    ResendableCreate,
    ScopedSerializer,
    create_responses,
    domain_refusals,
    refusal,
    saved_response,
)

# How each record reaches its cycle, which decides who may see and change it.
CYCLE_PATHS: dict[type, str] = {
    Participant: "cycle",
    ComplianceAnswer: "cycle",
    AssessedRisk: "cycle",
    Rating: "assessed_risk__cycle",
    RatingTally: "assessed_risk__cycle",
    RoadmapItem: "assessed_risk__cycle",
    CoachingSession: "cycle",
    CoachingAnswer: "session__cycle",
    ScorecardScore: "cycle",
    Attachment: "cycle",
}


def in_visible_cycles(queryset, user):
    """The rows of ``queryset`` whose cycle the user may see."""
    scope = scope_for(user)
    if scope.everything:
        return queryset
    path = CYCLE_PATHS[queryset.model]
    return queryset.filter(**{f"{path}__in": scope.visible(Cycle.objects.all())})


def cycle_of(obj) -> Cycle:
    if isinstance(obj, Cycle):
        return obj
    for name in CYCLE_PATHS[type(obj)].split("__"):
        obj = getattr(obj, name)
    return obj


def visible_rows(model):
    """A filter's choices: rows of a cycle's records the requesting user can see."""

    def choices(request):
        if request is None:
            return model.objects.none()
        return in_visible_cycles(model.objects.all(), request.user)

    return choices


# --- Serializers -----------------------------------------------------------------------------


class IntegritySerializer(ScopedSerializer):
    """Related rows offered only inside the user's scope; the model's personal fields
    (``PERSONAL_FIELDS``) only for those who read the committee's names
    (``Scope.sees_names_of``), as on the pages."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is None:
            return fields
        for field in fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and queryset.model in CYCLE_PATHS and not field.read_only:
                field.queryset = in_visible_cycles(queryset, request.user)
        return fields

    def provider_id_of(self, instance) -> int:
        return cycle_of(instance).provider_id

    @property
    def personal_fields(self) -> tuple[str, ...]:
        return getattr(self.Meta.model, "PERSONAL_FIELDS", ())

    def names_hidden(self, provider_id: int | None) -> bool:
        request = self.context.get("request")
        if not self.personal_fields or request is None:
            return False
        return not scope_for(request.user).sees_names_of(provider_id)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.names_hidden(self.provider_id_of(instance)):
            for name in self.personal_fields:
                data.pop(name, None)
        return data

    def provider_id_sent(self, attrs) -> int | None:
        """The provider a record being written belongs to."""
        if self.instance is not None:
            return self.provider_id_of(self.instance)
        parent = attrs.get("provider") or attrs.get(
            CYCLE_PATHS.get(self.Meta.model, "cycle").split("__")[0]
        )
        return getattr(parent, "provider_id", getattr(parent, "pk", None))

    def validate(self, attrs):
        if self.context.get("replay") and self.names_hidden(self.provider_id_sent(attrs)):
            # A resend is compared with what is stored only in what its sender may read:
            # names they cannot read get no "same" or "different" answer. (Written names
            # are refused by the services, ``Scope.refuse_unseen_names``.)
            for name in self.personal_fields:
                attrs.pop(name, None)
        attrs = super().validate(attrs)
        if self.instance is not None:
            model = self.Meta.model
            # What a record belongs to, and its client-made id, stay as they were created.
            fixed = ["record_id"] if hasattr(model, "record_id") else []
            if model in CYCLE_PATHS:
                fixed.append(CYCLE_PATHS[model].split("__")[0])
            if model is Complaint:
                fixed.append("provider")
            for name in fixed:
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: _("Esto no se cambia; registre uno nuevo si hace falta.")}
                    )
        return attrs


RECORD_ID = {"record_id": {"validators": [], "required": False}}


class CycleSerializer(IntegritySerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)

    class Meta:
        model = Cycle
        fields = [
            "id",
            "record_id",
            "provider",
            "provider_name",
            "number",
            "catalogue",
            "scale",
            "stage",
            "context",
            "baseline",
            "baseline_taken_on",
            "workshop_on",
            "created_at",
        ]
        read_only_fields = ["number", "created_at"]
        extra_kwargs = {
            **RECORD_ID,
            "catalogue": {"required": False},
            "scale": {"required": False},
        }
        # The number is given on saving; (provider, number) is checked then.
        validators = []

    def validate(self, attrs):
        provider = attrs.get("provider") or getattr(self.instance, "provider", None)
        if provider is not None and provider.kind not in agency.CYCLE_KINDS:
            raise serializers.ValidationError(
                {
                    "provider": _(
                        "El ciclo de integridad es para comités, comités escolares y grupos "
                        "de kiosco; elija uno de ellos."
                    )
                }
            )
        if self.instance is None:
            catalogue = attrs.get("catalogue") or CatalogueVersion.current()
            if catalogue is None or not catalogue.is_published:
                raise serializers.ValidationError(
                    {"catalogue": _("Elija una versión publicada del catálogo.")}
                )
            attrs["catalogue"] = catalogue
            if attrs.get("scale") is None:
                attrs["scale"] = (
                    catalogue.scales.filter(is_default=True).first() or catalogue.scales.first()
                )
        # After it is opened, what may change is workshop.edit_cycle's to say.
        return super().validate(attrs)


class ParticipantSerializer(IntegritySerializer):
    class Meta:
        model = Participant
        fields = ["id", "record_id", "cycle", "name", "role", "sex", "age_group"]
        extra_kwargs = RECORD_ID


class ComplianceAnswerSerializer(IntegritySerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = ComplianceAnswer
        fields = ["id", "cycle", "item", "item_code", "answer", "evidence"]


class AssessedRiskSerializer(IntegritySerializer):
    risk_code = serializers.CharField(source="risk.code", read_only=True, default="")
    title = serializers.CharField(read_only=True)
    consensus_band = serializers.SerializerMethodField()

    class Meta:
        model = AssessedRisk
        fields = [
            "id",
            "record_id",
            "cycle",
            "risk",
            "risk_code",
            "own_title",
            "title",
            "consensus_likelihood",
            "consensus_impact",
            "consensus_band",
            "priority",
        ]
        # The top three are chosen together, through /cycles/{id}/top-three/.
        read_only_fields = ["priority"]
        extra_kwargs = RECORD_ID

    @extend_schema_field(OpenApiTypes.STR)
    def get_consensus_band(self, assessed) -> str | None:
        band = assessed.consensus_band()
        return band["code"] if band else None


class RatingSerializer(IntegritySerializer):
    score = serializers.IntegerField(read_only=True)

    class Meta:
        model = Rating
        fields = ["id", "assessed_risk", "participant", "likelihood", "impact", "score"]


class RatingTallySerializer(IntegritySerializer):
    """How many women (``F``) or men (``M``) chose each level: ``{"<level>": count}``."""

    people = serializers.IntegerField(read_only=True)

    class Meta:
        model = RatingTally
        fields = ["id", "assessed_risk", "sex", "likelihood_counts", "impact_counts", "people"]

    def validate_likelihood_counts(self, value):
        return counts_by_level(value)

    def validate_impact_counts(self, value):
        return counts_by_level(value)


def counts_by_level(value) -> dict[int, int]:
    if not isinstance(value, dict):
        raise serializers.ValidationError(_("Envíe un objeto {nivel: cuántas personas}."))
    try:
        return {int(level): int(count) for level, count in value.items()}
    except (TypeError, ValueError):
        raise serializers.ValidationError(
            _("Cada nivel y cada conteo es un número entero.")
        ) from None


class RoadmapChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RoadmapChange
        fields = ["changed_at", "changed_by", "changes", "reason"]


class RoadmapItemSerializer(IntegritySerializer):
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Por qué cambia la acción; obligatorio al cambiarla."),
    )
    changes = RoadmapChangeSerializer(many=True, read_only=True)

    class Meta:
        model = RoadmapItem
        fields = [
            "id",
            "record_id",
            "assessed_risk",
            "tool",
            "action",
            "responsible",
            "deadline",
            "done_when",
            "status",
            "done_on",
            "dropped_reason",
            "reason",
            "changes",
        ]
        extra_kwargs = RECORD_ID

    def validate(self, attrs):
        reason = attrs.pop("reason", "")
        attrs = super().validate(attrs)
        if self.instance is not None and not self.context.get("replay"):
            if not reason.strip():
                raise serializers.ValidationError(
                    {"reason": _("Diga por qué cambia la hoja de ruta.")}
                )
            attrs["reason"] = reason
        return attrs


class CoachingAnswerSerializer(IntegritySerializer):
    class Meta:
        model = CoachingAnswer
        fields = [
            "id",
            "session",
            "item",
            "goals_reached",
            "unintended_effects",
            "goals_missed",
            "problems",
        ]


class CoachingSessionSerializer(IntegritySerializer):
    answers = CoachingAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = CoachingSession
        fields = ["id", "record_id", "cycle", "held_on", "attendees", "notes", "answers"]
        extra_kwargs = RECORD_ID


class ScorecardScoreSerializer(IntegritySerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = ScorecardScore
        fields = ["id", "cycle", "indicator", "indicator_code", "score", "evidence"]


class ComplaintSerializer(IntegritySerializer):
    # Who filed a complaint may fear reprisals: only the committee and those who accompany it
    # read it (Complaint.PERSONAL_FIELDS).

    class Meta:
        model = Complaint
        fields = [
            "id",
            "record_id",
            "provider",
            "channel",
            "received_on",
            "reported_by",
            "reporter_phone",
            "reporter_sex",
            "what",
            "where",
            "since",
            "respond_by",
            "status",
            "answered_on",
            "answer",
            "closed_on",
            "not_resolved_reason",
            "tracking_code",
            "public_summary",
            "escalated_on",
            "created_at",
        ]
        # The code is made by the register; the public text is the committee's review, on
        # the complaint's page; going up to the agency is the nightly job's.
        read_only_fields = ["created_at", "tracking_code", "public_summary", "escalated_on"]
        extra_kwargs = RECORD_ID

    def provider_id_of(self, instance) -> int:
        return instance.provider_id


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    file_name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "record_id",
            "cycle",
            "compliance_answer",
            "roadmap_item",
            "caption",
            "file_name",
            "url",
            "uploaded_by",
            "uploaded_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_file_name(self, attachment) -> str:
        return attachment.file.name.rsplit("/", 1)[-1]

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, attachment) -> str | None:
        """The page that serves the file after checking scope (never a public media URL)."""
        try:
            return reverse("integrity:attachment_file", args=[attachment.pk])
        except NoReverseMatch:
            return None


# --- Viewsets for a cycle and its records ---------------------------------------------------


def documented_create(viewset, *, by: str):
    """The schema lists the answers a create can give."""
    responses = create_responses(
        viewset.serializer_class,
        resent=by,
        conflict=gettext_lazy("El record_id existe con otro contenido."),
    )
    return extend_schema_view(create=extend_schema(responses=responses))(viewset)


class IntegrityViewSet(
    ResendableCreate,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Read, create and update a cycle's records; never delete (the trail keeps every change).

    ``natural_key``: fields that identify a row (a rating by risk and participant); sending an
    existing pair again updates it. ``changing_fields``: fields that change over the record's
    life (a road-map status), left out when a resent record is compared with the stored one.
    """

    select_related: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()
    natural_key: tuple[str, ...] = ()
    changing_fields: frozenset[str] = frozenset()

    @property
    def not_compared(self) -> frozenset[str]:
        return self.changing_fields | {"reason"}

    def base_queryset(self):
        return self.queryset.model._default_manager.select_related(
            *self.select_related
        ).prefetch_related(*self.prefetch)

    def get_queryset(self):
        return in_visible_cycles(self.base_queryset(), self.request.user).order_by("pk")

    # -- writing --

    def changes(self, serializer, *kept: str) -> dict:
        """What an update hands its service: the values sent, without the record id and the
        parents (``kept``) a record keeps for life."""
        values = dict(serializer.validated_data)
        for name in ("record_id", *kept):
            values.pop(name, None)
        return values

    def cycles_touched(self, serializer) -> list[Cycle]:
        """The cycle a new or changed record belongs to (and the one it belonged to)."""
        path = CYCLE_PATHS[self.queryset.model].split("__")
        parent = serializer.validated_data.get(path[0])
        cycles = []
        if parent is not None:
            cycles.append(cycle_of(parent) if len(path) > 1 else parent)
        if serializer.instance is not None:
            cycles.append(cycle_of(serializer.instance))
        return cycles

    def check_can_write(self, serializer) -> None:
        scope = scope_for(self.request.user)
        for cycle in self.cycles_touched(serializer):
            if not scope.can_edit(cycle):
                raise PermissionDenied(_("Puede ver este ciclo, pero no cambiar sus registros."))

    def perform_create(self, serializer) -> None:
        self.check_can_write(serializer)
        save_audited(self.request.user, serializer.Meta.model(), serializer.save)

    def perform_update(self, serializer) -> None:
        self.check_can_write(serializer)
        # A record without its own service (a participant): names by the one rule.
        personal = getattr(serializer.Meta.model, "PERSONAL_FIELDS", ())
        with domain_refusals():
            scope_for(self.request.user).refuse_unseen_names(
                cycle_of(serializer.instance).provider_id,
                **{name: serializer.validated_data.get(name, "") for name in personal},
            )
        save_audited(self.request.user, serializer.instance, serializer.save)

    def create_new(self, request, *args, **kwargs) -> Response:
        if self.natural_key:
            existing = self.same_key(request.data if hasattr(request.data, "get") else {})
            if existing is not None:
                return self.upsert(existing)
        return super().create_new(request, *args, **kwargs)

    def same_key(self, data):
        model = self.get_serializer_class().Meta.model
        key = {}
        try:
            for name in self.natural_key:
                if model._meta.get_field(name).is_relation:
                    # Through the related row's pk: Django answers "no such row" for an id too
                    # large for the column there, where ``<name>_id`` sends it to the database.
                    key[f"{name}__pk"] = int(data.get(name))
                else:
                    key[name] = str(data.get(name))
        except (TypeError, ValueError):
            return None  # the serializer will say what is wrong
        return self.get_queryset().filter(**key).first()

    def upsert(self, existing) -> Response:
        serializer = self.get_serializer(existing, data=self.request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return saved_response(serializer.data, created=False)


def cycle_filter(model, path: str = "cycle", **extra) -> type[django_filters.FilterSet]:
    attrs = {
        "cycle": django_filters.ModelChoiceFilter(field_name=path, queryset=visible(Cycle)),
        **extra,
        "Meta": type("Meta", (), {"model": model, "fields": []}),
    }
    return type(f"{model.__name__}Filter", (django_filters.FilterSet,), attrs)


class CycleFilter(django_filters.FilterSet):
    provider = django_filters.ModelChoiceFilter(queryset=visible(Provider))
    municipality = django_filters.ModelChoiceFilter(
        field_name="provider__municipality", queryset=visible(Municipality)
    )
    stage = django_filters.ChoiceFilter(choices=Cycle.Stage.choices)

    class Meta:
        model = Cycle
        fields = ["provider", "municipality", "stage"]


TOP_THREE = inline_serializer(
    "TopThree",
    fields={
        "assessed_risks": serializers.ListField(
            child=serializers.IntegerField(), min_length=1, max_length=3
        )
    },
)


class CycleViewSet(IntegrityViewSet):
    """Integrity cycles; a new one gets the provider's next number, and the current catalogue
    and its default scale unless others are given."""

    queryset = Cycle.objects.all()
    serializer_class = CycleSerializer
    filterset_class = CycleFilter
    select_related = ("provider",)

    def get_queryset(self):
        queryset = scope_for(self.request.user).visible(self.base_queryset())
        return queryset.order_by("pk")

    def cycles_touched(self, serializer) -> list[Cycle]:
        return [serializer.instance] if serializer.instance is not None else []

    def perform_create(self, serializer) -> None:
        """Through ``workshop.open_cycle``, as the page opens one (the next number, today's
        baseline unless one is sent). The provider field only offers committees the user may
        edit."""
        data = dict(serializer.validated_data)
        with domain_refusals():
            serializer.instance = open_cycle(
                self.request.user,
                data.pop("provider"),
                catalogue=data.pop("catalogue"),
                scale=data.pop("scale"),
                **data,
            )

    def perform_update(self, serializer) -> None:
        """Through ``workshop.edit_cycle``, as the cycle's page changes it."""
        self.check_can_write(serializer)
        values = self.changes(serializer)
        with domain_refusals():
            edit_cycle(self.request.user, serializer.instance, **values)

    @extend_schema(request=TOP_THREE, responses=AssessedRiskSerializer(many=True))
    # The chosen risks come back whole, in order: one short list, not a page.
    @action(detail=True, methods=["post"], url_path="top-three", pagination_class=None)
    def top_three(self, request, pk=None):
        """The group's three key problems, in order: ids of risks it rated by consensus."""
        cycle = self.get_object()
        if not scope_for(request.user).can_edit(cycle):
            raise PermissionDenied(_("Puede ver este ciclo, pero no cambiar sus registros."))
        chosen = request.data.get("assessed_risks") if hasattr(request.data, "get") else None
        if not isinstance(chosen, list) or not all(isinstance(pk, int) for pk in chosen):
            raise ApiValidationError(
                {"assessed_risks": _("Envíe la lista de uno a tres riesgos, en orden.")}
            )
        with domain_refusals():
            set_top_three(request.user, cycle, chosen)
        chosen_rows = cycle.assessed_risks.filter(priority__isnull=False).select_related(
            "risk", "cycle__scale"
        )
        return Response(
            AssessedRiskSerializer(
                chosen_rows.order_by("priority"), many=True, context={"request": request}
            ).data
        )


class ParticipantViewSet(IntegrityViewSet):
    """Workshop participants: role, sex and age group; the name only for the committee and
    those who accompany it."""

    queryset = Participant.objects.all()
    serializer_class = ParticipantSerializer
    filterset_class = cycle_filter(Participant)
    select_related = ("cycle",)
    # ``workshop.add_participant`` answers a resent person (or its conflict) itself.
    service_answers_resends = True

    def create_new(self, request, *args, **kwargs) -> Response:
        """Through ``workshop.add_participant``, as the participants page adds one."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.check_can_write(serializer)
        values = dict(serializer.validated_data)
        with domain_refusals():
            person, created = add_participant(self.request.user, values.pop("cycle"), **values)
        fresh = self.get_queryset().get(pk=person.pk)
        return saved_response(self.get_serializer(fresh).data, created)


class ComplianceAnswerViewSet(IntegrityViewSet):
    """The checklist answered yes, partly or no; sending an item again changes its answer."""

    queryset = ComplianceAnswer.objects.all()
    serializer_class = ComplianceAnswerSerializer
    filterset_class = cycle_filter(ComplianceAnswer)
    select_related = ("cycle", "item")
    natural_key = ("cycle", "item")

    def perform_create(self, serializer) -> None:
        self.answer(serializer)

    def perform_update(self, serializer) -> None:
        self.answer(serializer)

    def answer(self, serializer) -> None:
        """Through ``workshop.answer_checklist``, as the checklist page answers."""
        self.check_can_write(serializer)
        data, instance = serializer.validated_data, serializer.instance
        with domain_refusals():
            serializer.instance, _created = answer_checklist(
                self.request.user,
                data.get("cycle") or instance.cycle,
                data.get("item") or instance.item,
                data.get("answer", getattr(instance, "answer", "")),
                data.get("evidence", getattr(instance, "evidence", "")),
            )


class AssessedRiskViewSet(IntegrityViewSet):
    """Catalogue risks and the group's own, with the consensus rating."""

    queryset = AssessedRisk.objects.all()
    serializer_class = AssessedRiskSerializer
    filterset_class = cycle_filter(AssessedRisk)
    select_related = ("cycle__scale", "risk")

    def perform_create(self, serializer) -> None:
        """Through ``workshop.add_risk``, as the workshop page adds the group's own risk."""
        self.check_can_write(serializer)
        values = dict(serializer.validated_data)
        with domain_refusals():
            serializer.instance, _created = add_risk(
                self.request.user, values.pop("cycle"), **values
            )

    def perform_update(self, serializer) -> None:
        """Through ``workshop.change_assessed_risk``, as the page rates by consensus."""
        self.check_can_write(serializer)
        values = self.changes(serializer, "cycle")
        with domain_refusals():
            change_assessed_risk(self.request.user, serializer.instance, **values)


class RatingViewSet(IntegrityViewSet):
    """Each participant's rating; sending the same risk and participant again changes it."""

    queryset = Rating.objects.all()
    serializer_class = RatingSerializer
    filterset_class = cycle_filter(
        Rating,
        "assessed_risk__cycle",
        assessed_risk=django_filters.ModelChoiceFilter(queryset=visible_rows(AssessedRisk)),
    )
    select_related = ("assessed_risk__cycle__scale", "participant")
    natural_key = ("assessed_risk", "participant")

    def perform_create(self, serializer) -> None:
        self.rate(serializer)

    def perform_update(self, serializer) -> None:
        self.rate(serializer)

    def rate(self, serializer) -> None:
        """Through ``workshop.rate_risk``, as the workshop page rates."""
        self.check_can_write(serializer)
        data = serializer.validated_data
        instance = serializer.instance
        with domain_refusals():
            serializer.instance, _created = rate_risk(
                self.request.user,
                data.get("assessed_risk") or instance.assessed_risk,
                data.get("participant") or instance.participant,
                data.get("likelihood", getattr(instance, "likelihood", None)),
                data.get("impact", getattr(instance, "impact", None)),
            )


class RatingTallyViewSet(IntegrityViewSet):
    """The room's count of one risk by sex; sending the same risk and sex again replaces it."""

    queryset = RatingTally.objects.all()
    serializer_class = RatingTallySerializer
    filterset_class = cycle_filter(
        RatingTally,
        "assessed_risk__cycle",
        assessed_risk=django_filters.ModelChoiceFilter(queryset=visible_rows(AssessedRisk)),
    )
    select_related = ("assessed_risk__cycle__scale",)
    natural_key = ("assessed_risk", "sex")

    def perform_create(self, serializer) -> None:
        self.count(serializer)

    def perform_update(self, serializer) -> None:
        self.count(serializer)

    def count(self, serializer) -> None:
        """Through ``workshop.tally_risk``, as the workshop page counts."""
        self.check_can_write(serializer)
        data = serializer.validated_data
        instance = serializer.instance

        def stored(name: str) -> dict[int, int]:
            return {int(k): v for k, v in getattr(instance, name, {}).items()}

        with domain_refusals():
            serializer.instance, _created = tally_risk(
                self.request.user,
                data.get("assessed_risk") or instance.assessed_risk,
                data.get("sex") or instance.sex,
                data.get("likelihood_counts", stored("likelihood_counts")),
                data.get("impact_counts", stored("impact_counts")),
            )


class RoadmapItemViewSet(IntegrityViewSet):
    """Road-map actions. A change (status or plan) needs a ``reason``: it is kept as history
    and told to the users, as the toolbox asks."""

    queryset = RoadmapItem.objects.all()
    serializer_class = RoadmapItemSerializer
    filterset_class = cycle_filter(
        RoadmapItem,
        "assessed_risk__cycle",
        status=django_filters.ChoiceFilter(choices=RoadmapItem.Status.choices),
    )
    select_related = ("assessed_risk__cycle",)
    prefetch = ("changes__changed_by",)
    # Statuses move on after the action was planned; a resent plan is still the same plan.
    changing_fields = frozenset(ADJUSTABLE) - {"action", "tool"}

    service_answers_resends = True

    def create_new(self, request, *args, **kwargs) -> Response:
        """Through ``workshop.plan_action``, as the road-map page plans: 201 for a new action,
        200 for one sent again, 409 for its record id with another plan."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.check_can_write(serializer)
        values = dict(serializer.validated_data)
        values.pop("reason", None)
        assessed = values.pop("assessed_risk")
        with domain_refusals():
            item, created = plan_action(self.request.user, assessed, **values)
        fresh = self.get_queryset().get(pk=item.pk)
        return saved_response(self.get_serializer(fresh).data, created)

    def perform_update(self, serializer) -> None:
        self.check_can_write(serializer)
        values = self.changes(serializer, "assessed_risk")
        reason = values.pop("reason")
        with domain_refusals():
            change_roadmap(serializer.instance, self.request.user, reason, **values)


class CoachingSessionViewSet(IntegrityViewSet):
    """Coaching sessions, with the four guiding questions answered per action."""

    queryset = CoachingSession.objects.all()
    serializer_class = CoachingSessionSerializer
    filterset_class = cycle_filter(CoachingSession)
    select_related = ("cycle",)
    prefetch = ("answers",)

    def perform_create(self, serializer) -> None:
        """Through ``workshop.hold_coaching_session``, as the coaching page records one."""
        self.check_can_write(serializer)
        values = dict(serializer.validated_data)
        with domain_refusals():
            serializer.instance, _created = hold_coaching_session(
                self.request.user, values.pop("cycle"), **values
            )

    def perform_update(self, serializer) -> None:
        self.check_can_write(serializer)
        values = self.changes(serializer, "cycle")
        with domain_refusals():
            correct_coaching_session(self.request.user, serializer.instance, **values)


class CoachingAnswerViewSet(IntegrityViewSet):
    """One action's four answers in one session; sending them again changes them."""

    queryset = CoachingAnswer.objects.all()
    serializer_class = CoachingAnswerSerializer
    filterset_class = cycle_filter(
        CoachingAnswer,
        "session__cycle",
        session=django_filters.ModelChoiceFilter(queryset=visible_rows(CoachingSession)),
    )
    select_related = ("session__cycle", "item")
    natural_key = ("session", "item")

    def perform_create(self, serializer) -> None:
        self.answer(serializer)

    def perform_update(self, serializer) -> None:
        self.answer(serializer)

    def answer(self, serializer) -> None:
        """Through ``workshop.answer_coaching``, as the coaching page records answers."""
        self.check_can_write(serializer)
        data = dict(serializer.validated_data)
        instance = serializer.instance
        session = data.pop("session", None) or instance.session
        item = data.pop("item", None) or instance.item
        with domain_refusals():
            serializer.instance, _created = answer_coaching(
                self.request.user, session, item, **data
            )


class ScorecardScoreViewSet(IntegrityViewSet):
    """The yearly self-assessment, 1 to 5 per indicator; sending an indicator again changes it."""

    queryset = ScorecardScore.objects.all()
    serializer_class = ScorecardScoreSerializer
    filterset_class = cycle_filter(ScorecardScore)
    select_related = ("cycle", "indicator")
    natural_key = ("cycle", "indicator")

    def perform_create(self, serializer) -> None:
        self.score(serializer)

    def perform_update(self, serializer) -> None:
        self.score(serializer)

    def score(self, serializer) -> None:
        """Through ``workshop.score_indicator``, as the scorecard page scores."""
        self.check_can_write(serializer)
        data, instance = serializer.validated_data, serializer.instance
        with domain_refusals():
            serializer.instance, _created = score_indicator(
                self.request.user,
                data.get("cycle") or instance.cycle,
                data.get("indicator") or instance.indicator,
                data.get("score", getattr(instance, "score", None)),
                data.get("evidence", getattr(instance, "evidence", "")),
            )


class ComplaintFilter(django_filters.FilterSet):
    provider = django_filters.ModelChoiceFilter(queryset=visible(Provider))
    status = django_filters.ChoiceFilter(choices=Complaint.Status.choices)

    class Meta:
        model = Complaint
        fields = ["provider", "status"]


class ComplaintViewSet(IntegrityViewSet):
    """The complaint register; who filed a complaint is shown only to the committee's editors."""

    queryset = Complaint.objects.all()
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    select_related = ("provider",)
    # A complaint is answered and closed after it is registered.
    changing_fields = frozenset(
        {"status", "answered_on", "answer", "closed_on", "not_resolved_reason"}
    )

    def get_queryset(self):
        return scope_for(self.request.user).visible(self.base_queryset()).order_by("pk")

    def cycles_touched(self, serializer) -> list[Cycle]:
        return []

    def check_can_write(self, serializer) -> None:
        scope = scope_for(self.request.user)
        if serializer.instance is not None and not scope.can_edit(serializer.instance):
            raise PermissionDenied(_("Puede ver esta queja, pero no cambiarla."))
        # New complaints: the provider field only offers committees the user may edit.

    # ``register.file_complaint`` answers a resent complaint (or its conflict) itself.
    service_answers_resends = True

    def create_new(self, request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = self.file(serializer)
        fresh = self.get_queryset().get(pk=serializer.instance.pk)
        return saved_response(self.get_serializer(fresh).data, created)

    def file(self, serializer) -> bool:
        """File through the register; a complaint sent already answered or closed is then
        moved along, by the same rules as on the page. Returns whether it was new."""
        data = dict(serializer.validated_data)
        moved = {name: data.pop(name) for name in register.MOVE_FIELDS if name in data}
        try:
            with transaction.atomic():
                complaint, created = register.file_complaint(
                    data.pop("provider"),
                    received_on=data.pop("received_on"),
                    what=data.pop("what"),
                    channel=data.pop("channel", Complaint.Channel.IN_PERSON),
                    where=data.pop("where", ""),
                    reported_by=data.pop("reported_by", ""),
                    reporter_phone=data.pop("reporter_phone", ""),
                    reporter_sex=data.pop("reporter_sex", ""),
                    since=data.pop("since", None),
                    respond_by=data.pop("respond_by", None),
                    record_id=data.pop("record_id", None),
                    actor=self.request.user,
                )
                if created:
                    self.move(complaint, moved)
        except RecordConflict:
            raise
        except DjangoPermissionDenied as refused:
            raise PermissionDenied(str(refused)) from None
        except DjangoValidationError as error:
            raise refusal(error) from None
        serializer.instance = complaint
        return created

    def perform_update(self, serializer) -> None:
        """Answer and close through ``register.move_complaint``; correct what was filed
        through ``register.correct_complaint``."""
        self.check_can_write(serializer)
        data = dict(serializer.validated_data)
        data.pop("record_id", None)
        data.pop("provider", None)
        moved = {name: data.pop(name) for name in register.MOVE_FIELDS if name in data}
        complaint = serializer.instance
        with domain_refusals():
            with transaction.atomic():
                if data:
                    register.correct_complaint(complaint, self.request.user, **data)
                self.move(complaint, moved, always=bool(moved))

    def move(self, complaint: Complaint, moved: dict, always: bool = False) -> None:
        status = moved.get("status", complaint.status)
        if not always and status == complaint.status:
            return
        register.move_complaint(
            complaint,
            self.request.user,
            status,
            answered_on=moved.get("answered_on", complaint.answered_on),
            answer=moved.get("answer", complaint.answer) or "",
            closed_on=moved.get("closed_on", complaint.closed_on),
            reason=moved.get("not_resolved_reason", complaint.not_resolved_reason) or "",
        )


class AttachmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Evidence attached to an answer or an action: what it is, never the file itself here."""

    queryset = Attachment.objects.all()
    serializer_class = AttachmentSerializer
    filterset_class = cycle_filter(Attachment)

    def get_queryset(self):
        queryset = Attachment.objects.select_related("uploaded_by")
        return in_visible_cycles(queryset, self.request.user).order_by("pk")


for viewset_, description_ in [
    (ParticipantViewSet, gettext_lazy("Ya existía igual; no se duplicó.")),
    (AssessedRiskViewSet, gettext_lazy("Ya existía igual; no se duplicó.")),
    (RoadmapItemViewSet, gettext_lazy("Ya existía igual; no se duplicó.")),
    (CoachingSessionViewSet, gettext_lazy("Ya existía igual; no se duplicó.")),
    (ComplaintViewSet, gettext_lazy("Ya existía igual; no se duplicó.")),
    (ComplianceAnswerViewSet, gettext_lazy("Ya había una respuesta para ese punto; se cambió.")),
    (
        RatingViewSet,
        gettext_lazy("Esa persona ya había valorado ese riesgo; se cambió su valoración."),
    ),
    (
        RatingTallyViewSet,
        gettext_lazy("Ya había un conteo de ese riesgo para ese sexo; se cambió."),
    ),
    (CoachingAnswerViewSet, gettext_lazy("Ya había respuestas para esa acción; se cambiaron.")),
    (ScorecardScoreViewSet, gettext_lazy("Ya había un puntaje para ese indicador; se cambió.")),
]:
    documented_create(viewset_, by=description_)


# --- The catalogue (read only) --------------------------------------------------------------


class CatalogueVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogueVersion
        fields = ["id", "name", "notes", "published_at", "based_on", "created_at"]


class BusinessProcessSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessProcess
        fields = ["id", "version", "code", "name"]


class ToolSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tool
        fields = ["id", "version", "code", "name", "description"]


class ToolBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tool
        fields = ["id", "code", "name"]


class SignalSerializer(serializers.Serializer):
    check_code = serializers.CharField()
    label = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_label(self, signal) -> str:
        return str(CHECKS.get(signal.check_code, signal.check_code))


class RiskSerializer(serializers.ModelSerializer):
    process_code = serializers.CharField(source="process.code", read_only=True)
    tools = ToolBriefSerializer(many=True, read_only=True)
    signals = SignalSerializer(many=True, read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "version",
            "code",
            "title",
            "process",
            "process_code",
            "type",
            "driver",
            "red_flags",
            "description",
            "tools",
            "signals",
            "provider_kinds",
        ]


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "version", "code", "text", "help", "provider_kinds"]


class ScorecardIndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScorecardIndicator
        fields = ["id", "code", "name", "descriptor_1", "descriptor_3", "descriptor_5"]
        fields += ["provider_kinds"]


class ScorecardPrincipleSerializer(serializers.ModelSerializer):
    indicators = ScorecardIndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = ScorecardPrinciple
        fields = ["id", "version", "code", "name", "indicators"]


class RatingScaleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatingScale
        fields = [
            "id",
            "version",
            "code",
            "name",
            "likelihood",
            "impact",
            "bands",
            "is_default",
            "note",
        ]


class CatalogueFilter(django_filters.FilterSet):
    # ``version__pk``, not ``version_id``: an id too large for the column finds nothing.
    version = django_filters.NumberFilter(field_name="version__pk")
    code = django_filters.CharFilter()


def catalogue_filter(model) -> type[django_filters.FilterSet]:
    meta = type("Meta", (), {"model": model, "fields": ["version", "code"]})
    return type(f"{model.__name__}Filter", (CatalogueFilter,), {"Meta": meta})


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    """Published catalogue versions for everyone; drafts only for coordinators, who edit them."""

    version_path = "version"
    prefetch: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = self.queryset.model._default_manager.prefetch_related(*self.prefetch)
        if not scope_for(self.request.user).is_coordinator:
            queryset = queryset.filter(**{f"{self.version_path}published_at__isnull": False})
        return queryset.order_by("pk")


class CatalogueVersionViewSet(CatalogueViewSet):
    queryset = CatalogueVersion.objects.all()
    serializer_class = CatalogueVersionSerializer
    version_path = ""


class BusinessProcessViewSet(CatalogueViewSet):
    queryset = BusinessProcess.objects.all()
    serializer_class = BusinessProcessSerializer
    filterset_class = catalogue_filter(BusinessProcess)
    version_path = "version__"


class ToolViewSet(CatalogueViewSet):
    queryset = Tool.objects.all()
    serializer_class = ToolSerializer
    filterset_class = catalogue_filter(Tool)
    version_path = "version__"


class RiskViewSet(CatalogueViewSet):
    """Risks with the tools that address them and the data checks (signals) they point to."""

    queryset = Risk.objects.all()
    serializer_class = RiskSerializer
    filterset_class = catalogue_filter(Risk)
    version_path = "version__"
    prefetch = ("tools", "signals", "process")


class ChecklistItemViewSet(CatalogueViewSet):
    queryset = ChecklistItem.objects.all()
    serializer_class = ChecklistItemSerializer
    filterset_class = catalogue_filter(ChecklistItem)
    version_path = "version__"


class ScorecardPrincipleViewSet(CatalogueViewSet):
    """The self-assessment: principles with their indicators and the 1/3/5 descriptions."""

    queryset = ScorecardPrinciple.objects.all()
    serializer_class = ScorecardPrincipleSerializer
    filterset_class = catalogue_filter(ScorecardPrinciple)
    version_path = "version__"
    prefetch = ("indicators",)


class RatingScaleViewSet(CatalogueViewSet):
    queryset = RatingScale.objects.all()
    serializer_class = RatingScaleSerializer
    filterset_class = catalogue_filter(RatingScale)
    version_path = "version__"


# --- The agency figures (read only) ---------------------------------------------------------


class CompletionFigureSerializer(serializers.Serializer):
    """Actions done within ``months`` of the workshop ÷ actions planned, over the latest cycle
    of each committee whose workshop was at least ``months`` ago."""

    months = serializers.IntegerField()
    done = serializers.IntegerField()
    planned = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    committees = serializers.IntegerField()
    with_plan = serializers.IntegerField()
    reached_reference = serializers.IntegerField()


class RiskFigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    rated = serializers.IntegerField()
    top_three = serializers.IntegerField()
    top_band = serializers.IntegerField()
    top_band_share = serializers.FloatField(allow_null=True)
    mean_score = serializers.FloatField(allow_null=True)
    scale_max = serializers.IntegerField(allow_null=True)
    mean_relative = serializers.FloatField(allow_null=True)


class OverdueActionSerializer(serializers.Serializer):
    provider = serializers.IntegerField(source="provider.pk")
    provider_name = serializers.CharField(source="provider.name")
    cycle = serializers.IntegerField(source="cycle.pk")
    cycle_number = serializers.IntegerField(source="cycle.number")
    item = serializers.IntegerField(source="item.pk")
    action = serializers.CharField(source="item.action")
    responsible = serializers.CharField(source="item.responsible")
    deadline = serializers.DateField(source="item.deadline")
    status = serializers.CharField(source="item.status")
    days_late = serializers.IntegerField()


class LapsedSerializer(serializers.Serializer):
    provider = serializers.IntegerField(source="provider.pk")
    provider_name = serializers.CharField(source="provider.name")
    last_workshop_on = serializers.DateField(allow_null=True)
    upcoming_cycle = serializers.IntegerField(source="upcoming.pk", allow_null=True, default=None)


def _completion_pair(pair) -> dict | None:
    if pair is None:
        return None
    cycle, figure = pair
    return {
        "cycle": cycle.pk,
        "cycle_number": cycle.number,
        "done": figure.done,
        "planned": figure.planned,
        "share": figure.share,
    }


class RowCompletionSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    cycle_number = serializers.IntegerField()
    done = serializers.IntegerField()
    planned = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class BenchmarkRowSerializer(serializers.Serializer):
    provider = serializers.IntegerField()
    provider_name = serializers.CharField()
    cycle = serializers.IntegerField(allow_null=True)
    cycle_number = serializers.IntegerField(allow_null=True)
    workshop_on = serializers.DateField(allow_null=True)
    stage = serializers.CharField(allow_null=True)
    compliance = inline_serializer(
        "ComplianceCounts",
        fields={
            "yes": serializers.IntegerField(),
            "partly": serializers.IntegerField(),
            "no": serializers.IntegerField(),
        },
    )
    top_three = serializers.ListField(child=serializers.CharField())
    completion_6 = RowCompletionSerializer(allow_null=True)
    completion_12 = RowCompletionSerializer(allow_null=True)
    overdue_actions = serializers.IntegerField()
    complaints_received = serializers.IntegerField()
    complaints_resolved = serializers.IntegerField()
    complaints_fix_rate = serializers.FloatField(allow_null=True)
    complaints_overdue = serializers.IntegerField()
    red_flags = serializers.ListField(child=serializers.CharField())


def benchmark_row(row: agency.BenchmarkRow) -> dict:
    cycle = row.cycle
    return {
        "provider": row.provider.pk,
        "provider_name": row.provider.name,
        "cycle": cycle.pk if cycle else None,
        "cycle_number": cycle.number if cycle else None,
        "workshop_on": cycle.workshop_on if cycle else None,
        "stage": cycle.stage if cycle else None,
        "compliance": row.compliance,
        "top_three": row.top_three,
        "completion_6": _completion_pair(row.completion_6),
        "completion_12": _completion_pair(row.completion_12),
        "overdue_actions": row.overdue,
        "complaints_received": row.complaints.received,
        "complaints_resolved": row.complaints.resolved,
        "complaints_fix_rate": row.complaints.fix_rate,
        "complaints_overdue": row.complaints.overdue,
        "red_flags": [flag.check_code for flag in row.flags],
    }


# One overview, not a list of them, though it answers the viewset's ``list``.
@extend_schema_serializer(many=False)
class OverviewSerializer(serializers.Serializer):
    on = serializers.DateField()
    committees = serializers.IntegerField()
    reference = serializers.FloatField(
        help_text=(
            "0.7: a reference from urban utilities (22 in 7 countries, 2013-2018), "
            "not from community committees."
        )
    )
    completion = CompletionFigureSerializer(many=True)
    assessed_committees = serializers.IntegerField()
    most_common = RiskFigureSerializer(many=True)
    most_severe = RiskFigureSerializer(many=True)
    overdue_actions = OverdueActionSerializer(many=True)
    without_recent_cycle = LapsedSerializer(many=True)
    benchmark = BenchmarkRowSerializer(many=True)


def _completion(summary: agency.CompletionSummary) -> dict:
    return {
        "months": summary.months,
        "done": summary.done,
        "planned": summary.planned,
        "share": summary.share,
        "committees": summary.committees,
        "with_plan": summary.with_plan,
        "reached_reference": summary.reached_reference,
    }


class OverviewQuery(serializers.Serializer):
    municipality = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in agency.CYCLE_KINDS], required=False
    )
    on = serializers.DateField(required=False)
    order = serializers.ChoiceField(
        choices=[*agency.SORT_KEYS, *(f"-{key}" for key in agency.SORT_KEYS)], required=False
    )


class OverviewViewSet(viewsets.ViewSet):
    """The agency view across the committees the user may see (read only)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("municipality", int, description="Municipio (id)"),
            OpenApiParameter(
                "kind", str, enum=[kind.value for kind in agency.CYCLE_KINDS], description="Tipo"
            ),
            OpenApiParameter("on", OpenApiTypes.DATE, description="Día de las cifras (hoy)"),
            OpenApiParameter(
                "order", str, description="Orden de la comparación: " + ", ".join(agency.SORT_KEYS)
            ),
        ],
        responses=OverviewSerializer,
    )
    def list(self, request):
        query = OverviewQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        scope = scope_for(request.user)
        providers = agency.committees(scope.visible(Provider.objects.all()))
        if "municipality" in query.validated_data:
            municipality = query.validated_data["municipality"]
            if not scope.visible(Municipality.objects.filter(pk=municipality)).exists():
                raise ApiValidationError(
                    {"municipality": _("Ese municipio no existe o no está en su área.")}
                )
            providers = providers.filter(municipality_id=municipality)
        if kind := query.validated_data.get("kind"):
            providers = providers.filter(kind=kind)
        on = query.validated_data.get("on") or timezone.localdate()
        figures = agency.overview(providers, on, query.validated_data.get("order", "comite"))
        data = {
            "on": on,
            "committees": figures.committees,
            "reference": agency.URBAN_UTILITY_REFERENCE,
            "completion": [_completion(figures.completion_6), _completion(figures.completion_12)],
            "assessed_committees": figures.risks.committees,
            "most_common": figures.risks.most_common,
            "most_severe": figures.risks.most_severe,
            "overdue_actions": figures.overdue,
            "without_recent_cycle": figures.lapsed,
            "benchmark": [benchmark_row(row) for row in figures.rows],
        }
        return Response(OverviewSerializer(data).data)


INTEGRITY_ROUTES = [
    ("cycles", CycleViewSet, None),
    ("participants", ParticipantViewSet, None),
    ("compliance-answers", ComplianceAnswerViewSet, None),
    ("assessed-risks", AssessedRiskViewSet, None),
    ("ratings", RatingViewSet, None),
    ("rating-tallies", RatingTallyViewSet, None),
    ("roadmap-items", RoadmapItemViewSet, None),
    ("coaching-sessions", CoachingSessionViewSet, None),
    ("coaching-answers", CoachingAnswerViewSet, None),
    ("scorecard-scores", ScorecardScoreViewSet, None),
    ("complaints", ComplaintViewSet, None),
    ("attachments", AttachmentViewSet, None),
    ("catalogue-versions", CatalogueVersionViewSet, None),
    ("catalogue-processes", BusinessProcessViewSet, None),
    ("catalogue-tools", ToolViewSet, None),
    ("catalogue-risks", RiskViewSet, None),
    ("catalogue-checklist", ChecklistItemViewSet, None),
    ("catalogue-scorecard", ScorecardPrincipleViewSet, None),
    ("catalogue-scales", RatingScaleViewSet, None),
    ("integrity-overview", OverviewViewSet, "integrity-overview"),
]
