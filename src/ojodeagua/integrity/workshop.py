"""Workshop rules: women's and men's ratings apart, the heat map, the top three, completion;
and the workshop's writes shared by the pages and the API (a rating, the workshop's start)."""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.audit.models import AuditEvent
from ojodeagua.audit.trail import plain, record, save_audited, snapshot
from ojodeagua.indicators.months import add_months
from ojodeagua.lib.records import (
    RecordConflict,
    RecordIdUnavailable,
    differing_fields,
    new_record_id,
)
from ojodeagua.organisations.scope import scope_for
from ojodeagua.providers.models import Sex

from . import applicable
from .baseline import take_baseline
from .models import (
    AssessedRisk,
    CoachingAnswer,
    CoachingSession,
    ComplianceAnswer,
    Cycle,
    Participant,
    Rating,
    RatingTally,
    RoadmapChange,
    RoadmapItem,
    ScorecardScore,
)


def open_cycle(
    user,
    provider,
    *,
    catalogue,
    scale,
    record_id: str | None = None,
    context: str = "",
    workshop_on: datetime.date | None = None,
    **extra,
) -> Cycle:
    """A provider's next cycle (audited): its next number, and the baseline of today.

    ``extra``: other fields the API may send (a stage, a baseline kept elsewhere); a baseline
    not given is taken today, as the page takes it.
    """

    on = timezone.localdate()
    for attempt in range(3):
        try:
            with transaction.atomic():
                last = provider.integrity_cycles.order_by("-number").first()
                cycle = Cycle(
                    provider=provider,
                    number=(last.number + 1) if last else 1,
                    catalogue=catalogue,
                    scale=scale,
                    context=context,
                    workshop_on=workshop_on,
                    **extra,
                )
                if record_id:
                    cycle.record_id = record_id
                if not cycle.baseline:
                    cycle.baseline = take_baseline(provider, on)
                    cycle.baseline_taken_on = on
                cycle.full_clean(validate_unique=False, validate_constraints=False)
                return save_audited(user, cycle, cycle.save)
        except IntegrityError:
            # Someone opened a cycle for the same provider at the same moment: take the next.
            # A record id taken already is no race: the caller answers it.
            if attempt == 2 or (record_id and Cycle.objects.filter(record_id=record_id).exists()):
                raise
    raise AssertionError("unreachable")


def answer_checklist(
    user, cycle: Cycle, item, answer: str, evidence: str = ""
) -> tuple[ComplianceAnswer, bool]:
    """One answer per checklist item, (answer, created); audited.

    A second answer (or a replay) changes the stored one. The first answer of a cycle in
    preparation starts its workshop. Two phones answering the same item at once: the later
    answer is kept. The item must be one the cycle asks (``applicable``): for the provider's
    kind, and not set aside.
    """

    if item.version_id != cycle.catalogue_id:
        raise ValidationError({"item": _("Ese punto es de otra versión del catálogo.")})
    applicable.check_asked(cycle, item)
    for attempt in range(2):
        try:
            with transaction.atomic():
                stored = ComplianceAnswer.objects.filter(cycle=cycle, item=item).first()
                created = stored is None
                stored = stored or ComplianceAnswer(cycle=cycle, item=item)
                stored.answer, stored.evidence = answer, evidence
                stored.full_clean(validate_unique=False, validate_constraints=False)
                save_audited(user, stored, stored.save)
                mark_workshop_started(user, cycle)
                return stored, created
        except IntegrityError:
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def cycle_seen(user, cycle_id: int) -> bool:
    """Whether a record id stored in this cycle is the user's to resend (or to be told of)."""
    return scope_for(user).visible(Cycle.objects.filter(pk=cycle_id)).exists()


