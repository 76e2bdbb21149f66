"""Follow-up pages clicked through: road-map changes, evidence, coaching, scorecard, comparison."""

import datetime
import html
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.utils import timezone

from ojodeagua.audit.models import AuditEvent
from ojodeagua.conftest import login_client
from ojodeagua.integrity.models import (
    Attachment,
    CoachingAnswer,
    CoachingSession,
    ComplianceAnswer,
    Cycle,
    RoadmapChange,
    RoadmapItem,
    ScorecardScore,
)
from ojodeagua.integrity.tests.factories import assess, make_committee, make_cycle, plan_action
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import make_viewer

D = datetime.date
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def text(response) -> str:
    """The page as a reader sees it: tags dropped, entities and spaces made plain."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags))


def tesorera_committee():
    return Membership.objects.get(user__username="tesorera").providers.get()


def ong_other_committee():
    """One of ong's committees that is not tesorera's, so tesorera must not see it."""
    return (
        Membership.objects.get(user__username="ong")
        .providers.filter(kind="committee")
        .exclude(pk=tesorera_committee().pk)
        .first()
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def plan(db):
    """Tesorera's committee with a workshop on 10 January 2025 and three actions."""
    cycle = make_cycle(
        tesorera_committee(), workshop_on=D(2025, 1, 10), stage=Cycle.Stage.IMPLEMENTATION
    )
    fees = assess(cycle, "R01", 3, 3, 1)
    complaints = assess(cycle, "R11", 2, 3, 2)
    receipts = plan_action(
        fees,
        D(2025, 3, 15),
        "Comprar talonario de recibos foliados",
        tool=cycle.catalogue.tools.first(),
    )
    count = plan_action(
        fees,
        D(2025, 5, 1),
        "Corte de caja entre dos personas cada mes",
        status=RoadmapItem.Status.DONE,
        done_on=D(2025, 4, 20),
    )
    register = plan_action(complaints, D(2025, 9, 30), "Abrir el registro de quejas")
    return cycle, receipts, count, register


# Road map ---------------------------------------------------------------------------------------
def test_road_map_shows_statuses_overdue_and_completion(tesorera, plan):
    cycle, receipts, _count, _register = plan
    receipts_done_late = plan_action(
        receipts.assessed_risk,
        D(2025, 2, 1),
        "Depositar cada semana",
        status=RoadmapItem.Status.DONE,
        done_on=D(2025, 12, 1),
    )

    page = tesorera.get(f"/integridad/ciclos/{cycle.pk}/hoja-de-ruta/")
    shown = text(page)

    assert page.status_code == 200
    assert "Comprar talonario de recibos foliados" in shown
    assert "Pendiente" in shown and "Hecha" in shown
    # Done on 20/04/2025 and on 01/12/2025 out of four actions; two pending past deadline.
    assert "Van 2 de 4 acciones hechas (50 %)" in shown
    assert "2 acciones ya pasaron su fecha sin quedar hechas" in shown
    assert shown.count("vencida") == 2
    assert (
        "A los 6 meses del taller (hasta el 10/07/2025) quedaron hechas 1 de 4 acciones (25 %)"
        in shown
    )
    assert (
        "A los 12 meses del taller (hasta el 10/01/2026) quedaron hechas 2 de 4 acciones (50 %)"
        in shown
    )
    assert "Hecha el 01/12/2025" in shown
    assert receipts.tool.name in shown
    assert f"/integridad/acciones/{receipts_done_late.pk}/cambiar/" in page.content.decode()


