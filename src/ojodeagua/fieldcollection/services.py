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
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent
from ojodeagua.imports.columns import RowError
from ojodeagua.imports.engine import ImportJob, ImportResult
from ojodeagua.imports.reading import Table
from ojodeagua.lib import uploads
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.monitoring.observation import Observation
from ojodeagua.organisations.coordination import managed_people
from ojodeagua.organisations.models import ApiToken
from ojodeagua.organisations.scope import scope_for

from . import catalogue, complaints, mapping
from .models import Submission, SubmissionAttachment

State = Submission.State
logger = logging.getLogger(__name__)
# The shared cache's flag that a mapping task is on its way, and how long a burst gathers.
MAPPING_SCHEDULED = "fieldcollection:mapping-scheduled"
MAPPING_DEBOUNCE_SECONDS = 1
_last_scheduled = -float("inf")
# Submissions mapped in one importer run (per form and collector inside it).
MAPPING_BATCH = 200


@dataclass
class Intake:
    """What the server answers the phone: an HTTP status and the words Collect shows."""

    status: int
    message: str
    submission: Submission | None = None


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def receive(phone: ApiToken, xml: bytes, files: Iterable[UploadedFile] = ()) -> Intake:
    """Keep a submission from ``phone`` and make its observations.

    A new instance costs one INSERT and its commit: it is written first and recognised as a
    resend only when its instanceID is taken (the unique index says so), which is rare.
    """
    try:
        instance = mapping.read_instance(xml)
    except mapping.SubmissionError as error:
        return Intake(400, str(error))
    sent = digest(xml)
    files = list(files)
    root_id = instance.instance_id
    if instance.deprecated_id:
        previous = (
            Submission.objects.filter(instance_id=instance.deprecated_id)
            .values_list("root_instance_id", flat=True)
            .first()
        )
        root_id = previous or root_id
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                instance_id=instance.instance_id,
                root_instance_id=root_id,
                deprecated_id=instance.deprecated_id,
                form_id=instance.form_id[:64],
                form_version=instance.version[:64],
                xml=xml.decode("utf-8", errors="replace"),
                digest=sent,
                collector_id=phone.user_id,
                phone=phone,
                device_id=instance.device_id,
            )
            if files:
                _keep_files(submission, files)
    except IntegrityError:
        return _received_again(instance, sent, files)
    after_receipt(submission)
    return Intake(201, _("Envío recibido."), submission)


def _received_again(instance: mapping.Instance, sent: str, files: list[UploadedFile]) -> Intake:
    """An instanceID already stored: a resend (its new files kept) or a conflict."""
    with transaction.atomic():
        stored = Submission.objects.select_for_update().get(instance_id=instance.instance_id)
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


def _keep_files(submission: Submission, files: list[UploadedFile]) -> None:
    """Store the files not yet stored; a client may send them over several requests."""
    have = set(submission.attachments.values_list("name", flat=True))
    for upload in files:
        name = (upload.name or "").rsplit("/", 1)[-1][:255]
        if not name or name in have:
            continue
        content = kept_content(name, upload)
        attachment = SubmissionAttachment(
            submission=submission,
            name=name,
            content_type=(upload.content_type or "")[:100],
            size=len(content),
            digest=digest(content),
        )
        attachment.file.save(name, ContentFile(content), save=False)
        attachment.save()
        have.add(name)


