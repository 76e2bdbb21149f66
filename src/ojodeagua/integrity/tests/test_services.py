"""The integrity write paths every way in shares: the complaint register, the workshop's
records (cycle, risks, ratings, road map) and the coaching sessions."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from ojodeagua.audit.models import AuditEvent
from ojodeagua.integrity import register
from ojodeagua.integrity.models import (
    AssessedRisk,
    CoachingSession,
    Complaint,
    Cycle,
    Participant,
    RoadmapItem,
    ScorecardIndicator,
)
from ojodeagua.integrity.tests.factories import make_cycle
from ojodeagua.integrity.workshop import (
    add_risk,
    answer_checklist,
    answer_coaching,
    change_assessed_risk,
    clear_rating,
    correct_coaching_session,
    edit_cycle,
    hold_coaching_session,
    open_cycle,
    plan_action,
    rate_risk,
    remove_participant,
    score_indicator,
    set_top_three,
)
from ojodeagua.lib.records import RecordConflict, RecordIdUnavailable
from ojodeagua.organisations.models import Membership
from ojodeagua.providers.models import Provider

D = datetime.date


@pytest.fixture
def treasurer(db) -> User:
    return User.objects.get(username="tesorera")


@pytest.fixture
def coordinator(db) -> User:
    """The agency's coordinator: the fresh committee is in her municipality."""
    return User.objects.get(username="agencia")


@pytest.fixture
def complaint(fresh_committee, coordinator) -> Complaint:
    filed, _created = register.file_complaint(
        fresh_committee,
        received_on=D(2026, 9, 1),
        what="Sale el agua turbia",
        channel=Complaint.Channel.ASSEMBLY,
        record_id="queja-servicio-1",
        actor=coordinator,
    )
    return filed


def test_a_complaint_filed_twice_is_one_and_other_content_names_the_fields(
    complaint, fresh_committee, treasurer
):
    again, created = register.file_complaint(
        fresh_committee,
        received_on=D(2026, 9, 1),
        what="Sale el agua turbia",
        channel=Complaint.Channel.ASSEMBLY,
        record_id="queja-servicio-1",
    )
    assert not created and again.pk == complaint.pk
    with pytest.raises(RecordConflict) as refused:
        register.file_complaint(
            fresh_committee,
            received_on=D(2026, 9, 2),
            what="Sale el agua turbia",
            channel=Complaint.Channel.PHONE,
            record_id="queja-servicio-1",
        )
    assert refused.value.fields == ["received_on", "channel", "respond_by"]
    assert refused.value.record_id == "queja-servicio-1"
    # Someone who does not see that committee is refused as with any id: she may not file
    # there; and where she may, the id is unusable, with nothing said of its complaint.
    for record_id in ("queja-servicio-1", "queja-nueva"):
        with pytest.raises(PermissionDenied):
            register.file_complaint(
                fresh_committee,
                received_on=D(2026, 9, 1),
                what="Sale el agua turbia",
                channel=Complaint.Channel.ASSEMBLY,
                record_id=record_id,
                actor=treasurer,
            )
    own = Membership.objects.get(user=treasurer).providers.get()
    with pytest.raises(RecordIdUnavailable) as hidden:
        register.file_complaint(
            own,
            received_on=D(2026, 9, 1),
            what="Sale el agua turbia",
            channel=Complaint.Channel.ASSEMBLY,
            record_id="queja-servicio-1",
            actor=treasurer,
        )
    assert hidden.value.fields == []
    assert "turbia" not in hidden.value.messages[0]
    assert Complaint.objects.filter(record_id="queja-servicio-1").count() == 1


def test_only_who_keeps_a_committees_register_files_its_complaints(fresh_committee, treasurer):
    with pytest.raises(PermissionDenied):
        register.file_complaint(
            fresh_committee,
            received_on=D(2026, 9, 1),
            what="Fuga",
            channel=Complaint.Channel.PHONE,
            actor=treasurer,
        )
    assert not Complaint.objects.filter(provider=fresh_committee).exists()


