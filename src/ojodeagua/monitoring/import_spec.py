"""The import specs of monitoring: the columns of visits, supply days and surveys."""

import re
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.imports.columns import (
    QUERY_CHUNK,
    Boolean,
    Choice,
    Column,
    Reference,
    RowError,
    field_column,
)
from ojodeagua.imports.engine import ParsedRow
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.places.models import Locality
from ojodeagua.watersystems.models import Component, WaterSystem

from .models import (
    ComponentCheck,
    HealthCentreSurvey,
    HouseholdSurvey,
    InspectionAnswer,
    InspectionForm,
    InspectionQuestion,
    SchoolSurvey,
    SupplyDay,
    SystemVisit,
)
from .observation import Observation
from .observation_import import ChildSpec, ObservationSpec, observation_columns

SOURCE = Observation.Source


def system_column(*, required: bool = True) -> Column:
    return Column(
        "system_id",
        Reference(WaterSystem, whole=True, label=gettext_lazy("sistema")),
        field="system",
        required=required,
        description=_(
            "número del sistema de agua: el de su dirección (/sistemas/N/) y la columna id "
            "de la exportación de sistemas"
        ),
    )


def locality_column() -> Column:
    return Column(
        "locality_key",
        Reference(Locality, "key", digits=9, label=gettext_lazy("localidad")),
        field="locality",
        required=True,
        description=_("clave INEGI de 9 dígitos de la localidad (estado, municipio, localidad)"),
    )


# System visits ----------------------------------------------------------------------------------
CONDITION_PREFIX = "condition_"
ANSWER_COLUMN = re.compile(r"^inspection_q(\d+)$")


class ComponentConditions(ChildSpec):
    """``condition_storage``, ``condition_pump``…: the condition of each kind of component seen."""

    model = ComponentCheck
    parent_field = "visit"
    fields = ("condition",)

    def columns(self, header: Sequence[str]) -> list[Column]:
        kinds = dict(Component.Kind.choices)
        names = [name for name in header if name.startswith(CONDITION_PREFIX)]
        unknown = [name for name in names if name.removeprefix(CONDITION_PREFIX) not in kinds]
        if unknown:
            raise TabularFileError(
                _(
                    "No se reconoce la columna %(columns)s. Las columnas de condición se llaman "
                    "condition_ y el tipo de componente: %(allowed)s."
                )
                % {
                    "columns": ", ".join(unknown),
                    "allowed": ", ".join(CONDITION_PREFIX + kind for kind in kinds),
                }
            )
        if not header:  # the documentation lists every kind
            names = [CONDITION_PREFIX + kind for kind in kinds]
        return [
            Column(
                name,
                Choice(Component.Condition.choices),
                description=_("condición de: %(kind)s")
                % {"kind": kinds[name.removeprefix(CONDITION_PREFIX)]},
            )
            for name in names
        ]

    def prepare(self, parents, rows) -> None:
        system_ids = sorted({parent.system_id for parent in parents})
        self.components: dict[tuple[int, str], list[Component]] = {}
        for start in range(0, len(system_ids), QUERY_CHUNK):
            chunk = system_ids[start : start + QUERY_CHUNK]
            for component in Component.objects.filter(system_id__in=chunk):
                self.components.setdefault((component.system_id, component.kind), []).append(
                    component
                )

    def build(self, parent, row: ParsedRow) -> list[ComponentCheck]:
        checks = []
        for name, condition in row.values.items():
            if not name.startswith(CONDITION_PREFIX):
                continue
            kind = name.removeprefix(CONDITION_PREFIX)
            components = self.components.get((parent.system_id, kind))
            if not components:
                raise RowError(
                    _(
                        "el sistema «%(system)s» no tiene registrado ese componente; deje vacía "
                        "la columna %(column)s o agregue el componente en la ficha del sistema"
                    )
                    % {"system": parent.system, "column": name}
                )
            checks.extend(
                ComponentCheck(component=component, condition=condition) for component in components
            )
        return checks

    def key(self, child: ComponentCheck) -> Any:
        return child.component_id


