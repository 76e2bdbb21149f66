"""Field observations of the service: visits, supply logs, household and institution surveys."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Sex
from ojodeagua.watersystems.models import Component, WaterSystem

from .observation import Observation, ObservationQuerySet, system_scope


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("sí")
    NO = "no", _("no")
    UNKNOWN = "unknown", _("no sabe")


# Sanitary inspection forms are data, so WHO's 2024 packages can replace the starter set.
class InspectionForm(models.Model):
    code = models.SlugField(_("código"), max_length=40, unique=True)
    name = models.CharField(_("nombre"), max_length=200)
    system_kinds = models.JSONField(
        _("tipos de sistema"),
        default=list,
        blank=True,
        help_text=_("Tipos de sistema para los que se usa este formulario."),
    )
    version = models.CharField(_("versión"), max_length=40, blank=True)
    source_note = models.CharField(_("fuente"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("formulario de inspección sanitaria")
        verbose_name_plural = _("formularios de inspección sanitaria")

    def __str__(self) -> str:
        return self.name

    def band_for(self, score: int) -> "InspectionBand | None":
        return self.bands.filter(min_score__lte=score, max_score__gte=score).first()


class InspectionQuestion(models.Model):
    form = models.ForeignKey(InspectionForm, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField(_("número"))
    text = models.CharField(_("pregunta"), max_length=300)

    class Meta:
        ordering = ["form", "number"]
        verbose_name = _("pregunta de inspección")
        verbose_name_plural = _("preguntas de inspección")
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="one_question_number_per_form")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class InspectionBand(models.Model):
    class Risk(models.TextChoices):
        LOW = "low", _("bajo")
        INTERMEDIATE = "intermediate", _("intermedio")
        HIGH = "high", _("alto")
        VERY_HIGH = "very_high", _("muy alto")

    form = models.ForeignKey(InspectionForm, on_delete=models.CASCADE, related_name="bands")
    min_score = models.PositiveSmallIntegerField(_("puntaje mínimo"))
    max_score = models.PositiveSmallIntegerField(_("puntaje máximo"))
    risk = models.CharField(_("riesgo"), max_length=15, choices=Risk.choices)

    class Meta:
        ordering = ["form", "min_score"]
        verbose_name = _("banda de riesgo")
        verbose_name_plural = _("bandas de riesgo")

    def __str__(self) -> str:
        return f"{self.min_score} a {self.max_score}: {self.get_risk_display()}"


class StoppageCause(models.TextChoices):
    NONE = "", _("sin paro")
    SOURCE_DRIED = "source_dried", _("se secó la fuente")
    PUMP = "pump", _("falla de la bomba")
    POWER = "power", _("sin luz")
    BROKEN_PIPE = "broken_pipe", _("tubería rota")
    NO_MONEY = "no_money", _("no hubo dinero para reparar")
    MANAGEMENT = "management", _("problemas de organización")
    VANDALISM = "vandalism", _("daño intencional")
    RATIONING = "rationing", _("tandeo o reparto por turnos")
    OTHER = "other", _("otra causa")


class SystemVisit(Observation):
    system = models.ForeignKey(
        WaterSystem, on_delete=models.PROTECT, related_name="visits", verbose_name=_("sistema")
    )
    working = models.BooleanField(_("funciona el día de la visita"))
    flow_lps = models.DecimalField(
        _("caudal medido (L/s)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    downtime_days = models.PositiveSmallIntegerField(
        _("días sin servicio desde la visita anterior"), default=0
    )
    downtime_cause = models.CharField(
        _("causa principal del paro"), max_length=20, choices=StoppageCause.choices, blank=True
    )
    chlorination = models.CharField(
        _("cloración"),
        max_length=15,
        choices=[
            ("working", _("funciona")),
            ("not_working", _("no funciona")),
            ("none", _("el sistema no clora")),
        ],
        default="none",
    )
    inspection_form = models.ForeignKey(
        InspectionForm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("formulario de inspección sanitaria"),
    )
    # Derived from the answers on save; kept so a later change of bands does not rewrite history.
    inspection_score = models.PositiveSmallIntegerField(_("puntaje de riesgo"), null=True)
    inspection_risk = models.CharField(
        _("riesgo sanitario"), max_length=15, choices=InspectionBand.Risk.choices, blank=True
    )

    class Meta(Observation.Meta):
        verbose_name = _("visita al sistema")
        verbose_name_plural = _("visitas a sistemas")
        default_related_name = "visits"

    def __str__(self) -> str:
        return f"{self.system} · {self.observed_on:%d/%m/%Y}"

    def place_scope(self) -> tuple[int, int | None]:
        return system_scope(self.system)

    def get_absolute_url(self) -> str:
        return reverse("monitoring:visit_detail", args=[self.pk])

    def clean(self) -> None:
        if not self.working and self.flow_lps:
            raise ValidationError(
                {"flow_lps": _("Si el sistema no funciona, el caudal debe ser 0 o quedar vacío.")}
            )
        if self.downtime_days and not self.downtime_cause:
            raise ValidationError(
                {"downtime_cause": _("Indique por qué se quedó sin servicio esos días.")}
            )

    def score_inspection(self) -> None:
        """Count the hazards seen and band them with the form's own bands."""
        if not self.inspection_form_id or not self.pk:
            self.inspection_score, self.inspection_risk = None, ""
            return
        self.inspection_score = self.inspection_answers.filter(hazard=True).count()
        band = self.inspection_form.band_for(self.inspection_score)
        self.inspection_risk = band.risk if band else ""


