"""Admin for states, municipalities and localities."""

from django.contrib import admin

from ojodeagua.audit.admin import AuditedAdmin

from .models import Locality, Municipality, State


@admin.register(State)
class StateAdmin(AuditedAdmin):
    list_display = ["key", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(AuditedAdmin):
    list_display = ["key", "name", "state"]
    search_fields = ["key", "name"]


@admin.register(Locality)
class LocalityAdmin(AuditedAdmin):
    list_display = ["key", "name", "municipality", "area", "population", "catalogue_version"]
    list_filter = ["area", "municipality__state"]
    search_fields = ["key", "name"]
    list_select_related = ["municipality"]
    raw_id_fields = ["municipality"]
