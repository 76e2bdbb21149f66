"""The files a committee may attach (photos and PDFs): their kinds, their size, and a check that
reads the whole file.

Shared by the integrity follow-up's evidence and the books' receipts, which accept the same files
through ``checked_evidence``. A photo is drawn again before it is kept: what is stored is an image
the server made (nothing hidden after it), and the camera's notes inside it (where the photo was
taken, which phone) are left out. A PDF is read page by page.
"""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# A photo of a receipt needs far less; a small file claiming more pixels is a trap.
MAX_EVIDENCE_PIXELS = 40_000_000
MAX_PDF_PAGES = 200
# Extension → (content type, how the file starts). Only photos and PDFs: a browser or a
# phone opens them safely, and they are what committees have (a photo of a receipt, a scan).
EVIDENCE_KINDS = {
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "webp": ("image/webp", (b"RIFF",)),
    "pdf": ("application/pdf", (b"%PDF-",)),
}
# How a photo of each kind is written again.
SAVED_AS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


def evidence_extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def looks_like(upload, extension: str) -> bool:
    """The file's first bytes match what its name says it is."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    starts = EVIDENCE_KINDS[extension][1]
    if not any(head.startswith(start) for start in starts):
        return False
    return extension != "webp" or head[8:12] == b"WEBP"


def not_evidence() -> ValidationError:
    return ValidationError(
        _(
            "Solo se aceptan fotos (JPG, PNG o WebP) y documentos PDF, y este archivo no es "
            "uno de ellos. Tome una foto del papel o guárdelo como PDF y súbalo otra vez."
        ),
        code="not_evidence",
    )


def damaged(extension: str) -> ValidationError:
    if extension == "pdf":
        message = _(
            "No se pudo leer este PDF completo: está dañado o no es un PDF. Guárdelo otra vez "
            "como PDF (o tome una foto del papel) y súbalo."
        )
    else:
        message = _(
            "No se pudo leer esta foto completa: está dañada o no es una foto. Tómela otra vez "
            "y súbala."
        )
    return ValidationError(message, code="damaged")


def checked_evidence(upload):
    """A photo (JPG, PNG, WebP) or a PDF, read whole, up to the size limit; what is kept gets a
    random name, because the phone's name for it may carry a person's name."""
    if not upload:
        return upload
    extension = evidence_extension(upload.name)
    if extension not in EVIDENCE_KINDS or not looks_like(upload, extension):
        raise not_evidence()
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _(
                "El archivo pesa %(size)s MB y el límite es 5 MB. Tome la foto con menos "
                "resolución o reduzca el PDF y súbalo otra vez."
            )
            % {"size": f"{upload.size / 1024 / 1024:.1f}"},
            code="too_big",
        )
    name = f"{uuid.uuid4().hex}.{extension}"
    if extension == "pdf":
        check_pdf(upload)
        upload.seek(0)
        upload.name = name
        return upload
    return SimpleUploadedFile(name, redrawn_photo(upload, extension), EVIDENCE_KINDS[extension][0])


def check_pdf(upload) -> None:
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=True)
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PDF_PAGES:
            raise damaged("pdf")
        for page in reader.pages:
            page.mediabox  # noqa: B018 (reading each page's box walks the whole page tree)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise damaged("pdf") from None


def redrawn_photo(upload, extension: str) -> bytes:
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            if probe.width * probe.height > MAX_EVIDENCE_PIXELS:
                raise damaged(extension)
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as photo:
            photo.load()
            # Turned as the camera said, before its notes are left out.
            upright = ImageOps.exif_transpose(photo)
            kind = SAVED_AS[extension]
            if kind == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            options = {"quality": 85} if kind in ("JPEG", "WEBP") else {"optimize": True}
            upright.save(out, kind, **options)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise damaged(extension) from None
    return out.getvalue()
