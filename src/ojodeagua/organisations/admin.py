"""Admin for organisations and memberships."""

from django.contrib import admin

from ojodeagua.audit.admin import AuditedAdmin

from .models import Membership, Organisation


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
