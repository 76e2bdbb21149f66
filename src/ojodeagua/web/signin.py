"""Sign-in lockout hooks for django-axes: whose address a try came from, and the Spanish page a
locked-out account or address sees."""

from django.conf import settings
from django.shortcuts import render


def client_address(request) -> str | None:
    """The address a sign-in came from.

    Behind the TLS proxy (``BEHIND_TLS_PROXY``) every request comes from the proxy, so the last
    address of ``X-Forwarded-For`` is read: the one the proxy itself added. Addresses before it
    are whatever the client wrote, and trusting them would let anyone pick their own address.
    """
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        if forwarded and forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


def locked_out(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "web/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
