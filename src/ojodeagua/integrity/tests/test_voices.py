"""Women's and men's voices side by side (``integrity.voices``), against a hand-counted fixture:
the register's complaints by who filed them, the workshop's top three by sex, and the agency's
list of committees where women's complaints wait longer or women's priorities were left out."""

import datetime
import html
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ojodeagua.integrity import voices, workshop
from ojodeagua.integrity.models import Cycle, Participant, Rating, RatingTally
from ojodeagua.integrity.tests.factories import (
    assess,
    committee_reached_by,
    make_complaint,
    make_cycle,
    make_provider,
)
from ojodeagua.pages.by_sex import Cell
from ojodeagua.providers.models import Provider
from ojodeagua.web.tests.test_browser import PHONE, browser, overflow  # noqa: F401

D = datetime.date
ON = D(2026, 11, 27)
DAY = datetime.timedelta(days=1)


def text(response) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags))


def complaint(provider, on, received, sex, *, respond, answered=None, closed=None):
    """A complaint ``received`` days before ``on`` (negative: after), to be answered ``respond``
    days before ``on``, answered and closed the given number of days before ``on``."""
    status = "received"
    if answered is not None:
        status = "resolved" if closed is not None else "answered"
    return make_complaint(
        provider,
        on - received * DAY,
        on - respond * DAY,
        status,
        answered_on=None if answered is None else on - answered * DAY,
        closed_on=None if closed is None else on - closed * DAY,
        reporter_sex=sex,
    )


def waits_longer(provider: Provider, on: datetime.date) -> None:
    """Committee A's register (days before ``on``; waits counted by hand):
    women: a received 26, answered 22 → 4; b received 24, answered 12, resolved 11 → 12;
           c received 30, unanswered, due 15 → 30 (overdue)        → median 12
    men:   d received 17, answered 15, resolved 14 → 2; e received 7, answered 1 → 6
                                                                      → median (2 + 6) / 2 = 4
    preferred not to say: f received 7, answered 6 → 1
    never asked: g received 25, unanswered, due 10 (overdue, outside the table)
    after ``on``: h, a woman's, received the day after (counts nowhere)
    """
    complaint(provider, on, 26, "F", respond=11, answered=22)
    complaint(provider, on, 24, "F", respond=9, answered=12, closed=11)
    complaint(provider, on, 30, "F", respond=15)
    complaint(provider, on, 17, "M", respond=2, answered=15, closed=14)
    complaint(provider, on, 7, "M", respond=-8, answered=1)
    complaint(provider, on, 7, "X", respond=-8, answered=6)
    complaint(provider, on, 25, "", respond=10)
    complaint(provider, on, -1, "F", respond=-16)


def person(cycle: Cycle, sex: str) -> Participant:
    return Participant.objects.create(cycle=cycle, role="user", sex=sex, age_group="adult")


def rate(risks: dict, participant: Participant, **pairs) -> None:
    """``R01=(likelihood, impact)``…: the participant's own rating of each risk."""
    for code, (likelihood, impact) in pairs.items():
        Rating.objects.create(
            assessed_risk=risks[code],
            participant=participant,
            likelihood=likelihood,
            impact=impact,
        )


def four_risks(cycle: Cycle, fourth: tuple[int, int]) -> dict:
    """R01-R03 the group's key problems 1-3 (consensus 3×3, 3×2, 2×2); R04 rated, not chosen."""
    return {
        "R01": assess(cycle, "R01", 3, 3, 1),
        "R02": assess(cycle, "R02", 3, 2, 2),
        "R03": assess(cycle, "R03", 2, 2, 3),
        "R04": assess(cycle, "R04", *fourth),
    }


