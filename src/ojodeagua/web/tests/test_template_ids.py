"""Record ids written into pages are never localised: "1,234" breaks links, row ids and forms.

With USE_THOUSAND_SEPARATOR on, ``{{ row.pk }}`` renders 1,234 once ids pass 1,000, which a long
PostgreSQL run reaches and a fresh test database does not. So every template that writes an id
must write it with ``|unlocalize`` (or inside ``{% localize off %}``), and this test reads every
template to make sure; the second test shows the failure it prevents.
"""

import re
from pathlib import Path

from django.template import Context, Template
from django.test import override_settings

import ojodeagua

ROOT = Path(ojodeagua.__file__).parent
# {{ x.pk }}, {{ x.id }}, {{ x.provider_id }}, with or without other filters.
ID_VARIABLE = re.compile(r"\{\{\s*([\w.]*?(?:\.pk|\.id|_id))\s*(\|[^}]*)?\}\}")
# Text ids and form helpers that are not numbers.
NOT_NUMBERS = ("record_id", "id_for_label", "auto_id", "html_id")
LOCALIZE_OFF = re.compile(r"\{%\s*localize off\s*%\}(.*?)\{%\s*endlocalize\s*%\}", re.S)


def localised_ids(text: str) -> list[str]:
    text = LOCALIZE_OFF.sub("", text)
    found = []
    for match in ID_VARIABLE.finditer(text):
        name, filters = match.group(1), match.group(2) or ""
        if name.endswith(NOT_NUMBERS) or "unlocalize" in filters:
            continue
        found.append(match.group(0))
    return found


def test_no_template_writes_a_record_id_with_thousands_separators():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in sorted(ROOT.rglob("templates/**/*.html"))
        if (found := localised_ids(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "write these ids with |unlocalize: " + repr(offenders)


@override_settings(USE_THOUSAND_SEPARATOR=True, LANGUAGE_CODE="es-mx")
def test_the_check_catches_what_would_break():
    row = {"pk": 1234}
    broken = Template('<tr id="row-{{ row.pk }}">').render(Context({"row": row}))
    fixed = Template('{% load l10n %}<tr id="row-{{ row.pk|unlocalize }}">').render(
        Context({"row": row})
    )
    assert broken == '<tr id="row-1,234">'
    assert fixed == '<tr id="row-1234">'
    assert localised_ids('<tr id="row-{{ row.pk }}">') == ["{{ row.pk }}"]
    assert localised_ids('<a href="?p={{ x.provider_id|default:0 }}">') != []
    assert localised_ids("{% load l10n %}{{ x.pk|unlocalize }} {{ form.record_id }}") == []
    assert localised_ids("{% localize off %}{{ x.id }}{% endlocalize %}") == []
