"""Water samples and results, the norms they are judged by, and each result's verdicts."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ojodeagua.monitoring.observation import Observation
from ojodeagua.places.models import Locality
from ojodeagua.watersystems.models import WaterSystem


class Parameter(models.Model):
    """A measurable property of water, recognised by code or by any of its names."""

    class Kind(models.TextChoices):
        NUMERIC = "numeric", _("valor numérico")
        MICROBIAL = "microbial", _("microbiológico (se detecta o no)")

    code = models.SlugField(_("código"), max_length=40, unique=True)
    name = models.CharField(_("nombre"), max_length=120)
    name_en = models.CharField(_("nombre en inglés"), max_length=120, blank=True)
    symbol = models.CharField(_("símbolo"), max_length=20, blank=True)
    aliases = models.JSONField(
        _("otros nombres"),
        default=list,
        blank=True,
        help_text=_("Nombres con que los laboratorios lo reportan; sin importar acentos."),
    )
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices, default=Kind.NUMERIC)
    unit = models.CharField(_("unidad de referencia"), max_length=30, blank=True)
    # What the limits are written in ("N" for nitrate under NOM-127). It says nothing about a
    # reported value: the value's basis is read from its unit, name or method.
    expressed_as = models.CharField(_("límite expresado como"), max_length=10, blank=True)
    reported_bases = models.JSONField(
        _("se reporta como"),
        default=list,
        blank=True,
        help_text=_(
            "Sustancias que un laboratorio puede escribir en la unidad (As en «mg/L As»; N o "
            "NO3 para nitratos). Si hay dos formas de nitrógeno y el resultado no dice cuál, "
            "se juzga con ambas."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("parámetro")
        verbose_name_plural = _("parámetros")

    def __str__(self) -> str:
        return self.name

    def all_names(self) -> list[str]:
        return [self.code, self.name, self.name_en, self.symbol, *self.aliases]

    def audit_scope(self) -> tuple[int | None, int | None]:
        # Norms and parameters belong to no municipality: only superusers see their events.
        return None, None


class Norm(models.Model):
    """A body of limits (NOM-127, WHO guidelines); each has versions over time."""

    code = models.SlugField(_("código"), max_length=20, unique=True)
    name = models.CharField(_("nombre"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("norma")
        verbose_name_plural = _("normas")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None


class NormVersion(models.Model):
    norm = models.ForeignKey(Norm, on_delete=models.PROTECT, related_name="versions")
    name = models.CharField(_("versión"), max_length=120)
    in_force_from = models.DateField(_("en vigor desde"))
    in_force_until = models.DateField(_("en vigor hasta"), null=True, blank=True)
    basis = models.TextField(
        _("fundamento"),
        blank=True,
        help_text=_("De dónde salen las fechas y valores (publicación, cláusula)."),
    )

    class Meta:
        ordering = ["norm", "in_force_from"]
        verbose_name = _("versión de norma")
        verbose_name_plural = _("versiones de norma")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None

    def clean(self) -> None:
        if self.in_force_until and self.in_force_until < self.in_force_from:
            raise ValidationError(
                {"in_force_until": _("El fin de vigencia no puede ser antes del inicio.")}
            )


class Limit(models.Model):
    """One limit of a norm version, valid for a date range and a locality population class."""

    class Rule(models.TextChoices):
        MAXIMUM = "max", _("máximo")
        RANGE = "range", _("intervalo")
        NOT_DETECTABLE = "not_detectable", _("no detectable o ausencia")

    version = models.ForeignKey(NormVersion, on_delete=models.CASCADE, related_name="limits")
    parameter = models.ForeignKey(Parameter, on_delete=models.PROTECT, related_name="limits")
    rule = models.CharField(_("regla"), max_length=15, choices=Rule.choices, default=Rule.MAXIMUM)
    minimum = models.DecimalField(
        _("mínimo"), max_digits=12, decimal_places=6, null=True, blank=True
    )
    maximum = models.DecimalField(
        _("máximo"), max_digits=12, decimal_places=6, null=True, blank=True
    )
    unit = models.CharField(_("unidad"), max_length=30, blank=True)
    # Staged limits: a row applies from/until a date, for localities in a population range.
    applies_from = models.DateField(_("aplica desde"), null=True, blank=True)
    applies_until = models.DateField(_("aplica hasta"), null=True, blank=True)
    population_min = models.PositiveIntegerField(
        _("población mínima de la localidad"), null=True, blank=True
    )
    population_max = models.PositiveIntegerField(
        _("población máxima de la localidad"), null=True, blank=True
    )
    clause = models.CharField(_("cláusula"), max_length=200, blank=True)
    note = models.CharField(_("nota"), max_length=300, blank=True)
    # A range whose two ends mean different things (WHO's free chlorine: an operational
    # minimum for disinfection, a health-based maximum) is shown as two checks, one per end.
    minimum_meaning = models.CharField(
        _("qué es el mínimo"),
        max_length=160,
        blank=True,
        help_text=_("Sólo si los extremos del intervalo son cosas distintas; se muestran aparte."),
    )
    maximum_meaning = models.CharField(_("qué es el máximo"), max_length=160, blank=True)

    # What defines a limit: the admin, the coordinators' form and a version copy use these.
    DEFINITION_FIELDS = (
        "parameter",
        "rule",
        "minimum",
        "maximum",
        "unit",
        "applies_from",
        "applies_until",
        "population_min",
        "population_max",
        "clause",
        "note",
        "minimum_meaning",
        "maximum_meaning",
    )

    class Meta:
        ordering = ["version", "parameter", "applies_from"]
        verbose_name = _("límite")
        verbose_name_plural = _("límites")

    def __str__(self) -> str:
        return f"{self.parameter}: {self.describe()}"

    def describe(self) -> str:
        # ":f" so that 1000 reads "1000", not Decimal's "1E+3".
        if self.rule == self.Rule.NOT_DETECTABLE:
            return f"{_('no detectable')} {self.unit}".strip()
        if self.rule == self.Rule.RANGE:
            return (
                f"{self.minimum.normalize():f} a {self.maximum.normalize():f} {self.unit}".strip()
            )
        return f"≤ {self.maximum.normalize():f} {self.unit}".strip()

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None

    def applies_on(self, day: datetime.date) -> bool:
        """Whether a staged limit is the one of ``day`` (from and until, both included)."""
        if self.applies_from and day < self.applies_from:
            return False
        return not (self.applies_until and day > self.applies_until)

    def holds_population(self, population: int) -> bool:
        """Whether a locality of ``population`` is in this limit's population class."""
        if self.population_min is not None and population < self.population_min:
            return False
        return self.population_max is None or population <= self.population_max

    def clean(self) -> None:
        if self.rule == self.Rule.MAXIMUM and self.maximum is None:
            raise ValidationError({"maximum": _("Un límite máximo necesita su valor máximo.")})
        if self.rule == self.Rule.RANGE and (self.minimum is None or self.maximum is None):
            raise ValidationError(
                {"minimum": _("Un intervalo necesita su valor mínimo y su valor máximo.")}
            )


