"""Judge stored results again after a norm, a limit or a parameter changed, then refresh indicators.

A verdict records the version and limit in force on the sampling date, so editing a norm leaves
stored verdicts stale until they are judged again. Only results whose sampling date falls in the
range the edit can reach are read; only verdicts whose fields differ are written.
"""

import datetime
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models, transaction

from ojodeagua.lib import refresh as figures

from .models import Limit, Norm, NormVersion, Result, Sample, Verdict
from .verdicts import VERDICT_FIELDS, Judge

# Up to this many samples with a changed verdict, only their indicators are recomputed;
# beyond it a full recompute is about as fast and far simpler.
REFRESH_SAMPLES_MAX = 200
BATCH_SIZE = 2000
RELATED_FIELDS = {"version", "limit"}

# A date range; None on either side means open.
DateRange = tuple[datetime.date | None, datetime.date | None]
EVERYTHING: DateRange = (None, None)


@dataclass
class Rejudged:
    """What a re-judging did: results read, verdicts changed, and how indicators were updated."""

    results: int = 0
    changed: int = 0
    sample_ids: set[int] = field(default_factory=set)
    # "" (nothing to refresh), "some" (only these samples' values) or "all" (a full recompute).
    indicators: str = ""
    seconds: float = 0.0


# --- Which dates an edit can reach ------------------------------------------------------------


def version_range(version: NormVersion) -> DateRange:
    return version.in_force_from, version.in_force_until


def limit_range(limit: Limit, version: NormVersion | None = None) -> DateRange:
    """The days a limit can decide: its own dates inside its version's time in force."""
    version = version or limit.version
    start = max(filter(None, (limit.applies_from, version.in_force_from)), default=None)
    ends = [day for day in (limit.applies_until, version.in_force_until) if day]
    return start, min(ends) if ends else None


def span(*ranges: DateRange) -> DateRange:
    """The smallest range covering all of them (an open side stays open)."""
    starts = [start for start, _end in ranges]
    ends = [end for _start, end in ranges]
    start = None if None in starts else min(starts)
    end = None if None in ends else max(ends)
    return start, end


# --- Judging again ----------------------------------------------------------------------------


def rejudge(
    norm: Norm | str | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> int:
    """Judge again every result sampled between ``since`` and ``until``; returns verdicts changed.

    With ``norm`` only that norm's verdicts are written; without it, every norm's.
    """
    return rejudge_report(norm, since, until).changed


def rejudge_report(
    norm: Norm | str | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    *,
    results: models.QuerySet[Result] | None = None,
    refresh: bool = True,
) -> Rejudged:
    """Like ``rejudge``, with the details; ``results`` narrows the results read further."""
    started = time.monotonic()
    if isinstance(norm, str):
        norm = Norm.objects.get(code=norm)
    queryset = Result.objects.all() if results is None else results
    if since:
        queryset = queryset.filter(sample__observed_on__gte=since)
    if until:
        queryset = queryset.filter(sample__observed_on__lte=until)
    report = Rejudged()
    judge = Judge()
    with transaction.atomic():
        batch: list[Result] = []
        rows = queryset.select_related("sample__locality", "parameter").order_by("pk")
        for result in rows.iterator(chunk_size=BATCH_SIZE):
            batch.append(result)
            if len(batch) >= BATCH_SIZE:
                _judge_batch(judge, batch, norm, report)
                batch = []
        if batch:
            _judge_batch(judge, batch, norm, report)
        if refresh:
            report.indicators = refresh_indicators(report.sample_ids)
    report.seconds = time.monotonic() - started
    return report


def rejudge_unrecognised() -> Rejudged:
    """Results whose parameter was not recognised: after a parameter's names or aliases change."""
    return rejudge_report(results=Result.objects.filter(parameter__isnull=True))


def _judge_batch(judge: Judge, batch: list[Result], norm: Norm | None, report: Rejudged) -> None:
    existing = Verdict.objects.filter(result__in=[result.pk for result in batch])
    if norm is not None:
        existing = existing.filter(norm=norm)
    stored = {(verdict.result_id, verdict.norm_id): verdict for verdict in existing}
    recognised, to_create, to_update = [], [], []
    for result in batch:
        before = result.parameter_id
        judgements = judge.judgements_for(result)
        if result.parameter_id != before:
            recognised.append(result)
        changed = False
        for judgement in judgements:
            if norm is not None and judgement.norm.pk != norm.pk:
                continue
            fields = Judge._verdict_fields(result, judgement)
            verdict = stored.get((result.pk, judgement.norm.pk))
            if verdict is None:
                to_create.append(Verdict(result=result, norm=judgement.norm, **fields))
                changed = True
            elif any(_differs(verdict, name, value) for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(verdict, name, value)
                to_update.append(verdict)
                changed = True
        if changed or result in recognised:
            report.sample_ids.add(result.sample_id)
    if recognised:
        Result.objects.bulk_update(recognised, ["parameter"])
    Verdict.objects.bulk_create(to_create)
    if to_update:
        Verdict.objects.bulk_update(to_update, list(VERDICT_FIELDS))
    report.results += len(batch)
    report.changed += len(to_create) + len(to_update)


def _differs(verdict: Verdict, name: str, new) -> bool:
    # Related rows are compared by id, so that reading the stored verdict loads no row.
    if name in RELATED_FIELDS:
        return getattr(verdict, f"{name}_id") != (new.pk if new is not None else None)
    return getattr(verdict, name) != new


def refresh_indicators(sample_ids: Iterable[int]) -> str:
    """Recompute the indicators the changed samples feed; returns "", "some" or "all"."""
    sample_ids = set(sample_ids)
    if not sample_ids:
        return ""
    if len(sample_ids) > REFRESH_SAMPLES_MAX:
        figures.recompute_indicators()
        return "all"
    figures.refresh_indicators(Sample.objects.filter(pk__in=sample_ids))
    return "some"
