"""Follow-up pages clicked through: road-map changes, evidence, coaching, scorecard, comparison."""

import datetime
import html
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone
from PIL import Image

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
from ojodeagua.lib.tests.files import PDF, PNG
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import make_viewer

D = datetime.date


def text(response) -> str:
    """The page as a reader sees it: tags dropped, entities and spaces made plain."""
    return text_of(response.content.decode())


def text_of(markup: str) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", markup)
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


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
    page_html = page.content.decode()
    assert 'aria-label="Estado: pendiente"' in page_html and "pendiente" in shown
    assert 'aria-label="Estado: hecha"' in page_html and "hecha" in shown
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
    # One short card per action: what, its status, who and by when.
    card = page_html[
        page_html.rindex("<article", 0, page_html.index(f'id="accion-{receipts.pk}"')) :
    ]
    card = text_of(card[: card.index("</article>")])
    assert card.startswith("Comprar talonario de recibos foliados pendiente vencida")
    assert "La hace: Tesorería Para el 15/03/2025" in card
    assert f"/integridad/ciclos/{cycle.pk}/hoja-de-ruta/en-voz-alta/" in page_html


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
    assert AuditEvent.objects.filter(
        object_id=str(receipts.pk), content_type__model=receipts._meta.model_name, action="update"
    ).exists()

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
    # Kept as the server drew it again: a real PNG of the same picture.
    stored = (media / attachment.file.name).read_bytes()
    assert stored.startswith(b"\x89PNG") and png_size(stored) == png_size(PNG)
    assert AuditEvent.objects.filter(
        object_id=str(attachment.pk),
        content_type__model=attachment._meta.model_name,
        action="create",
    ).exists()

    page = ong.get(back).content.decode()
    assert f"/integridad/pruebas/{attachment.pk}/" in page
    assert "/media/" not in page
    download = ong.get(f"/integridad/pruebas/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == stored
    assert tesorera.get(f"/integridad/pruebas/{attachment.pk}/").status_code == 404
    # The same form sent again keeps one attachment.
    again = ong.post(
        upload,
        {"file": SimpleUploadedFile("a.png", PNG, "image/png"), "record_id": "prueba-1"},
    )
    assert again.status_code == 302
    assert Attachment.objects.filter(roadmap_item=item).count() == 1


def png_size(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        return image.size


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
SESSION_DAY = D(2025, 6, 2)


def start_session(client, cycle, record_id: str = "sesion-1", held_on=SESSION_DAY):
    return client.post(
        f"/integridad/ciclos/{cycle.pk}/acompanamiento/nueva/",
        {
            "held_on": held_on.isoformat(),
            "attendees": "Presidenta, tesorera, facilitadora de la ONG",
            "notes": "Se revisó el avance del talonario.",
            "record_id": record_id,
        },
    )


def step(session: CoachingSession, item: RoadmapItem) -> str:
    return f"/integridad/acompanamiento/{session.pk}/acciones/{item.pk}/"


def test_a_coaching_session_is_recorded_for_its_day_one_action_at_a_time(ong, plan):
    cycle, receipts, count, register = plan
    answers = {
        "goals_reached": "Se hace el corte; lo firman dos personas",
        "unintended_effects": "Los usuarios piden ver el corte en la asamblea",
        "goals_missed": "No todos los vocales entregan copia",
        "problems": "Faltó dinero; se pidió a la asamblea",
    }
    create = f"/integridad/ciclos/{cycle.pk}/acompanamiento/nueva/"
    form = ong.get(create).content.decode()
    today = timezone.localdate().isoformat()
    # The date is today unless the facilitator says when it was; no later day is offered.
    assert f'value="{today}"' in form and f'max="{today}"' in form
    assert "3 acciones de la hoja de ruta, una por pantalla" in text(ong.get(create))

    # The session happened on 2 June 2025 and is written down later.
    started = start_session(ong, cycle)
    session = CoachingSession.objects.get(cycle=cycle)
    assert session.held_on == SESSION_DAY
    assert started.status_code == 302 and started["Location"] == step(session, receipts)
    assert AuditEvent.objects.filter(
        object_id=str(session.pk), content_type__model=session._meta.model_name, action="create"
    ).exists()

    # The same form sent twice (a double tap, a retry) saves one session.
    again = start_session(ong, cycle)
    assert again.status_code == 302 and again["Location"] == step(session, receipts)
    assert CoachingSession.objects.filter(cycle=cycle).count() == 1

    # Action 1 of 3, in the order of the key problems: only how it goes and why is asked.
    first = ong.get(step(session, receipts))
    shown = text(first)
    assert first.status_code == 200
    assert "Acción 1 de 3" in shown and receipts.action in shown
    assert "La hace: Tesorería" in shown and "Para el 15/03/2025" in shown
    # Done is dated the session's day unless the facilitator says otherwise.
    assert 'name="done_on" value="2025-06-02"' in first.content.decode()

    no_reason = ong.post(step(session, receipts), {"status": "done", "done_on": "", "reason": " "})
    receipts.refresh_from_db()
    assert no_reason.status_code == 400
    assert "Diga por qué cambia el estado de esta acción" in text(no_reason)
    assert receipts.status == "pending"
    assert not CoachingAnswer.objects.filter(session__cycle=cycle).exists()

    saved = ong.post(
        step(session, receipts),
        {"status": "done", "done_on": "", "reason": "Ya se compró el talonario"},
    )
    receipts.refresh_from_db()
    change = RoadmapChange.objects.get(item=receipts)
    assert saved.status_code == 302 and saved["Location"] == step(session, count)
    assert (receipts.status, receipts.done_on) == ("done", SESSION_DAY)
    assert change.changes == {"status": ["pending", "done"], "done_on": [None, "2025-06-02"]}
    assert change.reason == "Ya se compró el talonario"
    assert change.changed_by.username == "ong"
    first_answer = CoachingAnswer.objects.get(session=session, item=receipts)
    assert (first_answer.status, first_answer.comment) == ("done", "Ya se compró el talonario")

    # Action 2 was done before: kept as it is, with the four questions answered this time.
    second = ong.get(step(session, count))
    assert "Acción 2 de 3" in text(second) and count.action in text(second)
    assert step(session, receipts) in second.content.decode()  # ← Anterior
    kept = ong.post(
        step(session, count), {"status": "done", "done_on": "2025-04-20", "reason": "", **answers}
    )
    assert kept.status_code == 302 and kept["Location"] == step(session, register)
    assert not RoadmapChange.objects.filter(item=count).exists()
    second_answer = CoachingAnswer.objects.get(session=session, item=count)
    assert {name: getattr(second_answer, name) for name in answers} == answers
    assert second_answer.status == "done" and second_answer.comment == ""

    # The last one is dropped, with its reason; then the session's summary.
    third = ong.get(step(session, register))
    assert "Acción 3 de 3" in text(third) and "Guardar y terminar" in text(third)
    dropped = ong.post(
        step(session, register), {"status": "dropped", "reason": "La asamblea prefirió el buzón"}
    )
    register.refresh_from_db()
    assert dropped.status_code == 302
    assert dropped["Location"] == f"/integridad/acompanamiento/{session.pk}/"
    assert (register.status, register.dropped_reason) == (
        "dropped",
        "La asamblea prefirió el buzón",
    )
    # An action of another cycle is not one of this session's.
    elsewhere = plan_action(
        assess(make_cycle(ong_other_committee()), "R01", 3, 3, 1), D(2025, 6, 1), "Otra"
    )
    assert ong.get(step(session, elsewhere)).status_code == 404

    detail = text(ong.get(dropped["Location"]))
    assert "Sesión de acompañamiento del 02/06/2025" in detail
    assert "Se revisaron 3 de 3 acciones de la hoja de ruta" in detail
    assert "Ya se compró el talonario" in detail and "La asamblea prefirió el buzón" in detail
    for value in answers.values():
        assert value in detail
    listed = text(ong.get(f"/integridad/ciclos/{cycle.pk}/acompanamiento/"))
    assert "1 sesión con el comité" in listed
    assert "3 acciones revisadas" in listed


def test_a_step_can_be_skipped_and_saved_again_without_a_second_change(ong, plan):
    cycle, receipts, count, _register = plan
    start_session(ong, cycle)
    session = CoachingSession.objects.get(cycle=cycle)
    first = ong.get(step(session, receipts)).content.decode()
    assert f'href="{step(session, count)}"' in first  # Saltar a la siguiente

    values = {"status": "in_progress", "reason": "Se pidió la cotización"}
    assert ong.post(step(session, receipts), values)["Location"] == step(session, count)
    assert (
        ong.post(step(session, receipts), {**values, "reason": "Ya hay cotización"}).status_code
        == 302
    )

    # Back at the same action: one change, and the comment as it was said last.
    assert RoadmapChange.objects.filter(item=receipts).count() == 1
    answer = CoachingAnswer.objects.get(session=session, item=receipts)
    assert (answer.status, answer.comment) == ("in_progress", "Ya hay cotización")
    assert "Ya hay cotización" in ong.get(step(session, receipts)).content.decode()
    detail = text(ong.get(f"/integridad/acompanamiento/{session.pk}/"))
    assert "Se revisaron 1 de 3 acciones de la hoja de ruta" in detail
    assert (
        step(session, count)
        in ong.get(f"/integridad/acompanamiento/{session.pk}/").content.decode()
    )


def test_a_session_after_today_is_refused_and_done_after_the_session_too(ong, plan):
    cycle, receipts, _count, _register = plan
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    refused = start_session(ong, cycle, held_on=tomorrow)
    assert refused.status_code == 400
    assert "La sesión no puede tener fecha después de hoy" in text(refused)
    assert not CoachingSession.objects.filter(cycle=cycle).exists()

    start_session(ong, cycle)
    session = CoachingSession.objects.get(cycle=cycle)
    late = ong.post(
        step(session, receipts),
        {"status": "done", "done_on": "2025-06-20", "reason": "Ya se compró el talonario"},
    )
    receipts.refresh_from_db()
    assert late.status_code == 400
    assert "La sesión fue el 02/06/2025" in text(late)
    assert receipts.status == "pending"
    assert not RoadmapChange.objects.filter(item=receipts).exists()
    assert not CoachingAnswer.objects.filter(session=session).exists()


def test_status_choices_and_badges_show_icon_colour_and_word(ong, plan):
    cycle, receipts, _count, _register = plan
    start_session(ong, cycle)
    session = CoachingSession.objects.get(cycle=cycle)
    page = ong.get(step(session, receipts)).content.decode()
    choices = re.findall(
        r'<label class="status-choice"[^>]*><input type="radio" name="status" value="(\w+)"'
        r'[^>]*> <span class="action-status is-(\w+)" role="img" aria-label="Estado: ([^"]+)">'
        r"<svg[^>]*>.*?</svg> ([^<]+)</span>",
        page,
    )
    assert [(value, code, label, word) for value, code, label, word in choices] == [
        ("pending", "pending", "pendiente", "pendiente"),
        ("in_progress", "in_progress", "en curso", "en curso"),
        ("done", "done", "hecha", "hecha"),
        ("dropped", "dropped", "se dejó", "se dejó"),
    ]
    # The action itself: pending, and past its deadline of 15 March 2025.
    card = page[page.index('class="action-card') :]
    assert 'aria-label="Estado: pendiente"' in card[: card.index("</article>")]
    assert 'class="action-status is-overdue"' in card[: card.index("</article>")]


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
        f"/integridad/acompanamiento/{session.pk}/acciones/{item.pk}/",
    ]

    assert [tesorera.get(url).status_code for url in pages] == [404] * 4
    assert [tesorera.post(url, {}).status_code for url in forms] == [404] * 4
    assert [reader.get(url).status_code for url in pages] == [200] * 4
    assert [reader.post(url, {}).status_code for url in forms] == [403] * 4
    assert reader.get(forms[3]).status_code == 403
    item.refresh_from_db()
    assert item.status == "pending" and not CoachingAnswer.objects.filter(item=item).exists()
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


# Statuses for people who read little; the road map read aloud -----------------------------------
def test_the_status_badge_is_one_include_with_icon_word_and_label():
    def badge(value, **options) -> str:
        template = Template(
            "{% load integrity_followup %}{% action_status value overdue=overdue %}"
        )
        return template.render(Context({"value": value, "overdue": options.get("overdue")}))

    icons = set()
    for status, word in [
        ("pending", "pendiente"),
        ("in_progress", "en curso"),
        ("done", "hecha"),
        ("dropped", "se dejó"),
    ]:
        shown = badge(status)
        assert f'class="action-status is-{status}" role="img"' in shown
        assert f'aria-label="Estado: {word}"' in shown
        assert text_of(shown) == word
        icon = re.search(r"<svg[^>]*aria-hidden=\"true\"[^>]*>(.*?)</svg>", shown).group(1)
        icons.add(icon)
        assert "vencida" not in shown
    # Four statuses, four shapes: a black and white photocopy still tells them apart.
    assert len(icons) == 4

    late = badge("in_progress", overdue=True)
    assert text_of(late) == "en curso vencida"
    assert 'class="action-status is-overdue"' in late and 'aria-label="Vencida' in late
    assert text_of(badge("overdue")) == "vencida"


def test_an_action_badge_says_overdue_by_itself_only_while_it_is_open(db):
    cycle = make_cycle(make_committee("Comité de los estados"), workshop_on=D(2025, 1, 10))
    fees = assess(cycle, "R01", 3, 3, 1)
    late = plan_action(fees, D(2025, 3, 15), "Talonario")
    done = plan_action(fees, D(2025, 3, 15), "Corte", status="done", done_on=D(2025, 3, 1))
    template = Template("{% load integrity_followup %}{% action_status item %}")
    assert text_of(template.render(Context({"item": late}))) == "pendiente vencida"
    assert text_of(template.render(Context({"item": done}))) == "hecha"


def contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_status_colour_has_enough_contrast():
    css = (
        Path(__file__).resolve().parents[1] / "static" / "integrity" / "followup.css"
    ).read_text()
    found = re.findall(
        r"\.action-status\.is-(\w+)\{background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})\}", css
    )
    rules = {code: (background, colour) for code, background, colour in found}
    assert set(rules) == {"pending", "in_progress", "done", "dropped", "overdue"}
    for code, (background, colour) in rules.items():
        assert contrast(colour, background) >= 4.5, code


def test_the_road_map_read_aloud_in_short_sentences(tesorera, plan):
    cycle, _receipts, _count, register = plan
    RoadmapItem.objects.filter(pk=register.pk).update(
        status="dropped", dropped_reason="La asamblea prefirió el buzón."
    )
    page = tesorera.get(f"/integridad/ciclos/{cycle.pk}/hoja-de-ruta/en-voz-alta/")
    shown = text(page)

    assert page.status_code == 200
    assert "<table" not in page.content.decode()
    assert "De 3 acciones, van 1 hechas." in shown
    first = shown.index("Problema 1: Cuotas cobradas que no se anotan o no se depositan.")
    second = shown.index("Problema 2:")
    assert first < shown.index("Acción: Comprar talonario de recibos foliados.") < second
    assert (
        "Acción: Comprar talonario de recibos foliados. La hace: Tesorería. "
        "Para el 15 de marzo de 2025. Va: pendiente . Ya pasó su fecha y no está hecha." in shown
    )
    assert "Acción: Corte de caja entre dos personas cada mes." in shown
    assert "Va: hecha , desde el 20 de abril de 2025." in shown
    # Its reason ended with a period already: the sentence has one.
    assert "Va: se dejó . La razón: La asamblea prefirió el buzón." in shown
    assert "buzón.." not in shown and "1 ya pasó su fecha y no está hecha." in shown
    # The word beside each status, and the icon that goes with it.
    assert 'aria-label="Estado: en curso"' not in page.content.decode()
    assert page.content.decode().count('class="action-status is-') == 3


def test_the_read_aloud_page_is_only_for_those_who_may_see_the_cycle(tesorera, ong, client):
    other = make_cycle(
        ong_other_committee(), workshop_on=D(2025, 2, 1), stage=Cycle.Stage.IMPLEMENTATION
    )
    plan_action(assess(other, "R01", 3, 3, 1), D(2025, 6, 1), "Cuenta en la caja popular")
    url = f"/integridad/ciclos/{other.pk}/hoja-de-ruta/en-voz-alta/"

    assert "Acción: Cuenta en la caja popular." in text(ong.get(url))
    assert tesorera.get(url).status_code == 404
    signed_out = client.get(url)
    assert signed_out.status_code == 302 and "/entrar/" in signed_out["Location"]
