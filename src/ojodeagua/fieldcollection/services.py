"""The one way a phone's submission comes in, becomes observations, and is corrected.

- ``receive`` keeps what the phone sent, whole, before anything else can go wrong: the XML and
  its files are the record of the collector's work and are never lost. The same instance sent
  again is recognised (202, its new files added); the same instanceID with other content is a
  conflict (409).
- ``map_submission`` makes the observations through the importer (``ImportJob.run_table``) as
  the collector: her scope, the columns' rules, the record_id's idempotency, the audit trail and
  the indicators' refresh are the ones a spreadsheet gets. All the records of a submission are
  written, or none: one that cannot be made waits on the "submissions to fix" page with the
  reason.
- ``correct`` is that page's way back: the corrected answers, checked again the same way, by
  someone who manages the collector.
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent
from ojodeagua.imports.engine import ImportJob
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.organisations.coordination import managed_people
from ojodeagua.organisations.models import ApiToken
from ojodeagua.organisations.scope import scope_for

from . import mapping, xlsforms
from .models import Submission, SubmissionAttachment

State = Submission.State
logger = logging.getLogger(__name__)


@dataclass
class Intake:
    """What the server answers the phone: an HTTP status and the words Collect shows."""

    status: int
    message: str
    submission: Submission | None = None


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def receive(phone: ApiToken, xml: bytes, files: Iterable[UploadedFile] = ()) -> Intake:
    """Keep a submission from ``phone`` and make its observations."""
    try:
        instance = mapping.read_instance(xml)
    except mapping.SubmissionError as error:
        return Intake(400, str(error))
    sent = digest(xml)
    files = list(files)
    with transaction.atomic():
        stored = (
            Submission.objects.select_for_update().filter(instance_id=instance.instance_id).first()
        )
        if stored is not None:
            if stored.digest != sent:
                return Intake(
                    409,
                    _(
                        "Ya se recibió otro envío con el mismo identificador (%(id)s) y otro "
                        "contenido; para corregirlo, edítelo en el teléfono y vuelva a enviarlo."
                    )
                    % {"id": instance.instance_id},
                    stored,
                )
            _keep_files(stored, files)
            return Intake(202, _("Este envío ya se había recibido."), stored)
        root_id = instance.instance_id
        previous = None
        if instance.deprecated_id:
            previous = Submission.objects.filter(instance_id=instance.deprecated_id).first()
            if previous is not None:
                root_id = previous.root_instance_id
        form = xlsforms.FORMS_BY_ID.get(instance.form_id)
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    instance_id=instance.instance_id,
                    root_instance_id=root_id,
                    deprecated_id=instance.deprecated_id,
                    form_id=instance.form_id[:64],
                    form_version=instance.version[:64],
                    kind=form.kind if form else "",
                    xml=xml.decode("utf-8", errors="replace"),
                    digest=sent,
                    collector_id=phone.user_id,
                    phone=phone,
                    device_id=instance.device_id,
                )
        except IntegrityError:
            # The same instance arrived twice at once; the other request keeps it.
            return Intake(202, _("Este envío ya se había recibido."))
        _keep_files(submission, files)
    try:
        map_submission(submission, previous=previous)
    except Exception:
        # Kept as received: ``ojodeagua collector remap`` tries again; the phone must not
        # resend what the server already holds.
        logger.exception("submission %s could not be mapped", submission.instance_id)
    return Intake(201, _("Envío recibido."), submission)


def _keep_files(submission: Submission, files: list[UploadedFile]) -> None:
    """Store the files not yet stored; a client may send them over several requests."""
    have = set(submission.attachments.values_list("name", flat=True))
    for upload in files:
        name = (upload.name or "").rsplit("/", 1)[-1][:255]
        if not name or name in have:
            continue
        content = upload.read()
        upload.seek(0)
        attachment = SubmissionAttachment(
            submission=submission,
            name=name,
            content_type=(upload.content_type or "")[:100],
            size=len(content),
            digest=digest(content),
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        have.add(name)


def map_submission(
    submission: Submission, *, user=None, previous: Submission | None = None
) -> Submission:
    """Make the submission's observations as ``user`` (the collector by default)."""
    user = user or submission.collector
    form = xlsforms.FORMS_BY_ID.get(submission.form_id)
    if form is None:
        return _to_fix(
            submission,
            _("El formulario «%(form)s» no es de este servidor.") % {"form": submission.form_id},
        )
    instance = mapping.read_instance(submission.xml.encode())
    rows = mapping.rows_for(
        form, instance, submission.root_instance_id, submission.corrections or {}
    )
    job = ImportJob(form.spec, user=user, strict=True)
    job.validate_where_allowed = True
    try:
        result = job.run_table(rows.table)
    except TabularFileError as error:
        return _to_fix(submission, str(error))
    if result.rejected:
        reasons = []
        for line, reason in result.rejected:
            if rows.item_label and len(rows.table.rows) > 1:
                reasons.append(f"{rows.item_label} {line}: {reason}")
            else:
                reasons.append(reason)
        return _to_fix(submission, "\n".join(dict.fromkeys(reasons)))
    submission.state = State.ACCEPTED
    submission.reason = ""
    submission.record_ids = sorted({row["record_id"] for _line, row in rows.table.rows})
    submission.mapped_at = timezone.now()
    submission.mapped_by = user
    submission.save(update_fields=["state", "reason", "record_ids", "mapped_at", "mapped_by"])
    previous = previous or (
        Submission.objects.filter(instance_id=submission.deprecated_id).first()
        if submission.deprecated_id
        else None
    )
    if previous is not None and previous.state != State.REPLACED:
        previous.state = State.REPLACED
        previous.save(update_fields=["state"])
    return submission


