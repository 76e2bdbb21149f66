"""The integrity toolbox's catalogues, versioned so a past assessment keeps its wording."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class CatalogueVersion(models.Model):
    """A whole set of processes, risks, tools, checklist, scorecard and scales.

    A published version is never edited: coordinators copy it into a draft, edit the draft
    and publish it. Each assessment points at the version it used.
    """

    name = models.CharField(_("nombre"), max_length=200)
    notes = models.TextField(_("notas"), blank=True)
    published_at = models.DateTimeField(_("publicada"), null=True, blank=True)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copiada de"),
    )
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("versión del catálogo de integridad")
        verbose_name_plural = _("versiones del catálogo de integridad")

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @classmethod
    def current(cls) -> "CatalogueVersion | None":
        return cls.objects.filter(published_at__isnull=False).order_by("-published_at").first()

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None


class CatalogueEntry(models.Model):
    """Rows of one catalogue version; their code stays the same from version to version."""

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE)
    code = models.SlugField(_("código"), max_length=40)

    class Meta:
        abstract = True
        ordering = ["version", "code"]

    def clean(self) -> None:
        if self.version_id and self.version.is_published:
            raise ValidationError(
                _("Esta versión del catálogo ya se publicó; haga una copia para cambiarla.")
            )

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None


def unique_code(name: str) -> list[models.UniqueConstraint]:
    return [models.UniqueConstraint(fields=["version", "code"], name=name)]


class BusinessProcess(CatalogueEntry):
    name = models.CharField(_("nombre"), max_length=200)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("proceso")
        verbose_name_plural = _("procesos")
        default_related_name = "processes"
        constraints = unique_code("one_process_code_per_version")

    def __str__(self) -> str:
        return self.name


class Tool(CatalogueEntry):
    name = models.CharField(_("nombre"), max_length=200)
    description = models.TextField(_("en qué consiste"), blank=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("herramienta")
        verbose_name_plural = _("herramientas")
        default_related_name = "tools"
        constraints = unique_code("one_tool_code_per_version")

    def __str__(self) -> str:
        return self.name


class Risk(CatalogueEntry):
    class Type(models.TextChoices):
        CAUSE = "cause", _("causa")
        PRACTICE = "practice", _("práctica")
        CONSEQUENCE = "consequence", _("consecuencia")

    class Driver(models.TextChoices):
        INTERNAL = "internal", _("interno")
        EXTERNAL = "external", _("externo")
        BOTH = "both", _("interno y externo")

    title = models.CharField(_("riesgo"), max_length=300)
    process = models.ForeignKey(
        BusinessProcess,
        on_delete=models.PROTECT,
        related_name="risks",
        verbose_name=_("proceso"),
    )
    type = models.CharField(_("tipo"), max_length=12, choices=Type.choices)
    driver = models.CharField(_("origen"), max_length=10, choices=Driver.choices)
    red_flags = models.JSONField(_("señales de alerta"), default=list, blank=True)
    description = models.TextField(_("descripción"), blank=True)
    tools = models.ManyToManyField(
        Tool, blank=True, related_name="risks", verbose_name=_("herramientas")
    )

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("riesgo")
        verbose_name_plural = _("riesgos")
        default_related_name = "risks"
        constraints = unique_code("one_risk_code_per_version")

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class Signal(models.Model):
    """Links a risk to a named check in code (see ``integrity.signals``), as data."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="signals")
    check_code = models.SlugField(_("revisión"), max_length=60)

    class Meta:
        ordering = ["risk", "check_code"]
        verbose_name = _("señal de datos")
        verbose_name_plural = _("señales de datos")
        constraints = [
            models.UniqueConstraint(fields=["risk", "check_code"], name="one_signal_per_check")
        ]

    def __str__(self) -> str:
        return f"{self.risk.code}: {self.check_code}"

    def clean(self) -> None:
        from .signals import CHECKS

        if self.check_code not in CHECKS:
            raise ValidationError(
                {"check_code": _("No hay una revisión con ese nombre; elija una de la lista.")}
            )

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None


class ChecklistItem(CatalogueEntry):
    text = models.CharField(_("pregunta"), max_length=300)
    help = models.TextField(_("qué cuenta como prueba"), blank=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("punto de la lista de cumplimiento")
        verbose_name_plural = _("lista de cumplimiento")
        default_related_name = "checklist"
        constraints = unique_code("one_checklist_code_per_version")

    def __str__(self) -> str:
        return self.text


class ScorecardPrinciple(CatalogueEntry):
    name = models.CharField(_("principio"), max_length=200)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("principio de la autoevaluación")
        verbose_name_plural = _("principios de la autoevaluación")
        default_related_name = "principles"
        constraints = unique_code("one_principle_code_per_version")

    def __str__(self) -> str:
        return self.name


class ScorecardIndicator(CatalogueEntry):
    principle = models.ForeignKey(
        ScorecardPrinciple, on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField(_("indicador"), max_length=200)
    descriptor_1 = models.TextField(_("cómo se ve un 1"))
    descriptor_3 = models.TextField(_("cómo se ve un 3"))
    descriptor_5 = models.TextField(_("cómo se ve un 5"))

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("indicador de la autoevaluación")
        verbose_name_plural = _("indicadores de la autoevaluación")
        default_related_name = "scorecard_indicators"
        constraints = unique_code("one_indicator_code_per_version")

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class RatingScale(CatalogueEntry):
    """Likelihood × impact, scored as their product and read through bands."""

    name = models.CharField(_("nombre"), max_length=200)
    likelihood = models.JSONField(_("niveles de probabilidad"))
    impact = models.JSONField(_("niveles de impacto"))
    bands = models.JSONField(_("bandas"))
    is_default = models.BooleanField(_("escala por omisión"), default=False)
    note = models.CharField(_("nota"), max_length=300, blank=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("escala de valoración")
        verbose_name_plural = _("escalas de valoración")
        default_related_name = "scales"
        constraints = unique_code("one_scale_code_per_version")

    def __str__(self) -> str:
        return self.name

    def band(self, likelihood: int, impact: int) -> dict:
        """The band of a rating; a value off the scale is a mistake to report, not to guess."""
        allowed_likelihood = {level["value"] for level in self.likelihood}
        allowed_impact = {level["value"] for level in self.impact}
        if likelihood not in allowed_likelihood or impact not in allowed_impact:
            raise ValueError(f"({likelihood}, {impact}) is off the scale {self.code}")
        score = likelihood * impact
        for band in self.bands:
            if band["min"] <= score <= band["max"]:
                return {**band, "score": score}
        raise ValueError(f"no band of {self.code} holds {score}")
