"""`ojodeagua indicators --recompute`: rebuild every indicator value from the observations."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ojodeagua.indicators.engine import recompute_all


class Command(BaseCommand):
    help = _("Recalcula los indicadores a partir de las observaciones validadas.")

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--recompute",
            action="store_true",
            help=_("Borra y vuelve a calcular todos los valores de indicadores."),
        )

    def handle(self, *args, recompute: bool, **options) -> None:
        if not recompute:
            raise CommandError(_("Indique qué hacer: --recompute recalcula todo."))
        started = time.perf_counter()
        written = recompute_all()
        self.stdout.write(
            _("Se calcularon %(count)s valores en %(seconds).1f s.")
            % {"count": written, "seconds": time.perf_counter() - started}
        )