def after_receipt(submission: Submission) -> None:
    """Make the observations off the phone's request when there is a queue; without one (the
    demo, the tests) in the request itself, once the submission is stored."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            map_submissions([submission])
        except Exception:
            # Kept as received: ``ojodeagua collector remap`` tries again; the phone must not
            # resend what the server already holds.
            logger.exception("submission %s could not be mapped", submission.instance_id)
        return
    transaction.on_commit(schedule_mapping)


def schedule_mapping() -> None:
    """Ask the queue to map what was received: one task for a burst of submissions, not one
    each (the flag lives in the shared cache for a second; the task looks again before it
    ends, and a periodic run catches anything left)."""
    global _last_scheduled
    now = time.monotonic()
    if now - _last_scheduled < MAPPING_DEBOUNCE_SECONDS:
        # This process asked within the second: that task starts after this commit.
        return
    _last_scheduled = now
    if cache.add(MAPPING_SCHEDULED, 1, timeout=MAPPING_DEBOUNCE_SECONDS):
        from .tasks import map_received

        map_received.apply_async(countdown=MAPPING_DEBOUNCE_SECONDS)


def map_received(batch: int = MAPPING_BATCH) -> int:
    """Map every submission still waiting, a batch at a time; returns how many were mapped."""
    done = 0
    while True:
        with transaction.atomic():
            waiting = list(
                Submission.objects.select_for_update(skip_locked=True)
                .filter(state=State.RECEIVED)
                .select_related("collector")
                .order_by("pk")[:batch]
            )
            if not waiting:
                return done
            done += map_submissions(waiting)


def kept_content(name: str, upload: UploadedFile) -> bytes:
    """What is kept of a file: a photo drawn again without the camera's notes (where it was
    taken, which phone), as every photo the site keeps (``lib.uploads``); anything else, or a
    photo that cannot be read, as it came: it is the collector's work and is never dropped."""
    extension = uploads.evidence_extension(name)
    if extension in uploads.SAVED_AS and uploads.looks_like(upload, extension):
        try:
            return uploads.redrawn_photo(upload, extension)
        except ValidationError:
            pass
    upload.seek(0)
    return upload.read()


def map_submissions(submissions: list[Submission]) -> int:
    """Map submissions as their collectors: one importer run for each form and collector, so
    the queries of a run are shared by the whole batch. Returns how many were mapped (an edit
    of an instance in the same batch waits for the next one)."""
    groups: dict[tuple[str, int], list[Submission]] = {}
    roots: set[str] = set()
    for submission in submissions:
        if submission.root_instance_id in roots:
            continue  # two versions of one instance: the later one after the earlier
        roots.add(submission.root_instance_id)
        groups.setdefault((submission.form_id, submission.collector_id), []).append(submission)
    for group in groups.values():
        _map_as(group, group[0].collector)
    return sum(len(group) for group in groups.values())


def _map_as(group: list[Submission], user) -> None:
    """Map submissions of one form as ``user``: complaints into their register, records
    through one importer run."""
    form = catalogue.phone_form(group[0].form_id)
    if form is None:
        for submission in group:
            _to_fix(
                submission,
                _("El formulario «%(form)s» no es de este servidor.")
                % {"form": submission.form_id},
            )
    elif form.kind == complaints.KIND:
        for submission in group:
            _map_complaint(submission, user)
    else:
        _map_group(form, group, user)


def _map_complaint(submission: Submission, user) -> None:
    """A complaint goes into its committee's register (``complaints.file_from_answers``)."""
    try:
        instance = mapping.read_instance(submission.xml.encode())
    except mapping.SubmissionError as error:
        _to_fix(submission, str(error))
        return
    answers, _items = mapping.answers(instance.root, None)
    answers.update(submission.corrections or {})
    try:
        complaints.file_from_answers(
            answers, submission.root_instance_id, user, edit=bool(submission.deprecated_id)
        )
    except RowError as error:
        _to_fix(submission, str(error))
        return
    rows = mapping.Rows(Table("xml", [], [(1, {"record_id": submission.root_instance_id})]), "")
    _accepted(_Planned(submission, rows, 1), user, timezone.now())


@dataclass
class _Planned:
    submission: Submission
    rows: mapping.Rows
    first_line: int


def _plan_rows(form, group: list[Submission]) -> tuple[list[_Planned], Table]:
    planned, lines = [], []
    for submission in group:
        try:
            instance = mapping.read_instance(submission.xml.encode())
        except mapping.SubmissionError as error:
            _to_fix(submission, str(error))
            continue
        rows = mapping.rows_for(
            form, instance, submission.root_instance_id, submission.corrections or {}
        )
        planned.append(_Planned(submission, rows, len(lines) + 1))
        lines.extend(row for _line, row in rows.table.rows)
    columns: list[str] = []
    for row in lines:
        columns.extend(name for name in row if name not in columns)
    return planned, Table("xml", columns, list(enumerate(lines, start=1)))


def _run(form, table: Table, user, *, dry_run: bool) -> ImportResult:
    job = ImportJob(form.spec, user=user, dry_run=dry_run)
    job.validate_where_allowed = True
    job.channel = Observation.Channel.PHONE
    return job.run_table(table)