def add_participant(
    user, cycle: Cycle, *, record_id: str | None = None, **fields
) -> tuple[Participant, bool]:
    """A workshop participant, (participant, created); audited.

    The same ``record_id`` sent again (a retry, a double tap, a phone's outbox) returns the
    stored person; with other content, or from another cycle, it is a ``RecordConflict``
    naming the fields. The id of a person the user may not see is ``RecordIdUnavailable``,
    once the rest was found right.
    """

    scope_for(user).refuse_unseen_names(cycle.provider_id, name=fields.get("name", ""))
    person = Participant(cycle=cycle, **fields)
    taken_elsewhere = False
    if record_id:
        person.record_id = record_id
        stored = Participant.objects.filter(record_id=record_id).first()
        if stored is not None:
            taken_elsewhere = stored.cycle_id != cycle.pk and not cycle_seen(user, stored.cycle_id)
        if stored is not None and not taken_elsewhere:
            changed = differing_fields(stored, person, ["cycle", *fields])
            if changed:
                raise RecordConflict(record_id, changed)
            return stored, False
    person.full_clean(validate_unique=False, validate_constraints=False)
    if taken_elsewhere:
        raise RecordIdUnavailable(record_id)
    try:
        with transaction.atomic():
            save_audited(user, person, person.save)
    except IntegrityError:
        # The same person sent twice at once: the second is the first one's resend.
        if not record_id or not Participant.objects.filter(record_id=record_id).exists():
            raise
        return add_participant(user, cycle, record_id=record_id, **fields)
    return person, True


def score_indicator(
    user, cycle: Cycle, indicator, score: int, evidence: str = ""
) -> tuple[ScorecardScore, bool]:
    """One indicator of the yearly self-assessment, (score, created); audited.

    One score per indicator and cycle: scoring it again changes the stored score (nothing is
    written when nothing changed). The indicator must be of the cycle's catalogue and for the
    provider's kind.
    """

    if not indicator.applies_to(cycle.provider.kind):
        raise ValidationError(
            {
                "indicator": _("Ese indicador no es para %(kind)s.")
                % {"kind": cycle.provider.get_kind_display()}
            }
        )
    stored = ScorecardScore.objects.filter(cycle=cycle, indicator=indicator).first()
    created = stored is None
    stored = stored or ScorecardScore(cycle=cycle, indicator=indicator)
    if not created and stored.score == score and stored.evidence == evidence:
        return stored, False
    stored.score, stored.evidence = score, evidence
    stored.full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        save_audited(user, stored, stored.save)
    return stored, created


def answer_coaching(user, session, item: RoadmapItem, **answers) -> tuple[CoachingAnswer, bool]:
    """One road-map action's answers to the four guiding questions in one coaching session,
    (answer, created); audited. Answering the same action again in the session changes them.
    """

    stored = CoachingAnswer.objects.filter(session=session, item=item).first()
    created = stored is None
    stored = stored or CoachingAnswer(session=session, item=item)
    for name, value in answers.items():
        setattr(stored, name, value.strip() if isinstance(value, str) else value)
    stored.full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        save_audited(user, stored, stored.save)
    return stored, created


def mark_workshop_started(user, cycle: Cycle) -> None:
    """The first answer or rating means the workshop is under way; its date starts the clock
    of road-map completion at 6 and 12 months."""

    if cycle.stage != Cycle.Stage.PREPARATION:
        return
    cycle.stage = Cycle.Stage.WORKSHOP
    cycle.workshop_on = cycle.workshop_on or timezone.localdate()
    save_audited(user, cycle, cycle.save)


@transaction.atomic
def remove_participant(user, person: Participant) -> bool:
    """Take a person off the workshop's list (audited); whether it was done. Someone who has
    rated risks stays: their ratings count. So does the last woman (or man) a count needs:
    a count cannot hold more people of a sex than came."""

    if person.ratings.exists() or counted_in_tallies(person):
        return False
    record(user, AuditEvent.Action.DELETE, person, snapshot(person))
    person.delete()
    return True


def counted_in_tallies(person: Participant) -> bool:
    """Whether some count of the cycle needs every person of this sex now registered."""
    present = person.cycle.participants.filter(sex=person.sex).count()
    tallies = RatingTally.objects.filter(assessed_risk__cycle=person.cycle_id, sex=person.sex)
    same_sex = Q(assessed_risk__ratings__participant__sex=person.sex)
    for tally in tallies.annotate(one_by_one=Count("assessed_risk__ratings", filter=same_sex)):
        if tally.people + tally.one_by_one >= present:
            return True
    return False


