"""A new cycle against the one before: risks up or down, checklist and scorecard progress.

Cycles may use different catalogue versions; entries are matched by their stable code.
"""

from dataclasses import dataclass

from .applicable import answers_not_set_aside
from .models import Cycle

ANSWER_POINTS = {"no": 0, "partly": 1, "yes": 2}


@dataclass
class Movement:
    code: str
    title: str
    before: int | None
    after: int | None

    @property
    def change(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def movements(before: dict, after: dict) -> list[Movement]:
    """Pair {code: (title, value)} of two cycles; an entry missing on one side is None."""
    return [
        Movement(
            code,
            (after.get(code) or before.get(code))[0],
            before.get(code, (None, None))[1],
            after.get(code, (None, None))[1],
        )
        for code in sorted(set(before) | set(after))
    ]


def risk_movements(previous: Cycle, current: Cycle) -> list[Movement]:
    """Consensus scores (likelihood × impact) of catalogue risks in both cycles."""

    def scores(cycle: Cycle) -> dict[str, tuple[str, int | None]]:
        found = {}
        for assessed in cycle.assessed_risks.filter(risk__isnull=False).select_related("risk"):
            score = None
            if assessed.consensus_likelihood is not None:
                score = assessed.consensus_likelihood * assessed.consensus_impact
            found[assessed.risk.code] = (assessed.risk.title, score)
        return found

    before, after = scores(previous), scores(current)
    return movements(before, after)


def checklist_progress(previous: Cycle, current: Cycle) -> list[Movement]:
    """Each checklist item as points: no 0, partly 1, yes 2. An item set aside in a cycle is
    not counted in it (its answer, if any, waits stored)."""

    def points(cycle: Cycle) -> dict[str, tuple[str, int]]:
        return {
            answer.item.code: (answer.item.text, ANSWER_POINTS[answer.answer])
            for answer in answers_not_set_aside(cycle.compliance.select_related("item"))
        }

    before, after = points(previous), points(current)
    return movements(before, after)


def scorecard_by_principle(cycle: Cycle) -> dict[str, float]:
    """Mean score per principle code, for comparing years."""
    totals: dict[str, list[int]] = {}
    for score in cycle.scorecard.select_related("indicator__principle"):
        totals.setdefault(score.indicator.principle.code, []).append(score.score)
    return {code: sum(values) / len(values) for code, values in sorted(totals.items())}
