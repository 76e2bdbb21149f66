"""The agency view across committees, against a hand-counted fixture of five committees."""

import datetime
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ojodeagua.demo import cached
from ojodeagua.integrity import agency, red_flags
from ojodeagua.integrity.models import (
    CatalogueVersion,
    Complaint,
    ComplianceAnswer,
    Risk,
    RoadmapItem,
)
from ojodeagua.integrity.tests.factories import (
    action_done,
    assess,
    make_cycle,
    make_provider,
    plan_action,
)
from ojodeagua.integrity.workshop import completion, months_after
from ojodeagua.organisations.models import Membership
from ojodeagua.providers.models import Provider
from ojodeagua.web.tests.test_browser import PHONE, browser, overflow  # noqa: F401

D = datetime.date
ON = D(2026, 11, 27)
DAY = datetime.timedelta(days=1)


@dataclass
class Fixture:
    a: Provider
    b: Provider
    c: Provider
    d: Provider
    e: Provider
    office: Provider
    cycles: dict

    def providers(self):
        ids = [p.pk for p in (self.a, self.b, self.c, self.d, self.e, self.office)]
        return Provider.objects.filter(pk__in=ids)


def build(on: datetime.date) -> Fixture:
    """Five committees and a municipal office, counted by hand in the tests below.

    A: workshop 13 months before ``on``; 7 actions: done at +1, +5, +8 and exactly +12 months,
       done 10 days after the 12 months, one dropped, one pending 30 days late.
    B: workshop 7 months before; 5 actions: done at +2 and exactly +6 months, one in progress
       10 days late, one pending due in 20 days, one pending due on ``on`` itself.
    C: cycle 1 25 months before (3 actions done at +3, +4 and +11 months) and cycle 2 two
       months before (1 action pending, not yet due).
    D: never had a cycle.  E: one workshop exactly 12 months before, no actions.
    The municipal office does not run the cycle and must never appear.
    """

    def at(workshop, months, extra_days=0):
        return months_after(workshop, months) + extra_days * DAY

    a, b, c = (
        make_provider("A comité"),
        make_provider("B comité"),
        make_provider("C kiosco", "kiosk"),
    )
    d, e = make_provider("D comité"), make_provider("E comité escolar", "school")
    office = make_provider("Oficina municipal de prueba", "municipal")

    a1 = make_cycle(a, number=1, workshop_on=months_after(on, -13), stage="implementation")
    a_r01 = assess(a1, "R01", 3, 3, 1)
    a_r06 = assess(a1, "R06", 2, 2, 2)
    assess(a1, "R11", 1, 1)
    w = a1.workshop_on
    action_done(a_r01, at(w, 1))
    action_done(a_r01, at(w, 5))
    action_done(a_r06, at(w, 8))
    action_done(a_r06, at(w, 12))
    action_done(a_r06, at(w, 12, 10))
    plan_action(a_r01, at(w, 3), status="dropped", dropped_reason="No alcanzó el dinero")
    plan_action(a_r06, on - 30 * DAY)
    for code, answer in [("C01", "yes"), ("C02", "partly"), ("C03", "no"), ("C04", "yes")]:
        ComplianceAnswer.objects.create(
            cycle=a1, item=a1.catalogue.checklist.get(code=code), answer=answer
        )

    b1 = make_cycle(b, number=1, workshop_on=months_after(on, -7), stage="implementation")
    b_r01 = assess(b1, "R01", 2, 3, 1)
    assess(b1, "R06", 3, 3)
    b_r04 = assess(b1, "R04", 1, 2, 2)
    w = b1.workshop_on
    action_done(b_r01, at(w, 2))
    action_done(b_r04, at(w, 6))
    plan_action(b_r01, on - 10 * DAY, status="in_progress")
    plan_action(b_r04, on + 20 * DAY)
    plan_action(b_r04, on)
    Complaint.objects.create(
        provider=b,
        received_on=on - 40 * DAY,
        respond_by=on - 33 * DAY,
        what="Fuga",
        status="resolved",
        answered_on=on - 35 * DAY,
        closed_on=on - 30 * DAY,
    )
    Complaint.objects.create(
        provider=b, received_on=on - 20 * DAY, respond_by=on - 13 * DAY, what="Sin agua"
    )

    c1 = make_cycle(c, number=1, workshop_on=months_after(on, -25), stage="closed")
    c1_r05 = assess(c1, "R05", 3, 3, 1)  # an older assessment: must not count among risks
    w = c1.workshop_on
    action_done(c1_r05, at(w, 3))
    action_done(c1_r05, at(w, 4))
    action_done(c1_r05, at(w, 11))
    c2 = make_cycle(c, number=2, workshop_on=months_after(on, -2), stage="implementation")
    assess(c2, "R01", 1, 2)
    c2_r06 = assess(c2, "R06", 3, 2, 1)
    assess(c2, "Se pierden las llaves del tanque", 3, 3, 2)
    plan_action(c2_r06, on + 60 * DAY)

    e1 = make_cycle(e, number=1, workshop_on=months_after(on, -12), stage="implementation")
    return Fixture(a, b, c, d, e, office, {"a1": a1, "b1": b1, "c1": c1, "c2": c2, "e1": e1})


