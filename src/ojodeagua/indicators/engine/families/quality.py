"""Water quality: compliance with NOM-127 in a month, and whether a household's water was
free of contamination by its system's latest tests."""

import datetime
from collections.abc import Callable, Iterable, Mapping

from ...catalogue import MICROBIAL, Code
from ...months import month_end
from ..values import Value, source

# Parameter → [passed, failed] verdicts of one system in one month.
MonthVerdicts = Mapping[str, list[int]]
# (day, passed, parameter) of a system's E. coli and priority-chemical verdicts, sorted.
History = list[tuple[datetime.date, bool, str]]


def compliance_values(
    make: Callable[..., Value], month: datetime.date, system_id: int, verdicts: MonthVerdicts
) -> Iterable[Value]:
    """Share of passing verdicts in the month: free chlorine, microbial, and each parameter."""

    def verdict_source(**parameters) -> dict:
        return source(
            "waterquality.verdict",
            norm__code="nom127",
            result__sample__system_id=system_id,
            sampled_on__gte=month,
            sampled_on__lte=month_end(month),
            **parameters,
        )

    groups = {Code.CHLORINE: {"free_chlorine"}, Code.MICROBIAL: MICROBIAL}
    for code, parameters in groups.items():
        passed = sum(verdicts.get(p, [0, 0])[0] for p in parameters)
        failed = sum(verdicts.get(p, [0, 0])[1] for p in parameters)
        if passed + failed:
            yield make(
                code,
                month,
                passed / (passed + failed),
                numerator=passed,
                denominator=passed + failed,
                sources=[verdict_source(parameter_code__in=sorted(parameters))],
            )
    for parameter, (passed, failed) in verdicts.items():
        yield make(
            f"{Code.NOM_PREFIX}{parameter}",
            month,
            passed / (passed + failed),
            numerator=passed,
            denominator=passed + failed,
            sources=[verdict_source(parameter_code=parameter)],
        )


def microbial_counts(months: Iterable[MonthVerdicts]) -> tuple[int, int]:
    """Passing and all microbial verdicts over several months."""
    months = list(months)
    passed = sum(q.get(p, [0, 0])[0] for q in months for p in MICROBIAL)
    return passed, passed + sum(q.get(p, [0, 0])[1] for q in months for p in MICROBIAL)


def free_of_contamination(history: History, day: datetime.date) -> bool | None:
    """Latest E. coli (and arsenic/fluoride) tests in the year before ``day``."""
    start = day - datetime.timedelta(days=365)
    latest: dict[str, bool] = {}
    for test_day, passed, parameter in history:
        if start <= test_day <= day:
            latest["microbial" if parameter in MICROBIAL else parameter] = passed
    if "microbial" not in latest:
        return None
    return all(latest.values())


def ecoli_failed_near(history: History, day: datetime.date, reach: datetime.timedelta) -> bool:
    """Whether an E. coli test failed within ``reach`` of the day, before or after."""
    return any(
        not passed and abs(test_day - day) <= reach
        for test_day, passed, parameter in history
        if parameter in MICROBIAL
    )
