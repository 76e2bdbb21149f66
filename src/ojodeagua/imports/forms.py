"""The spreadsheet field of every import page: what it accepts, said before the upload."""

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


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
