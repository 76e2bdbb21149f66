"""Printables: each PDF renders with its pages, paper size and text, in scope, without names."""

import datetime
import io
import os
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ojodeagua.integrity import applicable
from ojodeagua.integrity.models import (
    AssessedRisk,
    CatalogueVersion,
    Complaint,
    ComplianceAnswer,
    Cycle,
    Participant,
    Rating,
    RoadmapItem,
)
from ojodeagua.integrity.printable_views import summary_context
from ojodeagua.integrity.tests.factories import make_committee, make_cycle
from ojodeagua.integrity.workshop import choose_top_three
from ojodeagua.lib.pdf import StaticOnlyFetcher, pdf_bytes, safe_filename
from ojodeagua.organisations.models import Membership
from ojodeagua.providers.models import Provider

D = datetime.date
# A participant's name: it must never reach the board or the summary shown in assemblies.
HIDDEN_NAME = "Rosalinda Xochitl Quintero"
A3_SHORT, A3_LONG = 841.9, 1190.6
A4_SHORT, A4_LONG = 595.3, 841.9
WEEKS_3 = datetime.timedelta(days=21)
LATE = datetime.timedelta(days=10)
# If PDF_DIR is set, the PDFs are also written there to look at them.
PDF_DIR = os.environ.get("PDF_DIR")


def ong_committee() -> Provider:
    return Membership.objects.get(user__username="ong").providers.filter(kind="committee").first()


def workshop(cycle: Cycle, today: datetime.date) -> dict:
    """Three participants, five risks (one the group's own, one unrated), the top three and a
    road map in every state, its open actions ten days late."""
    catalogue = cycle.catalogue
    people = [
        Participant.objects.create(
            cycle=cycle, role="user", sex="F", age_group="adult", name=HIDDEN_NAME
        ),
        Participant.objects.create(cycle=cycle, role="committee", sex="M", age_group="elder"),
        Participant.objects.create(cycle=cycle, role="user", sex="F", age_group="young"),
    ]
    risks = {}
    for code, likelihood, impact in [("R01", 3, 3), ("R06", 3, 2), ("R11", 2, 2)]:
        risks[code] = AssessedRisk.objects.create(
            cycle=cycle,
            risk=catalogue.risks.get(code=code),
            consensus_likelihood=likelihood,
            consensus_impact=impact,
        )
        for person in people:
            Rating.objects.create(
                assessed_risk=risks[code], participant=person, likelihood=likelihood, impact=impact
            )
    risks["R04"] = AssessedRisk.objects.create(cycle=cycle, risk=catalogue.risks.get(code="R04"))
    risks["own"] = AssessedRisk.objects.create(
        cycle=cycle,
        own_title="Se pierden las llaves del tanque",
        consensus_likelihood=2,
        consensus_impact=3,
    )
    choose_top_three(cycle, [risks["R01"].pk, risks["own"].pk, risks["R11"].pk])
    for code, answer in [("C01", "yes"), ("C02", "partly"), ("C03", "no"), ("C07", "no")]:
        ComplianceAnswer.objects.create(
            cycle=cycle, item=catalogue.checklist.get(code=code), answer=answer
        )
    receipts = catalogue.tools.get(code="recibos-foliados")
    for risk, action, status, extra in [
        ("R01", "Comprar recibos foliados", "done", {"done_on": cycle.workshop_on + WEEKS_3}),
        ("R01", "Depositar cada semana en la caja de ahorro", "in_progress", {}),
        ("own", "Hacer dos copias de las llaves", "pending", {}),
        ("R11", "Abrir un cuaderno de quejas", "dropped", {"dropped_reason": "Se usa el buzón"}),
    ]:
        RoadmapItem.objects.create(
            assessed_risk=risks[risk],
            tool=receipts if risk == "R01" else None,
            action=action,
            responsible="Tesorería del comité",
            deadline=today - LATE,
            done_when="Se muestra en la asamblea",
            status=status,
            **extra,
        )
    return risks


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def cycle(db, today) -> Cycle:
    # Eight months ago, so the six-month figure is due.
    cycle = make_cycle(
        ong_committee(),
        stage="implementation",
        workshop_on=today - datetime.timedelta(days=240),
        baseline_taken_on=today - datetime.timedelta(days=260),
    )
    workshop(cycle, today)
    return cycle


