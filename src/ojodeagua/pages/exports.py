"""The one way a page sends a download that may be big: at once when small, else as a job.

A view names its export (registered with ``lib.exports.register``) and the format; this builds
the table for the person asking. Up to ``EXPORT_QUEUE_ROWS`` rows (a fifth of that for XLSX,
slower to write) the file is sent at once, as before. Past that, the page says how many rows
there are and offers a button (a POST to the same address, never a plain link, so nothing is
queued by a crawler or a prefetch); the button hands the export to the task queue
(``lib.background``) and leads to the job's page, which shows the rows written and, at the
end, the file to download.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render

from ojodeagua.lib import background
from ojodeagua.lib import exports as registry
from ojodeagua.lib.xlsx import tabular_download

# Writing a row of a workbook costs about five of a CSV (23,446 indicator values: 4.7 s as CSV,
# 23 s as XLSX on the 2-core test machine, busy); a CSV is also sent as it is written.
XLSX_WEIGHT = 5


def limit(fmt: str) -> int:
    """The most rows a page sends at once in this format."""
    return settings.EXPORT_QUEUE_ROWS // (XLSX_WEIGHT if fmt == "xlsx" else 1)


def export_response(request: HttpRequest, name: str, fmt: str, **named: object) -> HttpResponse:
    """The download ``name`` as ``fmt`` for ``request.user``, filtered by the GET parameters and
    ``named`` (what the address names, such as a committee's id)."""
    query = request.GET.copy()
    for key, value in named.items():
        query[key] = str(value)
    try:
        table = registry.build(name, request.user, query)
    except registry.ExportRefused as refused:
        return HttpResponseBadRequest(str(refused), content_type="text/plain; charset=utf-8")
    big = table.count is not None and table.count > limit(fmt)
    if big and background.available():
        if request.method == "POST":
            job_page = background.start(
                "export", request.user, export=name, format=fmt, query=query.urlencode()
            )
            if job_page:
                return redirect(job_page)
        else:
            return render(
                request,
                "pages/export_queue.html",
                {"count": table.count, "format": fmt.upper(), "limit": limit(fmt)},
            )
    return tabular_download(fmt, table.name, table.sheet, table.header, table.rows)
