"""Women's and men's voices side by side: the one reader of every by-sex figure of the
committee's register and workshop, and of the agency's list of committees to look at.

- ``complaints_by_sex``: the register's complaints by who filed them (the register page);
- ``priorities_by_sex``: the women's and the men's top three risks beside the group's key
  problems (the workshop's top-three page);
- ``agency_voices``: the committees where women's complaints wait longer, or where the women's
  priorities were left out of the group's top three (the agency page), for any number of
  committees in a fixed number of queries.

Every figure is for the day ``on`` it is given, so the same numbers come out whatever today is.
The household surveys' answers by sex are read by ``monitoring.selectors.answers_by_sex`` and an
assembly's attendance is kept on ``books.AssemblyReport``: those pages sit below integrity in
the layers (pyproject.toml) and may not import this module.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ojodeagua.pages.by_sex import BySexTable, Cell, Row
from ojodeagua.providers.models import Provider, Sex

from . import agency
from .models import AssessedRisk, Complaint, Cycle
from .register import register_figures
from .workshop import SexComparison, ratings_by_sex, ratings_by_sex_of

# The sexes a complaint or a participant can say, in the table's order (women | men | not said).
SEXES = (Sex.FEMALE, Sex.MALE, Sex.UNSTATED)

# The toolbox's "three key problems": how many of each side's risks make its top three.
TOP = 3

# The least number of women's complaints, and of men's, for a committee's medians to be
# compared. One complaint a side is one person's case, not a pattern; with two a side the
# median is already the middle of more than one wait. A committee with fewer on either side
# is not flagged, whatever its figures.
MIN_COMPLAINTS_EACH_SIDE = 2


# --- Complaints ----------------------------------------------------------------------------


def days_waited(
    received_on: datetime.date, answered_on: datetime.date | None, on: datetime.date
) -> int:
    """Days from receiving a complaint to answering it; for one not answered by ``on`` (no
    answer yet, or an answer dated after ``on``), the days it had waited on ``on``."""
    if answered_on is not None and answered_on <= on:
        return (answered_on - received_on).days
    return (on - received_on).days


def median_days(days: list[int]) -> float | None:
    """The middle wait (the mean of the two middle ones for an even count); None for none."""
    return statistics.median(days) if days else None


def complaints_by_sex(complaints, on: datetime.date) -> BySexTable:
    """The register's figures (``register.register_figures``: received, resolved, overdue)
    for the complaints women, men and those who preferred not to say filed by ``on``, and
    the median days each waited (``days_waited``); one query. ``complaints`` is the register
    as the page filtered it."""
    filed: dict[str, list[Complaint]] = defaultdict(list)
    for complaint in complaints.filter(received_on__lte=on):
        filed[complaint.reporter_sex].append(complaint)
    figures = {sex: register_figures(filed[sex], on) for sex in SEXES}
    waits = {
        sex: median_days([days_waited(c.received_on, c.answered_on, on) for c in filed[sex]])
        for sex in SEXES
    }

    def row(label: str, value, of: bool = False) -> Row:
        # Where nobody of a side complained there is nothing to count: "—", not a zero.
        return Row(
            label,
            *(
                Cell(value(sex), figures[sex].received if of else None)
                if figures[sex].received
                else Cell(None)
                for sex in SEXES
            ),
        )

    return BySexTable(
        caption=_("Quejas según quién las presentó"),
        key="complaints",
        rows=[
            Row(_("Quejas recibidas"), *(Cell(figures[sex].received) for sex in SEXES)),
            row(_("Resueltas"), lambda sex: figures[sex].resolved, of=True),
            row(
                _("Sin respuesta después de la fecha prometida"),
                lambda sex: figures[sex].overdue,
                of=True,
            ),
            row(_("Días de espera (mediana)"), lambda sex: waits[sex]),
        ],
        with_sex=sum(figures[sex].received for sex in SEXES),
        without_sex=len(filed[""]),
        note=_(
            "Días de espera: de recibir la queja a responderla; la que todavía no tiene "
            "respuesta cuenta los días que lleva esperando hasta hoy. La mediana es la espera "
            "de en medio: la mitad esperó eso o menos."
        ),
    )


@dataclass
class WaitGap:
    """A committee whose women's complaints waited longer than its men's (the median days)."""

    provider: Provider
    women_median: float
    women: int
    men_median: float
    men: int

    @property
    def days_longer(self) -> float:
        return self.women_median - self.men_median


def women_wait_longer(providers, on: datetime.date) -> list[WaitGap]:
    """The committees where women's complaints wait longer, in two queries.

    The rule, per committee: take the complaints received on or before ``on`` that a woman
    filed and those a man filed (complaints whose filer preferred not to say, or was never
    asked, are left out). Each waited ``days_waited``: to its answer, or, unanswered by
    ``on``, until ``on``. The committee is listed when it has at least
    ``MIN_COMPLAINTS_EACH_SIDE`` complaints of each side and the median of the women's waits
    is longer (strictly) than the median of the men's. Longest gap first, then by name.
    """
    chosen = {p.pk: p for p in agency.committees(providers)}
    waits: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    rows = Complaint.objects.filter(
        provider_id__in=list(chosen),
        received_on__lte=on,
        reporter_sex__in=(Sex.FEMALE, Sex.MALE),
    ).values_list("provider_id", "reporter_sex", "received_on", "answered_on")
    for provider_id, sex, received_on, answered_on in rows:
        waits[provider_id][sex].append(days_waited(received_on, answered_on, on))
    gaps = []
    for provider_id, by_sex in waits.items():
        women, men = by_sex[Sex.FEMALE], by_sex[Sex.MALE]
        if len(women) < MIN_COMPLAINTS_EACH_SIDE or len(men) < MIN_COMPLAINTS_EACH_SIDE:
            continue
        women_median, men_median = median_days(women), median_days(men)
        if women_median > men_median:
            gaps.append(
                WaitGap(chosen[provider_id], women_median, len(women), men_median, len(men))
            )
    return sorted(gaps, key=lambda g: (-g.days_longer, g.provider.name, g.provider.pk))


# --- The workshop's priorities -------------------------------------------------------------


def top_three_of(comparisons: list[SexComparison], sex: str) -> list[SexComparison]:
    """The risks the women (``Sex.FEMALE``) or the men rated highest: ordered by that side's
    mean likelihood × impact (``workshop.ratings_by_sex``, the heat map's figure), highest
    first, among the risks that side rated; the first ``TOP``. A tie goes first to a risk
    the group chose, in the group's order, then to the risk added first: a tie alone never
    puts a risk the group chose below one it did not."""

    def mean(c: SexComparison) -> float | None:
        return c.women_mean if sex == Sex.FEMALE else c.men_mean

    rated = [c for c in comparisons if mean(c) is not None]
    rated.sort(
        key=lambda c: (
            # Rounded: a count's mean × mean may differ from an equal score in the last bit.
            -round(mean(c), 9),
            c.assessed_risk.priority is None,
            c.assessed_risk.priority or 0,
            c.assessed_risk.pk,
        )
    )
    return rated[:TOP]


@dataclass
class Priorities:
    """A workshop's top three for the women, for the men, and the group's key problems."""

    cycle: Cycle
    women: list[SexComparison]
    men: list[SexComparison]
    chosen: list[AssessedRisk] = field(default_factory=list)

    def _left_out(self, top: list[SexComparison]) -> list[SexComparison]:
        if not self.chosen:
            return []  # the group has not chosen yet: nothing was left out
        chosen = {a.pk for a in self.chosen}
        return [c for c in top if c.assessed_risk.pk not in chosen]

    @property
    def women_left_out(self) -> list[SexComparison]:
        """The women's top three that are not among the group's key problems."""
        return self._left_out(self.women)

    @property
    def women_first_left_out(self) -> bool:
        """The risk the women rated highest is not among the group's key problems."""
        left_out = self._left_out(self.women[:1])
        return bool(left_out)

    @property
    def men_left_out(self) -> list[SexComparison]:
        return self._left_out(self.men)

    @property
    def places(self) -> list[tuple[int, SexComparison | None, SexComparison | None, object]]:
        """(place, women's, men's, group's) for places 1 to 3, for a table side by side."""

        def at(items: list, index: int):
            return items[index] if index < len(items) else None

        return [(n + 1, at(self.women, n), at(self.men, n), at(self.chosen, n)) for n in range(TOP)]


def priorities_from(cycle: Cycle, comparisons: list[SexComparison]) -> Priorities:
    """The rule of ``top_three_of`` for both sides; the group's key problems are the risks it
    chose (``workshop.set_top_three`` gives them their ``priority``), in its order."""
    chosen = sorted(
        (c.assessed_risk for c in comparisons if c.assessed_risk.priority is not None),
        key=lambda a: a.priority,
    )
    return Priorities(
        cycle, top_three_of(comparisons, Sex.FEMALE), top_three_of(comparisons, Sex.MALE), chosen
    )


def priorities_by_sex(cycle: Cycle) -> Priorities:
    """The workshop's page: ``priorities_from`` one cycle."""
    return priorities_from(cycle, ratings_by_sex(cycle))


def women_priorities_left_out(providers, on: datetime.date) -> list[Priorities]:
    """The committees whose women's top three hold a risk the group left out of its key
    problems, in five queries whatever the number of committees.

    The rule, per committee: its latest workshop is its latest cycle with a risk rated by
    consensus by ``on`` (``agency.latest_assessed_cycles``, as the agency's risk figures
    read it). The group has chosen at least one key problem, and the risk the women rated
    highest (the first of ``top_three_of``) is not among them. Our choice: flagging any of the
    women's three flagged 11 of the demo's 12 committees, since a room's ratings rarely agree
    place for place; the women's first priority left out is the one an agency must ask about.
    The page still shows the three side by side. By committee name.
    """
    latest = agency.latest_assessed_cycles(agency.committees(providers), on)
    cycles = list(Cycle.objects.filter(pk__in=latest.values()).select_related("provider", "scale"))
    comparisons = ratings_by_sex_of(cycles)
    found = [priorities_from(cycle, comparisons[cycle.pk]) for cycle in cycles]
    flagged = [p for p in found if p.women_first_left_out]
    return sorted(flagged, key=lambda p: (p.cycle.provider.name, p.cycle.provider.pk))


@dataclass
class AgencyVoices:
    on: datetime.date
    wait_longer: list[WaitGap]
    left_out: list[Priorities]
    # Said on the page with the rule.
    least_each_side: int = MIN_COMPLAINTS_EACH_SIDE


def agency_voices(providers, on: datetime.date) -> AgencyVoices:
    """What the agency page's "Voz de las mujeres" section shows."""
    return AgencyVoices(
        on, women_wait_longer(providers, on), women_priorities_left_out(providers, on)
    )