@pytest.fixture
def fixture(db) -> Fixture:
    return build(ON)


def test_completion_at_12_months_matches_the_hand_count(fixture):
    summary = agency.completion_summary(fixture.providers(), ON, 12)
    # A: 4 of 7 (the 10-days-late one and the dropped one do not count); C cycle 1: 3 of 3;
    # E: a workshop exactly 12 months ago with no actions. B's workshop is too recent.
    assert (summary.done, summary.planned) == (7, 10)
    assert summary.committees == 3
    assert summary.with_plan == 2
    assert summary.reached_reference == 1  # only C reached 70 %
    by_provider = {
        pid: (cycle.number, c.done, c.planned) for pid, (cycle, c) in summary.per_provider.items()
    }
    assert by_provider == {
        fixture.a.pk: (1, 4, 7),
        fixture.c.pk: (1, 3, 3),
        fixture.e.pk: (1, 0, 0),
    }


def test_completion_at_6_months_matches_the_hand_count(fixture):
    summary = agency.completion_summary(fixture.providers(), ON, 6)
    # A: 2 of 7; B: 2 of 5 (one done exactly at 6 months); C cycle 1: 2 of 3; E: 0 of 0.
    assert (summary.done, summary.planned) == (6, 15)
    assert summary.committees == 4
    assert summary.share == pytest.approx(6 / 15)
    assert summary.reached_reference == 0


def test_bulk_completion_agrees_with_the_workshop_rule(fixture):
    cycles = list(fixture.cycles.values())
    for months in (6, 12):
        bulk = agency.completions(cycles, months)
        for cycle in cycles:
            assert bulk[cycle.pk] == completion(cycle, months), (cycle, months)


def test_a_day_earlier_the_12_month_figures_lose_the_newest_cycle(fixture):
    summary = agency.completion_summary(fixture.providers(), ON - DAY, 12)
    # E's workshop is then not yet 12 months old.
    assert (summary.done, summary.planned, summary.committees) == (7, 10, 2)


def test_overdue_actions_are_the_late_open_ones(fixture):
    overdue = agency.overdue_actions(fixture.providers(), ON)
    assert [(o.provider.name, o.days_late, o.item.status) for o in overdue] == [
        ("A comité", 30, "pending"),
        ("B comité", 10, "in_progress"),
    ]


def test_committees_without_a_cycle_in_the_last_12_months(fixture):
    lapsed = agency.without_recent_cycle(fixture.providers(), ON)
    assert [(item.provider.name, item.last_workshop_on) for item in lapsed] == [
        ("A comité", months_after(ON, -13)),
        ("D comité", None),
        ("E comité escolar", months_after(ON, -12)),
    ]


def test_a_cycle_started_but_not_held_is_shown_as_upcoming(fixture):
    preparing = make_cycle(fixture.d, number=1, workshop_on=None, stage="preparation")
    lapsed = {
        item.provider.pk: item for item in agency.without_recent_cycle(fixture.providers(), ON)
    }
    assert lapsed[fixture.d.pk].upcoming == preparing
    assert lapsed[fixture.a.pk].upcoming is None


def test_most_common_and_most_severe_risks(fixture):
    summary = agency.risk_summary(fixture.providers(), ON)
    # Latest assessed cycles: A1, B1 and C2 (C1's R05 is an older assessment).
    assert summary.committees == 3
    figures = {f.code: f for f in summary.figures}
    assert set(figures) == {"R01", "R04", "R06", "R11"}
    assert (figures["R01"].rated, figures["R01"].top_three, figures["R01"].top_band) == (3, 2, 2)
    assert figures["R01"].mean_score == pytest.approx((9 + 6 + 2) / 3)
    assert (figures["R06"].rated, figures["R06"].top_three, figures["R06"].top_band) == (3, 2, 2)
    assert figures["R06"].mean_score == pytest.approx((4 + 9 + 6) / 3)
    assert figures["R06"].scale_max == 9
    # R01 and R06 tie on how common they are; the code decides.
    assert [f.code for f in summary.most_common] == ["R01", "R06", "R04", "R11"]
    # They tie on the top band too (2 of 3); R06's mean score is higher.
    assert [f.code for f in summary.most_severe] == ["R06", "R01", "R04", "R11"]