def _to_fix(submission: Submission, reason: str) -> Submission:
    submission.state = State.TO_FIX
    submission.reason = reason
    submission.save(update_fields=["state", "reason"])
    return submission


# Submissions to fix ----------------------------------------------------------------------------
def visible_submissions(user) -> QuerySet[Submission]:
    """A collector's own submissions, and those of the people a coordinator manages."""
    if not user.is_authenticated:
        return Submission.objects.none()
    scope = scope_for(user)
    if scope.everything:
        return Submission.objects.all()
    return Submission.objects.filter(
        Q(collector=user) | Q(collector__in=managed_people(user, scope))
    )


def may_correct(user, submission: Submission) -> bool:
    scope = scope_for(user)
    return (
        scope.everything or managed_people(user, scope).filter(pk=submission.collector_id).exists()
    )


def answers_of(submission: Submission) -> list[tuple[str, str]]:
    """The submission's answers as the importer reads them, corrections applied: the fields
    of the correction page, named ``column`` or ``item.column`` inside a repeat."""
    form = xlsforms.FORMS_BY_ID.get(submission.form_id)
    if form is None:
        return []
    instance = mapping.read_instance(submission.xml.encode())
    repeat = form.repeat
    top, items = mapping.answers(instance.root, repeat.name if repeat else None)
    fields = [(name, text) for name, text in top.items()]
    for number, item in enumerate(items, start=1):
        values, _nested = mapping.answers(item, None)
        fields.extend((f"{number}.{name}", text) for name, text in values.items())
    corrections = submission.corrections or {}
    return [(name, corrections.get(name, text)) for name, text in fields]


def correct(submission: Submission, values: dict[str, str], actor) -> Submission:
    """Map the submission again with corrected answers, as ``actor``, who manages the
    collector. The XML stays as it arrived; the corrections are kept beside it."""
    if not may_correct(actor, submission):
        raise PermissionDenied
    if submission.state not in (State.TO_FIX, State.RECEIVED):
        return submission
    original = dict(answers_of(Submission(xml=submission.xml, form_id=submission.form_id)))
    corrections = {
        name: text.strip()
        for name, text in values.items()
        if name in original and text.strip() != original[name]
    }
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        trail.record(
            actor,
            AuditEvent.Action.UPDATE,
            submission,
            {"correcciones": [submission.corrections or {}, corrections]},
        )
        submission.corrections = corrections
        submission.save(update_fields=["corrections"])
        return map_submission(submission, user=actor)
