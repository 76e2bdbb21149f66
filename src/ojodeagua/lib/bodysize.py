"""Refuse a request whose body is too large before any of it is read.

Django reads a whole upload before a form can say it is too big: a 2 GB file would be written to
disk first. A request that announces a larger body than any page takes (``MAX_REQUEST_BYTES``)
gets a 413 at once. A front server should refuse them even earlier (the README's nginx line).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class RequestBodySizeMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        announced = request.META.get("CONTENT_LENGTH") or "0"
        try:
            size = int(announced)
        except ValueError:
            size = 0
        if size > settings.MAX_REQUEST_BYTES:
            html = render_to_string(
                "413.html", {"megabytes": settings.MAX_REQUEST_BYTES // (1024 * 1024)}
            )
            return HttpResponse(html, status=413)
        return self.get_response(request)
