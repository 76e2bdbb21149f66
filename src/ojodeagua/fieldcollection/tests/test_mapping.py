"""Mapping submissions in batches on the queue: each submission whole or not at all."""

import pytest
from django.core.cache import cache
from django.test import Client

from ojodeagua.fieldcollection import services, tasks
from ojodeagua.fieldcollection.models import Submission
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.organisations import tokens
from ojodeagua.organisations.tests.factories import device_key

from .instances import instance_xml, new_instance_id, post_data
from .test_openrosa import editable_system, week

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(settings, monkeypatch):
    """A site with a queue: the phone's request only stores; the task is asked for once."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    asked = []
    monkeypatch.setattr(tasks.map_received, "apply_async", lambda **kw: asked.append(kw))
    cache.delete(services.MAPPING_SCHEDULED)
    monkeypatch.setattr(services, "_last_scheduled", -float("inf"))
    return asked


def send(client: Client, key: str, values: dict, **ids) -> str:
    instance_id = ids.pop("instance_id", None) or new_instance_id()
    xml = instance_xml("ojodeagua_suministro", values, instance_id=instance_id, **ids)
    assert client.post(f"/odk/{key}/submission", post_data(xml)).status_code == 201
    return instance_id


def test_with_a_queue_the_request_only_stores_and_one_task_maps_the_burst(
    queued, django_capture_on_commit_callbacks
):
    client, key = Client(), device_key("tesorera")
    system = editable_system("tesorera")
    with django_capture_on_commit_callbacks(execute=True):
        first = send(client, key, week(system))
    with django_capture_on_commit_callbacks(execute=True):
        second = send(client, key, week(system, (7, 8, 9)) | {"sector": "Barrio alto"})
    assert set(Submission.objects.values_list("state", flat=True)) == {"received"}
    assert not SupplyDay.objects.filter(record_id__startswith=first).exists()
    assert len(queued) == 1  # one task for the burst
    assert tasks.map_received() == 2
    assert set(Submission.objects.values_list("state", flat=True)) == {"accepted"}
    assert SupplyDay.objects.filter(record_id__startswith=first).count() == 3
    assert SupplyDay.objects.filter(record_id__startswith=second).count() == 3


def test_a_batch_writes_the_good_weeks_and_keeps_the_bad_ones_whole(queued):
    client = Client()
    treasurer, facilitator = device_key("tesorera"), device_key("ong")
    good = send(client, treasurer, week(editable_system("tesorera")))
    bad_week = week(editable_system("tesorera"), (10, 11, 0))
    bad_week["days"][1]["hours"] = 25
    bad = send(client, treasurer, bad_week | {"sector": "Centro"})
    other = send(client, facilitator, week(editable_system("ong"), (3,)) | {"sector": "Norte"})
    assert services.map_received() == 3
    states = dict(Submission.objects.values_list("instance_id", "state"))
    assert states == {good: "accepted", bad: "to_fix", other: "accepted"}
    reason = Submission.objects.get(instance_id=bad).reason
    assert reason.startswith("Día 2:") and "hours" in reason
    # Not one day of the bad week is written, though two of its days were right.
    assert not SupplyDay.objects.filter(record_id__startswith=bad).exists()
    assert SupplyDay.objects.filter(record_id__startswith=good).count() == 3
    assert SupplyDay.objects.get(record_id=f"{other}#1").recorded_by.username == "ong"


def test_an_edit_in_the_same_batch_as_its_first_version_is_mapped_after_it(queued):
    client, key = Client(), device_key("tesorera")
    system = editable_system("tesorera")
    first = send(client, key, week(system))
    edit = send(client, key, week(system, (1, 2, 0)), deprecated_id=first)
    assert services.map_received() == 2
    assert Submission.objects.get(instance_id=first).state == "replaced"
    assert Submission.objects.get(instance_id=edit).state == "accepted"
    assert [
        float(d.hours)
        for d in SupplyDay.objects.filter(record_id__startswith=first).order_by("observed_on")
    ] == [1, 2, 0]


def test_a_withdrawn_phone_stops_at_once_even_with_submissions_queued(queued):
    client, key = Client(), device_key("tesorera")
    send(client, key, week(editable_system("tesorera")))
    token = tokens.authenticate(key)
    tokens.withdraw_by_operator(token)
    xml = instance_xml("ojodeagua_suministro", {}, instance_id=new_instance_id())
    assert client.post(f"/odk/{key}/submission", post_data(xml)).status_code == 401
    # What it sent before is the collector's work: it is still mapped.
    assert services.map_received() == 1
    assert Submission.objects.get().state == "accepted"
