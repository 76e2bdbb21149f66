"""A coordinator's own XLSForm: uploaded on a page, served to her people's phones, mapped to
its observation type like the project's forms, refused with every reason, withdrawn."""

import io
import re
import shutil

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from ojodeagua.audit.models import AuditEvent
from ojodeagua.fieldcollection.models import OwnForm, Submission
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.organisations.tests.factories import device_key

from .instances import instance_xml, new_instance_id, post_data
from .test_openrosa import editable_system, week

pytestmark = pytest.mark.django_db
OWN_ID = "semana_brigada"


def project_xlsform(client: Client, form_id: str) -> Workbook:
    """The project's form as the page hands it out, to change and upload as one's own."""
    response = client.get(f"/campo/formularios/{form_id}.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def own_supply_week(
    client: Client, *, form_id: str = OWN_ID, extra_row=None, hours_constraint=None
) -> bytes:
    """The supply week with the brigade's own words and without the optional questions."""
    book = project_xlsform(client, "ojodeagua_suministro")
    survey = book["survey"]
    headers = [cell.value for cell in survey[1]]
    name_at, label_at = headers.index("name"), headers.index("label")
    for row in list(survey.iter_rows(min_row=2)):
        if row[name_at].value == "sector":
            survey.delete_rows(row[0].row)
    for row in survey.iter_rows(min_row=2):
        if row[name_at].value == "hours":
            row[label_at].value = "¿Cuántas horas llegó el agua a la toma de la escuela?"
            if hours_constraint:
                row[headers.index("constraint")].value = hours_constraint
    if extra_row:
        survey.append([extra_row.get(header, "") for header in headers])
    settings = book["settings"]
    settings_headers = [cell.value for cell in settings[1]]
    settings.cell(row=2, column=settings_headers.index("form_id") + 1, value=form_id)
    settings.cell(row=2, column=settings_headers.index("form_title") + 1, value="Semana (brigada)")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: Client, content: bytes, kind: str = "supply-days"):
    return client.post(
        "/campo/formularios/propios/subir/",
        {"kind": kind, "xlsform": SimpleUploadedFile("semana.xlsx", content)},
    )


def listed_ids(key: str) -> list[str]:
    body = Client().get(f"/odk/{key}/formList").content.decode()
    return re.findall(r"<formID>([^<]+)</formID>", body)


def test_a_coordinators_own_form_reaches_her_peoples_phones_and_makes_the_same_records(agencia):
    # From the field-collection page: "Subir un formulario propio".
    home = agencia.get("/campo/").content.decode()
    assert 'href="/campo/formularios/propios/subir/"' in home
    response = upload(agencia, own_supply_week(agencia))
    assert response.status_code == 302, response.content.decode()
    own = OwnForm.objects.get(form_id=OWN_ID)
    assert (own.kind, own.title, own.uploaded_by.username) == (
        "supply-days",
        "Semana (brigada)",
        "agencia",
    )
    assert AuditEvent.objects.filter(
        object_id=str(own.pk), content_type__model=own._meta.model_name, action="create"
    ).exists()
    home = agencia.get("/campo/").content.decode()
    assert "Semana (brigada)" in home
    assert agencia.get(f"/campo/formularios/propios/{own.pk}.xlsx").status_code == 200

    # The treasurer she manages gets it on her phone, beside the project's forms.
    key = device_key("tesorera", "Teléfono de campo")
    assert listed_ids(key)[-1] == OWN_ID
    body = Client().get(f"/odk/{key}/formList", {"formID": OWN_ID}).content.decode()
    url = re.search(r"<downloadUrl>([^<]+)</downloadUrl>", body).group(1)
    xform = Client().get(url).content.decode()
    assert "¿Cuántas horas llegó el agua a la toma de la escuela?" in xform
    assert f'version="{own.version}"' in xform
    manifest = Client().get(f"/odk/{key}/forms/{OWN_ID}/manifest").content.decode()
    assert "<filename>systems.csv</filename>" in manifest

    # Her week of supply, sent with the own form, becomes the same pending days.
    system = editable_system("tesorera")
    instance_id = new_instance_id()
    answers = week(system)
    del answers["sector"]
    xml = instance_xml(OWN_ID, answers, instance_id=instance_id, version=own.version)
    sent = Client().post(f"/odk/{key}/submission", post_data(xml))
    assert sent.status_code == 201, sent.content
    days = SupplyDay.objects.filter(record_id__startswith=instance_id).order_by("observed_on")
    assert [(float(d.hours), d.state, d.channel) for d in days] == [
        (24.0, "submitted", "phone"),
        (12.0, "submitted", "phone"),
        (0.0, "submitted", "phone"),
    ]
    assert Submission.objects.get(instance_id=instance_id).state == Submission.State.ACCEPTED

    # Withdrawn: phones stop getting it, and what a phone still sends with it is recorded.
    withdrawn = agencia.post(f"/campo/formularios/propios/{own.pk}/retirar/")
    assert withdrawn.status_code == 302
    assert OWN_ID not in listed_ids(key)
    late_id = new_instance_id()
    for day in answers["days"]:
        day["observed_on"] = day["observed_on"].replace("2026-11-0", "2026-11-1")
    late = instance_xml(OWN_ID, answers, instance_id=late_id, version=own.version)
    assert Client().post(f"/odk/{key}/submission", post_data(late)).status_code == 201
    late_submission = Submission.objects.get(instance_id=late_id)
    assert late_submission.state == Submission.State.ACCEPTED, late_submission.reason


