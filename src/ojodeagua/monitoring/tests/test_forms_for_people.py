"""What the entry forms say to the person filling them: every yes/no answered on purpose, a
heading that names the record, no notes meant for developers."""

import re

import pytest

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.monitoring.models import InstitutionSurvey, SchoolSurvey
from ojodeagua.organisations.models import Membership
from ojodeagua.watersystems.models import WaterSystem

pytestmark = pytest.mark.django_db


def h1(page: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)).strip()


@pytest.mark.parametrize(
    "address", ["/encuestas/escuelas/nueva/", "/encuestas/centros-de-salud/nueva/"]
)
def test_survey_questions_are_yes_or_no_with_nothing_chosen_beforehand(agencia, address):
    page = agencia.get(address).content.decode()
    for name in InstitutionSurvey.ANSWER_FIELDS:
        assert f'name="{name}" value="True"' in page and f'name="{name}" value="False"' in page
        assert not re.search(rf'type="checkbox" name="{name}"', page), name
    assert " checked" not in page  # "El agua está dentro del plantel" is not ticked for her
    assert "<legend>El agua está dentro del " in page  # a question, not a box to tick


def test_an_unanswered_question_is_refused_not_saved_as_no(agencia):
    school = School.objects.filter(locality__municipality__key="07012").first()
    before = SchoolSurvey.objects.count()
    answers = dict.fromkeys(InstitutionSurvey.ANSWER_FIELDS, "False")
    del answers["handwashing_soap"]
    response = agencia.post(
        "/encuestas/escuelas/nueva/",
        {"school": school.pk, "observed_on": "2026-11-12", "source": "visit", **answers},
    )
    assert response.status_code == 400
    assert "Conteste esta pregunta: sí o no." in response.content.decode()
    assert SchoolSurvey.objects.count() == before


def test_a_no_chosen_is_saved_as_no(agencia):
    centre = HealthCentre.objects.get(locality__municipality__key="07012")
    answers = dict.fromkeys(InstitutionSurvey.ANSWER_FIELDS, "True")
    answers["water_on_premises"] = "False"
    response = agencia.post(
        "/encuestas/centros-de-salud/nueva/",
        {"health_centre": centre.pk, "observed_on": "2026-11-12", "source": "visit", **answers},
    )
    assert response.status_code == 302
    survey = centre.surveys.latest("pk")
    assert survey.water_on_premises is False and survey.handwashing_soap is True


@pytest.mark.parametrize(
    ("address", "heading"),
    [
        ("/encuestas/escuelas/nueva/", "Nuevo registro: Encuesta de agua y saneamiento en escuela"),
        ("/encuestas/hogares/nueva/", "Nuevo registro: Encuesta"),
        ("/localidades/nuevo/", "Agregar localidad"),
        ("/sistemas/nuevo/", "Agregar sistema"),
    ],
)
def test_create_pages_name_the_record_in_their_heading(agencia, address, heading):
    response = agencia.get(address)
    assert response.status_code == 200
    page = response.content.decode()
    assert h1(page).startswith(heading), h1(page)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert not title.startswith(("Agregar ·", "Nuevo registro:  ·")), title


def test_the_visit_form_has_no_note_for_developers(ong):
    provider_ids = Membership.objects.get(user__username="ong").providers.values("pk")
    system = WaterSystem.objects.filter(provider__in=provider_ids, kind="gravity").first()
    page = ong.get("/visitas/nueva/", {"system": system.pk}).content.decode()
    assert "Inspección sanitaria" in page
    assert "a cotejar" not in page and "no son de la OMS" not in page
