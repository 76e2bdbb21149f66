"""The trail's stored changes as a person reads them: the field's name in words, a choice's label,
"Sí" or "No", whatever the model.

The trail keeps raw JSON (``paid_from: bank``); the model, when it still exists, says what
each field and value mean.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def _value(field: models.Field | None, value: Any) -> Any:
    if field is None or value is None or value == "":
        return value
    if isinstance(field, models.BooleanField):
        return _("Sí") if value else _("No")
    if field.choices:
        labels = {str(key): label for key, label in field.flatchoices}
        if isinstance(value, list):
            return ", ".join(str(labels.get(str(item), item)) for item in value)
        return labels.get(str(value), value)
    return value


def readable_changes(
    model: type[models.Model] | None, changes: dict[str, Any], *, update: bool
) -> list[tuple[str, Any]]:
    """(label, value) for a creation, (label, [before, after]) for an update; fields the model
    no longer has, or a model that no longer exists, keep their stored name and value."""
    readable = []
    for name, change in changes.items():
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
        label = capfirst(str(field.verbose_name)) if field is not None else name
        if update and isinstance(change, list) and len(change) == 2:
            shown = [_value(field, change[0]), _value(field, change[1])]
        else:
            shown = _value(field, change)
        readable.append((label, shown))
    return readable