def day(date: datetime.date) -> str:
    return date.strftime("%d/%m/%Y")


def pdf(client, name: str, cycle: Cycle) -> tuple[PdfReader, str, object]:
    response = client.get(reverse(f"integrity:{name}", args=[cycle.pk]))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    if PDF_DIR:
        with open(os.path.join(PDF_DIR, f"{name}-{cycle.pk}.pdf"), "wb") as file:
            file.write(response.content)
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # Text extraction breaks long lines; compare words, not line breaks.
    return reader, " ".join(text.split()), response


def size(page) -> tuple[float, float]:
    return float(page.mediabox.width), float(page.mediabox.height)


def test_risk_cards_one_page_per_assessed_risk(ong, cycle):
    reader, text, response = pdf(ong, "cards_pdf", cycle)
    assert len(reader.pages) == 5
    assert all(size(page) == pytest.approx((A4_SHORT, A4_LONG), abs=1) for page in reader.pages)
    assert 'attachment; filename="tarjetas-de-riesgo-' in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith(f'-ciclo-{cycle.number}.pdf"')
    assert "no-store" in response["Cache-Control"]
    r01 = reader.pages[0].extract_text()
    assert "Cuotas cobradas que no se anotan" in " ".join(r01.split())
    assert "alto" in r01 and "Problema clave 1" in r01
    assert "No se entregan recibos al cobrar." in text  # a red flag
    # Unrated risk (R04): tick boxes instead of a band; the group's own risk has no process.
    r04 = " ".join(reader.pages[1].extract_text().split())
    assert "marque una casilla por línea" in r04 and "☐ poco probable" in r04 and "☐ mayor" in r04
    own = " ".join(reader.pages[4].extract_text().split())
    assert "Se pierden las llaves del tanque" in own and "riesgo propio del grupo" in own
    assert HIDDEN_NAME not in text


def test_cards_before_the_workshop_come_from_the_catalogue(ong, db):
    cycle = make_cycle(ong_committee())
    reader, text, _ = pdf(ong, "cards_pdf", cycle)
    # The risks a committee's workshop asks (applicable): the kiosks' and schools' are not.
    titles = [risk.title for risk in applicable.risks_for(cycle)]
    assert len(reader.pages) == len(titles) == 18
    for title in titles:
        assert title in text, title


def test_board_is_an_a3_landscape_poster(ong, cycle, today):
    reader, text, _ = pdf(ong, "board_pdf", cycle)
    assert len(reader.pages) == 1
    width, height = size(reader.pages[0])
    assert width > height, "landscape"
    assert width >= A3_LONG - 1 and height >= A3_SHORT - 1
    assert cycle.provider.name in text
    assert f"Ciclo {cycle.number}" in text and f"Taller del {day(cycle.workshop_on)}" in text
    for words in [
        "Problema clave 1",
        "Problema clave 3",
        "Cuotas cobradas que no se anotan",
        "Se pierden las llaves del tanque",
        "Comprar recibos foliados",
        "Recibos foliados",  # the chosen tool
        "Tesorería del comité",
        day(today - LATE),
        "vencida",
        "Se muestra en la asamblea",
        f"hecha el {day(cycle.workshop_on + WEEKS_3)}",
        "en curso",
        "pendiente",
        "se dejó",
        "alto",
        "medio",
    ]:
        assert words in text, words
    assert HIDDEN_NAME not in text and "Rosalinda" not in text


