"""Attached evidence is read whole: a file that only starts like a photo or a PDF is refused."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ojodeagua.lib.tests.files import JPEG, PDF, PNG, photo
from ojodeagua.lib.uploads import checked_evidence


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    "name, content",
    [
        ("recibo.jpg", b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>"),
        ("recibo.png", b"\x89PNG\r\n\x1a\n" + b"<html><body>hola</body></html>"),
        ("acta.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>"),
        ("foto.webp", b"RIFF\x00\x00\x00\x00WEBP" + b"<html></html>"),
    ],
)
def test_a_file_that_only_starts_like_evidence_is_refused(name, content):
    with pytest.raises(ValidationError, match="No se pudo leer"):
        checked_evidence(upload(name, content))


def test_what_is_neither_photo_nor_pdf_is_refused_by_its_first_bytes():
    with pytest.raises(ValidationError, match="Solo se aceptan fotos"):
        checked_evidence(upload("hoja.png", b"<html></html>"))


def test_a_photo_is_drawn_again_without_what_follows_it_nor_the_cameras_notes():
    exif = Image.Exif()
    exif[0x010F] = "Teléfono de Rosa"  # Make
    tagged = photo("JPEG", size=(40, 20), exif=exif.tobytes())
    hidden = tagged + b"<html><script>alert(1)</script></html>"
    kept = checked_evidence(upload("Rosa Gómez.jpg", hidden))
    stored = kept.read()
    assert b"<html>" not in stored and "Rosa" not in kept.name
    assert kept.name.endswith(".jpg")
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (40, 20)
        assert 0x010F not in image.getexif()


def test_a_photo_claiming_too_many_pixels_is_refused_before_it_is_drawn():
    huge = photo("PNG", size=(8000, 6000))
    with pytest.raises(ValidationError, match="No se pudo leer esta foto"):
        checked_evidence(upload("plano.png", huge))


def test_real_photos_and_a_real_pdf_pass():
    for name, content in (("a.png", PNG), ("b.jpeg", JPEG), ("c.pdf", PDF)):
        kept = checked_evidence(upload(name, content))
        assert kept.name.endswith(name.rsplit(".", 1)[1])
    assert checked_evidence(upload("c.pdf", PDF)).read() == PDF
