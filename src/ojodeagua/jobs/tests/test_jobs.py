"""Jobs on the task queue: started from a page, run in-process (no broker in the tests), their
progress and result on the job's page, who may see them, /health/, and retries."""

import contextlib
import datetime
import time
import uuid

import pytest
import redis
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client

from ojodeagua.books.models import ChainCheck
from ojodeagua.celery import app
from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.jobs import progress, services, work
from ojodeagua.jobs.models import Job, JobUpload
from ojodeagua.monitoring.models import SupplyDay
from ojodeagua.organisations.scope import scope_for
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import WaterSystem

pytestmark = pytest.mark.django_db


def supply_file(system: WaterSystem, days: int, *, bad_line: bool = False) -> bytes:
    lines = ["record_id,observed_on,system_id,hours,no_water_reason"]
    start = datetime.date(2024, 5, 1)
    for n in range(days):
        lines.append(f"job-sd-{n},{start + datetime.timedelta(days=n)},{system.pk},12,")
    if bad_line:
        lines.append(f"job-sd-bad,2024-05-01,{system.pk},30,")
    return ("\n".join(lines) + "\n").encode()


def ong_system() -> WaterSystem:
    ong = User.objects.get(username="ong")
    return scope_for(ong).editable(WaterSystem.objects.all()).order_by("pk").first()


def test_a_recompute_runs_through_the_queue_and_its_page_shows_progress_and_result(
    agencia, monkeypatch
):
    reported = []
    report = progress.report_progress

    def spy(job, done, total, label="", **kwargs):
        reported.append((done, total, label))
        return report(job, done, total, label, **kwargs)

    monkeypatch.setattr(progress, "report_progress", spy)
    listing = agencia.get("/trabajos/")
    assert listing.status_code == 200
    assert 'action="/trabajos/recalcular/"' in listing.content.decode()

    response = agencia.post("/trabajos/recalcular/", follow=True)
    job = Job.objects.get()
    assert response.redirect_chain == [(f"/trabajos/{job.pk}/", 302)]
    # Each layer of the engine told the job how far it was, in order.
    assert [(done, total) for done, total, _ in reported] == [(n, 5) for n in range(1, 6)]
    assert reported[1][2].startswith("Localidades: listo")
    assert job.state == "done" and job.user.username == "agencia"
    assert job.started_at and job.finished_at and job.attempts == 1
    assert (job.progress_done, job.progress_total) == (5, 5)
    values = IndicatorValue.objects.count()
    assert values > 0 and job.result == {"values": values}
    page = response.content.decode()
    assert 'data-state="done"' in page and "Terminado" in page
    assert '<progress max="5" value="5"' in page
    assert "Pasos hechos: 5 de 5" in page
    assert f"Se calcularon {values:,} valores de indicadores." in page
    # Done: the page stops asking for news.
    assert "hx-trigger" not in page
    # The list shows it with its state.
    assert f'data-job="{job.pk}"' in agencia.get("/trabajos/").content.decode()


def test_a_running_job_page_polls_and_shows_the_live_progress(agencia):
    agency = User.objects.get(username="agencia")
    job = Job.objects.create(kind=Job.Kind.RECOMPUTE, user=agency, state=Job.State.RUNNING)
    # Reported from inside the worker's transaction: the page reads it from the cache.
    progress.report_progress(job, 2, 5, "Localidades: listo")
    page = agencia.get(f"/trabajos/{job.pk}/").content.decode()
    assert f'hx-get="/trabajos/{job.pk}/estado/" hx-trigger="every 2s"' in page
    assert '<progress max="5" value="2"' in page and "Localidades: listo" in page
    fragment = agencia.get(f"/trabajos/{job.pk}/estado/")
    assert fragment["Cache-Control"] == "no-store"
    assert "<html" not in fragment.content.decode()
    assert 'hx-trigger="every 2s"' in fragment.content.decode()
    assert "Pasos hechos: 2 de 5" in fragment.content.decode()


def test_only_the_agency_starts_a_full_recompute(ong, tesorera):
    assert ong.post("/trabajos/recalcular/").status_code == 403
    assert tesorera.post("/trabajos/recalcular/").status_code == 403
    assert 'action="/trabajos/recalcular/"' not in ong.get("/trabajos/").content.decode()
    assert not Job.objects.exists()
    assert Client().post("/trabajos/recalcular/").status_code == 302  # to sign in


