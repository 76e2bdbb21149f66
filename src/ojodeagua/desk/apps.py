"""App configuration for the agency's desk."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "ojodeagua.desk"
    verbose_name = _("mesa de la agencia")

    def ready(self) -> None:
        from ojodeagua.lib import exports as downloads

        from . import wpdx

        downloads.register(wpdx.EXPORT, wpdx.wpdx_table)
