"""The English catalogue is complete and keeps every placeholder of the Spanish source."""

from pathlib import Path

from babel.messages.checkers import python_format
from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_string_has_an_english_translation_with_the_same_placeholders():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    missing, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            missing.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
        python_format(catalogue, message)  # raises TranslationError on a placeholder mismatch
    assert not missing, missing
    assert not fuzzy, fuzzy
