"""The complaint register's figures: response times and the fix rate."""

import statistics
from dataclasses import dataclass

from .models import Complaint


@dataclass
class RegisterFigures:
    received: int
    resolved: int
    answered: int
    overdue: int
    median_response_days: float | None

    @property
    def fix_rate(self) -> float | None:
        """Complaints resolved ÷ complaints received, as the toolbox defines it."""
        return self.resolved / self.received if self.received else None


def register_figures(complaints, on) -> RegisterFigures:
    rows = list(complaints)
    response_days = [c.response_days() for c in rows if c.response_days() is not None]
    return RegisterFigures(
        received=len(rows),
        resolved=sum(1 for c in rows if c.status == Complaint.Status.RESOLVED),
        answered=len(response_days),
        overdue=sum(1 for c in rows if c.status == Complaint.Status.RECEIVED and c.respond_by < on),
        median_response_days=statistics.median(response_days) if response_days else None,
    )
