"""Client-made record ids, so a form or an outbox that sends the same record twice is recognised."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_record_id() -> str:
    return str(uuid.uuid4())


def record_id_field() -> models.CharField:
    """Set by the phone, the spreadsheet or the form when it is first shown; unique."""
    return models.CharField(
        _("identificador del registro"),
        max_length=64,
        unique=True,
        default=new_record_id,
        help_text=_("Lo pone el teléfono o la hoja de cálculo; una reimportación lo reconoce."),
    )