def test_a_change_without_a_reason_is_refused_and_with_one_is_kept(tesorera, plan):
    cycle, receipts, _count, _register = plan
    url = f"/integridad/acciones/{receipts.pk}/cambiar/"
    form = tesorera.get(url)
    assert form.status_code == 200
    values = {
        "status": "in_progress",
        "action": receipts.action,
        "responsible": receipts.responsible,
        "deadline": "2025-04-30",
        "done_when": receipts.done_when,
        "tool": receipts.tool_id,
        "reason": "",
    }

    refused = tesorera.post(url, values)
    receipts.refresh_from_db()

    assert refused.status_code == 400
    assert "Diga por qué cambia la hoja de ruta" in text(refused)
    assert receipts.status == "pending" and receipts.deadline == D(2025, 3, 15)
    assert not RoadmapChange.objects.filter(item=receipts).exists()

    kept = tesorera.post(url, {**values, "reason": "La papelería no tenía talonarios"})
    receipts.refresh_from_db()
    change = RoadmapChange.objects.get(item=receipts)

    assert kept.status_code == 302
    assert receipts.status == "in_progress" and receipts.deadline == D(2025, 4, 30)
    assert change.changes == {
        "status": ["pending", "in_progress"],
        "deadline": ["2025-03-15", "2025-04-30"],
    }
    assert change.reason == "La papelería no tenía talonarios"
    assert change.changed_by.username == "tesorera"
    assert AuditEvent.objects.filter(object_id=str(receipts.pk), action="update").exists()

    history = text(tesorera.get(f"/integridad/ciclos/{cycle.pk}/hoja-de-ruta/"))
    assert "Estado: pendiente → en curso" in history
    assert "Para cuándo: 15/03/2025 → 30/04/2025" in history
    assert "La papelería no tenía talonarios" in history
    who = User.objects.get(username="tesorera").get_full_name()
    assert re.search(rf"\d\d/\d\d/\d{{4}} \d\d:\d\d , {who}:", history)


def test_done_needs_its_date_and_dropping_needs_its_reason(tesorera, plan):
    _cycle, receipts, _count, register = plan
    url = f"/integridad/acciones/{register.pk}/cambiar/"
    values = {
        "action": register.action,
        "responsible": register.responsible,
        "deadline": "2025-09-30",
        "done_when": register.done_when,
    }

    no_date = tesorera.post(url, {**values, "status": "done", "reason": "Ya quedó"})
    dropped_silently = tesorera.post(url, {**values, "status": "dropped", "reason": "  "})
    register.refresh_from_db()

    assert no_date.status_code == 400
    assert "Anote cuándo quedó hecha" in text(no_date)
    assert dropped_silently.status_code == 400
    assert "Diga por qué se deja esta acción" in text(dropped_silently)
    assert register.status == "pending"
    assert not RoadmapChange.objects.filter(item=register).exists()

    dropped = tesorera.post(
        url, {**values, "status": "dropped", "reason": "La asamblea prefirió el buzón"}
    )
    register.refresh_from_db()

    assert dropped.status_code == 302
    assert register.status == "dropped"
    assert register.dropped_reason == "La asamblea prefirió el buzón"
    done = tesorera.post(
        f"/integridad/acciones/{receipts.pk}/cambiar/",
        {
            **values,
            "action": receipts.action,
            "deadline": "2025-03-15",
            "status": "done",
            "done_on": "2025-03-10",
            "reason": "Se compró el talonario",
        },
    )
    receipts.refresh_from_db()
    assert done.status_code == 302
    assert (receipts.status, receipts.done_on) == ("done", D(2025, 3, 10))


def test_road_map_scope(tesorera, ong):
    other = make_cycle(
        ong_other_committee(), workshop_on=D(2025, 2, 1), stage=Cycle.Stage.IMPLEMENTATION
    )
    item = plan_action(assess(other, "R01", 3, 3, 1), D(2025, 6, 1), "Cuenta en la caja popular")
    reader = login_client(make_viewer(providers=[other.provider]).username)

    assert ong.get(f"/integridad/ciclos/{other.pk}/hoja-de-ruta/").status_code == 200
    assert tesorera.get(f"/integridad/ciclos/{other.pk}/hoja-de-ruta/").status_code == 404
    assert tesorera.get(f"/integridad/acciones/{item.pk}/cambiar/").status_code == 404
    assert tesorera.post(f"/integridad/acciones/{item.pk}/cambiar/", {}).status_code == 404
    read = reader.get(f"/integridad/ciclos/{other.pk}/hoja-de-ruta/")
    assert read.status_code == 200
    assert f"/integridad/acciones/{item.pk}/cambiar/" not in read.content.decode()
    post = reader.post(
        f"/integridad/acciones/{item.pk}/cambiar/", {"status": "done", "reason": "x"}
    )
    assert post.status_code == 403
    item.refresh_from_db()
    assert item.status == "pending"


