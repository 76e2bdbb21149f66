"""The one way an observation is written: by the entry pages, the week of supply and the API.

``save_observation`` checks the place against the user's scope, the date and the model's rules,
sets the state a save leaves (``workflow.apply_save_state``), runs the caller's audited write
and asks for the indicators the record touches (before and after an edit) once it is stored.
Callers only turn forms or JSON into an unsaved observation and the answer into a response.
"""

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.lib.refresh import refresh_indicators_on_commit
from ojodeagua.organisations.scope import scope_for

from . import workflow
from .observation import EARLIEST_OBSERVED_ON, Observation

State = Observation.State

# The request a state sent through the API stands for, in the words of the page's buttons.
ACTION_FOR_STATE = {
    State.DRAFT: workflow.DRAFT,
    State.SUBMITTED: workflow.SUBMIT,
    State.VALIDATED: workflow.VALIDATE,
}

Write = Callable[[Observation], Observation | None]


def too_old_message(day: datetime.date) -> str:
    return _("La fecha %(date)s es demasiado antigua; revise el año.") % {
        "date": f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    }


def observed_on_refusal(day: datetime.date) -> str | None:
    """Why an observation may not carry this date, or None: not after today, not before 1900."""
    if day > timezone.localdate():
        return _("La fecha es posterior a hoy; anote el día en que se hizo la observación.")
    if day < EARLIEST_OBSERVED_ON:
        return too_old_message(day)
    return None


def stored_state(observation: Observation) -> str | None:
    """The state stored for this record; None for a record not saved yet."""
    if observation.pk is None:
        return None
    return (
        type(observation)
        ._default_manager.filter(pk=observation.pk)
        .values_list("state", flat=True)
        .first()
    )


def stored_copy(observation: Observation) -> list[Observation]:
    """The record as stored before an edit: its old place and date need refreshing too."""
    if observation.pk is None:
        return []
    return list(type(observation)._default_manager.filter(pk=observation.pk))


@transaction.atomic
def save_observation(
    user,
    observation: Observation,
    write: Write,
    *,
    channel: str = Observation.Channel.PAGE,
    action: str = workflow.SUBMIT,
    requested_state: str | None = None,
) -> tuple[Observation, bool]:
    """Save a new or changed observation; returns ``(observation, created)``.

    ``write`` stores the record and its rows, audited (``audit.trail.save_audited``).
    ``channel`` is the way in (``Observation.Channel``: a page, the API), kept on a new record.
    ``action`` is what the user asked for (draft, submit, validate); someone who may not
    validate is saved as pending. ``requested_state``, when the client named a state, is
    checked strictly: asking for "validated" without the role is refused.
    Raises ``PermissionDenied`` for a place outside the user's edit area and
    ``ValidationError`` for a date or a model rule broken.
    """
    scope = scope_for(user)
    workflow.check_may_save(scope, observation, requested_state)
    if observation.observed_on and (refused := observed_on_refusal(observation.observed_on)):
        raise ValidationError({"observed_on": refused})
    observation.clean()
    previous = stored_state(observation)
    before_edit = stored_copy(observation)
    created = previous is None
    if created:
        observation.recorded_by = user
        observation.channel = channel
    workflow.apply_save_state(
        observation,
        previous=previous,
        action=action,
        user=user,
        may_validate=workflow.can_validate(scope, observation),
    )
    saved = write(observation) or observation
    # Only validated records count in a figure: one that was not before and is not now moves
    # none (most of what the field saves waits for validation).
    counted = State.VALIDATED in (previous, saved.state)
    refresh_indicators_on_commit([saved, *before_edit], counted=counted)
    return saved, created
