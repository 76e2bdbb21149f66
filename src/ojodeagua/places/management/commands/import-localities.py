"""`ojodeagua import-localities FILE`: load or refresh INEGI's locality catalogue."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ojodeagua.lib.tabular import TabularFileError
from ojodeagua.places.importer import LocalityImporter

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
            raise CommandError(f"No existe el archivo {file}. Revise la ruta y vuelva a intentar.")
        show_progress = file.stat().st_size > 1_000_000 or self.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if show_progress:
                self.stderr.write(f"  leídas {done:,} de unas {max(total, done):,} filas…")

        importer = LocalityImporter(
            catalogue_version=catalogue_version,
            strict=strict,
            dry_run=dry_run,
            progress=progress,
        )
        try:
            result = importer.import_file(file)
        except TabularFileError as error:
            raise CommandError(str(error)) from error

        self.stdout.write(f"Archivo leído como {result.encoding}: {result.rows:,} filas.")
        if result.written:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Localidades creadas: {result.created:,}; actualizadas: {result.updated:,}; "
                    f"sin cambios: {result.unchanged:,}."
                )
            )
        elif dry_run and not (strict and result.rejected):
            self.stdout.write(
                f"Prueba sin escribir: se crearían {result.created:,} y se actualizarían "
                f"{result.updated:,} localidades ({result.unchanged:,} sin cambios)."
            )
        if result.skipped_totals:
            self.stdout.write(
                f"Filas de totales omitidas (municipio 000, localidad 0000, 9998 o 9999): "
                f"{result.skipped_totals:,}."
            )
        if result.rejected:
            self.stdout.write(self.style.WARNING(f"Filas rechazadas: {len(result.rejected):,}."))
            for line, reason in result.rejected[:MAX_REJECTIONS_SHOWN]:
                self.stdout.write(f"  Línea {line}: {reason}.")
            if len(result.rejected) > MAX_REJECTIONS_SHOWN:
                self.stdout.write(f"  … y {len(result.rejected) - MAX_REJECTIONS_SHOWN:,} más.")
            if strict:
                self.stdout.write(
                    self.style.ERROR(
                        "No se escribió nada (--strict). Corrija esas líneas y vuelva a importar."
                    )
                )
            else:
                self.stdout.write(
                    "Las demás filas sí se importaron. Corrija las líneas rechazadas y vuelva a "
                    "importar el archivo: lo ya importado no se duplica."
                )
            sys.exit(1)
