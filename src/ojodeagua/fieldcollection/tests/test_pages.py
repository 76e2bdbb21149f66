"""Field collection's pages, clicked through as their people use them."""

import base64
import json
import re
import zlib

import pytest
import segno
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ojodeagua.audit.models import AuditEvent
from ojodeagua.fieldcollection.models import Submission
from ojodeagua.fieldcollection.views import collect_settings
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.organisations.coordination import managed_people
from ojodeagua.organisations.scope import scope_for
from ojodeagua.organisations.tests.factories import device_key

from .instances import instance_xml, new_instance_id, post_data
from .test_openrosa import editable_system, week

pytestmark = pytest.mark.django_db


def test_everyone_who_records_reaches_field_collection_from_the_menu(agencia, ong, tesorera):
    for client in (agencia, ong, tesorera):
        home = client.get("/").content.decode()
        assert 'href="/campo/"' in home
        assert client.get("/campo/").status_code == 200


def test_a_coordinator_sets_up_a_phone_for_someone_she_manages_in_one_scan(agencia):
    coordinator = User.objects.get(username="agencia")
    person = managed_people(coordinator, scope_for(coordinator)).order_by("username").first()
    form = agencia.get("/campo/telefonos/nuevo/").content.decode()
    assert f'value="{person.pk}"' in form
    response = agencia.post(
        "/campo/telefonos/nuevo/",
        {"person": person.pk, "name": "Teléfono de la técnica", "lifetime_days": 365},
    )
    assert response.status_code == 200
    page = response.content.decode()
    url = re.search(r'id="server-url">([^<]+)<', page).group(1)
    assert re.fullmatch(r"http://testserver/odk/oda_[A-Za-z0-9_-]+", url)
    assert "<svg" in page
    key = url.rsplit("/", 1)[1]
    assert Client().head(f"/odk/{key}/submission").status_code == 204
    # What the QR code holds: Collect's settings, compressed, with this server address.
    payload = collect_settings(url, "Teléfono de la técnica")
    settings = json.loads(zlib.decompress(base64.b64decode(payload)))
    assert settings["general"]["server_url"] == url
    assert segno.make(payload, error="l").svg_inline(scale=4, dark="#000", light="#fff") in page


def test_a_treasurer_sets_up_only_her_own_phone(tesorera):
    me = User.objects.get(username="tesorera")
    other = User.objects.get(username="ong")
    form = tesorera.get("/campo/telefonos/nuevo/").content.decode()
    assert f'value="{other.pk}"' not in form
    response = tesorera.post(
        "/campo/telefonos/nuevo/", {"person": other.pk, "name": "x", "lifetime_days": 90}
    )
    assert response.status_code == 400
    assert not other.api_tokens.filter(name="x").exists()
    assert (
        tesorera.post(
            "/campo/telefonos/nuevo/", {"person": me.pk, "name": "Mío", "lifetime_days": 90}
        ).status_code
        == 200
    )


def test_a_submission_to_fix_is_corrected_and_accepted_by_who_manages_the_collector(agencia):
    collector = User.objects.get(username="tesorera")
    key = device_key("tesorera")
    instance_id = new_instance_id()
    values = week(editable_system("tesorera"))
    values["days"][0]["hours"] = 30  # more hours than a day has
    xml = instance_xml("ojodeagua_suministro", values, instance_id=instance_id)
    assert Client().post(f"/odk/{key}/submission", post_data(xml)).status_code == 201
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission.state == Submission.State.TO_FIX
    assert "Día 1" in submission.reason and "hours" in submission.reason

    listing = agencia.get("/campo/envios/").content.decode()
    assert f"/campo/envios/{submission.pk}/" in listing
    detail = agencia.get(f"/campo/envios/{submission.pk}/").content.decode()
    assert 'name="field-1.hours"' in detail
    fields = dict(re.findall(r'name="(field-[^"]+)" value="([^"]*)"', detail))
    assert fields["field-1.hours"] == "30"
    fields["field-1.hours"] = "23"
    response = agencia.post(f"/campo/envios/{submission.pk}/", fields)
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == Submission.State.ACCEPTED
    assert submission.corrections == {"1.hours": "23"}
    assert submission.xml.encode() == xml  # what the phone sent stays as it arrived
    day = SupplyDay.objects.get(record_id=f"{instance_id}#1")
    assert float(day.hours) == 23
    assert AuditEvent.objects.filter(
        object_id=submission.pk, changes__correcciones__isnull=False
    ).exists()
    assert submission.collector == collector


