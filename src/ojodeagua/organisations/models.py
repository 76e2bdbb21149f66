"""Organisations (NGOs, municipal agencies, committees), their members' roles and scope, and the
keys people give their devices to reach the API."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Places and providers are named by label, not imported: organisations (who may see what) sits
# below the registry, whose pages ask it for the user's scope.


class Organisation(models.Model):
    class Kind(models.TextChoices):
        NGO = "ngo", _("organización civil (ONG)")
        AGENCY = "agency", _("organismo municipal")
        COMMITTEE = "committee", _("comité")

    name = models.CharField(_("nombre"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    provider = models.OneToOneField(
        "providers.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisation",
        verbose_name=_("comité al que corresponde"),
        help_text=_("Solo para organizaciones de tipo comité."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organización")
        verbose_name_plural = _("organizaciones")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("coordinador(a)")
        FACILITATOR = "facilitator", _("facilitador(a) o técnico(a)")
        COMMITTEE_MEMBER = "committee_member", _("integrante de comité")
        VIEWER = "viewer", _("consulta")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("papel"), max_length=20, choices=Role.choices)
    municipalities = models.ManyToManyField(
        "places.Municipality",
        blank=True,
        related_name="+",
        verbose_name=_("municipios completos"),
        help_text=_("Ve todo lo que hay en estos municipios."),
    )
    providers = models.ManyToManyField(
        "providers.Provider",
        blank=True,
        related_name="+",
        verbose_name=_("prestadores"),
        help_text=_("Ve solo estos prestadores, sus sistemas y las localidades que sirven."),
    )
    active = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("membresía")
        verbose_name_plural = _("membresías")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="one_role_per_user_and_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"

    @property
    def can_edit(self) -> bool:
        return self.role != self.Role.VIEWER

    def audit_scope(self) -> tuple[int | None, int | None]:
        municipality = self.municipalities.order_by("pk").first()
        provider = self.providers.order_by("pk").first() or self.organisation.provider
        return (
            municipality.pk if municipality else (provider.municipality_id if provider else None),
            provider.pk if provider else None,
        )


class ApiTokenQuerySet(models.QuerySet):
    def live(self, at=None) -> "ApiTokenQuerySet":
        """Keys that still open the API: not withdrawn and not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=at or timezone.now())


class ApiToken(models.Model):
    """A key one person gives one device or program to reach the API.

    Only a hash of the key is kept; the key itself is shown once, when it is made. A key ends
    when it expires, when its owner or a coordinator withdraws it, and when the owner's password
    changes or their account or access ends (``tokens.py``).
    """

    class Ending(models.TextChoices):
        OWNER = "owner", _("la retiró su dueño(a)")
        COORDINATOR = "coordinator", _("la retiró quien coordina o administra")
        PASSWORD = "password", _("cambió la contraseña")
        ACCOUNT = "account", _("se desactivó la cuenta")
        ACCESS = "access", _("terminó su acceso")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("persona"),
    )
    name = models.CharField(
        _("nombre"),
        max_length=100,
        help_text=_("Para reconocerla, por ejemplo «Teléfono de la tesorera»."),
    )
    # The first characters of the key, to tell keys apart on the page without showing them.
    prefix = models.CharField(_("comienza con"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("creada"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("creada por"),
    )
    expires_at = models.DateTimeField(_("vence"))
    last_used_at = models.DateTimeField(_("último uso"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("retirada"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("retirada por"),
    )
    ending = models.CharField(_("por qué se retiró"), max_length=20, choices=Ending, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("clave de API")
        verbose_name_plural = _("claves de API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return not self.is_revoked and not self.is_expired

    def audit_scope(self) -> tuple[int | None, int | None]:
        """The owner's area, so the coordinators who manage her read the key's history."""
        membership = self.user.memberships.order_by("-active", "pk").first()
        return membership.audit_scope() if membership else (None, None)
