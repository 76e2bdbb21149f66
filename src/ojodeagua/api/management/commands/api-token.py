"""`ojodeagua api-token USERNAME`: print a user's API token, creating it if needed."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Muestra la clave de API de un usuario; la crea si no tiene."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(
                _("No existe el usuario «%(name)s».") % {"name": username}
            ) from error
        token, _created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
