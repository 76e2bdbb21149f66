"""The files a committee may attach (photos and PDFs): their kinds, their size, their first bytes.

Shared by the integrity follow-up's evidence and the books' receipts, which accept the same files.
"""

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# Extension → (content type, how the file starts). Only photos and PDFs: a browser or a
# phone opens them safely, and they are what committees have (a photo of a receipt, a scan).
EVIDENCE_KINDS = {
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "webp": ("image/webp", (b"RIFF",)),
    "pdf": ("application/pdf", (b"%PDF-",)),
}


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
