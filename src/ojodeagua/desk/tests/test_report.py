"""The report for the council: it renders as a PDF of a few pages with the desk's figures."""

import io
import re

import pytest
from django.contrib.auth.models import User
from pypdf import PdfReader

from ojodeagua.organisations.models import Membership

from .factories import build

pytestmark = pytest.mark.django_db


def pdf_text(response) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text)


def test_the_council_report_has_its_parts_and_the_hand_computed_figures(agencia):
    hand = build()
    Membership.objects.get(user=User.objects.get(username="agencia")).municipalities.add(
        hand.municipality
    )
    desk = agencia.get(f"/mesa/{hand.municipality.pk}/")
    assert "Informe para el cabildo" in desk.content.decode()
    page = agencia.get(f"/mesa/{hand.municipality.pk}/informe/")
    assert page.status_code == 200
    assert page.content.decode().count("<circle") == 4 + 5  # 4 localities, 5 legend swatches

    response = agencia.get(f"/mesa/{hand.municipality.pk}/informe.pdf")
    assert response["Content-Type"] == "application/pdf"
    pages, text = pdf_text(response)
    assert 2 <= pages <= 6
    assert "El agua en Municipio a mano: informe para el cabildo" in text
    assert "1,400 de 2,000 personas no reciben agua confiable y segura" in text
    # The causes as computed by hand (test_causes.py), and the share works cannot fix.
    assert "infraestructura descompuesta 400 1" in text
    assert "operación: cloro, pruebas, registros, tandeo * 400 1" in text
    assert "ningún sistema registrado los sirve 325" in text
    assert "Al menos 450 personas (32 por ciento" in text
    # The official record against what people get, each figure traceable to its page.
    assert "con un sistema en el registro oficial" in text
    assert f"/mesa/{hand.municipality.pk}/" in text
    # Priorities: the pump comes first with equal weights.
    assert "Sistema S2 (equipo): 400 personas sin agua confiable y segura" in text


def test_only_those_who_see_the_municipality_whole_get_the_report(tesorera, ong):
    from ojodeagua.places.models import Municipality

    pk = Municipality.objects.get(key="07012").pk
    for client in (tesorera, ong):
        assert client.get(f"/mesa/{pk}/informe/").status_code == 404
        assert client.get(f"/mesa/{pk}/informe.pdf").status_code == 404