def left_out_workshop(provider: Provider, on: datetime.date) -> Cycle:
    """Committee A's workshop, 60 days before ``on`` (score = likelihood × impact):

    risk   woman 1   woman 2   women's count (2 women)      women's mean       man
    R01    2×3 = 6   2×2 = 4                                 (6+4)/2 = 5        3×3 = 9
    R02    1×1 = 1   1×2 = 2   L 1,1 → 1; I 1,3 → 2: 1×2 = 2  (1+2+2+2)/4 = 1.75 3×2 = 6
    R03    2×2 = 4   1×3 = 3                                 (4+3)/2 = 3.5      2×2 = 4
    R04    3×3 = 9   3×2 = 6                                 (9+6)/2 = 7.5      1×1 = 1

    The women's top three: R04 7.5, R01 5, R03 3.5; the group chose R01, R02, R03, so R04 is
    left out. The men's top three, R01 9, R02 6, R03 4, is the group's. A person who preferred
    not to say rated R04 3×3: neither side counts it.
    """
    cycle = make_cycle(provider, number=1, workshop_on=on - 60 * DAY, stage="implementation")
    risks = four_risks(cycle, (2, 1))
    rate(risks, person(cycle, "F"), R01=(2, 3), R02=(1, 1), R03=(2, 2), R04=(3, 3))
    rate(risks, person(cycle, "F"), R01=(2, 2), R02=(1, 2), R03=(1, 3), R04=(3, 2))
    rate(risks, person(cycle, "M"), R01=(3, 3), R02=(3, 2), R03=(2, 2), R04=(1, 1))
    rate(risks, person(cycle, "X"), R04=(3, 3))
    RatingTally.objects.create(
        assessed_risk=risks["R02"],
        sex="F",
        likelihood_counts={"1": 2},
        impact_counts={"1": 1, "3": 1},
    )
    return cycle


@dataclass
class Fixture:
    a: Provider
    b: Provider
    c: Provider
    d: Provider
    cycles: dict

    def providers(self):
        return Provider.objects.filter(pk__in=[p.pk for p in (self.a, self.b, self.c, self.d)])


def build(on: datetime.date) -> Fixture:
    """Four committees, counted by hand (days before ``on``):

    A: the register and workshop of ``waits_longer`` and ``left_out_workshop``: flagged twice.
    B: women wait 2 days (received 26, answered 24) and 17 (received 17, answered 4 days after
       ``on``, so still waiting on ``on``): median (2 + 17) / 2 = 9.5; men 10 and 10
       (received 26 answered 16; received 22 answered 12): median 10. 9.5 < 10: not flagged.
       Its first workshop (400 days before) left out the women's R04 (9 against R01's 1), but
       its latest (60 days before) did not: one woman rated R01 9, R02 6, R03 4 and R04 4;
       R03 and R04 tie for her third place and the tie goes to R03, which the group chose.
    C: one woman's complaint waiting 40 days, two men's answered in 1: too few women's
       complaints to compare (at least 2 a side). Its workshop has no key problems chosen yet,
       though a woman rated R01 highest.
    D: no complaints and no workshop.
    """
    a, b, c, d = (make_provider(f"{name} voces") for name in "ABCD")
    waits_longer(a, on)
    cycles = {"a": left_out_workshop(a, on)}

    complaint(b, on, 26, "F", respond=11, answered=24)
    complaint(b, on, 17, "F", respond=2, answered=-4)
    complaint(b, on, 26, "M", respond=11, answered=16)
    complaint(b, on, 22, "M", respond=7, answered=12)
    b1 = make_cycle(b, number=1, workshop_on=on - 400 * DAY, stage="closed")
    first = {"R01": assess(b1, "R01", 3, 3, 1), "R04": assess(b1, "R04", 1, 1)}
    rate(first, person(b1, "F"), R01=(1, 1), R04=(3, 3))
    b2 = make_cycle(b, number=2, workshop_on=on - 60 * DAY, stage="implementation")
    risks = four_risks(b2, (2, 2))
    rate(risks, person(b2, "F"), R01=(3, 3), R02=(3, 2), R03=(2, 2), R04=(2, 2))
    cycles.update(b1=b1, b2=b2)

    complaint(c, on, 40, "F", respond=25)
    complaint(c, on, 5, "M", respond=-10, answered=4)
    complaint(c, on, 3, "M", respond=-12, answered=2)
    c1 = make_cycle(c, number=1, workshop_on=on - 60 * DAY, stage="workshop")
    unchosen = {"R01": assess(c1, "R01", 2, 2), "R02": assess(c1, "R02", 1, 1)}
    rate(unchosen, person(c1, "F"), R01=(3, 3), R02=(1, 1))
    cycles["c1"] = c1
    return Fixture(a, b, c, d, cycles)


