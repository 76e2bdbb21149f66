"""Files built to stall a worker are refused within seconds, with what to fix, on every page.

Each bomb is uploaded on the page that imports it while another request is answered; the
upload must end with a clear Spanish error within 5 s, and the other page must answer as usual.
"""

import functools
import sqlite3
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from ojodeagua.books.tests.factories import treasurers_new_committee

from .bombs import csv_bomb, dimension_bomb, rows_bomb

SECONDS_ALLOWED = 5.0
PADRON_COLUMNS = ("numero", "nombre", "localidad")
SUPPLY_COLUMNS = ("record_id", "observed_on", "system_id", "hours")


@functools.cache
def bomb(kind: str, columns: tuple[str, ...]) -> tuple[str, bytes]:
    """(file name, bytes): built once per run, the zip bomb takes a few seconds to compress."""
    if kind == "dimension":
        return "datos.xlsx", dimension_bomb(columns)
    if kind == "rows":
        return "datos.xlsx", rows_bomb(columns)
    return "datos.csv", csv_bomb(columns)


def copied_to_file(tmp_path) -> str | None:
    """The committed test database copied to a file, for threads to use it as production does.

    On SQLite the test database lives in memory with a shared cache, where a reader fails at
    once while another connection writes; a file with the production settings (WAL) does not.
    """
    if connection.vendor != "sqlite":
        return None
    path = tmp_path / "limits.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return str(path)


def logged_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def in_thread(database: str | None, work) -> dict:
    """Run ``work()`` on its own connection; the dict gets its answer and how long it took."""
    outcome: dict = {}

    def run():
        if database is not None:
            here = connections["default"]
            here.settings_dict = {**here.settings_dict, "NAME": database}
        started = time.perf_counter()
        try:
            outcome["answer"] = work()
        except Exception as error:  # reported by the test
            outcome["error"] = error
        finally:
            outcome["seconds"] = time.perf_counter() - started
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    outcome["thread"] = thread
    thread.start()
    return outcome


def upload_while_browsing(database, upload, browse) -> tuple[dict, list[dict]]:
    """Start the upload, and meanwhile load another page until it ends (at most 15 s)."""
    uploading = in_thread(database, upload)
    pages = []
    give_up = time.perf_counter() + 15
    while True:
        page = in_thread(database, browse)
        page["thread"].join(timeout=15)
        pages.append(page)
        if not uploading["thread"].is_alive() or time.perf_counter() > give_up:
            break
    uploading["thread"].join(timeout=max(give_up - time.perf_counter(), 0.1))
    return uploading, pages


def assert_refused_quickly_while_other_pages_answer(uploading, pages, message: str) -> None:
    assert not uploading["thread"].is_alive(), "the upload was still being read after 15 s"
    assert "error" not in uploading, uploading.get("error")
    assert uploading["seconds"] < SECONDS_ALLOWED, f"refused after {uploading['seconds']:.1f} s"
    page = uploading["answer"].content.decode()
    assert message in page
    for other in pages:
        assert "error" not in other, other.get("error")
        assert other["answer"].status_code == 200
        assert other["seconds"] < SECONDS_ALLOWED


@pytest.fixture
def committee(demo):
    return treasurers_new_committee()


BOMBS = [
    ("dimension", "La hoja tiene datos en la fila 1,048,576"),
    ("rows", "ocupa más de 30 MB al descomprimirla"),
    ("csv", "El archivo tiene más de 20,000 filas de datos"),
]


@pytest.mark.parametrize("kind,message", BOMBS)
def test_a_bomb_on_the_padron_page_is_refused_within_seconds(committee, tmp_path, kind, message):
    treasurer, browsing = logged_in("tesorera"), logged_in("tesorera")
    name, data = bomb(kind, PADRON_COLUMNS)
    if kind == "csv":
        data = data[: 9 * 1024 * 1024]  # quicker to send, still far more rows than allowed
    url = reverse("books:padron_import", args=[committee.pk])
    other_page = reverse("books:padron", args=[committee.pk])

    def upload():
        return treasurer.post(url, {"file": SimpleUploadedFile(name, data), "dry_run": "on"})

    uploading, pages = upload_while_browsing(
        copied_to_file(tmp_path), upload, lambda: browsing.get(other_page)
    )
    assert_refused_quickly_while_other_pages_answer(uploading, pages, message)
    assert uploading["answer"].status_code == 400


@pytest.mark.parametrize("kind,message", BOMBS)
def test_a_bomb_on_the_observations_page_is_refused_within_seconds(demo, tmp_path, kind, message):
    facilitator, browsing = logged_in("ong"), logged_in("ong")
    name, data = bomb(kind, SUPPLY_COLUMNS)

    def upload():
        return facilitator.post(
            "/importar/", {"kind": "supply-days", "file": SimpleUploadedFile(name, data)}
        )

    uploading, pages = upload_while_browsing(
        copied_to_file(tmp_path), upload, lambda: browsing.get(reverse("home"))
    )
    assert_refused_quickly_while_other_pages_answer(uploading, pages, message)


def test_both_import_pages_state_their_limits_and_refuse_a_larger_file(committee, settings):
    """What the page takes is said before the upload, in the same figures that refuse it."""
    settings.IMPORT_LIMITS = {**settings.IMPORT_LIMITS, "megabytes": 1}
    pages = [
        (logged_in("tesorera"), reverse("books:padron_import", args=[committee.pk]), {}),
        (logged_in("ong"), "/importar/", {"kind": "supply-days"}),
    ]
    for client, url, fields in pages:
        page = client.get(url).content.decode()
        assert "de hasta 20,000 filas y 1 MB" in page, url
        big = SimpleUploadedFile("datos.csv", b"record_id\n" + b"x" * (1024 * 1024 + 1))
        refused = client.post(url, {**fields, "file": big, "dry_run": "on"})
        assert "El archivo pesa más de 1 MB" in refused.content.decode(), url