def test_risks_assessed_after_the_day_do_not_count(fixture):
    summary = agency.risk_summary(fixture.providers(), months_after(ON, -3))
    # Three months earlier, C's latest assessed cycle was cycle 1 (R05).
    assert {f.code for f in summary.figures} == {"R01", "R04", "R05", "R06", "R11"}


def test_benchmark_rows(fixture):
    rows = {row.provider.name: row for row in agency.benchmark(fixture.providers(), ON)}
    assert list(rows) == ["A comité", "B comité", "C kiosco", "D comité", "E comité escolar"]
    a, b, c, d = rows["A comité"], rows["B comité"], rows["C kiosco"], rows["D comité"]
    assert a.cycle == fixture.cycles["a1"]
    assert a.compliance == {"yes": 2, "partly": 1, "no": 1}
    assert a.top_three == ["R01", "R06"]
    assert (a.completion_6[1].done, a.completion_6[1].planned) == (2, 7)
    assert (a.completion_12[1].done, a.completion_12[1].planned) == (4, 7)
    assert a.overdue == 1
    assert b.completion_12 is None
    assert (b.complaints.received, b.complaints.resolved, b.complaints.overdue) == (2, 1, 1)
    assert b.complaints.fix_rate == pytest.approx(0.5)
    assert [flag.check_code for flag in b.flags] == ["complaints_overdue"]
    assert a.flags == []
    assert c.cycle == fixture.cycles["c2"]
    assert c.top_three == ["R06", "Se pierden las llaves del tanque"]
    # C's 12-month figure is its first cycle's: the second is only two months old.
    assert c.completion_12[0] == fixture.cycles["c1"]
    assert d.cycle is None and d.overdue == 0 and d.complaints.fix_rate is None


def test_benchmark_sorts_by_the_chosen_column(fixture):
    def names(order):
        return [row.provider.name for row in agency.benchmark(fixture.providers(), ON, order)]

    # Empty values (no 12-month figure, or no actions) always go last.
    assert names("-avance12") == [
        "C kiosco",
        "A comité",
        "B comité",
        "D comité",
        "E comité escolar",
    ]
    assert names("avance12") == ["A comité", "C kiosco", "B comité", "D comité", "E comité escolar"]
    assert names("-atrasadas")[:2] == ["A comité", "B comité"]
    assert names("no-such-column") == names("comite")


def test_the_benchmark_does_not_query_per_committee(fixture, django_assert_max_num_queries):
    """Without the red-flag checks (which look at each committee's own data), the queries
    stay the same however many committees there are."""
    for index in range(30):
        provider = make_provider(f"Comité extra {index}")
        cycle = make_cycle(
            provider, number=1, workshop_on=months_after(ON, -13), stage="implementation"
        )
        action_done(assess(cycle, "R01", 3, 3, 1), months_after(ON, -10))
    with django_assert_max_num_queries(10):
        rows = agency.benchmark(
            fixture.providers() | Provider.objects.filter(name__startswith="Comité extra"),
            ON,
            with_flags=False,
        )
    assert len(rows) == 35


