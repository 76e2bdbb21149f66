"""The one audited save of registry records (places, providers, systems, facilities, members).

The registry's pages (``EntityPages``) and the API's viewsets (``api.base.ScopedViewSet``)
both save through ``save_in_area``: the caller's audited write, refused as a whole when the
record would end up where its editor may no longer edit it.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext_lazy

from ojodeagua.organisations.scope import scope_for

OUTSIDE_AREA = gettext_lazy("El registro quedaría fuera de su área.")


def save_in_area(user, write: Callable[[], models.Model]) -> models.Model:
    """Run ``write`` (an audited save that returns the record) and keep it only if ``user``
    may still edit the record: a user may only create or move a record to where they can
    still edit it. Raises ``PermissionDenied`` (nothing saved) otherwise."""
    with transaction.atomic():
        saved = write()
        if not scope_for(user).can_edit(saved):
            raise PermissionDenied(OUTSIDE_AREA)
    return saved
