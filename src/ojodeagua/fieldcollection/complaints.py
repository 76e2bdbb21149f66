"""The complaint form of the phone: its questions, from the register's own fields, and how a
submission becomes a complaint in the committee's register (``integrity.register``).

Complaints have no import file, so the form's columns are made here with the importer's own
column reading (``field_column``: the model's types, choices and lengths); the register's
``file_complaint`` is the one way a complaint is written, from the pages, the API and here.
"""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.imports.columns import Choice, Column, Reference, RowError, field_column
from ojodeagua.integrity import register
from ojodeagua.integrity.models import Complaint
from ojodeagua.lib.records import RecordConflict
from ojodeagua.organisations.scope import scope_for
from ojodeagua.providers.models import Provider

KIND = "complaint"


class ComplaintColumns:
    """What the phone asks of a complaint; shaped like an import spec for ``xlsforms``."""

    kind = KIND

    def columns_for(self, header: Sequence[str] = ()) -> list[Column]:
        channels = [(c, label) for c, label in Complaint.Channel.choices if c != "public_form"]
        return [
            Column(
                "provider_id",
                Reference(Provider, whole=True, label=gettext_lazy("comité")),
                field="provider",
                required=True,
                description=gettext_lazy("Comité que debe atender la queja"),
            ),
            field_column(Complaint, "received_on", required=True),
            field_column(Complaint, "channel", parser=Choice(channels)),
            field_column(Complaint, "what"),
            field_column(Complaint, "where"),
            field_column(
                Complaint,
                "reported_by",
                hint=gettext_lazy("Solo si la persona está de acuerdo; puede quedar vacío."),
            ),
        ]


COLUMNS = ComplaintColumns()


def file_from_answers(answers: dict[str, str], record_id: str, user, *, edit: bool) -> None:
    """File (or, for an edit of the same instance, correct) the complaint the answers give.
    Raises ``RowError`` with what to fix."""
    values: dict[str, Any] = {}
    errors = []
    for column in COLUMNS.columns_for():
        text = answers.get(column.name, "")
        if not text:
            if column.required:
                errors.append(
                    _("la columna %(column)s está vacía y es obligatoria") % {"column": column.name}
                )
            continue
        try:
            values[column.field or column.name] = column.parse(text)
        except RowError as error:
            errors.append(str(error))
    if errors:
        raise RowError("; ".join(errors))
    provider = scope_for(user).editable(Provider.objects.filter(pk=values.pop("provider"))).first()
    if provider is None:
        raise RowError(
            Reference(Provider, label=gettext_lazy("comité")).not_found(
                "provider_id", answers.get("provider_id")
            )
        )
    fields = {
        "received_on": values["received_on"],
        "what": values.get("what", ""),
        "channel": values.get("channel", Complaint.Channel.IN_PERSON),
        "where": values.get("where", ""),
        "reported_by": values.get("reported_by", ""),
    }
    try:
        with transaction.atomic():
            try:
                register.file_complaint(provider, record_id=record_id, actor=user, **fields)
            except RecordConflict:
                if not edit:
                    raise
                # The phone's edit of the complaint it sent: corrected, as on its page.
                stored = Complaint.objects.get(record_id=record_id, provider=provider)
                register.correct_complaint(stored, user, **fields)
    except RecordConflict as error:
        raise RowError(error.messages[0]) from error
    except ValidationError as error:
        raise RowError(" ".join(error.messages)) from error
    except PermissionDenied as error:
        raise RowError(str(error) or _("Usted no puede anotar quejas de este comité.")) from error
