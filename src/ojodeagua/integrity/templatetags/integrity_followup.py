"""Template tags of the follow-up: a cycle's one-line status, and a road-map status badge."""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

from ojodeagua.integrity.models import Complaint, Cycle, RoadmapItem, ScorecardIndicator

register = template.Library()

# Not a status of its own: an open action past its deadline.
OVERDUE = "overdue"
OPEN_STATUSES = {RoadmapItem.Status.PENDING, RoadmapItem.Status.IN_PROGRESS}


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


@register.inclusion_tag("integrity/followup/_action_status.html")
def action_status(value, overdue: bool | None = None) -> dict:
    """A road-map status as its icon, colour and word, with an ``aria-label``; ``value`` is an
    action or a status. The one way a status is shown: on a page, on the board and on paper.

    An open action past its deadline also gets the «vencida» badge (``overdue`` says so when
    given; for an action it is worked out from today otherwise). ``{% action_status "overdue" %}``
    is that badge alone, for a legend.
    """
    if value == OVERDUE:
        return {"code": "", "label": "", "overdue": True}
    if isinstance(value, RoadmapItem):
        status = value.status
        if overdue is None:
            overdue = status in OPEN_STATUSES and value.deadline < timezone.localdate()
    else:
        status = value
    return {
        "code": status,
        "label": RoadmapItem.Status(status).label,
        "overdue": bool(overdue),
    }


@register.filter
def spoken_date(day: datetime.date | None) -> str:
    """«15 de marzo de 2025», as it is said aloud: Spanish writes month names in lower case."""
    if not day:
        return ""
    said = date_format(day, "DATE_FORMAT")
    return said.lower() if (get_language() or "").startswith("es") else said
