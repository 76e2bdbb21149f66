"""App configuration for the importer engine (no models: it only reads files and runs specs)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "ojodeagua.imports"
    verbose_name = _("importación de archivos")
