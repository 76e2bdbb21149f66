"""Service summaries for a municipality and the state, and "why this number" for any figure."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ojodeagua.organisations.scope import Scope, get_visible_or_404, scope_for
from ojodeagua.places.models import Locality, Municipality, State
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import WaterSystem

from . import ladders as ladder_rungs
from . import presentation
from .catalogue import FINANCE_CODES, HEALTH_CARE_LADDER_CODES, Code, definition
from .ladders import RUNG_LABELS
from .models import Entity, IndicatorValue, Setting
from .sources import observations_behind, resolve

ENTITY_MODELS: dict[str, type[models.Model]] = {
    Entity.SYSTEM: WaterSystem,
    Entity.PROVIDER: Provider,
    Entity.LOCALITY: Locality,
    Entity.MUNICIPALITY: Municipality,
    Entity.STATE: State,
}
GAP_CODES = (Code.GAP_RECORD, Code.GAP_WORKING, Code.GAP_RELIABLE, Code.GAP_SAFE)
LADDER_CODES = (
    "jmp_water",
    "jmp_sanitation",
    "jmp_hygiene",
    "jmp_school_water",
    "jmp_school_sanitation",
    "jmp_school_hygiene",
    *HEALTH_CARE_LADDER_CODES,
)
TRENDS = (
    (Code.WORKING_SHARE, 1.0),
    (Code.RELIABLE_SHARE, 1.0),
    (Code.GAP_RELIABLE, 1.0),
    (Code.MICROBIAL, 1.0),
    (Code.CONTINUITY_HOURS, 24.0),
)
PLACES_LISTED = 20


def chosen_month(request: HttpRequest, queryset) -> datetime.date | None:
    """The month in ?mes=YYYY-MM when it has values, else the latest month that has them."""
    text = request.GET.get("mes", "")
    try:
        month = datetime.date.fromisoformat(f"{text}-01")
    except ValueError:
        month = None
    if month and queryset.filter(period=month).exists():
        return month
    return presentation.latest_period(queryset)


def area_context(request: HttpRequest, entity: str, area) -> dict:
    queryset = scope_for(request.user).visible(
        IndicatorValue.objects.filter(entity=entity, entity_id=area.pk)
    )
    month = chosen_month(request, queryset)
    context = {"area": area, "entity": entity, "month": month}
    if month is None:
        return context
    values = presentation.values_by_indicator(queryset, month)
    months = presentation.trend_months(month)
    trend_values = queryset.filter(
        period__gte=months[0], period__lte=month, indicator__in=[t[0] for t in TRENDS]
    )
    grouped: dict[str, list[IndicatorValue]] = {}
    for value in trend_values:
        grouped.setdefault(value.indicator, []).append(value)
    charts = [
        chart
        for code, maximum in TRENDS
        if (
            chart := presentation.trend_chart(
                str(definition(code).name), grouped.get(code, []), months, maximum, slug=code
            )
        )
    ]
    gaps = [(code, values.get(code)) for code in GAP_CODES]
    # Each ladder with the people (or schools) its bar places, unknown included: the bar's
    # rungs add up to them, which is not always the figure's denominator (known only).
    ladders = [
        (code, values[code], found, sum(rung.amount for rung in found))
        for code in LADDER_CODES
        if code in values and code not in HEALTH_CARE_LADDER_CODES
        for found in [presentation.rungs(values[code])]
    ]
    # Whole numbers of centres, for the plural of the words under each ladder.
    health_care_ladders = [
        (
            code,
            values[code],
            presentation.rungs(values[code]),
            int(values[code].denominator or 0),
            int(values[code].breakdown.get(ladder_rungs.UNKNOWN, 0)),
        )
        for code in HEALTH_CARE_LADDER_CODES
        if code in values
    ]
    available = list(queryset.values_list("period", flat=True).distinct().order_by("-period")[:36])
    water = values.get("jmp_water")
    # The thresholds the engine reads, for the words that explain the figures.
    thresholds = dict(
        Setting.objects.filter(
            code__in=["perception_ecoli_window_days", "reliable_max_downtime_days"]
        ).values_list("code", "value")
    )
    context.update(
        values=values,
        gaps=gaps,
        gap_base=values.get(Code.GAP_RECORD),
        perception=values.get(Code.PERCEPTION_GAP),
        working=values.get(Code.WORKING_SHARE),
        reliable=values.get(Code.RELIABLE_SHARE),
        score=values.get(Code.SCORE),
        ladders=ladders,
        health_care_ladders=health_care_ladders,
        water_norm=presentation.norm_label(values.get("jmp_water") or values.get(Code.GAP_SAFE)),
        chlorine_left_out=presentation.systems_left_out(values.get(Code.CHLORINE)),
        charts=charts,
        months_available=available,
        tiers=presentation.tier_rows(
            values.get(Code.WORKING_SHARE), int(thresholds.get("reliable_max_downtime_days", 30))
        ),
        water_method=presentation.safely_managed_method(water),
        # The bar's "safely managed" rung: households that meet the three criteria themselves.
        water_rung_safe=presentation.rung_share(presentation.rungs(water), "safely_managed"),
        ecoli_reach_days=int(thresholds["perception_ecoli_window_days"])
        if "perception_ecoli_window_days" in thresholds
        else None,
    )
    return context


def gap_table(month: datetime.date, entity: str, parents: dict, user=None) -> list[dict]:
    """Places with the widest distance between infrastructure on record and reliable service.

    With a user, only the figures they may read are listed (``IndicatorValue.visible_in``): a
    committee member sees its municipality's totals, not its localities, whose figures add up
    other committees' systems.
    """
    rows: dict[int, dict] = {}
    values = IndicatorValue.objects.filter(
        entity=entity, period=month, indicator__in=GAP_CODES, **parents
    )
    if user is not None:
        values = scope_for(user).visible(values)
    for value in values:
        rows.setdefault(value.entity_id, {})[value.indicator] = value
    table = []
    for entity_id, found in rows.items():
        record = found.get(Code.GAP_RECORD)
        reliable = found.get(Code.GAP_RELIABLE)
        if record is None:
            continue
        missing = (record.numerator or 0) - (reliable.numerator if reliable else 0)
        table.append({"id": entity_id, "values": found, "missing": missing})
    table.sort(key=lambda row: -row["missing"])
    table = table[:PLACES_LISTED]
    model = ENTITY_MODELS[entity]
    names = model._default_manager.in_bulk([row["id"] for row in table])
    for row in table:
        row["place"] = names.get(row["id"])
        row["cells"] = [row["values"].get(code) for code in GAP_CODES]
    return table


@login_required
def summary_home(request: HttpRequest) -> HttpResponse:
    """The summary of the first municipality the user covers (or sees through a committee)."""
    municipality = scope_for(request.user).visible(Municipality.objects.order_by("key")).first()
    if municipality is None:
        raise Http404
    return redirect("indicators:municipality_summary", pk=municipality.pk)


@login_required
def municipality_summary(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_visible_or_404(request.user, Municipality, pk)
    context = area_context(request, Entity.MUNICIPALITY, municipality)
    if context["month"]:
        context["places"] = gap_table(
            context["month"],
            Entity.LOCALITY,
            {"municipality_id": municipality.pk},
            request.user,
        )
    return render(request, "indicators/area_summary.html", context)


@login_required
def state_summary(request: HttpRequest, pk: int) -> HttpResponse:
    # State figures add up municipalities the user may not cover: coordinators only.
    if not scope_for(request.user).is_coordinator:
        raise PermissionDenied
    state = get_object_or_404(State, pk=pk)
    context = area_context(request, Entity.STATE, state)
    if context["month"]:
        context["places"] = gap_table(
            context["month"],
            Entity.MUNICIPALITY,
            {"entity_id__in": state.municipalities.values("pk")},
            request.user,
        )
    return render(request, "indicators/area_summary.html", context)


def visible_value(request: HttpRequest, pk: int) -> tuple[IndicatorValue, models.Model]:
    """The figure, if the user may read it (the API's rule, ``IndicatorValue.visible_in``),
    and the place it describes."""
    value = get_object_or_404(scope_for(request.user).visible(IndicatorValue.objects.all()), pk=pk)
    return value, get_object_or_404(ENTITY_MODELS[value.entity], pk=value.entity_id)


# The threshold row that holds each T2 rule; its description says the rule and its source.
FLOW_RULE_SETTINGS = {
    "point_min_flow": "point_min_flow_lpm",
    "design_flow_share": "design_flow_share",
}


def flow_rule_setting(value: IndicatorValue) -> Setting | None:
    """For a functionality tier: the threshold row of the rule that decided T2."""
    if value.indicator != Code.FUNCTIONALITY or not isinstance(value.breakdown, dict):
        return None
    code = FLOW_RULE_SETTINGS.get(value.breakdown.get("flow_rule", ""))
    return Setting.objects.filter(code=code).first() if code else None


@login_required
def value_detail(request: HttpRequest, pk: int) -> HttpResponse:
    value, place = visible_value(request, pk)
    observations, complete = [], True
    if any(r["model"] == "indicators.indicatorvalue" for r in value.sources):
        observations, complete = observations_behind(value, scope_for(request.user))
    context = {
        "value": value,
        "place": place,
        "definition": definition(value.indicator, value.entity),
        "flow_rule": flow_rule_setting(value),
        "formatted": presentation.format_value(value),
        "fraction": presentation.fraction(value),
        "sources": resolve(value, scope_for(request.user)),
        "observations": observations,
        "observations_complete": complete,
        "rungs": presentation.rungs(value) if value.indicator.startswith("jmp_") else [],
        # A ladder's class is its most common rung: in words, not its code.
        "label": str(RUNG_LABELS.get(value.label, value.label))
        if value.indicator.startswith("jmp_")
        else value.label,
        "method": presentation.safely_managed_method(value),
        "norm_label": presentation.norm_label(value),
        "left_out_summary": presentation.left_out_summary(value),
        "left_out": presentation.left_out_systems(value),
        "history": IndicatorValue.objects.filter(
            indicator=value.indicator, entity=value.entity, entity_id=value.entity_id
        ).order_by("-period")[:24],
    }
    return render(request, "indicators/value_detail.html", context)


def service_context(entity: str, obj: models.Model, scope: Scope) -> dict:
    """The "how is the service" panel for a system, locality or provider page: the figures the
    user may read, as the API gives them (``withheld``: there are some, for others to read)."""
    # The books' figures have their own panel and months (presentation.finance_context).
    stored = IndicatorValue.objects.filter(entity=entity, entity_id=obj.pk).exclude(
        indicator__in=FINANCE_CODES
    )
    queryset = scope.visible(stored)
    month = presentation.latest_period(queryset)
    if month is None:
        withheld = presentation.latest_period(stored) is not None
        return {"service": None, "withheld": withheld, "entity": entity}
    values = presentation.values_by_indicator(queryset, month)
    months = presentation.trend_months(month)
    codes = [Code.DAYS_PER_WEEK, Code.CONTINUITY_HOURS, Code.WORKING_SHARE, Code.GAP_RELIABLE]
    trend = queryset.filter(period__gte=months[0], indicator__in=codes)
    grouped: dict[str, list[IndicatorValue]] = {}
    for value in trend:
        grouped.setdefault(value.indicator, []).append(value)
    charts = [
        chart
        for code, maximum in (
            (Code.DAYS_PER_WEEK, 7.0),
            (Code.CONTINUITY_HOURS, 24.0),
            (Code.WORKING_SHARE, 1.0),
            (Code.GAP_RELIABLE, 1.0),
        )
        if (
            chart := presentation.trend_chart(
                str(definition(code).name), grouped.get(code, []), months, maximum, slug=code
            )
        )
    ]
    figures = [
        (definition(v.indicator, v.entity).name, presentation.format_value(v), v)
        for code, v in sorted(values.items())
        if not code.startswith(Code.NOM_PREFIX)
    ]
    name = getattr(obj, "name", str(obj))
    return {
        "service": {
            "month": month,
            "sentences": presentation.service_sentences(values, name),
            "figures": figures,
            "charts": charts,
            "ladders": [
                (code, values[code], presentation.rungs(values[code]))
                for code in ("jmp_water", "jmp_sanitation", "jmp_hygiene")
                if code in values
            ],
            "water_norm": presentation.norm_label(values.get("jmp_water")),
        }
    }
