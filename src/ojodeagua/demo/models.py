"""Marks a database that holds demo data, so every page can say so."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoDataset(models.Model):
    loaded_at = models.DateTimeField(_("cargada"), auto_now_add=True)
    version = models.PositiveIntegerField(_("versión"))
    # The last day of the demo's latest month: a demo built in an earlier month is out of date.
    reference_date = models.DateField(_("último día de la historia"), null=True)

    class Meta:
        verbose_name = _("datos de demostración")
        verbose_name_plural = _("datos de demostración")

    def __str__(self) -> str:
        return f"demo v{self.version}"
