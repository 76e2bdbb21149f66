"""Admin for the settings the indicator definitions read (thresholds, the contamination norm)."""

from django.contrib import admin

from ojodeagua.audit.admin import AuditedAdmin

from .models import Setting


@admin.register(Setting)
class SettingAdmin(AuditedAdmin):
    list_display = ["code", "value", "choice", "description"]
    readonly_fields = ["code"]
    fields = ["code", "value", "choice", "description"]

    def has_add_permission(self, request) -> bool:
        # The definitions read known codes only; the data migrations seed them.
        return False
