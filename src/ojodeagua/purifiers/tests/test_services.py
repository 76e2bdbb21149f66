"""The register's one write path, use case by use case: scope, rules, resends, the trail."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from ojodeagua.audit.models import AuditEvent
from ojodeagua.lib.records import RecordConflict, RecordIdUnavailable
from ojodeagua.purifiers import services
from ojodeagua.purifiers.models import EcoliTest, FollowUpVisit, LampChange, Unit

from .factories import build_area, unit, visit

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def area():
    return build_area()


def events_of(instance) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(instance)),
            object_id=str(instance.pk),
        ).order_by("pk")
    )


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# Registering a unit --------------------------------------------------------------------------
def test_a_facilitator_registers_a_household_unit_with_its_lamp_due_in_twelve_months(area):
    facilitadora = area.people["facilitadora"]

    registered, created = services.register_unit(
        facilitadora,
        locality=area.localities["L1"],
        place_label=" 12 ",
        unit_model="Mesita Azul",
        installed_on=D(2026, 3, 31),
        record_id="u-12",
    )

    assert created
    assert registered.place_label == "12"
    assert (registered.lamp_installed_on, registered.lamp_due_on) == (
        D(2026, 3, 31),
        D(2027, 3, 31),
    )
    [event] = events_of(registered)
    assert event.action == AuditEvent.Action.CREATE and event.actor == facilitadora
    assert event.municipality_id == area.municipality.pk


def test_the_same_unit_sent_again_is_the_stored_one_and_other_content_is_a_conflict(area):
    facilitadora = area.people["facilitadora"]
    sent = {"locality": area.localities["L1"], "place_label": "7", "installed_on": D(2026, 1, 5)}
    first, _ = services.register_unit(facilitadora, record_id="u-7", **sent)

    again, created = services.register_unit(facilitadora, record_id="u-7", **sent)
    with pytest.raises(RecordConflict) as conflict:
        services.register_unit(facilitadora, record_id="u-7", **{**sent, "place_label": "8"})

    assert (again.pk, created) == (first.pk, False)
    assert conflict.value.fields == ["place_label"]
    assert Unit.objects.filter(record_id="u-7").count() == 1
    assert len(events_of(first)) == 1


def test_a_unit_resent_after_its_lamp_was_changed_is_still_the_same_unit(area):
    sent = {"locality": area.localities["L1"], "place_label": "3", "installed_on": D(2025, 1, 5)}
    first, _ = services.register_unit(None, record_id="u-3", **sent)
    services.record_lamp_change(None, first, done_on=D(2026, 1, 10))

    again, created = services.register_unit(None, record_id="u-3", **sent)

    assert (again.pk, created) == (first.pk, False)


def test_a_committee_member_registers_units_of_her_committee_only(area):
    tesorero = area.people["tesorero"]
    los_pinos = area.localities["L1"]

    mine, created = services.register_unit(
        tesorero,
        locality=los_pinos,
        place_label="20",
        installed_on=D(2026, 2, 1),
        provider=area.providers["P1"],
    )
    with pytest.raises(PermissionDenied, match="no anotar purificadores"):
        services.register_unit(
            tesorero, locality=los_pinos, place_label="21", installed_on=D(2026, 2, 1)
        )
    with pytest.raises(PermissionDenied, match="no está entre los que usted atiende"):
        services.register_unit(
            tesorero,
            locality=los_pinos,
            place_label="22",
            installed_on=D(2026, 2, 1),
            provider=area.providers["P2"],
        )
    with pytest.raises(PermissionDenied, match="no está en su área"):
        services.register_unit(
            tesorero,
            locality=area.localities["L2"],
            place_label="23",
            installed_on=D(2026, 2, 1),
            provider=area.providers["P1"],
        )

    assert created and mine.provider == area.providers["P1"]


def test_a_viewer_and_someone_from_elsewhere_write_nothing(area):
    target = unit(area.localities["L1"], "1", D(2025, 6, 1))
    day = {"visited_on": D(2026, 6, 1), "in_use": True, "is_clean": True}
    day |= {"lamp_working": True, "stored_water_covered": True}

    with pytest.raises(PermissionDenied, match="no anotar sus visitas"):
        services.record_visit(area.people["lectora"], target, **day)
    with pytest.raises(PermissionDenied, match="no está en su área"):
        services.record_visit(area.people["ajena"], target, **day)
    with pytest.raises(PermissionDenied):
        services.register_unit(
            area.people["lectora"],
            locality=area.localities["L1"],
            place_label="2",
            installed_on=D(2026, 1, 1),
        )

    assert not FollowUpVisit.objects.filter(unit=target).exists()


# Rules ---------------------------------------------------------------------------------------
def test_a_household_unit_needs_its_number_and_a_school_unit_its_own_locality(area):
    facilitadora = area.people["facilitadora"]

    with pytest.raises(ValidationError) as no_label:
        services.register_unit(
            facilitadora, locality=area.localities["L1"], installed_on=D(2026, 1, 1)
        )
    with pytest.raises(ValidationError) as elsewhere:
        services.register_unit(
            facilitadora,
            locality=area.localities["L2"],
            owner=Unit.Owner.SCHOOL,
            school=area.school,
            installed_on=D(2026, 1, 1),
        )

    assert messages_of(no_label.value) == {
        "place_label": [
            "Escriba el número o la clave de la vivienda (no el nombre de quien vive ahí)."
        ]
    }
    assert messages_of(elsewhere.value)["school"] == [
        "La escuela «Escuela Benito Juárez» está en Los Pinos, no en la localidad elegida. "
        "Elija la localidad de la escuela."
    ]


def test_records_dated_before_the_installation_or_after_today_are_refused(area):
    target = unit(area.localities["L1"], "1", D(2026, 3, 15))
    facilitadora = area.people["facilitadora"]
    seen = {"in_use": True, "is_clean": True, "lamp_working": True, "stored_water_covered": True}

    with pytest.raises(ValidationError) as early:
        services.record_visit(facilitadora, target, visited_on=D(2026, 2, 1), **seen)
    with pytest.raises(ValidationError) as late:
        services.record_visit(facilitadora, target, visited_on=D(2099, 1, 1), **seen)
    with pytest.raises(ValidationError) as test_early:
        services.record_test(facilitadora, target, sampled_on=D(2026, 3, 1), ecoli_after=Decimal(0))

    assert messages_of(early.value) == {
        "visited_on": [
            "La visita es del 01/02/2026, antes de que se instalara el purificador (15/03/2026). "
            "Revise la fecha de la visita."
        ]
    }
    assert messages_of(late.value) == {
        "visited_on": ["La fecha es posterior a hoy; anote el día en que se hizo."]
    }
    assert "sampled_on" in messages_of(test_early.value)


def test_a_test_needs_a_result_before_or_after_the_unit(area):
    target = unit(area.localities["L1"], "1", D(2026, 1, 15))

    with pytest.raises(ValidationError) as empty:
        services.record_test(area.people["facilitadora"], target, sampled_on=D(2026, 2, 1))
    made, created = services.record_test(
        area.people["facilitadora"], target, sampled_on=D(2026, 2, 1), ecoli_before=Decimal("35")
    )

    assert list(messages_of(empty.value)) == ["ecoli_after"]
    assert created and made.clean_after is None


def test_a_lamp_change_moves_the_units_lamp_and_keeps_the_one_it_replaced(area):
    target = unit(area.localities["L1"], "1", D(2025, 1, 15))
    facilitadora = area.people["facilitadora"]

    change, created = services.record_lamp_change(
        facilitadora, target, done_on=D(2026, 2, 1), record_id="lamp-1"
    )
    target.refresh_from_db()
    with pytest.raises(ValidationError) as older:
        services.record_lamp_change(facilitadora, target, done_on=D(2026, 1, 1))
    again, created_again = services.record_lamp_change(
        facilitadora, target, done_on=D(2026, 2, 1), record_id="lamp-1"
    )

    assert created and not created_again and again.pk == change.pk
    assert (target.lamp_installed_on, target.lamp_due_on) == (D(2026, 2, 1), D(2027, 2, 1))
    assert change.replaced_due_on == D(2026, 1, 15)
    assert list(messages_of(older.value)) == ["done_on"]
    assert LampChange.objects.filter(unit=target).count() == 1
    update = events_of(target)[-1]
    assert update.action == AuditEvent.Action.UPDATE
    assert update.changes["lamp_due_on"] == ["2026-01-15", "2027-02-01"]


def test_a_retired_unit_takes_nothing_dated_after_it_was_retired(area):
    target = unit(area.localities["L1"], "1", D(2025, 1, 15))
    facilitadora = area.people["facilitadora"]
    visit(target, D(2026, 3, 1))

    with pytest.raises(ValidationError) as before_its_records:
        services.retire_unit(facilitadora, target, retired_on=D(2026, 2, 1), reason="Se rompió")
    services.retire_unit(facilitadora, target, retired_on=D(2026, 4, 1), reason="Se rompió")
    same, changed = services.retire_unit(
        facilitadora, target, retired_on=D(2026, 4, 1), reason="Se rompió"
    )
    with pytest.raises(ValidationError) as after:
        services.record_repair(facilitadora, target, done_on=D(2026, 5, 1), what="Llave")

    assert list(messages_of(before_its_records.value)) == ["retired_on"]
    assert not changed and same.status == Unit.Status.RETIRED
    assert list(messages_of(after.value)) == ["done_on"]


# Resends of a unit's records ---------------------------------------------------------------
def test_a_visit_sent_twice_is_stored_once_and_a_changed_one_is_a_conflict(area):
    target = unit(area.localities["L1"], "1", D(2025, 1, 15))
    facilitadora = area.people["facilitadora"]
    sent = {"visited_on": D(2026, 5, 2), "in_use": True, "is_clean": False}
    sent |= {"lamp_working": True, "stored_water_covered": False, "record_id": "v-1"}

    first, created = services.record_visit(facilitadora, target, **sent)
    again, created_again = services.record_visit(facilitadora, target, **sent)
    with pytest.raises(RecordConflict) as conflict:
        services.record_visit(facilitadora, target, **{**sent, "in_use": False})

    assert created and not created_again and again.pk == first.pk
    assert conflict.value.fields == ["in_use"]
    assert FollowUpVisit.objects.filter(record_id="v-1").count() == 1


def test_a_record_id_out_of_sight_is_refused_only_once_the_rest_is_right(area):
    hidden = unit(area.localities["L1"], "1", D(2025, 1, 15), record_id="taken")
    ajena = area.people["ajena"]
    elsewhere = area.localities["L9"]

    with pytest.raises(ValidationError) as wrong_anyway:
        services.register_unit(
            ajena, locality=elsewhere, installed_on=D(2026, 1, 1), record_id="taken"
        )
    with pytest.raises(RecordIdUnavailable):
        services.register_unit(
            ajena,
            locality=elsewhere,
            place_label="9",
            installed_on=D(2026, 1, 1),
            record_id="taken",
        )

    assert not isinstance(wrong_anyway.value, RecordConflict)
    assert list(messages_of(wrong_anyway.value)) == ["place_label"]
    assert Unit.objects.get(record_id="taken").pk == hidden.pk


def test_not_detected_after_the_unit_is_read_by_method_as_nom_127_reads_it(area):
    # NOM-127: < 1.1 by MPN, < 1 CFU by membrane filtration (domain note water-quality.md).
    target = unit(area.localities["L1"], "1", D(2025, 1, 15))
    sent = [
        ("mpn", Decimal("0")),
        ("mpn", Decimal("1.0")),
        ("mpn", Decimal("1.1")),
        ("cfu", Decimal("0.9")),
        ("cfu", Decimal("1.0")),
    ]

    made = [
        services.record_test(
            None, target, sampled_on=D(2026, 1, 1 + n), ecoli_after=value, method=method
        )[0]
        for n, (method, value) in enumerate(sent)
    ]

    assert [test.clean_after for test in made] == [True, True, False, True, False]
    assert EcoliTest.objects.filter(unit=target).count() == 5


def test_the_same_visit_arriving_twice_at_once_is_stored_once(area):
    # Both sends are checked before either is saved (two requests at the same moment): the
    # second one's insert meets the first one's record id and answers as a resend.
    target = unit(area.localities["L1"], "1", D(2025, 1, 15))
    facilitadora = area.people["facilitadora"]
    sent = {"visited_on": D(2026, 5, 2), "in_use": True, "is_clean": True}
    sent |= {"lamp_working": True, "stored_water_covered": True, "record_id": "v-twice"}
    first = services.check_visit(facilitadora, target, **sent)
    second = services.check_visit(facilitadora, target, **sent)
    other = services.check_visit(facilitadora, target, **{**sent, "in_use": False})

    stored, created = services._save(facilitadora, first)
    again, created_again = services._save(facilitadora, second)
    with pytest.raises(RecordConflict) as conflict:
        services._save(facilitadora, other)

    assert created and not created_again and again.pk == stored.pk
    assert conflict.value.fields == ["in_use"]
    assert FollowUpVisit.objects.filter(record_id="v-twice").count() == 1
