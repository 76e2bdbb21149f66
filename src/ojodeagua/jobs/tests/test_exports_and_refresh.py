"""Big downloads, big refreshes and a municipality's recompute on the task queue (in-process in
the tests): started from a page, followed on the job's page, the file downloaded by who asked."""

import csv
import datetime
import io
import pathlib

import pytest
import redis
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from ojodeagua.indicators.engine import recompute_all
from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.jobs import services, work
from ojodeagua.jobs.models import Job
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Municipality
from ojodeagua.watersystems.models import WaterSystem

pytestmark = pytest.mark.django_db

CSV_URL = "/indicadores/exportar/valores.csv"
XLSX_URL = "/indicadores/exportar/valores.xlsx"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path) -> pathlib.Path:
    settings.JOB_FILES_DIR = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.JOB_FILES_DIR


def csv_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def berriozabal() -> Municipality:
    return Municipality.objects.get(key="07012")


# Downloads ------------------------------------------------------------------------------------
def test_a_big_download_is_prepared_on_the_queue_and_downloaded_by_who_asked(
    agencia, ong, tesorera, settings, private_files
):
    query = {"municipality": berriozabal().pk}
    settings.EXPORT_QUEUE_ROWS = 10**9
    inline = agencia.get(CSV_URL, query)
    expected = csv_of(b"".join(inline.streaming_content))
    assert len(expected) - 1 > 10
    settings.EXPORT_QUEUE_ROWS = 10

    # A plain link asks first: nothing is queued by following it.
    asked = agencia.get(CSV_URL, query)
    assert asked.status_code == 200 and not Job.objects.exists()
    page = asked.content.decode()
    assert f'data-rows="{len(expected) - 1}"' in page
    assert f'action="{CSV_URL}?municipality={query["municipality"]}"' in page

    response = agencia.post(f"{CSV_URL}?municipality={query['municipality']}", follow=True)
    job = Job.objects.get()
    assert response.redirect_chain == [(f"/trabajos/{job.pk}/", 302)]
    assert job.kind == "export" and job.state == "done", job.error
    rows = len(expected) - 1
    assert job.result == {"filename": job.result["filename"], "format": "csv", "rows": rows}
    assert (job.progress_done, job.progress_total) == (rows, rows)
    page = response.content.decode()
    assert f'<progress max="{rows}" value="{rows}"' in page
    assert f"Filas escritas: {rows:,} de {rows:,}" in page
    assert f'href="/trabajos/{job.pk}/archivo/"' in page
    assert f"El archivo {job.result['filename']} está listo: {rows:,} filas." in page

    download = agencia.get(f"/trabajos/{job.pk}/archivo/")
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"] and "private" in download["Cache-Control"]
    assert f'filename="{job.result["filename"]}"' in download["Content-Disposition"]
    # The same rows the page would have sent.
    assert csv_of(b"".join(download.streaming_content)) == expected
    # Kept in the private folder, not where media or static files are served from.
    stored = pathlib.Path(job.file.path)
    assert stored.is_file() and private_files in stored.parents
    assert not pathlib.Path(settings.MEDIA_ROOT).exists()

    # Nobody else: another person does not see the job; a stranger must sign in.
    for client in (ong, tesorera):
        assert client.get(f"/trabajos/{job.pk}/").status_code == 404
        assert client.get(f"/trabajos/{job.pk}/archivo/").status_code == 404
    assert Client().get(f"/trabajos/{job.pk}/archivo/").status_code == 302


def test_the_coordinator_sees_a_facilitators_export_but_only_she_downloads_it(
    agencia, ong, settings
):
    settings.EXPORT_QUEUE_ROWS = 1
    ong.post(f"{XLSX_URL}?municipality={berriozabal().pk}")
    job = Job.objects.get()
    assert job.user.username == "ong" and job.state == "done", job.error
    # What the facilitator may see, as a workbook she opens.
    download = ong.get(f"/trabajos/{job.pk}/archivo/")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row - 1 == job.result["rows"] > 1
    # The job is about the facilitator's area: the coordinator of Berriozábal follows it ...
    assert set(job.municipalities.all()) <= set(
        Municipality.objects.filter(
            pk__in=scope_for(User.objects.get(username="agencia")).audit.municipality_ids
        )
    )
    page = agencia.get(f"/trabajos/{job.pk}/").content.decode()
    assert "Solo quien lo pidió puede descargarlo" in page
    assert "/archivo/" not in page
    # ... but the file holds what the facilitator sees, and is hers.
    assert agencia.get(f"/trabajos/{job.pk}/archivo/").status_code == 403