@transaction.atomic
def add_people(
    user, cycle: Cycle, how_many: int, *, record_id: str, **fields
) -> tuple[list[Participant], int]:
    """Several unnamed people alike (eight women users, say), (people, how many were new).

    Each gets the form's record id with its number, so the same form sent again adds nobody.
    """

    people, created = [], 0
    for number in range(1, how_many + 1):
        person, new = add_participant(
            user, cycle, record_id=record_id if number == 1 else f"{record_id}.{number}", **fields
        )
        people.append(person)
        created += new
    return people, created


@transaction.atomic
def clear_rating(user, rating: Rating) -> None:
    """Take back one participant's rating of a risk (audited)."""

    record(user, AuditEvent.Action.DELETE, rating, snapshot(rating))
    rating.delete()


@transaction.atomic
def rate_risk(
    user, assessed: AssessedRisk, participant: Participant, likelihood: int, impact: int
) -> tuple[Rating, bool]:
    """One participant's rating of one risk, (rating, created); audited.

    Upsert by (risk, participant): sending the same pair again changes the rating instead of
    adding one. The first rating of a cycle in preparation starts its workshop.
    """

    rating = Rating.objects.filter(assessed_risk=assessed, participant=participant).first()
    created = rating is None
    rating = rating or Rating(assessed_risk=assessed, participant=participant)
    rating.likelihood, rating.impact = likelihood, impact
    rating.full_clean(validate_unique=False, validate_constraints=False)
    save_audited(user, rating, rating.save)
    mark_workshop_started(user, assessed.cycle)
    return rating, created


@transaction.atomic
def tally_risk(
    user,
    assessed: AssessedRisk,
    sex: str,
    likelihood_counts: dict[int, int],
    impact_counts: dict[int, int],
) -> tuple[RatingTally, bool]:
    """How many women (or men) chose each level of one risk, (tally, created); audited.

    Upsert by (risk, sex): the whole count is sent each time, so sending it again changes
    nothing and a later count replaces an earlier one. Levels nobody chose are not kept.
    """

    tally = RatingTally.objects.filter(assessed_risk=assessed, sex=sex).first()
    created = tally is None
    tally = tally or RatingTally(assessed_risk=assessed, sex=sex)
    tally.likelihood_counts = {str(level): n for level, n in sorted(likelihood_counts.items()) if n}
    tally.impact_counts = {str(level): n for level, n in sorted(impact_counts.items()) if n}
    tally.full_clean(validate_unique=False, validate_constraints=False)
    save_audited(user, tally, tally.save)
    if tally.people:
        mark_workshop_started(user, assessed.cycle)
    return tally, created


def band_of_score(scale, score: float) -> dict | None:
    """The band a (mean) score falls in. A mean can fall between two bands (5 on a 3 × 3
    scale whose bands stop at 4 and start at 6): it takes the nearer one, and the higher one
    when both are as near, so a worry is not played down."""
    if score is None or not scale.bands:
        return None

    def distance(band: dict) -> float:
        if band["min"] <= score <= band["max"]:
            return 0.0
        return min(abs(score - band["min"]), abs(score - band["max"]))

    return min(scale.bands, key=lambda band: (distance(band), -band["min"]))


@dataclass
class SexComparison:
    assessed_risk: AssessedRisk
    women_mean: float | None
    women_count: int
    men_mean: float | None
    men_count: int
    # The bands of the group's consensus and of each sex's mean, on the cycle's scale.
    group_band: dict | None = None
    women_band: dict | None = None
    men_band: dict | None = None

    @property
    def difference(self) -> float | None:
        if self.women_mean is None or self.men_mean is None:
            return None
        return self.women_mean - self.men_mean

    @property
    def group_far_from_women(self) -> bool:
        """The group's agreed band is not the band the women's own ratings fall in."""
        return _bands_differ(self.group_band, self.women_band)

    @property
    def group_far_from_men(self) -> bool:
        return _bands_differ(self.group_band, self.men_band)


def _bands_differ(group: dict | None, own: dict | None) -> bool:
    return group is not None and own is not None and group["code"] != own["code"]