def test_road_map_groups_actions_and_marks_overdue(ong, cycle, today):
    reader, text, _ = pdf(ong, "roadmap_pdf", cycle)
    width, height = size(reader.pages[0])
    assert sorted((width, height)) == pytest.approx([A4_SHORT, A4_LONG], abs=1)
    assert text.index("Problema clave 1") < text.index("Comprar recibos foliados")
    assert text.index("Problema clave 2") < text.index("Hacer dos copias de las llaves")
    assert text.index("Problema clave 3") < text.index("Abrir un cuaderno de quejas")
    assert day(cycle.workshop_on + WEEKS_3) in text  # done on
    assert "Se usa el buzón" in text  # why it was dropped
    # The two open actions are late; the done and the dropped one are not.
    # A badge's padding and border stand before the colon: the extracted text has a space there.
    legend = text.replace(" :", ":")
    assert text.count("vencida") == 3  # the legend says "vencida: 2"
    assert "vencida: 2" in legend
    assert "hecha: 1" in legend and "se dejó: 1" in legend and "en curso: 1" in legend


def test_summary_is_one_a4_page_without_names(ong, cycle):
    Complaint.objects.create(
        provider=cycle.provider,
        received_on=D(2026, 1, 5),
        respond_by=D(2026, 1, 12),
        what="Fuga en la calle",
        reported_by=HIDDEN_NAME,
    )
    reader, text, _ = pdf(ong, "summary_pdf", cycle)
    assert len(reader.pages) == 1
    assert size(reader.pages[0]) == pytest.approx((A4_SHORT, A4_LONG), abs=1)
    assert cycle.provider.name in text
    assert f"línea base tomada el {day(cycle.baseline_taken_on)}" in text
    assert "Sí: 1 · En parte: 1 · No: 2" in text
    assert "¿Hay un padrón de usuarios al día?" in text  # answered "no"
    assert "¿Hay un reglamento escrito" not in text  # answered "partly": only counted
    assert "Se pierden las llaves del tanque" in text  # top three
    assert "1 de 4 acciones (25 %)" in text
    assert "A los 6 meses del taller: 1 de 4 (25 %)" in text
    assert "A los 12 meses" not in text
    assert "Quejas abiertas después de su fecha para responder (R11)" in text
    assert HIDDEN_NAME not in text and "Rosalinda" not in text


def test_the_board_the_summary_and_the_heat_map_say_when_the_women_rated_otherwise(ong, cycle):
    fees = cycle.assessed_risks.get(risk__code="R01")  # the group agreed 3 × 3: "alto"
    Rating.objects.filter(assessed_risk=fees, participant__sex="F").update(likelihood=1, impact=1)
    said = "el grupo acordó «alto»; las mujeres, en promedio, «bajo» (1.0)"

    reader, text, _ = pdf(ong, "summary_pdf", cycle)
    assert len(reader.pages) == 1
    assert "Lo que valoraron las mujeres y los hombres" in text
    assert said in " ".join(text.split())
    board = ong.get(reverse("integrity:board_print", args=[cycle.pk])).content.decode()
    assert said in board
    heat = ong.get(reverse("integrity:heat_map", args=[cycle.pk])).content.decode()
    assert "Donde el acuerdo del grupo no es lo que valoraron las mujeres o los hombres" in heat
    assert said in heat

    # When everyone's ratings sit in the group's band, nothing is flagged.
    Rating.objects.filter(assessed_risk=fees).update(likelihood=3, impact=3)
    board = ong.get(reverse("integrity:board_print", args=[cycle.pk])).content.decode()
    assert "el grupo acordó" not in board
    summary = ong.get(reverse("integrity:summary_print", args=[cycle.pk])).content.decode()
    assert "el acuerdo del grupo quedó en el mismo nivel" in summary


