"""Template tag: one-line status of a cycle's follow-up (road map, coaching, scorecard)."""

from django import template
from django.utils import timezone

from ojodeagua.integrity.models import Complaint, Cycle, RoadmapItem, ScorecardIndicator

register = template.Library()


@register.simple_tag
def followup_status(cycle: Cycle) -> dict:
    """Counts for the cycle hub's links; a handful of small queries."""
    today = timezone.localdate()
    items = RoadmapItem.objects.filter(assessed_risk__cycle=cycle)
    open_items = items.exclude(status__in=[RoadmapItem.Status.DONE, RoadmapItem.Status.DROPPED])
    last_session = cycle.coaching.order_by("-held_on").first()
    complaints = Complaint.objects.filter(provider_id=cycle.provider_id)
    return {
        "planned": items.count(),
        "done": items.filter(status=RoadmapItem.Status.DONE).count(),
        "overdue": open_items.filter(deadline__lt=today).count(),
        "sessions": cycle.coaching.count(),
        "last_session": last_session.held_on if last_session else None,
        "scored": cycle.scorecard.count(),
        "indicators": ScorecardIndicator.objects.filter(version_id=cycle.catalogue_id).count(),
        "previous": cycle.previous(),
        "complaints_open": complaints.filter(status=Complaint.Status.RECEIVED).count(),
        "complaints_overdue": complaints.overdue(today).count(),
    }
