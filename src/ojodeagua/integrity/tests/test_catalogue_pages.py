"""Coordinators copy a published catalogue, edit the draft and publish; others only read."""

import pytest

from ojodeagua.audit.models import AuditEvent
from ojodeagua.integrity.models import CatalogueVersion, Cycle, Risk, Signal


@pytest.fixture
def published(db) -> CatalogueVersion:
    return CatalogueVersion.current()


def copy_of(agencia, published) -> CatalogueVersion:
    response = agencia.post(f"/integridad/catalogo/{published.pk}/copiar/", {"name": "Versión 2"})
    draft = CatalogueVersion.objects.get(name="Versión 2")
    assert response.status_code == 302
    assert response["Location"] == f"/integridad/catalogo/{draft.pk}/"
    return draft


def test_everyone_reads_the_catalogue_but_only_coordinators_copy_it(ong, tesorera, published):
    page = tesorera.get(f"/integridad/catalogo/{published.pk}/")
    assert page.status_code == 200
    assert published.risks.get(code="R01").title in page.content.decode()
    assert "Copiar para cambiarla" not in page.content.decode()
    versions = CatalogueVersion.objects.count()
    assert ong.post(f"/integridad/catalogo/{published.pk}/copiar/").status_code == 403
    # The seed and the versions integrity migrations 0009 and 0011 published; no copy was made.
    assert CatalogueVersion.objects.count() == versions == 3


def test_a_coordinator_edits_a_draft_and_publishes_it(agencia, published):
    draft = copy_of(agencia, published)
    assert draft.risks.count() == published.risks.count()
    risk = draft.risks.get(code="R06")
    form = {
        "title": "Cloración que no se hace o se anota sin hacerse",
        "process": risk.process_id,
        "type": "practice",
        "driver": "both",
        "red_flags": "Bitácora llenada de una sola vez\n\nSin compras de cloro",
        "description": "",
        "tools": [t.pk for t in risk.tools.all()],
        "signals": ["no_chlorine_reading_30_days", "complaints_overdue"],
        "provider_kinds": ["committee", "kiosk"],
    }
    response = agencia.post(f"/integridad/catalogo/{draft.pk}/riesgos/{risk.pk}/", form)
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.title == form["title"]
    assert risk.provider_kinds == ["committee", "kiosk"]
    assert risk.red_flags == ["Bitácora llenada de una sola vez", "Sin compras de cloro"]
    assert set(risk.signals.values_list("check_code", flat=True)) == {
        "no_chlorine_reading_30_days",
        "complaints_overdue",
    }
    # The published original keeps its wording.
    original = published.risks.get(code="R06")
    assert original.title != form["title"]
    assert list(original.signals.values_list("check_code", flat=True)) == [
        "no_chlorine_reading_30_days"
    ]
    assert AuditEvent.objects.filter(object_repr__contains="Cloración que no se hace").exists()

    response = agencia.post(f"/integridad/catalogo/{draft.pk}/publicar/")
    assert response.status_code == 302
    assert CatalogueVersion.current() == draft
    # Published: no more edits.
    assert (
        agencia.post(f"/integridad/catalogo/{draft.pk}/riesgos/{risk.pk}/", form).status_code == 403
    )


def test_codes_stay_fixed_and_unique_within_a_draft(agencia, published):
    draft = copy_of(agencia, published)
    response = agencia.post(
        f"/integridad/catalogo/{draft.pk}/herramientas/nuevo/",
        {"code": draft.tools.first().code, "name": "Otra", "description": ""},
    )
    assert response.status_code == 200
    assert "Ya hay una entrada con ese código en esta versión." in response.content.decode()
    tool = draft.tools.first()
    agencia.post(
        f"/integridad/catalogo/{draft.pk}/herramientas/{tool.pk}/",
        {"code": "otro-codigo", "name": "Nombre nuevo", "description": ""},
    )
    tool.refresh_from_db()
    assert (tool.code, tool.name) != ("otro-codigo", "Nombre nuevo")
    assert tool.name == "Nombre nuevo"


