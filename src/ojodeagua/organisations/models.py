"""Organisations (NGOs, municipal agencies, committees) and their members' roles and scope."""

from django.conf import settings
from django.db import models
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
