"""The upload page for observation files: check or import a CSV or XLSX and see what happened."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ojodeagua.imports.engine import run_import
from ojodeagua.imports.forms import ImportForm, import_page_context
from ojodeagua.imports.reading import looks_big, read_table
from ojodeagua.lib import background
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.organisations.scope import scope_for

from .import_spec import import_specs


def worth_a_job(data: bytes, filename: str) -> bool:
    """Whether a file goes to the task queue: more rows (``IMPORT_QUEUE_ROWS``) or megabytes
    (``IMPORT_QUEUE_MEGABYTES``) than a page should wait for. A file that looks big is read
    here first, within the page's limits, so one the importer would refuse (too many rows, a
    zip bomb) is refused on this page at once, as before; raises ``TabularFileError``."""
    rows, megabytes = settings.IMPORT_QUEUE_ROWS, settings.IMPORT_QUEUE_MEGABYTES
    if not looks_big(data, filename, rows=rows, megabytes=megabytes):
        return False
    return len(read_table(data, filename).rows) > rows or len(data) > megabytes * 1024 * 1024


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).can_create:
        raise PermissionDenied
    result = file_error = None
    form = ImportForm(request.POST or None, request.FILES or None, specs=import_specs())
    if request.method == "POST" and form.is_valid():
        spec = import_specs()[form.cleaned_data["kind"]]
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            if worth_a_job(data, upload.name) and (
                job_page := background.start(
                    "import",
                    request.user,
                    data=data,
                    filename=upload.name,
                    import_kind=form.cleaned_data["kind"],
                    strict=form.cleaned_data["strict"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            ):
                # A big file is a job on the queue, run by the same engine; its page shows the
                # rows as they are checked, and the result when it ends.
                return redirect(job_page)
            result = run_import(
                spec,
                data,
                filename=upload.name,
                user=request.user,
                strict=form.cleaned_data["strict"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except TabularFileError as error:
            file_error = str(error)
    context = import_page_context(form, result, file_error, import_specs())
    return render(request, "monitoring/import.html", context)
