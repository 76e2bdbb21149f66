"""What every import page shares: the spreadsheet field (what it accepts, said before the
upload), the form, and the result as the page shows it."""

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .engine import describe_columns


def upload_megabytes() -> int:
    """The largest file an import page takes: the reading limit (``settings.IMPORT_LIMITS``)."""
    return settings.IMPORT_LIMITS["megabytes"]


def _limit_text(name: str) -> str:
    """A limit from the settings, written as the active language writes numbers (20,000)."""
    return number_format(settings.IMPORT_LIMITS[name], force_grouping=True)


# Read when the help text is shown: the settings (and the language) are those of that moment.
limit_text = lazy(_limit_text, str)


class SpreadsheetField(forms.FileField):
    """A CSV or XLSX file within the import limits, which its help text states up front."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "help_text",
            format_lazy(
                _(
                    "CSV (separado por comas o por punto y coma) o XLSX (Excel), de hasta "
                    "{rows} filas y {megabytes} MB. Un archivo más grande se divide en partes "
                    "y se suben una por una."
                ),
                rows=limit_text("rows"),
                megabytes=limit_text("megabytes"),
            ),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is not None and upload.size > upload_megabytes() * 1024 * 1024:
            raise forms.ValidationError(
                _(
                    "El archivo pesa más de %(megabytes)s MB. Divídalo en partes y súbalas una "
                    "por una."
                ),
                code="too_big",
                params={"megabytes": upload_megabytes()},
            )
        return upload


class ImportForm(forms.Form):
    """An import page's form: which kind of file (one of an app's import specs), the file, and
    whether to only check it or to refuse the whole file when a row is wrong."""

    kind = forms.ChoiceField(label=_("Qué contiene el archivo"))
    file = SpreadsheetField(label=_("Archivo"))
    dry_run = forms.BooleanField(
        label=_("Solo revisar, sin guardar nada"), required=False, initial=True
    )
    strict = forms.BooleanField(
        label=_("No guardar nada si alguna fila tiene errores"), required=False
    )

    def __init__(self, *args, specs: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, spec.label) for kind, spec in specs.items()]


# The rejected rows an import page lists; a file with more says how many more there are.
REJECTIONS_SHOWN = 500


def import_page_context(form: ImportForm, result, file_error: str | None, specs: dict) -> dict:
    """What every import page shows: the form, the result with its first rejected rows, the
    file's error, and each kind's columns."""
    rejected = []
    if result is not None:
        rejected = [
            (line, reason.rstrip(".")) for line, reason in result.rejected[:REJECTIONS_SHOWN]
        ]
    return {
        "form": form,
        "result": result,
        "rejected": rejected,
        "more_rejected": len(result.rejected) - len(rejected) if result else 0,
        "file_error": file_error,
        "kinds": [
            {"kind": kind, "spec": spec, "columns": describe_columns(spec)}
            for kind, spec in specs.items()
        ],
    }
