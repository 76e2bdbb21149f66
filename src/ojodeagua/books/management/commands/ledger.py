"""`ojodeagua ledger verify [--provider ID]`: check the books' hash chains, receipt numbers and
every money record against the entry it posted."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ojodeagua.books.verification import (
    described,
    providers_with_books,
    remember,
    verify_books,
)
from ojodeagua.lib.progressbar import TerminalBar
from ojodeagua.providers.models import Provider


class Command(BaseCommand):
    help = _("Revisa que las cuentas de los comités no se hayan alterado.")
    # The system checks import every page (PDF and spreadsheet libraries too), which costs a
    # nightly check of a million entries seconds it does not need.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACCIÓN")
        verify = actions.add_parser(
            "verify",
            help=_(
                "Recalcula la cadena de huellas de cada comité, revisa que los recibos no "
                "tengan huecos y que cada registro de dinero tenga su asiento y diga lo mismo "
                "que él. Termina con código 1 si algo se alteró."
            ),
        )
        verify.add_argument(
            "--provider", type=int, metavar="ID", help=_("Sólo el comité con este id")
        )

    def handle(self, *args, action: str, provider: int | None = None, **options) -> None:
        if action == "verify":
            self.verify(provider)

    def verify(self, provider_id: int | None) -> None:
        if provider_id is not None:
            if not Provider.objects.filter(pk=provider_id).exists():
                raise CommandError(
                    _("No hay un comité con el id %(id)s.") % {"id": provider_id}, returncode=2
                )
            ids = [provider_id]
        else:
            ids = providers_with_books()
        names = dict(Provider.objects.filter(pk__in=ids).values_list("pk", "name"))
        bad = 0
        # How far the check is, on standard error: the findings on standard output stay clean.
        bar = TerminalBar(self.stderr) if len(ids) > 1 else None
        for index, pk in enumerate(ids):
            if bar:
                bar(index, len(ids), names.get(pk, str(pk)))
            report = verify_books(pk)
            # Pages of long chains rely on this full check (verification.books_status).
            remember(report)
            if bar:
                bar.clear()
            for line in described(names.get(pk, str(pk)), report):
                self.stdout.write(line)
            bad += not report.ok
        if bar:
            bar(len(ids), len(ids), _("Cuentas revisadas"))
        if not ids:
            self.stdout.write(_("Ningún comité lleva todavía sus cuentas aquí."))
        if bad:
            raise CommandError(
                _("Las cuentas de %(bad)s de %(total)s comités no están bien; vea arriba.")
                % {"bad": bad, "total": len(ids)},
                returncode=1,
            )
