"""Kiosks and school systems judged as businesses, side by side: their latest sales figures
(litres and revenue a month, margin, the jug's price against the shop's, and for schools
whether sales cover O&M and the technician's pay), read in two queries for any number."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Max

from ojodeagua.indicators.catalogue import BUSINESS_CODES, Code
from ojodeagua.indicators.models import Entity, IndicatorValue
from ojodeagua.organisations.scope import scope_for
from ojodeagua.providers.models import Provider

SELLING_KINDS = (Provider.Kind.KIOSK, Provider.Kind.SCHOOL)
# The table's columns, in order.
COLUMNS = (Code.SALES_LITRES, Code.SALES_REVENUE, Code.SALES_MARGIN, Code.JUG_PRICE)
# A business whose books stopped more than this many months before the latest still shows,
# with its own month, rather than vanish.
MONTHS_BACK = 3


@dataclass
class BusinessRow:
    provider: Provider
    month: datetime.date | None = None
    values: dict[str, IndicatorValue] = field(default_factory=dict)

    @property
    def cells(self) -> list[IndicatorValue | None]:
        return [self.values.get(code) for code in COLUMNS]

    @property
    def school(self) -> IndicatorValue | None:
        return self.values.get(Code.SCHOOL_COVERAGE)

    @property
    def covers_costs(self) -> bool | None:
        """Whether its sales pay for running it: the school figure, else the margin."""
        figure = self.values.get(Code.SCHOOL_COVERAGE)
        if figure is not None and figure.value is not None:
            return figure.value >= 1
        margin = self.values.get(Code.SALES_MARGIN)
        return None if margin is None or margin.value is None else margin.value >= 0


def network(user) -> list[BusinessRow]:
    """Every kiosk and school system the user sees, with its latest figures, kiosks first."""
    providers = list(
        scope_for(user)
        .visible(Provider.objects.filter(kind__in=SELLING_KINDS))
        .select_related("locality")
        .order_by("kind", "name")
    )
    rows = {p.pk: BusinessRow(p) for p in providers}
    values = IndicatorValue.objects.filter(
        entity=Entity.PROVIDER, entity_id__in=list(rows), indicator__in=BUSINESS_CODES
    )
    latest = values.aggregate(last=Max("period"))["last"]
    if latest is None:
        return list(rows.values())
    first = (latest.replace(day=1) - datetime.timedelta(days=31 * MONTHS_BACK)).replace(day=1)
    for value in values.filter(period__gte=first).order_by("period"):
        row = rows[value.entity_id]
        if row.month is None or value.period >= row.month:
            if row.month != value.period:
                row.values = {}
            row.month = value.period
            row.values[value.indicator] = value
    return list(rows.values())
