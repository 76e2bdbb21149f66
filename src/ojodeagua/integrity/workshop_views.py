"""The workshop pages: cycle, participants, compliance, ratings, top three, road map."""

from collections import Counter
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ojodeagua.lib.records import RecordConflict
from ojodeagua.organisations.scope import get_editable_or_404, get_visible_or_404, scope_for
from ojodeagua.providers.models import Provider, Sex

from . import applicable, voices, workshop
from .baseline import baseline_rows
from .models import (
    AssessedRisk,
    CatalogueVersion,
    ComplianceAnswer,
    Cycle,
    Participant,
    Rating,
    RatingTally,
    Risk,
    RoadmapItem,
)
from .red_flags import flags_for
from .workshop_forms import (
    CYCLE_PROVIDER_KINDS,
    ComplianceForm,
    CycleCreateForm,
    CycleEditForm,
    OwnRiskForm,
    ParticipantForm,
    RoadmapItemForm,
    ScaleRatingForm,
    TallyForm,
    TopThreeForm,
)

CYCLES_PER_PAGE = 50


# Shared pieces ----------------------------------------------------------------------------------
def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def today():
    return timezone.localdate()


def cycle_for(request: HttpRequest, pk: int) -> tuple[Cycle, bool]:
    """The cycle if the user may see it (404 otherwise); POST needs the right to edit it (403).

    ``cycle.names_shown`` says whether the user reads its people's names
    (``Scope.sees_names_of``): every workshop page and partial asks it, through the cycle.
    """
    scope = scope_for(request.user)
    cycle = get_object_or_404(
        scope.visible(Cycle.objects.select_related("provider", "catalogue", "scale")), pk=pk
    )
    cycle.names_shown = scope.sees_names_of(cycle.provider_id)
    can_edit = scope.can_edit(cycle)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    return cycle, can_edit


