"""Water systems as built: kind, sources, components, design figures and served localities."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.scoping import Area, SearchableQuerySet
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.providers.models import Provider

YEAR_VALIDATORS = [MinValueValidator(1900), MaxValueValidator(2100)]


class WaterSystemQuerySet(SearchableQuerySet):
    search_lookups = ("name__icontains", "locality__name__icontains", "provider__name__icontains")

    def in_area(self, area: Area, *, for_edit: bool = False) -> "WaterSystemQuerySet":
        return self.filter(
            Q(municipality_id__in=area.municipality_ids) | Q(provider_id__in=area.provider_ids)
        )


class WaterSystem(models.Model):
    class Kind(models.TextChoices):
        GRAVITY = "gravity", _("red por gravedad")
        PUMPED = "pumped", _("red por bombeo")
        POINT_SOURCE = "point", _("manantial o pozo (fuente puntual)")
        RAINWATER = "rainwater", _("captación de lluvia")
        KIOSK = "kiosk", _("kiosco de purificación")
        SCHOOL = "school", _("sistema de purificación escolar")
        HOUSEHOLD = "household", _("tratamiento en los hogares (por ejemplo, luz UV)")

    name = models.CharField(_("nombre"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="systems",
        verbose_name=_("lo opera"),
        null=True,
        blank=True,
    )
    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        related_name="sited_systems",
        verbose_name=_("localidad donde está"),
    )
    # Copied from the locality on save so that scope filters need no join.
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="systems", editable=False
    )
    latitude = models.DecimalField(
        _("latitud"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitud"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    construction_year = models.PositiveSmallIntegerField(
        _("año de construcción"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    design_yield_lps = models.DecimalField(
        _("caudal de diseño (L/s)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    design_households = models.PositiveIntegerField(
        _("viviendas para las que se diseñó"), null=True, blank=True
    )
    notes = models.TextField(_("notas"), blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = WaterSystemQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("sistema de agua")
        verbose_name_plural = _("sistemas de agua")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.locality_id:
            self.municipality_id = self.locality.municipality_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("watersystems:system_detail", args=[self.pk])

    def clean(self) -> None:
        if self.provider_id and self.locality_id:
            if self.provider.municipality.state_id != self.locality.municipality.state_id:
                raise ValidationError(
                    {"provider": _("El prestador y el sistema deben estar en el mismo estado.")}
                )

    def households_served(self) -> int:
        return self.served_localities.aggregate(total=Sum("households"))["total"] or 0

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.municipality_id, self.provider_id


class SystemPartQuerySet(models.QuerySet):
    def in_area(self, area: Area, *, for_edit: bool = False) -> "SystemPartQuerySet":
        return self.filter(
            Q(system__municipality_id__in=area.municipality_ids)
            | Q(system__provider_id__in=area.provider_ids)
        )


class _SystemPart(models.Model):
    """Rows owned by one system; they share its scope."""

    objects = SystemPartQuerySet.as_manager()

    class Meta:
        abstract = True

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.system.municipality_id, self.system.provider_id


class Source(_SystemPart):
    class Kind(models.TextChoices):
        SPRING = "spring", _("manantial")
        DUG_WELL = "dug_well", _("pozo excavado")
        BOREHOLE = "borehole", _("pozo profundo")
        STREAM = "stream", _("río o arroyo")
        LAKE = "lake", _("lago, presa o bordo")
        RAINWATER = "rainwater", _("agua de lluvia")
        NETWORK = "network", _("red de otro sistema")
        OTHER = "other", _("otra")

    system = models.ForeignKey(WaterSystem, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(_("nombre"), max_length=200, blank=True)
    kind = models.CharField(_("tipo de fuente"), max_length=20, choices=Kind.choices)
    protected = models.BooleanField(_("protegida"), default=False)

    class Meta:
        ordering = ["system", "pk"]
        verbose_name = _("fuente")
        verbose_name_plural = _("fuentes")

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class Component(_SystemPart):
    class Kind(models.TextChoices):
        INTAKE = "intake", _("captación u obra de toma")
        PUMP = "pump", _("bomba")
        CONDUCTION = "conduction", _("línea de conducción")
        STORAGE = "storage", _("tanque de almacenamiento")
        CHLORINATOR = "chlorinator", _("clorador")
        UV = "uv", _("desinfección UV")
        FILTER = "filter", _("filtro")
        DISTRIBUTION = "distribution", _("red de distribución")
        PUBLIC_TAP = "public_tap", _("toma pública o hidrante")
        OTHER = "other", _("otro")

    class Condition(models.TextChoices):
        GOOD = "good", _("bueno")
        FAIR = "fair", _("regular")
        POOR = "poor", _("malo")
        BROKEN = "broken", _("no funciona")
        UNKNOWN = "unknown", _("no se sabe")

    system = models.ForeignKey(WaterSystem, on_delete=models.CASCADE, related_name="components")
    kind = models.CharField(_("componente"), max_length=20, choices=Kind.choices)
    quantity = models.PositiveSmallIntegerField(_("cantidad"), default=1)
    install_year = models.PositiveSmallIntegerField(
        _("año de instalación"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    condition = models.CharField(
        _("condición"), max_length=10, choices=Condition.choices, default=Condition.UNKNOWN
    )
    notes = models.CharField(_("notas"), max_length=300, blank=True)

    class Meta:
        ordering = ["system", "pk"]
        verbose_name = _("componente")
        verbose_name_plural = _("componentes")

    def __str__(self) -> str:
        return self.get_kind_display()


class ServedLocality(_SystemPart):
    """SIASAR's "serves" link: which system serves which locality, and how many households."""

    system = models.ForeignKey(
        WaterSystem, on_delete=models.CASCADE, related_name="served_localities"
    )
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="served_by", verbose_name=_("localidad")
    )
    households = models.PositiveIntegerField(_("viviendas servidas"))

    class Meta:
        ordering = ["system", "locality__key"]
        verbose_name = _("localidad servida")
        verbose_name_plural = _("localidades servidas")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "locality"], name="one_link_per_system_and_locality"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system} → {self.locality}"
