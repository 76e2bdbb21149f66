"""`ojodeagua import-padron PROVIDER_ID FILE`: load a committee's padrón from a CSV or XLSX file."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ojodeagua.books.padron import import_padron, may_edit_padron
from ojodeagua.lib.tabular import ReadLimits, TabularFileError
from ojodeagua.providers.models import Provider

MAX_REJECTIONS_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Importa el padrón de usuarios de un comité desde un archivo CSV o XLSX (una fila por "
        "toma; columnas en docs/imports.md). Volver a importar el mismo archivo no duplica "
        "nada: cada hogar se reconoce por su número y cada toma por el suyo."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("provider_id", type=int, help="Número del comité en Ojo de Agua")
        parser.add_argument("file", type=Path, help="Archivo CSV o XLSX")
        parser.add_argument(
            "--user",
            default="",
            help="Usuario que importa: queda en la bitácora, y debe poder editar el comité y ver "
            "los nombres de su padrón. Sin él, importa el sistema.",
        )
        parser.add_argument(
            "--strict", action="store_true", help="No escribir nada si alguna fila se rechaza."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Revisar el archivo sin escribir nada."
        )

    def handle(
        self,
        *args,
        provider_id: int,
        file: Path,
        user: str,
        strict: bool,
        dry_run: bool,
        **options,
    ) -> None:
        provider = Provider.objects.select_related("municipality").filter(pk=provider_id).first()
        if provider is None:
            raise CommandError(
                _("No existe el comité número %(id)s. Revise el número en su página.")
                % {"id": provider_id}
            )
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
            if not may_edit_padron(actor, provider):
                raise CommandError(
                    _(
                        "«%(user)s» no puede cambiar el padrón de %(provider)s: solo el comité y "
                        "quienes lo acompañan pueden hacerlo."
                    )
                    % {"user": user, "provider": provider.name}
                )
        try:
            result = import_padron(
                provider,
                file.read_bytes(),
                filename=file.name,
                user=actor,
                strict=strict,
                limits=ReadLimits.for_commands(),
                dry_run=dry_run,
            )
        except TabularFileError as error:
            raise CommandError(str(error)) from error
        counts = {
            "rows": result.rows,
            "encoding": result.encoding,
            "provider": provider.name,
            "households_created": result.households_created,
            "households_updated": result.households_updated,
            "households_unchanged": result.households_unchanged,
            "connections_created": result.connections_created,
            "connections_updated": result.connections_updated,
            "connections_unchanged": result.connections_unchanged,
            "rejected": len(result.rejected),
            "more": len(result.rejected) - MAX_REJECTIONS_SHOWN,
        }
        self.stdout.write(
            _("Archivo leído (%(encoding)s): %(rows)s filas del padrón de %(provider)s.") % counts
        )
        if result.ignored_columns:
            self.stdout.write(
                self.style.WARNING(
                    _("Columnas que no se usan (revise si están bien escritas): %(columns)s.")
                    % {"columns": ", ".join(result.ignored_columns)}
                )
            )
        summary = _(
            "Hogares: %(households_created)s nuevos, %(households_updated)s corregidos, "
            "%(households_unchanged)s sin cambios. Tomas: %(connections_created)s nuevas, "
            "%(connections_updated)s corregidas, %(connections_unchanged)s sin cambios."
        )
        if result.written:
            self.stdout.write(self.style.SUCCESS(summary % counts))
        elif dry_run and not (strict and result.rejected):
            self.stdout.write(_("Prueba sin escribir. ") + summary % counts)
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
