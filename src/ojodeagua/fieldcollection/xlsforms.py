"""The phone's forms, written from the importer's own column definitions.

Each ``PhoneForm`` names an import spec (``monitoring/import_spec.py``,
``waterquality/import_spec.py``) and turns its columns into an XLSForm: a column's parser gives
the question's type and limits (a choice becomes a list, a number its range, a reference to a
system or a locality a list read from the collector's own media file), so a field added to a
spec once reaches the page, the import, the API and the phone. pyxform turns the XLSForm into
the XForm that ODK Collect runs, and the form's version is a digest of what it asks, so a phone
downloads it again exactly when it changed.

A submission comes back with the same names (``mapping.py`` reads it), so the importer checks
a phone's record as it checks a spreadsheet's row.
"""

import hashlib
import io
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from pyxform.xls2xform import convert

from ojodeagua.imports.columns import Boolean, Choice, Column, Date, Number, Reference, Text
from ojodeagua.monitoring.import_spec import CONDITION_PREFIX, import_specs
from ojodeagua.monitoring.models import InspectionForm
from ojodeagua.monitoring.observation_import import ObservationSpec

from . import complaints

# The lists a form reads from the collector's media (``choices.py``), by the column they fill.
FILE_FOR_COLUMN = {
    "system_id": "systems.csv",
    "locality_key": "localities.csv",
    "school_id": "schools.csv",
    "health_centre_id": "health_centres.csv",
    "inspection_form": "inspection_forms.csv",
    "parameter": "parameters.csv",
    "provider_id": "providers.csv",
}
# Shorter words for the phone than the importer's column descriptions, which explain keys.
PHONE_LABELS = {
    "system_id": _("Sistema de agua"),
    "locality_key": _("Localidad"),
    "school_id": _("Escuela"),
    "health_centre_id": _("Centro de salud"),
    "inspection_form": _("Formulario de inspección sanitaria"),
    "parameter": _("Parámetro"),
    "provider_id": _("Comité"),
    "observed_on": _("Fecha"),
}
# Never asked: the phone makes the record's id, and the collector's role decides its state.
NOT_ASKED = frozenset({"record_id", "state", "result_id"})
INSPECTION_PREFIX = "insp"
PHOTO_PREFIX = "photo_"
HEADER_ROWS = 100
YES_NO = "yes_no"


@dataclass(frozen=True)
class Repeat:
    """Questions asked once per item (a day of the week, a result of the sample).

    ``one_record``: every item belongs to one record (a sample's results); otherwise each item
    is a record of its own (a day of supply), with the shared questions copied into it.
    """

    name: str
    label: Any
    columns: tuple[str, ...]
    one_record: bool


@dataclass(frozen=True)
class PhoneForm:
    form_id: str
    kind: str
    title: Any
    # Asked before the rest, in this order (the household's perception, before any fact).
    first: tuple[str, ...] = ()
    repeat: Repeat | None = None
    # Columns the phone does not ask (a second way to name the same place).
    skip: tuple[str, ...] = ()
    # Photos the phone may take (name, label); kept with the submission, not in the record.
    photos: tuple[tuple[str, Any], ...] = ()

    @property
    def spec(self) -> ObservationSpec:
        if self.kind == complaints.KIND:
            return complaints.COLUMNS  # type: ignore[return-value]
        return import_specs()[self.kind]


FORMS = (
    PhoneForm(
        "ojodeagua_visita",
        "visits",
        _("Visita a un sistema"),
        photos=(
            ("photo_component", _("Foto de un componente (opcional)")),
            ("photo_evidence", _("Otra foto: daño, reparación, evidencia (opcional)")),
        ),
    ),
    PhoneForm(
        "ojodeagua_suministro",
        "supply-days",
        _("Semana de suministro"),
        repeat=Repeat(
            "days",
            _("Día"),
            ("observed_on", "hours", "no_water_reason"),
            one_record=False,
        ),
    ),
    PhoneForm(
        "ojodeagua_muestra",
        "samples",
        _("Muestra de agua y resultados"),
        repeat=Repeat(
            "results",
            _("Resultado"),
            ("parameter", "value", "outcome", "below_detection", "unit", "method"),
            one_record=True,
        ),
        photos=(("photo_lab_report", _("Foto del informe del laboratorio (opcional)")),),
    ),
    PhoneForm(
        "ojodeagua_hogar",
        "household-surveys",
        _("Encuesta de hogar"),
        # What people feel about their water is asked before anything can lead the answer.
        first=("locality_key", "water_has_problem", "satisfied", "sufficient_last_month"),
    ),
    PhoneForm(
        "ojodeagua_escuela", "school-surveys", _("Encuesta en escuela"), skip=("school_key",)
    ),
    PhoneForm(
        "ojodeagua_centro_salud",
        "health-centre-surveys",
        _("Encuesta en centro de salud"),
        skip=("health_centre_key",),
    ),
    PhoneForm("ojodeagua_queja", complaints.KIND, _("Queja de una persona usuaria")),
)
FORMS_BY_ID = {form.form_id: form for form in FORMS}