def test_summary_counts_people_and_shows_only_fired_flags(db):
    provider = make_committee("Comité sin datos")
    on = D(2026, 11, 27)
    cycle = make_cycle(provider, workshop_on=D(2026, 3, 14))
    workshop(cycle, on)
    context = summary_context(cycle, on)
    assert context["flags"] == []  # no complaints, no systems: nothing fired
    assert context["participant_totals"][:2] == [2, 1]  # women, men
    rows = {label: (counts, total) for label, counts, total in context["participants"]}
    assert rows[Participant.Role.USER.label][1] == 2
    heat = {
        (likelihood["value"], impact_index + 1): cell["codes"]
        for likelihood, cells in context["heat_rows"]
        for impact_index, cell in enumerate(cells)
    }
    assert heat[(3, 3)] == ["R01"] and heat[(2, 3)] == ["P1"] and heat[(2, 2)] == ["R11"]
    assert [code for _, code, _ in context["top"]] == ["R01", "P1", "R11"]
    assert (context["so_far"].done, context["so_far"].planned) == (1, 4)
    Complaint.objects.create(
        provider=provider, received_on=D(2026, 11, 1), respond_by=D(2026, 11, 8), what="Fuga"
    )
    (flag,) = summary_context(cycle, on)["flags"]
    assert flag["risks"] == ["R11"] and "1 queja" in flag["detail"]


