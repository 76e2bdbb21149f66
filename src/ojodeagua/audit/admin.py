"""Admin: audited saves for every registry model, and a read-only view of the trail."""

from django.contrib import admin

from .models import AuditEvent
from .trail import diff, record, save_audited


def _related_names(instance, name: str) -> list[str]:
    return sorted(str(item) for item in getattr(instance, name).all())


class AuditedAdmin(admin.ModelAdmin):
    """Superusers' edits in the admin land in the audit trail like everyone else's."""

    def save_model(self, request, obj, form, change) -> None:
        save_audited(request.user, obj, obj.save)

    def save_related(self, request, form, formsets, change) -> None:
        # Many-to-many fields (a membership's scope) are saved here, after the row itself.
        names = [f.name for f in form.instance._meta.many_to_many if f.name in form.cleaned_data]
        before = {name: _related_names(form.instance, name) for name in names} if change else {}
        form.save_m2m()
        for formset in formsets:
            # commit=False still fills new_objects and changed_objects for the admin's log.
            for child in formset.save(commit=False):
                save_audited(request.user, child, child.save)
            formset.save_m2m()
        after = {name: _related_names(form.instance, name) for name in before}
        if changes := diff(before, after):
            record(request.user, AuditEvent.Action.UPDATE, form.instance, changes)

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
