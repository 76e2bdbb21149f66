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


class Known(models.TextChoices):
    """An answer the registry may not have yet: unknown is kept apart from "no"."""

    YES = "yes", _("sí")
    NO = "no", _("no")
    UNKNOWN = "unknown", _("no se sabe")


class WaterSystemQuerySet(SearchableQuerySet):
    search_lookups = ("name__icontains", "locality__name__icontains", "provider__name__icontains")

    def in_area(self, area: Area, *, for_edit: bool = False) -> "WaterSystemQuerySet":
        return self.filter(
            Q(municipality_id__in=area.municipality_ids) | Q(provider_id__in=area.provider_ids)
        )

    def treatment_facts(self) -> dict[int, dict[str, str]]:
        """Per system, whether it chlorinates and whether it draws on surface water (or on a
        source under surface influence): "yes", "no" or "unknown", in three queries.

        NOM-127-SSA1-2021 asks for free residual chlorine only where chlorine is used (5.8.1)
        and for Giardia and microcystin-LR only in surface sources or sources under surface
        influence, so the water-quality figures read these two facts.
        """
        facts = {
            pk: {"name": name, "chlorinates": chlorinates, "surface": Known.UNKNOWN}
            for pk, name, chlorinates in self.values_list("pk", "name", "chlorinates")
        }
        with_chlorinator = set(
            Component.objects.filter(system__in=self.values("pk"), kind=Component.Kind.CHLORINATOR)
            .values_list("system_id", flat=True)
            .distinct()
        )
        for pk in with_chlorinator:
            # The registry's answer wins; without one, a chlorinator on record says it does.
            if facts[pk]["chlorinates"] == Known.UNKNOWN:
                facts[pk]["chlorinates"] = Known.YES
        answers: dict[int, list[str]] = {}
        for system_id, kind, influence in Source.objects.filter(
            system__in=self.values("pk")
        ).values_list("system_id", "kind", "surface_influence"):
            surface = Known.YES if kind in Source.SURFACE_KINDS else influence
            answers.setdefault(system_id, []).append(surface)
        for system_id, found in answers.items():
            if Known.YES in found:
                facts[system_id]["surface"] = Known.YES
            elif all(answer == Known.NO for answer in found):
                facts[system_id]["surface"] = Known.NO
        return facts


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
    chlorinates = models.CharField(
        _("clora el agua"),
        max_length=7,
        choices=Known.choices,
        default=Known.UNKNOWN,
        help_text=_(
            "Si el agua se desinfecta con algún compuesto de cloro. La NOM-127 sólo exige cloro "
            "residual libre donde se clora (5.8.1). Si no se sabe y hay un clorador registrado, "
            "se cuenta como que clora."
        ),
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

    # Surface water by its kind; any other source may still be under surface influence.
    SURFACE_KINDS = frozenset({Kind.STREAM, Kind.LAKE})

    system = models.ForeignKey(WaterSystem, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(_("nombre"), max_length=200, blank=True)
    kind = models.CharField(_("tipo de fuente"), max_length=20, choices=Kind.choices)
    protected = models.BooleanField(_("protegida"), default=False)
    surface_influence = models.CharField(
        _("bajo influencia de agua superficial"),
        max_length=7,
        choices=Known.choices,
        default=Known.UNKNOWN,
        help_text=_(
            "Un manantial o pozo que recibe agua de un río, arroyo o escurrimiento. Los ríos, "
            "arroyos, lagos y presas son fuentes superficiales por su tipo. La NOM-127 pide "
            "Giardia y microcistina sólo en estas fuentes."
        ),
    )

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