def posted_int(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise Http404
    return int(value)


def workshop_context(cycle: Cycle, can_edit: bool, step: str, **extra) -> dict:
    return {"cycle": cycle, "can_edit": can_edit, "step": step, **extra}


def first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return ""


FORM_USED = gettext_lazy("Este formulario ya se usó; recargue la página y vuelva a llenarlo.")


def through_service(form, service, *args, **kwargs):
    """A workshop service called for a page's form: its ``(record, created)``, or None with the
    refusal written on the form (a record id reused for other content: the form was used)."""
    try:
        return service(*args, **kwargs)
    except RecordConflict:
        form.add_error(None, FORM_USED)
    except ValidationError as error:
        form.add_error(None, error)
    return None


# Cycles ------------------------------------------------------------------------------------------
@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    providers = scope.visible(Provider.objects.filter(kind__in=CYCLE_PROVIDER_KINDS))
    cycles = scope.visible(
        Cycle.objects.select_related("provider", "provider__locality").annotate(
            people=Count("participants")
        )
    ).order_by("provider__name", "-number")
    chosen = None
    if provider_id := request.GET.get("provider"):
        chosen = providers.filter(pk=provider_id).first() if provider_id.isdigit() else None
        if chosen is None:
            raise Http404
        cycles = cycles.filter(provider=chosen)
    page = Paginator(cycles, CYCLES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "providers": providers.order_by("name"),
        "chosen": chosen,
        "can_create": scope.editable(providers).exists(),
        "can_create_here": chosen is not None and scope.can_edit(chosen),
    }
    return render(request, "integrity/cycle_list.html", context)


@login_required
def cycle_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    providers = scope.editable(Provider.objects.all())
    if not providers.filter(kind__in=CYCLE_PROVIDER_KINDS).exists():
        raise PermissionDenied
    catalogue = CatalogueVersion.current()
    if catalogue is None:
        messages.error(
            request,
            _(
                "Todavía no hay un catálogo de integridad publicado; pida a quien coordina "
                "que lo publique."
            ),
        )
        return redirect("integrity:cycle_list")
    initial = {}
    if provider_id := request.GET.get("provider"):
        if not provider_id.isdigit():
            raise Http404
        initial["provider"] = get_editable_or_404(request.user, Provider, provider_id).pk
    if request.method == "POST":
        form = CycleCreateForm(request.POST, providers=providers, catalogue=catalogue)
        if form.is_valid():
            replayed = Cycle.objects.filter(record_id=form.cleaned_data["record_id"]).first()
            if replayed is not None:
                # The same form sent twice (a double tap, a retry after a dropped signal).
                get_visible_or_404(request.user, Cycle, replayed.pk)
                return redirect("integrity:cycle_detail", pk=replayed.pk)
            data = form.cleaned_data
            cycle = workshop.open_cycle(
                request.user,
                data["provider"],
                catalogue=catalogue,
                scale=data["scale"],
                record_id=data["record_id"],
                context=data.get("context", ""),
                workshop_on=data.get("workshop_on"),
            )
            messages.success(
                request,
                _("Se abrió el ciclo %(number)s de %(provider)s; la línea base se tomó hoy.")
                % {"number": cycle.number, "provider": cycle.provider},
            )
            return redirect("integrity:cycle_detail", pk=cycle.pk)
    else:
        form = CycleCreateForm(initial=initial, providers=providers, catalogue=catalogue)
    return render(request, "integrity/cycle_form.html", {"form": form, "catalogue": catalogue})


@dataclass
class RiskEntry:
    """A catalogue risk or one of the group's own, with what the workshop said about it."""

    key: str
    code: str
    title: str
    risk: Risk | None
    assessed: AssessedRisk | None
    flags: list = field(default_factory=list)

    @property
    def band(self) -> dict | None:
        return self.assessed.consensus_band() if self.assessed else None

    @property
    def rated_by(self) -> int:
        return getattr(self.assessed, "rated_by", 0) if self.assessed else 0


def risk_entries(cycle: Cycle) -> list[RiskEntry]:
    """The catalogue risks the cycle asks (``applicable``), then the group's own. A catalogue
    risk the group assessed stays even if it is no longer asked (the provider's kind changed):
    its ratings count."""
    # Rated by somebody: a person's own rating or the room's count.
    assessed = list(
        cycle.assessed_risks.select_related("risk").annotate(
            rated_by=Count("ratings", distinct=True) + Count("tallies", distinct=True)
        )
    )
    by_risk = {a.risk_id: a for a in assessed if a.risk_id}
    asked = applicable.risks_for(cycle)
    shown = {risk.pk for risk in asked}
    asked += [a.risk for a in assessed if a.risk_id and a.risk_id not in shown]
    entries = [
        RiskEntry(risk.code, risk.code, risk.title, risk, by_risk.get(risk.pk))
        for risk in sorted(asked, key=lambda risk: risk.code)
    ]
    own = sorted((a for a in assessed if not a.risk_id), key=lambda a: a.pk)
    entries += [
        RiskEntry(f"g{a.pk}", _("P%(number)s") % {"number": n}, a.own_title, None, a)
        for n, a in enumerate(own, start=1)
    ]
    return entries


def attach_flags(cycle: Cycle, entries: list[RiskEntry]) -> None:
    risks = [e.risk for e in entries if e.risk is not None]
    if not risks:
        return
    flags = flags_for(cycle.provider, risks, today())
    for entry in entries:
        if entry.risk is not None:
            entry.flags = flags.get(entry.risk.pk, [])


def short_codes(entries: list[RiskEntry]) -> dict[int, str]:
    return {e.assessed.pk: e.code for e in entries if e.assessed}


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, can_edit = cycle_for(request, pk)
    participants = list(cycle.participants.all())
    by_sex = Counter(p.sex for p in participants)
    entries = risk_entries(cycle)
    rated = [e for e in entries if e.band is not None]
    attach_flags(cycle, rated)
    top = list(
        cycle.assessed_risks.filter(priority__isnull=False)
        .select_related("risk")
        .prefetch_related("roadmap__tool")
        .order_by("priority")
    )
    codes = short_codes(entries)
    asked = applicable.workshop_entries(cycle)
    answered = len(asked.counted_answers(cycle.compliance.all()))
    checklist = len(asked.checklist)
    actions = sum(len(a.roadmap.all()) for a in top)

    def status(done: bool, started: bool) -> str:
        return "done" if done else ("started" if started else "missing")

    steps = [
        {
            "title": _("Participantes"),
            "url": reverse("integrity:participants", args=[cycle.pk]),
            "status": status(bool(participants), False),
            "detail": _("%(count)s registrados") % {"count": len(participants)},
        },
        {
            "title": _("Lista de cumplimiento"),
            "url": reverse("integrity:compliance", args=[cycle.pk]),
            "status": status(checklist > 0 and answered >= checklist, answered > 0),
            "detail": compliance_detail(answered, checklist, len(asked.set_aside_checklist)),
        },
        {
            "title": _("Valoración de riesgos"),
            "url": reverse("integrity:ratings", args=[cycle.pk]),
            "status": status(
                len(rated) == len(entries), any(e.rated_by for e in entries) or bool(rated)
            ),
            "detail": _("%(rated)s de %(total)s riesgos con valoración del grupo")
            % {"rated": len(rated), "total": len(entries)},
        },
        {
            "title": _("Mapa de riesgos"),
            "url": reverse("integrity:heat_map", args=[cycle.pk]),
            "status": status(bool(rated), False),
            "detail": _("Dónde quedó cada riesgo; lo que valoraron mujeres y hombres"),
        },
        {
            "title": _("Los tres problemas clave"),
            "url": reverse("integrity:top_three", args=[cycle.pk]),
            "status": status(bool(top), False),
            "detail": _("%(count)s elegidos") % {"count": len(top)},
        },
        {
            "title": _("Plan: herramientas y hoja de ruta"),
            "url": reverse("integrity:roadmap_plan", args=[cycle.pk]),
            "status": status(bool(top) and all(a.roadmap.all() for a in top), actions > 0),
            "detail": _("%(count)s acciones escritas") % {"count": actions},
        },
    ]
    context = workshop_context(
        cycle,
        can_edit,
        "hub",
        baseline=baseline_rows(cycle.baseline),
        participants_total=len(participants),
        women=by_sex.get(Sex.FEMALE, 0),
        men=by_sex.get(Sex.MALE, 0),
        unstated=by_sex.get(Sex.UNSTATED, 0),
        steps=steps,
        rated=rated,
        top=[(codes.get(a.pk, ""), a) for a in top],
        set_aside=asked.set_aside,
        # The "new cycle" form's id, so this phone knows its draft of that form was saved.
        created_with=[cycle.record_id],
    )
    return render(request, "integrity/cycle_detail.html", context)


def compliance_detail(answered: int, total: int, set_aside: int) -> str:
    detail = _("%(answered)s de %(total)s puntos respondidos") % {
        "answered": answered,
        "total": total,
    }
    if set_aside:
        detail += "; " + ngettext(
            "%(count)s dejado de lado porque no aplica",
            "%(count)s dejados de lado porque no aplican",
            set_aside,
        ) % {"count": set_aside}
    return detail


@login_required
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, can_edit = cycle_for(request, pk)
    if not can_edit:
        raise PermissionDenied
    if request.method == "POST":
        form = CycleEditForm(request.POST, instance=cycle)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in CycleEditForm.Meta.fields}
            try:
                workshop.edit_cycle(
                    request.user,
                    cycle,
                    retake_baseline=form.cleaned_data.get("retake_baseline", False),
                    **values,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("Se guardaron los cambios del ciclo."))
                return redirect("integrity:cycle_detail", pk=cycle.pk)
    else:
        form = CycleEditForm(instance=cycle)
    return render(
        request, "integrity/cycle_edit.html", workshop_context(cycle, can_edit, "hub", form=form)
    )