# Evidence ---------------------------------------------------------------------------------------
def test_evidence_upload_and_scoped_download(ong, tesorera, media):
    other = make_cycle(
        ong_other_committee(), workshop_on=D(2025, 2, 1), stage=Cycle.Stage.IMPLEMENTATION
    )
    item = plan_action(assess(other, "R01", 3, 3, 1), D(2025, 6, 1), "Cuenta en la caja popular")
    back = f"/integridad/ciclos/{other.pk}/hoja-de-ruta/"
    upload = f"/integridad/pruebas/nueva/?roadmap_item={item.pk}&next={back}"

    assert ong.get(upload).status_code == 200
    saved = ong.post(
        upload,
        {
            "file": SimpleUploadedFile("Rosa Gómez recibo.PNG", PNG, "image/png"),
            "caption": "Recibo de apertura",
            "record_id": "prueba-1",
        },
    )
    attachment = Attachment.objects.get(record_id="prueba-1")

    assert saved.status_code == 302 and saved["Location"] == back
    assert attachment.roadmap_item == item and attachment.cycle == other
    assert attachment.file.name.endswith(".png") and "Rosa" not in attachment.file.name
    assert (media / attachment.file.name).read_bytes() == PNG
    assert AuditEvent.objects.filter(object_id=str(attachment.pk), action="create").exists()

    page = ong.get(back).content.decode()
    assert f"/integridad/pruebas/{attachment.pk}/" in page
    assert "/media/" not in page
    download = ong.get(f"/integridad/pruebas/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    assert tesorera.get(f"/integridad/pruebas/{attachment.pk}/").status_code == 404
    # The same form sent again keeps one attachment.
    again = ong.post(
        upload,
        {"file": SimpleUploadedFile("a.png", PNG, "image/png"), "record_id": "prueba-1"},
    )
    assert again.status_code == 302
    assert Attachment.objects.filter(roadmap_item=item).count() == 1


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("programa.exe", b"MZ\x90\x00" + b"\x00" * 32, "application/octet-stream"),
        ("pagina.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ("disfrazada.png", b"<html><script>alert(1)</script></html>", "image/png"),
    ],
)
def test_only_photos_and_pdfs_are_accepted(ong, media, name, content, kind):
    other = make_cycle(
        ong_other_committee(), workshop_on=D(2025, 2, 1), stage=Cycle.Stage.IMPLEMENTATION
    )
    item = plan_action(assess(other, "R01", 3, 3, 1), D(2025, 6, 1), "Cuenta en la caja popular")

    refused = ong.post(
        f"/integridad/pruebas/nueva/?roadmap_item={item.pk}",
        {"file": SimpleUploadedFile(name, content, kind)},
    )

    assert refused.status_code == 400
    assert "Solo se aceptan fotos (JPG, PNG o WebP) y documentos PDF" in text(refused)
    assert not Attachment.objects.filter(roadmap_item=item).exists()


def test_a_file_over_five_megabytes_is_refused(ong, media):
    other = make_cycle(
        ong_other_committee(), workshop_on=D(2025, 2, 1), stage=Cycle.Stage.IMPLEMENTATION
    )
    item = plan_action(assess(other, "R01", 3, 3, 1), D(2025, 6, 1), "Cuenta en la caja popular")
    big = PNG + b"\x00" * (5 * 1024 * 1024)

    refused = ong.post(
        f"/integridad/pruebas/nueva/?roadmap_item={item.pk}",
        {"file": SimpleUploadedFile("grande.png", big, "image/png")},
    )

    assert refused.status_code == 400
    assert "el límite es 5 MB" in text(refused)
    assert not Attachment.objects.exists() or not item.attachments.exists()


