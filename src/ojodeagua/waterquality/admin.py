"""Admin for parameters, norms, norm versions and their limits; every edit is audited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ojodeagua.audit.admin import AuditedAdmin, AuditedInline

from .models import Limit, Norm, NormVersion, Parameter


@admin.register(Parameter)
class ParameterAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "symbol",
        "kind",
        "unit",
        "expressed_as",
        "reported_bases",
    ]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_en", "symbol"]


class NormVersionInline(AuditedInline):
    model = NormVersion
    fields = ["name", "in_force_from", "in_force_until"]
    show_change_link = True


@admin.register(Norm)
class NormAdmin(AuditedAdmin):
    list_display = ["code", "name"]
    inlines = [NormVersionInline]


class LimitInline(AuditedInline):
    model = Limit
    fields = list(Limit.DEFINITION_FIELDS)
    autocomplete_fields = ["parameter"]


@admin.register(NormVersion)
class NormVersionAdmin(AuditedAdmin):
    list_display = ["name", "norm", "in_force_from", "in_force_until", "limit_count"]
    list_filter = ["norm"]
    search_fields = ["name"]
    inlines = [LimitInline]
    save_as = True  # a new version starts as a copy of the last one, limits included

    @admin.display(description=_("límites"))
    def limit_count(self, obj) -> int:
        return obj.limits.count()
