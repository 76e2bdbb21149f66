"""Small real files for tests that attach evidence: a photo and a one-page PDF, made on the spot."""

import io

from PIL import Image
from pypdf import PdfWriter


def photo(kind: str = "PNG", size: tuple[int, int] = (24, 16), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, kind, **save)
    return out.getvalue()


def pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=72 * 8.5, height=72 * 11)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PNG = photo("PNG")
JPEG = photo("JPEG")
PDF = pdf()
