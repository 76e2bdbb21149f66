"""Follow-up pages: road-map status and changes, coaching, evidence, scorecard, complaints."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ojodeagua.lib.forms import add_errors
from ojodeagua.lib.records import RecordConflict
from ojodeagua.lib.tabular import csv_response
from ojodeagua.lib.uploads import EVIDENCE_KINDS, evidence_extension
from ojodeagua.organisations.scope import get_editable_or_404, get_visible_or_404, scope_for
from ojodeagua.providers.models import Provider

from . import applicable, coaching, evidence, reassessment, register, voices, workshop
from .followup_forms import (
    QUESTIONS,
    AttachmentForm,
    CoachingSessionForm,
    CoachingStepForm,
    ComplaintFilter,
    ComplaintForm,
    ComplaintMoveForm,
    ComplaintReviewForm,
    RoadmapChangeForm,
    ScorecardForm,
    question_label,
)
from .models import (
    AssessedRisk,
    Attachment,
    CoachingAnswer,
    CoachingSession,
    Complaint,
    ComplianceAnswer,
    Cycle,
    RoadmapChange,
    RoadmapItem,
    ScorecardIndicator,
)

Status = RoadmapItem.Status


# Scope ------------------------------------------------------------------------------------------
def visible_cycles(request: HttpRequest):
    return scope_for(request.user).visible(Cycle.objects.all())


def cycle_for(request: HttpRequest, pk: int, *, edit: bool = False) -> Cycle:
    """The cycle if the user may see it (404 otherwise); 403 when editing a read-only one."""
    getter = get_editable_or_404 if edit else get_visible_or_404
    return getter(request.user, Cycle, pk)


def require_edit(request: HttpRequest, cycle: Cycle) -> None:
    if not scope_for(request.user).can_edit(cycle):
        raise PermissionDenied


def item_for(request: HttpRequest, pk: int, *, edit: bool = False) -> RoadmapItem:
    item = get_object_or_404(
        RoadmapItem.objects.select_related(
            "tool", "assessed_risk__risk", "assessed_risk__cycle__provider"
        ).filter(assessed_risk__cycle__in=visible_cycles(request)),
        pk=pk,
    )
    if edit:
        require_edit(request, item.assessed_risk.cycle)
    return item


def hub_url(cycle: Cycle) -> str:
    """The cycle's hub; the road map stands in while the hub page is not there."""
    try:
        return reverse("integrity:cycle_detail", args=[cycle.pk])
    except NoReverseMatch:
        return reverse("integrity:roadmap", args=[cycle.pk])


def cycle_context(request: HttpRequest, cycle: Cycle, **extra) -> dict:
    return {
        "cycle": cycle,
        "hub_url": hub_url(cycle),
        "can_edit": scope_for(request.user).can_edit(cycle),
        **extra,
    }


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)} %"


