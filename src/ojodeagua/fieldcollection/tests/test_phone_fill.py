"""Each form filled by javarosa, the engine inside ODK Collect, as a phone fills it: the real
instance XML goes back to the server with a photo, and the observation has every field right."""

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image
from pyxform.validators.odk_validate import ODK_VALIDATE_PATH

from ojodeagua.fieldcollection.models import Submission
from ojodeagua.integrity.models import Complaint
from ojodeagua.monitoring.models import (
    ComponentCheck,
    HouseholdSurvey,
    InspectionAnswer,
    InspectionForm,
    SupplyDay,
    SystemVisit,
)
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import device_key
from ojodeagua.providers.models import Provider
from ojodeagua.waterquality.models import Parameter, Sample

from .instances import instance_xml, new_instance_id, post_data
from .test_openrosa import editable_system

pytestmark = pytest.mark.django_db
FILLER = Path(__file__).parent / "javarosa" / "FillForm.java"
REPEATS = "days,results"


@pytest.fixture(scope="session")
def filler(tmp_path_factory) -> Path:
    if not shutil.which("javac"):
        pytest.fail("javac is needed to fill forms with javarosa (Debian: default-jdk-headless)")
    build = tmp_path_factory.mktemp("javarosa")
    subprocess.run(
        ["javac", "-cp", str(ODK_VALIDATE_PATH), "-d", str(build), str(FILLER)],
        check=True,
        capture_output=True,
    )
    return build


class Phone:
    """A phone with Collect: downloads a form and its media, fills it, sends it."""

    def __init__(self, username: str, filler: Path, tmp_path: Path) -> None:
        self.client, self.key = Client(), device_key(username, "Teléfono de campo")
        self.filler, self.tmp = filler, tmp_path

    def fill(self, form_id: str, answers: dict[str, object]) -> bytes:
        folder = self.tmp / form_id
        media = folder / "media"
        media.mkdir(parents=True)
        form = self.client.get(f"/odk/{self.key}/forms/{form_id}")
        (folder / "form.xml").write_bytes(form.content)
        manifest = self.client.get(f"/odk/{self.key}/forms/{form_id}/manifest").content.decode()
        for name, url in re.findall(
            r"<filename>([^<]+)</filename>.*?<downloadUrl>([^<]+)</downloadUrl>", manifest
        ):
            (media / name).write_bytes(self.client.get(url).content)
        lines = [f"{name}\t{value}" for name, value in answers.items()]
        (folder / "answers.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        filled = subprocess.run(
            [
                "java",
                f"-Drepeats={REPEATS}",
                "-cp",
                f"{ODK_VALIDATE_PATH}:{self.filler}",
                "FillForm",
                str(folder / "form.xml"),
                str(media),
                str(folder / "answers.tsv"),
            ],
            capture_output=True,
        )
        assert filled.returncode == 0, filled.stderr.decode()
        return filled.stdout

    def send(self, xml: bytes, *files):
        return self.client.post(f"/odk/{self.key}/submission", post_data(xml, *files))


def instance_id_of(xml: bytes) -> str:
    return re.search(rb"<instanceID>([^<]+)</instanceID>", xml).group(1).decode()


def test_a_week_of_supply_filled_by_javarosa(filler, tmp_path):
    phone = Phone("tesorera", filler, tmp_path)
    system = editable_system("tesorera")
    xml = phone.fill(
        "ojodeagua_suministro",
        {
            "system_id": system.pk,
            "notes": "Tubería reparada por el comité",
            "days#1": "",
            "days#1.observed_on": "2026-11-09",
            "days#1.hours": "18.5",
            "days#2": "",
            "days#2.observed_on": "2026-11-10",
            "days#2.hours": "0",
            "days#2.no_water_reason": "broken_pipe",
        },
    )
    response = phone.send(xml)
    assert response.status_code == 201, response.content
    instance_id = instance_id_of(xml)
    assert Submission.objects.get(instance_id=instance_id).state == "accepted", (
        Submission.objects.get(instance_id=instance_id).reason + xml.decode()
    )
    days = SupplyDay.objects.filter(record_id__startswith=instance_id).order_by("observed_on")
    assert [(str(d.observed_on), float(d.hours), d.no_water_reason) for d in days] == [
        ("2026-11-09", 18.5, ""),
        ("2026-11-10", 0.0, "broken_pipe"),
    ]
    assert {d.notes for d in days} == {"Tubería reparada por el comité"}
    assert phone.send(xml).status_code == 202
    assert SupplyDay.objects.filter(record_id__startswith=instance_id).count() == 2


