"""The OpenRosa server as ODK Collect uses it: form list, forms, manifests, media, submissions."""

import hashlib
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ojodeagua.fieldcollection.models import Submission
from ojodeagua.monitoring.models import ComponentCheck, SupplyDay, SystemVisit
from ojodeagua.organisations import tokens
from ojodeagua.organisations.models import ApiToken
from ojodeagua.organisations.scope import scope_for
from ojodeagua.organisations.tests.factories import device_key
from ojodeagua.watersystems.models import WaterSystem

from .instances import instance_xml, new_instance_id, post_data

pytestmark = pytest.mark.django_db


def phone(username: str = "tesorera") -> tuple[Client, str]:
    return Client(), device_key(username, "Teléfono de campo")


def editable_system(username: str) -> WaterSystem:
    user = User.objects.get(username=username)
    return scope_for(user).editable(WaterSystem.objects.all()).order_by("pk").first()


def outside_system(username: str) -> WaterSystem:
    user = User.objects.get(username=username)
    inside = scope_for(user).editable(WaterSystem.objects.all()).values("pk")
    return WaterSystem.objects.exclude(pk__in=inside).order_by("pk").first()


def week(system: WaterSystem, hours=(24, 12, 0)) -> dict:
    days = []
    for number, amount in enumerate(hours, start=2):
        day = {"observed_on": f"2026-11-0{number}", "hours": amount}
        if amount == 0:
            day["no_water_reason"] = "pump"
        days.append(day)
    return {"system_id": system.pk, "sector": "", "days": days, "notes": "Semana de acción"}


def test_every_answer_says_it_speaks_openrosa_and_the_list_names_each_form():
    client, key = phone()
    response = client.get(f"/odk/{key}/formList")
    assert response.status_code == 200
    assert response["X-OpenRosa-Version"] == "1.0"
    assert response["Date"]
    body = response.content.decode()
    assert body.startswith('<xforms xmlns="http://openrosa.org/xforms/xformsList">')
    ids = re.findall(r"<formID>([^<]+)</formID>", body)
    assert ids == [
        "ojodeagua_visita",
        "ojodeagua_suministro",
        "ojodeagua_muestra",
        "ojodeagua_hogar",
        "ojodeagua_escuela",
        "ojodeagua_centro_salud",
        "ojodeagua_queja",
    ]
    only = client.get(f"/odk/{key}/formList", {"formID": "ojodeagua_hogar"}).content.decode()
    assert re.findall(r"<formID>([^<]+)</formID>", only) == ["ojodeagua_hogar"]


def test_each_form_downloads_with_the_hash_it_announced_and_its_media_too():
    client, key = phone()
    body = client.get(f"/odk/{key}/formList").content.decode()
    for entry in re.findall(r"<xform>(.*?)</xform>", body):
        url = re.search(r"<downloadUrl>([^<]+)</downloadUrl>", entry).group(1)
        announced = re.search(r"<hash>([^<]+)</hash>", entry).group(1)
        form = client.get(url)
        assert form.status_code == 200
        assert announced == "md5:" + hashlib.md5(form.content).hexdigest()
        # Asking again serves the very same bytes, or the phone would download it forever.
        assert client.get(url).content == form.content
        manifest_url = re.search(r"<manifestUrl>([^<]+)</manifestUrl>", entry)
        if not manifest_url:
            continue
        manifest = client.get(manifest_url.group(1)).content.decode()
        assert 'xmlns="http://openrosa.org/xforms/xformsManifest"' in manifest
        files = re.findall(r"<mediaFile>(.*?)</mediaFile>", manifest)
        names = [re.search(r"<filename>([^<]+)</filename>", f).group(1) for f in files]
        assert names == sorted(names)
        for media in files:
            media_url = re.search(r"<downloadUrl>([^<]+)</downloadUrl>", media).group(1)
            media_hash = re.search(r"<hash>([^<]+)</hash>", media).group(1)
            content = client.get(media_url).content
            assert media_hash == "md5:" + hashlib.md5(content).hexdigest()


def test_the_lists_a_phone_chooses_from_hold_only_its_own_area():
    client, key = phone("tesorera")
    systems = client.get(f"/odk/{key}/forms/ojodeagua_suministro/media/systems.csv")
    ids = {int(line.split(",", 1)[0]) for line in systems.content.decode().splitlines()[1:]}
    user = User.objects.get(username="tesorera")
    assert ids == set(
        scope_for(user).editable(WaterSystem.objects.all()).values_list("pk", flat=True)
    )
    assert outside_system("tesorera").pk not in ids


def test_head_on_the_submission_address_answers_204_with_the_size_it_takes():
    client, key = phone()
    response = client.head(f"/odk/{key}/submission")
    assert response.status_code == 204
    assert int(response["X-OpenRosa-Accept-Content-Length"]) > 1_000_000
    assert response["X-OpenRosa-Version"] == "1.0"


def test_a_wrong_or_withdrawn_key_gets_401_not_403():
    client, key = phone()
    assert client.head("/odk/oda_nothing/submission").status_code == 401
    assert client.get("/odk/oda_nothing/formList").status_code == 401
    token = ApiToken.objects.get(digest=tokens.digest_of(key))
    tokens.revoke(token, User.objects.get(username="tesorera"))
    refused = client.head(f"/odk/{key}/submission")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Basic")
    xml = instance_xml("ojodeagua_suministro", {}, instance_id=new_instance_id())
    assert client.post(f"/odk/{key}/submission", post_data(xml)).status_code == 401
    assert not Submission.objects.exists()


