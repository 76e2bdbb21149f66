"""The integrity toolbox's catalogues, versioned so a past assessment keeps its wording."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.records import record_id_field
from ojodeagua.providers.models import Provider, ProviderPartQuerySet, Sex


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


# A slug, plus the dot the scorecard's indicators number themselves with (P1.1 under P1).
validate_catalogue_code = RegexValidator(
    r"^[-a-zA-Z0-9_.]+\Z",
    _("Use solo letras sin acentos, números, puntos, guiones y guiones bajos."),
)


class CatalogueEntry(models.Model):
    """Rows of one catalogue version; their code stays the same from version to version."""

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE)
    code = models.CharField(
        _("código"), max_length=40, db_index=True, validators=[validate_catalogue_code]
    )

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


# The kinds of provider that run the toolbox themselves, as issue 13 names them.
WORKSHOP_PROVIDER_KINDS = (Provider.Kind.COMMITTEE, Provider.Kind.SCHOOL, Provider.Kind.KIOSK)


def every_workshop_kind() -> list[str]:
    """An entry written before entries had kinds was written for every kind: it keeps them all."""
    return [str(kind) for kind in WORKSHOP_PROVIDER_KINDS]


class ForProviderKinds(models.Model):
    """An entry a workshop walks through, written for some kinds of provider: a kiosk is not
    asked about its padrón, nor a committee about its jug price. Never empty: an entry for
    every kind names them all, so that "for whom" is always read, never guessed."""

    provider_kinds = models.JSONField(
        _("para qué tipos de grupo"), default=every_workshop_kind, blank=True
    )

    class Meta:
        abstract = True

    def applies_to(self, kind: str) -> bool:
        return kind in self.provider_kinds

    def provider_kind_labels(self) -> list[str]:
        labels = dict(Provider.Kind.choices)
        return [str(labels.get(kind, kind)) for kind in self.provider_kinds]

    def clean(self) -> None:
        super().clean()
        self.clean_provider_kinds()

    def clean_provider_kinds(self) -> None:
        kinds = self.provider_kinds
        allowed = set(every_workshop_kind())
        if not isinstance(kinds, list) or not kinds:
            raise ValidationError(
                {"provider_kinds": _("Elija al menos un tipo de grupo al que se aplica.")}
            )
        if not set(kinds) <= allowed or len(set(kinds)) != len(kinds):
            raise ValidationError(
                {
                    "provider_kinds": _(
                        "Los tipos de grupo son comité, comité escolar y grupo de kiosco, "
                        "cada uno una vez."
                    )
                }
            )


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


class Risk(ForProviderKinds, CatalogueEntry):
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
    """Links a risk to a named check in code (see ``integrity.red_flags``), as data."""

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
        from .red_flags import CHECKS

        if self.check_code not in CHECKS:
            raise ValidationError(
                {"check_code": _("No hay una revisión con ese nombre; elija una de la lista.")}
            )

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None


class ChecklistItem(ForProviderKinds, CatalogueEntry):
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


class ScorecardIndicator(ForProviderKinds, CatalogueEntry):
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


def overdue_condition(on) -> models.Q:
    """Still waiting for an answer after the day the committee promised one: the one rule of
    an overdue complaint, for querysets and counts (``Complaint.is_overdue`` for one row)."""
    return models.Q(status=Complaint.Status.RECEIVED, respond_by__lt=on)


class ComplaintQuerySet(ProviderPartQuerySet):
    def overdue(self, on) -> "ComplaintQuerySet":
        return self.filter(overdue_condition(on))


class Complaint(models.Model):
    """One entry of the committee's complaint register (one of the toolbox's tools)."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("recibida")
        ANSWERED = "answered", _("respondida")
        RESOLVED = "resolved", _("resuelta")
        NOT_RESOLVED = "not_resolved", _("no resuelta")

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("en persona")
        ASSEMBLY = "assembly", _("en la asamblea")
        PHONE = "phone", _("por teléfono o mensaje")
        SUGGESTION_BOX = "box", _("buzón")
        # Filed by a user on the public form (to come); it arrives unreviewed.
        PUBLIC_FORM = "public_form", _("formulario público")

    record_id = record_id_field()
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("comité"),
    )
    channel = models.CharField(
        _("cómo llegó"), max_length=12, choices=Channel.choices, default=Channel.IN_PERSON
    )
    received_on = models.DateField(_("recibida el"))
    # Optional: a user may complain without giving a name, on paper or on the public form.
    reported_by = models.CharField(_("quién la presentó"), max_length=200, blank=True)
    reporter_phone = models.CharField(_("teléfono de quien la presentó"), max_length=30, blank=True)
    # Asked only to count women's and men's complaints side by side; never shown with the name.
    reporter_sex = models.CharField(
        _("quien la presentó es"), max_length=1, choices=Sex.choices, blank=True
    )
    PERSONAL_FIELDS = ("reported_by", "reporter_phone")
    what = models.TextField(_("de qué se queja"))
    where = models.CharField(_("dónde"), max_length=200, blank=True)
    since = models.DateField(_("desde cuándo"), null=True, blank=True)
    # What the person keeps to follow the complaint on the public page; never a sequence, so
    # one code does not lead to the next.
    tracking_code = models.CharField(
        _("código de seguimiento"), max_length=9, unique=True, null=True, blank=True
    )
    # What the public wrote is shown publicly only in the committee's reviewed words.
    public_summary = models.TextField(
        _("texto revisado para mostrar en público"),
        blank=True,
        help_text=_(
            "Lo que se verá en la página pública de la localidad, sin nombres ni datos de nadie. "
            "Vacío: la queja no se muestra en público."
        ),
    )
    # The day a complaint left unanswered past its deadline went up to the municipal agency.
    escalated_on = models.DateField(_("turnada a la agencia el"), null=True, blank=True)
    respond_by = models.DateField(_("responder a más tardar el"))
    status = models.CharField(
        _("estado"), max_length=15, choices=Status.choices, default=Status.RECEIVED
    )
    answered_on = models.DateField(_("respondida el"), null=True, blank=True)
    # Shown to whoever holds the tracking code: the committee writes it without names.
    answer = models.TextField(
        _("respuesta"),
        blank=True,
        help_text=_("Quien presentó la queja la leerá con su código: no escriba nombres."),
    )
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
        if self.received_on and self.since and self.since > self.received_on:
            errors["since"] = _("«Desde cuándo» no puede ser después del día de la queja.")
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

    def is_overdue(self, on) -> bool:
        """``overdue_condition`` for this one complaint."""
        return self.status == self.Status.RECEIVED and self.respond_by < on

    def response_days(self) -> int | None:
        if self.answered_on is None:
            return None
        return (self.answered_on - self.received_on).days


