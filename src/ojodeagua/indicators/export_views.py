"""Download the indicator values the user may see, as CSV or XLSX, with the list's filters.

A state-wide selection can hold hundreds of thousands of values: past ``EXPORT_QUEUE_ROWS``
the file is prepared on the task queue (``pages.exports``), from the same table
(``exports.values_table``).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from ojodeagua.pages.exports import export_response

EXPORT = "indicator-values"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export_csv(request: HttpRequest) -> HttpResponse:
    return export_response(request, EXPORT, "csv")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export_xlsx(request: HttpRequest) -> HttpResponse:
    return export_response(request, EXPORT, "xlsx")
