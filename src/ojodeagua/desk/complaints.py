"""Complaints that went up to the agency: those a committee of the municipality left unanswered
past their date (``integrity.register.escalate_overdue``), and those still waiting to go up.
Read in one query, with no name of whoever filed them."""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from ojodeagua.integrity.models import Complaint, overdue_condition
from ojodeagua.places.models import Municipality


@dataclass
class TurnedOver:
    pk: int
    provider_name: str
    locality_name: str
    received_on: datetime.date
    respond_by: datetime.date
    escalated_on: datetime.date | None
    status: str
    status_label: str
    channel_label: str
    reporter_sex_label: str
    # Days past the date to answer, on the day read; for an answered one, when it was answered.
    days_late: int

    @property
    def waiting(self) -> bool:
        return self.status == Complaint.Status.RECEIVED


def turned_over(municipality: Municipality, on: datetime.date) -> list[TurnedOver]:
    """Every complaint of the municipality turned over to the agency, and every one past its
    date still waiting (the nightly job will turn it over), the longest late first."""
    late = overdue_condition(on)
    rows = (
        Complaint.objects.filter(provider__municipality=municipality, received_on__lte=on)
        .filter(Q(escalated_on__isnull=False, escalated_on__lte=on) | late)
        .select_related("provider__locality")
        .order_by("respond_by", "pk")
    )
    return [
        TurnedOver(
            pk=c.pk,
            provider_name=c.provider.name,
            locality_name=c.provider.locality.name if c.provider.locality else "",
            received_on=c.received_on,
            respond_by=c.respond_by,
            escalated_on=c.escalated_on,
            status=c.status,
            status_label=c.get_status_display(),
            channel_label=c.get_channel_display(),
            reporter_sex_label=c.get_reporter_sex_display() if c.reporter_sex else "",
            days_late=((c.answered_on or on) - c.respond_by).days,
        )
        for c in rows
    ]