def test_print_pages_use_the_same_templates(ong, cycle):
    for kind, words in [
        ("cards", "Cuotas cobradas que no se anotan"),
        ("board", "Comprar recibos foliados"),
        ("roadmap", "Se usa el buzón"),
        ("summary", "Los tres problemas clave"),
    ]:
        response = ong.get(reverse(f"integrity:{kind}_print", args=[cycle.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert words in page
        assert reverse(f"integrity:{kind}_pdf", args=[cycle.pk]) in page
        assert "integrity/print.css" in page
        assert 'class="main"' not in page  # no site navigation on a print page
        assert HIDDEN_NAME not in page


def test_board_and_road_map_show_each_status_with_its_icon_and_word(ong, cycle):
    # Printed, then photocopied in black and white: the icon tells the statuses apart.
    for kind in ("board", "roadmap"):
        page = ong.get(reverse(f"integrity:{kind}_print", args=[cycle.pk])).content.decode()
        badges = re.findall(
            r'<span class="action-status is-(\w+)" role="img" aria-label="([^"]+)">'
            r'<svg class="icon"[^>]*>(.*?)</svg> ([^<]+)</span>',
            page,
        )
        words = {code: (label, word) for code, label, _icon, word in badges}
        assert words == {
            "pending": ("Estado: pendiente", "pendiente"),
            "in_progress": ("Estado: en curso", "en curso"),
            "done": ("Estado: hecha", "hecha"),
            "dropped": ("Estado: se dejó", "se dejó"),
            "overdue": ("Vencida: pasó su fecha y no está hecha", "vencida"),
        }, kind
        assert len({icon for _code, _label, icon, _word in badges}) == 5, kind


def test_the_cycle_hub_links_every_printable(cycle):
    links = render_to_string("integrity/_printables.html", {"cycle": cycle})
    for kind in ["cards", "board", "roadmap", "summary"]:
        for output in ["pdf", "print"]:
            assert f'href="{reverse(f"integrity:{kind}_{output}", args=[cycle.pk])}"' in links
    assert "Tablero para la asamblea (A3)" in links


def test_scope_holds_for_every_printable(tesorera, ong, cycle, client):
    own = Membership.objects.get(user__username="tesorera").providers.values_list("pk", flat=True)
    assert cycle.provider_id not in own
    for name in ["cards_pdf", "board_pdf", "roadmap_pdf", "summary_pdf", "board_print"]:
        url = reverse(f"integrity:{name}", args=[cycle.pk])
        assert tesorera.get(url).status_code == 404, name
        assert client.get(url).status_code == 302, name  # signed out: to the login page


def test_committee_prints_its_own_cycle(tesorera, db):
    provider = Membership.objects.get(user__username="tesorera").providers.first()
    cycle = make_cycle(provider, workshop_on=D(2026, 3, 14))
    _reader, text, _ = pdf(tesorera, "board_pdf", cycle)
    assert provider.name in text and "llene el tablero a mano" in text


def test_the_fetcher_reads_only_static_files():
    fetcher = StaticOnlyFetcher("http://testserver/")
    css = fetcher.fetch("http://testserver/static/integrity/print.css")
    assert b"@page" in css.read()
    for url in [
        "http://testserver/static/../settings.py",
        "http://testserver/static/%2e%2e/%2e%2e/settings.py",
        "http://testserver/media/integrity/2026/01/receipt.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "http://testserver/static/integrity/no-such-file.css",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_pdf_bytes_leaves_out_what_it_may_not_fetch():
    html = (
        '<link rel="stylesheet" href="/static/integrity/print.css">'
        '<img src="file:///etc/hostname"><img src="http://127.0.0.1:9/x.png">'
        "<p>Hola</p>"
    )
    reader = PdfReader(io.BytesIO(pdf_bytes(html, "http://testserver/")))
    assert "Hola" in reader.pages[0].extract_text()


def test_safe_filename():
    assert (
        safe_filename("tablero-Comité «El Ojo» / 2-ciclo-1")
        == "tablero-Comite-El-Ojo-2-ciclo-1.pdf"
    )
    assert safe_filename("../../etc/passwd") == "etc-passwd.pdf"
    assert safe_filename("«»") == "documento.pdf"


def full_cycle(today: datetime.date) -> Cycle:
    """Everything at its longest: the 5 × 5 scale, every checklist item answered "no", every
    catalogue risk a committee is asked and five long own risks rated, and five actions for
    each key problem."""
    catalogue = CatalogueVersion.current()
    cycle = make_cycle(
        ong_committee(),
        stage="implementation",
        workshop_on=today - datetime.timedelta(days=400),
        baseline_taken_on=today - datetime.timedelta(days=420),
    )
    cycle.scale = catalogue.scales.get(code="who5x5")
    cycle.save()
    for index, role in enumerate(["committee", "user", "authority", "ngo"] * 5):
        Participant.objects.create(
            cycle=cycle, role=role, sex="FMX"[index % 3], age_group="adult", name=HIDDEN_NAME
        )
    asked = applicable.workshop_entries(cycle)
    for item in asked.checklist:
        ComplianceAnswer.objects.create(cycle=cycle, item=item, answer="no")
    for index, risk in enumerate(asked.risks):
        AssessedRisk.objects.create(
            cycle=cycle,
            risk=risk,
            consensus_likelihood=1 + index % 5,
            consensus_impact=1 + (index * 3) % 5,
        )
    long_title = ("Se pierden las llaves del tanque y nadie sabe quién las tiene; " * 6)[:300]
    own = [
        AssessedRisk.objects.create(
            cycle=cycle, own_title=long_title, consensus_likelihood=5, consensus_impact=5
        )
        for _ in range(5)
    ]
    choose_top_three(cycle, [a.pk for a in own[:3]])
    for problem in own[:3]:
        for number in range(5):
            RoadmapItem.objects.create(
                assessed_risk=problem,
                action=f"Acción número {number + 1}: " + "revisar cada toma de la red " * 4,
                responsible="La tesorera y el vocal de vigilancia del comité",
                deadline=today + datetime.timedelta(days=30),
                done_when="Se presenta por escrito en la asamblea y queda en el acta " * 2,
            )
    Complaint.objects.create(
        provider=cycle.provider,
        received_on=today - datetime.timedelta(days=30),
        respond_by=today - datetime.timedelta(days=20),
        what="Fuga",
    )
    return cycle


def test_a_full_summary_still_fits_one_page(ong, db, today):
    cycle = full_cycle(today)
    reader, text, _ = pdf(ong, "summary_pdf", cycle)
    assert len(reader.pages) == 1
    assert "No: 17" in text and "y 9 más" in text
    assert "casi segura" in text  # the 5 × 5 scale's rows
    assert "0 de 15 acciones (0 %)" in text
    assert HIDDEN_NAME not in text


def test_a_full_board_and_cards_keep_their_paper(ong, db, today):
    cycle = full_cycle(today)
    reader, text, _ = pdf(ong, "board_pdf", cycle)
    for page in reader.pages:
        width, height = size(page)
        assert width > height and width >= A3_LONG - 1
    assert text.count("Acción número 5") == 3
    reader, text, _ = pdf(ong, "cards_pdf", cycle)
    assert len(reader.pages) == 23  # 18 catalogue risks and 5 own, one page each


def planned_cycle(today: datetime.date, actions: list[int]) -> Cycle:
    """Three key problems with as many actions each as ``actions`` says, worded at the length
    committees write them (the demo's own road maps), and three tools each."""
    catalogue = CatalogueVersion.current()
    cycle = make_cycle(
        ong_committee(), stage="implementation", workshop_on=today - datetime.timedelta(days=200)
    )
    codes = ["R07", "R09", "R10"]
    chosen = [
        AssessedRisk.objects.create(
            cycle=cycle,
            risk=catalogue.risks.get(code=code),
            consensus_likelihood=3,
            consensus_impact=2,
        )
        for code in codes
    ]
    choose_top_three(cycle, [a.pk for a in chosen])
    tools = list(catalogue.tools.order_by("code")[:3])
    for problem, count in zip(chosen, actions, strict=True):
        for number in range(count):
            RoadmapItem.objects.create(
                assessed_risk=problem,
                tool=tools[number % 3],
                action=f"Acción {number + 1}: presentar el informe de ingresos y gastos en cada "
                "asamblea",
                responsible="Comisión de vigilancia",
                deadline=today - LATE,
                done_when="El acta de cada asamblea trae el informe de la tesorera y las firmas",
                status="in_progress",
            )
    return cycle


@pytest.mark.parametrize("actions", [[2, 2, 2], [3, 3, 3], [4, 3, 4]])
def test_a_board_with_several_actions_a_problem_stays_one_sheet(ong, db, today, actions):
    # A poster for the assembly: the demo's road maps (two to four actions per key problem)
    # used to spill onto a second or third A3 sheet.
    cycle = planned_cycle(today, actions)
    reader, text, _ = pdf(ong, "board_pdf", cycle)
    assert len(reader.pages) == 1
    width, height = size(reader.pages[0])
    assert width > height and width >= A3_LONG - 1
    assert text.count("presentar el informe de ingresos") == sum(actions)
    assert text.count("vencida") == sum(actions)


def test_the_board_takes_smaller_type_for_longer_columns(ong, db, today):
    # Large type while it fits; the HTML print page says the size the PDF starts from.
    def classes(actions: list[int]) -> set[str]:
        url = reverse("integrity:board_print", args=[planned_cycle(today, actions).pk])
        page = ong.get(url).content.decode()
        return set(re.search(r'<body class="([^"]*)"', page).group(1).split())

    assert classes([2, 1, 2]) == {"printable", "board"}
    assert classes([3, 1, 2]) == {"printable", "board", "dense"}
    assert classes([5, 1, 2]) == {"printable", "board", "denser"}


def test_pdfs_render_without_weasyprint_warnings(ong, cycle, caplog):
    # Two warnings about @supports on every PDF used to fill the server's log.
    for name in ["cards_pdf", "board_pdf", "roadmap_pdf", "summary_pdf"]:
        with caplog.at_level("WARNING", logger="weasyprint"):
            pdf(ong, name, cycle)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


def test_a_full_summary_with_women_and_men_apart_everywhere_still_fits_one_page(ong, db, today):
    cycle = full_cycle(today)
    woman, man = (
        cycle.participants.filter(sex="F").first(),
        cycle.participants.filter(sex="M").first(),
    )
    for assessed in cycle.assessed_risks.all():
        Rating.objects.create(assessed_risk=assessed, participant=woman, likelihood=1, impact=1)
        Rating.objects.create(assessed_risk=assessed, participant=man, likelihood=5, impact=5)
    reader, text, _ = pdf(ong, "summary_pdf", cycle)
    assert len(reader.pages) == 1
    # Crowded: the risks where women and men rated apart are named in one line.
    assert "En 23 riesgos, el acuerdo del grupo no es el nivel que dio el promedio" in " ".join(
        text.split()
    )
