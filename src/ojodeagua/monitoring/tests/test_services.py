"""The one way an observation is saved: scope, date, model rules, state, audit and refresh."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from ojodeagua.audit.models import AuditEvent
from ojodeagua.audit.trail import save_audited
from ojodeagua.lib import refresh
from ojodeagua.monitoring import services, workflow
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.monitoring.observation import Observation
from ojodeagua.organisations.models import Membership
from ojodeagua.watersystems.models import WaterSystem

State = Observation.State
D = datetime.date


def user(username: str) -> User:
    return User.objects.get(username=username)


def committee_system() -> WaterSystem:
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    return committee.systems.first()


def day(system: WaterSystem, **overrides) -> SupplyDay:
    values = {"observed_on": D(2023, 3, 4), "hours": 6, "source": "self_report", **overrides}
    return SupplyDay(system=system, **values)


def audited(actor: User):
    written = []

    def write(observation):
        written.append(observation)
        return save_audited(actor, observation, observation.save)

    write.written = written
    return write


@pytest.mark.django_db
def test_a_new_record_is_hers_pending_audited_and_refreshed_on_commit(
    django_capture_on_commit_callbacks,
):
    treasurer = user("tesorera")
    with django_capture_on_commit_callbacks() as refreshes:
        saved, created = services.save_observation(
            treasurer, day(committee_system()), audited(treasurer)
        )

    assert created is True
    assert saved.pk and saved.recorded_by == treasurer
    assert saved.state == State.SUBMITTED and saved.validated_by is None
    assert AuditEvent.objects.filter(
        object_id=str(saved.pk), action=AuditEvent.Action.CREATE
    ).exists()
    assert len(refreshes) == 1


@pytest.mark.django_db
def test_an_edit_answers_not_created_and_keeps_who_recorded_it():
    facilitator, treasurer = user("ong"), user("tesorera")
    stored, _ = services.save_observation(treasurer, day(committee_system()), audited(treasurer))
    stored.hours = 8

    saved, created = services.save_observation(facilitator, stored, audited(facilitator))

    assert created is False
    saved.refresh_from_db()
    assert saved.hours == 8 and saved.recorded_by == treasurer


@pytest.mark.django_db
def test_a_place_outside_the_edit_area_is_refused_before_anything_is_written():
    neighbour = WaterSystem.objects.filter(municipality__key="07061").first()
    write = audited(user("tesorera"))

    with pytest.raises(PermissionDenied) as refused:
        services.save_observation(user("tesorera"), day(neighbour), write)

    assert str(refused.value) == str(workflow.RECORD_REFUSED)
    assert write.written == []


@pytest.mark.django_db
def test_validating_needs_the_role_asked_by_state_and_falls_back_to_pending_by_button():
    treasurer, facilitator = user("tesorera"), user("ong")
    system = committee_system()

    with pytest.raises(PermissionDenied):
        services.save_observation(
            treasurer,
            day(system),
            audited(treasurer),
            action=workflow.VALIDATE,
            requested_state=State.VALIDATED,
        )
    by_button, _ = services.save_observation(
        treasurer, day(system, observed_on=D(2023, 3, 5)), audited(treasurer), action="validate"
    )
    by_facilitator, _ = services.save_observation(
        facilitator, day(system, observed_on=D(2023, 3, 6)), audited(facilitator), action="validate"
    )

    assert by_button.state == State.SUBMITTED and by_button.validated_by is None
    assert by_facilitator.state == State.VALIDATED and by_facilitator.validated_by == facilitator
    assert not SupplyDay.objects.filter(system=system, observed_on=D(2023, 3, 4)).exists()


@pytest.mark.django_db
def test_a_date_out_of_range_or_a_broken_model_rule_writes_nothing():
    treasurer = user("tesorera")
    system = committee_system()
    write = audited(treasurer)

    with pytest.raises(ValidationError) as ancient:
        services.save_observation(treasurer, day(system, observed_on=D(1, 1, 1)), write)
    with pytest.raises(ValidationError) as no_reason:
        services.save_observation(treasurer, day(system, hours=0), write)

    assert ancient.value.message_dict == {
        "observed_on": ["La fecha 01/01/0001 es demasiado antigua; revise el año."]
    }
    assert "no_water_reason" in no_reason.value.message_dict
    assert write.written == []


@pytest.mark.django_db
def test_only_a_record_that_counts_before_or_after_the_change_refreshes_the_figures(
    monkeypatch, django_capture_on_commit_callbacks
):
    """Pending over new (or over pending) moves no figure; pending over validated does."""
    calls = []
    monkeypatch.setattr(
        refresh, "_refresh", lambda records: calls.append(("refresh", {r.state for r in records}))
    )
    monkeypatch.setattr(refresh, "_new_months", lambda: calls.append(("new months",)))
    treasurer = user("tesorera")
    with django_capture_on_commit_callbacks(execute=True):
        record, _ = services.save_observation(
            treasurer, day(committee_system()), audited(treasurer)
        )
    assert record.state == State.SUBMITTED
    assert calls == [("new months",)]

    calls.clear()
    record.hours = 7
    with django_capture_on_commit_callbacks(execute=True):
        services.save_observation(treasurer, record, audited(treasurer))
    assert calls == [("new months",)]

    calls.clear()
    SupplyDay.objects.filter(pk=record.pk).update(state=State.VALIDATED)
    record.refresh_from_db()
    record.hours = 3
    with django_capture_on_commit_callbacks(execute=True):
        saved, _ = services.save_observation(treasurer, record, audited(treasurer))
    assert saved.state == State.SUBMITTED  # a committee's correction waits for validation
    assert calls == [("refresh", {State.SUBMITTED, State.VALIDATED})]
