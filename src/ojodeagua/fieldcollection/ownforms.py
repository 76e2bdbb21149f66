"""A coordinator's own XLSForm, mapped to an observation type: read, checked, kept, withdrawn.

A team may want its own wording, its own order or fewer questions than the project's forms.
Its XLSForm is accepted when every question that records an answer carries the name of one of
that observation type's import columns (``docs/imports.md``), so its submissions go through
the same importer, with the same rules, as the project's own forms; a question the importer
would not read is refused at upload, never dropped later. Photos are named ``photo_…`` and kept
with the submission; lists may come from the media Ojo de Agua makes (``choices.py``).

The form is served to the phones of the uploader and of the people she manages
(``catalogue.py``). Every upload and withdrawal is in the audit trail; a new upload of the same
form withdraws the one before it, which stays on record for the submissions it made.
"""

import hashlib
import json
import re
import shutil
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyxform.errors import PyXFormError
from pyxform.validators.odk_validate import ODKValidateError
from pyxform.xls2xform import convert

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent
from ojodeagua.imports.reading import XLSX_MAGIC, read_named_sheets
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.organisations.coordination import managed_people
from ojodeagua.organisations.scope import scope_for

from . import xlsforms
from .mapping import INSPECTION_ANSWER, NOT_RECORDED
from .models import OwnForm

MAX_BYTES = 2 * 1024 * 1024
XLSFORM_SHEETS = {"survey", "choices", "settings", "external_choices"}
FORM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
# The observation types an own form may fill: those of the project's forms.
KINDS = {form.kind: form for form in xlsforms.FORMS}
# Question types that record nothing the importer reads: structure, notes, the phone's metadata.
NOT_AN_ANSWER = frozenset(
    {"begin_group", "end_group", "end_repeat", "note", "calculate", *NOT_RECORDED}
)
FILE_TYPES = frozenset({"image", "audio", "video", "file", "background-audio"})
# Files a label or a list could ask for that the server does not make.
MEDIA_HEADERS = ("image", "audio", "video", "big-image", "media::")
SERVED_MEDIA = frozenset(xlsforms.FILE_FOR_COLUMN.values())


@dataclass
class ReadForm:
    """An uploaded XLSForm once read and checked: what the server keeps and serves."""

    form_id: str
    title: str
    version: str
    xform: str
    media_files: list[str]


def may_upload(user) -> bool:
    scope = scope_for(user)
    return scope.everything or scope.is_coordinator


def may_manage(user, own: OwnForm) -> bool:
    return own.uploaded_by_id == user.pk or scope_for(user).everything


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, str(form.title)) for kind, form in KINDS.items()]


