"""Validation of observations: who may record and validate them, and the state a save leaves."""

from ojodeagua.organisations.scope import Scope

from .observation import Observation

State = Observation.State

# What the buttons of an observation form ask for.
DRAFT, SUBMIT, VALIDATE = "draft", "submit", "validate"


def _covers(area, municipality_id: int | None, provider_id: int | None) -> bool:
    # The same rule as ObservationQuerySet.in_area, for records not saved yet.
    return municipality_id in area.municipality_ids or (
        provider_id is not None and provider_id in area.provider_ids
    )


def may_record(scope: Scope, observation: Observation) -> bool:
    """Whether the user may create or change an observation of this place."""
    return scope.everything or _covers(scope.edit, *observation.place_scope())


def can_validate(scope: Scope, observation: Observation) -> bool:
    """Coordinators and facilitators validate what they may edit; committee members do not."""
    # The create area is made of coordinator and facilitator memberships only.
    return scope.everything or _covers(scope.create, *observation.place_scope())


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