def test_a_closed_complaint_stays_closed(complaint, treasurer):
    register.move_complaint(
        complaint,
        treasurer,
        Complaint.Status.RESOLVED,
        answered_on=D(2026, 9, 3),
        answer="Se lavó el tanque",
        closed_on=D(2026, 9, 4),
    )
    for status in Complaint.Status.values:
        with pytest.raises(ValidationError) as refused:
            register.move_complaint(complaint, treasurer, status, closed_on=D(2026, 9, 5))
        assert refused.value.message_dict == {"status": ["Esta queja ya está cerrada."]}
    complaint.refresh_from_db()
    assert (complaint.status, complaint.closed_on) == (Complaint.Status.RESOLVED, D(2026, 9, 4))


def test_a_correction_changes_what_was_filed_not_the_status(complaint, treasurer):
    register.correct_complaint(
        complaint, treasurer, where=" Barrio alto ", respond_by=D(2026, 9, 9)
    )
    complaint.refresh_from_db()
    assert (complaint.where, complaint.respond_by) == ("Barrio alto", D(2026, 9, 9))
    assert complaint.status == Complaint.Status.RECEIVED
    with pytest.raises(ValueError):
        register.correct_complaint(complaint, treasurer, status=Complaint.Status.RESOLVED)
    with pytest.raises(ValidationError):
        register.correct_complaint(complaint, treasurer, what="")
    assert AuditEvent.objects.filter(
        content_type__model="complaint", object_id=str(complaint.pk), action="update"
    ).exists()


@pytest.fixture
def preparing_cycle(fresh_committee) -> Cycle:
    return make_cycle(fresh_committee, number=1, stage=Cycle.Stage.PREPARATION)


def test_a_rating_is_one_per_risk_and_person_and_starts_the_workshop(preparing_cycle, treasurer):
    person = Participant.objects.create(
        cycle=preparing_cycle, role="user", sex="F", age_group="adult"
    )
    assessed = AssessedRisk.objects.create(
        cycle=preparing_cycle, risk=preparing_cycle.catalogue.risks.get(code="R01")
    )

    first, created = rate_risk(treasurer, assessed, person, 2, 3)
    second, created_again = rate_risk(treasurer, assessed, person, 3, 3)

    assert created and not created_again and second.pk == first.pk
    assert (second.likelihood, second.impact) == (3, 3)
    preparing_cycle.refresh_from_db()
    assert preparing_cycle.stage == Cycle.Stage.WORKSHOP
    assert preparing_cycle.workshop_on is not None
    with pytest.raises(ValidationError, match="no está en la escala"):
        rate_risk(treasurer, assessed, person, 5, 1)


def test_a_rating_by_someone_of_another_cycle_is_refused(preparing_cycle, treasurer):
    other = make_cycle(preparing_cycle.provider, number=2, stage=Cycle.Stage.PREPARATION)
    stranger = Participant.objects.create(cycle=other, role="user", sex="M", age_group="adult")
    assessed = AssessedRisk.objects.create(cycle=preparing_cycle, own_title="Se pierden llaves")
    with pytest.raises(ValidationError, match="no participa en este ciclo"):
        rate_risk(treasurer, assessed, stranger, 1, 1)
    preparing_cycle.refresh_from_db()
    assert preparing_cycle.stage == Cycle.Stage.PREPARATION


def test_a_checklist_item_has_one_answer_and_the_first_starts_the_workshop(
    preparing_cycle, treasurer
):
    item = preparing_cycle.catalogue.checklist.first()
    first, created = answer_checklist(treasurer, preparing_cycle, item, "partly", "Acta")
    second, created_again = answer_checklist(treasurer, preparing_cycle, item, "yes")
    assert created and not created_again and second.pk == first.pk
    assert (second.answer, second.evidence) == ("yes", "")
    preparing_cycle.refresh_from_db()
    assert preparing_cycle.stage == Cycle.Stage.WORKSHOP


