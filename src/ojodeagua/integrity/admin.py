"""Admin for the integrity catalogues (superusers); every change goes to the audit trail."""

from django.contrib import admin

from ojodeagua.audit.admin import AuditedAdmin, AuditedInline

from .models import (
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
    Risk,
    RoadmapItem,
    ScorecardIndicator,
    ScorecardPrinciple,
    SetAside,
    Signal,
    Tool,
)


class SignalInline(AuditedInline):
    model = Signal
    extra = 0


@admin.register(Risk)
class RiskAdmin(AuditedAdmin):
    list_display = ["code", "title", "version", "process", "type", "driver"]
    list_filter = ["version", "type", "driver"]
    inlines = [SignalInline]


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(AuditedAdmin):
    list_display = ["name", "published_at", "based_on"]


for entry in (
    BusinessProcess,
    Tool,
    ChecklistItem,
    ScorecardPrinciple,
    ScorecardIndicator,
    RatingScale,
):
    admin.site.register(entry, AuditedAdmin)


@admin.register(Complaint)
class ComplaintAdmin(AuditedAdmin):
    list_display = ["received_on", "provider", "status", "respond_by"]
    list_filter = ["status"]


class ParticipantInline(AuditedInline):
    model = Participant
    extra = 0


class ComplianceInline(AuditedInline):
    model = ComplianceAnswer
    extra = 0


class SetAsideInline(AuditedInline):
    model = SetAside
    extra = 0


@admin.register(Cycle)
class CycleAdmin(AuditedAdmin):
    list_display = ["provider", "number", "stage", "workshop_on"]
    list_filter = ["stage"]
    inlines = [ParticipantInline, ComplianceInline, SetAsideInline]


class RatingInline(AuditedInline):
    model = Rating
    extra = 0


class RoadmapInline(AuditedInline):
    model = RoadmapItem
    extra = 0


@admin.register(AssessedRisk)
class AssessedRiskAdmin(AuditedAdmin):
    list_display = ["__str__", "cycle", "priority"]
    inlines = [RatingInline, RoadmapInline]


class CoachingAnswerInline(AuditedInline):
    model = CoachingAnswer
    extra = 0


@admin.register(CoachingSession)
class CoachingSessionAdmin(AuditedAdmin):
    list_display = ["cycle", "held_on"]
    inlines = [CoachingAnswerInline]


@admin.register(Attachment)
class AttachmentAdmin(AuditedAdmin):
    list_display = ["__str__", "cycle", "uploaded_at"]