def test_a_small_download_is_sent_at_once_and_bad_filters_are_refused_either_way(agencia, settings):
    settings.EXPORT_QUEUE_ROWS = 10**9
    response = agencia.get(CSV_URL, {"municipality": berriozabal().pk})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    settings.EXPORT_QUEUE_ROWS = 1
    for method in (agencia.get, agencia.post):
        refused = method(f"{CSV_URL}?from=mayo")
        assert refused.status_code == 400
        assert "revise los filtros" in refused.content.decode()
    assert not Job.objects.exists()


def test_the_export_job_builds_the_table_for_its_person_today(agencia, settings):
    """A job reads with the scope of who asked when it runs: a facilitator's job does not
    reach beyond her area even if the query names another municipality."""
    settings.EXPORT_QUEUE_ROWS = 1
    ocozocoautla = Municipality.objects.get(key="07061")
    ong = User.objects.get(username="ong")
    job = services.start(
        Job.Kind.EXPORT,
        ong,
        export="indicator-values",
        format="csv",
        query=f"municipality={ocozocoautla.pk}",
    )
    assert job.state == "failed"
    assert "revise los filtros" in job.error


def test_old_files_are_deleted_after_their_days(agencia, settings, private_files):
    settings.EXPORT_QUEUE_ROWS = 1
    agencia.post(f"{CSV_URL}?municipality={berriozabal().pk}")
    job = Job.objects.get()
    path = pathlib.Path(job.file.path)
    assert path.is_file()
    assert services.forget_old_files() == 0
    Job.objects.filter(pk=job.pk).update(
        finished_at=job.finished_at - datetime.timedelta(days=settings.JOB_FILES_KEPT_DAYS + 1)
    )
    assert services.forget_old_files() == 1
    job.refresh_from_db()
    assert not job.file and not path.exists()
    assert agencia.get(f"/trabajos/{job.pk}/archivo/").status_code == 404
    assert "El archivo ya se borró" in agencia.get(f"/trabajos/{job.pk}/").content.decode()


# Refreshes ------------------------------------------------------------------------------------
def supply_file(systems: list[WaterSystem], day: datetime.date) -> bytes:
    """A day of supply of these systems, 7 hours each: the demo's record of that day corrected
    (its own record_id), or a new one."""
    known = dict(
        SupplyDay.objects.filter(system__in=systems, observed_on=day).values_list(
            "system_id", "record_id"
        )
    )
    lines = ["record_id,observed_on,system_id,hours,no_water_reason"]
    lines += [f"{known.get(s.pk, f'refresh-{s.pk}')},{day},{s.pk},7," for s in systems]
    return ("\n".join(lines) + "\n").encode()


def a_day_with_figures() -> datetime.date:
    """A day in the last month the demo's figures reach (its data's months bound a refresh)."""
    return IndicatorValue.objects.filter(entity="system").latest("period").period.replace(day=3)


def editable_systems(count: int) -> list[WaterSystem]:
    ong = User.objects.get(username="ong")
    systems = list(scope_for(ong).editable(WaterSystem.objects.all()).order_by("pk")[:count])
    assert len(systems) == count
    return systems


def test_a_change_that_reaches_many_systems_is_refreshed_by_one_job(
    ong, agencia, settings, django_capture_on_commit_callbacks
):
    settings.REFRESH_QUEUE_SYSTEMS = 2
    systems, day = editable_systems(3), a_day_with_figures()
    upload = SimpleUploadedFile("dias.csv", supply_file(systems, day))
    with django_capture_on_commit_callbacks(execute=True):
        response = ong.post("/importar/", {"kind": "supply-days", "file": upload, "dry_run": ""})
    assert response.status_code == 200
    assert SupplyDay.objects.filter(system__in=systems, observed_on=day, hours=7).count() == 3
    job = Job.objects.get()
    assert job.kind == "refresh" and job.user is None and job.state == "done", job.error
    assert len(job.params["places"]) == 3 and job.result["places"] == 3
    assert job.result["values"] > 0
    assert set(job.municipalities.all()) == {
        Municipality.objects.get(pk=systems[0].municipality_id)
    }
    # The systems' values of that month were computed again.
    june = IndicatorValue.objects.filter(
        entity="system", entity_id=systems[0].pk, period=day.replace(day=1)
    )
    assert june.filter(computed_at__gte=job.started_at).exists()
    page = agencia.get(f"/trabajos/{job.pk}/").content.decode()
    assert "de 3 lugares y días que cambiaron" in page


