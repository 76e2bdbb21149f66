"""Every aria-describedby and aria-labelledby on the pages names an element that is there.

A field's help text is its description for a screen reader: Django points the input at
``<id>_helptext``, so the templates that show help text must give it that id. The test walks
each persona's pages from the home page, one page per kind of address.
"""

import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from ojodeagua.conftest import login_client

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/[^"#]*)"')
REFERENCES = re.compile(r'aria-(?:describedby|labelledby)="([^"]*)"')
IDS = re.compile(r'\sid="([^"]+)"')
SKIP = re.compile(r"^/(salir|admin|i18n|api|static|media)/|\.(csv|xlsx|pdf|json|zip)$")


def kind_of_address(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def walk(client, limit: int) -> tuple[int, dict[str, list[str]]]:
    """How many pages were read, and the missing ids by page, for up to ``limit`` kinds of
    page reachable from the home page."""
    seen: set[str] = set()
    queue = deque(["/"])
    read = 0
    missing: dict[str, list[str]] = {}
    while queue and len(seen) < limit:
        url = queue.popleft()
        path = urlsplit(url).path
        if kind_of_address(path) in seen or SKIP.search(path):
            continue
        seen.add(kind_of_address(path))
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        read += 1
        page = response.content.decode()
        ids = set(IDS.findall(page))
        absent = [
            ref for refs in REFERENCES.findall(page) for ref in refs.split() if ref not in ids
        ]
        if absent:
            missing[path] = sorted(set(absent))
        queue.extend(HREF.findall(page.replace("&amp;", "&")))
    return read, missing


@pytest.mark.parametrize("username", ["tesorera", "ong", "agencia"])
def test_every_description_a_field_points_to_is_on_the_page(username):
    read, missing = walk(login_client(username), limit=160)
    assert read >= 40
    assert missing == {}
