"""Water quality: compliance with NOM-127 in a month (each parameter counted only where the
norm asks for it), and whether a household's water was free of contamination by its system's
latest tests."""

import datetime
from collections.abc import Callable, Iterable, Mapping

from ...catalogue import MICROBIAL, Code
from ...months import month_end
from ..values import Value, source

# Parameter → [passed, failed] verdicts of one system in one month.
MonthVerdicts = Mapping[str, list[int]]
# (day, passed, parameter) of a system's E. coli and priority-chemical verdicts, sorted.
History = list[tuple[datetime.date, bool, str]]

# NOM-127-SSA1-2021 asks for some parameters only in some systems: free residual chlorine
# where a chlorine compound is used (5.8.1), Giardia and microcystin-LR in surface sources or
# sources under surface influence. Parameter → (the system fact it needs, the reasons a system
# is left out when that fact is "no" or "unknown").
APPLIES_ONLY_WHERE = {
    "free_chlorine": (
        "chlorinates",
        {"no": "does_not_chlorinate", "unknown": "chlorination_unknown"},
    ),
    "giardia": ("surface", {"no": "not_surface", "unknown": "surface_unknown"}),
    "microcystin_lr": ("surface", {"no": "not_surface", "unknown": "surface_unknown"}),
}
# The figures that count only the systems the norm asks them of, as the areas add them up.
RESTRICTED_CODES = (
    Code.CHLORINE,
    *(f"{Code.NOM_PREFIX}{parameter}" for parameter in APPLIES_ONLY_WHERE),
)


def with_visits(
    treatment: Mapping[str, str],
    visits: Iterable[Mapping],
    window: tuple[datetime.date, datetime.date],
) -> Mapping[str, str]:
    """The registry's facts, completed by the visits: where the registry does not know whether
    the system chlorinates, a visit of the window that found its chlorination working or
    broken says it does (a visit's "does not chlorinate" is its default, so it says nothing)."""
    if treatment.get("chlorinates", "unknown") != "unknown":
        return treatment
    if any(
        window[0] <= visit["observed_on"] <= window[1]
        and visit.get("chlorination") in {"working", "not_working"}
        for visit in visits
    ):
        return {**treatment, "chlorinates": "yes"}
    return treatment


def left_out_reason(parameter: str, treatment: Mapping[str, str]) -> str | None:
    """Why this system's verdicts of ``parameter`` do not count (None: they count)."""
    if parameter not in APPLIES_ONLY_WHERE:
        return None
    fact, reasons = APPLIES_ONLY_WHERE[parameter]
    answer = treatment.get(fact, "unknown")
    return None if answer == "yes" else reasons.get(answer, reasons["unknown"])


def compliance_values(
    make: Callable[..., Value],
    month: datetime.date,
    system_id: int,
    verdicts: MonthVerdicts,
    treatment: Mapping[str, str],
) -> Iterable[Value]:
    """Share of passing verdicts in the month: free chlorine, microbial, and each parameter.

    ``treatment``: whether the system chlorinates and draws on surface water ("yes", "no",
    "unknown"; ``WaterSystemQuerySet.treatment_facts``). A parameter the norm does not ask of
    this system gets no share: its value is empty and says why it was left out.
    """

    def verdict_source(**parameters) -> dict:
        return source(
            "waterquality.verdict",
            norm__code="nom127",
            result__sample__system_id=system_id,
            sampled_on__gte=month,
            sampled_on__lte=month_end(month),
            **parameters,
        )

    def share(code: str, parameters: Iterable[str], reason: str | None) -> Value | None:
        parameters = sorted(parameters)
        passed = sum(verdicts.get(p, [0, 0])[0] for p in parameters)
        failed = sum(verdicts.get(p, [0, 0])[1] for p in parameters)
        if not passed + failed:
            return None
        if code.startswith(Code.NOM_PREFIX):
            sources = [verdict_source(parameter_code=parameters[0])]
        else:
            sources = [verdict_source(parameter_code__in=parameters)]
        if reason:
            return make(
                code,
                month,
                None,
                breakdown={"left_out": reason, "readings": passed + failed},
                sources=sources,
            )
        return make(
            code,
            month,
            passed / (passed + failed),
            numerator=passed,
            denominator=passed + failed,
            sources=sources,
        )

    groups = {Code.CHLORINE: {"free_chlorine"}, Code.MICROBIAL: MICROBIAL}
    for code, parameters in groups.items():
        reason = next(filter(None, (left_out_reason(p, treatment) for p in parameters)), None)
        if found := share(code, parameters, reason):
            yield found
    for parameter in verdicts:
        found = share(
            f"{Code.NOM_PREFIX}{parameter}", [parameter], left_out_reason(parameter, treatment)
        )
        if found:
            yield found


def microbial_counts(months: Iterable[MonthVerdicts]) -> tuple[int, int]:
    """Passing and all microbial verdicts over several months."""
    months = list(months)
    passed = sum(q.get(p, [0, 0])[0] for q in months for p in MICROBIAL)
    return passed, passed + sum(q.get(p, [0, 0])[1] for q in months for p in MICROBIAL)


def free_of_contamination(history: History, day: datetime.date) -> bool | None:
    """Latest E. coli (and arsenic/fluoride) tests in the year before ``day``, judged by the
    norm the history was read for (``loading.contamination_norm``)."""
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