def test_a_visit_filled_by_javarosa_with_its_inspection_and_a_photo(filler, tmp_path):
    phone = Phone("tesorera", filler, tmp_path)
    system = editable_system("tesorera")
    kind = system.components.order_by("pk").first().kind
    inspection = InspectionForm.objects.get(code="toma-arroyo")
    assert system.kind in inspection.system_kinds
    numbers = list(inspection.questions.order_by("number").values_list("number", flat=True))
    answers = {
        "observed_on": "2026-11-12",
        "source": "visit",
        "system_id": system.pk,
        "working": "yes",
        "flow_lps": "0.75",
        "downtime_days": "3",
        "downtime_cause": "broken_pipe",
        "chlorination": "not_working",
        f"condition_{kind}": "broken",
        "inspection_form": inspection.code,
        f"insp{inspection.pk}_q{numbers[0]}": "yes",
        f"insp{inspection.pk}_q{numbers[1]}": "no",
        "notes": "La válvula de la línea de conducción está rota; ¿cuándo llega la pieza?",
        "photo_component": "valvula.jpg",
    }
    xml = phone.fill("ojodeagua_visita", answers)
    assert b"<photo_component>valvula.jpg</photo_component>" in xml
    photo = (camera_photo(), "image/jpeg")
    response = phone.send(xml, ("valvula.jpg", *photo))
    assert response.status_code == 201, response.content
    instance_id = instance_id_of(xml)
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission.state == "accepted", submission.reason
    visit = SystemVisit.objects.get(record_id=instance_id)
    assert (str(visit.observed_on), visit.working, float(visit.flow_lps)) == (
        "2026-11-12",
        True,
        0.75,
    )
    assert (visit.downtime_days, visit.downtime_cause, visit.chlorination) == (
        3,
        "broken_pipe",
        "not_working",
    )
    assert visit.notes == answers["notes"]
    assert visit.recorded_by.username == "tesorera"
    assert {c.condition for c in ComponentCheck.objects.filter(visit=visit)} == {"broken"}
    hazards = dict(
        InspectionAnswer.objects.filter(visit=visit).values_list("question__number", "hazard")
    )
    assert hazards == {numbers[0]: True, numbers[1]: False}
    assert visit.inspection_score == 1
    (attachment,) = submission.attachments.all()
    assert attachment.name == "valvula.jpg"
    # Kept as a photo drawn again: the picture, without where it was taken.
    with Image.open(attachment.file) as kept:
        assert kept.size == (64, 48)
        assert not kept.getexif().get_ifd(0x8825)  # no GPS
    with Image.open(io.BytesIO(photo[0])) as sent:
        assert sent.getexif().get_ifd(0x8825)


def test_a_sample_and_its_results_filled_by_javarosa_are_one_record(filler, tmp_path):
    phone = Phone("tesorera", filler, tmp_path)
    system = editable_system("tesorera")
    locality_key = _first_csv_key(phone, "ojodeagua_muestra", "localities.csv", tmp_path)
    assert Parameter.objects.filter(code__in=["e_coli", "free_chlorine"]).count() == 2
    xml = phone.fill(
        "ojodeagua_muestra",
        {
            "observed_on": "2026-11-13",
            "locality_key": locality_key,
            "system_id": system.pk,
            "sampling_point": "tap",
            "analysis": "field_kit",
            "results#1": "",
            "results#1.parameter": "e_coli",
            "results#1.outcome": "detected",
            "results#2": "",
            "results#2.parameter": "free_chlorine",
            "results#2.value": "0.1",
            "results#2.unit": "mg/L",
        },
    )
    response = phone.send(xml)
    assert response.status_code == 201, response.content
    instance_id = instance_id_of(xml)
    assert Submission.objects.get(instance_id=instance_id).state == "accepted", (
        Submission.objects.get(instance_id=instance_id).reason
    )
    sample = Sample.objects.get(record_id=instance_id)
    results = {r.parameter.code: r for r in sample.results.select_related("parameter")}
    assert set(results) == {"e_coli", "free_chlorine"}
    assert results["e_coli"].outcome == "detected"
    assert float(results["free_chlorine"].value) == 0.1


