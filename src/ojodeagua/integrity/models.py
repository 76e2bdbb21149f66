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


class ComplaintQuerySet(models.QuerySet):
    def in_area(self, area, *, for_edit: bool = False) -> "ComplaintQuerySet":
        from django.db.models import Q

        return self.filter(
            Q(provider__municipality_id__in=area.municipality_ids)
            | Q(provider_id__in=area.provider_ids)
        )

    def overdue(self, on) -> "ComplaintQuerySet":
        """Still waiting for an answer after the day the committee promised one."""
        return self.filter(status=Complaint.Status.RECEIVED, respond_by__lt=on)


class Complaint(models.Model):
    """One entry of the committee's complaint register (one of the toolbox's tools)."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("recibida")
        ANSWERED = "answered", _("respondida")
        RESOLVED = "resolved", _("resuelta")
        NOT_RESOLVED = "not_resolved", _("no resuelta")

    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("comité"),
    )
    received_on = models.DateField(_("recibida el"))
    # Optional: a user may complain without giving a name, and a public form will come.
    reported_by = models.CharField(_("quién la presentó"), max_length=200, blank=True)
    what = models.TextField(_("de qué se queja"))
    where = models.CharField(_("dónde"), max_length=200, blank=True)
    respond_by = models.DateField(_("responder a más tardar el"))
    status = models.CharField(
        _("estado"), max_length=15, choices=Status.choices, default=Status.RECEIVED
    )
    answered_on = models.DateField(_("respondida el"), null=True, blank=True)
    answer = models.TextField(_("respuesta"), blank=True)
    closed_on = models.DateField(_("cerrada el"), null=True, blank=True)
    not_resolved_reason = models.TextField(_("por qué no se resolvió"), blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("queja")
        verbose_name_plural = _("quejas")

    def __str__(self) -> str:
        return f"{self.received_on:%d/%m/%Y}: {self.what[:60]}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.provider.municipality_id, self.provider_id

    def clean(self) -> None:
        errors = {}
        if self.received_on and self.respond_by and self.respond_by < self.received_on:
            errors["respond_by"] = _("La fecha para responder no puede ser antes de recibirla.")
        if self.status != self.Status.RECEIVED and not self.answered_on:
            errors["answered_on"] = _("Anote cuándo se respondió la queja.")
        if self.answered_on and self.received_on and self.answered_on < self.received_on:
            errors["answered_on"] = _("La respuesta no puede ser antes de recibir la queja.")
        if self.status in {self.Status.RESOLVED, self.Status.NOT_RESOLVED} and not self.closed_on:
            errors["closed_on"] = _("Anote cuándo se cerró la queja.")
        if self.status == self.Status.NOT_RESOLVED and not self.not_resolved_reason.strip():
            errors["not_resolved_reason"] = _("Diga por qué la queja no se resolvió.")
        if errors:
            raise ValidationError(errors)

    def response_days(self) -> int | None:
        if self.answered_on is None:
            return None
        return (self.answered_on - self.received_on).days
