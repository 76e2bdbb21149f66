"""Printable PDFs of a cycle: risk cards, planning board, road map, one-page summary."""

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.lib.pdf import render_pdf
from ojodeagua.organisations.scope import get_visible_or_404
from ojodeagua.providers.models import Sex

from . import applicable, red_flags, workshop
from .models import AssessedRisk, ComplianceAnswer, Cycle, Participant, Risk
from .models import RoadmapItem as Item

OPEN_STATUSES = {Item.Status.PENDING, Item.Status.IN_PROGRESS}
# The summary must stay one page: longer lists end with "and N more".
SUMMARY_LIST_LIMIT = 8
SHORT_LIST = 3


@dataclass
class Card:
    """One risk as printed on a card: from the workshop, or from the catalogue beforehand."""

    code: str
    title: str
    process: str = ""
    type: str = ""
    driver: str = ""
    red_flags: list[str] = field(default_factory=list)
    band: dict | None = None
    likelihood: str = ""
    impact: str = ""
    priority: int | None = None
    own: bool = False


@dataclass
class PlanItem:
    """An action as printed: its status shows with the icon that tells it apart in black and
    white (``action_status``), and whether it is overdue."""

    item: Item
    overdue: bool


@dataclass
class KeyProblem:
    """One of the group's three key problems (or an empty slot to fill in by hand)."""

    priority: int
    assessed: AssessedRisk | None = None
    code: str = ""
    band: dict | None = None
    tools: list = field(default_factory=list)
    items: list[PlanItem] = field(default_factory=list)
    # The women's and the men's own ratings, when the group agreed another band.
    voices: "workshop.SexComparison | None" = None


def risk_codes(assessed_risks) -> dict[int, str]:
    """The catalogue code of each assessed risk, or P1, P2… for the group's own risks."""
    codes = {}
    own = 0
    for assessed in sorted(assessed_risks, key=lambda a: a.pk):
        if assessed.risk_id:
            codes[assessed.pk] = assessed.risk.code
        else:
            own += 1
            # The same label the workshop pages give the group's own risks.
            codes[assessed.pk] = _("P%(number)s") % {"number": own}
    return codes


def _assessed(cycle: Cycle) -> list[AssessedRisk]:
    # Catalogue risks by code, then the group's own in the order they were added; explicit
    # because SQLite and PostgreSQL sort empty priorities and codes differently.
    return list(
        cycle.assessed_risks.select_related("risk__process", "cycle__scale").order_by(
            F("risk__code").asc(nulls_last=True), "pk"
        )
    )


def _level(levels: list[dict], value: int | None) -> str:
    return next((f"{lv['label']} ({value})" for lv in levels if lv["value"] == value), "")


def cards_context(cycle: Cycle, today: datetime.date) -> dict:
    """One card per risk rated in the workshop; before any is added, the catalogue's risks,
    so the facilitator can print the cards to run the rating on paper."""
    scale = cycle.scale
    assessed = _assessed(cycle)
    cards = []
    if assessed:
        codes = risk_codes(assessed)
        for a in assessed:
            risk = a.risk
            cards.append(
                Card(
                    code=codes[a.pk],
                    title=a.title,
                    process=risk.process.name if risk else "",
                    type=risk.get_type_display() if risk else "",
                    driver=risk.get_driver_display() if risk else "",
                    red_flags=list(risk.red_flags) if risk else [],
                    band=a.consensus_band(),
                    likelihood=_level(scale.likelihood, a.consensus_likelihood),
                    impact=_level(scale.impact, a.consensus_impact),
                    priority=a.priority,
                    own=risk is None,
                )
            )
    else:
        for risk in applicable.risks_for(cycle):
            cards.append(
                Card(
                    code=risk.code,
                    title=risk.title,
                    process=risk.process.name,
                    type=risk.get_type_display(),
                    driver=risk.get_driver_display(),
                    red_flags=list(risk.red_flags),
                )
            )
    return {
        "cards": cards,
        "scale": scale,
        "note_lines": range(4),
        "risk_types": Risk.Type.choices,
        "risk_drivers": Risk.Driver.choices,
    }


def key_problems(cycle: Cycle, today: datetime.date) -> list[KeyProblem]:
    """Priorities 1 to 3 with their band, chosen tools and road map; empty slots stay, so a
    board printed before the choice can be filled in by hand."""
    assessed = _assessed(cycle)
    codes = risk_codes(assessed)
    chosen = {a.priority: a for a in assessed if a.priority}
    items = (
        Item.objects.filter(assessed_risk__cycle=cycle)
        .select_related("tool")
        .order_by("deadline", "pk")
    )
    by_risk: dict[int, list[Item]] = {}
    for item in items:
        by_risk.setdefault(item.assessed_risk_id, []).append(item)
    apart = {c.assessed_risk.pk: c for c in workshop.voices_apart(workshop.ratings_by_sex(cycle))}
    problems = []
    for priority in (1, 2, 3):
        a = chosen.get(priority)
        if a is None:
            problems.append(KeyProblem(priority))
            continue
        own_items = by_risk.get(a.pk, [])
        tools = {item.tool.pk: item.tool for item in own_items if item.tool_id}
        problems.append(
            KeyProblem(
                priority,
                a,
                codes[a.pk],
                a.consensus_band(),
                sorted(tools.values(), key=lambda t: t.name),
                [
                    PlanItem(item, item.status in OPEN_STATUSES and item.deadline < today)
                    for item in own_items
                ],
                apart.get(a.pk),
            )
        )
    return problems