def test_a_change_to_few_systems_is_refreshed_at_once(
    ong, settings, django_capture_on_commit_callbacks
):
    settings.REFRESH_QUEUE_SYSTEMS = 3
    systems, day = editable_systems(3), a_day_with_figures()
    upload = SimpleUploadedFile("dias.csv", supply_file(systems, day))
    with django_capture_on_commit_callbacks(execute=True):
        ong.post("/importar/", {"kind": "supply-days", "file": upload, "dry_run": ""})
    assert not Job.objects.exists()
    assert IndicatorValue.objects.filter(
        entity="system", entity_id=systems[0].pk, period=day.replace(day=1)
    ).exists()


def test_a_refresh_waiting_for_the_same_places_is_not_queued_twice():
    places = [
        {
            "model": "monitoring.SupplyDay",
            "observed_on": "2024-06-03",
            "system_id": 1,
            "locality_id": None,
            "municipality_id": None,
        }
    ]
    waiting = Job.objects.create(kind=Job.Kind.REFRESH, params={"places": places})
    assert services.start_refresh(places, set()) == waiting
    assert Job.objects.count() == 1


def test_a_big_import_on_the_queue_refreshes_inside_its_own_job(
    ong, settings, django_capture_on_commit_callbacks
):
    settings.REFRESH_QUEUE_SYSTEMS = 1
    settings.IMPORT_QUEUE_ROWS = 1
    systems, day = editable_systems(3), a_day_with_figures()
    upload = SimpleUploadedFile("dias.csv", supply_file(systems, day))
    with django_capture_on_commit_callbacks(execute=True):
        ong.post("/importar/", {"kind": "supply-days", "file": upload, "dry_run": ""})
    job = Job.objects.get()
    assert job.kind == "import" and job.result["created"] + job.result["updated"] == 3
    assert IndicatorValue.objects.filter(
        entity="system",
        entity_id=systems[0].pk,
        period=day.replace(day=1),
        computed_at__gte=job.started_at,
    ).exists()


# A municipality's recompute ------------------------------------------------------------------
def test_a_coordinator_recomputes_her_municipality_as_a_full_recompute_would(agencia):
    municipality = berriozabal()
    recompute_all()

    def figures():
        return sorted(
            IndicatorValue.objects.filter(municipality_id=municipality.pk).values_list(
                "indicator", "entity", "entity_id", "period", "value", "label"
            )
        )

    expected = figures()
    assert expected
    IndicatorValue.objects.filter(municipality_id=municipality.pk, entity="system").delete()
    assert agencia.get("/trabajos/").content.decode().count('name="municipality"') == 1

    response = agencia.post(
        "/trabajos/recalcular-municipio/", {"municipality": municipality.pk}, follow=True
    )
    job = Job.objects.get()
    assert response.redirect_chain == [(f"/trabajos/{job.pk}/", 302)]
    assert job.kind == "recompute_municipality" and job.state == "done", job.error
    assert list(job.municipalities.all()) == [municipality]
    assert figures() == expected
    assert f"de {municipality.name} (" in response.content.decode()


def test_only_a_coordinator_recomputes_and_only_her_municipalities(agencia, ong, tesorera):
    ocozocoautla = Municipality.objects.get(key="07061")
    refused = agencia.post("/trabajos/recalcular-municipio/", {"municipality": ocozocoautla.pk})
    assert refused.status_code == 400
    for client in (ong, tesorera):
        assert 'name="municipality"' not in client.get("/trabajos/").content.decode()
        answer = client.post("/trabajos/recalcular-municipio/", {"municipality": berriozabal().pk})
        assert answer.status_code == 403
    assert not Job.objects.exists()


