"""The register's figures against a fixture counted by hand.

The day read is ON = 30/06/2026. Windows (selectors' defaults):
  visits: 90 days ending on ON   → 02/04/2026 to 30/06/2026 (30/06 − 89 days)
  tests:  365 days ending on ON  → 01/07/2025 to 30/06/2026

Los Pinos (L1)
  U1 vivienda 1, installed 10/01/2025; lamp changed 01/02/2026 (new lamp due 01/02/2027).
     Visits: 01/03/2026 not in use (outside the window), 10/06/2026 in use, lamp on.
     Test 10/06/2026: after 0.            → counted, visited, in use, EFFECTIVE, lamp not due
  U2 vivienda 2, installed 01/03/2025; lamp due 01/03/2026 (12 months).
     Visit 05/05/2026 in use, lamp OFF. Test 05/05/2026 after 0.
                                          → counted, visited, in use, not effective, lamp OVERDUE
  U3 the school's unit, installed 15/06/2025; lamp due 15/06/2026.
     Visits 20/04/2026 in use, lamp on; 20/06/2026 NOT in use (the latest decides).
     Test 20/04/2026 after 0.             → counted, visited, not in use, lamp OVERDUE
  U4 vivienda 4, installed 15/07/2026 (after ON).            → not counted at all
  U5 vivienda 5, installed 01/09/2024; lamp due 01/09/2025; lamp changed 01/08/2026 (after ON).
     Visit 01/06/2026 in use, lamp on. Tests 01/06/2026 after 2.0 (E. coli found);
     10/07/2026 after 0 (after ON, not read).
     → counted, visited, in use, not effective; on ON its lamp was the first one (due
       01/09/2025, kept by the change as the lamp it replaced): OVERDUE, although the unit's
       lamp today is due 01/08/2027.
  L1: units 4 (U1 U2 U3 U5), visited 4, in use 3 (U1 U2 U5), effective 1 (U1),
      lamps overdue 3 (U2 U3 U5), latest visit 20/06/2026 (U3).

El Mirador (L2)
  U6 vivienda A1, installed 01/02/2025; lamp changed 20/01/2026 (due 20/01/2027).
     Visit 25/06/2026 in use, lamp on. Test 25/06/2026 after 0.5 (below 1: not detected).
                                          → counted, visited, in use, EFFECTIVE, lamp not due
  U7 vivienda A2, installed 01/02/2025; lamp due 01/02/2026.
     Visit 01/04/2026 in use (one day before the window opens). Test 01/12/2025 after 0.
                                          → counted, NOT visited, not in use, lamp OVERDUE
  U8 vivienda A3, installed 01/05/2024, visit 15/04/2026 in use, retired 01/05/2026.
                                          → not counted (retired before ON)
  U9 vivienda A4, installed 01/04/2025; lamp due 01/04/2026.
     Visit 30/06/2026 (ON itself) in use, lamp on. Tests 15/06/2025 after 0 (before the test
     window), 30/06/2026 before 50 and no result after (not read for "after").
                                          → counted, visited, in use, not effective, OVERDUE
  L2: units 3 (U6 U7 U9), visited 2 (U6 U9), in use 2 (U6 U9), effective 1 (U6),
      lamps overdue 2 (U7 U9), latest visit 30/06/2026 (U9).

Municipality: units 7, visited 6, in use 5 → 5/7, effective 2 → 2/7, lamps overdue 5,
latest visit 30/06/2026.

Lejanía (L9, another municipality): U10 in use and effective, never in the figures above.
"""

import datetime
from decimal import Decimal

import pytest

from ojodeagua.purifiers import selectors, services
from ojodeagua.purifiers.models import Unit

from .factories import build_area, ecoli_result, unit, visit

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 30)
D = datetime.date


