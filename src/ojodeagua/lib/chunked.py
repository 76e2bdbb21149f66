"""Request bodies sent in chunks (``Transfer-Encoding: chunked``), made readable to Django.

The OpenRosa specification lets a phone send its submission in chunks, with no
``Content-Length``. Gunicorn joins the chunks as the body is read, but Django reads a body only
up to ``Content-Length`` (no header: nothing), so such a POST would arrive empty. This WSGI
wrapper reads the joined body first, up to one byte past the largest request the site takes,
and hands Django the body with its length; a larger one keeps the larger length, so the
body-size check refuses it as it refuses any other (``lib/bodysize.py``).
"""

import io
from collections.abc import Callable, Iterable

from django.conf import settings

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
READ_BLOCK = 64 * 1024


def accept_chunked_bodies(application: WSGIApp) -> WSGIApp:
    def wrapped(environ: dict, start_response: Callable) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        # Only a server that joins the chunks itself says so (Gunicorn does); Django's
        # development server does not, and its chunked bodies stay unread, as before.
        joined = environ.get("wsgi.input_terminated")
        if chunked and joined and not environ.get("CONTENT_LENGTH"):
            largest = settings.MAX_REQUEST_BYTES
            stream, body, size = environ["wsgi.input"], io.BytesIO(), 0
            while size <= largest:
                block = stream.read(min(READ_BLOCK, largest + 1 - size))
                if not block:
                    break
                body.write(block)
                size += len(block)
            body.seek(0)
            environ["wsgi.input"] = body
            environ["CONTENT_LENGTH"] = str(size)
        return application(environ, start_response)

    return wrapped
