"""What each kind of job does: the same services the commands and pages call, with progress.

Each function takes the job and a ``progress(done, total, label)`` callable and returns the
job's result: a small JSON summary the job's page shows. A function that raises leaves the job
failed (``services.run``); nothing here writes the job itself, except an export's file.

Adding a kind of job is one entry in each of three places:

1. ``models.Job.Kind``: its name and the Spanish label its page and the list show (and a
   migration, for the new choice);
2. a function here, ``(job, progress) -> dict``, added to ``WORK``: it calls the app's own
   service, passes ``progress`` on, and returns what the page shows;
3. what starts it: ``services.start(kind, user, municipality_ids=..., **params)`` from a page
   of this app or a command, ``lib.background.start`` from a page of an app below this one
   (``services.start_for_page`` says which kinds a page may ask for), or an entry in
   ``CELERY_BEAT_SCHEDULE`` for nightly work (``tasks.run_scheduled``).

The job's page shows the progress of any kind; its result, past the generic "done", is a branch
of ``templates/jobs/_status.html``. Retries, the failure message and who may see the job come
with ``services.run`` and ``Job.objects.visible_to`` and need nothing new.
"""

import datetime
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.books.verification import described, providers_with_books, remember, verify_books
from ojodeagua.imports.engine import ImportResult, run_import
from ojodeagua.indicators.engine import recompute_all, refresh_after, refresh_books
from ojodeagua.integrity.register import escalate_overdue
from ojodeagua.lib import exports
from ojodeagua.lib import refresh as figures
from ojodeagua.monitoring.import_spec import import_specs
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import WaterSystem

from .models import Job, JobUpload

Progress = Callable[[int, int, str], object]
Work = Callable[[Job, Progress], dict[str, Any]]

# The rejected rows a job's result keeps, as the upload page shows them.
REJECTIONS_KEPT = 500


def recompute(job: Job, progress: Progress) -> dict[str, Any]:
    """``ojodeagua indicators --recompute``: every indicator value again."""
    return {"values": recompute_all(progress=progress)}


def books_indicators(job: Job, progress: Progress) -> dict[str, Any]:
    """``ojodeagua indicators --books``: the financial figures of every provider with books."""
    ids = providers_with_books()
    progress(0, 1, _("Calculando las cifras de %(count)s comités") % {"count": len(ids)})
    written = refresh_books(ids)
    progress(1, 1, _("Cifras calculadas"))
    return {"providers": len(ids), "values": written}


def ledger_verify(job: Job, progress: Progress) -> dict[str, Any]:
    """``ojodeagua ledger verify``: every committee's books, each result remembered for the
    books' pages (as the command does). The result names each committee with what was found;
    the job's page shows each reader only the committees she sees."""
    ids = providers_with_books()
    names = dict(Provider.objects.filter(pk__in=ids).values_list("pk", "name"))
    checked = []
    for index, pk in enumerate(ids):
        progress(
            index,
            len(ids),
            _("Revisando las cuentas del comité %(n)s de %(total)s")
            % {"n": index + 1, "total": len(ids)},
        )
        report = verify_books(pk)
        remember(report)
        lines = described(names.get(pk, str(pk)), report)
        checked.append({"provider": pk, "ok": report.ok, "lines": lines})
    progress(len(ids), len(ids), _("Cuentas revisadas"))
    return {
        "checked": len(ids),
        "bad": sum(not each["ok"] for each in checked),
        "providers": checked,
    }


def escalate_complaints(job: Job, progress: Progress) -> dict[str, Any]:
    """Complaints past their deadline with no answer go up to the municipal agency, once
    (``integrity.register.escalate_overdue``). The result counts them by committee, no text."""
    progress(0, 1, _("Buscando quejas sin respuesta después de su fecha"))
    turned = escalate_overdue(timezone.localdate())
    by_provider: dict[int, int] = {}
    for complaint in turned:
        by_provider[complaint.provider_id] = by_provider.get(complaint.provider_id, 0) + 1
    progress(1, 1, _("Quejas turnadas a la agencia"))
    return {"escalated": len(turned), "providers": by_provider}


