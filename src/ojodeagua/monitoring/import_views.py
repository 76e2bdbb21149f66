"""The upload page for observation files: check or import a CSV or XLSX and see what happened."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from ojodeagua.imports.engine import describe_columns, run_import
from ojodeagua.imports.forms import SpreadsheetField
from ojodeagua.imports.reading import looks_big
from ojodeagua.lib import background
from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.organisations.scope import scope_for

from .import_spec import import_specs

MAX_REJECTIONS_SHOWN = 500


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Qué contiene el archivo"))
    file = SpreadsheetField(label=_("Archivo"))
    dry_run = forms.BooleanField(
        label=_("Solo revisar, sin guardar nada"), required=False, initial=True
    )
    strict = forms.BooleanField(
        label=_("No guardar nada si alguna fila tiene errores"), required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, spec.label) for kind, spec in import_specs().items()]


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).can_create:
        raise PermissionDenied
    result = file_error = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        spec = import_specs()[form.cleaned_data["kind"]]
        upload = form.cleaned_data["file"]
        data = upload.read()
        if looks_big(
            data,
            upload.name,
            rows=settings.IMPORT_QUEUE_ROWS,
            megabytes=settings.IMPORT_QUEUE_MEGABYTES,
        ):
            # A big file is a job on the queue, run by the same engine; its page shows the
            # rows as they are checked, and the result when it ends.
            job_page = background.start(
                "import",
                request.user,
                data=data,
                filename=upload.name,
                import_kind=form.cleaned_data["kind"],
                strict=form.cleaned_data["strict"],
                dry_run=form.cleaned_data["dry_run"],
            )
            if job_page is not None:
                return redirect(job_page)
        try:
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
    kinds = [
        {"kind": kind, "spec": spec, "columns": describe_columns(spec)}
        for kind, spec in import_specs().items()
    ]
    rejected = []
    if result is not None:
        rejected = [
            (line, reason.rstrip(".")) for line, reason in result.rejected[:MAX_REJECTIONS_SHOWN]
        ]
    return render(
        request,
        "monitoring/import.html",
        {
            "form": form,
            "result": result,
            "rejected": rejected,
            "more_rejected": len(result.rejected) - len(rejected) if result else 0,
            "file_error": file_error,
            "kinds": kinds,
        },
    )