class Cycle(models.Model):
    """One turn of the toolbox for one committee: preparation, workshop, coaching, review."""

    class Stage(models.TextChoices):
        PREPARATION = "preparation", _("preparación")
        WORKSHOP = "workshop", _("taller")
        IMPLEMENTATION = "implementation", _("acompañamiento")
        CLOSED = "closed", _("cerrado")

    record_id = record_id_field()
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="integrity_cycles",
        verbose_name=_("comité"),
    )
    number = models.PositiveSmallIntegerField(_("ciclo número"))
    # The catalogue and scale the cycle was run with: their wording stays with it.
    catalogue = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, related_name="+")
    scale = models.ForeignKey(
        RatingScale,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("escala de valoración"),
    )
    stage = models.CharField(
        _("etapa"), max_length=15, choices=Stage.choices, default=Stage.PREPARATION
    )
    context = models.TextField(_("contexto del comité"), blank=True)
    baseline = models.JSONField(_("línea base"), default=dict, blank=True)
    baseline_taken_on = models.DateField(_("línea base tomada el"), null=True, blank=True)
    workshop_on = models.DateField(_("fecha del taller"), null=True, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)

    # The toolbox is for the groups that run a service themselves, as the issue names them.
    PROVIDER_KINDS = WORKSHOP_PROVIDER_KINDS

    objects = ProviderPartQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "-number"]
        verbose_name = _("ciclo de integridad")
        verbose_name_plural = _("ciclos de integridad")
        constraints = [
            models.UniqueConstraint(fields=["provider", "number"], name="one_cycle_number")
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.number}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.provider.municipality_id, self.provider_id

    def clean(self) -> None:
        if self.provider_id and self.provider.kind not in self.PROVIDER_KINDS:
            raise ValidationError(
                {
                    "provider": _(
                        "El ciclo de integridad es para comités, comités escolares y grupos de "
                        "kiosco; elija uno de ellos."
                    )
                }
            )
        if self.scale_id and self.catalogue_id and self.scale.version_id != self.catalogue_id:
            raise ValidationError(
                {"scale": _("La escala debe ser de la misma versión del catálogo.")}
            )

    def previous(self) -> "Cycle | None":
        return self.provider.integrity_cycles.filter(number__lt=self.number).first()


