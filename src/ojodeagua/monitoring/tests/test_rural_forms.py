"""Issue 12: inspection forms for the supplies of rural Chiapas, with the project's own bands,
offered on the page, the API and the import, and never presented as WHO's."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from ojodeagua.imports.engine import run_import
from ojodeagua.monitoring.import_spec import import_specs
from ojodeagua.monitoring.models import InspectionForm, SystemVisit
from ojodeagua.monitoring.tests.test_pages import facilitated_system, visit_data
from ojodeagua.monitoring.tests.who_claims import page_text, who_claims
from ojodeagua.monitoring.views import inspection_forms_for

migration = importlib.import_module("ojodeagua.monitoring.migrations.0005_rural_inspection_forms")
pytestmark = pytest.mark.django_db

RURAL = {
    "pozo-bomba-manual": ["point"],
    "pozo-bomba-motor": ["pumped"],
    "pozo-excavado": ["point"],
    "toma-arroyo": ["gravity"],
    "punto-cloracion": [],
    "almacenamiento-hogar": ["household"],
}
NOTE = (
    "Propuesta de Ojo de Agua basada en los formularios de inspección sanitaria de la OMS de "
    "1997; a cotejar con los paquetes de 2024"
)


def bands(form: InspectionForm) -> list[tuple[int, int, str]]:
    return [(b.min_score, b.max_score, b.risk) for b in form.bands.all()]


def test_every_rural_supply_has_a_yes_no_form_with_bands_that_cover_each_score():
    for code, kinds in RURAL.items():
        form = InspectionForm.objects.get(code=code)
        questions = list(form.questions.all())
        assert 8 <= len(questions) <= 11, code
        assert [q.number for q in questions] == list(range(1, len(questions) + 1))
        assert all(q.text.startswith("¿") and q.text.endswith("?") for q in questions), code
        assert form.system_kinds == kinds
        assert NOTE in form.source_note
        scores = [score for low, high, _risk in bands(form) for score in range(low, high + 1)]
        assert scores == list(range(len(questions) + 1)), code
        assert [risk for *_scores, risk in bands(form)] == [
            "low",
            "intermediate",
            "high",
            "very_high",
        ]


def test_the_bands_change_at_their_edges():
    ten = InspectionForm.objects.get(code="toma-arroyo")
    assert [ten.band_for(s).risk for s in (0, 2, 3, 5, 6, 8, 9, 10)] == [
        "low",
        "low",
        "intermediate",
        "intermediate",
        "high",
        "high",
        "very_high",
        "very_high",
    ]
    eleven = InspectionForm.objects.get(code="pozo-bomba-manual")
    assert eleven.questions.count() == 11
    assert [eleven.band_for(s).risk for s in (2, 3, 6, 7, 9, 10, 11)] == [
        "low",
        "intermediate",
        "intermediate",
        "high",
        "high",
        "very_high",
        "very_high",
    ]
    assert eleven.band_for(12) is None


def test_no_form_says_its_questions_or_bands_are_whos():
    for form in InspectionForm.objects.all():
        assert who_claims(form.source_note) == [], form.code
        assert form.source_note == migration.SOURCE_NOTE, form.code
    assert who_claims(migration.OLD_SOURCE_NOTE), "the old note named WHO without saying no"


def test_the_migration_runs_again_without_duplicates_and_leaves_used_forms_alone():
    form = InspectionForm.objects.get(code="pozo-excavado")
    question = form.questions.get(number=1)
    system = facilitated_system()
    visit = SystemVisit.objects.filter(system=system).first()
    visit.inspection_form = form
    visit.save(update_fields=["inspection_form"])
    question.text = "¿Hay una letrina a menos de 15 m del pozo?"
    question.save()
    InspectionForm.objects.filter(code="red-y-tomas").update(source_note=migration.OLD_SOURCE_NOTE)
    stream = InspectionForm.objects.get(code="toma-arroyo")
    stream.questions.filter(number=1).update(text="texto cambiado")

    migration.seed(apps, None)
    migration.seed(apps, None)

    assert form.questions.count() == 10 and form.bands.count() == 4
    assert form.questions.get(number=1).text == "¿Hay una letrina a menos de 15 m del pozo?"
    assert InspectionForm.objects.filter(code__in=RURAL).count() == len(RURAL)
    assert InspectionForm.objects.get(code="red-y-tomas").source_note == migration.SOURCE_NOTE
    # A form no visit has used yet comes back to the seeded words.
    assert (
        stream.questions.get(number=1).text
        == "¿Hay casas, letrinas o corrales río arriba de la toma?"
    )
    assert stream.questions.count() == 10 and len(bands(stream)) == 4


def test_each_system_kind_is_offered_its_rural_forms():
    assert [f.code for f in inspection_forms_for("point")] == [
        "manantial",
        "pozo-bomba-manual",
        "pozo-excavado",
    ]
    assert [f.code for f in inspection_forms_for("gravity")] == ["red-y-tomas", "toma-arroyo"]
    assert "pozo-bomba-motor" in [f.code for f in inspection_forms_for("pumped")]
    assert [f.code for f in inspection_forms_for("household")] == ["almacenamiento-hogar"]
    assert inspection_forms_for("kiosk") == []


def test_a_visit_is_recorded_with_the_chlorination_point_form(ong):
    system = facilitated_system()
    page = ong.get("/visitas/nueva/", {"system": system.pk})
    text = page.content.decode()
    for code in RURAL:
        assert f"formulario={code}" in text, code
    chosen = ong.get("/visitas/nueva/", {"system": system.pk, "formulario": "punto-cloracion"})
    chosen_text = page_text(chosen.content)
    # The note on where the questions come from is for reviewers: on the visit's page, not
    # on the form the facilitator fills in (issue 15).
    assert "Punto de cloración" in chosen_text and NOTE not in chosen_text
    assert who_claims(chosen.content) == []

    form = InspectionForm.objects.get(code="punto-cloracion")
    data = {k: v for k, v in visit_data(system, hazards=0).items() if not k.startswith("question_")}
    for question in form.questions.all():
        data[f"question_{question.pk}"] = "True" if question.number <= 6 else "False"
    response = ong.post(f"/visitas/nueva/?system={system.pk}&formulario=punto-cloracion", data)

    visit = SystemVisit.objects.filter(system=system).latest("pk")
    assert response.status_code == 302
    assert visit.inspection_form == form
    assert (visit.inspection_score, visit.inspection_risk) == (6, "high")
    detail = ong.get(visit.get_absolute_url())
    assert "Riesgo sanitario alto" in page_text(detail.content)
    assert NOTE in page_text(detail.content)
    assert who_claims(detail.content) == []


def test_the_api_and_the_import_take_the_new_forms():
    system = facilitated_system()
    form = InspectionForm.objects.get(code="almacenamiento-hogar")
    questions = list(form.questions.order_by("number"))
    client = APIClient()
    client.force_authenticate(User.objects.get(username="ong"))
    response = client.post(
        "/api/v1/system-visits/",
        {
            "record_id": "visita-hogar",
            "observed_on": "2023-04-10",
            "source": "visit",
            "system": system.pk,
            "working": True,
            "inspection_form": form.pk,
            "inspection_answers": [{"question": q.pk, "hazard": q.number <= 3} for q in questions],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["inspection_score"], response.json()["inspection_risk"]) == (
        3,
        "intermediate",
    )

    csv = (
        "record_id,observed_on,system_id,working,inspection_form,"
        "inspection_q1,inspection_q2,inspection_q3\n"
        f"v-pozo,2024-06-10,{system.pk},sí,pozo-bomba-manual,si,si,no\n"
    ).encode()
    result = run_import(import_specs()["visits"], csv, user=User.objects.get(username="ong"))
    assert result.rejected == [] and result.created == 1
    visit = SystemVisit.objects.get(record_id="v-pozo")
    assert visit.inspection_form.code == "pozo-bomba-manual"
    assert (visit.inspection_score, visit.inspection_risk) == (2, "low")

    unknown = csv.replace(b"pozo-bomba-manual", b"pozo-inventado").replace(b"v-pozo", b"v-x")
    refused = run_import(import_specs()["visits"], unknown, user=User.objects.get(username="ong"))
    assert refused.created == 0 and refused.rejected