class ComponentCheck(models.Model):
    visit = models.ForeignKey(
        SystemVisit, on_delete=models.CASCADE, related_name="component_checks"
    )
    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, related_name="checks", verbose_name=_("componente")
    )
    condition = models.CharField(_("condición"), max_length=10, choices=Component.Condition.choices)
    note = models.CharField(_("nota"), max_length=300, blank=True)

    class Meta:
        ordering = ["visit", "component"]
        verbose_name = _("condición de componente")
        verbose_name_plural = _("condición de componentes")
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "component"], name="one_check_per_component_and_visit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.component}: {self.get_condition_display()}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.visit.place_scope()


class InspectionAnswer(models.Model):
    visit = models.ForeignKey(
        SystemVisit, on_delete=models.CASCADE, related_name="inspection_answers"
    )
    question = models.ForeignKey(InspectionQuestion, on_delete=models.PROTECT, related_name="+")
    hazard = models.BooleanField(_("sí, se ve el riesgo"))

    class Meta:
        ordering = ["visit", "question__number"]
        verbose_name = _("respuesta de inspección")
        verbose_name_plural = _("respuestas de inspección")
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "question"], name="one_answer_per_question_and_visit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question.number}: {'sí' if self.hazard else 'no'}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.visit.place_scope()


class SupplyDay(Observation):
    """One day of supply at one system (or one sector of its network)."""

    system = models.ForeignKey(
        WaterSystem, on_delete=models.PROTECT, related_name="supply_days", verbose_name=_("sistema")
    )
    sector = models.CharField(
        _("sector"), max_length=60, blank=True, help_text=_("Solo si la red tiene sectores.")
    )
    hours = models.DecimalField(
        _("horas con agua"),
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    no_water_reason = models.CharField(
        _("por qué no hubo agua"), max_length=20, choices=StoppageCause.choices, blank=True
    )

    class Meta(Observation.Meta):
        verbose_name = _("día de suministro")
        verbose_name_plural = _("registro de suministro")
        default_related_name = "supply_days"
        constraints = [
            models.UniqueConstraint(
                fields=["system", "sector", "observed_on"], name="one_supply_day_per_sector"
            )
        ]
        indexes = [models.Index(fields=["system", "observed_on"])]

    def __str__(self) -> str:
        return f"{self.system} · {self.observed_on:%d/%m/%Y}: {self.hours} h"

    def place_scope(self) -> tuple[int, int | None]:
        return system_scope(self.system)

    def get_absolute_url(self) -> str:
        return reverse("monitoring:supplyday_detail", args=[self.pk])

    def clean(self) -> None:
        if self.hours == 0 and not self.no_water_reason:
            raise ValidationError({"no_water_reason": _("Si no hubo agua ese día, diga por qué.")})

    @property
    def had_water(self) -> bool:
        return self.hours > 0


class HouseholdSurvey(Observation):
    """The JMP core questions for one household, and how it sees its service. No names."""

    class WaterSource(models.TextChoices):
        PIPED_DWELLING = "piped_dwelling", _("agua entubada dentro de la vivienda")
        PIPED_YARD = "piped_yard", _("agua entubada en el patio o terreno")
        PUBLIC_TAP = "public_tap", _("llave pública o hidrante")
        BOREHOLE = "borehole", _("pozo profundo")
        PROTECTED_WELL = "protected_well", _("pozo excavado protegido")
        UNPROTECTED_WELL = "unprotected_well", _("pozo excavado sin proteger")
        PROTECTED_SPRING = "protected_spring", _("manantial protegido")
        UNPROTECTED_SPRING = "unprotected_spring", _("manantial sin proteger")
        RAINWATER = "rainwater", _("agua de lluvia")
        TANKER = "tanker", _("pipa")
        BOTTLED = "bottled", _("garrafón o agua embotellada")
        SURFACE = "surface", _("río, arroyo, lago o presa")

    class Toilet(models.TextChoices):
        FLUSH_SEWER = "flush_sewer", _("sanitario con descarga al drenaje")
        FLUSH_SEPTIC = "flush_septic", _("sanitario con descarga a fosa séptica")
        FLUSH_PIT = "flush_pit", _("sanitario con descarga a pozo")
        FLUSH_OPEN = "flush_open", _("sanitario con descarga a barranca, río o suelo")
        VIP = "vip", _("letrina ventilada")
        PIT_SLAB = "pit_slab", _("letrina con losa")
        COMPOSTING = "composting", _("baño seco o ecológico")
        PIT_NO_SLAB = "pit_no_slab", _("letrina sin losa u hoyo negro")
        BUCKET = "bucket", _("cubeta o letrina colgante")
        NONE = "none", _("ninguno: al aire libre")

    class ExcretaDisposal(models.TextChoices):
        CONTAINED = "contained", _("se queda en el sitio o se vacía y trata")
        SEWER_TREATED = "sewer_treated", _("va a una planta de tratamiento")
        UNSAFE = "unsafe", _("se vacía al río, al suelo o sin tratar")
        UNKNOWN = "unknown", _("no sabe")

    class Handwashing(models.TextChoices):
        FIXED = "fixed", _("lavamanos o lugar fijo")
        MOBILE = "mobile", _("cubeta, jarra u otro recipiente")
        NONE = "none", _("no hay lugar para lavarse las manos")

    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        related_name="household_surveys",
        verbose_name=_("localidad"),
    )
    system = models.ForeignKey(
        WaterSystem,
        on_delete=models.PROTECT,
        related_name="household_surveys",
        verbose_name=_("sistema que le da agua"),
        null=True,
        blank=True,
    )
    respondent_sex = models.CharField(_("quién contestó"), max_length=1, choices=Sex.choices)
    household_size = models.PositiveSmallIntegerField(
        _("personas en la vivienda"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    water_source = models.CharField(
        _("de dónde toma el agua para beber"), max_length=20, choices=WaterSource.choices
    )
    water_on_premises = models.BooleanField(_("el agua está en la vivienda o el terreno"))
    collection_minutes = models.PositiveSmallIntegerField(
        _("minutos para ir, esperar y volver con el agua"), null=True, blank=True
    )
    sufficient_last_month = models.CharField(
        _("tuvo agua suficiente cuando la necesitó el último mes"),
        max_length=7,
        choices=YesNoUnknown.choices,
    )
    days_with_water_last_week = models.PositiveSmallIntegerField(
        _("días con agua la semana pasada"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(7)],
    )
    toilet = models.CharField(_("tipo de baño"), max_length=15, choices=Toilet.choices)
    toilet_shared = models.BooleanField(_("comparte el baño con otras viviendas"), default=False)
    excreta_disposal = models.CharField(
        _("qué pasa con lo que se junta en el baño"),
        max_length=15,
        choices=ExcretaDisposal.choices,
        default=ExcretaDisposal.UNKNOWN,
    )
    handwashing = models.CharField(
        _("lugar para lavarse las manos"), max_length=10, choices=Handwashing.choices
    )
    handwashing_water = models.BooleanField(_("había agua al momento de la visita"), default=False)
    handwashing_soap = models.BooleanField(_("había jabón al momento de la visita"), default=False)
    # The perception questions: asked before any detail, so the answer is the household's own.
    water_has_problem = models.CharField(
        _("¿tiene algún problema con el agua?"), max_length=7, choices=YesNoUnknown.choices
    )
    satisfied = models.CharField(
        _("¿está satisfecha con el servicio?"), max_length=7, choices=YesNoUnknown.choices
    )
    monthly_payment = models.DecimalField(
        _("cuánto paga al mes por el agua ($)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    # The answers, in the order they are asked: perception first, before any detail.
    ANSWER_FIELDS = (
        "respondent_sex",
        "household_size",
        "water_has_problem",
        "satisfied",
        "water_source",
        "water_on_premises",
        "collection_minutes",
        "sufficient_last_month",
        "days_with_water_last_week",
        "toilet",
        "toilet_shared",
        "excreta_disposal",
        "handwashing",
        "handwashing_water",
        "handwashing_soap",
        "monthly_payment",
    )

    class Meta(Observation.Meta):
        verbose_name = _("encuesta de hogar")
        verbose_name_plural = _("encuestas de hogar")
        indexes = [models.Index(fields=["locality", "observed_on"])]

    def __str__(self) -> str:
        return f"{self.locality.name} · {self.observed_on:%d/%m/%Y}"

    def place_scope(self) -> tuple[int, int | None]:
        provider_id = self.system.provider_id if self.system_id else None
        return self.locality.municipality_id, provider_id

    def get_absolute_url(self) -> str:
        return reverse("monitoring:householdsurvey_detail", args=[self.pk])

    def clean(self) -> None:
        if self.water_on_premises is False and self.collection_minutes is None:
            if self.water_source not in {"piped_dwelling", "piped_yard"}:
                raise ValidationError(
                    {
                        "collection_minutes": _(
                            "Si el agua no está en la vivienda, anote cuántos minutos tarda "
                            "en traerla."
                        )
                    }
                )
        if self.system_id and self.locality_id:
            if not self.system.served_localities.filter(locality_id=self.locality_id).exists():
                if self.system.locality_id != self.locality_id:
                    raise ValidationError(
                        {"system": _("Ese sistema no da servicio a la localidad elegida.")}
                    )


class InstitutionSurvey(Observation):
    """JMP WASH questions for a school or a health centre."""

    water_source_improved = models.BooleanField(_("la fuente de agua es mejorada"))
    water_on_premises = models.BooleanField(_("el agua está dentro del plantel"), default=True)
    water_available = models.BooleanField(_("había agua al momento de la encuesta"))
    toilets_improved = models.BooleanField(_("los baños son mejorados"), default=False)
    toilets_usable = models.BooleanField(_("los baños se pueden usar"), default=False)
    toilets_single_sex = models.BooleanField(
        _("hay baños separados para mujeres y hombres"), default=False
    )
    handwashing_water = models.BooleanField(_("hay agua para lavarse las manos"), default=False)
    handwashing_soap = models.BooleanField(_("hay jabón para lavarse las manos"), default=False)

    # The answers, in the order the page, the API and the import ask for them.
    ANSWER_FIELDS = (
        "water_source_improved",
        "water_on_premises",
        "water_available",
        "toilets_improved",
        "toilets_usable",
        "toilets_single_sex",
        "handwashing_water",
        "handwashing_soap",
    )

    class Meta(Observation.Meta):
        abstract = True


class SchoolSurvey(InstitutionSurvey):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("escuela")
    )

    class Meta(InstitutionSurvey.Meta):
        verbose_name = _("encuesta de agua y saneamiento en escuela")
        verbose_name_plural = _("encuestas en escuelas")

    def __str__(self) -> str:
        return f"{self.school} · {self.observed_on:%d/%m/%Y}"

    def place_scope(self) -> tuple[int, int | None]:
        return self.school.audit_scope()  # type: ignore[return-value]

    def get_absolute_url(self) -> str:
        return reverse("monitoring:schoolsurvey_detail", args=[self.pk])


# One wording for the page, the API, the import and the model.
NEGATIVE_DISTANCE = _(
    "La distancia no puede ser negativa: anote los metros que hay de la entrada del centro de "
    "salud a la fuente."
)
MAX_DISTANCE_M = 100_000
DISTANCE_TOO_LONG = _(
    "Más de 100 000 m (100 km) no parece una distancia a la fuente: anote la distancia en metros."
)


class HealthCentreSurvey(InstitutionSurvey):
    """The school questions plus what the JMP's health-care ladders need (2019 baseline):
    how far an off-premises source is, the toilets for staff, women and people with limited
    mobility, hand hygiene where care is given and by the toilets, waste and cleaning.

    The added answers are empty on surveys made before they were asked: the ladders read an
    empty answer as unknown, never as "no"."""

    health_centre = models.ForeignKey(
        HealthCentre,
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("centro de salud"),
    )
    water_source_distance_m = models.PositiveIntegerField(
        _("distancia del centro a la fuente de agua (metros)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(0, message=NEGATIVE_DISTANCE),
            # Past 100 km the answer is a typing slip (kilometres written as metres, a
            # digit too many), not a distance anyone walks for water.
            MaxValueValidator(MAX_DISTANCE_M, message=DISTANCE_TOO_LONG),
        ],
        help_text=_(
            "Solo si la fuente está fuera del centro. Más de 500 m es «sin servicio» en la "
            "escalera del JMP; sin la distancia, el nivel queda como desconocido."
        ),
    )
    toilet_for_staff = models.BooleanField(
        _("hay al menos un baño solo para el personal"), null=True, blank=True
    )
    toilet_menstrual_hygiene = models.BooleanField(
        _(
            "el baño de mujeres tiene lo necesario para la higiene menstrual (agua, jabón y "
            "bote con tapa)"
        ),
        null=True,
        blank=True,
    )
    toilet_accessible = models.BooleanField(
        _("hay al menos un baño que puede usar una persona con movilidad limitada"),
        null=True,
        blank=True,
    )
    hand_hygiene_at_care_points = models.BooleanField(
        _(
            "en los puntos de atención hay dónde lavarse las manos con agua y jabón, o gel "
            "con alcohol, y funciona"
        ),
        null=True,
        blank=True,
    )
    hand_hygiene_near_toilets = models.BooleanField(
        _(
            "a menos de 5 m de los baños hay dónde lavarse las manos con agua y jabón, o gel "
            "con alcohol, y funciona"
        ),
        null=True,
        blank=True,
    )
    waste_segregated = models.BooleanField(
        _("en el consultorio los residuos se separan en al menos tres botes"),
        null=True,
        blank=True,
    )
    waste_treated_safely = models.BooleanField(
        _("los punzocortantes y los residuos infecciosos se tratan y se eliminan de forma segura"),
        null=True,
        blank=True,
    )
    cleaning_protocol = models.BooleanField(
        _("hay protocolos de limpieza por escrito"), null=True, blank=True
    )
    cleaning_staff_trained = models.BooleanField(
        _("todo el personal que limpia recibió capacitación en limpieza"),
        null=True,
        blank=True,
    )

    # The school answers, then the health-care ones, in the order the page, the API and the
    # import ask for them.
    ANSWER_FIELDS = (
        "water_source_improved",
        "water_on_premises",
        "water_source_distance_m",
        "water_available",
        "toilets_improved",
        "toilets_usable",
        "toilet_for_staff",
        "toilets_single_sex",
        "toilet_menstrual_hygiene",
        "toilet_accessible",
        "handwashing_water",
        "handwashing_soap",
        "hand_hygiene_at_care_points",
        "hand_hygiene_near_toilets",
        "waste_segregated",
        "waste_treated_safely",
        "cleaning_protocol",
        "cleaning_staff_trained",
    )

    class Meta(InstitutionSurvey.Meta):
        verbose_name = _("encuesta de agua en centro de salud")
        verbose_name_plural = _("encuestas en centros de salud")

    def __str__(self) -> str:
        return f"{self.health_centre} · {self.observed_on:%d/%m/%Y}"

    def place_scope(self) -> tuple[int, int | None]:
        return self.health_centre.audit_scope()  # type: ignore[return-value]

    def get_absolute_url(self) -> str:
        return reverse("monitoring:healthcentresurvey_detail", args=[self.pk])

    def clean(self) -> None:
        # The field's validators cover the pages, the API and the import; this covers the
        # services' own path (they call clean(), not full_clean()).
        distance = self.water_source_distance_m
        if distance is not None and distance < 0:
            raise ValidationError({"water_source_distance_m": NEGATIVE_DISTANCE})
        if distance is not None and distance > MAX_DISTANCE_M:
            raise ValidationError({"water_source_distance_m": DISTANCE_TOO_LONG})
        if self.water_on_premises and distance:
            raise ValidationError(
                {
                    "water_source_distance_m": _(
                        "La fuente está dentro del centro de salud: deje la distancia vacía, o "
                        "marque que el agua está fuera del centro."
                    )
                }
            )


__all__ = ["ObservationQuerySet"]