class CyclePart(models.Model):
    """Rows that belong to one cycle and share its scope."""

    class Meta:
        abstract = True

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.cycle.audit_scope()


class Participant(CyclePart):
    class Role(models.TextChoices):
        COMMITTEE = "committee", _("comité")
        USER = "user", _("usuaria o usuario")
        AUTHORITY = "authority", _("autoridad")
        NGO = "ngo", _("organización que acompaña")

    class AgeGroup(models.TextChoices):
        YOUNG = "young", _("menos de 30 años")
        ADULT = "adult", _("de 30 a 59 años")
        ELDER = "elder", _("60 años o más")

    record_id = record_id_field()
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(_("nombre (opcional)"), max_length=200, blank=True)
    PERSONAL_FIELDS = ("name",)
    role = models.CharField(_("papel"), max_length=10, choices=Role.choices)
    sex = models.CharField(_("sexo"), max_length=1, choices=Sex.choices)
    age_group = models.CharField(_("edad"), max_length=6, choices=AgeGroup.choices)

    class Meta:
        ordering = ["cycle", "pk"]
        verbose_name = _("participante")
        verbose_name_plural = _("participantes")

    def __str__(self) -> str:
        # Never the name: this label is what the audit trail keeps of a rating's participant.
        return f"{self.get_role_display()} #{self.pk}"


class ComplianceAnswer(CyclePart):
    class Answer(models.TextChoices):
        YES = "yes", _("sí")
        PARTLY = "partly", _("en parte")
        NO = "no", _("no")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="compliance")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("respuesta"), max_length=6, choices=Answer.choices)
    evidence = models.TextField(_("prueba o comentario"), blank=True)

    class Meta:
        ordering = ["cycle", "item__code"]
        verbose_name = _("respuesta de cumplimiento")
        verbose_name_plural = _("respuestas de cumplimiento")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "item"], name="one_answer_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.get_answer_display()}"


