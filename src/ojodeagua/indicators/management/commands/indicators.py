"""`ojodeagua indicators --recompute`: rebuild every indicator value from the observations,
with a progress bar on standard error; `--books [--provider ID …]`: only the providers' figures
after their books changed."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ojodeagua.books.score import providers_with_books
from ojodeagua.indicators.engine import recompute_all, refresh_books
from ojodeagua.lib.progressbar import TerminalBar


class Command(BaseCommand):
    help = _("Recalcula los indicadores a partir de las observaciones validadas.")

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--recompute",
            action="store_true",
            help=_("Borra y vuelve a calcular todos los valores de indicadores."),
        )
        parser.add_argument(
            "--books",
            action="store_true",
            help=_(
                "Vuelve a calcular sólo las cifras de los prestadores que llevan sus cuentas "
                "aquí (cobranza, cobertura de costos, reserva y su puntaje)."
            ),
        )
        parser.add_argument(
            "--provider",
            type=int,
            action="append",
            default=[],
            help=_("Con --books: sólo este prestador (se puede repetir)."),
        )

    def handle(self, *args, recompute: bool, books: bool, provider: list[int], **options) -> None:
        if not recompute and not books:
            raise CommandError(
                _(
                    "Indique qué hacer: --recompute recalcula todo; --books, sólo las cifras de "
                    "las cuentas."
                )
            )
        if provider and not books:
            raise CommandError(_("--provider va junto con --books."))
        started = time.perf_counter()
        if recompute:
            written = recompute_all(progress=TerminalBar(self.stderr))
        else:
            written = refresh_books(provider or providers_with_books())
        self.stdout.write(
            _("Se calcularon %(count)s valores en %(seconds).1f s.")
            % {"count": written, "seconds": time.perf_counter() - started}
        )
