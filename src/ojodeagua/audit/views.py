"""The audit trail page, for coordinators, limited to their area."""

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from ojodeagua.organisations.scope import scope_for

from .models import AuditEvent


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
    query = f"tipo={model_label}&id={object_id}&" if subject else ""
    return render(
        request, "audit/trail.html", {"page_obj": page, "subject": subject, "query": query}
    )