class SetAside(CyclePart):
    """A checklist item or catalogue risk the facilitator set aside for this cycle, because it
    does not apply to this group, with the reason. Brought back, the row goes (the audit trail
    keeps it); while it is here the workshop neither asks nor counts the entry."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="set_aside")
    checklist_item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("punto de la lista de cumplimiento"),
    )
    risk = models.ForeignKey(
        Risk,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("riesgo del catálogo"),
    )
    reason = models.TextField(_("por qué no aplica"))
    set_aside_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("quién lo dejó de lado"),
    )
    set_aside_at = models.DateTimeField(_("cuándo"), auto_now_add=True)

    class Meta:
        ordering = ["cycle", "checklist_item__code", "risk__code"]
        verbose_name = _("punto dejado de lado")
        verbose_name_plural = _("puntos dejados de lado")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(checklist_item__isnull=False, risk__isnull=True)
                | models.Q(checklist_item__isnull=True, risk__isnull=False),
                name="set_aside_is_one_entry",
            ),
            models.UniqueConstraint(
                fields=["cycle", "checklist_item"],
                condition=models.Q(checklist_item__isnull=False),
                name="one_set_aside_per_item",
            ),
            models.UniqueConstraint(
                fields=["cycle", "risk"],
                condition=models.Q(risk__isnull=False),
                name="one_set_aside_per_risk",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.reason[:60]}"

    @property
    def entry(self) -> "ChecklistItem | Risk | None":
        return self.checklist_item or self.risk

    @property
    def code(self) -> str:
        return self.entry.code if self.entry else ""

    @property
    def text(self) -> str:
        if self.checklist_item_id:
            return self.checklist_item.text
        return self.risk.title if self.risk_id else ""

    def clean(self) -> None:
        if not self.reason.strip():
            raise ValidationError({"reason": _("Diga por qué este punto no aplica a este grupo.")})
        entry = self.entry
        if entry is not None and self.cycle_id and entry.version_id != self.cycle.catalogue_id:
            raise ValidationError(_("Ese punto es de otra versión del catálogo."))


class AssessedRisk(CyclePart):
    """A catalogue risk, or the group's own, as rated in one workshop."""

    record_id = record_id_field()
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="assessed_risks")
    risk = models.ForeignKey(
        Risk,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("riesgo del catálogo"),
    )
    own_title = models.CharField(_("riesgo propio del grupo"), max_length=300, blank=True)
    consensus_likelihood = models.PositiveSmallIntegerField(
        _("probabilidad acordada"), null=True, blank=True
    )
    consensus_impact = models.PositiveSmallIntegerField(
        _("impacto acordado"), null=True, blank=True
    )
    # 1, 2 or 3 for the group's three key problems.
    priority = models.PositiveSmallIntegerField(_("prioridad"), null=True, blank=True)

    class Meta:
        ordering = ["cycle", "priority", "risk__code", "pk"]
        verbose_name = _("riesgo valorado")
        verbose_name_plural = _("riesgos valorados")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "risk"],
                condition=models.Q(risk__isnull=False),
                name="one_assessment_per_catalogue_risk",
            ),
            models.UniqueConstraint(
                fields=["cycle", "priority"],
                condition=models.Q(priority__isnull=False),
                name="one_risk_per_priority",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.risk.title if self.risk_id else self.own_title

    def clean(self) -> None:
        if not self.risk_id and not self.own_title.strip():
            raise ValidationError({"own_title": _("Escriba el riesgo o elija uno del catálogo.")})
        if self.risk_id and self.cycle_id and self.risk.version_id != self.cycle.catalogue_id:
            raise ValidationError({"risk": _("Ese riesgo es de otra versión del catálogo.")})
        if self.priority is not None and not 1 <= self.priority <= 3:
            raise ValidationError({"priority": _("La prioridad va de 1 a 3.")})
        if (self.consensus_likelihood is None) != (self.consensus_impact is None):
            raise ValidationError(
                _("Anote la probabilidad y el impacto acordados, los dos o ninguno.")
            )
        if self.consensus_likelihood is not None and self.cycle_id:
            check_on_scale(self.cycle.scale, self.consensus_likelihood, self.consensus_impact)

    def consensus_band(self) -> dict | None:
        if self.consensus_likelihood is None:
            return None
        return self.cycle.scale.band(self.consensus_likelihood, self.consensus_impact)


def check_on_scale(scale: RatingScale, likelihood: int, impact: int) -> None:
    try:
        scale.band(likelihood, impact)
    except ValueError:
        raise ValidationError(
            _("Esa valoración no está en la escala «%(scale)s».") % {"scale": scale.name}
        ) from None


class Rating(models.Model):
    """One participant's rating of one risk, kept beside the group's consensus."""

    assessed_risk = models.ForeignKey(
        AssessedRisk, on_delete=models.CASCADE, related_name="ratings"
    )
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="ratings")
    likelihood = models.PositiveSmallIntegerField(_("probabilidad"))
    impact = models.PositiveSmallIntegerField(_("impacto"))

    class Meta:
        ordering = ["assessed_risk", "participant"]
        verbose_name = _("valoración")
        verbose_name_plural = _("valoraciones")
        constraints = [
            models.UniqueConstraint(
                fields=["assessed_risk", "participant"], name="one_rating_per_participant"
            )
        ]

    # The trail once kept the participant (and this label) by name: it masks them for those
    # who do not read the committee's names, as it masks a personal field.
    PERSONAL_IN_TRAIL = ("participant",)

    def __str__(self) -> str:
        return f"{self.participant}: {self.likelihood} × {self.impact}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.assessed_risk.audit_scope()

    def clean(self) -> None:
        if self.participant_id and self.assessed_risk_id:
            if self.participant.cycle_id != self.assessed_risk.cycle_id:
                raise ValidationError(_("Esa persona no participa en este ciclo."))
            check_on_scale(self.assessed_risk.cycle.scale, self.likelihood, self.impact)

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class RatingTally(models.Model):
    """How many women (or men) put their card on each level of likelihood and of impact, without
    naming anyone: how a room of fifteen rates a risk in a minute, and enough to set the women's
    view beside the men's."""

    assessed_risk = models.ForeignKey(
        AssessedRisk, on_delete=models.CASCADE, related_name="tallies"
    )
    sex = models.CharField(_("sexo"), max_length=1, choices=Sex.choices)
    # {"<level>": count} on the cycle's scale; a level nobody chose is left out.
    likelihood_counts = models.JSONField(
        _("cuántas personas en cada probabilidad"), default=dict, blank=True
    )
    impact_counts = models.JSONField(
        _("cuántas personas en cada impacto"), default=dict, blank=True
    )

    class Meta:
        ordering = ["assessed_risk", "sex"]
        verbose_name = _("conteo de valoraciones")
        verbose_name_plural = _("conteos de valoraciones")
        constraints = [
            models.UniqueConstraint(fields=["assessed_risk", "sex"], name="one_tally_per_sex")
        ]

    def __str__(self) -> str:
        return f"{self.get_sex_display()}: {self.likelihood_counts} × {self.impact_counts}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.assessed_risk.audit_scope()

    @property
    def people(self) -> int:
        """Everyone who placed a card on either dimension (some may skip one)."""
        return max(sum(self.likelihood_counts.values()), sum(self.impact_counts.values()))

    def clean(self) -> None:
        if not self.assessed_risk_id:
            return
        cycle = self.assessed_risk.cycle
        scale = cycle.scale
        levels = {
            "likelihood": {str(level["value"]) for level in scale.likelihood},
            "impact": {str(level["value"]) for level in scale.impact},
        }
        counts = {"likelihood": self.likelihood_counts, "impact": self.impact_counts}
        for dimension, given in counts.items():
            for level, count in given.items():
                if str(level) not in levels[dimension]:
                    raise ValidationError(
                        _("El nivel %(level)s no está en la escala «%(scale)s».")
                        % {"level": level, "scale": scale.name}
                    )
                if not isinstance(count, int) or count < 0:
                    raise ValidationError(_("Cada conteo es un número entero, 0 o más."))
        if self.sex not in (Sex.FEMALE, Sex.MALE):
            raise ValidationError(_("El conteo es de mujeres o de hombres."))
        present = cycle.participants.filter(sex=self.sex).count()
        one_by_one = self.assessed_risk.ratings.filter(participant__sex=self.sex).count()
        for dimension, given in counts.items():
            total = sum(given.values())
            if total + one_by_one <= present:
                continue
            values = {
                "total": total,
                "dimension": _("probabilidad") if dimension == "likelihood" else _("impacto"),
                "present": present,
                "one_by_one": one_by_one,
            }
            if self.sex == Sex.FEMALE:
                message = _(
                    "Se contaron %(total)s mujeres en %(dimension)s, pero en el taller hay "
                    "%(present)s mujeres registradas y %(one_by_one)s ya valoraron una por una. "
                    "Revise el conteo o registre a las que faltan."
                )
            else:
                message = _(
                    "Se contaron %(total)s hombres en %(dimension)s, pero en el taller hay "
                    "%(present)s hombres registrados y %(one_by_one)s ya valoraron uno por uno. "
                    "Revise el conteo o registre a los que faltan."
                )
            raise ValidationError(message % values)


class RoadmapItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pendiente")
        IN_PROGRESS = "in_progress", _("en curso")
        DONE = "done", _("hecha")
        DROPPED = "dropped", _("se dejó")

    record_id = record_id_field()
    assessed_risk = models.ForeignKey(
        AssessedRisk, on_delete=models.CASCADE, related_name="roadmap"
    )
    tool = models.ForeignKey(
        Tool,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("herramienta"),
    )
    action = models.CharField(_("acción"), max_length=300)
    responsible = models.CharField(_("quién la hace"), max_length=200)
    deadline = models.DateField(_("para cuándo"))
    done_when = models.CharField(_("cómo sabremos que está hecha"), max_length=300)
    status = models.CharField(
        _("estado"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    done_on = models.DateField(_("hecha el"), null=True, blank=True)
    dropped_reason = models.TextField(_("por qué se dejó"), blank=True)

    class Meta:
        ordering = ["assessed_risk", "deadline", "pk"]
        verbose_name = _("acción de la hoja de ruta")
        verbose_name_plural = _("hoja de ruta")

    def __str__(self) -> str:
        return self.action

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.assessed_risk.audit_scope()

    def clean(self) -> None:
        if self.status == self.Status.DONE and not self.done_on:
            raise ValidationError({"done_on": _("Anote cuándo quedó hecha.")})
        if self.status == self.Status.DROPPED and not self.dropped_reason.strip():
            raise ValidationError({"dropped_reason": _("Diga por qué se dejó esta acción.")})
        if self.assessed_risk_id and self.assessed_risk.priority is None:
            raise ValidationError(
                _("La hoja de ruta es para los tres problemas que eligió el grupo.")
            )


class RoadmapChange(models.Model):
    """A status change or a plan adjustment, kept with its reason (never edited)."""

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(_("cuándo"), auto_now_add=True)
    changed_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # {"field": [before, after]} for every field the change touched.
    changes = models.JSONField(_("cambios"))
    reason = models.TextField(_("por qué"))

    class Meta:
        ordering = ["item", "changed_at", "pk"]
        verbose_name = _("cambio en la hoja de ruta")
        verbose_name_plural = _("cambios en la hoja de ruta")

    def __str__(self) -> str:
        return f"{self.item}: {', '.join(self.changes)}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.item.audit_scope()


class CoachingSession(CyclePart):
    record_id = record_id_field()
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="coaching")
    held_on = models.DateField(_("fecha"))
    attendees = models.TextField(_("quiénes asistieron"))
    PERSONAL_FIELDS = ("attendees",)
    notes = models.TextField(_("notas"), blank=True)

    class Meta:
        ordering = ["cycle", "held_on"]
        verbose_name = _("sesión de acompañamiento")
        verbose_name_plural = _("sesiones de acompañamiento")

    def __str__(self) -> str:
        return f"{self.cycle} · {self.held_on:%d/%m/%Y}"


class CoachingAnswer(models.Model):
    """The four guiding questions, answered for one road-map item in one session."""

    session = models.ForeignKey(CoachingSession, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="coaching")
    goals_reached = models.TextField(_("¿qué metas se lograron y por qué?"), blank=True)
    unintended_effects = models.TextField(_("¿qué efectos no buscados hubo?"), blank=True)
    goals_missed = models.TextField(_("¿qué metas no se lograron y por qué?"), blank=True)
    problems = models.TextField(
        _("¿qué problemas hubo y cómo se resolvieron o se podrían resolver?"), blank=True
    )
    # How the action stood at this session, and what was said about it; empty on answers
    # written before actions were reviewed one at a time.
    status = models.CharField(
        _("estado en la sesión"), max_length=12, choices=RoadmapItem.Status.choices, blank=True
    )
    comment = models.TextField(_("comentario o por qué cambió"), blank=True)

    class Meta:
        ordering = ["session", "item"]
        verbose_name = _("respuesta de acompañamiento")
        verbose_name_plural = _("respuestas de acompañamiento")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "item"], name="one_answer_per_item_and_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.item}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.session.audit_scope()

    def clean(self) -> None:
        if self.item_id and self.session_id:
            if self.item.assessed_risk.cycle_id != self.session.cycle_id:
                raise ValidationError(_("Esa acción es de otro ciclo."))


