"""Importing visits, supply days and surveys from files: idempotent, audited, scoped and atomic."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook

from ojodeagua.audit.models import AuditEvent
from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.imports.engine import run_import
from ojodeagua.monitoring.import_spec import import_specs
from ojodeagua.monitoring.models import (
    ComponentCheck,
    HealthCentreSurvey,
    HouseholdSurvey,
    SchoolSurvey,
    SupplyDay,
    SystemVisit,
)
from ojodeagua.organisations.scope import scope_for
from ojodeagua.watersystems.models import WaterSystem

pytestmark = pytest.mark.django_db
SPECS = import_specs()


def user(name: str) -> User:
    return User.objects.get(username=name)


def ong_systems():
    return scope_for(user("ong")).editable(WaterSystem.objects.all()).order_by("pk")


def outside_system() -> WaterSystem:
    return WaterSystem.objects.exclude(pk__in=ong_systems()).order_by("pk").first()


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def supply_file(system: WaterSystem, hours: str = "5") -> bytes:
    return csv_bytes(
        "record_id,observed_on,system_id,hours,no_water_reason",
        f"sd-1,2024-05-01,{system.pk},{hours},",
        f"sd-2,02/05/2024,{system.pk},0,Se secó la fuente",
        f"sd-3,2024-05-03,{system.pk},24,",
    )


def events_for(model, pk) -> list[AuditEvent]:
    content_type = ContentType.objects.get_for_model(model)
    return list(AuditEvent.objects.filter(content_type=content_type, object_id=str(pk)))


def test_supply_days_are_created_submitted_recorded_by_the_importer_and_audited():
    system = ong_systems().first()
    result = run_import(SPECS["supply-days"], supply_file(system), user=user("ong"))
    assert (result.created, result.updated, result.unchanged, result.rejected) == (3, 0, 0, [])
    days = SupplyDay.objects.filter(record_id__startswith="sd-").order_by("observed_on")
    assert [day.hours for day in days] == [Decimal("5"), Decimal("0"), Decimal("24")]
    second = days[1]
    assert second.no_water_reason == "source_dried"
    assert second.state == "submitted" and second.recorded_by.username == "ong"
    assert second.source == "self_report"
    assert (second.municipality_id, second.provider_id) == (
        system.municipality_id,
        system.provider_id,
    )
    (event,) = events_for(SupplyDay, second.pk)
    assert event.action == "create" and event.actor_label == "ong"
    assert event.changes["record_id"] == "sd-2"
    assert event.provider_id == system.provider_id


def test_the_same_file_twice_creates_nothing_and_a_changed_row_updates_with_audit():
    system = ong_systems().first()
    run_import(SPECS["supply-days"], supply_file(system), user=user("ong"))
    events_before = AuditEvent.objects.count()
    again = run_import(SPECS["supply-days"], supply_file(system), user=user("ong"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert AuditEvent.objects.count() == events_before
    assert SupplyDay.objects.filter(record_id__startswith="sd-").count() == 3

    changed = run_import(SPECS["supply-days"], supply_file(system, hours="6.5"), user=user("ong"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    day = SupplyDay.objects.get(record_id="sd-1")
    assert day.hours == Decimal("6.5")
    update = [e for e in events_for(SupplyDay, day.pk) if e.action == "update"]
    assert len(update) == 1
    before, after = update[0].changes["hours"]
    assert Decimal(before) == 5 and Decimal(after) == Decimal("6.5")


def test_rejected_rows_have_their_line_number_and_a_spanish_reason():
    system = ong_systems().first()
    data = csv_bytes(
        "record_id,observed_on,system_id,hours,no_water_reason",
        f"ok-1,2024-05-01,{system.pk},5,",
        f"bad-1,2024-05-02,{system.pk},25,",
        f'bad-2,2024-05-03,{system.pk},"1,5",',
        f"bad-3,2024-05-04,{system.pk},0,",
        "bad-4,2024-05-05,999999,3,",
        f"bad-5,31/02/2024,{system.pk},3,",
        f"bad-6,2024-05-06,{system.pk},3,se fue la luz mágica",
        f",2024-05-07,{system.pk},3,",
    )
    result = run_import(SPECS["supply-days"], data, user=user("ong"))
    assert result.created == 1
    reasons = dict(result.rejected)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "la columna hours debe ser un número entre 0 y 24" in reasons[3]
    assert "escriba 0 si no hubo agua y llene no_water_reason" in reasons[3]
    assert "decimales con punto" in reasons[4] and "1.5" in reasons[4]
    assert "no_water_reason" in reasons[5] and "diga por qué" in reasons[5]
    assert "no existe sistema con system_id «999999»" in reasons[6]
    assert "no existe en el calendario" in reasons[7]
    assert "source_dried" in reasons[8]
    assert "record_id está vacía" in reasons[9]
    assert not SupplyDay.objects.filter(record_id__startswith="bad-").exists()


def test_a_place_outside_the_users_area_is_rejected():
    outside = outside_system()
    data = csv_bytes(
        "record_id,observed_on,system_id,hours",
        f"out-1,2024-05-01,{outside.pk},5",
        f"in-1,2024-05-01,{ong_systems().first().pk},5",
    )
    result = run_import(SPECS["supply-days"], data, user=user("ong"))
    assert result.created == 1
    ((line, reason),) = result.rejected
    assert line == 2
    assert f"no existe sistema con system_id «{outside.pk}» o no está en su área" in reason
    assert not SupplyDay.objects.filter(record_id="out-1").exists()


def test_an_existing_record_id_from_outside_the_area_cannot_be_overwritten():
    outside = outside_system()
    run_import(
        SPECS["supply-days"],
        csv_bytes("record_id,observed_on,system_id,hours", f"theirs,2024-05-01,{outside.pk},5"),
    )
    data = csv_bytes(
        "record_id,observed_on,system_id,hours", f"theirs,2024-05-01,{ong_systems()[0].pk},7"
    )
    result = run_import(SPECS["supply-days"], data, user=user("ong"))
    assert result.updated == 0
    assert "el record_id «theirs» no se puede usar" in result.rejected[0][1]
    assert SupplyDay.objects.get(record_id="theirs").system_id == outside.pk


def test_a_second_record_id_for_the_same_system_sector_and_day_is_rejected():
    system = ong_systems().first()
    run_import(SPECS["supply-days"], supply_file(system), user=user("ong"))
    data = csv_bytes("record_id,observed_on,system_id,hours", f"other,2024-05-01,{system.pk},4")
    result = run_import(SPECS["supply-days"], data, user=user("ong"))
    assert result.created == 0
    assert "otro record_id («sd-1»)" in result.rejected[0][1]


def test_dry_run_writes_nothing_but_counts_the_same():
    system = ong_systems().first()
    events_before = AuditEvent.objects.count()
    result = run_import(SPECS["supply-days"], supply_file(system), user=user("ong"), dry_run=True)
    assert result.created == 3 and not result.written
    assert not SupplyDay.objects.filter(record_id__startswith="sd-").exists()
    assert AuditEvent.objects.count() == events_before


def test_strict_writes_nothing_when_any_row_is_rejected():
    system = ong_systems().first()
    data = supply_file(system) + f"sd-4,2024-05-04,{system.pk},30,\n".encode()
    result = run_import(SPECS["supply-days"], data, user=user("ong"), strict=True)
    assert [line for line, _reason in result.rejected] == [5] and not result.written
    assert not SupplyDay.objects.filter(record_id__startswith="sd-").exists()


def test_validated_state_needs_a_user_who_may_validate():
    tesorera = user("tesorera")
    system = scope_for(tesorera).editable(WaterSystem.objects.all()).first()
    header = "record_id,observed_on,system_id,hours,state"
    as_treasurer = run_import(
        SPECS["supply-days"],
        csv_bytes(header, f"t-1,2024-05-01,{system.pk},5,validado"),
        user=tesorera,
    )
    assert as_treasurer.created == 0 and "validados" in as_treasurer.rejected[0][1]

    as_coordinator = run_import(
        SPECS["supply-days"],
        csv_bytes(header, f"t-1,2024-05-01,{system.pk},5,validated"),
        user=user("agencia"),
    )
    assert as_coordinator.created == 1
    day = SupplyDay.objects.get(record_id="t-1")
    assert day.state == "validated" and day.validated_by.username == "agencia"

    change = run_import(
        SPECS["supply-days"],
        csv_bytes("record_id,observed_on,system_id,hours", f"t-1,2024-05-01,{system.pk},8"),
        user=tesorera,
    )
    assert change.updated == 0 and "ya está validado" in change.rejected[0][1]
    assert SupplyDay.objects.get(record_id="t-1").hours == 5


def test_a_file_without_a_required_column_writes_nothing():
    from ojodeagua.lib.tabular import TabularFileError

    with pytest.raises(TabularFileError, match="hours"):
        run_import(
            SPECS["supply-days"], csv_bytes("record_id,observed_on,system_id", "a,2024-05-01,1")
        )


def test_visits_with_component_conditions_and_inspection_answers():
    system = next(s for s in ong_systems() if s.components.filter(kind="storage").exists())
    data = csv_bytes(
        "record_id,observed_on,system_id,working,flow_lps,chlorination,"
        "condition_storage,inspection_form,inspection_q1,inspection_q2,inspection_q3",
        f"v-1,2024-06-10,{system.pk},sí,1.25,no funciona,Regular,red-y-tomas,si,no,sí",
    )
    result = run_import(SPECS["visits"], data, user=user("ong"))
    assert result.rejected == [] and result.created == 1
    visit = SystemVisit.objects.get(record_id="v-1")
    assert visit.working and visit.flow_lps == Decimal("1.25")
    assert visit.chlorination == "not_working" and visit.source == "visit"
    checks = ComponentCheck.objects.filter(visit=visit)
    assert {check.condition for check in checks} == {"fair"}
    assert checks.count() == system.components.filter(kind="storage").count()
    assert visit.inspection_answers.filter(hazard=True).count() == 2
    assert (visit.inspection_score, visit.inspection_risk) == (2, "low")

    again = run_import(SPECS["visits"], data, user=user("ong"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = data.replace(b"si,no,s\xc3\xad", b"si,si,s\xc3\xad")
    updated = run_import(SPECS["visits"], changed, user=user("ong"))
    assert updated.updated == 1
    visit.refresh_from_db()
    assert visit.inspection_score == 3
    assert visit.inspection_answers.filter(hazard=True).count() == 3


def test_a_condition_for_a_component_the_system_lacks_is_rejected():
    system = next(s for s in ong_systems() if not s.components.filter(kind="pump").exists())
    data = csv_bytes(
        "record_id,observed_on,system_id,working,condition_pump",
        f"v-2,2024-06-10,{system.pk},no,malo",
    )
    result = run_import(SPECS["visits"], data, user=user("ong"))
    assert result.created == 0 and "condition_pump" in result.rejected[0][1]


def test_household_surveys_accept_spanish_labels_without_accents():
    system = ong_systems().first()
    locality = system.locality
    data = csv_bytes(
        "record_id,observed_on,locality_key,system_id,respondent_sex,household_size,"
        "water_source,water_on_premises,sufficient_last_month,toilet,handwashing,"
        "water_has_problem,satisfied,monthly_payment",
        f"h-1,2024-07-01,{locality.key},{system.pk},mujer,5,agua entubada en el patio o terreno,"
        "si,no sabe,letrina con losa,LAVAMANOS O LUGAR FIJO,no,si,30.50",
    )
    result = run_import(SPECS["household-surveys"], data, user=user("ong"))
    assert result.rejected == [] and result.created == 1
    survey = HouseholdSurvey.objects.get(record_id="h-1")
    assert (survey.respondent_sex, survey.water_source, survey.toilet) == (
        "F",
        "piped_yard",
        "pit_slab",
    )
    assert survey.sufficient_last_month == "unknown" and survey.monthly_payment == Decimal("30.5")


def test_school_and_health_centre_surveys_by_key():
    school = School.objects.filter(pk__in=scope_for(user("agencia")).editable(School.objects.all()))
    school = school.exclude(key="").first()
    centre = HealthCentre.objects.get(key="CSSSA001234")
    columns = "water_source_improved,water_available,handwashing_water,handwashing_soap"
    schools = run_import(
        SPECS["school-surveys"],
        csv_bytes(
            f"record_id,observed_on,school_key,{columns}",
            f"s-1,2024-03-01,{school.key},si,no,si,no",
        ),
        user=user("agencia"),
    )
    centres = run_import(
        SPECS["health-centre-surveys"],
        csv_bytes(
            f"record_id,observed_on,health_centre_id,{columns}",
            f"c-1,2024-03-01,{centre.pk},si,si,si,si",
        ),
        user=user("agencia"),
    )
    assert (schools.created, schools.rejected, centres.created, centres.rejected) == (1, [], 1, [])
    assert SchoolSurvey.objects.get(record_id="s-1").school == school
    assert HealthCentreSurvey.objects.get(record_id="c-1").water_available is True


def test_xlsx_files_are_read_like_csv():
    system = ong_systems().first()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["record_id", "observed_on", "system_id", "hours"])
    import datetime

    sheet.append(["x-1", datetime.date(2024, 5, 1), system.pk, 7.5])
    sheet.append(["x-2", "02/05/2024", system.pk, 24])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run_import(
        SPECS["supply-days"], buffer.getvalue(), filename="dias.xlsx", user=user("ong")
    )
    assert result.rejected == [] and result.created == 2
    assert SupplyDay.objects.get(record_id="x-1").hours == Decimal("7.5")


def test_the_command_imports_and_exits_1_when_rows_were_rejected(tmp_path, capsys):
    system = ong_systems().first()
    path = tmp_path / "dias.csv"
    path.write_bytes(supply_file(system) + f"sd-4,2024-05-04,{system.pk},30,\n".encode())
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-observations", "supply-days", str(path), "--user", "ong")
    assert exit_info.value.code == 1
    output = capsys.readouterr().out
    assert "Creados: 3" in output and "Fila 5:" in output
    assert SupplyDay.objects.get(record_id="sd-1").recorded_by.username == "ong"


def test_the_upload_page_imports_for_a_facilitator(ong):
    system = ong_systems().first()
    assert ong.get("/importar/").status_code == 200
    upload = SimpleUploadedFile("dias.csv", supply_file(system, hours="30"), "text/csv")
    response = ong.post("/importar/", {"kind": "supply-days", "file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-count="created">2<' in page and 'data-count="rejected">1<' in page
    assert "la columna hours debe ser un número entre 0 y 24" in page
    assert SupplyDay.objects.filter(record_id__startswith="sd-").count() == 2


def test_the_upload_page_dry_run_writes_nothing(ong):
    upload = SimpleUploadedFile("dias.csv", supply_file(ong_systems().first()), "text/csv")
    response = ong.post("/importar/", {"kind": "supply-days", "file": upload, "dry_run": "on"})
    assert 'data-count="created">3<' in response.content.decode()
    assert not SupplyDay.objects.filter(record_id__startswith="sd-").exists()


def test_the_upload_page_refuses_a_committee_member(tesorera):
    assert tesorera.get("/importar/").status_code == 403
    upload = SimpleUploadedFile("dias.csv", b"record_id\n", "text/csv")
    assert tesorera.post("/importar/", {"kind": "supply-days", "file": upload}).status_code == 403
