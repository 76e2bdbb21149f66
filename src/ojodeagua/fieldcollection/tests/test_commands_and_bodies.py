"""Setting phones up from the command line, and the bodies phones send in chunks."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from ojodeagua.fieldcollection.models import Submission
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.organisations.models import ApiToken
from ojodeagua.wsgi import application

from .instances import instance_xml, new_instance_id
from .test_openrosa import editable_system, week

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("collector", *args, stdout=out)
    return out.getvalue().strip()


def test_a_phone_set_up_from_the_command_line_works_until_it_is_revoked():
    url = run("create", "tesorera", "Teléfono de Rosa", "--url", "http://agua.example.org/")
    assert re.fullmatch(r"http://agua\.example\.org/odk/oda_[A-Za-z0-9_-]+", url)
    key = url.rsplit("/", 1)[1]
    client = Client()
    assert client.head(f"/odk/{key}/submission").status_code == 204
    token = ApiToken.objects.get(name="Teléfono de Rosa")
    assert token.user.username == "tesorera"
    assert "Retirada" in run("revoke", url + "/")
    assert client.head(f"/odk/{key}/submission").status_code == 401
    assert "ya estaba retirada" in run("revoke", key)
    with pytest.raises(CommandError):
        run("revoke", "oda_not-a-key")
    with pytest.raises(CommandError):
        run("create", "nobody", "Teléfono")


def test_remap_processes_what_arrived_but_was_not_processed():
    url = run("create", "tesorera", "Teléfono de Rosa")
    key = url.rsplit("/", 1)[1]
    token = ApiToken.objects.get(name="Teléfono de Rosa")
    instance_id = new_instance_id()
    xml = instance_xml(
        "ojodeagua_suministro", week(editable_system("tesorera")), instance_id=instance_id
    )
    Submission.objects.create(
        instance_id=instance_id,
        root_instance_id=instance_id,
        form_id="ojodeagua_suministro",
        xml=xml.decode(),
        digest="x",
        collector=token.user,
        phone=token,
    )
    assert key
    assert run("remap") == "Envíos procesados: 1"
    assert Submission.objects.get().state == Submission.State.ACCEPTED
    assert SupplyDay.objects.filter(record_id__startswith=instance_id).count() == 3


def wsgi_post(path: str, body: bytes, content_type: str, **environ) -> tuple[str, bytes]:
    statuses = []
    base = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": content_type,
        **environ,
    }
    # As Django's test client does: the request's start and end must not close the test's
    # database connection, which holds its transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = application(base, lambda status, headers, *rest: statuses.append(status))
        return statuses[0], b"".join(chunks)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def multipart(xml: bytes) -> tuple[bytes, str]:
    boundary = "phoneBoundary42"
    body = (
        (
            f"--{boundary}\r\n"
            "Content-Disposition: form-data; "
            'name="xml_submission_file"; filename="submission.xml"\r\n'
            "Content-Type: text/xml\r\n\r\n"
        ).encode()
        + xml
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_chunked_submission_arrives_whole_through_the_wsgi_application(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    key = run("create", "tesorera", "Teléfono").rsplit("/", 1)[1]
    instance_id = new_instance_id()
    xml = instance_xml(
        "ojodeagua_suministro", week(editable_system("tesorera")), instance_id=instance_id
    )
    body, content_type = multipart(xml)
    # As Gunicorn hands it over: the chunks joined, no Content-Length, and it says so.
    status, answer = wsgi_post(
        f"/odk/{key}/submission",
        body,
        content_type,
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )
    assert status.startswith("201"), answer
    assert Submission.objects.get().xml.encode() == xml


def test_a_chunked_body_larger_than_the_site_takes_is_refused_unread(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.MAX_REQUEST_BYTES = 1000
    key = run("create", "tesorera", "Teléfono").rsplit("/", 1)[1]
    body, content_type = multipart(b"<data>" + b"x" * 5000 + b"</data>")
    status, _answer = wsgi_post(
        f"/odk/{key}/submission",
        body,
        content_type,
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )
    assert status.startswith("413")
    assert not Submission.objects.exists()


def test_no_log_line_holds_a_phones_key(caplog, settings):
    import logging

    from ojodeagua.lib.requestlog import DeviceKeyFilter

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.MAX_REQUEST_BYTES = 1000
    key = run("create", "tesorera", "Teléfono").rsplit("/", 1)[1]
    caplog.handler.addFilter(DeviceKeyFilter())
    with caplog.at_level(logging.WARNING):
        body, content_type = multipart(b"<data>" + b"x" * 5000 + b"</data>")
        wsgi_post(f"/odk/{key}/submission", body, content_type)
    assert "Bad Request: /odk/oda_…/submission" in caplog.text
    assert key not in caplog.text
    # The site's own log handler masks them so.
    assert "device_keys" in settings.LOGGING["handlers"]["console"]["filters"]
