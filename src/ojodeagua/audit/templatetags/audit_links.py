"""Template tag: a link to one record's history in the audit trail, for those who may see it."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def history_link(context, obj) -> str:
    scope = context.get("scope")
    if scope is None or not scope.sees_audit_trail or obj is None or obj.pk is None:
        return ""
    label = f"{obj._meta.app_label}.{obj._meta.model_name}"
    url = f"{reverse('audit:trail')}?tipo={label}&id={obj.pk}"
    return format_html('<a class="button secondary" href="{}">{}</a>', url, _("Ver historial"))
