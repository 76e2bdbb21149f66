"""The phones' OpenRosa requests answered before the site's page middleware.

A phone's request carries no session, cookie or form token and gets XML back, so sessions,
language negotiation, CSRF, messages, the content security policy and sign-in lockouts have
nothing to do with it; at hundreds of submissions a second their work is most of a request's.
This middleware sits after the security middleware (the HTTPS redirect still applies: the
phone's address holds its key) and the body-size check, checks the host as Django would, and
hands ``/odk/…`` straight to its view. Any other path goes on down the chain.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

URLCONF = "ojodeagua.fieldcollection.odk_urls"
PREFIX = "/odk/"


class OpenRosaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        request.get_host()  # an unlisted host is refused here too (DisallowedHost: 400)
        try:
            match = resolve(request.path_info, urlconf=URLCONF)
        except Resolver404:
            return self.get_response(request)
        request.resolver_match = match
        return match.func(request, *match.args, **match.kwargs)
