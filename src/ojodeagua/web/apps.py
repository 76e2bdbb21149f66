"""App configuration for the site shell."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "ojodeagua.web"
    verbose_name = _("Sitio")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from ojodeagua.lib import lookups
        from ojodeagua.lib.folding import register_sqlite_function

        connection_created.connect(register_sqlite_function)
        # Ids typed in addresses, filters and bodies: too big for a column, they match nothing.
        lookups.register()
