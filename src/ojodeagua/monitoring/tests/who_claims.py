"""Find words on a page that present the project's scales, bands or forms as WHO's (issue 12)."""

import html
import re

from django.utils.html import strip_tags

# The only ways a page may name WHO near a scale, a band or a form: what is taken from WHO,
# and what is not. The drinking-water guidelines are WHO's and may be named as such.
ALLOWED = [
    r"probabilidad según el plan de seguridad del agua de la OMS",
    r"probabilidad sigue el plan de seguridad del agua de la OMS",
    r"probabilidad del plan de seguridad del agua de la OMS",
    r"No es una escala de la OMS",
    r"basada en los formularios de inspección sanitaria de la OMS de 1997",
    r"no son de la OMS",
    r"Guías (de la )?OMS",
    # The JMP's ladders are WHO's and UNICEF's own.
    r"JMP \(OMS y UNICEF\)",
]


def page_text(content: bytes | str) -> str:
    text = content.decode() if isinstance(content, bytes) else content
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    return " ".join(html.unescape(strip_tags(text)).split())


def who_claims(content: bytes | str) -> list[str]:
    """Each mention of WHO (OMS) that is not one of the allowed phrases, with its context."""
    text = page_text(content)
    for phrase in ALLOWED:
        text = re.sub(phrase, "…", text, flags=re.I)
    return [text[max(0, m.start() - 60) : m.end() + 60] for m in re.finditer(r"\bOMS\b", text)]