# Participants ------------------------------------------------------------------------------------
@login_required
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, can_edit = cycle_for(request, pk)
    form = None
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            return remove_participant(request, cycle)
        form = ParticipantForm(request.POST, names=cycle.names_shown)
        if form.is_valid():
            if saved := add_participant(request, cycle, form):
                return saved
    people = list(cycle.participants.annotate(rated=Count("ratings")))
    by_sex = Counter(p.sex for p in people)
    by_role = Counter(p.get_role_display() for p in people)
    context = workshop_context(
        cycle,
        can_edit,
        "participants",
        people=people,
        women=by_sex.get(Sex.FEMALE, 0),
        men=by_sex.get(Sex.MALE, 0),
        unstated=by_sex.get(Sex.UNSTATED, 0),
        unstated_label=Sex.UNSTATED.label,
        by_role=sorted(by_role.items()),
        form=form or ParticipantForm(names=cycle.names_shown),
    )
    return render(request, "integrity/workshop/participants.html", context)


def add_participant(request: HttpRequest, cycle: Cycle, form: ParticipantForm):
    """Through ``workshop.add_participant`` (or ``add_people`` for several alike): a form sent
    again (a retry, a double tap) changes nothing."""
    done = redirect(reverse("integrity:participants", args=[cycle.pk]) + "#lista")
    data = dict(form.cleaned_data)
    how_many = data.pop("how_many") or 1
    record_id = data.pop("record_id")
    if how_many > 1:
        saved = through_service(
            form, workshop.add_people, request.user, cycle, how_many, record_id=record_id, **data
        )
        if saved is None:
            return None
        people, created = saved
        if not created:
            messages.info(request, _("Esas personas ya estaban registradas."))
            return done
        messages.success(
            request,
            _("Se registraron %(count)s personas: %(who)s.")
            % {"count": created, "who": describe(people[0], cycle)},
        )
        return done
    saved = through_service(
        form, workshop.add_participant, request.user, cycle, record_id=record_id, **data
    )
    if saved is None:
        return None
    person, created = saved
    if not created:
        messages.info(request, _("Esa persona ya estaba registrada."))
        return done
    added = _("Participante agregado: %(who)s.") % {"who": describe(person, cycle)}
    messages.success(request, added)
    return done


