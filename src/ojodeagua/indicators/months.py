"""Calendar months as indicator periods: first day, last day, and arithmetic."""

import datetime


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(month: datetime.date) -> datetime.date:
    return add_months(month, 1) - datetime.timedelta(days=1)


def month_range(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def year_window(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 12 months ending with this month: the window of 'last 12 months' indicators."""
    return add_months(month, -11), month_end(month)