def test_the_top_three_audits_each_priority_that_moved(preparing_cycle, treasurer):
    chosen = [
        AssessedRisk.objects.create(
            cycle=preparing_cycle,
            own_title=title,
            consensus_likelihood=2,
            consensus_impact=2,
        )
        for title in ("Cuotas", "Llaves", "Tubos")
    ]
    set_top_three(treasurer, preparing_cycle, [chosen[1].pk, chosen[0].pk])
    set_top_three(treasurer, preparing_cycle, [chosen[1].pk, chosen[2].pk])
    priorities = dict(preparing_cycle.assessed_risks.values_list("own_title", "priority"))
    assert priorities == {"Llaves": 1, "Tubos": 2, "Cuotas": None}
    moved = AuditEvent.objects.filter(content_type__model="assessedrisk", action="update")
    titles = {str(risk.pk): risk.own_title for risk in chosen}
    assert sorted((titles[event.object_id], str(event.changes["priority"])) for event in moved) == [
        ("Cuotas", "[2, None]"),
        ("Cuotas", "[None, 2]"),
        ("Llaves", "[None, 1]"),
        ("Tubos", "[None, 2]"),
    ]


def test_a_cycle_opens_with_the_next_number_and_the_baseline_of_the_day(preparing_cycle, treasurer):
    opened = open_cycle(
        treasurer,
        preparing_cycle.provider,
        catalogue=preparing_cycle.catalogue,
        scale=preparing_cycle.scale,
        context="Segunda vuelta",
    )
    assert opened.number == preparing_cycle.number + 1
    assert opened.baseline and opened.baseline_taken_on is not None
    assert AuditEvent.objects.filter(
        content_type__model="cycle", object_id=str(opened.pk), action="create"
    ).exists()


def test_an_action_sent_twice_is_planned_once_and_another_plan_is_a_conflict(preparing_cycle):
    coordinator = User.objects.get(username="agencia")  # sees the fresh committee
    key = AssessedRisk.objects.create(
        cycle=preparing_cycle,
        own_title="Cuotas",
        consensus_likelihood=3,
        consensus_impact=3,
        priority=1,
    )
    plan = {
        "action": "Asamblea de cuotas",
        "responsible": "Tesorera",
        "deadline": D(2026, 12, 15),
        "done_when": "Acta",
    }
    first, created = plan_action(coordinator, key, record_id="plan-1", **plan)
    again, created_again = plan_action(coordinator, key, record_id="plan-1", **plan)
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(RecordConflict) as refused:
        plan_action(coordinator, key, record_id="plan-1", **{**plan, "action": "Otra cosa"})
    assert refused.value.fields == ["action"]
    unchosen = AssessedRisk.objects.create(cycle=preparing_cycle, own_title="Llaves")
    with pytest.raises(ValidationError, match="tres problemas"):
        plan_action(coordinator, unchosen, record_id="plan-2", **plan)
    assert RoadmapItem.objects.filter(assessed_risk__cycle=preparing_cycle).count() == 1


def test_an_indicator_has_one_score_per_cycle_and_an_unchanged_score_writes_nothing(
    preparing_cycle, treasurer
):
    indicator = ScorecardIndicator.objects.filter(version=preparing_cycle.catalogue).first()
    first, created = score_indicator(treasurer, preparing_cycle, indicator, 3, "Actas al día")
    events = AuditEvent.objects.filter(content_type__model="scorecardscore")
    written = events.count()
    same, created_same = score_indicator(treasurer, preparing_cycle, indicator, 3, "Actas al día")
    assert events.count() == written
    changed, created_changed = score_indicator(
        treasurer, preparing_cycle, indicator, 4, "Cuentas presentadas"
    )
    assert created and not created_same and not created_changed
    assert first.pk == same.pk == changed.pk
    assert (changed.score, changed.evidence) == (4, "Cuentas presentadas")
    with pytest.raises(ValidationError) as refused:
        score_indicator(treasurer, preparing_cycle, indicator, 9, "Demasiado")
    assert "score" in refused.value.message_dict