def test_a_scale_whose_bands_leave_scores_out_is_refused(agencia, published):
    draft = copy_of(agencia, published)
    response = agencia.post(
        f"/integridad/catalogo/{draft.pk}/escalas/nuevo/",
        {
            "code": "2x2",
            "name": "Dos por dos",
            "likelihood": '[{"value": 1, "label": "baja"}, {"value": 2, "label": "alta"}]',
            "impact": '[{"value": 1, "label": "menor"}, {"value": 2, "label": "mayor"}]',
            "bands": '[{"min": 1, "max": 2, "code": "low", "label": "bajo"}]',
        },
    )
    assert response.status_code == 200
    assert "Ninguna banda cubre estos puntajes: 4." in response.content.decode()
    response = agencia.post(
        f"/integridad/catalogo/{draft.pk}/escalas/nuevo/",
        {"code": "2x2", "name": "Dos", "likelihood": "[{", "impact": "[]", "bands": "[]"},
    )
    assert "No se entiende el texto" in response.content.decode()
    assert not draft.scales.filter(code="2x2").exists()


def test_a_draft_without_a_default_scale_cannot_be_published(agencia, published):
    draft = copy_of(agencia, published)
    default = draft.scales.get(is_default=True)
    agencia.post(f"/integridad/catalogo/{draft.pk}/escalas/{default.pk}/quitar/")
    response = agencia.post(f"/integridad/catalogo/{draft.pk}/publicar/", follow=True)
    assert "exactamente una escala marcada como escala por omisión" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published


def test_removing_a_risk_from_a_draft_takes_its_signals_along(agencia, published):
    draft = copy_of(agencia, published)
    risk = draft.risks.get(code="R11")
    agencia.post(f"/integridad/catalogo/{draft.pk}/riesgos/{risk.pk}/quitar/")
    assert not Risk.objects.filter(pk=risk.pk).exists()
    assert not Signal.objects.filter(risk_id=risk.pk).exists()
    assert published.risks.filter(code="R11").exists()


def test_the_version_page_tells_how_many_cycles_use_it_without_contradicting_itself(
    agencia, published
):
    in_use = Cycle.objects.filter(catalogue=published).count()
    assert in_use > 1  # the demo's cycles
    page = agencia.get(f"/integridad/catalogo/{published.pk}/").content.decode()
    assert f"La usan {in_use} ciclos." in page
    draft = copy_of(agencia, published)
    page = agencia.get(f"/integridad/catalogo/{draft.pk}/").content.decode()
    # A draft is used by no cycle, and says so once: not also "La usan 0 ciclos".
    assert "Ningún ciclo la usa hasta que se publique." in page
    assert "0 ciclos" not in page
    agencia.post(f"/integridad/catalogo/{draft.pk}/publicar/")
    page = agencia.get(f"/integridad/catalogo/{draft.pk}/").content.decode()
    assert "Todavía ningún ciclo la usa." in page
    assert "0 ciclos" not in page


def test_an_indicator_numbered_with_a_dot_is_edited_in_a_draft(agencia, published):
    draft = copy_of(agencia, published)
    indicator = draft.scorecard_indicators.get(code="P1.1")
    response = agencia.post(
        f"/integridad/catalogo/{draft.pk}/indicadores/{indicator.pk}/",
        {
            "principle": indicator.principle_id,
            "name": "Compromiso escrito del comité",
            "descriptor_1": indicator.descriptor_1,
            "descriptor_3": indicator.descriptor_3,
            "descriptor_5": indicator.descriptor_5,
            "provider_kinds": indicator.provider_kinds,
        },
    )
    assert response.status_code == 302, response.content.decode()
    indicator.refresh_from_db()
    assert (indicator.code, indicator.name) == ("P1.1", "Compromiso escrito del comité")
    response = agencia.post(
        f"/integridad/catalogo/{draft.pk}/indicadores/nuevo/",
        {
            "code": "P1 .2",
            "principle": indicator.principle_id,
            "name": "Otro",
            "descriptor_1": "a",
            "descriptor_3": "b",
            "descriptor_5": "c",
            "provider_kinds": ["committee"],
        },
    )
    assert response.status_code == 200
    assert "Use solo letras sin acentos, números, puntos" in response.content.decode()
