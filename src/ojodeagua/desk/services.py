"""The desk's one writer: the agency sets its priority weights, audited."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ojodeagua.audit import trail
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Municipality

from .models import DEFAULT_WEIGHT, Factor, PriorityWeight

HIGHEST_WEIGHT = Decimal(10)


def may_weigh(user, municipality: Municipality) -> bool:
    """Coordinators who may change the municipality's records set its weights."""
    scope = scope_for(user)
    return scope.is_coordinator and (
        scope.everything or municipality.pk in scope.edit.municipality_ids
    )


def clean_weights(raw: dict[str, object]) -> dict[str, Decimal]:
    """Each factor's weight from what a form or the API sent, or a Spanish error per factor."""
    weights: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    for factor in Factor:
        text = str(raw.get(factor.value, "")).strip().replace(",", ".")
        try:
            weight = Decimal(text).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            errors[factor.value] = _("Escriba un número de 0 a 10 para «%(f)s».") % {
                "f": factor.label
            }
            continue
        if not Decimal(0) <= weight <= HIGHEST_WEIGHT:
            errors[factor.value] = _("El peso de «%(f)s» va de 0 a 10.") % {"f": factor.label}
            continue
        weights[factor.value] = weight
    if not errors and not any(weights.values()):
        errors["__all__"] = _("Al menos un factor debe pesar más de 0.")
    if errors:
        raise ValidationError(errors)
    return weights


def set_weights(actor, municipality: Municipality, raw: dict[str, object]) -> dict[str, Decimal]:
    """Keep the municipality's weights; each change is in the audit trail."""
    if not may_weigh(actor, municipality):
        raise PermissionDenied
    weights = clean_weights(raw)
    with transaction.atomic():
        for factor, weight in weights.items():
            row = (
                PriorityWeight.objects.select_for_update()
                .filter(municipality=municipality, factor=factor)
                .first()
            ) or PriorityWeight(municipality=municipality, factor=factor)
            # Unchanged (a factor without a row weighs the default): nothing to write.
            if (row.weight if row.pk is not None else DEFAULT_WEIGHT) == weight:
                continue
            row.weight = weight
            trail.save_audited(actor, row, row.save)
    return weights
