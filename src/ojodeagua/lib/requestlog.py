"""One log line per request: method, path, status and how long the app took.

The path is ``request.path``, without the query string (a search for a person's name travels
there) and with any device key in it masked (a phone's address holds one); nothing of the body,
cookies, user or address is written. Records go to the ``ojodeagua.requests`` logger at INFO;
production settings print them as JSON (``lib/jsonlog.py``), and this is the site's access log.
"""

import logging
import re
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("ojodeagua.requests")

# A path or method longer than this is an attack or a mistake; a log line stays one line.
LONGEST = 300
# A device key in a path (a phone's OpenRosa address, /odk/<key>/…) is a password: never logged.
DEVICE_KEY = re.compile(r"oda_[A-Za-z0-9_-]+")


class RequestLogMiddleware:
    """Times the rest of the stack; a streamed download is timed until its first byte."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        if logger.isEnabledFor(logging.INFO):
            method = (request.method or "")[:LONGEST]
            path = DEVICE_KEY.sub("oda_…", request.path)[:LONGEST]
            logger.info(
                "%s %s %s",
                method,
                path,
                response.status_code,
                extra={
                    "method": method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response


class DeviceKeyFilter(logging.Filter):
    """Masks device keys in every log line (Django's own warnings name the request's path, and
    a phone's path holds its key); installed on the console handler in ``settings.LOGGING``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "oda_" in record.msg:
            record.msg = DEVICE_KEY.sub("oda_…", record.msg)
        if isinstance(record.args, tuple) and any(
            isinstance(arg, str) and "oda_" in arg for arg in record.args
        ):
            record.args = tuple(
                DEVICE_KEY.sub("oda_…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
