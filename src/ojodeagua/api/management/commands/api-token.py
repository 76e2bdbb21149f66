"""`ojodeagua api-token USERNAME [--name NOMBRE] [--days N]`: make a new device key for a user
and print it; it is shown only this once (only its hash is kept)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ojodeagua.organisations import tokens


class Command(BaseCommand):
    help = (
        "Crea una clave de API nueva para un usuario y la muestra una sola vez. "
        "Cada persona puede crear y retirar sus claves en «Mis dispositivos»."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--name",
            default="",
            help="Nombre de la clave, para reconocerla (por omisión: «Clave desde la consola»).",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=tokens.DEFAULT_LIFETIME_DAYS,
            help=f"Días que dura la clave (1 a {max(tokens.LIFETIME_CHOICES_DAYS)}).",
        )

    def handle(self, *args, username: str, name: str, days: int, **options) -> None:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(
                _("No existe el usuario «%(name)s».") % {"name": username}
            ) from error
        try:
            issued = tokens.issue(
                user, name or _("Clave desde la consola"), lifetime_days=days, actor=None
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(issued.key)
