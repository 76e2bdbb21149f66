"""Admin for schools and health centres."""

from django.contrib import admin

from ojodeagua.audit.admin import AuditedAdmin

from .models import HealthCentre, School


@admin.register(School)
class SchoolAdmin(AuditedAdmin):
    list_display = ["name", "key", "level", "locality", "water_system"]
    search_fields = ["name", "key"]
    raw_id_fields = ["locality", "water_system"]


@admin.register(HealthCentre)
class HealthCentreAdmin(AuditedAdmin):
    list_display = ["name", "key", "locality", "water_system"]
    search_fields = ["name", "key"]
    raw_id_fields = ["locality", "water_system"]