@pytest.fixture
def fixture(db) -> Fixture:
    return build(ON)


# --- The rules --------------------------------------------------------------------------------


def test_a_wait_runs_to_the_answer_or_to_the_day_asked():
    assert voices.days_waited(D(2026, 11, 1), D(2026, 11, 5), ON) == 4
    assert voices.days_waited(D(2026, 11, 1), None, ON) == 26
    # Answered after the day asked: on that day it was still waiting.
    assert voices.days_waited(D(2026, 11, 1), D(2026, 12, 1), ON) == 26


def test_a_share_rounds_its_halves_up():
    assert Cell(1, 3).percent == 33
    assert Cell(7, 8).percent == 88  # 87.5
    assert Cell(1, 8).percent == 13  # 12.5
    assert Cell(0, 0).percent is None and Cell(None, 3).percent is None


def test_the_registers_complaints_by_sex_match_the_hand_count(fixture):
    table = voices.complaints_by_sex(fixture.a.complaints.all(), ON)
    rows = {row.label: [(cell.value, cell.of) for cell in row.cells] for row in table.rows}

    # Women | men | preferred not to say (see ``waits_longer``).
    assert rows["Quejas recibidas"] == [(3, None), (2, None), (1, None)]
    assert rows["Resueltas"] == [(1, 3), (1, 2), (0, 1)]
    assert rows["Sin respuesta después de la fecha prometida"] == [(1, 3), (0, 2), (0, 1)]
    assert rows["Días de espera (mediana)"] == [(12, None), (4, None), (1, None)]
    assert table.with_sex == 6 and table.without_sex == 1


def test_a_register_without_the_sex_has_no_figures_to_show(fresh_committee):
    complaint(fresh_committee, ON, 5, "", respond=-10)
    table = voices.complaints_by_sex(fresh_committee.complaints.all(), ON)
    assert not table.has_data and table.without_sex == 1


def test_the_committees_whose_womens_complaints_wait_longer(fixture):
    gaps = voices.women_wait_longer(fixture.providers(), ON)

    # Only A: B's women wait less (9.5 against 10), C has one woman's complaint, D none.
    assert [(g.provider, g.women_median, g.women, g.men_median, g.men) for g in gaps] == [
        (fixture.a, 12, 3, 4, 2)
    ]
    assert gaps[0].days_longer == 8


def test_the_wait_is_for_the_day_asked(fixture):
    # The day after, B's women: 2 and 18 → 10, as long as the men's: not longer.
    day_after = voices.women_wait_longer(fixture.providers(), ON + DAY)
    # Four days after, B's second woman's complaint is answered after 21 days: (2 + 21) / 2.
    four_after = {
        g.provider: g for g in voices.women_wait_longer(fixture.providers(), ON + 4 * DAY)
    }

    assert fixture.b not in {g.provider for g in day_after}
    assert four_after[fixture.b].women_median == 11.5 and four_after[fixture.b].men_median == 10


def test_the_womens_and_mens_top_three_beside_the_groups(fixture):
    priorities = voices.priorities_by_sex(fixture.cycles["a"])

    def codes(items):
        return [c.assessed_risk.risk.code for c in items]

    assert codes(priorities.women) == ["R04", "R01", "R03"]
    assert [c.women_mean for c in priorities.women] == [7.5, 5, 3.5]
    assert codes(priorities.men) == ["R01", "R02", "R03"]
    assert [a.risk.code for a in priorities.chosen] == ["R01", "R02", "R03"]
    assert codes(priorities.women_left_out) == ["R04"]
    assert priorities.men_left_out == []
    # The count of two women on R02 joins the two women who rated one by one.
    r02 = next(c for c in workshop.ratings_by_sex(fixture.cycles["a"]) if c.women_count == 4)
    assert r02.assessed_risk.risk.code == "R02" and r02.women_mean == 1.75