def ratings_by_sex(cycle: Cycle) -> list[SexComparison]:
    """Mean score (likelihood × impact) given by women and by men to each risk.

    Kept apart because women are the main users of water and often have less voice in
    assemblies: their priorities must be visible even when the consensus differs.

    A person rated one by one gives her own score. A tally says how many chose each level but
    not who chose which pair, so its score is its mean likelihood × its mean impact, counted
    once for each person in it.
    """
    return ratings_by_sex_of([cycle])[cycle.pk]


def ratings_by_sex_of(cycles: list[Cycle]) -> dict[int, list[SexComparison]]:
    """``ratings_by_sex`` of many cycles in three queries (the agency's view of many
    committees); cycle id → its comparisons. Each cycle's scale is read from the cycle given,
    so select it with them."""
    by_id = {cycle.pk: cycle for cycle in cycles}
    ids = list(by_id)
    totals: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    risks: dict[int, dict[int, AssessedRisk]] = {pk: {} for pk in ids}
    for assessed in AssessedRisk.objects.filter(cycle_id__in=ids).select_related("risk"):
        # The cycle given, as ``cycle.assessed_risks`` would have set it: no query to reach it.
        assessed.cycle = by_id[assessed.cycle_id]
        risks[assessed.cycle_id][assessed.pk] = assessed
    for assessed_id, sex, likelihood, impact in AssessedRisk.objects.filter(
        cycle_id__in=ids, ratings__isnull=False
    ).values_list("pk", "ratings__participant__sex", "ratings__likelihood", "ratings__impact"):
        total = totals[assessed_id][sex]
        total[0] += likelihood * impact
        total[1] += 1
    for tally in RatingTally.objects.filter(assessed_risk__cycle_id__in=ids):
        likelihood, impact = level_mean(tally.likelihood_counts), level_mean(tally.impact_counts)
        if likelihood is None or impact is None:
            continue
        total = totals[tally.assessed_risk_id][tally.sex]
        total[0] += likelihood * impact * tally.people
        total[1] += tally.people

    def mean(total: list[float]) -> float | None:
        return total[0] / total[1] if total[1] else None

    def comparison(assessed: AssessedRisk, scale) -> SexComparison:
        women_total = totals[assessed.pk][Sex.FEMALE]
        men_total = totals[assessed.pk][Sex.MALE]
        women, men = mean(women_total), mean(men_total)
        agreed = assessed.consensus_likelihood is not None and assessed.consensus_impact
        return SexComparison(
            assessed,
            women,
            int(women_total[1]),
            men,
            int(men_total[1]),
            group_band=band_of_score(
                scale, assessed.consensus_likelihood * assessed.consensus_impact
            )
            if agreed
            else None,
            women_band=band_of_score(scale, women),
            men_band=band_of_score(scale, men),
        )

    return {
        cycle.pk: [comparison(assessed, cycle.scale) for assessed in risks[cycle.pk].values()]
        for cycle in cycles
    }


def level_mean(counts: dict[str, int]) -> float | None:
    people = sum(counts.values())
    if not people:
        return None
    return sum(int(level) * n for level, n in counts.items()) / people


def voices_apart(comparisons: list[SexComparison]) -> list[SexComparison]:
    """The risks where the group agreed a band other than the one the women's (or the men's)
    own ratings fall in: what the heat map, the board and the summary must say out loud."""
    return [c for c in comparisons if c.group_far_from_women or c.group_far_from_men]


def heat_map(cycle: Cycle) -> dict[tuple[int, int], list[AssessedRisk]]:
    """(likelihood, impact) → the risks the group placed there by consensus."""
    cells: dict[tuple[int, int], list[AssessedRisk]] = defaultdict(list)
    for assessed in cycle.assessed_risks.filter(consensus_likelihood__isnull=False):
        cells[(assessed.consensus_likelihood, assessed.consensus_impact)].append(assessed)
    return dict(cells)


