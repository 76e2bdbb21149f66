"""Device keys for the API: made, checked and withdrawn only here, each change in the audit trail.

A key is ``oda_`` and 32 random bytes (256 bits) in URL-safe base64. Only its SHA-256 hash is
stored, and the key is shown once, when it is made. A key this long cannot be guessed, so a slow
password hash would add nothing; and trying keys one by one against the API (one chance in 2**256
each) is out of reach, so keys need no lockout as passwords do at sign-in.

A key stops working when it expires, when its owner or a coordinator who manages the owner
withdraws it, and when the owner's password changes or their account or last access ends
(``signals.py``). Whoever presents a dead key is told, in Spanish, why.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent

from .coordination import managed_people
from .models import ApiToken
from .scope import scope_for

KEY_PREFIX = "oda_"
KEY_BYTES = 32
LIFETIME_CHOICES_DAYS = (30, 90, 180, 365)
DEFAULT_LIFETIME_DAYS = 90
# A key's last use is written at most this often, so a phone sending a day's records does not
# write a row per request.
LAST_USE_PRECISION = timedelta(minutes=5)

Ending = ApiToken.Ending


class TokenRefused(Exception):
    """A key that does not open the API; ``message`` says why, for the person holding it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IssuedToken:
    """A key just made: ``key`` is the only time anyone sees it."""

    token: ApiToken
    key: str


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def may_issue_for(actor, owner) -> bool:
    """A person makes her own keys; a coordinator also makes them for the people she manages
    (a collector's phone, set up in one scan)."""
    if actor.pk == owner.pk:
        return True
    scope = scope_for(actor)
    return scope.everything or managed_people(actor, scope).filter(pk=owner.pk).exists()


@transaction.atomic
def issue(
    owner, name: str, *, lifetime_days: int = DEFAULT_LIFETIME_DAYS, actor=None
) -> IssuedToken:
    """Make a key for ``owner``, by herself or a coordinator who manages her (``actor``); the
    ``api-token`` and ``collector`` commands, run by whoever runs the server, make them with
    no actor."""
    if actor is not None and not may_issue_for(actor, owner):
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError(_("Dé un nombre a la clave para reconocerla después."))
    if not 1 <= lifetime_days <= max(LIFETIME_CHOICES_DAYS):
        raise ValidationError(
            _("Una clave dura entre 1 y %(days)s días.") % {"days": max(LIFETIME_CHOICES_DAYS)}
        )
    if not owner.is_active:
        raise ValidationError(_("La cuenta está desactivada; no puede tener claves."))
    key = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=owner,
        name=name,
        prefix=key[: len(KEY_PREFIX) + 4],
        digest=digest_of(key),
        created_at=now,
        created_by=actor,
        expires_at=now + timedelta(days=lifetime_days),
    )
    trail.record(
        actor,
        AuditEvent.Action.CREATE,
        token,
        {
            "persona": owner.username,
            "nombre": token.name,
            "comienza con": token.prefix,
            "vence": trail.plain(token.expires_at),
        },
    )
    return IssuedToken(token, key)


def authenticate(key: str) -> ApiToken:
    """The live key ``key`` is, with its owner; ``TokenRefused`` otherwise."""
    # No ordering: one row by a unique key, looked up on every request of a phone or program.
    token = next(
        iter(ApiToken.objects.select_related("user").filter(digest=digest_of(key)).order_by()[:1]),
        None,
    )
    if token is None:
        raise TokenRefused(_("La clave de API no es válida."))
    if token.revoked_at is not None:
        raise TokenRefused(
            _(
                "Esta clave de API ya no sirve: %(why)s. Cree una nueva en «Mis dispositivos» "
                "y póngala en el dispositivo."
            )
            % {"why": token.get_ending_display() or _("se retiró")}
        )
    now = timezone.now()
    if token.expires_at <= now:
        raise TokenRefused(
            _(
                "Esta clave de API venció el %(day)s. Cree una nueva en «Mis dispositivos» "
                "y póngala en el dispositivo."
            )
            % {"day": formats.date_format(timezone.localtime(token.expires_at), "DATE_FORMAT")}
        )
    if not token.user.is_active:
        raise TokenRefused(_("La cuenta de esta clave de API está desactivada."))
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_managed_by(actor) -> QuerySet[ApiToken]:
    """The keys of the people a coordinator manages (none for anyone else)."""
    return ApiToken.objects.filter(user__in=managed_people(actor, scope_for(actor))).select_related(
        "user"
    )


def may_revoke(actor, token: ApiToken) -> bool:
    if not actor.is_authenticated or not actor.is_active:
        return False
    return token.user_id == actor.pk or tokens_managed_by(actor).filter(pk=token.pk).exists()


@transaction.atomic
def revoke(token: ApiToken, actor) -> bool:
    """Withdraw one key, by its owner or a coordinator who manages her; False if it was
    already withdrawn."""
    if not may_revoke(actor, token):
        raise PermissionDenied
    ending = Ending.OWNER if token.user_id == actor.pk else Ending.COORDINATOR
    return _end(ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True), ending, actor) == 1


@transaction.atomic
def withdraw_by_operator(token: ApiToken) -> bool:
    """Withdraw one key by whoever runs the server (``ojodeagua collector revoke``); False if
    it was already withdrawn."""
    return (
        _end(
            ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True), Ending.COORDINATOR, None
        )
        == 1
    )


@transaction.atomic
def revoke_all(owner, ending: str, actor=None) -> int:
    """Withdraw every live key of ``owner``: her password changed, or her account or last
    access ended. The caller has already decided that it must be so."""
    return _end(ApiToken.objects.live().filter(user=owner), ending, actor)


def _end(tokens: QuerySet[ApiToken], ending: str, actor) -> int:
    now = timezone.now()
    by = actor if actor is not None and actor.is_authenticated else None
    ended = list(tokens.select_for_update().select_related("user"))
    for token in ended:
        token.revoked_at, token.revoked_by, token.ending = now, by, ending
        token.save(update_fields=["revoked_at", "revoked_by", "ending"])
        trail.record(
            actor,
            AuditEvent.Action.UPDATE,
            token,
            {"retirada": [None, trail.plain(now)], "por qué": [None, token.get_ending_display()]},
        )
    return len(ended)