def test_a_tie_at_the_third_place_goes_to_the_risk_the_group_chose(fixture):
    priorities = voices.priorities_by_sex(fixture.cycles["b2"])
    assert [c.assessed_risk.risk.code for c in priorities.women] == ["R01", "R02", "R03"]
    assert priorities.women_left_out == []


def test_nothing_is_left_out_before_the_group_chooses(fixture):
    priorities = voices.priorities_by_sex(fixture.cycles["c1"])
    assert [c.assessed_risk.risk.code for c in priorities.women] == ["R01", "R02"]
    assert priorities.women_left_out == []


def test_the_committees_whose_womens_priorities_were_left_out(fixture):
    left_out = voices.women_priorities_left_out(fixture.providers(), ON)

    # A only: B's first workshop left R04 out, but its latest did not; C has not chosen.
    assert [p.cycle for p in left_out] == [fixture.cycles["a"]]
    assert [c.assessed_risk.risk.code for c in left_out[0].women_left_out] == ["R04"]


def test_before_its_latest_workshop_b_is_flagged_for_its_first(fixture):
    # 61 days before ``on`` the workshops of 60 days before were still to come: B's first
    # one was its latest, and A's and C's counted for nothing yet.
    left_out = voices.women_priorities_left_out(fixture.providers(), ON - 61 * DAY)
    assert [p.cycle for p in left_out] == [fixture.cycles["b1"]]


def test_the_batched_ratings_agree_with_one_cycle_at_a_time(fixture):
    cycles = list(Cycle.objects.filter(pk__in=[c.pk for c in fixture.cycles.values()]))
    batched = workshop.ratings_by_sex_of(cycles)
    for cycle in cycles:
        one = workshop.ratings_by_sex(cycle)
        assert [
            (c.assessed_risk.pk, c.women_mean, c.women_count, c.men_mean, c.men_count)
            for c in batched[cycle.pk]
        ] == [
            (c.assessed_risk.pk, c.women_mean, c.women_count, c.men_mean, c.men_count) for c in one
        ]


def test_the_agency_reader_does_not_query_per_committee(fixture):
    def queries(providers) -> int:
        with CaptureQueriesContext(connection) as captured:
            voices.agency_voices(providers, ON)
        return len(captured)

    before = queries(fixture.providers())
    extra = [make_provider(f"Comité extra de las voces {n}") for n in range(3)]
    for provider in extra:
        waits_longer(provider, ON)
        left_out_workshop(provider, ON)
    everyone = fixture.providers() | Provider.objects.filter(pk__in=[p.pk for p in extra])
    found = voices.agency_voices(everyone, ON)

    assert queries(everyone) == before
    assert len(found.wait_longer) == 4 and len(found.left_out) == 4


# --- The pages --------------------------------------------------------------------------------


@pytest.fixture
def today() -> datetime.date:
    # The suite's pinned day (conftest): the pages count on it, the figures do not change.
    return timezone.localdate()


def test_the_register_shows_womens_and_mens_complaints_side_by_side(ong, today):
    committee = committee_reached_by("Comité del registro de las voces", "ong")
    waits_longer(committee, today)

    page = text(ong.get(f"/integridad/quejas/?provider={committee.pk}"))

    assert "Quejas según quién las presentó" in page
    assert "Mujeres Hombres Prefirió no decir" in page
    assert "Quejas recibidas 3 2 1" in page
    assert "Resueltas 1 de 3 (33 %) 1 de 2 (50 %) 0 de 1 (0 %)" in page
    assert "Días de espera (mediana) 12 4 1" in page
    assert "Además, 1 registro no dice si fue una mujer o un hombre" in page


def test_a_register_without_the_sex_says_there_is_no_data(ong, today):
    committee = committee_reached_by("Comité sin el dato de las voces", "ong")
    complaint(committee, today, 5, "", respond=-10)

    page = text(ong.get(f"/integridad/quejas/?provider={committee.pk}"))

    assert "Quejas según quién las presentó: sin datos." in page
    assert "El único registro no dice si fue una mujer o un hombre." in page