def test_evidence_for_a_compliance_answer_goes_back_where_it_came_from(ong, tesorera, media):
    cycle = make_cycle(
        ong_other_committee(), workshop_on=D(2025, 2, 1), stage=Cycle.Stage.IMPLEMENTATION
    )
    answer = ComplianceAnswer.objects.create(
        cycle=cycle, item=cycle.catalogue.checklist.get(code="C05"), answer="partly"
    )
    back = f"/integridad/ciclos/{cycle.pk}/cumplimiento/"

    saved = ong.post(
        f"/integridad/pruebas/nueva/?compliance_answer={answer.pk}",
        {"file": SimpleUploadedFile("libro.pdf", PDF, "application/pdf"), "next": back},
    )
    outside = ong.post(
        f"/integridad/pruebas/nueva/?compliance_answer={answer.pk}",
        {
            "file": SimpleUploadedFile("libro.pdf", PDF, "application/pdf"),
            "next": "https://example.com/",
        },
    )
    (first, second) = answer.attachments.order_by("pk")

    assert saved.status_code == 302 and saved["Location"] == back
    assert outside.status_code == 302 and "example.com" not in outside["Location"]
    assert ong.get(f"/integridad/pruebas/{first.pk}/")["Content-Type"] == "application/pdf"
    assert (
        tesorera.post(
            f"/integridad/pruebas/nueva/?compliance_answer={answer.pk}",
            {"file": SimpleUploadedFile("libro.pdf", PDF, "application/pdf")},
        ).status_code
        == 404
    )
    assert second.compliance_answer == answer


# Coaching ---------------------------------------------------------------------------------------
def coaching_post(record_id: str, items, per_item: dict) -> dict:
    data = {
        "held_on": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "attendees": "Presidenta, tesorera, facilitadora de la ONG",
        "notes": "Se revisó el avance del talonario.",
        "record_id": record_id,
    }
    for item in items:
        prefix = f"accion-{item.pk}"
        data[f"{prefix}-status"] = item.status
        if item.done_on:
            data[f"{prefix}-done_on"] = item.done_on.isoformat()
        for name, value in per_item.get(item.pk, {}).items():
            data[f"{prefix}-{name}"] = value
    return data


def test_a_coaching_session_keeps_the_four_answers_and_status_changes(ong, plan):
    cycle, receipts, count, register = plan
    items = [receipts, count, register]
    answers = {
        "goals_reached": "Se compró el talonario; la tesorera lo usa",
        "unintended_effects": "Los usuarios piden recibo también por las faenas",
        "goals_missed": "No todos los vocales entregan copia",
        "problems": "Faltó dinero; se pidió a la asamblea",
    }
    create = f"/integridad/ciclos/{cycle.pk}/acompanamiento/nueva/"
    assert "Abrir el registro de quejas" in text(ong.get(create))

    without_reason = ong.post(
        create,
        coaching_post(
            "sesion-1", items, {receipts.pk: answers, register.pk: {"status": "in_progress"}}
        ),
    )
    assert without_reason.status_code == 400
    assert "Diga por qué cambia el estado de esta acción" in text(without_reason)
    assert not CoachingSession.objects.filter(cycle=cycle).exists()

    data = coaching_post(
        "sesion-1",
        items,
        {
            receipts.pk: answers,
            register.pk: {"status": "in_progress", "reason": "Ya hay cuaderno para quejas"},
        },
    )
    saved = ong.post(create, data)
    session = CoachingSession.objects.get(cycle=cycle)
    answer = CoachingAnswer.objects.get(session=session)
    register.refresh_from_db()

    assert saved.status_code == 302
    assert saved["Location"] == f"/integridad/acompanamiento/{session.pk}/"
    assert answer.item == receipts
    assert {name: getattr(answer, name) for name in answers} == answers
    assert register.status == "in_progress"
    assert RoadmapChange.objects.get(item=register).reason == "Ya hay cuaderno para quejas"
    assert AuditEvent.objects.filter(object_id=str(session.pk), action="create").exists()

    # The same form sent twice (a double tap, a retry) saves one session.
    assert ong.post(create, data).status_code == 302
    assert CoachingSession.objects.filter(cycle=cycle).count() == 1

    detail = text(ong.get(saved["Location"]))
    for value in answers.values():
        assert value in detail
    listed = text(ong.get(f"/integridad/ciclos/{cycle.pk}/acompanamiento/"))
    assert "1 sesión con el comité" in listed
    assert "1 acción comentada" in listed


