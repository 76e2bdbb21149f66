"""Whose address a request came from, the one answer for sign-in lockouts and rate limits."""

from django.conf import settings


def client_address(request) -> str | None:
    """The address a request came from.

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


def rate_limit_key(group: str, request) -> str:
    """django-ratelimit's key: the client's address as ``client_address`` reads it."""
    return client_address(request) or "unknown"
