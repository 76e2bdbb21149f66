"""Judging stored results again after a norm changed: ranges, counts, indicators and the command."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.waterquality import rejudge as rejudging
from ojodeagua.waterquality.models import Limit, NormVersion, Result, Verdict
from ojodeagua.waterquality.rejudge import limit_range, rejudge, rejudge_report, span

pytestmark = pytest.mark.django_db

WHO_2022_FROM = datetime.date(2022, 3, 21)


def who_arsenic() -> Limit:
    return Limit.objects.get(
        version__norm__code="who", version__in_force_until__isnull=True, parameter__code="arsenic"
    )


def arsenic_result(year: int) -> Result:
    return (
        Result.objects.filter(
            parameter__code="arsenic",
            sample__observed_on__year=year,
            sample__state="validated",
            value__gte=Decimal("0.002"),
            value__lte=Decimal("0.008"),
        )
        .order_by("pk")
        .first()
    )


def outcome(result: Result, norm: str) -> str:
    return Verdict.objects.get(result=result, norm__code=norm).outcome


def test_ranges_an_edit_can_reach():
    version = NormVersion(in_force_from=datetime.date(2023, 4, 27))
    staged = Limit(applies_until=datetime.date(2029, 4, 26))
    assert limit_range(staged, version) == (datetime.date(2023, 4, 27), datetime.date(2029, 4, 26))
    ended = NormVersion(
        in_force_from=datetime.date(2000, 1, 1), in_force_until=datetime.date(2001, 1, 1)
    )
    assert limit_range(Limit(applies_from=datetime.date(2000, 6, 1)), ended) == (
        datetime.date(2000, 6, 1),
        datetime.date(2001, 1, 1),
    )
    assert span(
        (datetime.date(2024, 1, 1), None), (datetime.date(2023, 1, 1), datetime.date(2023, 6, 1))
    ) == (
        datetime.date(2023, 1, 1),
        None,
    )


def test_rejudge_reads_only_the_range_and_counts_what_changed():
    Limit.objects.filter(pk=who_arsenic().pk).update(maximum=Decimal("0.001"))
    before, after = arsenic_result(2025), arsenic_result(2026)

    changed = rejudge("who", since=datetime.date(2026, 1, 1))

    expected = Result.objects.filter(
        parameter__code="arsenic", sample__observed_on__gte=datetime.date(2026, 1, 1)
    ).count()
    assert changed == expected > 0
    assert outcome(after, "who") == "fail"
    # Outside the range nothing was read: the 2025 verdict is still the old one.
    assert outcome(before, "who") == "pass"
    assert rejudge("who", since=datetime.date(2026, 1, 1)) == 0
    earlier = Result.objects.filter(
        parameter__code="arsenic",
        sample__observed_on__range=(WHO_2022_FROM, datetime.date(2025, 12, 31)),
    ).count()
    assert rejudge("who") == earlier > 0 and outcome(before, "who") == "fail"


def test_only_the_named_norm_is_written():
    Limit.objects.filter(pk=who_arsenic().pk).update(maximum=Decimal("0.001"))
    nom = Limit.objects.filter(version__norm__code="nom127", parameter__code="arsenic")
    nom.update(maximum=Decimal("0.0001"))
    result = arsenic_result(2026)

    rejudge("who")

    assert outcome(result, "who") == "fail" and outcome(result, "nom127") == "pass"
    rejudge()
    assert outcome(result, "nom127") == "fail"


def test_indicators_follow_the_new_verdicts(monkeypatch):
    result = arsenic_result(2026)
    month = result.sample.observed_on.replace(day=1)

    def arsenic_share() -> float:
        return IndicatorValue.objects.get(
            indicator="nom127_arsenic",
            entity="system",
            entity_id=result.sample.system_id,
            period=month,
        ).value

    assert arsenic_share() == 1.0
    Limit.objects.filter(version__norm__code="nom127", parameter__code="arsenic").update(
        maximum=Decimal("0.001")
    )

    month_end = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    month_end -= datetime.timedelta(days=1)
    few = rejudge_report("nom127", since=month, until=month_end)
    assert few.indicators == "some" and 0 < len(few.sample_ids) <= rejudging.REFRESH_SAMPLES_MAX
    assert arsenic_share() == 0.0

    Limit.objects.filter(version__norm__code="nom127", parameter__code="arsenic").update(
        maximum=Decimal("0.025")
    )
    monkeypatch.setattr(rejudging, "REFRESH_SAMPLES_MAX", 0)
    many = rejudge_report("nom127")
    assert many.indicators == "all"
    assert arsenic_share() == 1.0


def test_the_command_rejudges_and_reports_counts():
    Limit.objects.filter(pk=who_arsenic().pk).update(maximum=Decimal("0.001"))
    expected = Result.objects.filter(
        parameter__code="arsenic", sample__observed_on__gte=WHO_2022_FROM
    ).count()
    out = io.StringIO()

    call_command("quality", "rejudge", "--norm", "who", "--since", "2022-01-01", stdout=out)

    text = out.getvalue()
    total = Result.objects.filter(sample__observed_on__gte=datetime.date(2022, 1, 1)).count()
    assert f"Resultados comparados de nuevo: {total}." in text
    assert f"Veredictos que cambiaron: {expected} " in text
    assert outcome(arsenic_result(2026), "who") == "fail"
    again = io.StringIO()
    call_command("quality", "rejudge", stdout=again)
    assert re.search(r"Veredictos que cambiaron: 0 \(en 0 muestras\)", again.getvalue())


def test_the_command_explains_an_unknown_norm():
    message = "No hay una norma con el código «nom999». Use uno de: nom127, who."
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("quality", "rejudge", "--norm", "nom999")
