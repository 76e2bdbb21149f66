"""Admin for sanitary inspection forms and the observations; every edit is audited."""

from django.contrib import admin

from ojodeagua.audit.admin import AuditedAdmin, AuditedInline
from ojodeagua.audit.models import AuditEvent
from ojodeagua.audit.trail import diff, record, snapshot

from .models import (
    ComponentCheck,
    HealthCentreSurvey,
    HouseholdSurvey,
    InspectionAnswer,
    InspectionBand,
    InspectionForm,
    InspectionQuestion,
    SchoolSurvey,
    SupplyDay,
    SystemVisit,
)

# Inspection forms belong to no municipality: their events are seen by superusers only.
NO_PLACE = (None, None)


def save_without_place(user, instance) -> None:
    stored = type(instance)._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    before = snapshot(stored) if stored else None
    instance.save()
    after = snapshot(instance)
    if before is None:
        record(user, AuditEvent.Action.CREATE, instance, after, scope=NO_PLACE)
    elif changes := diff(before, after):
        record(user, AuditEvent.Action.UPDATE, instance, changes, scope=NO_PLACE)


class QuestionInline(AuditedInline):
    model = InspectionQuestion


class BandInline(AuditedInline):
    model = InspectionBand


@admin.register(InspectionForm)
class InspectionFormAdmin(AuditedAdmin):
    list_display = ["name", "code", "version", "system_kinds"]
    inlines = [QuestionInline, BandInline]

    def save_model(self, request, obj, form, change) -> None:
        save_without_place(request.user, obj)

    def save_related(self, request, form, formsets, change) -> None:
        for formset in formsets:
            for child in formset.save(commit=False):
                save_without_place(request.user, child)


class ComponentCheckInline(AuditedInline):
    model = ComponentCheck
    raw_id_fields = ["component"]


class InspectionAnswerInline(AuditedInline):
    model = InspectionAnswer
    raw_id_fields = ["question"]


class ObservationAdmin(AuditedAdmin):
    list_display = ["__str__", "observed_on", "state", "source", "municipality"]
    list_filter = ["state", "source"]
    date_hierarchy = "observed_on"
    readonly_fields = ["validated_by", "validated_at", "recorded_by"]


@admin.register(SystemVisit)
class SystemVisitAdmin(ObservationAdmin):
    raw_id_fields = ["system"]
    inlines = [ComponentCheckInline, InspectionAnswerInline]
    readonly_fields = [*ObservationAdmin.readonly_fields, "inspection_score", "inspection_risk"]


@admin.register(SupplyDay)
class SupplyDayAdmin(ObservationAdmin):
    raw_id_fields = ["system"]


@admin.register(HouseholdSurvey)
class HouseholdSurveyAdmin(ObservationAdmin):
    raw_id_fields = ["locality", "system"]


@admin.register(SchoolSurvey)
class SchoolSurveyAdmin(ObservationAdmin):
    raw_id_fields = ["school"]


@admin.register(HealthCentreSurvey)
class HealthCentreSurveyAdmin(ObservationAdmin):
    raw_id_fields = ["health_centre"]
