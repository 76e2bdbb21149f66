"""What ends a person's device keys wherever it happens: a new password (on the team page, in the
admin, by ``changepassword``), a deactivated account, or the end of her last access.

Signals rather than one service, because passwords and accounts are changed by Django's own admin
and commands too, and a key that outlives a password reset is the hole this closes.
"""

from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from . import tokens
from .models import ApiToken, Membership

_PENDING = "_ojodeagua_keys_end"


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="ojodeagua_user_keys_pre")
def note_what_ends_keys(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or instance.pk is None or instance._state.adding:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # a sign-in saving last_login, say
    stored = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    if stored["is_active"] and not instance.is_active:
        setattr(instance, _PENDING, ApiToken.Ending.ACCOUNT)
    elif instance.password != stored["password"] and (
        # set_password() leaves the new password in _password until the save; Django clears
        # it first when it only rehashes the same password at sign-in.
        getattr(instance, "_password", None) is not None
        or (is_password_usable(stored["password"]) and not is_password_usable(instance.password))
    ):
        setattr(instance, _PENDING, ApiToken.Ending.PASSWORD)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="ojodeagua_user_keys_post")
def end_keys_of_changed_account(sender, instance, raw=False, **kwargs) -> None:
    ending = instance.__dict__.pop(_PENDING, None)
    if ending and not raw:
        tokens.revoke_all(instance, ending)


@receiver(post_save, sender=Membership, dispatch_uid="ojodeagua_membership_keys")
def end_keys_when_last_access_ends(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.active:
        return
    person = instance.user
    if not person.is_superuser and not person.memberships.filter(active=True).exists():
        tokens.revoke_all(person, ApiToken.Ending.ACCESS)
