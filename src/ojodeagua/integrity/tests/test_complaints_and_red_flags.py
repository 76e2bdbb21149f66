"""The complaint register's figures, and the red-flag checks firing and staying quiet."""

import datetime
from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from ojodeagua.integrity.catalogue import copy_version
from ojodeagua.integrity.models import CatalogueVersion, Complaint, Cycle, Signal
from ojodeagua.integrity.red_flags import (
    CHECKS,
    RUNNERS,
    flags_for,
    provider_flags,
    run_check,
    waiting_for,
)
from ojodeagua.integrity.register import register_figures
from ojodeagua.integrity.tests.factories import make_committee, make_complaint
from ojodeagua.monitoring.tests.factories import make_system, make_visit
from ojodeagua.providers.models import Provider
from ojodeagua.waterquality.tests.factories import add_chlorine_reading
from ojodeagua.watersystems.models import Component, WaterSystem

D = datetime.date
TODAY = D(2026, 11, 27)


@pytest.fixture
def committee(db) -> Provider:
    return make_committee("Comité de prueba")


def test_register_figures_match_the_hand_count(committee):
    make_complaint(
        committee, D(2026, 9, 1), D(2026, 9, 8), "resolved", D(2026, 9, 4), D(2026, 9, 10)
    )
    make_complaint(
        committee, D(2026, 9, 2), D(2026, 9, 9), "resolved", D(2026, 9, 7), D(2026, 9, 20)
    )
    make_complaint(
        committee,
        D(2026, 9, 3),
        D(2026, 9, 10),
        "not_resolved",
        D(2026, 9, 13),
        D(2026, 9, 30),
        not_resolved_reason="No hubo dinero para el tubo",
    )
    make_complaint(committee, D(2026, 10, 1), D(2026, 10, 8), "answered", D(2026, 10, 8))
    make_complaint(committee, D(2026, 11, 1), D(2026, 11, 8))  # overdue on 27 November
    make_complaint(committee, D(2026, 11, 25), D(2026, 12, 2))  # still on time
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
    make_complaint(committee, D(2026, 11, 1), D(2026, 11, 8))
    fired = run_check("complaints_overdue", committee, TODAY)
    assert fired.fired and "08/11/2026" in fired.detail
    complaint_on_time = make_complaint(committee, D(2026, 11, 25), D(2026, 12, 2))
    assert complaint_on_time.status == "received"
    assert len(run_check("complaints_overdue", committee, TODAY).evidence) == 1


def chlorinating_system(committee) -> WaterSystem:
    system = make_system(committee, "Red de prueba")
    Component.objects.create(system=system, kind=Component.Kind.CHLORINATOR)
    return system


def test_no_chlorine_reading_fires_for_a_system_that_chlorinates(committee):
    system = chlorinating_system(committee)
    fired = run_check("no_chlorine_reading_30_days", committee, TODAY)
    assert fired.fired and system.name in fired.detail
    add_chlorine_reading(system, TODAY - datetime.timedelta(days=40))  # too old
    assert run_check("no_chlorine_reading_30_days", committee, TODAY).fired
    add_chlorine_reading(system, TODAY - datetime.timedelta(days=5), state="submitted")  # pending
    assert run_check("no_chlorine_reading_30_days", committee, TODAY).fired
    add_chlorine_reading(system, TODAY - datetime.timedelta(days=10))
    assert not run_check("no_chlorine_reading_30_days", committee, TODAY).fired


def test_no_chlorine_reading_stays_quiet_where_nobody_chlorinates(committee):
    system = chlorinating_system(committee)
    # The latest visit found the system does not chlorinate (the chlorinator is out of use).
    make_visit(system, TODAY - datetime.timedelta(days=3), "validated", chlorination="none")
    assert not run_check("no_chlorine_reading_30_days", committee, TODAY).fired


def test_a_complaint_is_overdue_only_after_its_day_and_while_unanswered(committee):
    due = make_complaint(committee, D(2026, 11, 20), D(2026, 11, 27))
    assert not run_check("complaints_overdue", committee, TODAY).fired  # due today: still on time
    assert run_check("complaints_overdue", committee, TODAY + datetime.timedelta(days=1)).fired
    # Answered late is no longer waiting: the register shows the late answer, not the flag.
    due.status, due.answered_on = "answered", D(2026, 11, 30)
    due.save()
    assert not run_check("complaints_overdue", committee, D(2026, 12, 5)).fired


def test_a_system_without_chlorinator_and_without_visits_stays_quiet(committee):
    make_system(committee, "Pozo sin clorador", "point")
    finding = run_check("no_chlorine_reading_30_days", committee, TODAY)
    assert finding is not None and not finding.fired and not finding.evidence
    assert "Ningún sistema del comité clora" in finding.detail