class Sample(Observation):
    class Point(models.TextChoices):
        SOURCE = "source", _("fuente")
        TANK = "tank", _("tanque")
        TAP = "tap", _("llave de la red")
        HOUSEHOLD = "household", _("vivienda")
        KIOSK = "kiosk", _("kiosco")
        SCHOOL = "school", _("escuela")
        HEALTH_CENTRE = "health_centre", _("centro de salud")

    class Analysis(models.TextChoices):
        FIELD_KIT = "field_kit", _("equipo de campo")
        LABORATORY = "laboratory", _("laboratorio")

    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="samples", verbose_name=_("localidad")
    )
    system = models.ForeignKey(
        WaterSystem,
        on_delete=models.PROTECT,
        related_name="samples",
        verbose_name=_("sistema"),
        null=True,
        blank=True,
    )
    sampling_point = models.CharField(_("punto de muestreo"), max_length=15, choices=Point.choices)
    point_description = models.CharField(_("dónde exactamente"), max_length=200, blank=True)
    analysis = models.CharField(_("análisis"), max_length=12, choices=Analysis.choices)
    laboratory = models.CharField(_("laboratorio"), max_length=200, blank=True)

    class Meta(Observation.Meta):
        verbose_name = _("muestra de agua")
        verbose_name_plural = _("muestras de agua")
        indexes = [models.Index(fields=["system", "observed_on"])]

    def __str__(self) -> str:
        place = self.system or self.locality.name
        return f"{place} · {self.get_sampling_point_display()} · {self.observed_on:%d/%m/%Y}"

    def place_scope(self) -> tuple[int, int | None]:
        provider_id = self.system.provider_id if self.system_id else None
        return self.locality.municipality_id, provider_id

    def get_absolute_url(self) -> str:
        return reverse("waterquality:sample_detail", args=[self.pk])

    def clean(self) -> None:
        if self.system_id and self.locality_id:
            system = self.system
            serves = system.served_localities.filter(locality_id=self.locality_id).exists()
            if not serves and system.locality_id != self.locality_id:
                raise ValidationError(
                    {"system": _("Ese sistema no da servicio a la localidad elegida.")}
                )