def test_a_big_import_goes_to_the_queue_and_its_page_shows_rows_and_result(agencia, ong, settings):
    settings.IMPORT_QUEUE_ROWS = 5
    system = ong_system()
    upload = SimpleUploadedFile("dias.csv", supply_file(system, 8, bad_line=True), "text/csv")
    response = ong.post("/importar/", {"kind": "supply-days", "file": upload}, follow=True)
    job = Job.objects.get()
    assert response.redirect_chain == [(f"/trabajos/{job.pk}/", 302)]
    assert job.kind == "import" and job.state == "done" and job.user.username == "ong"
    assert (job.progress_done, job.progress_total) == (9, 9)
    assert job.result["created"] == 8 and job.result["rejected_count"] == 1
    assert SupplyDay.objects.filter(record_id__startswith="job-sd-").count() == 8
    # The file is not kept once read.
    assert not JobUpload.objects.exists()
    page = response.content.decode()
    assert "Filas revisadas: 9 de 9" in page and '<progress max="9" value="9"' in page
    assert 'data-count="created">8<' in page and 'data-count="rejected">1<' in page
    assert "la columna hours debe ser un número entre 0 y 24" in page
    # The job is about the facilitator's area: her municipality's coordinator sees it too.
    assert set(job.municipalities.values_list("pk", flat=True)) == {system.municipality_id}
    assert agencia.get(f"/trabajos/{job.pk}/").status_code == 200

    # The same file again, through the queue too: nothing is duplicated.
    again = SimpleUploadedFile("dias.csv", supply_file(system, 8, bad_line=True), "text/csv")
    ong.post("/importar/", {"kind": "supply-days", "file": again})
    second = Job.objects.exclude(pk=job.pk).get()
    assert (second.result["created"], second.result["unchanged"]) == (0, 8)
    assert SupplyDay.objects.filter(record_id__startswith="job-sd-").count() == 8


def test_a_small_import_stays_on_the_page(ong, settings):
    settings.IMPORT_QUEUE_ROWS = 5
    upload = SimpleUploadedFile("dias.csv", supply_file(ong_system(), 5), "text/csv")
    response = ong.post("/importar/", {"kind": "supply-days", "file": upload})
    assert response.status_code == 200
    assert 'data-count="created">5<' in response.content.decode()
    assert not Job.objects.exists()


def test_an_unreadable_big_file_ends_the_job_failed_with_what_to_fix(ong, settings):
    settings.IMPORT_QUEUE_ROWS = 1
    text = b"record_id,observed_on\nx-1,2024-05-01\nx-2,2024-05-02\n"
    upload = SimpleUploadedFile("dias.csv", text, "text/csv")
    response = ong.post("/importar/", {"kind": "supply-days", "file": upload}, follow=True)
    job = Job.objects.get()
    assert job.state == "failed" and "faltan columnas" in job.error
    page = response.content.decode()
    assert 'data-state="failed"' in page and "faltan columnas" in page
    assert "hx-trigger" not in page


def test_another_person_cannot_see_the_job(agencia, ong, tesorera):
    agencia.post("/trabajos/recalcular/")
    job = Job.objects.get()
    for client in (ong, tesorera):
        assert client.get(f"/trabajos/{job.pk}/").status_code == 404
        assert client.get(f"/trabajos/{job.pk}/estado/").status_code == 404
        assert f'data-job="{job.pk}"' not in client.get("/trabajos/").content.decode()
    assert Client().get(f"/trabajos/{job.pk}/").status_code == 302


def test_a_coordinator_does_not_see_an_import_of_another_area(agencia, settings):
    settings.IMPORT_QUEUE_ROWS = 1
    somewhere = Job.objects.create(kind=Job.Kind.IMPORT, state=Job.State.DONE, result={})
    agency_scope = scope_for(User.objects.get(username="agencia"))
    from ojodeagua.places.models import Municipality

    elsewhere = Municipality.objects.exclude(pk__in=agency_scope.audit.municipality_ids).first()
    somewhere.municipalities.set([elsewhere])
    assert agencia.get(f"/trabajos/{somewhere.pk}/").status_code == 404


def test_the_nightly_ledger_check_remembers_each_committee_and_shows_what_each_reader_sees(
    agencia, tesorera
):
    ChainCheck.objects.all().delete()
    job = services.start(Job.Kind.LEDGER_VERIFY)
    assert job.state == "done" and job.user is None
    assert job.result["checked"] == len(job.result["providers"]) > 1
    assert job.result["bad"] == 0
    assert ChainCheck.objects.count() == job.result["checked"]
    page = agencia.get(f"/trabajos/{job.pk}/").content.decode()
    assert "Trabajo programado" in page and ": OK" in page
    seen = scope_for(User.objects.get(username="agencia")).visible(
        Provider.objects.filter(pk__in=[p["provider"] for p in job.result["providers"]])
    )
    assert f"Se revisaron las cuentas de {seen.count()} comités; en 0 algo" in page
    # Service-wide work: not for a committee member.
    assert tesorera.get(f"/trabajos/{job.pk}/").status_code == 404


