"""The complaint register: filing, answering and closing complaints (its one write path), and
its figures (response times, the fix rate).

Pages, the API and the public form to come write complaints only through ``file_complaint``,
``move_complaint`` and ``correct_complaint``: the rules of the register live here once.
"""

import datetime
import secrets
import statistics
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ojodeagua.lib.records import RecordConflict, RecordIdUnavailable, differing_fields
from ojodeagua.organisations.scope import scope_for

from .models import Complaint


@dataclass
class RegisterFigures:
    received: int
    resolved: int
    answered: int
    overdue: int
    median_response_days: float | None

    @property
    def fix_rate(self) -> float | None:
        """Complaints resolved ÷ complaints received, as the toolbox defines it."""
        return self.resolved / self.received if self.received else None


def register_figures(complaints, on) -> RegisterFigures:
    rows = list(complaints)
    response_days = [c.response_days() for c in rows if c.response_days() is not None]
    return RegisterFigures(
        received=len(rows),
        resolved=sum(1 for c in rows if c.status == Complaint.Status.RESOLVED),
        answered=len(response_days),
        overdue=sum(1 for c in rows if c.is_overdue(on)),
        median_response_days=statistics.median(response_days) if response_days else None,
    )


# Days a committee has to answer unless it sets another date. Our choice, not a toolbox
# rule: long enough for a committee that meets every week or two, short enough that the
# person who complained hears back within the month.
RESPONSE_DAYS = 15


def default_respond_by(received_on: datetime.date) -> datetime.date:
    return received_on + datetime.timedelta(days=RESPONSE_DAYS)


# A tracking code is read aloud and copied by hand from a slip of paper: no 0/O, 1/I/L.
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TRACKING_LENGTH = 8


def new_tracking_code() -> str:
    """Eight random letters and digits as ``ABCD-2345``: 31⁸ (about 850 thousand million)
    codes, so guessing one, at the tracking page's rate limit, is hopeless."""
    code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
    return f"{code[:4]}-{code[4:]}"


