"""Monitoring observations for domain tests: supply days and system visits of one system.

Observations are made directly, in the state the test names (submitted unless told), so a test
that counts indicators or red flags sees exactly the records it made. A system of its own comes
from ``providers.tests.factories.make_system``.
"""

import datetime
from decimal import Decimal

from ojodeagua.monitoring.models import SupplyDay, SystemVisit
from ojodeagua.monitoring.observation import Observation
from ojodeagua.providers.tests.factories import make_committee, make_system
from ojodeagua.watersystems.models import WaterSystem

__all__ = ["VISIT_DAY", "make_committee", "make_supply_day", "make_system", "make_visit"]

State = Observation.State
VISIT_DAY = datetime.date(2026, 11, 2)


def make_supply_day(
    system: WaterSystem,
    observed_on: datetime.date,
    hours,
    state: str = State.SUBMITTED,
    **fields,
) -> SupplyDay:
    """The system's self-reported hours of water on one day."""
    fields.setdefault("source", "self_report")
    return SupplyDay.objects.create(
        system=system, observed_on=observed_on, hours=Decimal(hours), state=state, **fields
    )


def make_visit(
    system: WaterSystem,
    observed_on: datetime.date = VISIT_DAY,
    state: str = State.SUBMITTED,
    **fields,
) -> SystemVisit:
    """A visit that found the system working (``working``, ``chlorination``… by keyword)."""
    fields.setdefault("source", "visit")
    fields.setdefault("working", True)
    return SystemVisit.objects.create(system=system, observed_on=observed_on, state=state, **fields)
