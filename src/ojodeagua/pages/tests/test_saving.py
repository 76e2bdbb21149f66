"""The registry's one audited save: kept only where its editor may still edit the record."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from ojodeagua.audit.models import AuditEvent
from ojodeagua.audit.trail import save_audited
from ojodeagua.organisations.models import Membership
from ojodeagua.pages.saving import OUTSIDE_AREA, save_in_area
from ojodeagua.places.models import Municipality
from ojodeagua.watersystems.models import WaterSystem


@pytest.mark.django_db
def test_a_record_moved_out_of_the_editors_area_is_not_saved():
    facilitator = User.objects.get(username="ong")
    providers = Membership.objects.get(user__username="ong").providers.all()
    system = WaterSystem.objects.filter(provider__in=providers).first()
    kept_name, kept_municipality = system.name, system.municipality_id

    system.name = "Nombre corregido"
    save_in_area(facilitator, lambda: save_audited(facilitator, system, system.save))
    system.municipality = Municipality.objects.get(key="07061")
    system.provider = None
    with pytest.raises(PermissionDenied) as refused:
        save_in_area(facilitator, lambda: save_audited(facilitator, system, system.save))

    assert str(refused.value) == str(OUTSIDE_AREA)
    stored = WaterSystem.objects.get(pk=system.pk)
    assert stored.name == "Nombre corregido" and stored.name != kept_name
    assert stored.municipality_id == kept_municipality
    updates = AuditEvent.objects.filter(
        content_type__model="watersystem", object_id=str(system.pk), action="update"
    )
    assert updates.count() == 1
