"""States, municipalities and localities as INEGI's catalogue defines them."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.scoping import Area, SearchableQuerySet

RURAL_POPULATION_LIMIT = 2500  # INEGI: a locality under 2,500 inhabitants is rural


class State(models.Model):
    key = models.CharField(
        _("clave INEGI"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^\d{2}$", _("La clave de estado son 2 dígitos."))],
    )
    name = models.CharField(_("nombre"), max_length=120)

    class Meta:
        ordering = ["key"]
        verbose_name = _("estado")
        verbose_name_plural = _("estados")

    def __str__(self) -> str:
        return self.name


class MunicipalityQuerySet(models.QuerySet):
    def in_area(self, area: Area, *, for_edit: bool = False) -> "MunicipalityQuerySet":
        condition = Q(pk__in=area.municipality_ids)
        if area.provider_ids and not for_edit:
            # Through reverse relations: the water systems' app sits above this one.
            served = Municipality.objects.filter(
                localities__served_by__system__provider_id__in=area.provider_ids
            ).values("pk")
            condition |= Q(pk__in=served) | Q(providers__pk__in=area.provider_ids)
        return self.filter(condition).distinct()


class Municipality(models.Model):
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="municipalities")
    key = models.CharField(
        _("clave INEGI"),
        max_length=5,
        unique=True,
        help_text=_("Clave de estado y municipio, 5 dígitos (por ejemplo 07012)."),
        validators=[RegexValidator(r"^\d{5}$", _("La clave de municipio son 5 dígitos."))],
    )
    name = models.CharField(_("nombre"), max_length=160)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        verbose_name = _("municipio")
        verbose_name_plural = _("municipios")

    def __str__(self) -> str:
        return self.name


class LocalityQuerySet(SearchableQuerySet):
    search_lookups = ("name__icontains", "key__startswith")

    def in_area(self, area: Area, *, for_edit: bool = False) -> "LocalityQuerySet":
        condition = Q(municipality_id__in=area.municipality_ids)
        if area.provider_ids and not for_edit:
            # Through reverse relations: the water systems' app sits above this one.
            served = Locality.objects.filter(
                served_by__system__provider_id__in=area.provider_ids
            ).values("pk")
            sited = Locality.objects.filter(
                sited_systems__provider_id__in=area.provider_ids
            ).values("pk")
            condition |= Q(pk__in=served) | Q(pk__in=sited)
        return self.filter(condition)


class Locality(models.Model):
    class Area(models.TextChoices):
        URBAN = "U", _("urbana")
        RURAL = "R", _("rural")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="localities"
    )
    key = models.CharField(
        _("clave INEGI"),
        max_length=9,
        unique=True,
        help_text=_("Clave geoestadística de 9 dígitos: estado, municipio y localidad."),
        validators=[RegexValidator(r"^\d{9}$", _("La clave de localidad son 9 dígitos."))],
    )
    name = models.CharField(_("nombre"), max_length=200)
    area = models.CharField(_("ámbito"), max_length=1, choices=Area.choices, blank=True)
    population = models.PositiveIntegerField(_("población"), null=True, blank=True)
    dwellings = models.PositiveIntegerField(_("viviendas"), null=True, blank=True)
    inhabited_dwellings = models.PositiveIntegerField(
        _("viviendas habitadas"), null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitud"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitud"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    altitude = models.IntegerField(_("altitud (m)"), null=True, blank=True)
    catalogue_version = models.CharField(
        _("versión del catálogo"),
        max_length=60,
        blank=True,
        help_text=_("De qué catálogo de INEGI viene este registro (por ejemplo ITER 2020)."),
    )
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = LocalityQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        verbose_name = _("localidad")
        verbose_name_plural = _("localidades")

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    def get_absolute_url(self) -> str:
        return reverse("places:locality_detail", args=[self.pk])

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.municipality_id, None


class Boundary(models.Model):
    """A polygon of INEGI's Marco Geoestadístico (``boundaries.import_boundaries``), in WGS 84
    and simplified for a phone's map, keyed by INEGI's CVEGEO."""

    class Level(models.TextChoices):
        MUNICIPALITY = "municipality", _("municipio")
        AGEB = "ageb", _("AGEB")
        LOCALITY = "locality", _("localidad")

    level = models.CharField(_("nivel"), max_length=12, choices=Level.choices)
    key = models.CharField(_("clave INEGI (CVEGEO)"), max_length=16)
    name = models.CharField(_("nombre"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="boundaries"
    )
    locality = models.ForeignKey(
        Locality, on_delete=models.CASCADE, related_name="boundaries", null=True, blank=True
    )
    # A GeoJSON geometry (Polygon or MultiPolygon), longitude and latitude in degrees.
    geometry = models.JSONField(_("geometría"))
    source = models.CharField(_("archivo de origen"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        ordering = ["level", "key"]
        verbose_name = _("límite geográfico")
        verbose_name_plural = _("límites geográficos")
        constraints = [
            models.UniqueConstraint(fields=["level", "key"], name="one_boundary_per_level_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.key} {self.name}".strip()

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.municipality_id, None