def short_date(day: datetime.date | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT") if day else "—"


# Road map ---------------------------------------------------------------------------------------
def in_words(name: str, value) -> str:
    """A value kept in a change's history, as the page says it."""
    if value in (None, ""):
        return "—"
    if name == "status" and value in Status.values:
        return str(Status(value).label)
    if name in {"deadline", "done_on"}:
        try:
            return short_date(datetime.date.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    return str(value)


@dataclass
class ChangeLine:
    label: str
    before: str
    after: str


def change_lines(change: RoadmapChange) -> list[ChangeLine]:
    lines = []
    for name, (before, after) in change.changes.items():
        label = capfirst(RoadmapItem._meta.get_field(name).verbose_name)
        lines.append(ChangeLine(label, in_words(name, before), in_words(name, after)))
    return lines


def person(user) -> str:
    if user is None:
        return _("alguien que ya no tiene cuenta")
    return user.get_full_name() or user.username


@dataclass
class ItemRow:
    item: RoadmapItem
    overdue: bool
    history: list[tuple[RoadmapChange, str, list[ChangeLine]]]
    upload_url: str = ""


@dataclass
class RiskRoadmap:
    assessed: AssessedRisk
    rows: list[ItemRow] = field(default_factory=list)


def is_overdue(item: RoadmapItem, on: datetime.date) -> bool:
    return item.deadline < on and item.status not in {Status.DONE, Status.DROPPED}


def top_three(cycle: Cycle):
    items = RoadmapItem.objects.select_related("tool").prefetch_related(
        Prefetch("changes", queryset=RoadmapChange.objects.select_related("changed_by")),
        "attachments",
    )
    return (
        cycle.assessed_risks.filter(priority__isnull=False)
        .select_related("risk")
        .prefetch_related(Prefetch("roadmap", queryset=items))
        .order_by("priority")
    )


@dataclass
class CompletionLine:
    months: int
    cutoff: datetime.date
    done: int
    planned: int
    share: float | None
    reached: bool


def completion_lines(cycle: Cycle, on: datetime.date) -> list[CompletionLine]:
    lines = []
    for months in (6, 12):
        figure = workshop.completion(cycle, months)
        if figure is None:
            continue
        cutoff = workshop.months_after(cycle.workshop_on, months)
        lines.append(
            CompletionLine(months, cutoff, figure.done, figure.planned, figure.share, cutoff <= on)
        )
    return lines


@login_required
def roadmap(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_for(request, pk)
    can_edit = scope_for(request.user).can_edit(cycle)
    today = timezone.localdate()
    risks = []
    done = planned = overdue = 0
    for assessed in top_three(cycle):
        entry = RiskRoadmap(assessed)
        for item in assessed.roadmap.all():
            history = [
                (
                    change,
                    person(change.changed_by),
                    change_lines(change),
                )
                for change in item.changes.all()
            ]
            row = ItemRow(item, is_overdue(item, today), history)
            if can_edit:
                row.upload_url = upload_url(roadmap_item=item.pk)
            entry.rows.append(row)
            planned += 1
            done += item.status == Status.DONE
            overdue += row.overdue
        risks.append(entry)
    counts = Counter(row.item.status for entry in risks for row in entry.rows)
    context = cycle_context(
        request,
        cycle,
        risks=risks,
        done=done,
        planned=planned,
        overdue=overdue,
        status_counts=[(status, counts[status]) for status in Status.values],
        share=percent(done / planned if planned else None),
        completion=[(line, percent(line.share)) for line in completion_lines(cycle, today)],
        today=today,
    )
    return render(request, "integrity/followup/roadmap.html", context)


def without_period(text: str) -> str:
    """A sentence's words without its closing period: the page adds its own."""
    return text.strip().rstrip(".").rstrip()


@dataclass
class AloudAction:
    item: RoadmapItem
    action: str
    dropped_reason: str
    overdue: bool


@login_required
def roadmap_aloud(request: HttpRequest, pk: int) -> HttpResponse:
    """The road map as short sentences a facilitator reads to the assembly: no tables."""
    cycle = cycle_for(request, pk)
    today = timezone.localdate()
    problems = []
    planned = done = overdue = 0
    chosen = (
        cycle.assessed_risks.filter(priority__isnull=False)
        .select_related("risk")
        .prefetch_related("roadmap")
        .order_by("priority")
    )
    for assessed in chosen:
        actions = []
        for item in assessed.roadmap.all():
            late = is_overdue(item, today)
            actions.append(
                AloudAction(
                    item, without_period(item.action), without_period(item.dropped_reason), late
                )
            )
            planned += 1
            done += item.status == Status.DONE
            overdue += late
        problems.append((assessed, without_period(assessed.title), actions))
    context = cycle_context(
        request,
        cycle,
        problems=problems,
        planned=planned,
        done=done,
        overdue=overdue,
        today=today,
    )
    return render(request, "integrity/followup/roadmap_aloud.html", context)


@login_required
def roadmap_item_change(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for(request, pk, edit=True)
    cycle = item.assessed_risk.cycle
    back = f"{reverse('integrity:roadmap', args=[cycle.pk])}#accion-{item.pk}"
    form = RoadmapChangeForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            change = workshop.change_roadmap(
                item, request.user, form.cleaned_data["reason"], **form.values()
            )
        except ValidationError as error:
            add_errors(form, error, {"dropped_reason": "reason"})
            # change_roadmap set the new values on the object before refusing them.
            item.refresh_from_db()
        else:
            if change is None:
                messages.info(request, _("No cambió nada: los datos son los mismos."))
            else:
                messages.success(request, _("Se guardó el cambio y su motivo."))
            return redirect(back)
    status = 400 if form.is_bound else 200
    context = cycle_context(
        request,
        cycle,
        item=item,
        form=form,
        back=back,
        overdue=is_overdue(item, timezone.localdate()),
    )
    return render(request, "integrity/followup/roadmap_change.html", context, status=status)


# Evidence ---------------------------------------------------------------------------------------
def evidence_target(request: HttpRequest):
    """(cycle, road-map item or None, compliance answer or None) named by the query."""
    params = request.POST if request.method == "POST" else request.GET
    item_id = params.get("roadmap_item") or request.GET.get("roadmap_item")
    answer_id = params.get("compliance_answer") or request.GET.get("compliance_answer")
    if item_id and str(item_id).isdigit():
        item = item_for(request, int(item_id), edit=True)
        return item.assessed_risk.cycle, item, None
    if answer_id and str(answer_id).isdigit():
        answer = get_object_or_404(
            ComplianceAnswer.objects.select_related("item", "cycle__provider").filter(
                cycle__in=visible_cycles(request)
            ),
            pk=answer_id,
        )
        require_edit(request, answer.cycle)
        return answer.cycle, None, answer
    raise Http404


def upload_url(**target) -> str:
    """Where to add evidence to a road-map item or a compliance answer (``compliance_answer=``)."""
    return f"{reverse('integrity:attachment_upload')}?{urlencode(target)}"


def evidence_default_next(cycle: Cycle, item: RoadmapItem | None) -> str:
    if item is not None:
        return f"{reverse('integrity:roadmap', args=[cycle.pk])}#accion-{item.pk}"
    try:
        return reverse("integrity:compliance", args=[cycle.pk])
    except NoReverseMatch:
        return hub_url(cycle)


@login_required
def attachment_upload(request: HttpRequest) -> HttpResponse:
    cycle, item, answer = evidence_target(request)
    back = safe_next(request, evidence_default_next(cycle, item))
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        record_id = request.POST.get("record_id")
        if record_id and Attachment.objects.filter(record_id=record_id, cycle=cycle).exists():
            messages.info(request, _("Esta prueba ya se había guardado."))
            return redirect(back)
        if form.is_valid():
            try:
                evidence.attach_evidence(
                    request.user,
                    cycle,
                    form.cleaned_data["file"],
                    caption=form.cleaned_data["caption"],
                    record_id=form.cleaned_data["record_id"],
                    roadmap_item=item,
                    compliance_answer=answer,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Se guardó la prueba."))
                return redirect(back)
    context = cycle_context(request, cycle, form=form, item=item, answer=answer, back=back)
    status = 400 if form.is_bound else 200
    return render(request, "integrity/followup/attachment_upload.html", context, status=status)


@login_required
def attachment_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, to those who may see its cycle; there is no public address for it."""
    attachment = get_object_or_404(
        Attachment.objects.filter(cycle__in=visible_cycles(request)), pk=pk
    )
    extension = evidence_extension(attachment.file.name)
    if extension not in EVIDENCE_KINDS:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=EVIDENCE_KINDS[extension][0],
        filename=f"prueba-{attachment.pk}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# Coaching ---------------------------------------------------------------------------------------
@login_required
def coaching_list(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_for(request, pk)
    sessions = cycle.coaching.annotate(answered=Count("answers")).order_by("-held_on", "-pk")
    context = cycle_context(request, cycle, sessions=sessions)
    return render(request, "integrity/followup/coaching_list.html", context)


def cycle_items(cycle: Cycle):
    return (
        RoadmapItem.objects.filter(assessed_risk__cycle=cycle)
        .select_related("tool", "assessed_risk__risk", "assessed_risk__cycle")
        .order_by("assessed_risk__priority", "deadline", "pk")
    )


def session_for(request: HttpRequest, pk: int, *, edit: bool = False) -> CoachingSession:
    session = get_object_or_404(
        CoachingSession.objects.select_related("cycle__provider").filter(
            cycle__in=visible_cycles(request)
        ),
        pk=pk,
    )
    if edit:
        require_edit(request, session.cycle)
    return session


def step_url(session: CoachingSession, item: RoadmapItem) -> str:
    """Where ``item`` is reviewed at ``session``: named by the action, not by its place in the
    list, so a save always lands on the action it was made for."""
    return reverse("integrity:coaching_step", args=[session.pk, item.pk])


def next_to_review(session: CoachingSession, items: list[RoadmapItem]) -> str:
    """The first action the session has not reviewed yet; the session itself once all are."""
    reviewed = set(session.answers.values_list("item_id", flat=True))
    for item in items:
        if item.pk not in reviewed:
            return step_url(session, item)
    return reverse("integrity:coaching_detail", args=[session.pk])


@login_required
def coaching_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The session's date, who came and notes; its actions follow one per screen."""
    cycle = cycle_for(request, pk, edit=True)
    form = CoachingSessionForm(request.POST or None)
    if request.method == "POST":
        record_id = request.POST.get("record_id")
        stored = record_id and CoachingSession.objects.filter(record_id=record_id, cycle=cycle)
        if stored and stored.exists():
            messages.info(request, _("Esta sesión ya se había guardado."))
            return redirect(next_to_review(stored.get(), list(cycle_items(cycle))))
        if form.is_valid():
            try:
                session, _created = workshop.hold_coaching_session(
                    request.user,
                    cycle,
                    held_on=form.cleaned_data["held_on"],
                    attendees=form.cleaned_data["attendees"],
                    notes=form.cleaned_data["notes"],
                    record_id=form.cleaned_data["record_id"],
                )
            except RecordConflict:
                form.add_error(
                    None,
                    _(
                        "Este formulario ya se usó para otra sesión. Vuelva a abrir «Anotar una "
                        "sesión» para anotar una nueva."
                    ),
                )
            else:
                items = list(cycle_items(cycle))
                messages.success(
                    request,
                    _("Se guardó la sesión del %(day)s.") % {"day": short_date(session.held_on)}
                    + (" " + _("Ahora revise las acciones, una por pantalla.") if items else ""),
                )
                return redirect(next_to_review(session, items))
    context = cycle_context(request, cycle, form=form, planned=cycle_items(cycle).count())
    status = 400 if form.is_bound else 200
    return render(request, "integrity/followup/coaching_form.html", context, status=status)


@dataclass
class Step:
    number: int
    item: RoadmapItem
    reviewed: bool
    url: str


@login_required
def coaching_step(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One action of the cycle at a session («acción 2 de 7»): its status and why, then the
    next one."""
    session = session_for(request, pk, edit=True)
    items = list(cycle_items(session.cycle))
    numbers = {item.pk: number for number, item in enumerate(items, 1)}
    if item_pk not in numbers:
        raise Http404
    number = numbers[item_pk]
    item = items[number - 1]
    following = items[number] if number < len(items) else None
    answers = {answer.item_id: answer for answer in session.answers.all()}
    form = CoachingStepForm(
        request.POST or None, item=item, held_on=session.held_on, answer=answers.get(item.pk)
    )
    detail = reverse("integrity:coaching_detail", args=[session.pk])
    next_url = step_url(session, following) if following else detail
    if request.method == "POST" and form.is_valid():
        try:
            _answer, change = coaching.review_action(
                request.user,
                session,
                item,
                status_values=form.status_values(),
                comment=form.comment(),
                answers=form.answers(),
            )
        except ValidationError as error:
            add_errors(form, error, {"dropped_reason": "reason"})
            # change_roadmap set the new values on the object before refusing them.
            item.refresh_from_db()
        else:
            values = {"number": number, "total": len(items)}
            if change is None:
                messages.success(request, _("Acción %(number)s de %(total)s: guardada.") % values)
            else:
                messages.success(
                    request,
                    _("Acción %(number)s de %(total)s: se guardó el cambio y su motivo.") % values,
                )
            return redirect(next_url)
    today = timezone.localdate()
    steps = [
        Step(n, step_item, step_item.pk in answers, step_url(session, step_item))
        for n, step_item in enumerate(items, 1)
    ]
    context = cycle_context(
        request,
        session.cycle,
        session=session,
        item=item,
        form=form,
        number=number,
        total=len(items),
        steps=steps,
        overdue=is_overdue(item, today),
        reviewed=sum(step.reviewed for step in steps),
        previous_url=step_url(session, items[number - 2]) if number > 1 else "",
        next_url=next_url,
        detail_url=detail,
    )
    status = 400 if form.is_bound else 200
    return render(request, "integrity/followup/coaching_step.html", context, status=status)


@dataclass
class SessionRow:
    answer: CoachingAnswer
    number: int | None
    questions: list[tuple[str, str]]


@login_required
def coaching_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for(request, pk)
    items = list(cycle_items(session.cycle))
    numbers = {item.pk: number for number, item in enumerate(items, 1)}
    answers = sorted(
        session.answers.select_related("item__assessed_risk__risk", "item__tool"),
        key=lambda answer: numbers.get(answer.item_id, 0),
    )
    questions = [(name, question_label(name)) for name in QUESTIONS]
    rows = [
        SessionRow(
            answer,
            numbers.get(answer.item_id),
            [(label, getattr(answer, name)) for name, label in questions if getattr(answer, name)],
        )
        for answer in answers
    ]
    context = cycle_context(
        request,
        session.cycle,
        session=session,
        show_names=scope_for(request.user).sees_names_of(session.cycle.provider_id),
        rows=rows,
        planned=len(items),
        reviewed=len(rows),
        continue_url=next_to_review(session, items) if items else "",
        first_url=step_url(session, items[0]) if items else "",
    )
    return render(request, "integrity/followup/coaching_detail.html", context)


# Scorecard --------------------------------------------------------------------------------------
def mean_words(before: float | None, after: float | None) -> str:
    if after is None:
        return _("Sin puntajes en este ciclo.")
    if before is None:
        return _("Sin puntajes del ciclo anterior para comparar.")
    values = {"before": f"{before:.1f}", "after": f"{after:.1f}"}
    if after > before:
        return _("Subió de %(before)s a %(after)s.") % values
    if after < before:
        return _("Bajó de %(before)s a %(after)s.") % values
    return _("Igual que el ciclo anterior (%(after)s).") % values


@login_required
def scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_for(request, pk)
    if request.method == "POST":
        require_edit(request, cycle)
    indicators = applicable.indicators_for(
        cycle,
        ScorecardIndicator.objects.filter(version_id=cycle.catalogue_id)
        .select_related("principle")
        .order_by("principle__code", "code"),
    )
    stored = {score.indicator_id: score for score in cycle.scorecard.all()}
    previous = cycle.previous()
    previous_scores = {}
    if previous is not None:
        previous_scores = {
            s.indicator.code: s.score for s in previous.scorecard.select_related("indicator")
        }
    initial = {}
    for indicator_id, score in stored.items():
        initial[f"score_{indicator_id}"] = str(score.score)
        initial[f"evidence_{indicator_id}"] = score.evidence
    form = ScorecardForm(request.POST or None, indicators=indicators, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = save_scores(request, cycle, form.scores(), stored, indicators)
        messages.success(
            request,
            ngettext("Se guardó %(count)s puntaje.", "Se guardaron %(count)s puntajes.", saved)
            % {"count": saved}
            if saved
            else _("No cambió ningún puntaje."),
        )
        return redirect("integrity:scorecard", cycle.pk)

    means = reassessment.scorecard_by_principle(cycle)
    previous_means = reassessment.scorecard_by_principle(previous) if previous else {}
    principles = []
    for principle in cycle.catalogue.principles.order_by("code"):
        rows = [
            (
                indicator,
                form[f"score_{indicator.pk}"],
                form[f"evidence_{indicator.pk}"],
                stored.get(indicator.pk),
                previous_scores.get(indicator.code),
            )
            for indicator in indicators
            if indicator.principle_id == principle.pk
        ]
        mean, before = means.get(principle.code), previous_means.get(principle.code)
        principles.append(
            {
                "principle": principle,
                "rows": rows,
                "mean": mean,
                "previous_mean": before,
                "sentence": mean_words(before, mean) if previous else "",
            }
        )
    context = cycle_context(
        request,
        cycle,
        form=form,
        principles=principles,
        previous=previous,
        scored=len(stored),
        total=len(indicators),
    )
    status = 400 if form.is_bound else 200
    return render(request, "integrity/followup/scorecard.html", context, status=status)


def save_scores(request, cycle: Cycle, scores: dict, stored: dict, indicators: list) -> int:
    """Every indicator through ``workshop.score_indicator``, all or none; how many changed."""
    by_id = {indicator.pk: indicator for indicator in indicators}
    saved = 0
    with transaction.atomic():
        for indicator_id, (value, evidence) in scores.items():
            before = stored.get(indicator_id)
            if before is not None and (before.score, before.evidence) == (value, evidence):
                continue
            workshop.score_indicator(request.user, cycle, by_id[indicator_id], value, evidence)
            saved += 1
    return saved


# Comparison -------------------------------------------------------------------------------------
ANSWER_WORDS = {
    0: ComplianceAnswer.Answer.NO.label,
    1: ComplianceAnswer.Answer.PARTLY.label,
    2: ComplianceAnswer.Answer.YES.label,
}


def band_label(cycle: Cycle, score: int | None) -> str:
    if score is None:
        return "—"
    for band in cycle.scale.bands:
        if band["min"] <= score <= band["max"]:
            return band["label"]
    return "—"


def risk_sentences(previous: Cycle, cycle: Cycle) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"up": [], "down": [], "same": [], "new": [], "gone": []}
    for move in reassessment.risk_movements(previous, cycle):
        values = {
            "title": move.title,
            "before": move.before,
            "after": move.after,
            "band_before": band_label(previous, move.before),
            "band_after": band_label(cycle, move.after),
        }
        if move.change is None:
            if move.after is not None:
                found["new"].append(
                    _(
                        "«%(title)s»: no se valoró en el ciclo anterior; ahora %(after)s "
                        "(%(band_after)s)."
                    )
                    % values
                )
            elif move.before is not None:
                found["gone"].append(
                    _(
                        "«%(title)s»: tenía %(before)s (%(band_before)s); en este ciclo no se "
                        "valoró."
                    )
                    % values
                )
        elif move.change > 0:
            found["up"].append(
                _("«%(title)s» subió de %(before)s (%(band_before)s) a %(after)s (%(band_after)s).")
                % values
            )
        elif move.change < 0:
            found["down"].append(
                _("«%(title)s» bajó de %(before)s (%(band_before)s) a %(after)s (%(band_after)s).")
                % values
            )
        else:
            found["same"].append(_("«%(title)s» sigue en %(after)s (%(band_after)s).") % values)
    return found


def checklist_sentences(previous: Cycle, cycle: Cycle) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"better": [], "worse": [], "same": [], "missing": []}
    for move in reassessment.checklist_progress(previous, cycle):
        values = {
            "text": move.title,
            "before": ANSWER_WORDS.get(move.before, "—"),
            "after": ANSWER_WORDS.get(move.after, "—"),
        }
        if move.change is None:
            found["missing"].append(
                _("«%(text)s»: antes «%(before)s», ahora «%(after)s» (falta una respuesta).")
                % values
            )
        elif move.change > 0:
            found["better"].append(_("«%(text)s» mejoró: de «%(before)s» a «%(after)s».") % values)
        elif move.change < 0:
            found["worse"].append(_("«%(text)s» empeoró: de «%(before)s» a «%(after)s».") % values)
        else:
            found["same"].append(_("«%(text)s» sigue en «%(after)s».") % values)
    return found


@login_required
def comparison(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_for(request, pk)
    previous = cycle.previous()
    context = cycle_context(request, cycle, previous=previous)
    if previous is not None:
        means = reassessment.scorecard_by_principle(cycle)
        previous_means = reassessment.scorecard_by_principle(previous)
        names = {p.code: p.name for p in previous.catalogue.principles.all()}
        names.update({p.code: p.name for p in cycle.catalogue.principles.all()})
        # A cycle still in its workshop has nothing to compare yet; one sentence says so
        # instead of listing every entry as missing.
        rated = cycle.assessed_risks.filter(consensus_likelihood__isnull=False).exists()
        answered = cycle.compliance.exists()
        context.update(
            risks=risk_sentences(previous, cycle) if rated else None,
            checklist=checklist_sentences(previous, cycle) if answered else None,
            scales_differ=previous.scale.code != cycle.scale.code,
            principles=[
                (names.get(code, code), mean_words(previous_means.get(code), means.get(code)))
                for code in sorted(set(means) | set(previous_means))
            ],
        )
    return render(request, "integrity/followup/comparison.html", context)


# Complaints -------------------------------------------------------------------------------------
def fix_rate_sentence(figures: register.RegisterFigures) -> str:
    if not figures.received:
        return _("Todavía no hay quejas en el registro.")
    if figures.received == 1:
        if figures.resolved:
            return _("Hay 1 queja en el registro y se resolvió (100 %).")
        return _("Hay 1 queja en el registro y todavía no se resuelve (0 %).")
    return ngettext(
        "Se resolvió %(resolved)s de %(received)s quejas (%(share)s).",
        "Se resolvieron %(resolved)s de %(received)s quejas (%(share)s).",
        figures.resolved,
    ) % {
        "resolved": figures.resolved,
        "received": figures.received,
        "share": percent(figures.fix_rate),
    }


def response_sentence(figures: register.RegisterFigures) -> str:
    if figures.median_response_days is None:
        return _("Ninguna queja se ha respondido todavía.")
    days = figures.median_response_days
    shown = f"{days:g}"
    return ngettext(
        "La mitad de las %(answered)s quejas respondidas se respondió en %(days)s día o menos.",
        "La mitad de las %(answered)s quejas respondidas se respondió en %(days)s días o menos.",
        2 if days != 1 else 1,
    ) % {"answered": figures.answered, "days": shown}


def overdue_sentence(figures: register.RegisterFigures) -> str:
    if not figures.overdue:
        return _("Ninguna queja está vencida.")
    return ngettext(
        "%(count)s queja sigue sin respuesta después de la fecha prometida.",
        "%(count)s quejas siguen sin respuesta después de la fecha prometida.",
        figures.overdue,
    ) % {"count": figures.overdue}


def filtered_complaints(request: HttpRequest):
    """(filter form, provider-filtered register, status-filtered list, chosen provider)."""
    scope = scope_for(request.user)
    complaints = scope.visible(Complaint.objects.select_related("provider"))
    providers = scope.visible(Provider.objects.all()).filter(
        pk__in=complaints.values("provider_id")
    ) | scope.editable(Provider.objects.all())
    filters = ComplaintFilter(request.GET or None, providers=providers.distinct())
    provider = None
    status = ""
    if filters.is_bound and filters.is_valid():
        provider = filters.cleaned_data["provider"]
        status = filters.cleaned_data["status"]
    elif filters.is_bound:
        raise Http404
    register_rows = complaints.filter(provider=provider) if provider else complaints
    listed = register_rows
    today = timezone.localdate()
    if status == ComplaintFilter.OVERDUE:
        listed = listed.overdue(today)
    elif status:
        listed = listed.filter(status=status)
    return filters, register_rows, listed, provider


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    filters, register_rows, listed, provider = filtered_complaints(request)
    scope = scope_for(request.user)
    today = timezone.localdate()
    figures = register.register_figures(register_rows, today)
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    overdue_ids = {c.pk for c in page.object_list if c.is_overdue(today)}
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    can_file = scope.editable(Provider.objects.all()).exists()
    context = {
        "filters": filters,
        "provider": provider,
        "page_obj": page,
        "overdue_ids": overdue_ids,
        "figures": figures,
        "by_sex": voices.complaints_by_sex(register_rows, today),
        "sentences": [
            fix_rate_sentence(figures),
            response_sentence(figures),
            overdue_sentence(figures),
        ],
        "query": urlencode(query),
        "can_file": can_file,
        "create_url": reverse("integrity:complaint_create")
        + (f"?provider={provider.pk}" if provider else ""),
    }
    return render(request, "integrity/complaints/list.html", context)


@login_required
def complaint_export(request: HttpRequest) -> HttpResponse:
    """The register without who complained: it is meant for sharing."""
    _filters, _register, listed, _provider = filtered_complaints(request)
    today = timezone.localdate()
    header = [
        "id",
        "id_registro",
        "comite_id",
        "comite",
        "recibida",
        "canal",
        "que",
        "donde",
        "responder_a_mas_tardar",
        "estado",
        "vencida",
        "respondida",
        "dias_para_responder",
        "respuesta",
        "cerrada",
        "por_que_no_se_resolvio",
        "desde_cuando",
        "la_presento",
        "turnada_a_la_agencia",
    ]
    rows = (
        [
            c.pk,
            c.record_id,
            c.provider_id,
            c.provider.name,
            c.received_on,
            c.get_channel_display(),
            c.what,
            c.where,
            c.respond_by,
            c.get_status_display(),
            _("sí") if c.is_overdue(today) else _("no"),
            c.answered_on,
            c.response_days(),
            c.answer,
            c.closed_on,
            c.not_resolved_reason,
            c.since,
            c.get_reporter_sex_display() if c.reporter_sex else "",
            c.escalated_on,
        ]
        for c in listed.order_by("provider__name", "received_on", "pk").iterator()
    )
    return csv_response("quejas.csv", header, rows)


@login_required
def complaint_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    providers = scope.editable(Provider.objects.all())
    if not providers.exists():
        raise PermissionDenied
    names = any(scope.sees_names_of(pk) for pk in providers.values_list("pk", flat=True))
    initial = {"received_on": timezone.localdate()}
    chosen = request.GET.get("provider")
    if chosen and chosen.isdigit() and providers.filter(pk=chosen).exists():
        initial["provider"] = int(chosen)
    elif providers.count() == 1:
        initial["provider"] = providers.get().pk
    form = ComplaintForm(request.POST or None, providers=providers, names=names, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint, created = register.file_complaint(
                data["provider"],
                received_on=data["received_on"],
                what=data["what"],
                channel=data["channel"],
                where=data["where"],
                reported_by=data.get("reported_by", ""),
                reporter_sex=data["reporter_sex"],
                since=data["since"],
                respond_by=data["respond_by"],
                record_id=data["record_id"] or None,
                actor=request.user,
            )
        except RecordConflict:
            form.add_error(
                None,
                _(
                    "Este formulario ya se usó para otra queja. Vuelva a abrir «Anotar queja» "
                    "para anotar una nueva."
                ),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if created:
                messages.success(request, _("Se anotó la queja en el registro."))
            else:
                messages.info(request, _("Esta queja ya estaba anotada."))
            return redirect("integrity:complaint_detail", complaint.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "list_url": reverse("integrity:complaint_list")}
    return render(request, "integrity/complaints/form.html", context, status=status)


def complaint_context(
    request: HttpRequest, complaint: Complaint, form=None, review_form=None
) -> dict:
    scope = scope_for(request.user)
    can_edit = scope.can_edit(complaint)
    today = timezone.localdate()
    closed = complaint.status in {Complaint.Status.RESOLVED, Complaint.Status.NOT_RESOLVED}
    if form is None and can_edit and not closed:
        form = ComplaintMoveForm(complaint=complaint, initial={"answered_on": today})
    if review_form is None and can_edit:
        review_form = ComplaintReviewForm(initial={"public_summary": complaint.public_summary})
    return {
        "object": complaint,
        "can_edit": can_edit,
        "review_form": review_form,
        # Who complained is personal: the committee and those who accompany it see it.
        "show_name": scope.sees_names_of(complaint.provider_id),
        "overdue": complaint.is_overdue(today),
        "form": form,
        "list_url": f"{reverse('integrity:complaint_list')}?provider={complaint.provider_id}",
    }


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_visible_or_404(request.user, Complaint, pk)
    return render(
        request, "integrity/complaints/detail.html", complaint_context(request, complaint)
    )


@login_required
def complaint_update(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_editable_or_404(request.user, Complaint, pk)
    if request.method != "POST":
        return redirect("integrity:complaint_detail", complaint.pk)
    try:
        register.check_open(complaint)
    except ValidationError as closed:
        messages.info(request, closed.messages[0])
        return redirect("integrity:complaint_detail", complaint.pk)
    form = ComplaintMoveForm(request.POST, complaint=complaint)
    if form.is_valid():
        data = form.cleaned_data
        try:
            register.move_complaint(
                complaint,
                request.user,
                data["status"],
                answered_on=data.get("answered_on"),
                answer=data.get("answer", ""),
                closed_on=data.get("closed_on"),
                reason=data.get("not_resolved_reason", ""),
            )
        except ValidationError as error:
            add_errors(form, error)
            complaint.refresh_from_db()
        else:
            messages.success(
                request,
                _("La queja quedó «%(status)s».") % {"status": complaint.get_status_display()},
            )
            return redirect("integrity:complaint_detail", complaint.pk)
    return render(
        request,
        "integrity/complaints/detail.html",
        complaint_context(request, complaint, form),
        status=400,
    )


@login_required
def complaint_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The committee's words for the public page (``register.review_complaint``)."""
    complaint = get_editable_or_404(request.user, Complaint, pk)
    if request.method != "POST":
        return redirect("integrity:complaint_detail", complaint.pk)
    form = ComplaintReviewForm(request.POST)
    if form.is_valid():
        try:
            register.review_complaint(complaint, request.user, form.cleaned_data["public_summary"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            if complaint.public_summary:
                messages.success(request, _("La queja se verá en la página pública así."))
            else:
                messages.info(request, _("La queja no se muestra en la página pública."))
            return redirect("integrity:complaint_detail", complaint.pk)
    complaint.refresh_from_db()
    context = complaint_context(request, complaint, review_form=form)
    return render(request, "integrity/complaints/detail.html", context, status=400)


urlpatterns = [
    path("ciclos/<int:pk>/hoja-de-ruta/", roadmap, name="roadmap"),
    path("ciclos/<int:pk>/hoja-de-ruta/en-voz-alta/", roadmap_aloud, name="roadmap_aloud"),
    path("acciones/<int:pk>/cambiar/", roadmap_item_change, name="roadmap_item_change"),
    path("ciclos/<int:pk>/acompanamiento/", coaching_list, name="coaching_list"),
    path("ciclos/<int:pk>/acompanamiento/nueva/", coaching_create, name="coaching_create"),
    path("acompanamiento/<int:pk>/", coaching_detail, name="coaching_detail"),
    path("acompanamiento/<int:pk>/acciones/<int:item_pk>/", coaching_step, name="coaching_step"),
    path("ciclos/<int:pk>/autoevaluacion/", scorecard, name="scorecard"),
    path("ciclos/<int:pk>/comparacion/", comparison, name="comparison"),
    path("pruebas/nueva/", attachment_upload, name="attachment_upload"),
    path("pruebas/<int:pk>/", attachment_file, name="attachment_file"),
    path("quejas/", complaint_list, name="complaint_list"),
    path("quejas/exportar.csv", complaint_export, name="complaint_export"),
    path("quejas/nueva/", complaint_create, name="complaint_create"),
    path("quejas/<int:pk>/", complaint_detail, name="complaint_detail"),
    path("quejas/<int:pk>/cambiar/", complaint_update, name="complaint_update"),
    path("quejas/<int:pk>/revisar/", complaint_review, name="complaint_review"),
]
