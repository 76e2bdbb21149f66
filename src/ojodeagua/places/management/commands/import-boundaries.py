"""`ojodeagua import-boundaries FILE.zip`: load INEGI's municipal, AGEB and locality polygons."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ojodeagua.places.boundaries import import_boundaries


class Command(BaseCommand):
    help = (
        "Importa los límites del Marco Geoestadístico de INEGI (el .zip con los shapefiles de "
        "municipios, AGEB o localidades). Todo o nada; volver a importar no duplica."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="Archivo .zip con las capas .shp")

    def handle(self, *args, file: Path, **options) -> None:
        if not file.is_file():
            raise CommandError(
                _("No existe el archivo %(file)s. Revise la ruta y vuelva a intentar.")
                % {"file": file}
            )
        try:
            result = import_boundaries(None, file.name, file.read_bytes())
        except ValidationError as refused:
            raise CommandError("\n".join(refused.messages)) from refused
        self.stdout.write(
            _(
                "Capas: %(layers)s. Nuevos: %(created)s; actualizados: %(updated)s; sin cambio: "
                "%(unchanged)s."
            )
            % {
                "layers": ", ".join(result.layers),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )
