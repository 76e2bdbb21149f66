"""`ojodeagua load-demo`: load the synthetic Berriozábal demo once and print its logins."""

import datetime
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.demo.builder import (
    DEMO_PASSWORD,
    DemoSummary,
    demo_loaded,
    load_demo,
    loaded_reference,
)
from ojodeagua.demo.calendar import reference_for

LOGINS = [
    ("agencia", gettext_lazy("coordinación del organismo municipal: todo el municipio")),
    ("ong", gettext_lazy("facilitadora de una ONG: algunos comités y los kioscos")),
    ("tesorera", gettext_lazy("tesorera de un comité: solo ese comité")),
]


class Command(BaseCommand):
    help = (
        "Carga los datos de demostración (una sola vez) y muestra los usuarios. Sus 24 meses "
        "terminan con el último mes completo antes de hoy (o de --date)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help=_("Construir la demostración como si hoy fuera esta fecha (AAAA-MM-DD)."),
        )
        parser.add_argument(
            "--replace-outdated",
            action="store_true",
            help=_(
                "Si la demostración cargada termina en otro mes, borrar la base SQLite y "
                "construirla de nuevo."
            ),
        )

    def handle(self, *args, **options) -> None:
        today = options["date"] or timezone.localdate()
        loaded = loaded_reference()
        if demo_loaded() and loaded != reference_for(today):
            if not options["replace_outdated"]:
                self.stdout.write(
                    _("La demostración cargada termina el %(day)s.")
                    % {"day": date_format(loaded, "SHORT_DATE_FORMAT") if loaded else "?"}
                )
            else:
                self.replace_database()
        summary = load_demo(today)
        if summary is None:
            self.stdout.write(_("Los datos de demostración ya estaban cargados."))
        else:
            self.stdout.write(self.style.SUCCESS(loaded_sentence(summary)))
        self.stdout.write(
            "\n"
            + _("Usuarios de la demostración (contraseña para todos: «%(password)s»):")
            % {"password": DEMO_PASSWORD}
        )
        for username, description in LOGINS:
            self.stdout.write(f"  {username:<9} {description}")

    def replace_database(self) -> None:
        """Start again from an empty SQLite file: the demo's records are all generated."""
        if connection.vendor != "sqlite":
            raise CommandError(
                _(
                    "La demostración cargada es de otro mes. Borre y vuelva a crear la base de "
                    "datos para construirla de nuevo."
                )
            )
        path = Path(connection.settings_dict["NAME"])
        connections.close_all()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        self.stdout.write(_("La demostración era de otro mes: se construye de nuevo."))
        call_command("migrate", interactive=False, verbosity=0)


def loaded_sentence(summary: DemoSummary) -> str:
    """What was built, with the providers counted as the home page counts them (every kind)
    and then by kind, so the two figures never seem to disagree."""
    return _(
        "Demostración cargada: %(localities)s localidades; en Berriozábal, %(providers)s comités "
        "o prestadores (%(committees)s comités comunitarios, %(school_committees)s comités de "
        "agua de escuelas y %(kiosks)s kioscos), %(schools)s escuelas y %(health_centres)s "
        "centro de salud; y %(providers_elsewhere)s comités en un municipio vecino, que "
        "«agencia» no ve."
    ) % vars(summary)