def test_the_workshop_shows_what_the_women_rated_highest_beside_the_groups_choice(ong, today):
    committee = committee_reached_by("Comité del taller de las voces", "ong")
    cycle = left_out_workshop(committee, today)

    response = ong.get(f"/integridad/ciclos/{cycle.pk}/prioridades/")
    page = text(response)

    assert response.status_code == 200
    assert "Lo más alto para las mujeres y para los hombres" in page
    r04 = cycle.assessed_risks.get(risk__code="R04").title
    assert (
        "Lo que las mujeres valoraron más alto y quedó fuera de los problemas clave del grupo: "
        f"R04. {r04}." in page
    )
    assert 'data-left-out="men"' not in response.content.decode()
    # The first place: R04 for the women (7.5), R01 for the men (9) and for the group.
    first = page[page.index("1.º") : page.index("2.º")]
    assert "R04." in first and "(7.5)" in first and "(9.0)" in first and "no elegido" in first


def test_the_agency_lists_the_committees_where_women_wait_longer_or_were_left_out(agencia, today):
    fixture = build(today)

    response = agencia.get("/integridad/")
    content = response.content.decode()
    waits = content[content.index('data-table="wait-longer"') :]
    waits = waits[: waits.index("</table>")]
    left_out = content[content.index('data-list="left-out"') :]
    left_out = left_out[: left_out.index("</ul>")]

    assert response.status_code == 200
    assert "La voz de las mujeres" in content
    assert f'data-provider="{fixture.a.pk}"' in waits
    for other in (fixture.b, fixture.c, fixture.d):
        assert f'data-provider="{other.pk}"' not in waits
        assert f'data-provider="{other.pk}"' not in left_out
    a_row = re.search(rf'<tr data-provider="{fixture.a.pk}">(.*?)</tr>', waits, re.S).group(1)
    # Women's median 12 of 3 complaints, men's 4 of 2.
    assert text_of(a_row) == "A voces 12 3 quejas 4 2 quejas"
    assert f'data-provider="{fixture.a.pk}"' in left_out
    assert "R04." in left_out


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


@pytest.mark.browser
def test_on_a_phone_the_by_sex_figures_fit_the_screen(
    live_server,
    demo,
    browser,  # noqa: F811
):
    """At 360 px the register's table, the workshop's top three and the agency's section are
    read without scrolling sideways."""
    fixture = build(timezone.localdate())
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page.goto(f"{live_server.url}/entrar/?next=/integridad/")
    page.get_by_label("Usuario").fill("agencia")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"{live_server.url}/integridad/")

    page.get_by_role("heading", name="La voz de las mujeres").tap()
    assert page.locator(
        f"table[data-table=wait-longer] tr[data-provider='{fixture.a.pk}']"
    ).is_visible()
    assert overflow(page) <= 0
    page.goto(f"{live_server.url}/integridad/quejas/?provider={fixture.a.pk}")
    assert page.get_by_text("Quejas según quién las presentó").is_visible()
    assert overflow(page) <= 0
    page.goto(f"{live_server.url}/integridad/ciclos/{fixture.cycles['a'].pk}/prioridades/")
    assert page.locator("[data-left-out=women]").is_visible()
    assert overflow(page) <= 0


def test_only_the_womens_first_priority_left_out_raises_the_flag():
    """Their third choice missing from the group's three is ordinary disagreement; their first
    missing is what the agency asks about (``women_priorities_left_out``)."""
    from types import SimpleNamespace

    from ojodeagua.integrity.voices import Priorities

    def risk(pk):
        return SimpleNamespace(assessed_risk=SimpleNamespace(pk=pk), pk=pk)

    chosen = [SimpleNamespace(pk=1), SimpleNamespace(pk=2), SimpleNamespace(pk=3)]
    third_out = Priorities(None, [risk(1), risk(2), risk(9)], [], chosen)
    first_out = Priorities(None, [risk(9), risk(1), risk(2)], [], chosen)
    nothing_chosen = Priorities(None, [risk(9), risk(1), risk(2)], [], [])
    assert [p.women_first_left_out for p in (third_out, first_out, nothing_chosen)] == [
        False,
        True,
        False,
    ]
    assert [c.assessed_risk.pk for c in third_out.women_left_out] == [9]
