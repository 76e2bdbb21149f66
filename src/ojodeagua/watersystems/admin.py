"""Admin for water systems and their parts."""

from django.contrib import admin

from ojodeagua.audit.admin import AuditedAdmin, AuditedInline

from .models import Component, ServedLocality, Source, WaterSystem


class SourceInline(AuditedInline):
    model = Source


class ComponentInline(AuditedInline):
    model = Component


class ServedLocalityInline(AuditedInline):
    model = ServedLocality
    raw_id_fields = ["locality"]


@admin.register(WaterSystem)
class WaterSystemAdmin(AuditedAdmin):
    list_display = ["name", "kind", "provider", "locality", "municipality"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["provider", "locality"]
    inlines = [SourceInline, ComponentInline, ServedLocalityInline]