def test_a_reading_counts_for_exactly_30_days(committee):
    system = chlorinating_system(committee)
    add_chlorine_reading(system, TODAY - datetime.timedelta(days=30))
    quiet = run_check("no_chlorine_reading_30_days", committee, TODAY)
    assert not quiet.fired and "tienen lectura de cloro" in quiet.detail
    fired = run_check("no_chlorine_reading_30_days", committee, TODAY + datetime.timedelta(days=1))
    assert fired.fired
    assert fired.evidence == [(system.name, system.get_absolute_url())]


def test_a_pending_reading_does_not_count(committee):
    system = chlorinating_system(committee)
    add_chlorine_reading(system, TODAY - datetime.timedelta(days=2), state="submitted")
    assert run_check("no_chlorine_reading_30_days", committee, TODAY).fired


def test_a_visit_that_finds_chlorination_makes_a_system_without_chlorinator_count(committee):
    system = make_system(committee, "Red con cloro a mano")

    def visit(day, chlorination, state="validated"):
        make_visit(system, day, state, chlorination=chlorination)

    visit(TODAY - datetime.timedelta(days=60), "working")
    assert run_check("no_chlorine_reading_30_days", committee, TODAY).fired
    # A later visit that says "none" but waits for validation does not silence it.
    visit(TODAY - datetime.timedelta(days=3), "none", state="submitted")
    assert run_check("no_chlorine_reading_30_days", committee, TODAY).fired


def test_the_books_checks_cannot_tell_for_a_committee_without_books(committee):
    for code in ("no_deposit_60_days", "expenses_under_threshold", "receipt_sequence_gaps"):
        assert code in CHECKS
        assert run_check(code, committee, TODAY) is None
        assert "cuentas en Ojo de Agua" in waiting_for(code)


@pytest.fixture
def counted(monkeypatch):
    """Every run of every implemented check, counted by check code."""
    runs: Counter = Counter()
    for code, runner in list(RUNNERS.items()):

        def counting(provider, on, code=code, runner=runner):
            runs[code] += 1
            return runner(provider, on)

        monkeypatch.setitem(RUNNERS, code, counting)
    return runs


BOOKS_CHECKS = ("no_deposit_60_days", "expenses_under_threshold", "receipt_sequence_gaps")


def test_flags_for_runs_each_check_once_per_provider(committee, counted):
    version = CatalogueVersion.current()
    # A second risk pointing to the same check, as a coordinator could add.
    Signal.objects.create(risk=version.risks.get(code="R02"), check_code="complaints_overdue")
    make_complaint(committee, D(2026, 11, 1), D(2026, 11, 8))
    flags = flags_for(committee, version.risks.all(), TODAY)
    assert counted == {
        "complaints_overdue": 1,
        "no_chlorine_reading_30_days": 1,
        **dict.fromkeys(BOOKS_CHECKS, 1),
    }
    codes = {
        version.risks.get(pk=pk).code: [f.check_code for f in found] for pk, found in flags.items()
    }
    assert codes == {
        "R02": ["complaints_overdue"],
        "R06": ["no_chlorine_reading_30_days"],
        "R11": ["complaints_overdue"],
    }  # the books' checks cannot tell yet, so they are left out
    assert flags[version.risks.get(code="R11").pk][0].finding.fired


def test_provider_flags_list_every_check_fired_first(committee, counted):
    make_complaint(committee, D(2026, 11, 1), D(2026, 11, 8))
    flags = provider_flags(committee, TODAY)
    assert counted == {
        "complaints_overdue": 1,
        "no_chlorine_reading_30_days": 1,
        **dict.fromkeys(BOOKS_CHECKS, 1),
    }
    assert [flag.check_code for flag in flags][:2] == [
        "complaints_overdue",
        "no_chlorine_reading_30_days",
    ]
    assert [flag.state for flag in flags] == ["fired", "quiet", *["unavailable"] * 3]
    assert {flag.check_code for flag in flags[2:]} == {
        "no_deposit_60_days",
        "expenses_under_threshold",
        "receipt_sequence_gaps",
    }
    assert all(flag.finding is None for flag in flags[2:])
    fired = flags[0]
    assert fired.label == str(CHECKS["complaints_overdue"])
    assert [risk.code for risk in fired.risks] == ["R11"]
    check, label, finding, risks = fired  # also a plain tuple
    assert (check, label) == (fired.check_code, fired.label)
    assert finding.fired and risks == fired.risks


def test_provider_flags_follow_the_catalogue_of_the_latest_cycle(committee):
    current = CatalogueVersion.current()
    assert [r.code for r in flags_by_code(committee)["complaints_overdue"].risks] == ["R11"]
    draft = copy_version(current, "Borrador con otra señal")
    Signal.objects.create(risk=draft.risks.get(code="R09"), check_code="complaints_overdue")
    Cycle.objects.create(
        provider=committee, number=1, catalogue=draft, scale=draft.scales.get(code="3x3")
    )
    risks = flags_by_code(committee)["complaints_overdue"].risks
    assert [(r.code, r.version_id) for r in risks] == [("R09", draft.pk), ("R11", draft.pk)]


def flags_by_code(provider) -> dict:
    return {flag.check_code: flag for flag in provider_flags(provider, TODAY)}
