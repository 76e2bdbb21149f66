"""Computed indicator values, each with its numerator, denominator, window and sources."""

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.scoping import Area
from ojodeagua.places.models import Municipality

if TYPE_CHECKING:
    from ojodeagua.organisations.scope import Scope


class Entity(models.TextChoices):
    SYSTEM = "system", _("sistema")
    PROVIDER = "provider", _("prestador")
    LOCALITY = "locality", _("localidad")
    MUNICIPALITY = "municipality", _("municipio")
    STATE = "state", _("estado")


class IndicatorValueQuerySet(models.QuerySet):
    """Who reads which figure: the one rule of the pages, the exports and the API.

    A system's and a provider's figures go with the provider; a locality's add up every system
    that serves it, whoever runs it, so they go with the municipality, to those who cover it
    whole; a municipality's totals name nobody and go to everyone who works in it; the state's,
    which add up municipalities nobody covers whole, to coordinators.
    """

    def in_area(self, area: Area, *, for_edit: bool = False) -> "IndicatorValueQuerySet":
        worked_in = Municipality.objects.in_area(area).values("pk")
        return self.filter(
            Q(municipality_id__in=area.municipality_ids)
            | Q(provider_id__in=area.provider_ids)
            | Q(entity=Entity.MUNICIPALITY, entity_id__in=worked_in)
        )

    def visible_in(self, scope: "Scope") -> "IndicatorValueQuerySet":
        """What ``Scope.visible`` shows: the area's figures, and the state's to coordinators."""
        if scope.everything:
            return self
        visible = self.in_area(scope.view)
        if scope.is_coordinator:
            visible = visible | self.filter(entity=Entity.STATE)
        return visible


class IndicatorValue(models.Model):
    """One figure for one entity and one month. Recomputed, never edited by hand."""

    indicator = models.CharField(_("indicador"), max_length=50)
    entity = models.CharField(_("de qué"), max_length=12, choices=Entity.choices)
    entity_id = models.BigIntegerField()
    period = models.DateField(_("mes"), help_text=_("Primer día del mes."))
    window_start = models.DateField(_("desde"))
    window_end = models.DateField(_("hasta"))
    value = models.FloatField(_("valor"), null=True)
    label = models.CharField(_("clase"), max_length=20, blank=True)
    numerator = models.FloatField(_("numerador"), null=True)
    denominator = models.FloatField(_("denominador"), null=True)
    # [{"model": "app.model", "filter": {...}}]: exactly which validated observations (or
    # finer figures) the value was computed from; "why this number" resolves them.
    sources = models.JSONField(_("fuentes"), default=list)
    # Counts behind a distribution (people per ladder rung, systems per tier).
    breakdown = models.JSONField(_("desglose"), default=dict)
    computed_at = models.DateTimeField(_("calculado"))
    # Scope columns, so lists and the API filter without joins.
    municipality_id = models.BigIntegerField(null=True, db_index=True)
    provider_id = models.BigIntegerField(null=True, db_index=True)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "entity", "entity_id", "period"]
        verbose_name = _("valor de indicador")
        verbose_name_plural = _("valores de indicadores")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "entity", "entity_id", "period"],
                name="one_value_per_indicator_entity_month",
            )
        ]
        indexes = [
            models.Index(fields=["entity", "entity_id", "period"]),
            models.Index(fields=["indicator", "entity", "period"]),
            # An area's parts: its localities' (or systems') values for a span of months.
            models.Index(fields=["entity", "municipality_id", "period"]),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.entity} {self.entity_id} {self.period:%Y-%m}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.municipality_id, self.provider_id


class Setting(models.Model):
    """A threshold the definitions use (reliable = fewer than 30 days down), kept as data;
    a setting that is a choice rather than a number (which norm judges contamination) keeps
    it in ``choice``."""

    code = models.SlugField(_("código"), max_length=50, unique=True)
    value = models.DecimalField(_("valor"), max_digits=10, decimal_places=3, default=0)
    choice = models.CharField(_("opción"), max_length=30, blank=True)
    description = models.CharField(_("qué significa"), max_length=300)

    class Meta:
        ordering = ["code"]
        verbose_name = _("umbral")
        verbose_name_plural = _("umbrales")

    # The settings that are a choice, and the choices they accept.
    CHOICES = {"contamination_norm": ("who", "nom127")}

    def __str__(self) -> str:
        return f"{self.code} = {self.choice or self.value.normalize()}"

    def clean(self) -> None:
        allowed = self.CHOICES.get(self.code)
        if allowed and self.choice not in allowed:
            raise ValidationError(
                {
                    "choice": _("Escriba una de estas opciones: %(choices)s.")
                    % {"choices": ", ".join(allowed)}
                }
            )

    def audit_scope(self) -> tuple[int | None, int | None]:
        # A setting applies to every place.
        return None, None


class ScoreWeight(models.Model):
    """Score trees: each score ("system", "locality", "provider", "finance") is a weighted
    mean of its components. Only the locality's follows SIASAR's structure; SIASAR's official
    weights are not on file, so all are equal until the agency sets its own."""

    score = models.SlugField(_("puntaje"), max_length=40)
    component = models.SlugField(_("componente"), max_length=50)
    weight = models.DecimalField(_("peso"), max_digits=6, decimal_places=3, default=1)

    class Meta:
        ordering = ["score", "component"]
        verbose_name = _("peso de puntaje")
        verbose_name_plural = _("pesos de puntajes")
        constraints = [
            models.UniqueConstraint(fields=["score", "component"], name="one_weight_per_component")
        ]

    def __str__(self) -> str:
        return f"{self.score}.{self.component} = {self.weight.normalize()}"
