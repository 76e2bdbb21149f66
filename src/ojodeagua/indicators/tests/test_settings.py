"""The settings the definitions read: the contamination norm is data, chosen in the admin."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from ojodeagua.audit.models import AuditEvent
from ojodeagua.indicators.engine import loading
from ojodeagua.indicators.models import Setting


@pytest.mark.django_db
def test_the_contamination_norm_is_who_by_default_and_can_be_the_nom():
    row = Setting.objects.get(code="contamination_norm")  # seeded by migration 0006
    assert row.choice == "who"
    assert loading.contamination_norm() == "who"
    # A choice is not a threshold: it stays out of the numeric settings.
    assert "contamination_norm" not in loading.settings_values()
    row.choice = "nom127"
    row.save()
    assert loading.contamination_norm() == "nom127"
    # A row someone broke by hand falls back to WHO's values rather than to nothing.
    Setting.objects.filter(code="contamination_norm").update(choice="otra")
    assert loading.contamination_norm() == "who"
    Setting.objects.filter(code="contamination_norm").delete()
    assert loading.contamination_norm() == "who"


@pytest.mark.django_db
def test_only_the_known_norms_are_accepted():
    row = Setting.objects.get(code="contamination_norm")
    row.choice = "nom127"
    row.full_clean()
    row.choice = "oms"
    with pytest.raises(ValidationError, match="who, nom127"):
        row.full_clean()


@pytest.mark.django_db
def test_a_superuser_changes_the_norm_in_the_admin_and_it_is_audited():
    root = User.objects.create_superuser("raiz", password="x")
    client = Client()
    client.force_login(root)
    row = Setting.objects.get(code="contamination_norm")
    url = f"/admin/indicators/setting/{row.pk}/change/"
    assert client.get(url).status_code == 200
    data = {"value": "0", "choice": "nom127", "description": row.description}
    assert client.post(url, data).status_code == 302
    row.refresh_from_db()
    assert row.choice == "nom127"
    assert AuditEvent.objects.filter(
        actor=root, object_id=str(row.pk), content_type__model=row._meta.model_name
    ).exists()
    refused = client.post(url, {**data, "choice": "oms"})
    assert refused.status_code == 200
    assert "Escriba una de estas opciones: who, nom127." in refused.content.decode()