def test_coaching_scorecard_and_comparison_scope(tesorera, media):
    other = make_cycle(
        ong_other_committee(), workshop_on=D(2025, 2, 1), stage=Cycle.Stage.IMPLEMENTATION
    )
    session = CoachingSession.objects.create(cycle=other, held_on=D(2025, 3, 1), attendees="x")
    item = plan_action(assess(other, "R01", 3, 3, 1), D(2025, 6, 1), "Cuenta en la caja popular")
    reader = login_client(make_viewer(providers=[other.provider]).username)
    pages = [
        f"/integridad/ciclos/{other.pk}/acompanamiento/",
        f"/integridad/acompanamiento/{session.pk}/",
        f"/integridad/ciclos/{other.pk}/autoevaluacion/",
        f"/integridad/ciclos/{other.pk}/comparacion/",
    ]
    forms = [
        f"/integridad/ciclos/{other.pk}/acompanamiento/nueva/",
        f"/integridad/ciclos/{other.pk}/autoevaluacion/",
        f"/integridad/pruebas/nueva/?roadmap_item={item.pk}",
    ]

    assert [tesorera.get(url).status_code for url in pages] == [404] * 4
    assert [tesorera.post(url, {}).status_code for url in forms] == [404] * 3
    assert [reader.get(url).status_code for url in pages] == [200] * 4
    assert [reader.post(url, {}).status_code for url in forms] == [403] * 3
    assert '<form method="post"' not in reader.get(pages[2]).content.decode()


# Scorecard and comparison ---------------------------------------------------------------------
@pytest.fixture
def two_cycles(db):
    provider = ong_other_committee()
    previous = make_cycle(provider, workshop_on=D(2025, 2, 1), stage=Cycle.Stage.IMPLEMENTATION)
    current = make_cycle(provider, workshop_on=D(2026, 2, 1), stage=Cycle.Stage.IMPLEMENTATION)
    return previous, current


def test_scorecard_saved_and_compared_with_the_previous_cycle(ong, two_cycles):
    previous, current = two_cycles
    indicators = {i.code: i for i in current.catalogue.scorecard_indicators.all()}
    for code in ("P1.1", "P1.2"):
        ScorecardScore.objects.create(
            cycle=previous, indicator=indicators[code], score=2, evidence="No hay acta"
        )
    url = f"/integridad/ciclos/{current.pk}/autoevaluacion/"
    page = text(ong.get(url))
    assert indicators["P1.1"].descriptor_1 in page
    assert indicators["P1.1"].descriptor_5 in page
    assert "En el ciclo anterior: 2." in page

    first, second = indicators["P1.1"], indicators["P1.2"]
    refused = ong.post(url, {f"score_{first.pk}": "4", f"evidence_{first.pk}": ""})
    assert refused.status_code == 400
    assert "Diga por qué le dio ese puntaje" in text(refused)
    assert not current.scorecard.exists()

    saved = ong.post(
        url,
        {
            f"score_{first.pk}": "4",
            f"evidence_{first.pk}": "El acta de marzo tiene el compromiso",
            f"score_{second.pk}": "5",
            f"evidence_{second.pk}": "Se entregó el reglamento casa por casa",
        },
    )
    assert saved.status_code == 302
    assert dict(current.scorecard.values_list("indicator__code", "score")) == {
        "P1.1": 4,
        "P1.2": 5,
    }
    assert (
        AuditEvent.objects.filter(content_type__model="scorecardscore", action="create").count()
        >= 2
    )
    shown = text(ong.get(url))
    assert "Subió de 2.0 a 4.5." in shown
    assert "Van 2 de" in shown


