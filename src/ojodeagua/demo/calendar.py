"""The demo's calendar: 24 whole months that end with the last full month before its day.

The demo follows the calendar, so that on any day its latest month is full and its stories (the
long outage, the chlorinator that breaks, the committee that stops depositing) sit the same
distance back. Every date the demo writes is counted from ``current().reference``; the demo is
built inside ``use(today)``, and outside it the calendar is the one of the real today.
"""

import contextlib
import contextvars
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone

MONTHS = 24


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after (or before) the month of `day`."""
    total = day.year * 12 + day.month - 1 + months
    return datetime.date(total // 12, total % 12 + 1, 1)


def reference_for(today: datetime.date) -> datetime.date:
    """The last day of the last whole month before `today`."""
    return today.replace(day=1) - datetime.timedelta(days=1)


@dataclass(frozen=True)
class DemoCalendar:
    """The demo's days, counted back from the day it is built for."""

    today: datetime.date

    @cached_property
    def reference(self) -> datetime.date:
        """The last day of the demo's latest (full) month."""
        return reference_for(self.today)

    @cached_property
    def in_progress(self) -> list[datetime.date]:
        """The days of the month in progress before today: routine checks go on in them."""
        first = self.reference + datetime.timedelta(days=1)
        return [first + datetime.timedelta(days=n) for n in range((self.today - first).days)]

    @cached_property
    def start(self) -> datetime.date:
        """The first day of the 24 whole months."""
        return add_months(self.reference, 1 - MONTHS)

    @cached_property
    def survey_start(self) -> datetime.date:
        """Household surveys fall in the last 12 months."""
        return add_months(self.reference, -11)

    @cached_property
    def days(self) -> list[datetime.date]:
        count = (self.reference - self.start).days + 1
        return [self.start + datetime.timedelta(days=n) for n in range(count)]

    @cached_property
    def month_starts(self) -> list[datetime.date]:
        return [add_months(self.start, index) for index in range(MONTHS)]

    def index_of(self, day: datetime.date) -> int:
        """The position of `day` in ``days``."""
        return (day - self.start).days

    def day(self, months_back: int, day: int) -> datetime.date:
        """Day `day` of the month `months_back` months before the latest one (0 is the latest).

        The stories are written this way: "the chlorinator breaks on the 6th, three months
        before the end" stays three months before the end on any day the demo is built.
        """
        first = add_months(self.reference, -months_back)
        last = add_months(first, 1) - datetime.timedelta(days=1)
        return first.replace(day=min(day, last.day))


_active: contextvars.ContextVar[DemoCalendar | None] = contextvars.ContextVar(
    "demo_calendar", default=None
)


def current() -> DemoCalendar:
    """The calendar the demo is being built with, or the one of today."""
    return _active.get() or DemoCalendar(timezone.localdate())


@contextlib.contextmanager
def use(today: datetime.date) -> Iterator[DemoCalendar]:
    """Build the demo as if it were `today`."""
    token = _active.set(DemoCalendar(today))
    try:
        yield _active.get()
    finally:
        _active.reset(token)
