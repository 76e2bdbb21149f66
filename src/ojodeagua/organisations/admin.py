"""Admin for organisations, memberships and the device keys people hold."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ojodeagua.audit.admin import AuditedAdmin

from . import tokens
from .models import ApiToken, Membership, Organisation


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "provider"]
    raw_id_fields = ["provider"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "organisation", "role", "active"]
    list_filter = ["role", "active"]
    filter_horizontal = ["municipalities"]
    raw_id_fields = ["providers"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are made by their owners (``Mis dispositivos``) and only withdrawn here, through
    the same service, so the key is never shown or typed in the admin."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "ending"]
    list_filter = ["ending"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "digest"]
    exclude = ["digest"]
    actions = ["withdraw"]

    @admin.action(description=_("Retirar las claves elegidas"))
    def withdraw(self, request, queryset) -> None:
        withdrawn = sum(tokens.revoke(token, request.user) for token in queryset)
        messages.success(
            request,
            ngettext("Se retiró %(count)d clave.", "Se retiraron %(count)d claves.", withdrawn)
            % {"count": withdrawn},
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
