"""The audit trail page, for coordinators, limited to their area.

An entry point, so it lives in web: it reads the trail (``audit``) through the scope
(``organisations``), which sits above the trail.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from ojodeagua.audit.display import readable_changes
from ojodeagua.audit.models import AuditEvent
from ojodeagua.organisations.scope import scope_for

PERSONAL = _("(dato personal)")


def shown(event: AuditEvent, scope) -> tuple[str, dict]:
    """The event's label and changes, with personal data masked for who may not read it.

    The trail keeps every value; a municipal coordinator reads that a name changed, not the
    name (see ``Scope.sees_names_of``).
    """
    model = event.content_type.model_class()
    personal = (*getattr(model, "PERSONAL_FIELDS", ()), *getattr(model, "PERSONAL_IN_TRAIL", ()))
    if not personal or scope.sees_names_of(event.provider_id):
        return event.object_repr, event.changes
    label = f"{model._meta.verbose_name} #{event.object_id}"
    changes = {}
    for name, change in event.changes.items():
        if name not in personal:
            changes[name] = change
        elif event.action == AuditEvent.Action.UPDATE and isinstance(change, list):
            changes[name] = [PERSONAL if value else value for value in change]
        else:
            changes[name] = PERSONAL if change else change
    return label, changes


@login_required
def trail(request):
    scope = scope_for(request.user)
    if not scope.sees_audit_trail:
        raise PermissionDenied
    events = AuditEvent.objects.select_related("content_type")
    if not scope.everything:
        events = events.in_area(scope.audit)
    subject = None
    model_label, object_id = request.GET.get("tipo", ""), request.GET.get("id", "")
    if model_label and object_id:
        content_type = ContentType.objects.filter(
            app_label=model_label.partition(".")[0], model=model_label.partition(".")[2]
        ).first()
        events = events.filter(content_type=content_type, object_id=object_id)
        subject = events.first()
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.shown_repr, changes = shown(event, scope)
        event.shown_changes = readable_changes(
            event.content_type.model_class(),
            changes,
            update=event.action == AuditEvent.Action.UPDATE,
        )
    query = f"tipo={model_label}&id={object_id}&" if subject else ""
    context = {
        "page_obj": page,
        "subject": subject,
        "subject_label": shown(subject, scope)[0] if subject else "",
        "query": query,
    }
    return render(request, "audit/trail.html", context)
