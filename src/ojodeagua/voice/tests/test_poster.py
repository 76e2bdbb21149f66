"""The poster for the community hall: one printed page per locality, kiosk and school, whose QR
code a phone reads back as the page's address."""

import io

import pypdfium2
import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def flores():
    return factories.build()


def decoded_qr(pdf: bytes) -> list[str]:
    """What a phone's camera would read off the printed page: drawn at 150 dpi and decoded."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=150 / 72).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_locality_poster_is_one_page_whose_qr_opens_the_page(flores):
    response = Client().get(reverse("voice:locality_poster_pdf", args=[factories.KEY]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert decoded_qr(pdf) == [f"http://testserver/agua/{factories.KEY}/"]
    text = pdf_text(pdf)
    assert "Las Flores" in text
    assert "E. coli" in text


@pytest.mark.parametrize("which", ["sistema", "escuela"])
def test_a_kiosk_or_school_poster_points_at_its_place_on_the_page(flores, which):
    pk = flores.kiosk.pk if which == "sistema" else flores.school.pk
    anchor = f"sistema-{pk}" if which == "sistema" else f"escuela-{pk}"
    url = reverse("voice:locality_poster_pdf", args=[factories.KEY])
    response = Client().get(url, {which: pk})
    assert response.status_code == 200
    assert decoded_qr(response.content) == [f"http://testserver/agua/{factories.KEY}/#{anchor}"]
    page = Client().get(reverse("voice:locality", args=[factories.KEY])).content.decode()
    assert f'id="{anchor}"' in page


def test_a_poster_for_a_place_of_another_locality_is_not_found(flores):
    url = reverse("voice:locality_poster_pdf", args=[factories.KEY])
    assert Client().get(url, {"sistema": 0}).status_code == 404


def test_posters_and_public_pages_carry_no_personal_names(flores):
    client = Client()
    pages = [
        reverse("voice:locality", args=[factories.KEY]),
        reverse("voice:complain", args=[factories.KEY]),
        reverse("voice:locality_poster", args=[factories.KEY]),
        reverse("voice:find") + "?q=Flores",
        reverse("voice:follow"),
        reverse("voice:rights"),
    ]
    texts = [client.get(url).content.decode() for url in pages]
    for which in ({}, {"sistema": flores.kiosk.pk}, {"escuela": flores.school.pk}):
        pdf = client.get(reverse("voice:locality_poster_pdf", args=[factories.KEY]), which)
        texts.append(pdf_text(pdf.content))
    for text in texts:
        for personal in factories.PERSONAL:
            assert personal not in text
