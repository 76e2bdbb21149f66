"""The one key that names what an offline draft or a waiting save is about (``ojodeagua/draft.js``).

A phone keeps what was typed and the saves that found no signal under this key. It is built from
the record a form concerns (a cycle, a risk, a participant, a payment's connection…), never from
the form's place on the page, so a save made on one risk's page is never replayed into, or
restored over, another risk's form that happens to have the same id.
"""

import re

UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def part(value) -> str:
    """A piece of a key: no separators or spaces, so two records never share a key."""
    return UNSAFE.sub("_", str(value))


def outbox_key(scope: str, **about) -> str:
    """``outbox_key("integrity", cycle=4, risk="R01", participant=9)`` →
    ``integrity:cycle-4:risk-R01:participant-9``; the order of ``about`` is kept."""
    pieces = [part(scope)]
    pieces += [f"{part(name)}-{part(value)}" for name, value in about.items()]
    return ":".join(pieces)
