"""App configuration for computed service indicators."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "ojodeagua.indicators"
    verbose_name = _("indicadores")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The apps that write records sit below this one and must not import it: they ask for
        # a refresh through ``lib.refresh``, and this is how it is done.
        from ojodeagua.lib import exports as downloads
        from ojodeagua.lib import refresh

        from . import export_views, exports

        refresh.register(
            refresh=_refresh_after, recompute=_recompute_all, new_months=_extend_to_new_months
        )
        # The page and the task queue build the download from the same table.
        downloads.register(export_views.EXPORT, exports.values_table)


def _refresh_after(records: list) -> None:
    # The engine is looked up on each call, so it is loaded only when first needed.
    from . import engine

    engine.refresh_after(records)


def _recompute_all() -> None:
    from . import engine

    engine.recompute_all()


def _extend_to_new_months() -> None:
    from . import engine

    engine.refresh_new_months()
