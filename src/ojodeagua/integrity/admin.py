"""Admin for the integrity catalogues (superusers); every change goes to the audit trail."""

from django.contrib import admin

from ojodeagua.audit.admin import AuditedAdmin, AuditedInline

from .models import (
    BusinessProcess,
    CatalogueVersion,
    ChecklistItem,
    Complaint,
    RatingScale,
    Risk,
    ScorecardIndicator,
    ScorecardPrinciple,
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
