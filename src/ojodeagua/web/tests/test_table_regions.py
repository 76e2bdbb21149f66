"""Wide tables scroll sideways inside a region a keyboard can reach: each sits in a
``table-wrap`` that takes the focus (``tabindex="0"``), is a named region, and so scrolls with
the arrow keys. Printed sheets and two-column figure tables are exempt."""

import re
from pathlib import Path

import ojodeagua

ROOT = Path(ojodeagua.__file__).parent
WRAP = '<div class="table-wrap" tabindex="0" role="region" aria-label="'
# Printed sheets do not scroll; the public figures are label-and-amount pairs that fit a phone.
EXEMPT = ("/print/", "books/public/_figures.html")


def templates():
    for path in sorted(ROOT.glob("*/templates/**/*.html")):
        if not any(part in path.as_posix() for part in EXEMPT):
            yield path, path.read_text()


def test_every_table_wrap_is_a_named_focusable_region():
    bare = [
        f"{path.relative_to(ROOT)}: {line.strip()[:80]}"
        for path, text in templates()
        for line in text.splitlines()
        if 'class="table-wrap"' in line and WRAP not in line
    ]
    assert bare == []


def test_every_table_on_screen_sits_in_a_table_wrap():
    unwrapped = []
    for path, text in templates():
        for match in re.finditer(r"<table\b", text):
            before = text[: match.start()]
            opened = before.rfind('class="table-wrap"')
            closed = before.rfind("</table></div>")
            if opened == -1 or closed > opened:
                unwrapped.append(f"{path.relative_to(ROOT)} at {match.start()}")
    assert unwrapped == []
