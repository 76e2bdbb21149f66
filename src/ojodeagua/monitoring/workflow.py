"""Validation of observations: who may record and validate them, and the state a save leaves.

The one place that decides it: the entry pages, the validation button and the API ask here.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy

from ojodeagua.audit.trail import save_audited
from ojodeagua.lib.refresh import refresh_indicators_on_commit
from ojodeagua.organisations.scope import Scope, scope_for

from .observation import Observation

State = Observation.State

# What the buttons of an observation form ask for.
DRAFT, SUBMIT, VALIDATE = "draft", "submit", "validate"


def may_record(scope: Scope, observation: Observation) -> bool:
    """Whether the user may create or change an observation of this place."""
    return scope.everything or scope.edit.covers(*observation.place_scope())


def can_validate(scope: Scope, observation: Observation) -> bool:
    """Coordinators and facilitators validate what they may edit; committee members do not."""
    # The create area is made of coordinator and facilitator memberships only.
    return scope.everything or scope.create.covers(*observation.place_scope())


RECORD_REFUSED = gettext_lazy("Puede ver este lugar, pero no registrar observaciones en él.")
VALIDATE_REFUSED = gettext_lazy(
    "Solo la coordinación o la facilitación del área pueden registrar observaciones ya "
    "validadas. Envíela como pendiente de validar."
)


def check_may_save(scope: Scope, observation: Observation, state: str | None) -> None:
    """Refuse (``PermissionDenied``) a record the user may not make in the state asked for."""
    if not may_record(scope, observation):
        raise PermissionDenied(RECORD_REFUSED)
    if state == State.VALIDATED and not can_validate(scope, observation):
        raise PermissionDenied(VALIDATE_REFUSED)


@transaction.atomic
def validate_observation(observation: Observation, user) -> bool:
    """Validate a stored observation (audited; indicators refreshed on commit).

    Returns whether it changed: an observation validated already stays as it was.
    """
    if not can_validate(scope_for(user), observation):
        raise PermissionDenied(VALIDATE_REFUSED)
    if observation.is_validated:
        return False
    observation.validate_by(user)
    save_audited(user, observation, observation.save)
    refresh_indicators_on_commit([observation])
    return True


def apply_save_state(
    observation: Observation, *, previous: str | None, action: str, user, may_validate: bool
) -> None:
    """Set the state of an observation being saved.

    ``previous`` is the stored state (None for a new record). A change to a validated record
    needs validating again unless its editor may validate; drafts stay drafts on request.
    """
    if action == VALIDATE and may_validate:
        if previous != State.VALIDATED or observation.validated_by_id is None:
            observation.validate_by(user)
        observation.state = State.VALIDATED
        return
    if action == DRAFT and previous != State.VALIDATED:
        observation.state = State.DRAFT
        return
    if previous == State.VALIDATED and may_validate:
        observation.state = State.VALIDATED
        return
    observation.state = State.SUBMITTED
    observation.validated_by = None
    observation.validated_at = None
