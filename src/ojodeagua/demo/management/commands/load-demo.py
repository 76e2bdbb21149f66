"""`ojodeagua load-demo`: load the synthetic Berriozábal demo once and print its logins."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.demo.builder import DEMO_PASSWORD, load_demo

LOGINS = [
    ("agencia", gettext_lazy("coordinación del organismo municipal: todo el municipio")),
    ("ong", gettext_lazy("facilitadora de una ONG: algunos comités y los kioscos")),
    ("tesorera", gettext_lazy("tesorera de un comité: solo ese comité")),
]


class Command(BaseCommand):
    help = "Carga los datos de demostración (una sola vez) y muestra los usuarios."

    def handle(self, *args, **options) -> None:
        summary = load_demo()
        if summary is None:
            self.stdout.write(_("Los datos de demostración ya estaban cargados."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Demostración cargada: %(localities)s localidades, %(committees)s "
                        "comités comunitarios, %(schools)s escuelas, %(kiosks)s kioscos y "
                        "%(health_centres)s centro de salud."
                    )
                    % vars(summary)
                )
            )
        self.stdout.write(
            "\n"
            + _("Usuarios de la demostración (contraseña para todos: «%(password)s»):")
            % {"password": DEMO_PASSWORD}
        )
        for username, description in LOGINS:
            self.stdout.write(f"  {username:<9} {description}")