def camera_photo() -> bytes:
    """A JPEG as a phone's camera writes it, with where it was taken in its notes."""
    image = Image.new("RGB", (64, 48), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Teléfono de campo"  # the camera's maker
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (16.0, 48.0, 10.0)
    gps[3], gps[4] = "W", (93.0, 16.0, 30.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _first_csv_key(phone: Phone, form_id: str, name: str, tmp_path: Path) -> str:
    content = phone.client.get(f"/odk/{phone.key}/forms/{form_id}/media/{name}").content
    return content.decode().splitlines()[1].split(",", 1)[0]


def test_a_household_survey_filled_by_javarosa(filler, tmp_path):
    phone = Phone("ong", filler, tmp_path)
    system = editable_system("ong")
    locality_key = system.served_localities.order_by("pk").first().locality.key
    assert (
        locality_key
        in phone.client.get(
            f"/odk/{phone.key}/forms/ojodeagua_hogar/media/localities.csv"
        ).content.decode()
    )
    xml = phone.fill(
        "ojodeagua_hogar",
        {
            "locality_key": locality_key,
            "system_id": system.pk,
            "water_has_problem": "yes",
            "satisfied": "no",
            "sufficient_last_month": "no",
            "observed_on": "2026-11-14",
            "respondent_sex": "F",
            "household_size": "6",
            "water_source": "public_tap",
            "water_on_premises": "no",
            "collection_minutes": "25",
            "days_with_water_last_week": "3",
            "toilet": "pit_slab",
            "toilet_shared": "no",
            "handwashing": "mobile",
            "handwashing_water": "yes",
            "handwashing_soap": "no",
        },
    )
    response = phone.send(xml)
    assert response.status_code == 201, response.content
    instance_id = instance_id_of(xml)
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission.state == "accepted", submission.reason
    survey = HouseholdSurvey.objects.get(record_id=instance_id)
    assert (survey.locality.key, survey.respondent_sex, survey.household_size) == (
        locality_key,
        "F",
        6,
    )
    assert (survey.water_has_problem, survey.satisfied, survey.water_on_premises) == (
        "yes",
        "no",
        False,
    )
    # A facilitator may validate where she works: her phone's records arrive validated.
    assert survey.state == "validated"


def test_a_complaint_filled_by_javarosa_lands_in_the_committees_register(filler, tmp_path):
    phone = Phone("tesorera", filler, tmp_path)
    provider_id = _first_csv_key(phone, "ojodeagua_queja", "providers.csv", tmp_path)
    xml = phone.fill(
        "ojodeagua_queja",
        {
            "provider_id": provider_id,
            "received_on": "2026-11-15",
            "channel": "assembly",
            "what": "El agua llega turbia desde hace una semana en la calle de la escuela.",
            "where": "Calle de la escuela",
        },
    )
    response = phone.send(xml)
    assert response.status_code == 201, response.content
    instance_id = instance_id_of(xml)
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission.state == "accepted", submission.reason
    complaint = Complaint.objects.get(record_id=instance_id)
    assert (complaint.provider_id, str(complaint.received_on), complaint.channel) == (
        int(provider_id),
        "2026-11-15",
        "assembly",
    )
    assert complaint.what.startswith("El agua llega turbia")
    assert complaint.status == "received"


def test_a_complaint_for_a_committee_outside_the_area_waits_to_be_fixed(filler, tmp_path):
    phone = Phone("tesorera", filler, tmp_path)
    mine = set(
        Membership.objects.get(user__username="tesorera").providers.values_list("pk", flat=True)
    )
    other = Provider.objects.exclude(pk__in=mine).order_by("pk").first()
    xml = instance_xml(
        "ojodeagua_queja",
        {"provider_id": other.pk, "received_on": "2026-11-15", "what": "No llega agua"},
        instance_id=new_instance_id(),
    )
    assert phone.send(xml).status_code == 201
    submission = Submission.objects.get()
    assert submission.state == "to_fix"
    assert "no está en su área" in submission.reason
    assert not Complaint.objects.filter(record_id=submission.instance_id).exists()