class InspectionAnswers(ChildSpec):
    """``inspection_q1``…: "sí" when the hazard of that question was seen at the visit."""

    model = InspectionAnswer
    parent_field = "visit"
    fields = ("hazard",)

    def columns(self, header: Sequence[str]) -> list[Column]:
        names = [name for name in header if ANSWER_COLUMN.match(name)]
        if not header:
            names = ["inspection_qN"]
        return [
            Column(
                name,
                Boolean(),
                description=_(
                    "respuesta a la pregunta N del formulario de inspección: sí si se ve el "
                    "riesgo, no si no se ve"
                ),
            )
            for name in names
        ]

    def prepare(self, parents, rows) -> None:
        form_ids = {parent.inspection_form_id for parent in parents if parent.inspection_form_id}
        self.questions = {
            (question.form_id, question.number): question
            for question in InspectionQuestion.objects.filter(form_id__in=form_ids)
        }
        self.forms = {
            form.pk: form
            for form in InspectionForm.objects.filter(pk__in=form_ids).prefetch_related("bands")
        }

    def build(self, parent, row: ParsedRow) -> list[InspectionAnswer]:
        answers = []
        for name, hazard in row.values.items():
            match = ANSWER_COLUMN.match(name)
            if not match:
                continue
            if not parent.inspection_form_id:
                raise RowError(
                    _(
                        "hay respuestas de inspección pero falta inspection_form; escriba el "
                        "código del formulario usado"
                    )
                )
            question = self.questions.get((parent.inspection_form_id, int(match.group(1))))
            if question is None:
                raise RowError(
                    _(
                        "el formulario «%(form)s» no tiene la pregunta %(number)s "
                        "(columna %(column)s)"
                    )
                    % {
                        "form": parent.inspection_form.code,
                        "number": match.group(1),
                        "column": name,
                    }
                )
            answers.append(InspectionAnswer(question=question, hazard=hazard))
        return answers

    def key(self, child: InspectionAnswer) -> Any:
        return child.question_id

    def finish(self, visit: SystemVisit, merged: dict) -> None:
        """Score the inspection from all its answers, old and new, with the form's own bands."""
        answers = [
            answer
            for answer in merged.get(self, [])
            if answer.question.form_id == visit.inspection_form_id
        ]
        if not visit.inspection_form_id or not answers:
            visit.inspection_score, visit.inspection_risk = None, ""
            return
        score = sum(1 for answer in answers if answer.hazard)
        form = self.forms.get(visit.inspection_form_id)
        bands = form.bands.all() if form else []
        band = next((b for b in bands if b.min_score <= score <= b.max_score), None)
        visit.inspection_score, visit.inspection_risk = score, band.risk if band else ""


_answers = InspectionAnswers()

VISITS = ObservationSpec(
    kind="visits",
    label=gettext_lazy("visitas a sistemas"),
    model=SystemVisit,
    description=gettext_lazy(
        "Una fila por visita. La condición de los componentes y las respuestas de la "
        "inspección sanitaria van en columnas de la misma fila."
    ),
    columns=[
        *observation_columns(SystemVisit),
        system_column(),
        field_column(SystemVisit, "working"),
        field_column(SystemVisit, "flow_lps"),
        field_column(SystemVisit, "downtime_days"),
        field_column(
            SystemVisit,
            "downtime_cause",
            hint=_("si hubo días sin servicio, diga la causa principal"),
        ),
        field_column(SystemVisit, "chlorination"),
        Column(
            "inspection_form",
            Reference(InspectionForm, "code", label=gettext_lazy("formulario de inspección")),
            field="inspection_form",
            description=_("código del formulario de inspección sanitaria usado"),
        ),
    ],
    default_source=SOURCE.VISIT,
    children=[ComponentConditions(), _answers],
    place_fields=("system",),
    finish=_answers.finish,
)


# Supply days ------------------------------------------------------------------------------------
def supply_day_key(day: SupplyDay) -> tuple:
    return (day.system_id, day.sector, day.observed_on)


def stored_supply_days(days: list[SupplyDay]):
    if not days:
        return
    system_ids = sorted({day.system_id for day in days})
    first = min(day.observed_on for day in days)
    last = max(day.observed_on for day in days)
    for start in range(0, len(system_ids), QUERY_CHUNK):
        rows = SupplyDay.objects.filter(
            system_id__in=system_ids[start : start + QUERY_CHUNK],
            observed_on__range=(first, last),
        ).values_list("system_id", "sector", "observed_on", "record_id")
        for system_id, sector, observed_on, record_id in rows.iterator(chunk_size=5000):
            yield (system_id, sector, observed_on), record_id


SUPPLY_DAYS = ObservationSpec(
    kind="supply-days",
    label=gettext_lazy("días de suministro"),
    model=SupplyDay,
    description=gettext_lazy(
        "Una fila por sistema (o sector de su red) y día: cuántas horas hubo agua."
    ),
    columns=[
        *observation_columns(SupplyDay),
        system_column(),
        field_column(SupplyDay, "sector"),
        field_column(
            SupplyDay,
            "hours",
            hint=_("escriba 0 si no hubo agua y llene no_water_reason"),
            description=_("horas con agua ese día, de 0 a 24"),
        ),
        field_column(SupplyDay, "no_water_reason"),
    ],
    default_source=SOURCE.SELF_REPORT,
    natural_key=supply_day_key,
    natural_keys_stored=stored_supply_days,
    natural_key_message=gettext_lazy(
        "ya hay un registro de ese sistema, sector y día con otro record_id («%(id)s»); para "
        "corregirlo use ese mismo record_id"
    ),
    place_fields=("system",),
)


