"""Coaching sessions, one road-map action at a time: how it stands, why it changed, what was said.

A facilitator steps through the cycle's actions at a session. Each action saved here leaves one
answer of the session (its status then, the comment, the four guiding questions if answered) and,
when its status changed, the change with its reason in the road map's history (through
``workshop.change_roadmap``, which keeps the before → after and writes the audit trail).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import workshop
from .models import CoachingAnswer, CoachingSession, RoadmapChange, RoadmapItem


def check_done_by_session(session: CoachingSession, status_values: dict) -> None:
    """An action reported done at a session was done by the session's day, not after it."""
    done_on = status_values.get("done_on")
    if done_on and done_on > session.held_on:
        raise ValidationError(
            {
                "done_on": _(
                    "La sesión fue el %(day)s: una acción que se reporta hecha en ella quedó "
                    "hecha ese día o antes. Corrija la fecha."
                )
                % {"day": date_format(session.held_on, "SHORT_DATE_FORMAT")}
            }
        )


@transaction.atomic
def review_action(
    user,
    session: CoachingSession,
    item: RoadmapItem,
    *,
    status_values: dict,
    comment: str = "",
    answers: dict[str, str] | None = None,
) -> tuple[CoachingAnswer, RoadmapChange | None]:
    """One action reviewed at ``session``: (the session's answer for it, the status change or
    None); all saved or none.

    ``status_values`` are the action's status, ``done_on`` and ``dropped_reason`` as they stand
    after the session. When they differ from the stored ones the ``comment`` is the change's
    reason, and a change without one is refused. Reviewing the same action again in the session
    updates its answer.
    """

    if item.assessed_risk.cycle_id != session.cycle_id:
        raise ValidationError(_("Esa acción es de otro ciclo."))
    comment = comment.strip()
    change = None
    if any(getattr(item, name) != value for name, value in status_values.items()):
        check_done_by_session(session, status_values)
        change = workshop.change_roadmap(item, user, comment, **status_values)
    answer, _created = workshop.answer_coaching(
        user, session, item, status=item.status, comment=comment, **(answers or {})
    )
    return answer, change
