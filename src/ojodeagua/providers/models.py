"""Service providers (committees, patronatos, municipal offices, kiosk groups) and members."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.scoping import Area, SearchableQuerySet
from ojodeagua.places.models import Locality, Municipality


class Sex(models.TextChoices):
    FEMALE = "F", _("mujer")
    MALE = "M", _("hombre")
    UNSTATED = "X", _("prefiere no decir")


class ProviderQuerySet(SearchableQuerySet):
    search_lookups = ("name__icontains", "locality__name__icontains")

    def in_area(self, area: Area, *, for_edit: bool = False) -> "ProviderQuerySet":
        return self.filter(
            Q(municipality_id__in=area.municipality_ids) | Q(pk__in=area.provider_ids)
        )


class Provider(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("comité comunitario o patronato")
        MUNICIPAL = "municipal", _("oficina municipal")
        SCHOOL = "school", _("comité escolar")
        KIOSK = "kiosk", _("grupo de mujeres de kiosco")
        OTHER = "other", _("otro")

    name = models.CharField(_("nombre"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="providers",
        verbose_name=_("municipio"),
    )
    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        related_name="providers",
        verbose_name=_("localidad sede"),
        null=True,
        blank=True,
    )
    established_year = models.PositiveSmallIntegerField(_("año de creación"), null=True, blank=True)
    # Shown on the locality's public page: how users reach the committee. An office, a day and
    # an hour, a shared phone; the help text asks that nobody's own number go there unasked.
    public_contact = models.CharField(
        _("cómo encontrar al comité"),
        max_length=300,
        blank=True,
        help_text=_(
            "Se muestra en la página pública de la localidad: dónde y cuándo atiende el comité, "
            "o un teléfono del comité. No ponga el teléfono de una persona sin su permiso."
        ),
    )
    notes = models.TextField(_("notas"), blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("prestador")
        verbose_name_plural = _("prestadores")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("providers:provider_detail", args=[self.pk])

    def clean(self) -> None:
        if self.locality_id and self.municipality_id:
            if self.locality.municipality_id != self.municipality_id:
                raise ValidationError(
                    {"locality": _("La localidad sede debe estar en el municipio elegido.")}
                )

    def current_members(self, on: datetime.date | None = None) -> models.QuerySet["Member"]:
        return self.members.current(on)

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.municipality_id, self.pk


class ProviderPartQuerySet(models.QuerySet):
    """Rows that belong to one provider (members, complaints, integrity cycles) share its scope."""

    def in_area(self, area: Area, *, for_edit: bool = False):
        return self.filter(
            Q(provider__municipality_id__in=area.municipality_ids)
            | Q(provider_id__in=area.provider_ids)
        )


class MemberQuerySet(ProviderPartQuerySet):
    def current(self, on: datetime.date | None = None) -> "MemberQuerySet":
        on = on or timezone.localdate()
        return self.filter(Q(term_start__lte=on) | Q(term_start__isnull=True)).filter(
            Q(term_end__gte=on) | Q(term_end__isnull=True)
        )


# A term is read from a paper minute book or typed on a phone: a year outside this range is a
# slip of the finger (1015 for 2015), not a committee's history.
EARLIEST_TERM_DAY = datetime.date(1950, 1, 1)
TERM_YEARS_AHEAD = 10


class Member(models.Model):
    class Role(models.TextChoices):
        PRESIDENT = "president", _("presidente(a)")
        TREASURER = "treasurer", _("tesorero(a)")
        SECRETARY = "secretary", _("secretario(a)")
        VIGILANCE = "vigilance", _("vigilancia")
        OPERATOR = "operator", _("operador(a) o fontanero(a)")
        OTHER = "other", _("vocal u otro cargo")

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("nombre"), max_length=200)
    role = models.CharField(_("cargo"), max_length=20, choices=Role.choices)
    sex = models.CharField(_("sexo"), max_length=1, choices=Sex.choices)
    term_start = models.DateField(_("inicio del cargo"), null=True, blank=True)
    term_end = models.DateField(_("fin del cargo"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "role", "name"]
        verbose_name = _("integrante")
        verbose_name_plural = _("integrantes")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    def clean(self) -> None:
        # The one rule for the pages, the API and any import: each runs the model's clean().
        last_year = timezone.localdate().year + TERM_YEARS_AHEAD
        errors = {
            name: _("Escriba un año entre %(first)s y %(last)s.")
            % {"first": EARLIEST_TERM_DAY.year, "last": last_year}
            for name in ("term_start", "term_end")
            if (day := getattr(self, name)) is not None
            and not EARLIEST_TERM_DAY <= day <= datetime.date(last_year, 12, 31)
        }
        if errors:
            raise ValidationError(errors)
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError(
                {"term_end": _("El fin del cargo no puede ser antes de su inicio.")}
            )

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.provider.municipality_id, self.provider_id