def normalise_tracking_code(text: str) -> str | None:
    """What a person typed (lower case, spaces, no dash, O for 0) as a stored code, or None."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I")
    if len(cleaned) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in cleaned):
        return None
    return f"{cleaned[:4]}-{cleaned[4:]}"


def _unused_tracking_code() -> str:
    while True:
        code = new_tracking_code()
        if not Complaint.objects.filter(tracking_code=code).exists():
            return code


@transaction.atomic
def file_complaint(
    provider,
    *,
    received_on: datetime.date,
    what: str,
    channel: str,
    where: str = "",
    reported_by: str = "",
    reporter_phone: str = "",
    reporter_sex: str = "",
    since: datetime.date | None = None,
    respond_by: datetime.date | None = None,
    record_id: str | None = None,
    actor=None,
) -> tuple[Complaint, bool]:
    """Put a complaint in a committee's register; (complaint, created).

    Pages, the API and the public form (``voice``) all file through here. Every new
    complaint gets a tracking code the person can follow it with. A form or an outbox that
    sends the same ``record_id`` again gets the stored complaint back; different content
    under the same id raises ``RecordConflict`` naming the fields. The id of a complaint the
    actor may not see raises ``RecordIdUnavailable``, once the rest was found right. The
    actor must keep the committee's register (``PermissionDenied``); ``actor`` is None for
    the public form.
    """
    from ojodeagua.audit.trail import save_audited

    complaint = Complaint(
        provider=provider,
        received_on=received_on,
        what=what.strip(),
        channel=channel,
        where=where.strip(),
        reported_by=reported_by.strip(),
        reporter_phone=reporter_phone.strip(),
        reporter_sex=reporter_sex,
        since=since,
        respond_by=respond_by or default_respond_by(received_on),
    )
    if actor is not None:
        # Before any comparison with a stored complaint: a guessed name gets no answer.
        scope_for(actor).refuse_unseen_names(provider.pk, reported_by=complaint.reported_by)
    taken_elsewhere = False
    if record_id:
        complaint.record_id = record_id
        stored = Complaint.objects.filter(record_id=record_id).first()
        if stored is not None and actor is not None:
            seen = scope_for(actor).visible(Complaint.objects.filter(pk=stored.pk))
            taken_elsewhere = not seen.exists()
        if stored is not None and not taken_elsewhere:
            if changed := differing_fields(stored, complaint, FILED_FIELDS):
                raise RecordConflict(record_id, changed)
            return stored, False
    if actor is not None and not scope_for(actor).can_edit(provider):
        raise PermissionDenied(_("Puede ver este comité, pero no anotar sus quejas."))
    complaint.full_clean(exclude=["record_id", "tracking_code"])
    if taken_elsewhere:
        # Another committee's complaint: the id is refused, saying nothing of what it holds.
        raise RecordIdUnavailable(record_id)
    complaint.tracking_code = _unused_tracking_code()
    save_audited(actor, complaint, complaint.save)
    return complaint, True


# What a resent complaint must repeat to be the same complaint.
FILED_FIELDS = (
    "provider",
    "received_on",
    "what",
    "channel",
    "where",
    "reported_by",
    "reporter_phone",
    "reporter_sex",
    "since",
    "respond_by",
)


@transaction.atomic
def correct_complaint(complaint: Complaint, actor, **fields) -> Complaint:
    """Correct what was written when the complaint was filed (audited); not its status.

    The register and the committee it belongs to stay; its answer and closing go through
    ``move_complaint``.
    """
    from ojodeagua.audit.trail import save_audited

    allowed = set(FILED_FIELDS) - {"provider"}
    if unknown := set(fields) - allowed:
        raise ValueError(f"not correctable here: {sorted(unknown)}")
    if actor is not None:
        scope_for(actor).refuse_unseen_names(
            complaint.provider_id, reported_by=fields.get("reported_by", "")
        )
    for name, value in fields.items():
        setattr(complaint, name, value.strip() if isinstance(value, str) else value)
    complaint.full_clean()
    save_audited(actor, complaint, complaint.save)
    return complaint


# Where a complaint may go from each status; closed complaints stay closed.
NEXT_STATUSES = {
    Complaint.Status.RECEIVED: (
        Complaint.Status.ANSWERED,
        Complaint.Status.RESOLVED,
        Complaint.Status.NOT_RESOLVED,
    ),
    Complaint.Status.ANSWERED: (Complaint.Status.RESOLVED, Complaint.Status.NOT_RESOLVED),
    Complaint.Status.RESOLVED: (),
    Complaint.Status.NOT_RESOLVED: (),
}
# What a complaint's answer and closing are written in; they change only by moving it.
MOVE_FIELDS = ("status", "answered_on", "answer", "closed_on", "not_resolved_reason")


def is_closed(complaint: Complaint) -> bool:
    return not NEXT_STATUSES.get(complaint.status, ())


def check_open(complaint: Complaint) -> None:
    """Closed complaints stay closed: the one refusal every way in gives."""
    if is_closed(complaint):
        raise ValidationError({"status": _("Esta queja ya está cerrada.")})


@transaction.atomic
def move_complaint(
    complaint: Complaint,
    actor,
    status: str,
    *,
    answered_on: datetime.date | None = None,
    answer: str = "",
    closed_on: datetime.date | None = None,
    reason: str = "",
) -> Complaint:
    """Move a complaint along received → answered → resolved or not resolved (audited).

    A complaint still waiting may be answered and closed in one step (the answer is asked
    for all the same). Raises ``ValidationError`` with the field to fix.
    """
    from ojodeagua.audit.trail import save_audited

    check_open(complaint)
    if status not in NEXT_STATUSES.get(complaint.status, ()):
        raise ValidationError(
            {
                "status": _("Una queja «%(now)s» no puede pasar a «%(next)s».")
                % {
                    "now": complaint.get_status_display(),
                    "next": Complaint.Status(status).label
                    if status in Complaint.Status.values
                    else status,
                }
            }
        )
    errors = {}
    if complaint.status == Complaint.Status.RECEIVED:
        if answered_on is None:
            errors["answered_on"] = _("Anote cuándo se respondió la queja.")
        if not answer.strip():
            errors["answer"] = _("Escriba qué se le respondió a quien se quejó.")
        complaint.answered_on = answered_on
        complaint.answer = answer.strip()
    if status in {Complaint.Status.RESOLVED, Complaint.Status.NOT_RESOLVED}:
        if closed_on is None:
            errors["closed_on"] = _("Anote cuándo se cerró la queja.")
        elif complaint.answered_on and closed_on < complaint.answered_on:
            errors["closed_on"] = _("La queja no se puede cerrar antes de responderla.")
        complaint.closed_on = closed_on
    if status == Complaint.Status.NOT_RESOLVED:
        if not reason.strip():
            errors["not_resolved_reason"] = _("Diga por qué la queja no se resolvió.")
        complaint.not_resolved_reason = reason.strip()
    if errors:
        raise ValidationError(errors)
    complaint.status = status
    complaint.full_clean()
    save_audited(actor, complaint, complaint.save)
    return complaint


@transaction.atomic
def review_complaint(complaint: Complaint, actor, public_summary: str) -> Complaint:
    """Write (or withdraw, with an empty text) the words the public locality page shows of a
    complaint (audited). Nothing the public wrote is shown until a committee member has
    reviewed it here: names, insults and phone numbers stay in the register."""
    from ojodeagua.audit.trail import save_audited

    if actor is None or not scope_for(actor).can_edit(complaint.provider):
        raise PermissionDenied(_("Puede ver este comité, pero no revisar sus quejas."))
    complaint.public_summary = public_summary.strip()
    complaint.full_clean()
    save_audited(actor, complaint, complaint.save)
    return complaint


def escalate_overdue(on: datetime.date) -> list[Complaint]:
    """Turn over to the municipal agency every complaint still unanswered after its
    deadline, once (audited, by nobody: the nightly job). Returns those turned over today."""
    from ojodeagua.audit.trail import save_audited

    turned = []
    waiting = Complaint.objects.overdue(on).filter(escalated_on__isnull=True)
    for complaint in waiting.select_related("provider").order_by("pk"):
        with transaction.atomic():
            complaint.escalated_on = on
            save_audited(None, complaint, complaint.save)
        turned.append(complaint)
    return turned
