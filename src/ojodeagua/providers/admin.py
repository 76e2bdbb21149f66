"""Admin for providers and their members."""

from django.contrib import admin

from ojodeagua.audit.admin import AuditedAdmin, AuditedInline

from .models import Member, Provider


class MemberInline(AuditedInline):
    model = Member


@admin.register(Provider)
class ProviderAdmin(AuditedAdmin):
    list_display = ["name", "kind", "municipality", "locality"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["municipality", "locality"]
    inlines = [MemberInline]
