"""Download the indicator values the user may see, as CSV or XLSX, with the list's filters."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ojodeagua.organisations.scope import scope_for

from . import exports
from .models import IndicatorValue


def _selection(request: HttpRequest):
    """(queryset, None) for valid filters, (None, 400 response) otherwise."""
    queryset = scope_for(request.user).visible(IndicatorValue.objects.all())
    filterset = exports.IndicatorValueFilter(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in filterset.errors.items()
        )
        message = _("No se pudo exportar: revise los filtros ({problems}).").format(
            problems=problems
        )
        return None, HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return filterset.qs, None


def _filename(extension: str) -> str:
    return f"indicadores-{timezone.localdate():%Y-%m-%d}.{extension}"


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    queryset, error = _selection(request)
    return error or exports.export_csv(queryset, _filename("csv"))


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    queryset, error = _selection(request)
    return error or exports.export_xlsx(queryset, _filename("xlsx"))