class ScorecardScore(CyclePart):
    """One indicator of the yearly self-assessment, scored 1 to 5 with its justification."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="scorecard")
    indicator = models.ForeignKey(
        ScorecardIndicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicador")
    )
    score = models.PositiveSmallIntegerField(
        _("puntaje"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    evidence = models.TextField(_("por qué ese puntaje"))

    class Meta:
        ordering = ["cycle", "indicator__code"]
        verbose_name = _("puntaje de la autoevaluación")
        verbose_name_plural = _("puntajes de la autoevaluación")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "indicator"], name="one_score_per_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.score}"

    def clean(self) -> None:
        if self.indicator_id and self.cycle_id:
            if self.indicator.version_id != self.cycle.catalogue_id:
                raise ValidationError(
                    {"indicator": _("Ese indicador es de otra versión del catálogo.")}
                )


class Attachment(CyclePart):
    """A photo or document that shows a compliance answer or a road-map action.

    Evidence can hold personal data (a receipt, a list of names), so files are served only
    through a view that checks scope, never from a public media URL.
    """

    record_id = record_id_field()
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="attachments")
    compliance_answer = models.ForeignKey(
        ComplianceAnswer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    roadmap_item = models.ForeignKey(
        RoadmapItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("archivo"), upload_to="integrity/%Y/%m/")
    caption = models.CharField(_("qué muestra"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("subido"), auto_now_add=True)

    class Meta:
        ordering = ["cycle", "uploaded_at", "pk"]
        verbose_name = _("prueba adjunta")
        verbose_name_plural = _("pruebas adjuntas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(compliance_answer__isnull=False, roadmap_item__isnull=True)
                | models.Q(compliance_answer__isnull=True, roadmap_item__isnull=False),
                name="attachment_shows_one_thing",
            )
        ]

    def __str__(self) -> str:
        return self.caption or self.file.name.rsplit("/", 1)[-1]

    def clean(self) -> None:
        shown = self.compliance_answer or self.roadmap_item
        if shown is None:
            return
        cycle_id = (
            self.compliance_answer.cycle_id
            if self.compliance_answer
            else self.roadmap_item.assessed_risk.cycle_id
        )
        if self.cycle_id and cycle_id != self.cycle_id:
            raise ValidationError(_("Esa prueba es de otro ciclo."))