@pytest.fixture
def hand():
    area = build_area()
    l1, l2, l9 = (area.localities[k] for k in ("L1", "L2", "L9"))
    units = {}
    units["U1"] = u1 = unit(l1, "1", D(2025, 1, 10))
    services.record_lamp_change(None, u1, done_on=D(2026, 2, 1))
    visit(u1, D(2026, 3, 1), in_use=False)
    visit(u1, D(2026, 6, 10))
    ecoli_result(u1, D(2026, 6, 10), after=Decimal("0"), before=Decimal("120"))

    units["U2"] = u2 = unit(l1, "2", D(2025, 3, 1))
    visit(u2, D(2026, 5, 5), lamp_working=False)
    ecoli_result(u2, D(2026, 5, 5), after=Decimal("0"))

    units["U3"] = u3 = unit(l1, "", D(2025, 6, 15), owner=Unit.Owner.SCHOOL, school=area.school)
    visit(u3, D(2026, 4, 20))
    visit(u3, D(2026, 6, 20), in_use=False)
    ecoli_result(u3, D(2026, 4, 20), after=Decimal("0"))

    units["U4"] = u4 = unit(l1, "4", D(2026, 7, 15))
    visit(u4, D(2026, 7, 20))

    units["U5"] = u5 = unit(l1, "5", D(2024, 9, 1))
    visit(u5, D(2026, 6, 1))
    ecoli_result(u5, D(2026, 6, 1), after=Decimal("2.0"))
    ecoli_result(u5, D(2026, 7, 10), after=Decimal("0"))
    services.record_lamp_change(None, u5, done_on=D(2026, 8, 1))

    units["U6"] = u6 = unit(l2, "A1", D(2025, 2, 1))
    services.record_lamp_change(None, u6, done_on=D(2026, 1, 20))
    visit(u6, D(2026, 6, 25))
    ecoli_result(u6, D(2026, 6, 25), after=Decimal("0.5"))

    units["U7"] = u7 = unit(l2, "A2", D(2025, 2, 1))
    visit(u7, D(2026, 4, 1))
    ecoli_result(u7, D(2025, 12, 1), after=Decimal("0"))

    units["U8"] = u8 = unit(l2, "A3", D(2024, 5, 1))
    visit(u8, D(2026, 4, 15))
    services.retire_unit(None, u8, retired_on=D(2026, 5, 1), reason="Se mudó la familia")

    units["U9"] = u9 = unit(l2, "A4", D(2025, 4, 1))
    visit(u9, D(2026, 6, 30))
    ecoli_result(u9, D(2025, 6, 15), after=Decimal("0"))
    ecoli_result(u9, D(2026, 6, 30), before=Decimal("50"))

    units["U10"] = u10 = unit(l9, "Z1", D(2025, 1, 1))
    visit(u10, D(2026, 6, 1))
    ecoli_result(u10, D(2026, 6, 1), after=Decimal("0"))
    return area, units


def counts(figures: selectors.UnitFigures) -> tuple:
    return (
        figures.units,
        figures.visited,
        figures.in_use,
        figures.effective,
        figures.lamps_overdue,
        figures.latest_visit_on,
    )


def test_the_figures_by_locality_are_the_ones_counted_by_hand(hand):
    area, _units = hand

    figures = selectors.municipality_figures(area.municipality, ON)

    by_name = {row.locality.name: counts(row.figures) for row in figures.localities}
    assert by_name == {
        "El Mirador": (3, 2, 2, 1, 2, D(2026, 6, 30)),
        "Los Pinos": (4, 4, 3, 1, 3, D(2026, 6, 20)),
    }
    assert [row.locality.name for row in figures.localities] == ["El Mirador", "Los Pinos"]
    assert counts(figures.total) == (7, 6, 5, 2, 5, D(2026, 6, 30))
    assert figures.total.share_in_use == pytest.approx(5 / 7)
    assert figures.total.share_effective == pytest.approx(2 / 7)


def test_each_unit_is_counted_as_the_hand_count_says(hand):
    area, units = hand

    states = {
        s.unit.place_label or "U3": s
        for s in selectors.municipality_figures(area.municipality, ON).states
    }

    assert set(states) == {"1", "2", "U3", "5", "A1", "A2", "A4"}  # not U4, U8 nor U10
    assert [label for label, s in sorted(states.items()) if s.effective] == ["1", "A1"]
    assert not states["A2"].visited and not states["A2"].in_use
    # U5: the lamp of 30/06/2026 was its first one, although a later change moved the unit's.
    assert states["5"].lamp_due_on == D(2025, 9, 1) and states["5"].lamp_overdue
    assert units["U5"].lamp_due_on == D(2027, 8, 1)
    assert states["A4"].ecoli_after is None


def test_a_shorter_visit_window_counts_only_its_days(hand):
    area, _units = hand

    # 30 days ending on ON: 01/06 to 30/06. In Los Pinos U1 (10/06), U3 (20/06, not in use)
    # and U5 (01/06) were visited; U2's visit of 05/05 no longer counts.
    figures = selectors.register_figures(
        Unit.objects.filter(locality=area.localities["L1"]), ON, days=30
    )

    assert counts(figures.total)[:4] == (4, 3, 2, 1)


def test_the_public_counts_of_a_locality_carry_no_household(hand):
    area, _units = hand

    public = selectors.locality_units(area.localities["L2"], ON)

    assert public == selectors.PublicUnitCounts(
        units=3,
        in_use=2,
        effective=1,
        lamps_overdue=2,
        latest_visit_on=D(2026, 6, 30),
        days=selectors.VISIT_WINDOW_DAYS,
        test_days=selectors.TEST_WINDOW_DAYS,
    )


def test_a_day_before_any_installation_counts_nothing(hand):
    area, _units = hand

    figures = selectors.municipality_figures(area.municipality, D(2024, 1, 1))

    assert counts(figures.total) == (0, 0, 0, 0, 0, None)
    assert figures.total.share_in_use is None


def test_the_figures_take_one_query_however_many_units(hand, django_assert_num_queries):
    area, _units = hand
    units = Unit.objects.filter(locality__municipality=area.municipality)
    with django_assert_num_queries(1):
        selectors.register_figures(units, ON)
    for number in range(10):
        extra = unit(area.localities["L2"], f"B{number}", D(2025, 5, 1))
        visit(extra, D(2026, 6, 2))
        ecoli_result(extra, D(2026, 6, 2), after=Decimal("0"))

    with django_assert_num_queries(1):
        figures = selectors.register_figures(units, ON)

    assert counts(figures.total)[:4] == (17, 16, 15, 12)
