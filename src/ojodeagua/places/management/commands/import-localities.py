"""`ojodeagua import-localities FILE`: load or refresh INEGI's locality catalogue."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ojodeagua.imports.engine import run_import
from ojodeagua.lib.tabular import ReadLimits, TabularFileError
from ojodeagua.places.import_spec import LocalitySpec

MAX_REJECTIONS_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Importa un catálogo de localidades de INEGI (AGEEML o ITER, CSV en UTF-8 o Latin-1). "
        "Volver a importar actualiza y nunca duplica."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="Archivo CSV del catálogo")
        parser.add_argument(
            "--catalogue-version",
            default="",
            help="Versión del catálogo (por ejemplo «ITER 2020»). Por omisión: la columna "
            "PERIODO o el nombre del archivo.",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="No escribir nada si alguna fila se rechaza.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Revisar el archivo sin escribir nada."
        )

    def handle(
        self, *args, file: Path, catalogue_version: str, strict: bool, dry_run: bool, **options
    ) -> None:
        if not file.is_file():
            raise CommandError(
                _("No existe el archivo %(file)s. Revise la ruta y vuelva a intentar.")
                % {"file": file}
            )
        show_progress = file.stat().st_size > 1_000_000 or self.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if show_progress:
                self.stderr.write(
                    _("  leídas %(done)s de unas %(total)s filas…")
                    % {"done": number(done), "total": number(max(total, done))}
                )

        spec = LocalitySpec(catalogue_version=catalogue_version, progress=progress)
        try:
            result = run_import(
                spec,
                file.read_bytes(),
                filename=file.name,
                strict=strict,
                dry_run=dry_run,
                limits=ReadLimits.for_commands(),
            )
        except TabularFileError as error:
            raise CommandError(str(error)) from error
        counts = {
            "rows": number(result.rows),
            "created": number(result.created),
            "updated": number(result.updated),
            "unchanged": number(result.unchanged),
            "skipped": number(result.skipped_totals),
            "rejected": number(len(result.rejected)),
            "more": number(len(result.rejected) - MAX_REJECTIONS_SHOWN),
            "encoding": result.encoding,
        }
        self.stdout.write(_("Archivo leído como %(encoding)s: %(rows)s filas.") % counts)
        if result.written:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Localidades creadas: %(created)s; actualizadas: %(updated)s; "
                        "sin cambios: %(unchanged)s."
                    )
                    % counts
                )
            )
        elif dry_run and not (strict and result.rejected):
            self.stdout.write(
                _(
                    "Prueba sin escribir: se crearían %(created)s y se actualizarían "
                    "%(updated)s localidades (%(unchanged)s sin cambios)."
                )
                % counts
            )
        if result.skipped_totals:
            self.stdout.write(
                _(
                    "Filas de totales omitidas (municipio 000, localidad 0000, 9998 o 9999): "
                    "%(skipped)s."
                )
                % counts
            )
        if result.rejected:
            self.stdout.write(self.style.WARNING(_("Filas rechazadas: %(rejected)s.") % counts))
            for line, reason in result.rejected[:MAX_REJECTIONS_SHOWN]:
                self.stdout.write(
                    _("  Línea %(line)s: %(reason)s.") % {"line": line, "reason": reason}
                )
            if len(result.rejected) > MAX_REJECTIONS_SHOWN:
                self.stdout.write(_("  … y %(more)s más.") % counts)
            if strict:
                self.stdout.write(
                    self.style.ERROR(
                        _(
                            "No se escribió nada (--strict). Corrija esas líneas y vuelva a "
                            "importar."
                        )
                    )
                )
            else:
                self.stdout.write(
                    _(
                        "Las demás filas sí se importaron. Corrija las líneas rechazadas y vuelva "
                        "a importar el archivo: lo ya importado no se duplica."
                    )
                )
            sys.exit(1)


def number(value: int) -> str:
    """1,234 as written in Mexico (and in English)."""
    return f"{value:,}"