class Result(models.Model):
    class Outcome(models.TextChoices):
        NONE = "", _("valor numérico")
        DETECTED = "detected", _("se detecta / presencia")
        NOT_DETECTED = "not_detected", _("no se detecta / ausencia")

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="results")
    # What the laboratory wrote, kept even when no parameter matches it.
    parameter_text = models.CharField(_("parámetro"), max_length=120)
    parameter = models.ForeignKey(
        Parameter, on_delete=models.PROTECT, related_name="results", null=True, blank=True
    )
    value = models.DecimalField(_("valor"), max_digits=14, decimal_places=6, null=True, blank=True)
    below_detection = models.BooleanField(
        _("menor que el límite de detección"),
        default=False,
        help_text=_("Marque si el laboratorio reportó «<» o «no detectado» con un límite."),
    )
    outcome = models.CharField(
        _("resultado cualitativo"), max_length=12, choices=Outcome.choices, blank=True
    )
    unit = models.CharField(_("unidad"), max_length=30, blank=True)
    method = models.CharField(_("método"), max_length=120, blank=True)

    class Meta:
        ordering = ["sample", "parameter_text"]
        verbose_name = _("resultado")
        verbose_name_plural = _("resultados")

    def __str__(self) -> str:
        return f"{self.parameter_text}: {self.display_value()}"

    def display_value(self) -> str:
        if self.outcome:
            return str(self.get_outcome_display())
        if self.value is None:
            return "—"
        prefix = "< " if self.below_detection else ""
        return f"{prefix}{self.value.normalize():f} {self.unit}".strip()

    def clean(self) -> None:
        if self.value is None and not self.outcome:
            raise ValidationError(
                _("Anote el valor medido o si se detectó o no (presencia o ausencia).")
            )

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.sample.place_scope()


class Verdict(models.Model):
    """A result judged against one norm: the version, the limit and the reason are kept."""

    class Outcome(models.TextChoices):
        PASS = "pass", _("cumple")
        FAIL = "fail", _("no cumple")
        NOT_EVALUABLE = "not_evaluable", _("no se puede evaluar")
        NO_LIMIT = "no_limit", _("sin límite en esta norma")

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="verdicts")
    norm = models.ForeignKey(Norm, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        NormVersion, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    limit = models.ForeignKey(
        Limit, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    outcome = models.CharField(_("veredicto"), max_length=15, choices=Outcome.choices)
    limit_text = models.CharField(_("límite"), max_length=120, blank=True)
    reason = models.CharField(_("motivo"), max_length=40, blank=True)
    # Denormalised from the sample so indicators can count verdicts without joins.
    parameter_code = models.CharField(max_length=40, blank=True, db_index=True)
    sampled_on = models.DateField(db_index=True)

    class Meta:
        ordering = ["result", "norm"]
        verbose_name = _("veredicto")
        verbose_name_plural = _("veredictos")
        constraints = [
            models.UniqueConstraint(fields=["result", "norm"], name="one_verdict_per_norm")
        ]

    def __str__(self) -> str:
        return f"{self.norm.code}: {self.get_outcome_display()}"
