"""Observation pages: lists, exports, details, entry forms and the validation buttons."""

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ojodeagua.audit.models import AuditEvent
from ojodeagua.audit.trail import diff, record, save_audited, save_form_audited, snapshot
from ojodeagua.lib.folding import Folded, fold
from ojodeagua.organisations.scope import (
    get_editable_or_404,
    get_visible_or_404,
    scope_for,
)
from ojodeagua.pages.entity import EntityPages, ExportColumn, SearchFilterSet
from ojodeagua.pages.filters import visible
from ojodeagua.places.models import Locality
from ojodeagua.watersystems.models import WaterSystem

from . import selectors, services, workflow
from .forms import (
    HealthCentreSurveyForm,
    HouseholdSurveyForm,
    SchoolSurveyForm,
    SupplyDayRow,
    SupplyWeekChoice,
    SystemVisitForm,
)
from .models import (
    ComponentCheck,
    HealthCentreSurvey,
    HouseholdSurvey,
    InspectionAnswer,
    InspectionForm,
    SchoolSurvey,
    SupplyDay,
    SystemVisit,
)
from .observation import Observation

State = Observation.State


# Lists ----------------------------------------------------------------------------------------
class ObservationFilter(SearchFilterSet):
    """Search, state and date range shared by every observation list."""

    search_fields: tuple[str, ...] = ()

    state = django_filters.ChoiceFilter(
        label=gettext_lazy("Estado"),
        choices=[("pending", gettext_lazy("pendiente")), *State.choices],
        method="filter_state",
        empty_label=gettext_lazy("Todos"),
    )
    date_from = django_filters.DateFilter(
        field_name="observed_on",
        lookup_expr="gte",
        label=gettext_lazy("Desde"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="observed_on",
        lookup_expr="lte",
        label=gettext_lazy("Hasta"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def filter_state(self, queryset, name, value):
        if value == "pending":
            return queryset.exclude(state=State.VALIDATED)
        return queryset.filter(state=value)

    def search_text(self, queryset, name: str, value: str):
        # Observations have no names of their own: search the names of what they observe.
        text = fold(value.strip())
        if not text:
            return queryset
        condition = models.Q()
        for index, field in enumerate(self.search_fields):
            alias = f"_folded_{index}"
            queryset = queryset.alias(**{alias: Folded(field)})
            condition |= models.Q(**{f"{alias}__contains": text})
        return queryset.filter(condition)


def system_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name="system",
        queryset=visible(WaterSystem),
        label=gettext_lazy("Sistema"),
        empty_label=gettext_lazy("Todos los sistemas"),
    )


def locality_filter(field_name: str = "locality") -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=visible(Locality),
        label=gettext_lazy("Localidad"),
        empty_label=gettext_lazy("Todas las localidades"),
    )


class VisitFilter(ObservationFilter):
    search_fields = ("system__name", "system__locality__name", "notes")
    system = system_filter()

    class Meta:
        model = SystemVisit
        fields = ["q", "system", "state", "date_from", "date_to"]


class SupplyDayFilter(ObservationFilter):
    search_fields = ("system__name", "sector", "system__locality__name")
    system = system_filter()

    class Meta:
        model = SupplyDay
        fields = ["q", "system", "state", "date_from", "date_to"]


class HouseholdSurveyFilter(ObservationFilter):
    search_fields = ("locality__name", "system__name", "notes")
    locality = locality_filter()

    class Meta:
        model = HouseholdSurvey
        fields = ["q", "locality", "state", "date_from", "date_to"]


class SchoolSurveyFilter(ObservationFilter):
    search_fields = ("school__name", "school__locality__name")
    locality = locality_filter("school__locality")

    class Meta:
        model = SchoolSurvey
        fields = ["q", "locality", "state", "date_from", "date_to"]


class HealthCentreSurveyFilter(ObservationFilter):
    search_fields = ("health_centre__name", "health_centre__locality__name")
    locality = locality_filter("health_centre__locality")

    class Meta:
        model = HealthCentreSurvey
        fields = ["q", "locality", "state", "date_from", "date_to"]


def observation_columns(*columns: ExportColumn) -> list[ExportColumn]:
    """Export columns: the record's identity and state first, then its own facts."""
    return [
        ExportColumn("id", lambda o: o.pk),
        ExportColumn("id_registro", lambda o: o.record_id),
        ExportColumn("fecha", lambda o: o.observed_on),
        ExportColumn("origen", lambda o: o.source),
        ExportColumn("estado", lambda o: o.state),
        *columns,
        ExportColumn("notas", lambda o: o.notes),
    ]


# Saving -----------------------------------------------------------------------------------------
def requested_action(request: HttpRequest) -> str:
    action = request.POST.get("action", workflow.SUBMIT)
    return action if action in {workflow.DRAFT, workflow.SUBMIT, workflow.VALIDATE} else ""


def save_entry(request: HttpRequest, observation: Observation, write: services.Write):
    """Save through the one observation service, with the state the pressed button asks for."""
    saved, _created = services.save_observation(
        request.user,
        observation,
        write,
        channel=Observation.Channel.PAGE,
        action=requested_action(request),
    )
    return saved


@dataclass
class ObservationPages(EntityPages):
    """EntityPages for observations: anyone who may edit records them; buttons validate them."""

    create_path: str = "nuevo/"
    # A custom entry page replaces the generic one (a visit needs its system chosen first).
    entry_view: Callable[..., HttpResponse] | None = None
    edit_context: Callable[[HttpRequest, Any], dict[str, Any]] | None = None
    after_save: Callable[[Any], None] | None = None

    def template(self, name: str) -> list[str]:
        return [
            f"{self.template_dir}/{self.slug}_{name}.html",
            f"monitoring/observation_{name}.html",
            f"pages/{name}.html",
        ]

    def can_create(self, request: HttpRequest) -> bool:
        scope = scope_for(request.user)
        return scope.everything or bool(scope.edit)

    def detail_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_visible_or_404(request.user, self.model, pk)
        scope = scope_for(request.user)
        context = {
            "pages": self,
            "object": obj,
            "can_edit": scope.can_edit(obj),
            "can_validate": not obj.is_validated and workflow.can_validate(scope, obj),
            "validate_url": reverse(self.url_name("validate"), args=[obj.pk]),
            "submit_url": reverse(self.url_name("submit"), args=[obj.pk]),
            "edit_url": reverse(self.url_name("edit"), args=[obj.pk]),
            "list_url": reverse(self.url_name("list")),
        }
        if self.detail_context:
            context.update(self.detail_context(request, obj))
        return render(request, self.template("detail"), context)

    def edit_view(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        scope = scope_for(request.user)
        if pk is None:
            if not self.can_create(request):
                raise PermissionDenied
            instance = self.model()
        else:
            instance = get_editable_or_404(request.user, self.model, pk)
        data = request.POST if request.method == "POST" else None
        form = self.form(data, instance=instance, scope=scope)
        formsets = [
            formset_class(
                data,
                instance=instance,
                prefix=formset_class.model._meta.model_name,
                form_kwargs={"scope": scope},
            )
            for formset_class in self.formsets
        ]
        if data is not None and form.is_valid() and all(f.is_valid() for f in formsets):
            saved = save_entry(
                request, form.instance, lambda _: self.save_form(request, form, formsets)
            )
            messages.success(request, saved_message(saved))
            return redirect(saved.get_absolute_url())
        context = {
            "pages": self,
            "object": instance,
            "form": form,
            "formsets": formsets,
            "formsets_have_errors": any(f.total_error_count() for f in formsets if f.is_bound),
            "list_url": reverse(self.url_name("list")),
            "can_validate": workflow.can_validate(scope, instance) if instance.pk else False,
            "scope": scope,
        }
        if self.edit_context:
            context.update(self.edit_context(request, instance))
        return render(request, self.template("edit"), context, status=400 if data else 200)

    def save_form(self, request: HttpRequest, form, formsets) -> Observation:
        saved = save_form_audited(request.user, form, formsets)
        if self.after_save:
            self.after_save(saved)
        return saved

    def validate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_visible_or_404(request.user, self.model, pk)
        if workflow.validate_observation(obj, request.user):
            messages.success(request, _("Registro validado: ya cuenta en los resúmenes."))
        return redirect(obj.get_absolute_url())

    def submit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_editable_or_404(request.user, self.model, pk)
        if obj.state == State.DRAFT:
            services.save_observation(
                request.user,
                obj,
                lambda _: save_audited(request.user, obj, obj.save),
                channel=Observation.Channel.PAGE,
            )
            messages.success(request, _("Registro enviado para validar."))
        return redirect(obj.get_absolute_url())

    def urls(self) -> list:
        prefix, login = self.url_prefix, login_required
        entry = self.entry_view or self.edit_view
        return [
            path(f"{prefix}", login(self.list_view), name=f"{self.slug}_list"),
            path(f"{prefix}exportar.csv", login(self.export_view), name=f"{self.slug}_export"),
            path(f"{prefix}{self.create_path}", login(entry), name=f"{self.slug}_create"),
            path(f"{prefix}<int:pk>/", login(self.detail_view), name=f"{self.slug}_detail"),
            path(f"{prefix}<int:pk>/editar/", login(entry), name=f"{self.slug}_edit"),
            path(
                f"{prefix}<int:pk>/validar/",
                require_POST(login(self.validate_view)),
                name=f"{self.slug}_validate",
            ),
            path(
                f"{prefix}<int:pk>/enviar/",
                require_POST(login(self.submit_view)),
                name=f"{self.slug}_submit",
            ),
        ]


def saved_message(observation: Observation) -> str:
    if observation.state == State.VALIDATED:
        return _("Se guardó y quedó validado.")
    if observation.state == State.DRAFT:
        return _("Se guardó como borrador; envíelo para validar cuando esté completo.")
    return _("Se guardó. Queda pendiente hasta que una coordinación o facilitación lo valide.")


def facts(obj: models.Model, names: list[str]) -> list[tuple[str, Any]]:
    """(label, readable value) pairs for a detail page, in the order of the entry form."""
    rows = []
    for name in names:
        field = obj._meta.get_field(name)
        value = getattr(obj, name)
        if field.choices:
            value = getattr(obj, f"get_{name}_display")()
        elif isinstance(value, bool):
            value = _("sí") if value else _("no")
        elif hasattr(value, "strftime"):
            value = value.strftime("%d/%m/%Y")
        rows.append((field.verbose_name, value))
    return rows


def facts_context(names: list[str]) -> Callable[[HttpRequest, Any], dict[str, Any]]:
    return lambda request, obj: {"facts": facts(obj, names)}


# System visits ----------------------------------------------------------------------------------
def inspection_forms_for(kind: str) -> list[InspectionForm]:
    # A handful of rows; JSON "contains" is not available on SQLite.
    return [form for form in InspectionForm.objects.order_by("code") if kind in form.system_kinds]


def latest_samples(request: HttpRequest, system: WaterSystem, limit: int = 3):
    # Read through the reverse relation: water quality sits above monitoring and is not imported.
    samples = scope_for(request.user).visible(system.samples.all())
    return samples.prefetch_related(
        "results__verdicts__norm", "results__verdicts__version", "results__parameter"
    )[:limit]


def visit_context(request: HttpRequest, visit: SystemVisit) -> dict[str, Any]:
    return {
        "checks": visit.component_checks.select_related("component"),
        "answers": visit.inspection_answers.select_related("question"),
        "samples": latest_samples(request, visit.system),
    }


def visit_entry(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Choose a system, then record the visit with its components and inspection."""
    scope = scope_for(request.user)
    if pk is not None:
        visit = get_editable_or_404(request.user, SystemVisit, pk)
        system = visit.system
    else:
        visit = SystemVisit()
        if not visit_pages.can_create(request):
            raise PermissionDenied
        system_id = request.GET.get("system", "")
        if not system_id:
            systems = scope.editable(WaterSystem.objects.select_related("locality"))
            return render(request, "monitoring/visit_choose.html", {"systems": systems})
        if not system_id.isdigit():
            raise Http404
        system = get_editable_or_404(request.user, WaterSystem, int(system_id))
    choices = inspection_forms_for(system.kind)
    inspection_form = visit.inspection_form if visit.pk else None
    code = request.GET.get("formulario")
    if code and not visit.pk:
        inspection_form = InspectionForm.objects.filter(code=code).first()
    elif not visit.pk and choices:
        inspection_form = choices[0]
    data = request.POST if request.method == "POST" else None
    form = SystemVisitForm(
        data, instance=visit, scope=scope, system=system, inspection_form=inspection_form
    )
    if data is not None and form.is_valid():
        visit = save_entry(request, form.instance, lambda _: save_visit(request, form))
        messages.success(request, saved_message(visit))
        return redirect(visit.get_absolute_url())
    context = {
        "form": form,
        "object": visit,
        "system": system,
        "inspection_form": inspection_form,
        "other_forms": InspectionForm.objects.exclude(
            pk=inspection_form.pk if inspection_form else None
        ),
        "can_validate": workflow.can_validate(scope, form.instance),
        "list_url": reverse("monitoring:visit_list"),
    }
    return render(request, "monitoring/visit_edit.html", context, status=400 if data else 200)


def save_visit(request: HttpRequest, form: SystemVisitForm) -> SystemVisit:
    """Save the visit, its rows and its score, with one audit event for the visit itself."""
    visit = form.instance
    stored = SystemVisit.objects.filter(pk=visit.pk).first() if visit.pk else None
    before = snapshot(stored) if stored else None
    form.save()
    for component, condition in form.conditions():
        check = ComponentCheck.objects.filter(visit=visit, component=component).first()
        check = check or ComponentCheck(visit=visit, component=component)
        if check.pk is None or check.condition != condition:
            check.condition = condition
            save_audited(request.user, check, check.save)
    for question, hazard in form.answers():
        answer = InspectionAnswer.objects.filter(visit=visit, question=question).first()
        answer = answer or InspectionAnswer(visit=visit, question=question)
        if answer.pk is None or answer.hazard != hazard:
            answer.hazard = hazard
            save_audited(request.user, answer, answer.save)
    visit.score_inspection()
    visit.save(update_fields=["inspection_score", "inspection_risk"])
    after = snapshot(visit)
    if before is None:
        record(request.user, AuditEvent.Action.CREATE, visit, after)
    elif changes := diff(before, after):
        record(request.user, AuditEvent.Action.UPDATE, visit, changes)
    return visit


# Supply log -------------------------------------------------------------------------------------
def supply_week(request: HttpRequest) -> HttpResponse:
    """Enter or correct seven days of supply of one system (and sector) at once."""
    scope = scope_for(request.user)
    if not supply_pages.can_create(request):
        raise PermissionDenied
    params = request.GET if request.GET.get("system") else None
    choice = SupplyWeekChoice(params, scope=scope)
    context: dict[str, Any] = {"choice": choice, "list_url": reverse("monitoring:supplyday_list")}
    if params is None or not choice.is_valid():
        return render(request, "monitoring/supply_week.html", context)
    system, sector = choice.cleaned_data["system"], choice.cleaned_data["sector"]
    days = choice.days()
    existing = {
        day.observed_on: day
        for day in SupplyDay.objects.filter(
            system=system, sector=sector, observed_on__range=(days[0], days[-1])
        )
    }
    data = request.POST if request.method == "POST" else None
    rows = [
        SupplyDayRow(
            data,
            prefix=f"day-{index}",
            day=day,
            existing=existing.get(day),
            initial=(
                {
                    "hours": existing[day].hours,
                    "no_water_reason": existing[day].no_water_reason,
                }
                if day in existing
                else None
            ),
        )
        for index, day in enumerate(days)
    ]
    context.update(
        {
            "system": system,
            "sector": sector,
            "rows": rows,
            "can_validate": workflow.can_validate(scope, SupplyDay(system=system)),
        }
    )
    if data is not None and all(row.is_valid() for row in rows):
        try:
            with transaction.atomic():
                saved = save_week(request, system, sector, rows)
        except IntegrityError:
            context["week_error"] = _(
                "Alguien más anotó uno de estos días para este sistema y sector mientras usted "
                "escribía. Vuelva a abrir la semana para ver lo guardado y corríjalo ahí."
            )
        else:
            if saved:
                messages.success(
                    request,
                    _("Se guardaron %(count)s días. %(state)s")
                    % {"count": len(saved), "state": saved_message(saved[0])},
                )
            else:
                messages.info(request, _("No había nada que guardar: todos los días en blanco."))
            query = urlencode({"system": system.pk, "sector": sector, "start": days[0]})
            return redirect(f"{reverse('monitoring:supply_week')}?{query}")
    context["rows_have_errors"] = data is not None and any(row.errors for row in rows)
    status = 400 if data is not None else 200
    return render(request, "monitoring/supply_week.html", context, status=status)


def save_week(request: HttpRequest, system, sector: str, rows: list[SupplyDayRow]) -> list:
    saved = []
    for row in rows:
        if row.is_blank:
            continue
        day = row.existing or SupplyDay(system=system, sector=sector, observed_on=row.day)
        hours, reason = row.cleaned_data["hours"], row.cleaned_data["no_water_reason"]
        if day.pk and day.hours == hours and day.no_water_reason == reason:
            continue
        if day.pk is None:
            day.source = Observation.Source.SELF_REPORT
        day.hours, day.no_water_reason = hours, reason
        saved.append(save_entry(request, day, save_supply_day(request)))
    return saved


def save_supply_day(request: HttpRequest) -> services.Write:
    def write(day: SupplyDay) -> SupplyDay:
        check_unique_day(day)
        return save_audited(request.user, day, day.save)

    return write


def check_unique_day(day: SupplyDay) -> None:
    clash = SupplyDay.objects.filter(
        system=day.system, sector=day.sector, observed_on=day.observed_on
    ).exclude(pk=day.pk)
    if clash.exists():
        raise IntegrityError("one_supply_day_per_sector")


def supply_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A single day is corrected in its week, where the neighbouring days give context."""
    day = get_editable_or_404(request.user, SupplyDay, pk)
    query = urlencode({"system": day.system_id, "sector": day.sector, "start": day.observed_on})
    return redirect(f"{reverse('monitoring:supply_week')}?{query}")


def supply_entry(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        return redirect("monitoring:supply_week")
    return supply_edit(request, pk)


# Pages ------------------------------------------------------------------------------------------
visit_pages = ObservationPages(
    model=SystemVisit,
    slug="visit",
    url_prefix="visitas/",
    create_path="nueva/",
    template_dir="monitoring",
    filterset=VisitFilter,
    form=SystemVisitForm,
    entry_view=visit_entry,
    select_related=("system", "system__locality", "inspection_form"),
    detail_context=visit_context,
    export_columns=observation_columns(
        ExportColumn("sistema_id", lambda o: o.system_id),
        ExportColumn("sistema", lambda o: o.system.name),
        ExportColumn("cvegeo", lambda o: o.system.locality.key),
        ExportColumn("funciona", lambda o: "si" if o.working else "no"),
        ExportColumn("caudal_lps", lambda o: o.flow_lps),
        ExportColumn("dias_sin_servicio", lambda o: o.downtime_days),
        ExportColumn("causa_paro", lambda o: o.downtime_cause),
        ExportColumn("cloracion", lambda o: o.chlorination),
        ExportColumn(
            "formulario_inspeccion", lambda o: o.inspection_form.code if o.inspection_form else ""
        ),
        ExportColumn("puntaje_riesgo", lambda o: o.inspection_score),
        ExportColumn("riesgo_sanitario", lambda o: o.inspection_risk),
    ),
)

supply_pages = ObservationPages(
    model=SupplyDay,
    slug="supplyday",
    url_prefix="suministro/",
    template_dir="monitoring",
    filterset=SupplyDayFilter,
    form=None,
    entry_view=supply_entry,
    select_related=("system", "system__locality"),
    detail_context=facts_context(
        ["system", "sector", "observed_on", "hours", "no_water_reason", "source", "notes"]
    ),
    export_columns=observation_columns(
        ExportColumn("sistema_id", lambda o: o.system_id),
        ExportColumn("sistema", lambda o: o.system.name),
        ExportColumn("sector", lambda o: o.sector),
        ExportColumn("horas", lambda o: o.hours),
        ExportColumn("causa_sin_agua", lambda o: o.no_water_reason),
    ),
)

household_pages = ObservationPages(
    model=HouseholdSurvey,
    slug="householdsurvey",
    url_prefix="encuestas/hogares/",
    create_path="nueva/",
    template_dir="monitoring",
    filterset=HouseholdSurveyFilter,
    form=HouseholdSurveyForm,
    select_related=("locality", "system"),
    detail_context=facts_context(HouseholdSurveyForm.Meta.fields),
    list_context=lambda request, surveys: {"by_sex": selectors.answers_by_sex(surveys)},
    export_columns=observation_columns(
        *[ExportColumn(name, attrgetter(name)) for name in ["locality_id", "system_id"]],
        ExportColumn("cvegeo", lambda o: o.locality.key),
        *[
            ExportColumn(name, attrgetter(name))
            for name in HouseholdSurveyForm.Meta.fields
            if name not in {"observed_on", "source", "locality", "system", "notes"}
        ],
    ),
)


def yes_no_value(name: str) -> Callable[[Any], str]:
    return lambda o: "si" if getattr(o, name) else "no"


def institution_columns(place: str) -> list[ExportColumn]:
    return observation_columns(
        ExportColumn(f"{place}_id", lambda o: getattr(o, f"{place}_id")),
        ExportColumn("nombre", lambda o: getattr(o, place).name),
        ExportColumn("cvegeo", lambda o: getattr(o, place).locality.key),
        *[
            ExportColumn(name, yes_no_value(name))
            for name in SchoolSurveyForm.Meta.fields
            if name not in {"school", "observed_on", "source", "notes"}
        ],
    )


school_pages = ObservationPages(
    model=SchoolSurvey,
    slug="schoolsurvey",
    url_prefix="encuestas/escuelas/",
    create_path="nueva/",
    template_dir="monitoring",
    filterset=SchoolSurveyFilter,
    form=SchoolSurveyForm,
    select_related=("school", "school__locality"),
    detail_context=facts_context(SchoolSurveyForm.Meta.fields),
    export_columns=institution_columns("school"),
)

health_centre_pages = ObservationPages(
    model=HealthCentreSurvey,
    slug="healthcentresurvey",
    url_prefix="encuestas/centros-de-salud/",
    create_path="nueva/",
    template_dir="monitoring",
    filterset=HealthCentreSurveyFilter,
    form=HealthCentreSurveyForm,
    select_related=("health_centre", "health_centre__locality"),
    detail_context=facts_context(HealthCentreSurveyForm.Meta.fields),
    export_columns=institution_columns("health_centre"),
)