def test_the_collector_sees_her_submission_but_only_a_manager_corrects_it(tesorera, ong):
    key = device_key("tesorera")
    values = week(editable_system("tesorera"))
    values["days"][0]["hours"] = 30
    xml = instance_xml("ojodeagua_suministro", values, instance_id=new_instance_id())
    Client().post(f"/odk/{key}/submission", post_data(xml))
    submission = Submission.objects.get()
    page = tesorera.get(f"/campo/envios/{submission.pk}/")
    assert page.status_code == 200
    assert "Corregir y aceptar" not in page.content.decode()
    assert tesorera.post(f"/campo/envios/{submission.pk}/", {}).status_code == 403
    # A facilitator manages nobody's access: not hers to see.
    assert ong.get(f"/campo/envios/{submission.pk}/").status_code == 404
    anonymous = Client().get(f"/campo/envios/{submission.pk}/")
    assert anonymous.status_code == 302


def test_a_record_from_a_phone_says_so_and_leads_to_what_the_phone_sent(agencia):
    key = device_key("tesorera")
    instance_id = new_instance_id()
    xml = instance_xml(
        "ojodeagua_suministro", week(editable_system("tesorera")), instance_id=instance_id
    )
    Client().post(f"/odk/{key}/submission", post_data(xml))
    day = SupplyDay.objects.get(record_id=f"{instance_id}#2")
    assert day.channel == "phone"
    page = agencia.get(day.get_absolute_url()).content.decode()
    assert "Llegó por: teléfono (ODK Collect)." in page
    link = re.search(r'href="(/campo/envios/registro/[^"]+)"', page).group(1)
    submission = agencia.get(link, follow=True)
    assert submission.redirect_chain[-1][0] == f"/campo/envios/{Submission.objects.get().pk}/"
    shown = submission.content.decode()
    assert "ojodeagua_suministro" in shown and "tesorera" in shown
    assert Submission.objects.get().form_version in shown
    assert "&lt;instanceID&gt;" in shown  # the XML as it arrived


def test_records_from_the_api_and_an_import_say_how_they_came(tesorera, ong):
    from rest_framework.test import APIClient

    system = editable_system("tesorera")
    client = APIClient()
    client.force_authenticate(User.objects.get(username="tesorera"))
    payload = {
        "record_id": "api-channel-1",
        "observed_on": "2026-11-20",
        "source": "self_report",
        "system": system.pk,
        "hours": "10",
    }
    assert client.post("/api/v1/supply-days/", payload, format="json").status_code == 201
    by_api = SupplyDay.objects.get(record_id="api-channel-1")
    assert by_api.channel == "api"
    assert "Llegó por: API." in tesorera.get(by_api.get_absolute_url()).content.decode()
    theirs = editable_system("ong")
    csv = f"record_id,observed_on,system_id,hours\nimport-channel-1,2026-11-21,{theirs.pk},9\n"
    upload = SimpleUploadedFile("dias.csv", csv.encode(), "text/csv")
    assert ong.post("/importar/", {"kind": "supply-days", "file": upload}).status_code == 200
    assert SupplyDay.objects.get(record_id="import-channel-1").channel == "import"


def test_the_coordinators_home_says_when_a_phones_submission_waits_to_be_fixed(agencia):
    assert "Envíos de teléfonos por corregir" not in agencia.get("/").content.decode()
    values = week(editable_system("tesorera"))
    values["days"][0]["hours"] = 30
    xml = instance_xml("ojodeagua_suministro", values, instance_id=new_instance_id())
    Client().post(f"/odk/{device_key('tesorera')}/submission", post_data(xml))
    home = agencia.get("/").content.decode()
    assert "Envíos de teléfonos por corregir" in home
    assert "1 envío de ODK Collect no se pudo registrar" in home
    assert 'href="/campo/envios/"' in home