def test_an_action_has_one_set_of_answers_per_coaching_session(preparing_cycle, treasurer):
    key = AssessedRisk.objects.create(
        cycle=preparing_cycle, own_title="Cuotas", consensus_likelihood=3, consensus_impact=3
    )
    key.priority = 1
    key.save()
    item = RoadmapItem.objects.create(
        assessed_risk=key, action="Asamblea", responsible="Tesorera", deadline=D(2026, 12, 1)
    )
    session = CoachingSession.objects.create(
        cycle=preparing_cycle, held_on=D(2026, 11, 5), attendees="Comité"
    )
    first, created = answer_coaching(treasurer, session, item, goals_reached=" Se citó ")
    again, created_again = answer_coaching(treasurer, session, item, problems="Llovió")
    assert created and not created_again and again.pk == first.pk
    assert (again.goals_reached, again.problems) == ("Se citó", "Llovió")
    other_cycle = make_cycle(preparing_cycle.provider, number=2)
    elsewhere = CoachingSession.objects.create(
        cycle=other_cycle, held_on=D(2026, 11, 6), attendees="Comité"
    )
    with pytest.raises(ValidationError, match="otro ciclo"):
        answer_coaching(treasurer, elsewhere, item, goals_reached="x")


def audited(model: str, obj, action: str = "create") -> bool:
    return AuditEvent.objects.filter(
        content_type__model=model, object_id=str(obj.pk), action=action
    ).exists()


def test_an_open_cycle_keeps_its_committee_and_once_rated_its_scale(preparing_cycle, treasurer):
    other_scale = preparing_cycle.catalogue.scales.exclude(pk=preparing_cycle.scale_id).first()
    assert other_scale is not None
    rescaled = edit_cycle(treasurer, preparing_cycle, scale=other_scale)
    assert rescaled.scale == other_scale and audited("cycle", rescaled, "update")
    AssessedRisk.objects.create(cycle=preparing_cycle, own_title="Cuotas")

    with pytest.raises(ValidationError) as back:
        edit_cycle(
            treasurer, preparing_cycle, scale=preparing_cycle.catalogue.scales.get(code="3x3")
        )
    with pytest.raises(ValidationError) as moved:
        edit_cycle(
            treasurer,
            preparing_cycle,
            provider=Provider.objects.exclude(pk=preparing_cycle.provider_id).first(),
        )

    assert "ya no se cambian" in back.value.message_dict["scale"][0]
    assert "no pasa a otro comité" in moved.value.message_dict["provider"][0]
    preparing_cycle.refresh_from_db()
    assert preparing_cycle.scale == other_scale


def test_an_edit_may_take_the_baseline_again(preparing_cycle, treasurer):
    edited = edit_cycle(treasurer, preparing_cycle, retake_baseline=True, context="Otra vez")
    edited.refresh_from_db()
    assert edited.baseline and edited.baseline_taken_on is not None
    assert edited.context == "Otra vez"


def test_the_groups_own_risk_is_added_once_per_form(preparing_cycle, treasurer):
    first, created = add_risk(treasurer, preparing_cycle, record_id="riesgo-1", own_title="Llaves")
    again, created_again = add_risk(
        treasurer, preparing_cycle, record_id="riesgo-1", own_title="Llaves"
    )
    other = Cycle.objects.create(
        provider=preparing_cycle.provider,
        number=2,
        catalogue=preparing_cycle.catalogue,
        scale=preparing_cycle.scale,
    )

    assert created and not created_again and again.pk == first.pk
    assert audited("assessedrisk", first)
    with pytest.raises(RecordConflict):
        add_risk(treasurer, other, record_id="riesgo-1", own_title="Llaves")
    with pytest.raises(ValidationError, match="Escriba el riesgo"):
        add_risk(treasurer, preparing_cycle, own_title="  ")
    preparing_cycle.refresh_from_db()
    assert preparing_cycle.stage == Cycle.Stage.PREPARATION