# Retries and failures -------------------------------------------------------------------------
def test_a_redis_that_does_not_answer_is_tried_again_and_the_page_says_so_in_spanish(
    agencia, monkeypatch
):
    tries = []

    def unreachable(job, report):
        tries.append(job.pk)
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setitem(work.WORK, Job.Kind.RECOMPUTE, unreachable)
    response = agencia.post("/trabajos/recalcular/", follow=True)
    job = Job.objects.get()
    # The first try and 3 more, then the job ends failed, saying what happened and what to do.
    assert len(tries) == 4 and job.attempts == 4
    assert job.state == "failed"
    page = response.content.decode()
    assert 'data-state="failed"' in page and 'role="alert"' in page
    assert "no respondió en 4 intentos (ConnectionError). Vuelva a pedirlo más tarde" in page


def test_progress_survives_a_cache_that_does_not_answer(monkeypatch):
    from ojodeagua.jobs import progress

    job = Job.objects.create(kind=Job.Kind.RECOMPUTE, state=Job.State.RUNNING)

    def down(*args, **kwargs):
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(progress.cache, "set", down)
    # The work goes on: no error reaches it.
    assert progress.report_progress(job, 3, 5, "tres")
    assert (job.progress_done, job.progress_total) == (3, 5)


def test_every_kind_of_job_has_its_work():
    assert set(work.WORK) == set(Job.Kind.values)


def books_journal_url() -> str:
    from ojodeagua.organisations.models import Membership

    provider = Membership.objects.get(user__username="tesorera").providers.get()
    return f"/cuentas/{provider.pk}/exportar/asientos.csv"


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("tesorera", books_journal_url),
        ("agencia", lambda: "/integridad/exportar/hojas-de-ruta.csv"),
        ("agencia", lambda: "/integridad/exportar/valoraciones.csv"),
    ],
    ids=["books-journal", "integrity-roadmaps", "integrity-ratings"],
)
def test_every_big_download_goes_the_same_way(who, url, settings, ong):
    from ojodeagua.conftest import login_client

    client, address = login_client(who), url()
    settings.EXPORT_QUEUE_ROWS = 10**9
    expected = csv_of(b"".join(client.get(address).streaming_content))
    assert len(expected) > 2
    settings.EXPORT_QUEUE_ROWS = 1
    assert f'data-rows="{len(expected) - 1}"' in client.get(address).content.decode()
    client.post(address)
    job = Job.objects.get()
    assert job.state == "done" and job.result["rows"] == len(expected) - 1, job.error
    download = client.get(f"/trabajos/{job.pk}/archivo/")
    assert csv_of(b"".join(download.streaming_content)) == expected
    assert ong.get(f"/trabajos/{job.pk}/archivo/").status_code == 404


def test_a_file_is_refused_to_whoever_can_no_longer_see_what_it_holds(settings):
    """The treasurer prepared her committee's journal, then left the committee: the file was
    hers, and is hers no longer."""
    from ojodeagua.conftest import login_client
    from ojodeagua.organisations.models import Membership

    treasurer, address = login_client("tesorera"), books_journal_url()
    settings.EXPORT_QUEUE_ROWS = 1
    treasurer.post(address)
    job = Job.objects.get()
    assert job.state == "done", job.error
    assert treasurer.get(f"/trabajos/{job.pk}/archivo/").status_code == 200

    Membership.objects.get(user__username="tesorera").providers.clear()
    refused = treasurer.get(f"/trabajos/{job.pk}/archivo/")
    assert refused.status_code == 403
    assert "Este archivo tiene datos que usted ya no puede ver" in refused.content.decode()


def test_an_export_written_again_by_a_retry_leaves_one_file(agencia, settings, private_files):
    settings.EXPORT_QUEUE_ROWS = 1
    agencia.post(f"{CSV_URL}?municipality={berriozabal().pk}")
    job = Job.objects.get()
    assert job.state == "done", job.error
    first = pathlib.Path(job.file.path)

    work.export(Job.objects.get(pk=job.pk), lambda *progress: None)

    assert [path.name for path in first.parent.iterdir()] == [first.name]
    assert Job.objects.get(pk=job.pk).file.path == str(first)
