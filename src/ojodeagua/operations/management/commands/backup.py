"""`ojodeagua backup FILE`: the whole database in one archive (gzip-compressed if FILE ends in
.gz), with a manifest of what it holds; see ``operations.backups``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ojodeagua.operations import backups


class Command(BaseCommand):
    help = _(
        "Guarda una copia completa de la base de datos (SQLite o PostgreSQL) en ARCHIVO, "
        "comprimida si el nombre termina en .gz. Se puede hacer con el servicio funcionando."
    )
    # A nightly job: the system checks would import every page for nothing.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="ARCHIVO", help=_("Dónde guardar la copia"))

    def handle(self, *args, file: str, **options) -> None:
        try:
            manifest = backups.back_up(Path(file))
        except backups.BackupError as error:
            raise CommandError(str(error), returncode=1) from error
        size = Path(file).stat().st_size / 1_000_000
        self.stdout.write(
            _(
                "Copia guardada en %(file)s (%(size).1f MB): base %(vendor)s, %(tables)s tablas, "
                "%(rows)s filas."
            )
            % {
                "file": file,
                "size": size,
                "vendor": backups.vendor_name(manifest.vendor),
                "tables": len(manifest.rows),
                "rows": manifest.total_rows,
            }
        )
