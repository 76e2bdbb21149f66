"""A body larger than any page takes is refused before a byte of it is read."""

import io

from django.test import Client, RequestFactory

from ojodeagua.lib.bodysize import RequestBodySizeMiddleware


class Unreadable(io.RawIOBase):
    """A request body that must never be read."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_an_announced_huge_body_gets_a_spanish_413_unread(settings):
    settings.MAX_REQUEST_BYTES = 1024 * 1024
    request = RequestFactory().post("/importar/", data=b"", content_type="text/csv")
    request.META["CONTENT_LENGTH"] = str(2 * 1024 * 1024 * 1024)
    request.META["wsgi.input"] = Unreadable()
    request._stream = Unreadable()

    def view(_request):
        raise AssertionError("the page was asked to read it")

    answer = RequestBodySizeMiddleware(view)(request)
    assert answer.status_code == 413
    page = answer.content.decode()
    assert "El archivo es demasiado grande" in page
    assert "más de 1 MB" in page


def test_the_whole_site_refuses_it_and_lets_a_normal_post_through(db, settings):
    settings.MAX_REQUEST_BYTES = 1024 * 1024
    client = Client()
    big = client.post(
        "/entrar/", {"username": "x"}, CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1)
    )
    assert big.status_code == 413
    normal = client.post("/entrar/", {"username": "nadie", "password": "x"})
    assert normal.status_code != 413