def _map_group(form, group: list[Submission], user) -> None:
    """All the records of a submission are written, or none of them: a week of supply with
    one bad day waits whole. A dry run finds the submissions with a bad row first when a
    submission makes several records; the others are then written in one run."""
    planned, table = _plan_rows(form, group)
    if not planned:
        return
    try:
        if form.repeat is not None and not form.repeat.one_record:
            rejected = _rejected_by_submission(planned, _run(form, table, user, dry_run=True))
            for owner, reason in rejected.values():
                _to_fix(owner.submission, reason)
            if rejected:
                kept = [p.submission for p in planned if p.submission.pk not in rejected]
                if not kept:
                    return
                planned, table = _plan_rows(form, kept)
        result = _run(form, table, user, dry_run=False)
    except TabularFileError as error:
        for p in planned:
            _to_fix(p.submission, str(error))
        return
    rejected = _rejected_by_submission(planned, result)
    now = timezone.now()
    for p in planned:
        if p.submission.pk in rejected:
            _to_fix(p.submission, rejected[p.submission.pk][1])
        else:
            _accepted(p, user, now)


def _rejected_by_submission(
    planned: list[_Planned], result: ImportResult
) -> dict[int, tuple[_Planned, str]]:
    """Each rejected line's reason, on the submission that sent it ("Día 2: …")."""
    reasons: dict[int, list[str]] = {}
    owners: dict[int, _Planned] = {}
    for line, reason in result.rejected:
        owner = next(p for p in reversed(planned) if p.first_line <= line)
        item = line - owner.first_line + 1
        if owner.rows.item_label and len(owner.rows.table.rows) > 1:
            reason = f"{owner.rows.item_label} {item}: {reason}"
        owners[owner.submission.pk] = owner
        reasons.setdefault(owner.submission.pk, [])
        if reason not in reasons[owner.submission.pk]:
            reasons[owner.submission.pk].append(reason)
    return {pk: (owners[pk], "\n".join(texts)) for pk, texts in reasons.items()}


def _accepted(planned: _Planned, user, now) -> None:
    submission = planned.submission
    submission.state = State.ACCEPTED
    submission.reason = ""
    submission.record_ids = sorted({row["record_id"] for _line, row in planned.rows.table.rows})
    submission.mapped_at = now
    submission.mapped_by = user
    submission.save(update_fields=["state", "reason", "record_ids", "mapped_at", "mapped_by"])
    if submission.deprecated_id:
        Submission.objects.filter(
            instance_id=submission.deprecated_id, state__in=[State.ACCEPTED, State.TO_FIX]
        ).update(state=State.REPLACED)


def map_submission(submission: Submission, *, user=None) -> Submission:
    """Map one submission again, as ``user`` (a correction) or its collector."""
    _map_as([submission], user or submission.collector)
    submission.refresh_from_db()
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


def answers_of(submission: Submission, *, corrected: bool = True) -> list[tuple[str, str]]:
    """The submission's answers as the importer reads them, with its corrections (or as the
    phone sent them): the fields of the correction page, named ``column`` or ``item.column``
    inside a repeat."""
    form = catalogue.phone_form(submission.form_id)
    if form is None:
        return []
    instance = mapping.read_instance(submission.xml.encode())
    repeat = form.repeat
    top, items = mapping.answers(instance.root, repeat.name if repeat else None)
    fields = [(name, text) for name, text in top.items()]
    for number, item in enumerate(items, start=1):
        values, _nested = mapping.answers(item, None)
        fields.extend((f"{number}.{name}", text) for name, text in values.items())
    corrections = (submission.corrections or {}) if corrected else {}
    return [(name, corrections.get(name, text)) for name, text in fields]


def correct(submission: Submission, values: dict[str, str], actor) -> Submission:
    """Map the submission again with corrected answers, as ``actor``, who manages the
    collector. The XML stays as it arrived; the corrections are kept beside it."""
    if not may_correct(actor, submission):
        raise PermissionDenied
    if submission.state not in (State.TO_FIX, State.RECEIVED):
        return submission
    original = dict(answers_of(submission, corrected=False))
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