@transaction.atomic
def choose_top_three(cycle: Cycle, ordered_ids: list[int]) -> None:
    """The group's key problems, in order; only risks it rated by consensus."""
    if not 1 <= len(ordered_ids) <= 3 or len(set(ordered_ids)) != len(ordered_ids):
        raise ValidationError(_("Elija entre uno y tres problemas distintos."))
    chosen = {a.pk: a for a in cycle.assessed_risks.filter(pk__in=ordered_ids)}
    if len(chosen) != len(ordered_ids):
        raise ValidationError(_("Solo se pueden elegir riesgos valorados en este taller."))
    if any(a.consensus_likelihood is None for a in chosen.values()):
        raise ValidationError(_("Primero acuerden la valoración de cada problema elegido."))
    cycle.assessed_risks.update(priority=None)
    for priority, pk in enumerate(ordered_ids, start=1):
        AssessedRisk.objects.filter(pk=pk).update(priority=priority)


def set_top_three(user, cycle: Cycle, ordered_ids: list[int]) -> None:
    """The group's key problems, in order (``choose_top_three``); each priority that moved
    is audited. Pages and the API choose them through here."""

    before = dict(cycle.assessed_risks.values_list("pk", "priority"))
    with transaction.atomic():
        choose_top_three(cycle, ordered_ids)
        for assessed in cycle.assessed_risks.all():
            if before.get(assessed.pk) != assessed.priority:
                record(
                    user,
                    AuditEvent.Action.UPDATE,
                    assessed,
                    {"priority": [before.get(assessed.pk), assessed.priority]},
                )


@dataclass
class Completion:
    months: int
    done: int
    planned: int

    @property
    def share(self) -> float | None:
        return self.done / self.planned if self.planned else None


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later; the 31st of a short month becomes its last day."""
    first = add_months(day.replace(day=1), months)
    return first.replace(day=min(day.day, calendar.monthrange(first.year, first.month)[1]))


def completion(cycle: Cycle, months: int) -> Completion | None:
    """Road-map actions done within ``months`` of the workshop ÷ actions planned.

    Dropped actions stay in the denominator: dropping an action is an honest change of
    plan, but it is not having done it. None before the workshop has a date.
    """
    if cycle.workshop_on is None:
        return None
    cutoff = months_after(cycle.workshop_on, months)
    items = RoadmapItem.objects.filter(assessed_risk__cycle=cycle)
    done = items.filter(status=RoadmapItem.Status.DONE, done_on__lte=cutoff).count()
    return Completion(months, done, items.count())


ADJUSTABLE = (
    "status",
    "action",
    "responsible",
    "deadline",
    "done_when",
    "tool",
    "done_on",
    "dropped_reason",
)


def check_tool(assessed: AssessedRisk, tool) -> None:
    """An action's tool comes from the catalogue version its cycle uses."""
    if tool is not None and tool.version_id != assessed.cycle.catalogue_id:
        raise ValidationError({"tool": _("Esa herramienta es de otra versión del catálogo.")})


# What makes a planned action the same action when it is sent again: the rest (its status,
# who does it and by when) moves on over its life through ``change_roadmap``.
PLAN_IDENTITY = ("assessed_risk", "action", "tool")


def plan_action(
    user, assessed: AssessedRisk, *, record_id: str | None = None, **fields
) -> tuple[RoadmapItem, bool]:
    """A road-map action for one of the group's key problems, (item, created); audited.

    The same ``record_id`` sent again returns the stored action; with another risk, action or
    tool it is a ``RecordConflict`` naming them. The id of an action of a cycle the user may
    not see is ``RecordIdUnavailable``, once the rest was found right. The tool must be of
    the cycle's catalogue.
    """

    item = RoadmapItem(assessed_risk=assessed, **fields)
    check_tool(assessed, fields.get("tool"))
    taken_elsewhere = False
    if record_id:
        item.record_id = record_id
        stored = (
            RoadmapItem.objects.filter(record_id=record_id)
            .select_related("assessed_risk__cycle")
            .first()
        )
        if stored is not None:
            elsewhere = stored.assessed_risk.cycle_id
            taken_elsewhere = elsewhere != assessed.cycle_id and not cycle_seen(user, elsewhere)
        if stored is not None and not taken_elsewhere:
            changed = differing_fields(stored, item, PLAN_IDENTITY)
            if changed:
                raise RecordConflict(record_id, changed)
            return stored, False
    item.full_clean(validate_unique=False, validate_constraints=False)
    if taken_elsewhere:
        raise RecordIdUnavailable(record_id)
    try:
        with transaction.atomic():
            save_audited(user, item, item.save)
    except IntegrityError:
        # The same form sent twice at once: the second is the first one's resend.
        if not record_id or not RoadmapItem.objects.filter(record_id=record_id).exists():
            raise
        return plan_action(user, assessed, record_id=record_id, **fields)
    return item, True


