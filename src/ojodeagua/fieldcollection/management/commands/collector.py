"""`ojodeagua collector create USERNAME LABEL`: set up a phone for ODK Collect and print the
server address to type into it; `ojodeagua collector revoke ADDRESS_OR_KEY` ends that phone at
once; `ojodeagua collector remap` makes the observations of submissions that arrived but could
not be processed (the server stopped halfway)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.translation import gettext as _

from ojodeagua.fieldcollection import services
from ojodeagua.organisations import tokens
from ojodeagua.organisations.models import ApiToken


class Command(BaseCommand):
    help = (
        "Configura teléfonos para ODK Collect: «create USUARIO NOMBRE» muestra la dirección del "
        "servidor para escribir en Collect; «revoke DIRECCIÓN_O_CLAVE» la retira al instante; "
        "«remap» registra los envíos que quedaron sin procesar."
    )

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="configurar un teléfono")
        create.add_argument("username")
        create.add_argument("label", help="nombre del teléfono, por ejemplo «Teléfono de Rosa»")
        create.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="dirección del sitio como la ve el teléfono (por omisión http://127.0.0.1:8000)",
        )
        create.add_argument("--days", type=int, default=max(tokens.LIFETIME_CHOICES_DAYS))
        revoke = actions.add_parser("revoke", help="retirar un teléfono")
        revoke.add_argument("key", help="la dirección del servidor del teléfono, o su clave")
        actions.add_parser("remap", help="registrar los envíos sin procesar")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, action)(**options)

    def create(self, *, username: str, label: str, url: str, days: int, **options) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as error:
            raise CommandError(
                _("No existe el usuario «%(name)s».") % {"name": username}
            ) from error
        try:
            issued = tokens.issue(user, label, lifetime_days=days, actor=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        path = reverse("odk:form_list", args=[issued.key]).removesuffix("/formList")
        self.stdout.write(url.rstrip("/") + path)

    def revoke(self, *, key: str, **options) -> None:
        key = key.rstrip("/").rsplit("/odk/", 1)[-1].split("/", 1)[0]
        token = ApiToken.objects.filter(digest=tokens.digest_of(key)).first()
        if token is None:
            raise CommandError(_("Esa dirección o clave no es de ningún teléfono."))
        if tokens.withdraw_by_operator(token):
            self.stdout.write(_("Retirada: «%(name)s» ya no puede enviar.") % {"name": token.name})
        else:
            self.stdout.write(_("Esa clave ya estaba retirada."))

    def remap(self, **options) -> None:
        done = services.map_received()
        self.stdout.write(_("Envíos procesados: %(count)s") % {"count": done})