def describe(person: Participant, cycle: Cycle) -> str:
    """The person in a message: the name only for those who read the cycle's names."""
    parts = [person.name] if person.name and cycle.names_shown else []
    parts += [str(person.get_role_display()), str(person.get_sex_display())]
    return ", ".join(parts)


def remove_participant(request: HttpRequest, cycle: Cycle) -> HttpResponse:
    person = get_object_or_404(cycle.participants, pk=posted_int(request, "participant"))
    if not workshop.remove_participant(request.user, person):
        messages.error(
            request,
            _(
                "No se puede quitar a %(who)s: ya valoró riesgos en este taller y sus "
                "valoraciones cuentan."
            )
            % {"who": describe(person, cycle)}
            if person.ratings.exists()
            else _(
                "No se puede quitar a %(who)s: los conteos de la valoración cuentan a todas "
                "las personas de su sexo que hay en la lista. Corrija primero el conteo."
            )
            % {"who": describe(person, cycle)},
        )
    else:
        removed = _("Se quitó a %(who)s de la lista.") % {"who": describe(person, cycle)}
        messages.success(request, removed)
    return redirect(reverse("integrity:participants", args=[cycle.pk]) + "#lista")


# Compliance --------------------------------------------------------------------------------------
@login_required
def compliance(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, can_edit = cycle_for(request, pk)
    asked = applicable.workshop_entries(cycle)
    items = asked.checklist
    answers = {a.item_id: a for a in cycle.compliance.prefetch_related("attachments")}
    bound: dict[int, ComplianceForm] = {}
    if request.method == "POST":
        item = next((i for i in items if i.code == request.POST.get("item")), None)
        if item is None:
            raise Http404
        answer = answers.get(item.pk) or ComplianceAnswer(cycle=cycle, item=item)
        form = ComplianceForm(request.POST, instance=answer, prefix=item.code)
        saved = form.is_valid()
        if saved:
            answer = save_answer(request.user, cycle, form)
        if is_htmx(request):
            row = compliance_row(item, answer if saved else None, form, saved)
            context = {"cycle": cycle, "can_edit": can_edit, "row": row, "oob": saved}
            # The count at the top of the page follows, out of band.
            context.update(compliance_counts(cycle, asked))
            return render(request, "integrity/workshop/_compliance_item.html", context)
        if saved:
            messages.success(request, _("Guardado: %(item)s") % {"item": item.text})
            return redirect(reverse("integrity:compliance", args=[cycle.pk]) + f"#item-{item.code}")
        bound[item.pk] = form
    rows = [
        compliance_row(
            item,
            answers.get(item.pk),
            bound.get(item.pk) or ComplianceForm(instance=answers.get(item.pk), prefix=item.code),
            False,
        )
        for item in items
    ]
    context = workshop_context(
        cycle,
        can_edit,
        "compliance",
        rows=rows,
        set_aside=asked.set_aside_checklist,
        **compliance_counts(cycle, asked),
    )
    return render(request, "integrity/workshop/compliance.html", context)


def compliance_counts(cycle: Cycle, asked: applicable.WorkshopEntries) -> dict:
    """Answers to the items asked; an item set aside is neither answered nor missing."""
    answers = [str(a.get_answer_display()) for a in asked.counted_answers(cycle.compliance.all())]
    return {
        "answered": len(answers),
        "total": len(asked.checklist),
        "counts": sorted(Counter(answers).items()),
    }


def compliance_row(item, answer, form, saved: bool) -> dict:
    return {"item": item, "answer": answer, "form": form, "saved": saved}


def save_answer(user, cycle: Cycle, form: ComplianceForm) -> ComplianceAnswer:
    """One answer per item, through ``workshop.answer_checklist``."""
    answer, _created = workshop.answer_checklist(
        user,
        cycle,
        form.instance.item,
        form.cleaned_data["answer"],
        form.cleaned_data.get("evidence", ""),
    )
    return answer


# Ratings -----------------------------------------------------------------------------------------
@dataclass
class RatingRow:
    number: int
    participant: Participant
    form: ScaleRatingForm
    status: str = ""
    message: str = ""
    band: dict | None = None


def people_numbered(cycle: Cycle) -> list[tuple[int, Participant]]:
    return list(enumerate(cycle.participants.all(), start=1))


def rating_row(cycle, number, person, rating, **extra) -> RatingRow:
    initial = {"likelihood": rating.likelihood, "impact": rating.impact} if rating else {}
    form = ScaleRatingForm(initial=initial, scale=cycle.scale, prefix=f"p{person.pk}")
    band = cycle.scale.band(rating.likelihood, rating.impact) if rating else None
    return RatingRow(number, person, form, band=band, **extra)


@login_required
def ratings(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, can_edit = cycle_for(request, pk)
    entries = risk_entries(cycle)
    own_form = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "own_risk":
            own_form = OwnRiskForm(request.POST)
            if own_form.is_valid() and (added := add_own_risk(request, cycle, own_form)):
                return added
        else:
            entry = next((e for e in entries if e.key == request.POST.get("riesgo")), None)
            if entry is None:
                raise Http404
            if action == "consensus":
                return rate_by_consensus(request, cycle, entry)
            if action == "tally":
                return rate_by_tally(request, cycle, entry)
            return rate_one(request, cycle, entry)
    key = request.GET.get("riesgo")
    entry = next((e for e in entries if e.key == key), None)
    if entry is None:
        entry = next((e for e in entries if e.band is None), entries[0] if entries else None)
    context = workshop_context(
        cycle, can_edit, "ratings", entries=entries, entry=entry, own_form=own_form or OwnRiskForm()
    )
    if entry is not None:
        attach_flags(cycle, [entry])
        given = {}
        if entry.assessed is not None:
            given = {r.participant_id: r for r in entry.assessed.ratings.all()}
        index = entries.index(entry)
        tallies = stored_tallies(entry)
        context.update(
            rows=[
                rating_row(cycle, number, person, given.get(person.pk))
                for number, person in people_numbered(cycle)
            ],
            consensus=consensus_form(cycle, entry),
            tally=tally_form(cycle, entry, stored=tallies),
            tally_summary=tally_summary(cycle, entry, stored=tallies),
            rated_one_by_one=len(given),
            previous=entries[index - 1] if index > 0 else None,
            next=entries[index + 1] if index + 1 < len(entries) else None,
        )
    return render(request, "integrity/workshop/ratings.html", context)


def consensus_form(cycle: Cycle, entry: RiskEntry, data=None) -> ScaleRatingForm:
    initial = {}
    if entry.assessed is not None:
        initial = {
            "likelihood": entry.assessed.consensus_likelihood,
            "impact": entry.assessed.consensus_impact,
        }
    return ScaleRatingForm(data, initial=initial, scale=cycle.scale, prefix="consensus")


def present_by_sex(cycle: Cycle) -> dict[str, int]:
    counted = Counter(cycle.participants.values_list("sex", flat=True))
    return {sex: counted.get(sex, 0) for sex in (Sex.FEMALE, Sex.MALE)}


def stored_tallies(entry: RiskEntry) -> dict[str, RatingTally]:
    if entry.assessed is None:
        return {}
    return {t.sex: t for t in entry.assessed.tallies.all()}


def tally_form(cycle: Cycle, entry: RiskEntry, data=None, stored=None) -> TallyForm:
    initial = {}
    stored = stored_tallies(entry) if stored is None else stored
    for sex, tally in stored.items():
        for dimension in ("likelihood", "impact"):
            for level, count in getattr(tally, f"{dimension}_counts").items():
                initial[f"{sex}-{dimension}-{level}"] = count
    return TallyForm(data, initial=initial, scale=cycle.scale, present=present_by_sex(cycle))


def tally_summary(cycle: Cycle, entry: RiskEntry, stored=None) -> list[dict]:
    """What each sex's count adds up to, and the band its mean falls in."""
    summary = []
    stored = stored_tallies(entry) if stored is None else stored
    for sex, tally in sorted(stored.items()):
        if not tally.people:
            continue
        likelihood = workshop.level_mean(tally.likelihood_counts)
        impact = workshop.level_mean(tally.impact_counts)
        band = None
        if likelihood is not None and impact is not None:
            score = likelihood * impact
            found = workshop.band_of_score(cycle.scale, score)
            band = {**found, "score": f"{score:.1f}"} if found else None
        summary.append(
            {
                "sex": sex,
                "likelihood": sum(tally.likelihood_counts.values()),
                "impact": sum(tally.impact_counts.values()),
                "band": band,
            }
        )
    return summary


def rate_by_tally(request: HttpRequest, cycle: Cycle, entry: RiskEntry) -> HttpResponse:
    """The room's count for one risk: both sexes' boxes arrive together, each time one changes."""
    form = tally_form(cycle, entry, request.POST)
    status, message = "error", ""
    if not form.is_valid():
        # Say which box, so the facilitator fixes the right one.
        name, errors = next(iter(form.errors.items()))
        message = f"{form.fields[name].label}: {errors[0]}" if name in form.fields else errors[0]
    else:
        try:
            with transaction.atomic():
                assessed = assessed_for(request.user, cycle, entry)
                for sex in (Sex.FEMALE, Sex.MALE):
                    workshop.tally_risk(
                        request.user,
                        assessed,
                        sex,
                        form.counts(sex, "likelihood"),
                        form.counts(sex, "impact"),
                    )
            entry.assessed = assessed
            status = "saved"
        except ValidationError as error:
            message = " ".join(dict.fromkeys(error.messages))
        except IntegrityError:
            # The same count arrived twice at once; the first one is stored.
            status = "saved"
    if not is_htmx(request):
        if status == "saved":
            messages.success(request, _("Conteo guardado."))
        else:
            messages.error(request, message)
        return redirect(ratings_url(cycle, entry) + "#conteo")
    return render(
        request,
        "integrity/workshop/_tally_status.html",
        {
            "tally_status": status,
            "tally_message": message,
            "tally_summary": tally_summary(cycle, entry),
        },
    )


def assessed_for(user, cycle: Cycle, entry: RiskEntry) -> AssessedRisk:
    """A catalogue risk gets its row in this workshop the first time someone rates it."""
    if entry.assessed is not None:
        return entry.assessed
    stored = AssessedRisk.objects.filter(cycle=cycle, risk=entry.risk).first()
    return stored or workshop.add_risk(user, cycle, risk=entry.risk)[0]


def missing_half(likelihood, impact) -> str:
    if likelihood is None:
        return _("Elija también la probabilidad para guardar.")
    return _("Elija también el impacto para guardar.")


def save_rating(user, cycle, entry, person, likelihood, impact) -> Rating:
    """Upsert by (risk, participant): sending the same rating again changes nothing."""
    with transaction.atomic():
        assessed = assessed_for(user, cycle, entry)
        rating, _created = workshop.rate_risk(user, assessed, person, likelihood, impact)
    return rating


def stored_rating(cycle: Cycle, entry: RiskEntry, person: Participant) -> Rating | None:
    ratings = Rating.objects.filter(participant=person, assessed_risk__cycle=cycle)
    if entry.risk is not None:
        return ratings.filter(assessed_risk__risk=entry.risk).first()
    return ratings.filter(assessed_risk=entry.assessed).first()


def rate_one(request: HttpRequest, cycle: Cycle, entry: RiskEntry) -> HttpResponse:
    person = get_object_or_404(cycle.participants, pk=posted_int(request, "participant"))
    number = next(n for n, p in people_numbered(cycle) if p.pk == person.pk)
    form = ScaleRatingForm(request.POST, scale=cycle.scale, prefix=f"p{person.pk}")
    rating, status, message = None, "error", ""
    if not form.is_valid():
        message = first_error(form)
    else:
        likelihood, impact = form.cleaned_data["likelihood"], form.cleaned_data["impact"]
        stored = stored_rating(cycle, entry, person)
        if likelihood is None and impact is None:
            if stored is not None:
                workshop.clear_rating(request.user, stored)
            status, message = "cleared", _("Sin valoración")
        elif likelihood is None or impact is None:
            status, message, rating = "incomplete", missing_half(likelihood, impact), stored
        else:
            try:
                rating = save_rating(request.user, cycle, entry, person, likelihood, impact)
                status = "saved"
            except ValidationError as error:
                message = " ".join(dict.fromkeys(error.messages))
                rating = stored
            except IntegrityError:
                # The same rating arrived twice at once; the first one is stored.
                rating, status = stored_rating(cycle, entry, person), "saved"
    if not is_htmx(request):
        if status == "saved":
            messages.success(request, _("Valoración guardada: %(n)s.") % {"n": number})
        elif message:
            messages.error(request, f"{number}. {message}")
        return redirect(ratings_url(cycle, entry) + f"#p-{person.pk}")
    row = rating_row(cycle, number, person, rating, status=status, message=message)
    if status in ("error", "incomplete"):
        # Show what the person chose, even if it could not be saved yet.
        row.form = form
    return render(
        request,
        "integrity/workshop/_rating_row.html",
        {"cycle": cycle, "entry": entry, "row": row, "can_edit": True},
    )


def ratings_url(cycle: Cycle, entry: RiskEntry) -> str:
    return reverse("integrity:ratings", args=[cycle.pk]) + f"?riesgo={entry.key}"


def rate_by_consensus(request: HttpRequest, cycle: Cycle, entry: RiskEntry) -> HttpResponse:
    form = consensus_form(cycle, entry, request.POST)
    status, message = "error", ""
    if not form.is_valid():
        message = first_error(form)
    else:
        likelihood, impact = form.cleaned_data["likelihood"], form.cleaned_data["impact"]
        if (likelihood is None) != (impact is None):
            status, message = "incomplete", missing_half(likelihood, impact)
        elif likelihood is None and entry.assessed is None:
            status = "cleared"
        else:
            try:
                with transaction.atomic():
                    assessed = workshop.change_assessed_risk(
                        request.user,
                        assessed_for(request.user, cycle, entry),
                        consensus_likelihood=likelihood,
                        consensus_impact=impact,
                    )
                entry.assessed = assessed
                status = "saved" if likelihood is not None else "cleared"
            except ValidationError as error:
                message = " ".join(dict.fromkeys(error.messages))
    if not is_htmx(request):
        if status == "saved":
            messages.success(request, _("Valoración del grupo guardada."))
        elif message:
            messages.error(request, message)
        return redirect(ratings_url(cycle, entry) + "#consenso")
    if status in ("saved", "cleared"):
        form = consensus_form(cycle, entry)
    return render(
        request,
        "integrity/workshop/_consensus.html",
        {
            "cycle": cycle,
            "entry": entry,
            "form": form,
            "status": status,
            "message": message,
            "can_edit": True,
        },
    )


def add_own_risk(request: HttpRequest, cycle: Cycle, form: OwnRiskForm):
    record_id = form.cleaned_data["record_id"]
    saved = through_service(
        form,
        workshop.add_risk,
        request.user,
        cycle,
        record_id=record_id,
        own_title=form.cleaned_data["own_title"],
    )
    if saved is None:
        return None
    assessed, created = saved
    if created:
        messages.success(request, _("Se agregó el riesgo del grupo; ahora valórenlo."))
    return redirect(reverse("integrity:ratings", args=[cycle.pk]) + f"?riesgo=g{assessed.pk}")


# Heat map and women's and men's ratings ----------------------------------------------------------
@login_required
def heat_map(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, can_edit = cycle_for(request, pk)
    entries = risk_entries(cycle)
    codes = short_codes(entries)
    cells = workshop.heat_map(cycle)
    scale = cycle.scale
    grid = []
    for likelihood in sorted(scale.likelihood, key=lambda level: -level["value"]):
        row = []
        for impact in sorted(scale.impact, key=lambda level: level["value"]):
            band = scale.band(likelihood["value"], impact["value"])
            # By code, so a cell reads the same before and after the top three are chosen.
            placed = sorted(
                cells.get((likelihood["value"], impact["value"]), []),
                key=lambda a: codes_order(codes.get(a.pk, "")),
            )
            row.append(
                {
                    "band": band,
                    "risks": [(codes.get(a.pk, ""), a) for a in placed],
                    "likelihood": likelihood,
                    "impact": impact,
                }
            )
        grid.append((likelihood, row))
    comparisons = [c for c in workshop.ratings_by_sex(cycle) if c.women_count or c.men_count]
    comparisons.sort(key=lambda c: codes_order(codes.get(c.assessed_risk.pk, "")))
    differing = [c for c in comparisons if c.difference is not None]
    widest = max((abs(c.difference) for c in differing), default=0)
    women_higher = sorted((c for c in differing if c.difference > 0), key=lambda c: -c.difference)
    men_higher = sorted((c for c in differing if c.difference < 0), key=lambda c: c.difference)
    context = workshop_context(
        cycle,
        can_edit,
        "heat_map",
        grid=grid,
        impacts=sorted(scale.impact, key=lambda level: level["value"]),
        placed=[e for e in entries if e.band is not None],
        comparisons=[
            (
                codes.get(c.assessed_risk.pk, ""),
                c,
                widest > 0 and c.difference is not None and abs(c.difference) == widest,
            )
            for c in comparisons
        ],
        women_higher=[(codes.get(c.assessed_risk.pk, ""), c) for c in women_higher[:3]],
        men_higher=[(codes.get(c.assessed_risk.pk, ""), c) for c in men_higher[:3]],
        apart=[(codes.get(c.assessed_risk.pk, ""), c) for c in workshop.voices_apart(comparisons)],
    )
    return render(request, "integrity/workshop/heat_map.html", context)


def codes_order(code: str) -> tuple[int, str]:
    # Catalogue risks (R01…) first, then the group's own (P1, P2…) in the order they came.
    return (0, code) if code.startswith("R") else (1, code.zfill(6))


# Top three ---------------------------------------------------------------------------------------
@login_required
def top_three(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, can_edit = cycle_for(request, pk)
    entries = risk_entries(cycle)
    rated = sorted(
        (e for e in entries if e.band is not None),
        key=lambda e: (-e.band["score"], codes_order(e.code)),
    )
    choices = [e.assessed for e in rated]
    for entry in rated:
        entry.assessed.label = f"{entry.code}. {entry.title} ({entry.band['label']})"
    chosen = sorted((a for a in choices if a.priority), key=lambda a: a.priority)
    names = ("first", "second", "third")
    if request.method == "POST":
        form = TopThreeForm(request.POST, rated=choices)
        if form.is_valid():
            try:
                workshop.set_top_three(request.user, cycle, form.ordered_ids())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Se guardaron los tres problemas clave."))
                return redirect("integrity:roadmap_plan", pk=cycle.pk)
    else:
        form = TopThreeForm(
            initial={name: a.pk for name, a in zip(names, chosen, strict=False)}, rated=choices
        )
    with_actions = [a for a in chosen if a.roadmap.exists()]
    context = workshop_context(
        cycle,
        can_edit,
        "top_three",
        form=form,
        rated=rated,
        with_actions=with_actions,
        voices=voices.priorities_by_sex(cycle),
    )
    return render(request, "integrity/workshop/top_three.html", context)


# Road-map plan for the top three -----------------------------------------------------------------
@login_required
def roadmap_plan(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, can_edit = cycle_for(request, pk)
    codes = short_codes(risk_entries(cycle))
    top = list(
        cycle.assessed_risks.filter(priority__isnull=False)
        .select_related("risk")
        .prefetch_related("risk__tools", "roadmap__tool")
        .order_by("priority")
    )
    bound = {}
    if request.method == "POST":
        assessed = next((a for a in top if a.pk == posted_int(request, "assessed")), None)
        if assessed is None:
            raise Http404
        form = roadmap_form(cycle, assessed, request.POST)
        if form.is_valid() and (saved := add_roadmap_item(request, cycle, assessed, form)):
            return saved
        bound[assessed.pk] = form
    sections = [
        {
            "code": codes.get(a.pk, ""),
            "assessed": a,
            "band": a.consensus_band(),
            "suggested": list(a.risk.tools.all()) if a.risk else [],
            "items": list(a.roadmap.all()),
            "form": bound.get(a.pk) or roadmap_form(cycle, a),
        }
        for a in top
    ]
    context = workshop_context(cycle, can_edit, "roadmap_plan", sections=sections)
    return render(request, "integrity/workshop/roadmap_plan.html", context)


def roadmap_form(cycle: Cycle, assessed: AssessedRisk, data=None) -> RoadmapItemForm:
    return RoadmapItemForm(
        data,
        instance=RoadmapItem(assessed_risk=assessed),
        prefix=f"r{assessed.pk}",
        catalogue=cycle.catalogue,
        suggested=list(assessed.risk.tools.all()) if assessed.risk else [],
    )


def add_roadmap_item(request, cycle: Cycle, assessed: AssessedRisk, form: RoadmapItemForm):
    """Through ``workshop.plan_action``; the same form sent twice adds the action once."""
    done = redirect(reverse("integrity:roadmap_plan", args=[cycle.pk]) + f"#riesgo-{assessed.pk}")
    data = form.cleaned_data
    saved = through_service(
        form,
        workshop.plan_action,
        request.user,
        assessed,
        record_id=data["record_id"],
        **{name: data[name] for name in ("tool", "action", "responsible", "deadline", "done_when")},
    )
    if saved is None:
        return None
    item, created = saved
    if not created:
        messages.info(request, _("Esa acción ya estaba guardada."))
        return done
    messages.success(
        request, _("Acción agregada a la hoja de ruta: %(action)s") % {"action": item.action}
    )
    return done


urlpatterns = [
    path("ciclos/", cycle_list, name="cycle_list"),
    path("ciclos/nuevo/", cycle_create, name="cycle_create"),
    path("ciclos/<int:pk>/", cycle_detail, name="cycle_detail"),
    path("ciclos/<int:pk>/editar/", cycle_edit, name="cycle_edit"),
    path("ciclos/<int:pk>/participantes/", participants, name="participants"),
    path("ciclos/<int:pk>/cumplimiento/", compliance, name="compliance"),
    path("ciclos/<int:pk>/valoracion/", ratings, name="ratings"),
    path("ciclos/<int:pk>/mapa/", heat_map, name="heat_map"),
    path("ciclos/<int:pk>/prioridades/", top_three, name="top_three"),
    path("ciclos/<int:pk>/plan/", roadmap_plan, name="roadmap_plan"),
]