@transaction.atomic
def change_roadmap(item: RoadmapItem, user, reason: str, **new_values) -> RoadmapChange | None:
    """Change a road-map item's status or plan; the reason and the before → after are kept.

    The committee tells the users when the plan changes, so a change without a reason is
    refused. Nothing changes (and nothing is kept) when the values are the same.
    """

    unknown = set(new_values) - set(ADJUSTABLE)
    if unknown:
        raise ValueError(f"not adjustable: {sorted(unknown)}")
    if not reason.strip():
        raise ValidationError({"reason": _("Diga por qué cambia la hoja de ruta.")})
    if "tool" in new_values:
        check_tool(item.assessed_risk, new_values["tool"])
    changes = {}
    for name, value in new_values.items():
        before = getattr(item, name)
        if before != value:
            changes[name] = [plain(before), plain(value)]
            setattr(item, name, value)
    if not changes:
        return None
    item.full_clean()
    item.save()
    change = RoadmapChange.objects.create(
        item=item, changed_by=user, changes=changes, reason=reason
    )
    record(user, "update", item, {**changes, "reason": reason})
    return change


# A cycle after it is opened, the risks the group rates, coaching sessions -----------------------
FIXED_ONCE_RATED = ("catalogue", "scale", "provider")


@transaction.atomic
def edit_cycle(user, cycle: Cycle, *, retake_baseline: bool = False, **values) -> Cycle:
    """Change an open cycle (audited): its stage, workshop date, context or baseline.

    Once a risk is rated its catalogue and scale stay, and a cycle never moves to another
    committee. ``retake_baseline`` takes the baseline again with today's data.
    """

    stored = Cycle.objects.get(pk=cycle.pk)
    moved = [
        name
        for name in FIXED_ONCE_RATED
        if name in values and values[name] != getattr(stored, name)
    ]
    if moved and ("provider" in moved or stored.assessed_risks.exists()):
        raise ValidationError(
            {
                moved[0]: _(
                    "Ya hay riesgos valorados en este ciclo: el catálogo y la escala "
                    "ya no se cambian, y el ciclo no pasa a otro comité."
                )
            }
        )
    for name, value in values.items():
        setattr(cycle, name, value)
    if retake_baseline:
        on = timezone.localdate()
        cycle.baseline, cycle.baseline_taken_on = take_baseline(cycle.provider, on), on
    cycle.full_clean(validate_unique=False, validate_constraints=False)
    save_audited(user, cycle, cycle.save)
    return cycle


def check_risk_once(assessed: AssessedRisk) -> None:
    """A catalogue risk is assessed once per cycle."""
    if assessed.risk_id is None:
        return
    same = AssessedRisk.objects.filter(cycle_id=assessed.cycle_id, risk_id=assessed.risk_id)
    if same.exclude(pk=assessed.pk).exists():
        raise ValidationError({"risk": _("Ese riesgo ya está en la valoración de este ciclo.")})


CONSENSUS = ("consensus_likelihood", "consensus_impact")


