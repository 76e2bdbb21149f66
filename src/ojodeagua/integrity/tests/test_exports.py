"""Downloads of individual ratings and road maps: columns, scope, and never a participant's name."""

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ojodeagua.integrity.exports import ratings_header, roadmap_header
from ojodeagua.integrity.models import Participant, Rating, RoadmapItem
from ojodeagua.integrity.tests.factories import assess, make_cycle, plan_action
from ojodeagua.integrity.tests.test_agency import DAY, build
from ojodeagua.organisations.models import Membership


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[list[object]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


@pytest.fixture
def workshop(db):
    """The agency fixture, plus three named participants rating A's R01."""
    fixture = build(timezone.localdate())
    assessed = fixture.cycles["a1"].assessed_risks.get(risk__code="R01")
    people = [
        Participant.objects.create(
            cycle=assessed.cycle, name=name, role=role, sex=sex, age_group="adult"
        )
        for name, role, sex in [
            ("Xóchitl Nombreprivado", "user", "F"),
            ("Baltazar Nombreprivado", "committee", "M"),
            ("Anónima", "authority", "X"),
        ]
    ]
    for person, (likelihood, impact) in zip(people, [(3, 3), (2, 1), (1, 3)], strict=True):
        Rating.objects.create(
            assessed_risk=assessed, participant=person, likelihood=likelihood, impact=impact
        )
    return fixture, assessed, people


def test_ratings_csv_has_one_row_per_rating_and_no_names(agencia, workshop):
    fixture, assessed, people = workshop
    rows = csv_rows(agencia.get("/integridad/exportar/valoraciones.csv"))
    assert rows[0] == ratings_header()
    mine = [row for row in rows[1:] if row[1] == str(fixture.a.pk)]
    assert mine == [
        ["A comité", str(fixture.a.pk), "1", "R01", assessed.risk.title, str(people[0].pk),
         "usuaria o usuario", "mujer", "de 30 a 59 años", "3", "3", "9", "3", "3", "1"],
        ["A comité", str(fixture.a.pk), "1", "R01", assessed.risk.title, str(people[1].pk),
         "comité", "hombre", "de 30 a 59 años", "2", "1", "2", "3", "3", "1"],
        ["A comité", str(fixture.a.pk), "1", "R01", assessed.risk.title, str(people[2].pk),
         "autoridad", "prefiere no decir", "de 30 a 59 años", "1", "3", "3", "3", "3", "1"],
    ]  # fmt: skip
    # No participant's name, of this fixture or of the demo, is in any cell.
    names = set(Participant.objects.exclude(name="").values_list("name", flat=True))
    assert names and not names & {cell for row in rows for cell in row}


def test_road_map_csv_marks_the_overdue_actions(agencia, workshop):
    fixture, _assessed, _people = workshop
    rows = csv_rows(agencia.get("/integridad/exportar/hojas-de-ruta.csv"))
    assert rows[0] == roadmap_header()
    a_rows = [row for row in rows[1:] if row[1] == str(fixture.a.pk)]
    assert (
        len(a_rows) == RoadmapItem.objects.filter(assessed_risk__cycle__provider=fixture.a).count()
    )
    late = timezone.localdate() - 30 * DAY
    overdue = [row for row in a_rows if row[-1] == "sí"]
    assert len(overdue) == 1
    assert overdue[0][9] == late.isoformat()
    # How the committee will know it is done: part of every action of the road map.
    assert rows[0][10] == "cómo sabremos que está hecha"
    assert overdue[0][10] == "Se ve en el acta"
    assert overdue[0][11] == "pendiente"
    dropped = [row for row in a_rows if row[11] == "se dejó"]
    assert dropped[0][13] == "No alcanzó el dinero" and dropped[0][-1] == "no"
    # Priority order inside the cycle: R01 (priority 1) before R06 (priority 2).
    assert [row[3] for row in a_rows] == sorted(row[3] for row in a_rows)


def test_xlsx_downloads_open_and_hold_the_same_rows(agencia, workshop, settings):
    # The demo's ratings pass the rows a page sends at once as XLSX; this is about the file,
    # sent here as the page would send it (the queue's way is tested in jobs/tests).
    settings.EXPORT_QUEUE_ROWS = 10**9
    csv_ratings = csv_rows(agencia.get("/integridad/exportar/valoraciones.csv"))
    xlsx_ratings = xlsx_rows(agencia.get("/integridad/exportar/valoraciones.xlsx"))
    assert xlsx_ratings[0] == ratings_header()
    assert len(xlsx_ratings) == len(csv_ratings)
    xlsx_roadmap = xlsx_rows(agencia.get("/integridad/exportar/hojas-de-ruta.xlsx"))
    assert xlsx_roadmap[0] == roadmap_header()
    names = set(Participant.objects.exclude(name="").values_list("name", flat=True))
    assert not names & {cell for row in xlsx_ratings for cell in row}


def test_exports_keep_to_the_users_scope(tesorera, ong, workshop):
    fixture, _assessed, _people = workshop
    own = Membership.objects.get(user__username="tesorera").providers.get()
    cycle = make_cycle(own, workshop_on=timezone.localdate() - 60 * DAY, stage="implementation")
    plan_action(assess(cycle, "R02", 2, 2, 1), timezone.localdate() + 10 * DAY)
    for path in ("valoraciones", "hojas-de-ruta"):
        rows = csv_rows(tesorera.get(f"/integridad/exportar/{path}.csv"))
        assert {row[1] for row in rows[1:]} <= {str(own.pk)}
    roadmap = csv_rows(tesorera.get("/integridad/exportar/hojas-de-ruta.csv"))
    assert any(row[4] == "R02" for row in roadmap[1:])
    ngo_rows = csv_rows(ong.get("/integridad/exportar/hojas-de-ruta.csv"))
    assert str(fixture.a.pk) not in {row[1] for row in ngo_rows[1:]}


def test_exports_take_the_pages_filters(agencia, workshop):
    fixture, _assessed, _people = workshop
    kiosks = csv_rows(agencia.get("/integridad/exportar/hojas-de-ruta.csv", {"tipo": "kiosk"}))
    ids = {row[1] for row in kiosks[1:]}
    assert str(fixture.c.pk) in ids and str(fixture.a.pk) not in ids
    bad = agencia.get("/integridad/exportar/hojas-de-ruta.csv", {"municipio": 99999999})
    assert bad.status_code == 400
    assert "revise los filtros" in bad.content.decode()
    assert agencia.get("/integridad/exportar/hojas-de-ruta.pdf").status_code == 404


def test_text_a_spreadsheet_would_run_is_kept_as_text(agencia, workshop):
    fixture, _assessed, _people = workshop
    RoadmapItem.objects.filter(assessed_risk__cycle=fixture.cycles["b1"]).update(
        action='=HYPERLINK("http://example.com")'
    )
    rows = csv_rows(agencia.get("/integridad/exportar/hojas-de-ruta.csv"))
    actions = {row[7] for row in rows[1:] if row[1] == str(fixture.b.pk)}
    assert actions == {'\'=HYPERLINK("http://example.com")'}
    sheet = xlsx_rows(agencia.get("/integridad/exportar/hojas-de-ruta.xlsx"))
    assert '\'=HYPERLINK("http://example.com")' in {row[7] for row in sheet[1:]}


def test_exports_need_a_login(client, db):
    response = client.get("/integridad/exportar/valoraciones.csv")
    assert response.status_code == 302