# The board's type sizes, largest first (classes in print.css). A poster is read from across
# the room, but it must stay one sheet: more actions per key problem take smaller type.
BOARD_SIZES = ("", "dense", "denser")


def board_size(problems: list[KeyProblem]) -> str:
    """The type size for the board's longest column: large up to two actions, smaller for
    three, smallest for four or more (the PDF checks that it fits and goes smaller if not)."""
    most = max((len(p.items) for p in problems), default=0)
    return BOARD_SIZES[min(max(most - 2, 0), len(BOARD_SIZES) - 1)]


def smaller_boards(context: dict) -> list[dict]:
    """The sizes below the board's own, to try in turn while its PDF takes more than a page."""
    return [{"size": size} for size in BOARD_SIZES[BOARD_SIZES.index(context["size"]) + 1 :]]


def board_context(cycle: Cycle, today: datetime.date) -> dict:
    problems = key_problems(cycle, today)
    return {
        "problems": problems,
        "chosen": any(p.assessed for p in problems),
        "blank_items": range(4),
        "size": board_size(problems),
    }


def roadmap_context(cycle: Cycle, today: datetime.date) -> dict:
    problems = [p for p in key_problems(cycle, today) if p.assessed]
    entries = [entry for p in problems for entry in p.items]
    counts = Counter(entry.item.status for entry in entries)
    return {
        "problems": problems,
        "total": len(entries),
        "status_counts": [(status, counts[status]) for status in Item.Status.values],
        "overdue": sum(entry.overdue for entry in entries),
    }


def months_since(start: datetime.date, today: datetime.date) -> int:
    """The fewest whole months after ``start`` that reach ``today``: completion counted over
    them takes in every action done so far."""
    months = max(0, (today.year - start.year) * 12 + today.month - start.month)
    if workshop.months_after(start, months) < today:
        months += 1
    return months


def _percent(completion: workshop.Completion | None) -> int | None:
    if completion is None or completion.share is None:
        return None
    return round(completion.share * 100)


def summary_context(cycle: Cycle, today: datetime.date) -> dict:
    assessed = _assessed(cycle)
    codes = risk_codes(assessed)
    scale = cycle.scale

    # Participants: counts by role and sex only; names never reach a printable.
    tally = Counter(cycle.participants.values_list("role", "sex"))
    sexes = Sex.choices
    participants = [
        (
            label,
            [tally[(role, sex)] for sex, _label in sexes],
            sum(tally[(role, s)] for s, _ in sexes),
        )
        for role, label in Participant.Role.choices
    ]
    participant_totals = [
        sum(tally[(r, sex)] for r, _ in Participant.Role.choices) for sex, _ in sexes
    ]

    asked = applicable.workshop_entries(cycle)
    answers = asked.counted_answers(cycle.compliance.select_related("item").order_by("item__code"))
    answer_counts = Counter(a.answer for a in answers)
    checklist_size = len(asked.checklist)
    missing = [a.item for a in answers if a.answer == ComplianceAnswer.Answer.NO]

    placed = workshop.heat_map(cycle)
    heat_rows = []
    for likelihood in sorted(scale.likelihood, key=lambda lv: -lv["value"]):
        cells = []
        for impact in scale.impact:
            band = scale.band(likelihood["value"], impact["value"])
            risks = placed.get((likelihood["value"], impact["value"]), [])
            cells.append({"band": band, "codes": sorted(codes[r.pk] for r in risks)})
        heat_rows.append((likelihood, cells))

    top = [a for a in assessed if a.priority]
    top.sort(key=lambda a: a.priority)
    comparisons = [
        c
        for c in workshop.ratings_by_sex(cycle)
        if (c.women_count or c.men_count) and c.assessed_risk.pk in codes
    ]
    apart = sorted(
        ((codes[c.assessed_risk.pk], c) for c in workshop.voices_apart(comparisons)),
        key=lambda row: row[0],
    )

    so_far = headline = None
    if cycle.workshop_on:
        so_far = workshop.completion(cycle, months_since(cycle.workshop_on, today))
        headline = []
        for months in (6, 12):
            if workshop.months_after(cycle.workshop_on, months) <= today:
                figure = workshop.completion(cycle, months)
                headline.append((months, figure, _percent(figure)))

    catalogue_risks = [a.risk for a in assessed if a.risk_id] or asked.risks
    fired: dict[str, dict] = {}
    for risk_pk, flags in red_flags.flags_for(cycle.provider, catalogue_risks, today).items():
        code = next(r.code for r in catalogue_risks if r.pk == risk_pk)
        for flag in flags:
            if flag.finding.fired:
                entry = fired.setdefault(
                    flag.check_code,
                    {"label": flag.label, "detail": flag.finding.detail, "risks": []},
                )
                entry["risks"].append(code)

    return {
        "sexes": sexes,
        "participants": participants,
        "participant_totals": participant_totals,
        "participant_total": sum(participant_totals),
        "compliance": {
            "yes": answer_counts[ComplianceAnswer.Answer.YES],
            "partly": answer_counts[ComplianceAnswer.Answer.PARTLY],
            "no": answer_counts[ComplianceAnswer.Answer.NO],
            "unanswered": max(0, checklist_size - len(answers)),
            "missing": missing[:SUMMARY_LIST_LIMIT],
            "missing_more": max(0, len(missing) - SUMMARY_LIST_LIMIT),
        },
        # What the facilitator set aside, with the reason: the summary says why it is not asked.
        "set_aside": asked.set_aside[:SUMMARY_LIST_LIMIT],
        "set_aside_more": max(0, len(asked.set_aside) - SUMMARY_LIST_LIMIT),
        "scale": scale,
        "heat_rows": heat_rows,
        "own_in_map": any(not a.risk_id and a.consensus_likelihood for a in assessed),
        "top": [(a, codes[a.pk], a.consensus_band()) for a in top],
        "by_sex": bool(comparisons),
        # Three at most: the summary is one page; the heat map lists them all.
        "apart": apart[:3],
        "apart_more": max(0, len(apart) - 3),
        "apart_codes": [code for code, _c in apart],
        "so_far": so_far,
        "so_far_percent": _percent(so_far),
        "headline": headline,
        "flags": list(fired.values()),
    }