def test_a_catalogue_risk_is_assessed_once_and_its_consensus_starts_the_workshop(
    preparing_cycle, treasurer
):
    risk = preparing_cycle.catalogue.risks.get(code="R01")
    assessed, _created = add_risk(treasurer, preparing_cycle, risk=risk)

    with pytest.raises(ValidationError, match="ya está en la valoración"):
        add_risk(treasurer, preparing_cycle, risk=risk)
    preparing_cycle.refresh_from_db()
    assert preparing_cycle.stage == Cycle.Stage.PREPARATION
    change_assessed_risk(treasurer, assessed, consensus_likelihood=2, consensus_impact=3)

    assessed.refresh_from_db()
    assert (assessed.consensus_likelihood, assessed.consensus_impact) == (2, 3)
    assert audited("assessedrisk", assessed, "update")
    preparing_cycle.refresh_from_db()
    assert preparing_cycle.stage == Cycle.Stage.WORKSHOP


def test_a_key_problem_keeps_its_consensus(preparing_cycle, treasurer):
    key, _created = add_risk(
        treasurer, preparing_cycle, own_title="Cuotas", consensus_likelihood=3, consensus_impact=3
    )
    set_top_three(treasurer, preparing_cycle, [key.pk])
    key.refresh_from_db()

    with pytest.raises(ValidationError, match="entre los tres problemas clave"):
        change_assessed_risk(treasurer, key, consensus_likelihood=None, consensus_impact=None)

    key.refresh_from_db()
    assert (key.consensus_likelihood, key.consensus_impact, key.priority) == (3, 3, 1)


def test_a_coaching_session_is_held_once_per_form(preparing_cycle, treasurer):
    session, created = hold_coaching_session(
        treasurer,
        preparing_cycle,
        held_on=D(2026, 11, 5),
        attendees="  Comité y facilitadora ",
        record_id="sesion-1",
    )
    again, created_again = hold_coaching_session(
        treasurer, preparing_cycle, held_on=D(2026, 11, 5), record_id="sesion-1"
    )
    other = Cycle.objects.create(
        provider=preparing_cycle.provider,
        number=2,
        catalogue=preparing_cycle.catalogue,
        scale=preparing_cycle.scale,
    )

    assert created and not created_again and again.pk == session.pk
    assert session.attendees == "Comité y facilitadora" and audited("coachingsession", session)
    with pytest.raises(RecordConflict):
        hold_coaching_session(
            treasurer, other, held_on=D(2026, 11, 5), attendees="Comité", record_id="sesion-1"
        )
    corrected = correct_coaching_session(treasurer, session, notes=" Llovió ")
    assert corrected.notes == "Llovió" and audited("coachingsession", session, "update")


def test_a_person_who_rated_stays_on_the_list_and_a_rating_is_taken_back_audited(
    preparing_cycle, treasurer
):
    rater = Participant.objects.create(
        cycle=preparing_cycle, role="user", sex="F", age_group="adult"
    )
    quiet = Participant.objects.create(
        cycle=preparing_cycle, role="user", sex="M", age_group="adult"
    )
    assessed = AssessedRisk.objects.create(cycle=preparing_cycle, own_title="Cuotas")
    rating, _created = rate_risk(treasurer, assessed, rater, 2, 2)
    quiet_id, rating_id = quiet.pk, rating.pk

    assert remove_participant(treasurer, rater) is False
    assert remove_participant(treasurer, quiet) is True
    clear_rating(treasurer, rating)

    assert list(preparing_cycle.participants.all()) == [rater]
    assert not assessed.ratings.exists()
    deleted = AuditEvent.objects.filter(action="delete")
    assert deleted.filter(content_type__model="participant", object_id=str(quiet_id)).exists()
    assert deleted.filter(content_type__model="rating", object_id=str(rating_id)).exists()
    assert not deleted.filter(content_type__model="participant", object_id=str(rater.pk)).exists()
