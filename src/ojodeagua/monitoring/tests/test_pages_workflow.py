"""The state a save leaves an observation in, without going through the pages."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from ojodeagua.monitoring import workflow
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.monitoring.observation import Observation
from ojodeagua.monitoring.tests.factories import make_system
from ojodeagua.organisations.scope import scope_for
from ojodeagua.watersystems.models import WaterSystem

State = Observation.State


def day(state: str = State.SUBMITTED) -> SupplyDay:
    """An unsaved supply day of a system of its own."""
    system = make_system()
    return SupplyDay(system=system, observed_on=datetime.date(2026, 11, 2), hours=3, state=state)


@pytest.mark.parametrize(
    ("previous", "action", "may_validate", "expected"),
    [
        (None, workflow.SUBMIT, False, State.SUBMITTED),
        (None, workflow.DRAFT, False, State.DRAFT),
        (None, workflow.VALIDATE, False, State.SUBMITTED),
        (None, workflow.VALIDATE, True, State.VALIDATED),
        (State.VALIDATED, workflow.SUBMIT, False, State.SUBMITTED),
        (State.VALIDATED, workflow.DRAFT, False, State.SUBMITTED),
        (State.VALIDATED, workflow.SUBMIT, True, State.VALIDATED),
        (State.DRAFT, workflow.SUBMIT, False, State.SUBMITTED),
    ],
)
@pytest.mark.django_db
def test_the_state_after_a_save(previous, action, may_validate, expected):
    observation = day(previous or State.SUBMITTED)
    user = User.objects.get(username="ong")
    if previous == State.VALIDATED:
        observation.validated_by = User.objects.get(username="agencia")

    workflow.apply_save_state(
        observation, previous=previous, action=action, user=user, may_validate=may_validate
    )

    assert observation.state == expected
    assert (observation.validated_by is not None) == (expected == State.VALIDATED)
    if previous == State.VALIDATED and expected == State.VALIDATED:
        # Whoever validated it first stays on record.
        assert observation.validated_by.username == "agencia"


@pytest.mark.django_db
def test_who_may_validate_and_record():
    agency, treasurer = User.objects.get(username="agencia"), User.objects.get(username="tesorera")
    own = SupplyDay(system=treasurer.memberships.get().providers.get().systems.first())
    outside = SupplyDay(system=WaterSystem.objects.filter(municipality__key="07061").first())

    assert workflow.can_validate(scope_for(agency), own)
    assert workflow.may_record(scope_for(treasurer), own)
    assert not workflow.can_validate(scope_for(treasurer), own)
    assert not workflow.may_record(scope_for(agency), outside)
    assert not workflow.can_validate(scope_for(agency), outside)


@pytest.mark.django_db
def test_who_may_record_and_validate_is_asked_in_one_place(django_capture_on_commit_callbacks):
    treasurer = User.objects.get(username="tesorera")
    own = SupplyDay.objects.filter(
        system__provider__in=scope_for(treasurer).edit.provider_ids, state=State.SUBMITTED
    ).first()
    foreign = day()
    # A committee member records her own committee's data as pending, never as validated.
    workflow.check_may_save(scope_for(treasurer), own, State.SUBMITTED)
    with pytest.raises(PermissionDenied, match="Solo la coordinación"):
        workflow.check_may_save(scope_for(treasurer), own, State.VALIDATED)
    with pytest.raises(PermissionDenied, match="no registrar observaciones"):
        workflow.check_may_save(scope_for(treasurer), foreign, State.SUBMITTED)
    with pytest.raises(PermissionDenied, match="Solo la coordinación"):
        workflow.validate_observation(own, treasurer)
    # The coordinator validates it once; the indicators are refreshed when that commits.
    coordinator = User.objects.get(username="agencia")
    with django_capture_on_commit_callbacks() as refreshes:
        assert workflow.validate_observation(own, coordinator)
    assert len(refreshes) == 1
    assert not workflow.validate_observation(own, coordinator)
    own.refresh_from_db()
    assert own.state == State.VALIDATED and own.validated_by == coordinator