def test_comparison_in_plain_sentences(agencia, two_cycles):
    previous, current = two_cycles
    assess(previous, "R01", 3, 3)
    assess(previous, "R11", 2, 2)
    assess(current, "R01", 1, 2)
    assess(current, "R11", 3, 2)
    checklist = {c.code: c for c in current.catalogue.checklist.all()}
    for cycle, answers in (
        (previous, {"C01": "no", "C03": "yes"}),
        (current, {"C01": "yes", "C03": "partly"}),
    ):
        for code, answer in answers.items():
            ComplianceAnswer.objects.create(cycle=cycle, item=checklist[code], answer=answer)
    risks = {r.code: r.title for r in current.catalogue.risks.all()}

    shown = text(agencia.get(f"/integridad/ciclos/{current.pk}/comparacion/"))

    assert f"«{risks['R11']}» subió de 4 (medio) a 6 (alto)." in shown
    assert f"«{risks['R01']}» bajó de 9 (alto) a 2 (bajo)." in shown
    assert f"«{checklist['C01'].text}» mejoró: de «no» a «sí»." in shown
    assert f"«{checklist['C03'].text}» empeoró: de «sí» a «en parte»." in shown
    later = make_cycle(current.provider, workshop_on=None, stage=Cycle.Stage.IMPLEMENTATION)
    waiting = text(agencia.get(f"/integridad/ciclos/{later.pk}/comparacion/"))
    assert "Este ciclo todavía no tiene riesgos valorados por el grupo" in waiting
    assert "Este ciclo todavía no tiene respuestas de la lista de cumplimiento" in waiting
    only = make_cycle(
        make_committee("Comité nuevo de prueba"),
        workshop_on=D(2026, 3, 1),
        stage=Cycle.Stage.IMPLEMENTATION,
    )
    first = text(agencia.get(f"/integridad/ciclos/{only.pk}/comparacion/"))
    assert "todavía no hay con qué comparar" in first


def test_followup_links_say_where_the_cycle_stands(two_cycles):
    cycle = make_cycle(
        make_committee("Comité nuevo de prueba"),
        workshop_on=D(2026, 3, 1),
        stage=Cycle.Stage.IMPLEMENTATION,
    )
    fees = assess(cycle, "R01", 3, 3, 1)
    plan_action(fees, D(2026, 4, 1), "Recibos foliados", status="done", done_on=D(2026, 3, 20))
    plan_action(fees, D(2026, 5, 1), "Corte de caja", status="in_progress")
    plan_action(fees, D(2026, 6, 1), "Cuenta en la caja", status="dropped", dropped_reason="No hay")
    links = re.sub(
        r"\s+",
        " ",
        html.unescape(render_to_string("integrity/_followup_links.html", {"cycle": cycle})),
    )
    assert "1 de 3 acciones hechas" in links
    assert "todavía sin sesiones" in links
    assert "Comparación" not in links

    _previous, current = two_cycles
    second = render_to_string("integrity/_followup_links.html", {"cycle": current})
    assert f"/integridad/ciclos/{current.pk}/comparacion/" in second


# Found in the review at 360 px -------------------------------------------------------------------
def test_evidence_without_a_caption_is_named_in_words_not_by_its_stored_file(ong, media):
    # The stored name is 32 random letters: meaningless, and too wide for a phone.
    cycle = make_cycle(
        ong_other_committee(), workshop_on=D(2025, 2, 1), stage=Cycle.Stage.IMPLEMENTATION
    )
    item = plan_action(assess(cycle, "R01", 3, 3, 1), D(2025, 6, 1), "Cuenta en la caja popular")
    answer = ComplianceAnswer.objects.create(
        cycle=cycle, item=cycle.catalogue.checklist.get(code="C05"), answer="partly"
    )
    for target in (f"roadmap_item={item.pk}", f"compliance_answer={answer.pk}"):
        saved = ong.post(
            f"/integridad/pruebas/nueva/?{target}",
            {"file": SimpleUploadedFile("foto.png", PNG, "image/png")},
        )
        assert saved.status_code == 302
    stored = [a.file.name.rsplit("/", 1)[-1] for a in Attachment.objects.filter(cycle=cycle)]
    assert len(stored) == 2

    for page in ("hoja-de-ruta/", "cumplimiento/"):
        shown = ong.get(f"/integridad/ciclos/{cycle.pk}/{page}")
        assert "Foto o documento" in text(shown), page
        for name in stored:
            assert name not in shown.content.decode(), page


def test_radio_choices_wrap_on_the_follow_up_pages(tesorera, plan):
    # Four statuses side by side made the change page 438 px wide on a 360 px phone.
    _cycle, receipts, _count, _register = plan
    page = tesorera.get(f"/integridad/acciones/{receipts.pk}/cambiar/").content.decode()
    assert "/static/integrity/followup.css" in page and 'class="choices"' in page
    css = (
        Path(__file__).resolve().parents[1] / "static" / "integrity" / "followup.css"
    ).read_text()
    assert ".choices div{flex-wrap:wrap" in css
