"""Admin: audited saves for every registry model, and a read-only view of the trail."""

from django.contrib import admin

from .models import AuditEvent
from .trail import save_audited


class AuditedAdmin(admin.ModelAdmin):
    """Superusers' edits in the admin land in the audit trail like everyone else's."""

    def save_model(self, request, obj, form, change) -> None:
        save_audited(request.user, obj, obj.save)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Nothing in the registry is deleted; records are corrected or marked instead.
        return False


class AuditedInline(admin.TabularInline):
    extra = 0

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor_label"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
