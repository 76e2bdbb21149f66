"""`ojodeagua restore FILE [--force]`: load an archive made by `ojodeagua backup` into the
configured database, then hold its rows to the archive's manifest and check every committee's
books as `ojodeagua ledger verify` does. Exits 1 if anything does not match."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from ojodeagua.books.verification import described, providers_with_books, verify_books
from ojodeagua.operations import backups
from ojodeagua.providers.models import Provider


class Command(BaseCommand):
    help = _(
        "Restaura en la base de datos configurada una copia hecha con «backup», y revisa "
        "después que tenga las mismas filas y que las cuentas de cada comité estén bien."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="ARCHIVO", help=_("La copia a restaurar"))
        parser.add_argument(
            "--force",
            action="store_true",
            help=_(
                "Reemplazar la base aunque ya tenga tablas: se borra todo lo que tiene. "
                "Detenga antes el servicio."
            ),
        )

    def handle(self, *args, file: str, force: bool, **options) -> None:
        try:
            manifest = backups.read_manifest(Path(file))
            self.stdout.write(
                _("Restaurando la copia del %(created)s (%(vendor)s, versión %(version)s)…")
                % {
                    "created": manifest.created,
                    "vendor": backups.vendor_name(manifest.vendor),
                    "version": manifest.app_version or "?",
                }
            )
            restored = backups.restore(Path(file), force=force)
        except backups.BackupError as error:
            raise CommandError(str(error), returncode=1) from error
        connections.close_all()
        differences = restored.differences()
        if differences:
            for line in differences:
                self.stdout.write(line)
        else:
            self.stdout.write(
                _("Las %(tables)s tablas tienen las %(rows)s filas que tenía la copia.")
                % {"tables": len(restored.rows), "rows": sum(restored.rows.values())}
            )
        bad = self.verify_books()
        if differences or bad:
            raise CommandError(
                _(
                    "La copia se restauró, pero no está completa o sus cuentas no están bien "
                    "(vea arriba). No la use sin revisarla; la copia misma puede estar dañada."
                ),
                returncode=1,
            )
        self.stdout.write(_("Restauración completa y verificada."))

    def verify_books(self) -> int:
        """Every committee's books checked as `ledger verify` does; the number that fail.

        The result is not stored (`verification.remember`): the restored database stays exactly
        the copy, its own last checks included.
        """
        ids = providers_with_books()
        names = dict(Provider.objects.filter(pk__in=ids).values_list("pk", "name"))
        bad = 0
        for pk in ids:
            report = verify_books(pk)
            for line in described(names.get(pk, str(pk)), report):
                self.stdout.write(line)
            bad += not report.ok
        if not ids:
            self.stdout.write(_("Ningún comité lleva todavía sus cuentas aquí."))
        else:
            self.stdout.write(
                _("Cuentas de %(ok)s de %(total)s comités verificadas.")
                % {"ok": len(ids) - bad, "total": len(ids)}
            )
        return bad