def test_a_job_that_fails_says_so_and_a_busy_database_is_tried_again(agencia, monkeypatch):
    def broken(job, report):
        raise ValueError("boom")

    monkeypatch.setitem(work.WORK, Job.Kind.RECOMPUTE, broken)
    response = agencia.post("/trabajos/recalcular/", follow=True)
    job = Job.objects.get()
    assert job.state == "failed" and "ValueError" in job.error
    assert "Avise a quien administra el servicio" in response.content.decode()

    tries = []

    def locked(job, report):
        tries.append(job.pk)
        raise OperationalError("database is locked")

    monkeypatch.setitem(work.WORK, Job.Kind.BOOKS_INDICATORS, locked)
    busy = services.start(Job.Kind.BOOKS_INDICATORS)
    # The first try and 3 more, then the job ends failed.
    assert len(tries) == 4
    assert busy.state == "failed" and busy.attempts == 4
    assert "OperationalError" in busy.error


def test_report_progress_writes_at_most_every_half_second(monkeypatch):
    job = Job.objects.create(kind=Job.Kind.RECOMPUTE, state=Job.State.RUNNING)
    now = [100.0]
    monkeypatch.setattr(progress, "clock", lambda: now[0])

    def live():
        return cache.get(progress.cache_key(job.pk))

    assert progress.report_progress(job, 1, 10, "uno")
    assert live() == {"done": 1, "total": 10, "label": "uno"}
    now[0] += 0.2
    assert not progress.report_progress(job, 2, 10, "dos")
    assert live()["done"] == 1
    now[0] += 0.2
    assert not progress.report_progress(job, 3, 10, "tres")
    now[0] += 0.2  # 0.6 s since the last write
    assert progress.report_progress(job, 4, 10, "cuatro")
    assert live()["done"] == 4
    # The last step is never skipped, nor a forced one.
    now[0] += 0.1
    assert progress.report_progress(job, 5, 10, "cinco", force=True)
    now[0] += 0.1
    assert progress.report_progress(job, 10, 10, "listo")
    assert live() == {"done": 10, "total": 10, "label": "listo"}


def test_health_names_the_queue_in_process():
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json()["queue"] == "eager"


@contextlib.contextmanager
def broker(url: str):
    """The Celery app with a broker, as in production, for the length of the block."""
    kept = {name: app.conf[name] for name in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=url)
    try:
        yield
    finally:
        app.conf.update(kept)
        # Connections to that broker are not reused after it.
        app.pool.force_close_all()
        app._pool = None


def test_health_fails_when_the_broker_does_not_answer():
    with broker("redis://127.0.0.1:1/0"):
        response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json()["queue"] == "error" and response.json()["status"] == "error"


REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_answers(), reason="no Redis at 127.0.0.1:6379")
def test_a_real_worker_takes_a_job_from_redis_and_runs_it(transactional_db):
    """The production path: the page's process puts the task on Redis, a worker (Celery's own,
    solo pool, in a thread of this process so it reads the test database) takes it and runs
    it, and the job's row tells how it ended."""
    from celery.contrib.testing.worker import start_worker

    queue = f"ojodeagua-test-{uuid.uuid4().hex}"
    with broker(REDIS_TEST_URL):
        app.conf.task_default_queue = queue
        try:
            assert Client().get("/health/").json()["queue"] == "ok"
            # No worker yet: the job waits on the queue, it is not run in this process.
            job = services.start(Job.Kind.BOOKS_INDICATORS)
            assert job.state == "queued"
            with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
                deadline = time.monotonic() + 30
                while job.state not in Job.FINISHED and time.monotonic() < deadline:
                    time.sleep(0.2)
                    job.refresh_from_db()
        finally:
            app.conf.task_default_queue = "celery"
    # This run's queue and its bindings leave nothing behind in Redis.
    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.delete(*client.keys(f"*{queue}*") or ["-"])
    assert job.state == "done", job.error
    assert set(job.result) == {"providers", "values"} and job.attempts == 1


def test_the_nightly_schedule_names_real_tasks_and_kinds(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    jobs = [e for e in schedule.values() if e["task"] == "ojodeagua.jobs.tasks.run_scheduled"]
    assert {entry["args"][0] for entry in jobs} == {
        Job.Kind.LEDGER_VERIFY,
        Job.Kind.BOOKS_INDICATORS,
        Job.Kind.ESCALATE_COMPLAINTS,
    }
    for entry in jobs:
        assert entry["args"][0] in work.WORK
    # Every entry names a task the worker knows (the phones' submissions left waiting too).
    for entry in schedule.values():
        assert entry["task"] in app.tasks
    assert "ojodeagua.fieldcollection.tasks.map_received" in {e["task"] for e in schedule.values()}


def test_a_scheduled_run_records_a_job_nobody_started():
    from ojodeagua.jobs.tasks import run_scheduled

    job_id = run_scheduled.apply(args=[Job.Kind.BOOKS_INDICATORS]).get()
    job = Job.objects.get(pk=job_id)
    assert job.user is None and job.kind == "books_indicators" and job.state == "done"
    assert job.result["providers"] > 0 and job.result["values"] > 0
