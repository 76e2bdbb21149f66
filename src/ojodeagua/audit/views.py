"""The audit trail page, for coordinators, limited to their area."""

from django.contrib.auth.decorators import login_required
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
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/trail.html", {"page_obj": page})
