"""Client-made record ids, so a form or an outbox that sends the same record twice is recognised.

A service that receives a record id it has stored before answers with the stored record when the
content is the same (a resend), or raises ``RecordConflict`` naming the fields that differ. Pages
show the conflict's message; the API turns it into a 409 (``api.base``).
"""

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def new_record_id() -> str:
    return str(uuid.uuid4())


def record_id_field() -> models.CharField:
    """Set by the phone, the spreadsheet or the form when it is first shown; unique."""
    return models.CharField(
        gettext_lazy("identificador del registro"),
        max_length=64,
        unique=True,
        default=new_record_id,
        help_text=gettext_lazy(
            "Lo pone el teléfono o la hoja de cálculo; una reimportación lo reconoce."
        ),
    )


def conflict_message(record_id: str) -> str:
    """What every way in says when a record id comes back with other content."""
    return _(
        "Ya existe un registro con el identificador «{record_id}» y su contenido es distinto. "
        "Si es otro registro, envíelo con un identificador nuevo."
    ).format(record_id=record_id)


class RecordConflict(ValidationError):
    """The same record id arrived again with different content: it is not a resend.

    ``fields`` names what differs (left empty when the stored record is not the sender's to
    see). ``message`` is the domain's own explanation when it has one (a payment names its
    receipt); otherwise the one shared sentence.
    """

    def __init__(
        self, record_id: str = "", fields: Iterable[str] = (), message: str | None = None
    ) -> None:
        self.record_id = record_id
        self.fields = list(fields)
        super().__init__(message or conflict_message(record_id), code="conflict")


def unavailable_message(record_id: str) -> str:
    """What every way in says of a record id taken by a record the sender may not see."""
    return _(
        "El identificador «{record_id}» no se puede usar para este registro. Envíe el "
        "registro con un identificador nuevo."
    ).format(record_id=record_id)


class RecordIdUnavailable(RecordConflict):
    """The record id belongs to a record the sender may not see.

    Raised only after everything else the sender wrote was checked, so that a request that
    would be refused anyway gets the same answer whether or not the id is taken elsewhere;
    and its words say neither whether nor where such a record exists. Pages show it like any
    conflict; the API answers it as a wrong ``record_id`` (400), not as a conflict (409).
    """

    def __init__(self, record_id: str = "") -> None:
        super().__init__(record_id, (), unavailable_message(record_id))


def differing_fields(stored: models.Model, candidate: models.Model, names: Iterable[str]) -> list:
    """The names among ``names`` whose stored value differs from the candidate's."""
    changed = []
    for name in names:
        attname = stored._meta.get_field(name).attname
        if getattr(stored, attname) != getattr(candidate, attname):
            changed.append(name)
    return changed
