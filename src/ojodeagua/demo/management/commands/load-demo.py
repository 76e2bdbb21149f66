"""`ojodeagua load-demo`: load the synthetic Berriozábal demo once and print its logins."""

from django.core.management.base import BaseCommand

from ojodeagua.demo.builder import DEMO_PASSWORD, load_demo

LOGINS = [
    ("agencia", "coordinación del organismo municipal: todo el municipio"),
    ("ong", "facilitadora de una ONG: algunos comités y los kioscos"),
    ("tesorera", "tesorera de un comité: solo ese comité"),
]


class Command(BaseCommand):
    help = "Carga los datos de demostración (una sola vez) y muestra los usuarios."

    def handle(self, *args, **options) -> None:
        summary = load_demo()
        if summary is None:
            self.stdout.write("Los datos de demostración ya estaban cargados.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demostración cargada: {summary.localities} localidades, "
                    f"{summary.committees} comités comunitarios, {summary.schools} escuelas, "
                    f"{summary.kiosks} kioscos y {summary.health_centres} centro de salud."
                )
            )
        self.stdout.write(
            f"\nUsuarios de la demostración (contraseña para todos: «{DEMO_PASSWORD}»):"
        )
        for username, description in LOGINS:
            self.stdout.write(f"  {username:<9} {description}")