def test_a_changed_upload_replaces_the_form_and_the_same_upload_changes_nothing(agencia):
    first = own_supply_week(agencia)
    assert upload(agencia, first).status_code == 302
    assert upload(agencia, first).status_code == 302
    assert OwnForm.objects.filter(form_id=OWN_ID).count() == 1
    changed = own_supply_week(
        agencia, extra_row={"type": "note", "name": "gracias", "label": "Gracias por anotar."}
    )
    assert upload(agencia, changed).status_code == 302
    versions = OwnForm.objects.filter(form_id=OWN_ID).order_by("uploaded_at", "pk")
    assert [o.withdrawn_at is None for o in versions] == [False, True]
    assert versions[0].version != versions[1].version


def test_an_upload_that_cannot_become_records_is_refused_with_every_reason(agencia):
    content = own_supply_week(
        agencia,
        form_id="ojodeagua_suministro",
        extra_row={"type": "integer", "name": "litros_por_familia", "label": "Litros"},
    )
    response = upload(agencia, content)
    assert response.status_code == 400
    page = response.content.decode()
    assert "El form_id «ojodeagua_suministro» es de un formulario del proyecto; use otro." in page
    assert "la pregunta «litros_por_familia» no es una columna de «Semana de suministro»" in page
    assert not OwnForm.objects.exists()

    # Without the system, a week of supply is nobody's: the upload says what is missing.
    book = load_workbook(io.BytesIO(own_supply_week(agencia)))
    survey = book["survey"]
    headers = [cell.value for cell in survey[1]]
    for row in list(survey.iter_rows(min_row=2)):
        if row[headers.index("name")].value == "system_id":
            survey.delete_rows(row[0].row)
    out = io.BytesIO()
    book.save(out)
    page = upload(agencia, out.getvalue()).content.decode()
    assert "Faltan preguntas que este tipo de registro necesita: system_id." in page

    # A list from a file the server does not make, and a file that is not a spreadsheet.
    odd = own_supply_week(
        agencia,
        extra_row={"type": "select_one_from_file pozos.csv", "name": "sector", "label": "Pozo"},
    )
    page = upload(agencia, odd).content.decode()
    assert "el archivo «pozos.csv» no lo da este servidor" in page
    page = upload(agencia, b"form_id,title\n").content.decode()
    assert "No se pudo leer el archivo como hoja de cálculo XLSX" in page
    assert not OwnForm.objects.exists()


def test_only_coordinators_upload_and_only_their_people_get_the_form(agencia, tesorera):
    assert tesorera.get("/campo/formularios/propios/subir/").status_code == 403
    treasurers_page = tesorera.get("/campo/").content.decode()
    assert 'href="/campo/formularios/propios/subir/"' not in treasurers_page
    assert upload(agencia, own_supply_week(agencia)).status_code == 302
    own = OwnForm.objects.get()
    # The NGO's facilitator is not one of the agency's people: her phone does not get it.
    assert OWN_ID not in listed_ids(device_key("ong", "Teléfono"))
    ong_key = device_key("ong", "Otro teléfono")
    assert Client().get(f"/odk/{ong_key}/forms/{OWN_ID}").status_code == 404
    # Nor may anyone but its uploader withdraw it.
    assert tesorera.post(f"/campo/formularios/propios/{own.pk}/retirar/").status_code == 403
    assert OwnForm.objects.live().count() == 1
    ong = User.objects.get(username="ong")
    assert own.uploaded_by != ong


@pytest.mark.skipif(not shutil.which("java"), reason="javarosa's validator needs Java")
def test_a_form_the_phone_would_refuse_is_refused_at_upload(agencia):
    """pyxform passes a constraint cut short; javarosa, as in Collect, does not."""
    content = own_supply_week(agencia, hours_constraint=". <= 24 and")
    response = upload(agencia, content)
    assert response.status_code == 400
    page = response.content.decode()
    assert "El formulario no se puede usar en los teléfonos" in page
    assert not OwnForm.objects.exists()