class BuiltForm:
    """One form as it is served now: its XLSForm sheets, its XForm bytes and their hash."""

    def __init__(self, form: PhoneForm) -> None:
        self.form = form
        with translation.override("es"):
            self.sheets = workbook(form)

    @cached_property
    def version(self) -> str:
        content = json.dumps(self.sheets, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(content).hexdigest()[:12]

    @cached_property
    def xform(self) -> bytes:
        sheets = dict(self.sheets)
        sheets["settings"] = [{**self.sheets["settings"][0], "version": self.version}]
        return convert(xlsform=sheets, validate=False).xform.encode()

    @cached_property
    def md5(self) -> str:
        return "md5:" + hashlib.md5(self.xform).hexdigest()

    @property
    def media_files(self) -> list[str]:
        """The media files the form reads, sorted (the manifest lists them in this order)."""
        files = set()
        for row in self.sheets["survey"]:
            kind = row.get("type", "")
            if kind.startswith("select_one_from_file "):
                files.add(kind.split(" ", 1)[1])
        return sorted(files)

    def xlsx(self) -> bytes:
        """The XLSForm as a spreadsheet, to read or to change and upload as one's own."""
        book = Workbook()
        book.remove(book.active)
        sheets = dict(self.sheets)
        sheets["settings"] = [{**self.sheets["settings"][0], "version": self.version}]
        for name, rows in sheets.items():
            sheet = book.create_sheet(name)
            headers: list[str] = []
            for row in rows:
                headers.extend(key for key in row if key not in headers)
            sheet.append(headers)
            for row in rows:
                sheet.append([row.get(header, "") for header in headers])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def built(form_id: str) -> BuiltForm | None:
    form = FORMS_BY_ID.get(form_id)
    return BuiltForm(form) if form else None


def all_built() -> list[BuiltForm]:
    return [BuiltForm(form) for form in FORMS]


# Writing the sheets ----------------------------------------------------------------------------
def workbook(form: PhoneForm) -> dict[str, list[dict[str, str]]]:
    spec = form.spec
    columns = {column.name: column for column in spec.columns_for(())}
    repeated = set(form.repeat.columns) if form.repeat else set()
    order = [*form.first, *(name for name in columns if name not in form.first)]
    survey: list[dict[str, str]] = []
    choices: list[dict[str, str]] = [
        {"list_name": YES_NO, "name": "yes", "label": gettext("sí")},
        {"list_name": YES_NO, "name": "no", "label": gettext("no")},
    ]
    for name in order:
        if name in NOT_ASKED or name in form.skip or name in repeated or name not in columns:
            continue
        if name == "inspection_qN":
            survey.extend(inspection_questions())
            continue
        survey.append(question(columns[name], choices))
    survey.extend(
        {"type": "image", "name": name, "label": str(label), "parameters": "max-pixels=1600"}
        for name, label in form.photos
    )
    if form.repeat is not None:
        survey.append(
            {"type": "begin_repeat", "name": form.repeat.name, "label": str(form.repeat.label)}
        )
        survey.extend(
            question(columns[name], choices) for name in form.repeat.columns if name in columns
        )
        survey.append({"type": "end_repeat"})
    # pyxform reads a sheet's headers from its first 100 rows: a column used only further down
    # (the photos' parameters, after the inspection questions) is named in the first row.
    early = {key for row in survey[:HEADER_ROWS] for key in row}
    late = [key for row in survey[HEADER_ROWS:] for key in row if key not in early]
    survey[0] = {**dict.fromkeys(late, ""), **survey[0]}
    return {
        "survey": survey,
        "choices": choices,
        "settings": [
            {
                "form_id": form.form_id,
                "form_title": str(form.title),
                "instance_name": instance_name(form, columns, repeated),
            }
        ],
    }


def instance_name(form: PhoneForm, columns: dict[str, Column], repeated: set[str]) -> str:
    """How Collect lists a filled form: its title and, when asked once, its date."""
    dated = [
        name
        for name, column in columns.items()
        if isinstance(column.parser, Date) and name not in repeated
    ]
    if dated:
        return f"concat('{form.title}', ' ', ${{{dated[0]}}})"
    return f"'{form.title}'"


def question(column: Column, choices: list[dict[str, str]]) -> dict[str, str]:
    """One survey row for an import column."""
    row = {
        "name": column.name,
        "label": str(PHONE_LABELS.get(column.name) or column.description or column.name),
    }
    if column.required:
        row["required"] = "yes"
    if column.hint:
        row["hint"] = str(column.hint)
    parser = column.parser
    if column.name in FILE_FOR_COLUMN:
        row["type"] = f"select_one_from_file {FILE_FOR_COLUMN[column.name]}"
        if column.name == "inspection_form":
            # Only the inspection forms made for the chosen system's kind, and those made
            # for any kind (a tank's, a chlorination point's).
            row["choice_filter"] = (
                "normalize-space(kinds) = '' or contains(kinds, concat(' ', "
                "instance('systems')/root/item[name=${system_id}]/kind, ' '))"
            )
    elif column.name.startswith(CONDITION_PREFIX):
        kind = column.name.removeprefix(CONDITION_PREFIX)
        add_choices(choices, "condition", parser)
        row["type"] = "select_one condition"
        # Asked only of the components the chosen system has on record.
        row["relevant"] = (
            f"contains(instance('systems')/root/item[name=${{system_id}}]/kinds, ' {kind} ')"
        )
    elif isinstance(parser, Choice):
        add_choices(choices, column.name, parser)
        row["type"] = f"select_one {column.name}"
    elif isinstance(parser, Boolean):
        row["type"] = f"select_one {YES_NO}"
    elif isinstance(parser, Date):
        row["type"] = "date"
        if column.name == "observed_on":
            row["default"] = "today()"
        row["constraint"] = ". <= today()"
        row["constraint_message"] = gettext("La fecha no puede ser posterior a hoy.")
    elif isinstance(parser, Number):
        row["type"] = "integer" if parser.whole else "decimal"
        limits = []
        if parser.minimum is not None:
            limits.append(f". >= {parser.minimum}")
        if parser.maximum is not None:
            limits.append(f". <= {parser.maximum}")
        if limits:
            row["constraint"] = " and ".join(limits)
            row["constraint_message"] = gettext("Escriba un número %(range)s.") % {
                "range": parser.range_text()
            }
    else:
        row["type"] = "text"
        if column.name == "notes":
            row["appearance"] = "multiline"
        if isinstance(parser, Text) and parser.max_length:
            row["constraint"] = f"string-length(.) <= {parser.max_length}"
            row["constraint_message"] = gettext("Hasta %(count)s caracteres.") % {
                "count": parser.max_length
            }
    return row


def add_choices(choices: list[dict[str, str]], list_name: str, parser) -> None:
    if any(row["list_name"] == list_name for row in choices):
        return
    for code, label in parser.codes():
        choices.append({"list_name": list_name, "name": code, "label": label})


def inspection_questions() -> list[dict[str, str]]:
    """The questions of every sanitary inspection form, each shown only when its form was
    chosen; ``mapping`` reads ``insp<form id>_q<number>`` back as ``inspection_q<number>``."""
    rows: list[dict[str, str]] = []
    for form in InspectionForm.objects.prefetch_related("questions").order_by("code"):
        group = f"{INSPECTION_PREFIX}{form.pk}"
        rows.append(
            {
                "type": "begin_group",
                "name": group,
                "label": form.name,
                "relevant": f"${{inspection_form}} = '{form.code}'",
            }
        )
        for question in form.questions.all():
            rows.append(
                {
                    "type": f"select_one {YES_NO}",
                    "name": f"{group}_q{question.number}",
                    "label": question.text,
                    "hint": str(_("Sí, si se ve el riesgo.")),
                }
            )
        rows.append({"type": "end_group"})
    return rows


__all__ = ["FORMS", "BuiltForm", "PhoneForm", "Reference", "all_built", "built"]