def crowded_summaries(context: dict) -> list[dict]:
    """What a summary drops, in turn, while it takes more than a page: first the risks where
    women and men rated apart go in one line, then the unmet rules list fewer by name, then
    the entries set aside."""
    tries = []
    if context["apart"]:
        tries.append({"apart_compact": True})
    compliance = context["compliance"]
    missing = compliance["missing"]
    if len(missing) > SHORT_LIST:
        shorter = {
            **compliance,
            "missing": missing[:SHORT_LIST],
            "missing_more": compliance["missing_more"] + len(missing) - SHORT_LIST,
        }
        tries.append({**(tries[-1] if tries else {}), "compliance": shorter})
    set_aside = context.get("set_aside", [])
    if len(set_aside) > SHORT_LIST:
        tries.append(
            {
                **(tries[-1] if tries else {}),
                "set_aside": set_aside[:SHORT_LIST],
                "set_aside_more": context["set_aside_more"] + len(set_aside) - SHORT_LIST,
            }
        )
    return tries


@dataclass
class Printable:
    template: str
    # The first words of the downloaded file's name, before the committee and cycle.
    file_stem: object
    build: Callable[[Cycle, datetime.date], dict]
    # For a printable that must stay one page: the context changes to try while it does not.
    one_page_tries: Callable[[dict], list[dict]] | None = None


PRINTABLES = {
    "cards": Printable(
        "integrity/print/cards.html", gettext_lazy("tarjetas-de-riesgo"), cards_context
    ),
    "board": Printable(
        "integrity/print/board.html", gettext_lazy("tablero"), board_context, smaller_boards
    ),
    "roadmap": Printable(
        "integrity/print/roadmap.html", gettext_lazy("hoja-de-ruta"), roadmap_context
    ),
    "summary": Printable(
        "integrity/print/summary.html",
        gettext_lazy("resumen"),
        summary_context,
        crowded_summaries,
    ),
}


def printable_view(kind: str, as_pdf: bool) -> Callable[[HttpRequest, int], HttpResponse]:
    """The PDF download or the HTML print page of one printable: the same template for both."""
    printable = PRINTABLES[kind]

    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        cycle = get_visible_or_404(request.user, Cycle, pk)
        today = timezone.localdate()
        context = {
            "cycle": cycle,
            "provider": cycle.provider,
            "today": today,
            "kind": kind,
            "pdf_url": reverse(f"integrity:{kind}_pdf", args=[cycle.pk]),
            **printable.build(cycle, today),
        }
        if as_pdf:
            filename = _("%(stem)s-%(provider)s-ciclo-%(number)s") % {
                "stem": printable.file_stem,
                "provider": cycle.provider.name,
                "number": cycle.number,
            }
            tries = printable.one_page_tries(context) if printable.one_page_tries else ()
            return render_pdf(request, printable.template, context, filename, tries)
        return render(request, printable.template, context)

    view.__name__ = f"{kind}_{'pdf' if as_pdf else 'print'}"
    view.__doc__ = printable_view.__doc__
    return view


SLUGS = {
    "cards": "tarjetas",
    "board": "tablero",
    "roadmap": "hoja-de-ruta",
    "summary": "resumen",
}
urlpatterns = [
    route
    for kind, slug in SLUGS.items()
    for route in (
        path(
            f"ciclos/<int:pk>/imprimir/{slug}.pdf", printable_view(kind, True), name=f"{kind}_pdf"
        ),
        path(
            f"ciclos/<int:pk>/imprimir/{slug}/", printable_view(kind, False), name=f"{kind}_print"
        ),
    )
]