@transaction.atomic
def add_risk(
    user, cycle: Cycle, *, record_id: str | None = None, **values
) -> tuple[AssessedRisk, bool]:
    """A risk the group assesses, (risk, created); audited: a catalogue risk (``risk``) or
    the group's own (``own_title``), with its consensus rating if one is given.

    The same ``record_id`` sent again returns the stored risk; from another cycle it is a
    ``RecordConflict``. A consensus rating starts the workshop of a cycle in preparation. A
    catalogue risk must be one the cycle asks (``applicable``).
    """

    taken_elsewhere = False
    if record_id:
        stored = AssessedRisk.objects.filter(record_id=record_id).first()
        if stored is not None:
            taken_elsewhere = stored.cycle_id != cycle.pk and not cycle_seen(user, stored.cycle_id)
        if stored is not None and not taken_elsewhere:
            if stored.cycle_id != cycle.pk:
                raise RecordConflict(record_id)
            return stored, False
    assessed = AssessedRisk(cycle=cycle, **values)
    if record_id:
        assessed.record_id = record_id
    if assessed.risk is not None:
        applicable.check_asked(cycle, assessed.risk)
    check_risk_once(assessed)
    assessed.full_clean(validate_unique=False, validate_constraints=False)
    if taken_elsewhere:
        raise RecordIdUnavailable(record_id)
    try:
        with transaction.atomic():
            save_audited(user, assessed, assessed.save)
    except IntegrityError:
        # The same form sent twice at once: the second is the first one's resend.
        if not record_id or not cycle.assessed_risks.filter(record_id=record_id).exists():
            raise
        return cycle.assessed_risks.get(record_id=record_id), False
    if assessed.consensus_likelihood is not None:
        mark_workshop_started(user, cycle)
    return assessed, True


@transaction.atomic
def change_assessed_risk(user, assessed: AssessedRisk, **values) -> AssessedRisk:
    """Change a risk of the workshop (audited), most often the group's consensus rating.

    A risk among the three key problems keeps its rating: it leaves the top three first.
    Rating by consensus starts the workshop of a cycle in preparation.
    """

    clears = any(name in values and values[name] is None for name in CONSENSUS)
    if clears and assessed.priority is not None:
        raise ValidationError(
            _(
                "Este riesgo está entre los tres problemas clave; quítelo de "
                "ahí antes de borrar la valoración del grupo."
            )
        )
    for name, value in values.items():
        setattr(assessed, name, value)
    check_risk_once(assessed)
    assessed.full_clean(validate_unique=False, validate_constraints=False)
    save_audited(user, assessed, assessed.save)
    if any(name in values for name in CONSENSUS):
        mark_workshop_started(user, assessed.cycle)
    return assessed


def hold_coaching_session(
    user,
    cycle: Cycle,
    *,
    held_on: datetime.date,
    attendees: str = "",
    notes: str = "",
    record_id: str | None = None,
) -> tuple[CoachingSession, bool]:
    """A coaching session of the cycle, (session, created); audited. Its answers follow
    through ``answer_coaching``. The same ``record_id`` sent again returns the stored
    session; from another cycle it is a ``RecordConflict``, or ``RecordIdUnavailable`` once
    the rest was found right when the user may not see that cycle."""

    taken_elsewhere = False
    if record_id:
        stored = CoachingSession.objects.filter(record_id=record_id).first()
        if stored is not None:
            taken_elsewhere = stored.cycle_id != cycle.pk and not cycle_seen(user, stored.cycle_id)
        if stored is not None and not taken_elsewhere:
            if stored.cycle_id != cycle.pk:
                raise RecordConflict(record_id)
            return stored, False
    session = CoachingSession(
        cycle=cycle,
        held_on=held_on,
        attendees=attendees.strip(),
        notes=notes.strip(),
        record_id=record_id or new_record_id(),
    )
    session.full_clean(exclude=["record_id"] if taken_elsewhere else None)
    if taken_elsewhere:
        raise RecordIdUnavailable(record_id)
    with transaction.atomic():
        save_audited(user, session, session.save)
    return session, True


def correct_coaching_session(user, session: CoachingSession, **values) -> CoachingSession:
    """Correct what a session says (date, who came, notes); audited. Who came is changed
    only by those who read it (``Scope.refuse_unseen_names``)."""
    scope_for(user).refuse_unseen_names(
        session.cycle.provider_id, attendees=values.get("attendees", "")
    )

    for name, value in values.items():
        setattr(session, name, value.strip() if isinstance(value, str) else value)
    session.full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        save_audited(user, session, session.save)
    return session
