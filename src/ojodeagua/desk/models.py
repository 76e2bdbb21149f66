"""The agency's own weights for ranking where action is most needed, kept as data."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ojodeagua.places.models import Municipality


class Factor(models.TextChoices):
    """What the priority of a system or a locality is made of; each is read as 0 to 1."""

    PEOPLE = "people", _("personas sin agua confiable y segura")
    SERVICE = "service", _("qué tan lejos está del servicio confiable y seguro")
    CONTAMINATION = "contamination", _("la última prueba de E. coli falló")
    DOWNTIME = "downtime", _("días sin servicio en 12 meses")
    MANAGEMENT = "management", _("problemas de dinero o de gobernanza del comité")


DEFAULT_WEIGHT = Decimal(1)


class PriorityWeight(models.Model):
    """How much one factor counts in one municipality's ranking. A factor without a row
    counts ``DEFAULT_WEIGHT``: every factor the same until the agency says otherwise."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipio")
    )
    factor = models.CharField(_("factor"), max_length=20, choices=Factor.choices)
    weight = models.DecimalField(
        _("peso"),
        max_digits=4,
        decimal_places=1,
        default=DEFAULT_WEIGHT,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )

    class Meta:
        ordering = ["municipality", "factor"]
        verbose_name = _("peso de prioridad")
        verbose_name_plural = _("pesos de prioridad")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "factor"], name="one_priority_weight_per_factor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}.{self.factor} = {self.weight.normalize()}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.municipality_id, None
