"""Write audit events; every change to the registry goes through here."""

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.forms import BaseFormSet, ModelForm

from .models import AuditEvent


def plain(value: Any) -> Any:
    """A value as JSON can hold it: dates, decimals and rows become text."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, decimal.Decimal | datetime.date | datetime.datetime):
        return str(value)
    if isinstance(value, FieldFile):
        # A stored file is named, never read into the trail (it is iterable by lines).
        return value.name or ""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | dict):
        return [plain(item) for item in value]
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The editable field values of a row, as JSON-friendly text."""
    values = {}
    for field in instance._meta.concrete_fields:
        if not field.editable or field.primary_key:
            continue
        values[field.name] = plain(getattr(instance, field.name))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def record(
    actor,
    action: str,
    instance: models.Model,
    changes: dict[str, Any] | None = None,
    *,
    scope: tuple[int | None, int | None] | None = None,
) -> AuditEvent:
    municipality_id, provider_id = scope or instance.audit_scope()  # type: ignore[attr-defined]
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=getattr(actor, "username", None) or "sistema",
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        changes=changes or {},
        municipality_id=municipality_id,
        provider_id=provider_id,
    )


def record_created(actor, instances: list[models.Model]) -> list[AuditEvent]:
    """Record the creation of many rows (just inserted in bulk) with one insert."""
    if not instances:
        return []
    content_type = ContentType.objects.get_for_model(type(instances[0]))
    who = actor if actor is not None and actor.is_authenticated else None
    label = getattr(actor, "username", None) or "sistema"
    events = []
    for instance in instances:
        municipality_id, provider_id = instance.audit_scope()  # type: ignore[attr-defined]
        events.append(
            AuditEvent(
                actor=who,
                actor_label=label,
                action=AuditEvent.Action.CREATE,
                content_type=content_type,
                object_id=str(instance.pk),
                object_repr=str(instance)[:300],
                changes=snapshot(instance),
                municipality_id=municipality_id,
                provider_id=provider_id,
            )
        )
    return AuditEvent.objects.bulk_create(events)


def save_audited(actor, instance: models.Model, save) -> models.Model:
    """Run ``save()`` and record a create or an update with the fields that changed."""
    creating = instance._state.adding or instance.pk is None
    before: dict[str, Any] = {}
    if not creating:
        stored = type(instance)._default_manager.filter(pk=instance.pk).first()
        before = snapshot(stored) if stored else {}
    saved = save()
    saved = saved if isinstance(saved, models.Model) else instance
    after = snapshot(saved)
    if creating:
        record(actor, AuditEvent.Action.CREATE, saved, after)
    elif changes := diff(before, after):
        record(actor, AuditEvent.Action.UPDATE, saved, changes)
    return saved


def save_form_audited(actor, form: ModelForm, formsets: Iterable[BaseFormSet] = ()):
    """Save a model form and its inline formsets, recording every row that changed."""
    instance = save_audited(actor, form.instance, form.save)
    for formset in formsets:
        formset.instance = instance
        for child_form in formset.forms:
            if not child_form.has_changed() or child_form in formset.deleted_forms:
                continue
            setattr(child_form.instance, formset.fk.name, instance)
            save_audited(actor, child_form.instance, child_form.save)
    return instance