def import_observations(job: Job, progress: Progress) -> dict[str, Any]:
    """An observation file from the upload page, run by the same engine (atomic, idempotent
    by ``record_id``). A file that cannot be read raises ``TabularFileError``."""
    upload = JobUpload.objects.get(job=job)
    spec = import_specs()[job.params["import_kind"]]
    result = run_import(
        spec,
        bytes(upload.data),
        filename=upload.filename,
        user=job.user,
        strict=job.params.get("strict", False),
        dry_run=job.params.get("dry_run", False),
        progress=progress,
    )
    return import_summary(result, str(spec.label), upload.filename)


def import_summary(result: ImportResult, label: str, filename: str) -> dict[str, Any]:
    return {
        "label": label,
        "filename": filename,
        "rows": result.rows,
        "records": result.records,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected_count": len(result.rejected),
        "rejected": [[line, reason] for line, reason in result.rejected[:REJECTIONS_KEPT]],
        "ignored_columns": list(result.ignored_columns),
        "written": result.written,
        "dry_run": result.dry_run,
    }


def export(job: Job, progress: Progress) -> dict[str, Any]:
    """A download too big for a page (``pages.exports``): the same table, built again for the
    person who asked (her scope today, not the page's), written to the job's private file."""
    params = job.params
    table = exports.build(params["export"], job.user, QueryDict(params["query"]))
    fmt = params["format"]
    filename = f"{table.name}.{fmt}"
    progress(0, table.count or 0, "")
    with tempfile.TemporaryFile() as handle:
        rows = exports.write(table, fmt, handle, progress)
        handle.seek(0)
        job.file.save(filename, File(handle), save=False)
    job.save(update_fields=["file"])
    return {"filename": filename, "format": fmt, "rows": rows}


def refresh(job: Job, progress: Progress) -> dict[str, Any]:
    """The indicators a big change touched (``lib.refresh``): the places and days its records
    were about, refreshed as the request would have done."""
    places = job.params["places"]
    progress(
        0, 1, _("Actualizando los indicadores de %(count)s lugares y días") % {"count": len(places)}
    )
    written = refresh_after(figures.rebuilt(places))
    progress(1, 1, _("Indicadores actualizados"))
    return {"places": len(places), "values": written}


@dataclass
class _Place:
    """A place at a day, as a refresh reads an observation (``lib.refresh.PLACE_FIELDS``)."""

    observed_on: datetime.date
    municipality_id: int
    system_id: int | None = None
    locality_id: int | None = None


# Before and after any data: the refresh keeps the months the data has.
EVERY_MONTH = (datetime.date(1900, 1, 1), datetime.date(2999, 12, 1))


def recompute_municipality(job: Job, progress: Progress) -> dict[str, Any]:
    """Every month of one municipality's figures again (its systems, localities and providers,
    the municipality and the areas above it), by the engine's own refresh: what a full
    recompute would write for it, without the rest of the state."""
    municipality = Municipality.objects.get(pk=job.params["municipality"])
    systems = list(
        WaterSystem.objects.filter(municipality=municipality).values_list("pk", flat=True)
    )
    localities = list(
        Locality.objects.filter(municipality=municipality).values_list("pk", flat=True)
    )
    progress(
        0,
        1,
        _("Recalculando %(systems)s sistemas y %(localities)s localidades de %(name)s")
        % {"systems": len(systems), "localities": len(localities), "name": municipality.name},
    )
    places = [
        _Place(day, municipality.pk, system_id=pk) for pk in systems for day in EVERY_MONTH
    ] + [_Place(day, municipality.pk, locality_id=pk) for pk in localities for day in EVERY_MONTH]
    written = refresh_after(places) if places else 0
    progress(1, 1, _("Indicadores recalculados"))
    return {
        "municipality": municipality.name,
        "systems": len(systems),
        "localities": len(localities),
        "values": written,
    }


WORK: dict[str, Work] = {
    Job.Kind.RECOMPUTE: recompute,
    Job.Kind.BOOKS_INDICATORS: books_indicators,
    Job.Kind.LEDGER_VERIFY: ledger_verify,
    Job.Kind.ESCALATE_COMPLAINTS: escalate_complaints,
    Job.Kind.IMPORT: import_observations,
    Job.Kind.EXPORT: export,
    Job.Kind.REFRESH: refresh,
    Job.Kind.RECOMPUTE_MUNICIPALITY: recompute_municipality,
}
