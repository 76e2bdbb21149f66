"""The complaint register's figures, and the red-flag checks firing and staying quiet."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ojodeagua.integrity.models import Complaint
from ojodeagua.integrity.register import register_figures
from ojodeagua.integrity.signals import CHECKS, RUNNERS, run_check
from ojodeagua.monitoring.models import SystemVisit
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider
from ojodeagua.waterquality.models import Parameter, Result, Sample
from ojodeagua.watersystems.models import Component, WaterSystem

D = datetime.date
TODAY = D(2026, 11, 27)


@pytest.fixture
def committee(db) -> Provider:
    locality = Locality.objects.filter(municipality__key="07012").first()
    return Provider.objects.create(
        name="Comité de prueba",
        kind="committee",
        municipality=locality.municipality,
        locality=locality,
    )


def complaint(
    provider, received, respond_by, status="received", answered=None, closed=None, reason=""
):
    return Complaint.objects.create(
        provider=provider,
        received_on=received,
        respond_by=respond_by,
        what="Fuga en la calle",
        status=status,
        answered_on=answered,
        closed_on=closed,
        not_resolved_reason=reason,
    )


def test_register_figures_match_the_hand_count(committee):
    complaint(committee, D(2026, 9, 1), D(2026, 9, 8), "resolved", D(2026, 9, 4), D(2026, 9, 10))
    complaint(committee, D(2026, 9, 2), D(2026, 9, 9), "resolved", D(2026, 9, 7), D(2026, 9, 20))
    complaint(
        committee,
        D(2026, 9, 3),
        D(2026, 9, 10),
        "not_resolved",
        D(2026, 9, 13),
        D(2026, 9, 30),
        reason="No hubo dinero para el tubo",
    )
    complaint(committee, D(2026, 10, 1), D(2026, 10, 8), "answered", D(2026, 10, 8))
    complaint(committee, D(2026, 11, 1), D(2026, 11, 8))  # overdue on 27 November
    complaint(committee, D(2026, 11, 25), D(2026, 12, 2))  # still on time
    figures = register_figures(committee.complaints.all(), TODAY)
    assert (figures.received, figures.resolved, figures.answered) == (6, 2, 4)
    assert figures.fix_rate == pytest.approx(2 / 6)
    assert figures.median_response_days == 6.0  # 3, 5, 7 and 10 days
    assert figures.overdue == 1


def test_a_complaint_says_what_is_missing(committee):
    unresolved = Complaint(
        provider=committee,
        received_on=D(2026, 9, 3),
        respond_by=D(2026, 9, 1),
        what="x",
        status="not_resolved",
    )
    with pytest.raises(ValidationError) as error:
        unresolved.full_clean()
    assert set(error.value.message_dict) == {
        "respond_by",
        "answered_on",
        "closed_on",
        "not_resolved_reason",
    }


def test_overdue_complaints_fire_and_stay_quiet(committee):
    quiet = run_check("complaints_overdue", committee, TODAY)
    assert quiet is not None and not quiet.fired
    complaint(committee, D(2026, 11, 1), D(2026, 11, 8))
    fired = run_check("complaints_overdue", committee, TODAY)
    assert fired.fired and "08/11/2026" in fired.detail
    complaint_on_time = complaint(committee, D(2026, 11, 25), D(2026, 12, 2))
    assert complaint_on_time.status == "received"
    assert len(run_check("complaints_overdue", committee, TODAY).evidence) == 1


def chlorinating_system(committee) -> WaterSystem:
    system = WaterSystem.objects.create(
        name="Red de prueba", kind="gravity", provider=committee, locality=committee.locality
    )
    Component.objects.create(system=system, kind=Component.Kind.CHLORINATOR)
    return system


def chlorine_reading(system, day, state="validated"):
    sample = Sample.objects.create(
        locality=system.locality,
        system=system,
        observed_on=day,
        source="visit",
        state=state,
        sampling_point="tap",
        analysis="field_kit",
    )
    Result.objects.create(
        sample=sample,
        parameter_text="cloro libre",
        value=Decimal("0.5"),
        unit="mg/L",
        parameter=Parameter.objects.get(code="free_chlorine"),
    )


def test_no_chlorine_reading_fires_for_a_system_that_chlorinates(committee):
    system = chlorinating_system(committee)
    fired = run_check("no_chlorine_reading_30_days", committee, TODAY)
    assert fired.fired and system.name in fired.detail
    chlorine_reading(system, TODAY - datetime.timedelta(days=40))  # too old
    assert run_check("no_chlorine_reading_30_days", committee, TODAY).fired
    chlorine_reading(system, TODAY - datetime.timedelta(days=5), state="submitted")  # pending
    assert run_check("no_chlorine_reading_30_days", committee, TODAY).fired
    chlorine_reading(system, TODAY - datetime.timedelta(days=10))
    assert not run_check("no_chlorine_reading_30_days", committee, TODAY).fired


def test_no_chlorine_reading_stays_quiet_where_nobody_chlorinates(committee):
    system = chlorinating_system(committee)
    # The latest visit found the system does not chlorinate (the chlorinator is out of use).
    SystemVisit.objects.create(
        system=system,
        observed_on=TODAY - datetime.timedelta(days=3),
        source="visit",
        state="validated",
        working=True,
        chlorination="none",
    )
    assert not run_check("no_chlorine_reading_30_days", committee, TODAY).fired


def test_checks_of_the_books_wait_for_the_books(committee):
    for code in set(CHECKS) - set(RUNNERS):
        assert run_check(code, committee, TODAY) is None