def test_a_week_of_supply_becomes_one_pending_record_per_day_and_a_resend_none():
    client, key = phone("tesorera")
    system = editable_system("tesorera")
    instance_id = new_instance_id()
    xml = instance_xml("ojodeagua_suministro", week(system), instance_id=instance_id)
    response = client.post(f"/odk/{key}/submission", post_data(xml))
    assert response.status_code == 201, response.content
    assert b'<OpenRosaResponse xmlns="http://openrosa.org/http/response">' in response.content
    days = SupplyDay.objects.filter(record_id__startswith=instance_id).order_by("observed_on")
    assert [(str(d.observed_on), float(d.hours), d.state) for d in days] == [
        ("2026-11-02", 24.0, "submitted"),
        ("2026-11-03", 12.0, "submitted"),
        ("2026-11-04", 0.0, "submitted"),
    ]
    assert days[2].no_water_reason == "pump"
    assert {d.recorded_by.username for d in days} == {"tesorera"}
    assert days[0].notes == "Semana de acción"
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission.state == Submission.State.ACCEPTED
    assert submission.collector.username == "tesorera"
    assert submission.phone.name == "Teléfono de campo"
    again = client.post(f"/odk/{key}/submission", post_data(xml))
    assert again.status_code == 202
    assert SupplyDay.objects.filter(record_id__startswith=instance_id).count() == 3
    assert Submission.objects.count() == 1


def test_the_same_instance_id_with_other_answers_is_a_conflict():
    client, key = phone("tesorera")
    system = editable_system("tesorera")
    instance_id = new_instance_id()
    client.post(
        f"/odk/{key}/submission",
        post_data(instance_xml("ojodeagua_suministro", week(system), instance_id=instance_id)),
    )
    changed = instance_xml("ojodeagua_suministro", week(system, (5,)), instance_id=instance_id)
    response = client.post(f"/odk/{key}/submission", post_data(changed))
    assert response.status_code == 409
    assert SupplyDay.objects.get(record_id=f"{instance_id}#1").hours == 24


def test_an_edit_replaces_the_records_of_the_version_it_deprecates():
    client, key = phone("tesorera")
    system = editable_system("tesorera")
    first = new_instance_id()
    client.post(
        f"/odk/{key}/submission",
        post_data(instance_xml("ojodeagua_suministro", week(system), instance_id=first)),
    )
    edit = new_instance_id()
    xml = instance_xml(
        "ojodeagua_suministro", week(system, (20, 12, 0)), instance_id=edit, deprecated_id=first
    )
    assert client.post(f"/odk/{key}/submission", post_data(xml)).status_code == 201
    assert SupplyDay.objects.get(record_id=f"{first}#1").hours == 20
    assert SupplyDay.objects.filter(system=system, observed_on="2026-11-02").count() == 1
    assert Submission.objects.get(instance_id=first).state == Submission.State.REPLACED
    assert Submission.objects.get(instance_id=edit).state == Submission.State.ACCEPTED


def test_a_visit_keeps_its_accents_conditions_and_photo_even_over_two_posts():
    client, key = phone("tesorera")
    system = editable_system("tesorera")
    component = system.components.order_by("pk").first()
    assert component is not None, "the demo's systems have components"
    instance_id = new_instance_id()
    values = {
        "observed_on": "2026-11-05",
        "source": "visit",
        "system_id": system.pk,
        "working": "yes",
        "flow_lps": "1.25",
        "downtime_days": 2,
        "downtime_cause": "",
        "chlorination": "",
        f"condition_{component.kind}": "good",
        "notes": "Revisión del tanque: ¿señal débil? Sí, pero todo en órden.",
    }
    if values["downtime_days"]:
        values["downtime_cause"] = _first_choice(SystemVisit, "downtime_cause")
    values["chlorination"] = _first_choice(SystemVisit, "chlorination")
    xml = instance_xml("ojodeagua_visita", values, instance_id=instance_id)
    photo = b"\xff\xd8\xff\xe0fake-jpeg"
    first = client.post(
        f"/odk/{key}/submission", post_data(xml, ("tanque.jpg", photo, "image/jpeg"))
    )
    assert first.status_code == 201, first.content
    report = b"%PDF-1.4 lab report"
    second = client.post(
        f"/odk/{key}/submission", post_data(xml, ("informe.pdf", report, "application/pdf"))
    )
    assert second.status_code == 202
    visit = SystemVisit.objects.get(record_id=instance_id)
    assert visit.notes == values["notes"]
    assert float(visit.flow_lps) == 1.25
    assert visit.working is True
    checks = ComponentCheck.objects.filter(visit=visit)
    assert {check.component_id for check in checks} == set(
        system.components.filter(kind=component.kind).values_list("pk", flat=True)
    )
    assert {check.condition for check in checks} == {"good"}
    submission = Submission.objects.get(instance_id=instance_id)
    stored = {a.name: a.file.read() for a in submission.attachments.all()}
    assert stored == {"tanque.jpg": photo, "informe.pdf": report}


def _first_choice(model, name: str) -> str:
    return next(code for code, _label in model._meta.get_field(name).choices if code)


def test_a_submission_outside_the_collectors_area_is_kept_to_fix_never_lost():
    client, key = phone("tesorera")
    elsewhere = outside_system("tesorera")
    instance_id = new_instance_id()
    xml = instance_xml("ojodeagua_suministro", week(elsewhere), instance_id=instance_id)
    response = client.post(f"/odk/{key}/submission", post_data(xml))
    assert response.status_code == 201
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission.state == Submission.State.TO_FIX
    assert "no está en su área" in submission.reason
    assert submission.xml.encode() == xml
    assert not SupplyDay.objects.filter(record_id__startswith=instance_id).exists()
