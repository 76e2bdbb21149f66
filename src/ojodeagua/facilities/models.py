"""Schools and health centres in localities, with people by sex and their water system."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.scoping import Area, SearchableQuerySet
from ojodeagua.places.models import Locality
from ojodeagua.watersystems.models import WaterSystem


class FacilityQuerySet(SearchableQuerySet):
    search_lookups = ("name__icontains", "key__iexact", "locality__name__icontains")

    def in_area(self, area: Area, *, for_edit: bool = False) -> "FacilityQuerySet":
        return self.filter(
            Q(locality__municipality_id__in=area.municipality_ids)
            | Q(water_system__provider_id__in=area.provider_ids)
        )


class Facility(models.Model):
    name = models.CharField(_("nombre"), max_length=200)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, verbose_name=_("localidad"))
    water_system = models.ForeignKey(
        WaterSystem,
        on_delete=models.PROTECT,
        verbose_name=_("sistema del que toma agua"),
        null=True,
        blank=True,
    )
    staff_female = models.PositiveIntegerField(_("personal: mujeres"), default=0)
    staff_male = models.PositiveIntegerField(_("personal: hombres"), default=0)
    notes = models.TextField(_("notas"), blank=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[int | None, int | None]:
        provider_id = self.water_system.provider_id if self.water_system_id else None
        return self.locality.municipality_id, provider_id


class School(Facility):
    class Level(models.TextChoices):
        PRESCHOOL = "preschool", _("preescolar")
        PRIMARY = "primary", _("primaria")
        SECONDARY = "secondary", _("secundaria")
        HIGH = "high", _("bachillerato")
        OTHER = "other", _("otro")

    key = models.CharField(
        _("clave de centro de trabajo (CCT)"), max_length=12, blank=True, db_index=True
    )
    level = models.CharField(_("nivel"), max_length=12, choices=Level.choices)
    students_female = models.PositiveIntegerField(_("alumnas"), default=0)
    students_male = models.PositiveIntegerField(_("alumnos"), default=0)

    class Meta(Facility.Meta):
        verbose_name = _("escuela")
        verbose_name_plural = _("escuelas")
        default_related_name = "schools"

    def get_absolute_url(self) -> str:
        return reverse("facilities:school_detail", args=[self.pk])


class HealthCentre(Facility):
    key = models.CharField(_("clave CLUES"), max_length=12, blank=True, db_index=True)

    class Meta(Facility.Meta):
        verbose_name = _("centro de salud")
        verbose_name_plural = _("centros de salud")
        default_related_name = "health_centres"

    def get_absolute_url(self) -> str:
        return reverse("facilities:healthcentre_detail", args=[self.pk])
