"""`ojodeagua import-observations KIND FILE`: load visits, supply logs, surveys or samples."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ojodeagua.imports.engine import run_import
from ojodeagua.lib.tabular import ReadLimits, TabularFileError
from ojodeagua.monitoring.import_spec import import_specs
from ojodeagua.organisations.scope import scope_for

MAX_REJECTIONS_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Importa observaciones de un archivo CSV o XLSX: visits, supply-days, "
        "household-surveys, school-surveys, health-centre-surveys o samples. Volver a "
        "importar el mismo archivo no duplica nada (se reconoce cada record_id)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=sorted(import_specs()), help="Tipo de observación")
        parser.add_argument("file", type=Path, help="Archivo CSV o XLSX")
        parser.add_argument(
            "--user",
            default="",
            help="Usuario que importa: queda como quien registró, y solo se aceptan lugares "
            "de su área. Sin él, importa el sistema sin límite de área.",
        )
        parser.add_argument(
            "--strict", action="store_true", help="No escribir nada si alguna fila se rechaza."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Revisar el archivo sin escribir nada."
        )

    def handle(
        self, *args, kind: str, file: Path, user: str, strict: bool, dry_run: bool, **options
    ) -> None:
        if not file.is_file():
            raise CommandError(
                _("No existe el archivo %(file)s. Revise la ruta y vuelva a intentar.")
                % {"file": file}
            )
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(_("No existe el usuario activo «%(user)s».") % {"user": user})
            if not scope_for(actor).can_create:
                raise CommandError(
                    _(
                        "«%(user)s» no puede agregar registros: solo coordinadores y "
                        "facilitadores importan observaciones."
                    )
                    % {"user": user}
                )
        spec = import_specs()[kind]
        try:
            result = run_import(
                spec,
                file.read_bytes(),
                filename=file.name,
                user=actor,
                strict=strict,
                dry_run=dry_run,
                limits=ReadLimits.for_commands(),
            )
        except TabularFileError as error:
            raise CommandError(str(error)) from error
        counts = {
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": len(result.rejected),
            "more": len(result.rejected) - MAX_REJECTIONS_SHOWN,
            "encoding": result.encoding,
            "kind": spec.label,
        }
        self.stdout.write(_("Archivo leído (%(encoding)s): %(rows)s filas de %(kind)s.") % counts)
        if result.ignored_columns:
            self.stdout.write(
                self.style.WARNING(
                    _("Columnas que no se usan (revise si están bien escritas): %(columns)s.")
                    % {"columns": ", ".join(result.ignored_columns)}
                )
            )
        if result.written:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Creados: %(created)s; actualizados: %(updated)s; "
                        "sin cambios: %(unchanged)s."
                    )
                    % counts
                )
            )
        elif dry_run and not (strict and result.rejected):
            self.stdout.write(
                _(
                    "Prueba sin escribir: se crearían %(created)s, se actualizarían %(updated)s "
                    "y %(unchanged)s quedarían sin cambios."
                )
                % counts
            )
        if not result.rejected:
            return
        self.stdout.write(self.style.WARNING(_("Filas rechazadas: %(rejected)s.") % counts))
        for line, reason in result.rejected[:MAX_REJECTIONS_SHOWN]:
            self.stdout.write(
                _("  Fila %(line)s: %(reason)s.") % {"line": line, "reason": reason.rstrip(".")}
            )
        if len(result.rejected) > MAX_REJECTIONS_SHOWN:
            self.stdout.write(_("  … y %(more)s más.") % counts)
        if strict:
            self.stdout.write(
                self.style.ERROR(
                    _("No se escribió nada (--strict). Corrija esas filas y vuelva a importar.")
                )
            )
        elif not dry_run:
            self.stdout.write(
                _(
                    "Las demás filas sí se importaron. Corrija las filas rechazadas y vuelva a "
                    "importar el archivo: lo ya importado no se duplica."
                )
            )
        sys.exit(1)
