"""A cycle's baseline: the provider's service figures and complaint register when it starts."""

import datetime

from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ojodeagua.indicators.catalogue import FINANCE_CODES, Code, definition
from ojodeagua.indicators.models import Entity, IndicatorValue
from ojodeagua.indicators.months import month_start
from ojodeagua.indicators.presentation import format_value, fraction, month_name
from ojodeagua.providers.models import Provider

from .register import register_figures

# What the project computes for a provider, in the order the hub shows it.
PROVIDER_CODES = (
    Code.WORKING_SHARE,
    Code.RELIABLE_SHARE,
    Code.CONTINUITY_HOURS,
    Code.MICROBIAL,
    Code.SCORE,
)
SHOWN_ORDER = (*PROVIDER_CODES[:-1], Code.CHLORINE, Code.SCORE)


def _row(value: IndicatorValue, source: str) -> dict:
    return {
        "code": value.indicator,
        "source": source,
        # The wording of the day it was taken, for readers of the stored JSON (printables,
        # exports); pages translate again from the code.
        "name": str(definition(value.indicator).name),
        "value": value.value,
        "label": value.label,
        "numerator": value.numerator,
        "denominator": value.denominator,
        "period": value.period.isoformat(),
    }


def _chlorine(provider: Provider, month: datetime.date) -> dict | None:
    """Chlorine readings are kept per system: the provider's latest month added up."""
    values = IndicatorValue.objects.filter(
        entity=Entity.SYSTEM,
        provider_id=provider.pk,
        indicator=Code.CHLORINE,
        period__lte=month,
        denominator__gt=0,
    )
    latest = values.order_by("-period").values_list("period", flat=True).first()
    if latest is None:
        return None
    rows = list(values.filter(period=latest))
    passed = sum(v.numerator or 0 for v in rows)
    evaluated = sum(v.denominator or 0 for v in rows)
    return _row(
        IndicatorValue(
            indicator=Code.CHLORINE,
            period=latest,
            value=passed / evaluated,
            numerator=passed,
            denominator=evaluated,
        ),
        "systems",
    )


def take_baseline(provider: Provider, on: datetime.date) -> dict:
    """The provider's latest stored figures up to ``on``, as plain JSON for ``Cycle.baseline``.

    Each figure keeps its value, label and month, so progress is later measured against what
    the data said then, not what a recompute says now.
    """
    month = month_start(on)
    stored = IndicatorValue.objects.filter(
        entity=Entity.PROVIDER, entity_id=provider.pk, period__lte=month
    )
    service = []
    for code in PROVIDER_CODES:
        value = stored.filter(indicator=code).order_by("-period").first()
        if value is not None:
            service.append(_row(value, "provider"))
    if chlorine := _chlorine(provider, month):
        service.append(chlorine)
    service.sort(key=lambda row: SHOWN_ORDER.index(row["code"]))
    systems = []
    for system in provider.systems.order_by("name"):
        tier = (
            IndicatorValue.objects.filter(
                entity=Entity.SYSTEM,
                entity_id=system.pk,
                indicator=Code.FUNCTIONALITY,
                period__lte=month,
            )
            .order_by("-period")
            .first()
        )
        if tier is not None:
            systems.append({"system": system.name, **_row(tier, "system")})
    figures = register_figures(provider.complaints.filter(received_on__lte=on), on)
    return {
        "taken_on": on.isoformat(),
        "service": service,
        "systems": systems,
        "complaints": {
            "received": figures.received,
            "resolved": figures.resolved,
            "answered": figures.answered,
            "overdue": figures.overdue,
            "fix_rate": figures.fix_rate,
            "median_response_days": figures.median_response_days,
        },
        # None when the committee kept no books here then: the page says so.
        "finances": _finances(stored) or None,
    }


def _finances(stored) -> list[dict]:
    """The latest stored collection, cost coverage and reserve of the committee's books."""
    rows = []
    for code in FINANCE_CODES:
        value = stored.filter(indicator=code).order_by("-period").first()
        if value is not None:
            rows.append(_row(value, "books"))
    return rows


def _shown(row: dict) -> str:
    return format_value(
        IndicatorValue(
            indicator=row["code"],
            value=row["value"],
            label=row.get("label") or "",
            numerator=row.get("numerator"),
            denominator=row.get("denominator"),
        )
    )


def _caption(row: dict) -> str:
    period = datetime.date.fromisoformat(row["period"])
    counted = fraction(
        IndicatorValue(numerator=row.get("numerator"), denominator=row.get("denominator"))
    )
    if row["code"] in (Code.WORKING_SHARE, Code.RELIABLE_SHARE) and counted:
        return _("%(count)s sistemas, %(month)s") % {"count": counted, "month": month_name(period)}
    if row["code"] in (Code.MICROBIAL, Code.CHLORINE) and counted:
        return _("%(count)s pruebas, %(month)s") % {"count": counted, "month": month_name(period)}
    return month_name(period)


def _figures(rows: list[dict]) -> list[dict]:
    return [
        {
            "name": str(definition(row["code"]).name),
            "shown": _shown(row),
            "caption": _caption(row),
            "code": row["code"],
        }
        for row in rows
    ]


def baseline_rows(baseline: dict) -> dict:
    """The stored baseline as the hub reads it: names in today's language, figures formatted."""
    service = _figures(baseline.get("service", []))
    systems = [
        {
            "name": row["system"],
            "shown": row.get("label") or "—",
            "caption": month_name(datetime.date.fromisoformat(row["period"])),
        }
        for row in baseline.get("systems", [])
    ]
    complaints = baseline.get("complaints") or {}
    fix_rate = complaints.get("fix_rate")
    median = complaints.get("median_response_days")
    return {
        "service": service,
        "systems": systems,
        "complaints": complaints,
        "fix_rate": f"{number_format(fix_rate * 100, 0)} %" if fix_rate is not None else "—",
        # 3 días, 2.5 días: a decimal only when there is one.
        "median_days": floatformat(median, -1) if median is not None else "—",
        # Baselines taken before the books existed stored None, as do committees without books.
        "finances": _figures(baseline.get("finances") or []),
        "empty": not service and not systems and not complaints.get("received"),
    }