# Household surveys ------------------------------------------------------------------------------
YES_NO_ALIASES = {"si": "yes", "s": "yes", "n": "no", "no se": "unknown", "ns": "unknown"}

HOUSEHOLD_SURVEYS = ObservationSpec(
    kind="household-surveys",
    label=gettext_lazy("encuestas de hogar"),
    model=HouseholdSurvey,
    description=gettext_lazy("Una fila por vivienda encuestada. No lleva nombres."),
    columns=[
        *observation_columns(HouseholdSurvey),
        locality_column(),
        system_column(required=False),
        field_column(HouseholdSurvey, "respondent_sex", aliases_for={"mujer": "F", "hombre": "M"}),
        field_column(HouseholdSurvey, "household_size"),
        field_column(HouseholdSurvey, "water_source"),
        field_column(HouseholdSurvey, "water_on_premises"),
        field_column(HouseholdSurvey, "collection_minutes"),
        field_column(HouseholdSurvey, "sufficient_last_month", aliases_for=YES_NO_ALIASES),
        field_column(HouseholdSurvey, "days_with_water_last_week"),
        field_column(HouseholdSurvey, "toilet"),
        field_column(HouseholdSurvey, "toilet_shared"),
        field_column(HouseholdSurvey, "excreta_disposal"),
        field_column(HouseholdSurvey, "handwashing"),
        field_column(HouseholdSurvey, "handwashing_water"),
        field_column(HouseholdSurvey, "handwashing_soap"),
        field_column(HouseholdSurvey, "water_has_problem", aliases_for=YES_NO_ALIASES),
        field_column(HouseholdSurvey, "satisfied", aliases_for=YES_NO_ALIASES),
        field_column(HouseholdSurvey, "monthly_payment"),
    ],
    default_source=SOURCE.VISIT,
    place_fields=("system", "locality"),
    place_hint=gettext_lazy(
        "si la vivienda toma agua de un sistema que usted atiende, llene system_id"
    ),
)


# School and health-centre surveys ---------------------------------------------------------------
def institution_columns(model) -> list[Column]:
    return [field_column(model, name) for name in model.ANSWER_FIELDS]


def facility_columns(model, field: str, prefix: str, key_label: str) -> list[Column]:
    label = model._meta.verbose_name
    related = ("locality", "water_system")
    return [
        Column(
            f"{prefix}_id",
            Reference(model, whole=True, select_related=related, label=label),
            field=field,
            description=_("número de %(label)s en Ojo de Agua (columna id de su exportación)")
            % {"label": label},
        ),
        Column(
            f"{prefix}_key",
            Reference(model, "key", select_related=related, label=label),
            field=field,
            description=key_label,
        ),
    ]


SCHOOL_SURVEYS = ObservationSpec(
    kind="school-surveys",
    label=gettext_lazy("encuestas en escuelas"),
    model=SchoolSurvey,
    description=gettext_lazy(
        "Una fila por escuela y fecha. La escuela se da por school_id o por su clave CCT."
    ),
    columns=[
        *observation_columns(SchoolSurvey),
        *facility_columns(
            School, "school", "school", _("clave de centro de trabajo (CCT) de la escuela")
        ),
        *institution_columns(SchoolSurvey),
    ],
    required_any=[("school_id", "school_key")],
    default_source=SOURCE.VISIT,
    place_fields=("school",),
)

HEALTH_CENTRE_SURVEYS = ObservationSpec(
    kind="health-centre-surveys",
    label=gettext_lazy("encuestas en centros de salud"),
    model=HealthCentreSurvey,
    description=gettext_lazy(
        "Una fila por centro de salud y fecha. El centro se da por health_centre_id o por su "
        "clave CLUES."
    ),
    columns=[
        *observation_columns(HealthCentreSurvey),
        *facility_columns(
            HealthCentre, "health_centre", "health_centre", _("clave CLUES del centro de salud")
        ),
        *institution_columns(HealthCentreSurvey),
    ],
    required_any=[("health_centre_id", "health_centre_key")],
    default_source=SOURCE.VISIT,
    place_fields=("health_centre",),
)


# Kinds of observation defined in apps above this one (water quality's samples), added by
# those apps' ``ready``: monitoring does not import them.
_REGISTERED: dict[str, ObservationSpec] = {}


def register_import_spec(spec: ObservationSpec) -> None:
    """Offer another app's kind of observation on the import page and command, after ours."""
    _REGISTERED[spec.kind] = spec


def import_specs() -> dict[str, ObservationSpec]:
    """Every kind of observation that can be imported, by its code."""
    specs = [VISITS, SUPPLY_DAYS, HOUSEHOLD_SURVEYS, SCHOOL_SURVEYS, HEALTH_CENTRE_SURVEYS]
    return {spec.kind: spec for spec in [*specs, *_REGISTERED.values()]}