# Reading ---------------------------------------------------------------------------------------
def sheets_of(content: bytes) -> tuple[dict[str, list[dict[str, str]]], list[int]]:
    """The workbook's sheets as pyxform reads them (a dict per row, by the first row's
    headers), and the line in the file of each row of «survey», for the messages.

    Read by the importer's reader (``imports.reading``), with its limits on what a small file
    may unpack to."""
    if len(content) > MAX_BYTES:
        raise ValidationError(
            _("El archivo pasa de %(mb)s MB; un XLSForm cabe en mucho menos.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if content[:4] != XLSX_MAGIC:
        raise ValidationError(
            _("No se pudo leer el archivo como hoja de cálculo XLSX; guárdelo como .xlsx.")
        )
    try:
        read = read_named_sheets(content, XLSFORM_SHEETS)
    except TabularFileError as error:
        raise ValidationError(str(error)) from error
    sheets = {
        name: [
            {header: cell for header, cell in zip(headers, cells, strict=False) if header and cell}
            for _line, cells in rows
        ]
        for name, (headers, rows) in read.items()
    }
    if not sheets.get("survey"):
        raise ValidationError(_("El archivo no tiene una hoja «survey» con preguntas."))
    return sheets, [line for line, _cells in read["survey"][1]]


def normal_type(text: str) -> str:
    """``begin group`` and ``begin_group`` are the same for pyxform; one spelling here."""
    text = re.sub(r"\s+", " ", text.strip().lower())
    for word in ("begin", "end"):
        for part in ("group", "repeat"):
            text = text.replace(f"{word} {part}", f"{word}_{part}")
    return text


def check_questions(kind: str, survey: list[dict[str, str]], lines: list[int]) -> list[str]:
    """Every problem of the survey sheet against the observation type, by its line."""
    builtin = KINDS[kind]
    repeat_name = builtin.repeat.name if builtin.repeat else None
    names = [row.get("name", "") for row in survey]
    header = [INSPECTION_ANSWER.sub(r"inspection_q\1", name) for name in names]
    columns = {column.name: column for column in builtin.spec.columns_for(header)}
    problems: list[str] = []
    asked: set[str] = set()
    depth = 0
    for number, row in zip(lines, survey, strict=True):
        kind_of = normal_type(row.get("type", ""))
        name = row.get("name", "")
        where = _("Fila %(row)s de «survey»") % {"row": number}
        for header_name, value in row.items():
            if value and header_name.lower().startswith(MEDIA_HEADERS):
                problems.append(
                    _("%(where)s: la columna «%(column)s» pide un archivo que este servidor no da.")
                    % {"where": where, "column": header_name}
                )
        if not kind_of:
            continue
        if kind_of == "begin_repeat":
            if depth or name != repeat_name:
                problems.append(
                    _("%(where)s: este tipo de registro no tiene la repetición «%(name)s».")
                    % {"where": where, "name": name}
                    + (
                        " " + _("La suya debe llamarse «%(repeat)s».") % {"repeat": repeat_name}
                        if repeat_name and not depth
                        else ""
                    )
                )
            depth += 1
            continue
        if kind_of == "end_repeat":
            depth = max(0, depth - 1)
            continue
        if kind_of.split(" ", 1)[0] in NOT_AN_ANSWER:
            continue
        if kind_of.startswith("select_one_from_file ") or kind_of.startswith(
            "select_multiple_from_file "
        ):
            wanted = kind_of.split(" ", 1)[1]
            if wanted not in SERVED_MEDIA:
                problems.append(
                    _(
                        "%(where)s: el archivo «%(file)s» no lo da este servidor; "
                        "use uno de %(files)s."
                    )
                    % {"where": where, "file": wanted, "files": ", ".join(sorted(SERVED_MEDIA))}
                )
        if kind_of in FILE_TYPES:
            if not name.startswith(xlsforms.PHOTO_PREFIX):
                problems.append(
                    _("%(where)s: una foto o un archivo se nombra «%(prefix)s…», no «%(name)s».")
                    % {"where": where, "prefix": xlsforms.PHOTO_PREFIX, "name": name}
                )
            continue
        column_name = INSPECTION_ANSWER.sub(r"inspection_q\1", name)
        if column_name not in columns or column_name in xlsforms.NOT_ASKED:
            problems.append(
                _(
                    "%(where)s: la pregunta «%(name)s» no es una columna de «%(kind)s»; "
                    "use el nombre de una columna (vea el XLSForm del proyecto) o quítela."
                )
                % {"where": where, "name": name, "kind": builtin.title}
            )
            continue
        asked.add(column_name)
    missing = [
        name
        for name, column in columns.items()
        if column.required and name not in xlsforms.NOT_ASKED and name not in asked
    ]
    if missing:
        problems.append(
            _("Faltan preguntas que este tipo de registro necesita: %(names)s.")
            % {"names": ", ".join(missing)}
        )
    return problems


def read(kind: str, content: bytes, *, reserved: set[str]) -> ReadForm:
    """The form, converted by pyxform and checked against ``kind``; ValidationError lists every
    problem found, so one upload tells the coordinator all there is to fix."""
    if kind not in KINDS:
        raise ValidationError(_("Elija a qué tipo de registro corresponde el formulario."))
    sheets, survey_lines = sheets_of(content)
    settings_row = (sheets.get("settings") or [{}])[0]
    form_id = settings_row.get("form_id", "")
    problems = []
    if not FORM_ID.match(form_id):
        problems.append(
            _(
                "La hoja «settings» debe dar un form_id: letras sin acentos, números, «_» o «-», "
                "que empiece con una letra."
            )
        )
    elif form_id in reserved:
        problems.append(
            _("El form_id «%(id)s» es de un formulario del proyecto; use otro.") % {"id": form_id}
        )
    problems.extend(check_questions(kind, sheets["survey"], survey_lines))
    if problems:
        raise ValidationError(problems)
    content_digest = json.dumps(sheets, sort_keys=True, ensure_ascii=False).encode()
    version = hashlib.sha256(content_digest).hexdigest()[:12]
    served = {**sheets, "settings": [{**settings_row, "version": version}]}
    try:
        # With Java on the server, javarosa (the engine inside Collect) checks the form too, so
        # a form the phone would refuse is refused here, where the coordinator can fix it.
        xform = convert(xlsform=served, validate=shutil.which("java") is not None).xform
    except (PyXFormError, ODKValidateError) as error:
        raise ValidationError(
            _("El formulario no se puede usar en los teléfonos: %(error)s") % {"error": error}
        ) from error
    media = sorted(
        {
            normal_type(row.get("type", "")).split(" ", 1)[1]
            for row in sheets["survey"]
            if "_from_file " in normal_type(row.get("type", ""))
        }
    )
    title = settings_row.get("form_title") or form_id
    return ReadForm(form_id, title[:200], version, xform, media)


# Writing ---------------------------------------------------------------------------------------
def upload(actor, kind: str, content: bytes, filename: str) -> OwnForm:
    """Keep a coordinator's XLSForm for ``kind``. The same form uploaded again is the same row;
    a changed one withdraws the one before it."""
    if not may_upload(actor):
        raise PermissionDenied
    found = read(kind, content, reserved=set(xlsforms.FORMS_BY_ID))
    with transaction.atomic():
        previous = OwnForm.objects.live().select_for_update().filter(form_id=found.form_id).first()
        if previous is not None:
            if not may_manage(actor, previous):
                raise ValidationError(
                    _("El form_id «%(id)s» ya es de un formulario que subió otra persona.")
                    % {"id": found.form_id}
                )
            if previous.kind != kind:
                raise ValidationError(
                    _(
                        "El formulario «%(id)s» llena «%(kind)s»; para otro tipo de registro "
                        "súbalo con otro form_id."
                    )
                    % {"id": found.form_id, "kind": KINDS[previous.kind].title}
                )
            if previous.version == found.version:
                return previous
            _withdraw(actor, previous)
        own = OwnForm.objects.create(
            form_id=found.form_id,
            kind=kind,
            title=found.title,
            version=found.version,
            filename=filename[:255],
            xlsx=content,
            xform=found.xform,
            media_files=found.media_files,
            uploaded_by=actor,
        )
        trail.record(
            actor,
            AuditEvent.Action.CREATE,
            own,
            {"form_id": found.form_id, "kind": kind, "version": found.version},
        )
    return own


def withdraw(actor, own: OwnForm) -> OwnForm:
    """Phones stop getting the form; what they already sent with it still becomes records."""
    if not may_manage(actor, own):
        raise PermissionDenied
    with transaction.atomic():
        own = OwnForm.objects.select_for_update().get(pk=own.pk)
        if own.withdrawn_at is None:
            _withdraw(actor, own)
    return own


def _withdraw(actor, own: OwnForm) -> None:
    own.withdrawn_at = timezone.now()
    own.withdrawn_by = actor
    own.save(update_fields=["withdrawn_at", "withdrawn_by"])
    trail.record(actor, AuditEvent.Action.UPDATE, own, {"retirado": [None, str(own.withdrawn_at)]})


# Reading back ----------------------------------------------------------------------------------
def served_to(user) -> list[OwnForm]:
    """The live own forms a person's phone gets: her own, and her coordinators'."""
    forms = list(OwnForm.objects.live().select_related("uploaded_by").defer("xlsx"))
    uploaders = {own.uploaded_by for own in forms}
    reaching = {
        uploader.pk
        for uploader in uploaders
        if uploader.pk == user.pk
        or managed_people(uploader, scope_for(uploader)).filter(pk=user.pk).exists()
    }
    return [own for own in forms if own.uploaded_by_id in reaching]


def latest(form_id: str) -> OwnForm | None:
    """The latest version of an own form, live or withdrawn: a phone may still send it."""
    versions = OwnForm.objects.filter(form_id=form_id).defer("xlsx")
    return versions.order_by("-uploaded_at", "-pk").first()


def listed_for(user) -> list[OwnForm]:
    """What the field-collection page lists: the forms served to her and those she uploaded."""
    served = {own.pk: own for own in served_to(user)}
    for own in OwnForm.objects.live().filter(uploaded_by=user).defer("xlsx"):
        served.setdefault(own.pk, own)
    for own in served.values():
        own.kind_title = KINDS[own.kind].title if own.kind in KINDS else own.kind
    return sorted(served.values(), key=lambda own: (own.title.lower(), own.form_id))