def test_the_red_flag_checks_do_not_query_per_committee(fixture):
    """With the red-flag checks too: each check runs once for every committee together."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            agency.benchmark(
                fixture.providers() | Provider.objects.filter(name__startswith="Comité extra"), ON
            )
        return len(captured.captured_queries)

    five = queries()
    for index in range(30):
        provider = make_provider(f"Comité extra {index}")
        Complaint.objects.create(
            provider=provider, received_on=ON - 20 * DAY, respond_by=ON - 13 * DAY, what="Fuga"
        )
    assert queries() == five


@pytest.mark.django_db
def test_flags_for_many_answers_as_flags_for_does_for_each_committee():
    """The demo's committees, whose stories fire the books' flags: the same answers either way."""
    on = cached.SUITE_DEMO_CALENDAR.reference
    current = CatalogueVersion.current()
    risks = list(Risk.objects.filter(version=current).values_list("pk", flat=True))
    providers = list(agency.committees(Provider.objects.order_by("pk")))
    together = red_flags.flags_for_many({provider: risks for provider in providers}, on)
    fired = 0
    for provider in providers:
        alone = red_flags.flags_for(provider, risks, on)
        assert together[provider.pk] == alone, provider.name
        fired += sum(flag.finding.fired for flags in alone.values() for flag in flags)
    assert fired > 0


# --- The page ------------------------------------------------------------------------------


def ong_committee() -> Provider:
    return Membership.objects.get(user__username="ong").providers.filter(kind="committee").first()


def treasurer_committee() -> Provider:
    return Membership.objects.get(user__username="tesorera").providers.get()


def test_the_agency_sees_every_committee_with_its_figures(agencia):
    today = timezone.localdate()
    fixture = build(today)
    response = agencia.get("/integridad/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Integridad de los comités" in page
    assert f'data-provider="{fixture.a.pk}"' in page
    assert f'data-provider="{ong_committee().pk}"' in page
    assert "Oficina municipal de prueba" not in page
    # A's row: 4 of 7 at 12 months; the overdue list names its late action with its delay.
    assert "4 de 7" in page
    # A's only pending action. Found by its status, not its deadline: on some days "30 days ago"
    # is also exactly 12 months after A's workshop, the deadline of one of its done actions.
    late = RoadmapItem.objects.get(assessed_risk__cycle=fixture.cycles["a1"], status="pending")
    assert late.deadline == today - 30 * DAY
    row = page[page.index(f'data-item="{late.pk}"') :]
    assert "30 días de atraso" in row[: row.index("</tr>")]
    lapsed = page[page.index('data-list="lapsed"') :]
    d_item = lapsed[lapsed.index(f'data-provider="{fixture.d.pk}"') :]
    assert d_item[: d_item.index("</li>")].endswith("nunca ha tenido un taller.")


def test_the_agency_page_filters_by_kind_and_municipality(agencia):
    fixture = build(timezone.localdate())
    kiosks = agencia.get("/integridad/", {"tipo": "kiosk"}).content.decode()
    assert f'data-provider="{fixture.c.pk}"' in kiosks
    assert f'data-provider="{fixture.a.pk}"' not in kiosks
    elsewhere = Provider.objects.exclude(municipality__key="07012").first().municipality
    other = agencia.get("/integridad/", {"municipio": elsewhere.pk})
    # A municipality outside the agency's area is not a choice: the filter is ignored, not obeyed.
    assert other.status_code == 200
    assert f'data-provider="{fixture.a.pk}"' in other.content.decode()


def test_the_table_sorts_by_the_column_asked_for(agencia):
    fixture = build(timezone.localdate())
    page = agencia.get("/integridad/", {"orden": "-atrasadas"}).content.decode()
    assert page.index(f'data-provider="{fixture.a.pk}"') < page.index(
        f'data-provider="{fixture.d.pk}"'
    )
    assert 'aria-sort="descending"' in page


def test_the_facilitator_sees_only_her_committees(ong):
    fixture = build(timezone.localdate())
    mine = ong_committee()
    cycle = make_cycle(
        mine, workshop_on=months_after(timezone.localdate(), -7), stage="implementation"
    )
    assess(cycle, "R07", 3, 3, 1)
    page = ong.get("/integridad/").content.decode()
    assert f'data-provider="{mine.pk}"' in page
    assert f'data-provider="{fixture.a.pk}"' not in page
    assert "A comité" not in page
    assert "R07." in page


def test_a_committee_member_sees_only_her_committee(tesorera):
    today = timezone.localdate()
    fixture = build(today)
    own = treasurer_committee()
    cycle = make_cycle(own, workshop_on=months_after(today, -7), stage="implementation")
    risk = assess(cycle, "R01", 3, 3, 1)
    action_done(risk, months_after(today, -5))
    plan_action(risk, today - 3 * DAY)
    response = tesorera.get("/integridad/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Integridad de {own.name}" in page
    assert f"1 de 2 acciones (50 %) del ciclo {cycle.number}" in page
    assert "A comité" not in page and "B comité" not in page
    assert f'data-provider="{fixture.a.pk}"' not in page
    assert "Comparación entre comités" not in page


def test_the_overview_needs_a_login(client, db):
    response = client.get("/integridad/")
    assert response.status_code == 302
    assert "/login" in response["Location"] or "entrar" in response["Location"]


@pytest.mark.browser
def test_on_a_phone_the_overview_folds_its_sections_and_stacks_its_table(
    live_server,
    demo,
    browser,  # noqa: F811
):
    """At 360 px the agency's overview was 25 screens long: its sections fold, the comparison
    table becomes one card per committee, and it still sorts."""
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX")
    page.goto(f"{live_server.url}/entrar/?next=/integridad/")
    page.get_by_label("Usuario").fill("agencia")
    page.get_by_label("Contraseña").fill("demo")
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"{live_server.url}/integridad/")
    screens = page.evaluate("document.documentElement.scrollHeight") / PHONE["height"]
    assert screens < 6, f"{screens:.1f} screens"
    assert overflow(page) <= 0

    page.get_by_role("heading", name="Comparación entre comités").tap()
    card = page.locator("table[data-table=benchmark] tbody tr").first
    assert card.is_visible()
    assert overflow(page) <= 0
    page.locator(".sort-by").get_by_role("link", name="Acciones atrasadas").tap()
    page.wait_for_url(f"{live_server.url}/integridad/?orden=atrasadas")
    # Sorted, the comparison is what the person came back for: it stays open.
    assert page.locator("table[data-table=benchmark] tbody tr").first.is_visible()
    assert overflow(page) <= 0
