"""What each kind of job does: the same services the commands and pages call, with progress.

Each function takes the job and a ``progress(done, total, label)`` callable and returns the
job's result: a small JSON summary the job's page shows. A function that raises leaves the job
failed (``services.run``); nothing here writes the job itself.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from ojodeagua.books.verification import described, providers_with_books, remember, verify_books
from ojodeagua.imports.engine import ImportResult, run_import
from ojodeagua.indicators.engine import recompute_all, refresh_books
from ojodeagua.monitoring.import_spec import import_specs
from ojodeagua.providers.models import Provider

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


WORK: dict[str, Work] = {
    Job.Kind.RECOMPUTE: recompute,
    Job.Kind.BOOKS_INDICATORS: books_indicators,
    Job.Kind.LEDGER_VERIFY: ledger_verify,
    Job.Kind.IMPORT: import_observations,
}
