"""Forms of the follow-up pages: road-map changes, evidence, coaching, scorecard, complaints."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.lib.forms import date_widget
from ojodeagua.lib.records import new_record_id
from ojodeagua.lib.uploads import checked_evidence
from ojodeagua.providers.models import Provider, Sex

from .models import CoachingAnswer, Complaint, RoadmapItem, ScorecardIndicator, Tool
from .register import NEXT_STATUSES, RESPONSE_DAYS

Status = RoadmapItem.Status


def record_id_input() -> forms.CharField:
    """Made when the form is first shown, so sending it twice saves one record.

    Optional: a form posted without one (an old page, a script) gets a fresh id.
    """
    return forms.CharField(
        widget=forms.HiddenInput, initial=new_record_id, max_length=64, required=False
    )


def question_label(name: str) -> str:
    """A guiding question's label as a sentence: «¿Qué metas…?», not «¿qué metas…?»."""
    label = str(CoachingAnswer._meta.get_field(name).verbose_name)
    opening = "¿" if label.startswith("¿") else ""
    rest = label[len(opening) :]
    return opening + rest[:1].upper() + rest[1:]


def not_in_future(value: datetime.date | None, message: str) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(message)


# Road map ---------------------------------------------------------------------------------------
class StatusFields(forms.Form):
    """A road-map item's status, with the date it was done and the reason for a change."""

    status = forms.ChoiceField(
        label=gettext_lazy("Estado"), choices=Status.choices, widget=forms.RadioSelect
    )
    done_on = forms.DateField(
        label=gettext_lazy("Hecha el"),
        required=False,
        widget=date_widget(),
        help_text=gettext_lazy("Solo si la acción quedó hecha."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Por qué cambia"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Queda en el historial y se cuenta a los usuarios en la asamblea. Si la acción se "
            "deja, este motivo queda como la razón."
        ),
    )

    def __init__(self, *args, item: RoadmapItem, **kwargs) -> None:
        self.item = item
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "status": item.status,
            "done_on": item.done_on,
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)

    def clean_done_on(self) -> datetime.date | None:
        done_on = self.cleaned_data.get("done_on")
        not_in_future(done_on, _("La fecha en que quedó hecha no puede ser después de hoy."))
        return done_on

    def clean(self) -> dict:
        data = super().clean()
        status = data.get("status")
        if status == Status.DONE and not data.get("done_on"):
            self.add_error("done_on", _("Anote cuándo quedó hecha."))
        if status == Status.DROPPED and status != self.item.status:
            if not data.get("reason", "").strip():
                self.add_error("reason", _("Diga por qué se deja esta acción."))
        return data

    def status_values(self) -> dict:
        """The item's status fields as ``change_roadmap`` takes them."""
        status = self.cleaned_data["status"]
        values = {
            "status": status,
            "done_on": self.cleaned_data["done_on"] if status == Status.DONE else None,
            "dropped_reason": "",
        }
        if status == Status.DROPPED:
            values["dropped_reason"] = (
                self.item.dropped_reason
                if self.item.status == Status.DROPPED
                else self.cleaned_data["reason"].strip()
            )
        return values

    def changes_status(self) -> bool:
        values = self.status_values()
        return any(getattr(self.item, name) != value for name, value in values.items())


class RoadmapChangeForm(StatusFields):
    """Status and plan of one road-map item; every change needs its reason."""

    action = forms.CharField(label=gettext_lazy("Acción"), max_length=300)
    responsible = forms.CharField(label=gettext_lazy("Quién la hace"), max_length=200)
    deadline = forms.DateField(label=gettext_lazy("Para cuándo"), widget=date_widget())
    done_when = forms.CharField(label=gettext_lazy("Cómo sabremos que está hecha"), max_length=300)
    tool = forms.ModelChoiceField(
        label=gettext_lazy("Herramienta"),
        queryset=Tool.objects.none(),
        required=False,
        empty_label=gettext_lazy("— sin herramienta del catálogo —"),
    )
    field_order = [
        "status",
        "done_on",
        "action",
        "responsible",
        "deadline",
        "done_when",
        "tool",
        "reason",
    ]

    def __init__(self, *args, item: RoadmapItem, **kwargs) -> None:
        kwargs["initial"] = {
            "action": item.action,
            "responsible": item.responsible,
            "deadline": item.deadline,
            "done_when": item.done_when,
            "tool": item.tool_id,
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, item=item, **kwargs)
        self.fields["tool"].queryset = Tool.objects.filter(
            version_id=item.assessed_risk.cycle.catalogue_id
        ).order_by("name")

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("reason", "").strip():
            self.add_error(
                "reason",
                _("Diga por qué cambia la hoja de ruta; queda en el historial."),
            )
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            **self.status_values(),
            "action": data["action"].strip(),
            "responsible": data["responsible"].strip(),
            "deadline": data["deadline"],
            "done_when": data["done_when"].strip(),
            "tool": data["tool"],
        }


# Evidence ---------------------------------------------------------------------------------------
class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Foto o documento"),
        help_text=gettext_lazy("Fotos JPG, PNG o WebP, o un PDF; hasta 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}
        ),
    )
    caption = forms.CharField(
        label=gettext_lazy("Qué muestra"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Por ejemplo: «Recibos de marzo» o «Acta de la asamblea»."),
    )
    record_id = record_id_input()

    def clean_file(self):
        return checked_evidence(self.cleaned_data["file"])


# Coaching ---------------------------------------------------------------------------------------
class CoachingSessionForm(forms.Form):
    held_on = forms.DateField(
        label=gettext_lazy("Fecha de la sesión"),
        widget=date_widget(),
        help_text=gettext_lazy(
            "Hoy, o el día en que se hizo si la anota después. Los cambios de estado que anote "
            "en ella toman esta fecha."
        ),
    )
    attendees = forms.CharField(
        label=gettext_lazy("Quiénes asistieron"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Cargos o nombres, como los anote el comité."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notas"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    record_id = record_id_input()

    def __init__(self, *args, **kwargs) -> None:
        today = timezone.localdate()
        kwargs["initial"] = {"held_on": today, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        # The phone's date picker offers no day after today.
        self.fields["held_on"].widget.attrs["max"] = today.isoformat()

    def clean_held_on(self) -> datetime.date:
        held_on = self.cleaned_data["held_on"]
        not_in_future(
            held_on,
            _(
                "La sesión no puede tener fecha después de hoy. Si ya se hizo, anote el día en "
                "que se hizo; si todavía no, anótela ese día."
            ),
        )
        return held_on


QUESTIONS = ("goals_reached", "unintended_effects", "goals_missed", "problems")


class CoachingStepForm(StatusFields):
    """One road-map action at a coaching session: how it stands, and why it changed (or a
    comment). The four guiding questions are there too, and may wait."""

    def __init__(
        self, *args, item: RoadmapItem, held_on: datetime.date, answer=None, **kwargs
    ) -> None:
        self.held_on = held_on
        initial = {}
        if item.status != Status.DONE:
            # An action reported done at the session was done by the session's day.
            initial["done_on"] = held_on
        if answer is not None:
            initial["reason"] = answer.comment
            initial.update({name: getattr(answer, name) for name in QUESTIONS})
        kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, item=item, **kwargs)
        self.fields["status"].label = _("¿Cómo va esta acción?")
        self.fields["done_on"].help_text = _("Si la deja vacía, se anota la fecha de la sesión.")
        self.fields["reason"].label = _("Por qué cambió, o un comentario")
        self.fields["reason"].help_text = _(
            "Si cambia el estado, es obligatorio: queda en el historial y se cuenta a los "
            "usuarios en la asamblea. Si la acción se deja, es la razón."
        )
        for name in QUESTIONS:
            self.fields[name] = forms.CharField(
                label=question_label(name),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean_done_on(self) -> datetime.date:
        return super().clean_done_on() or self.held_on

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and self.changes_status() and not data.get("reason", "").strip():
            self.add_error("reason", _("Diga por qué cambia el estado de esta acción."))
        return data

    def question_fields(self) -> list:
        return [self[name] for name in QUESTIONS]

    def has_answers(self) -> bool:
        """Whether a guiding question has an answer (as sent, or stored): they show open."""
        if self.is_bound:
            return any(str(self.data.get(self.add_prefix(n), "")).strip() for n in QUESTIONS)
        return any(self.initial.get(name) for name in QUESTIONS)

    def comment(self) -> str:
        return self.cleaned_data["reason"].strip()

    def answers(self) -> dict[str, str]:
        return {name: self.cleaned_data[name].strip() for name in QUESTIONS}


# Scorecard --------------------------------------------------------------------------------------
SCORES = [(str(n), str(n)) for n in range(1, 6)]


class ScorecardForm(forms.Form):
    """One score (1 to 5) and its justification per indicator; an indicator may wait."""

    def __init__(self, *args, indicators: list[ScorecardIndicator], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"score_{indicator.pk}"] = forms.TypedChoiceField(
                label=_("Puntaje"),
                choices=SCORES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"evidence_{indicator.pk}"] = forms.CharField(
                label=_("Por qué ese puntaje (qué lo muestra)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self) -> dict:
        data = super().clean()
        for indicator in self.indicators:
            score = data.get(f"score_{indicator.pk}")
            evidence = data.get(f"evidence_{indicator.pk}", "").strip()
            if score is not None and not evidence:
                self.add_error(
                    f"evidence_{indicator.pk}",
                    _("Diga por qué le dio ese puntaje: qué lo muestra."),
                )
            if evidence and score is None:
                self.add_error(f"score_{indicator.pk}", _("Elija un puntaje del 1 al 5."))
        return data

    def scores(self) -> dict[int, tuple[int, str]]:
        """Indicator pk → (score, justification), for the indicators that were scored."""
        found = {}
        for indicator in self.indicators:
            score = self.cleaned_data.get(f"score_{indicator.pk}")
            if score is not None:
                evidence = self.cleaned_data[f"evidence_{indicator.pk}"].strip()
                found[indicator.pk] = (score, evidence)
        return found


# Complaints -------------------------------------------------------------------------------------
class ComplaintForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=gettext_lazy("Comité"),
        queryset=Provider.objects,
        empty_label=gettext_lazy("— elija el comité —"),
    )
    received_on = forms.DateField(label=gettext_lazy("Recibida el"), widget=date_widget())
    channel = forms.ChoiceField(
        label=gettext_lazy("Cómo llegó"),
        choices=[c for c in Complaint.Channel.choices if c[0] != Complaint.Channel.PUBLIC_FORM],
        initial=Complaint.Channel.IN_PERSON,
    )
    what = forms.CharField(
        label=gettext_lazy("De qué se queja"), widget=forms.Textarea(attrs={"rows": 3})
    )
    where = forms.CharField(
        label=gettext_lazy("Dónde"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Calle, barrio o toma, si aplica."),
    )
    reported_by = forms.CharField(
        label=gettext_lazy("Quién la presentó (opcional)"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Solo lo ven el comité y quienes lo acompañan; nunca sale en listas ni descargas."
        ),
    )
    reporter_sex = forms.ChoiceField(
        label=gettext_lazy("Quien la presentó es (opcional)"),
        required=False,
        choices=[("", gettext_lazy("no se sabe")), *Sex.choices],
        help_text=gettext_lazy("Solo para contar las quejas de mujeres y de hombres."),
    )
    since = forms.DateField(
        label=gettext_lazy("Desde cuándo pasa (opcional)"), required=False, widget=date_widget()
    )
    respond_by = forms.DateField(
        label=gettext_lazy("Responder a más tardar el"),
        required=False,
        widget=date_widget(),
    )
    record_id = record_id_input()

    def __init__(self, *args, providers, names: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        if not names:
            # Who reads no committee's names is not asked for one (Scope.sees_names_of).
            del self.fields["reported_by"]
        self.fields["respond_by"].help_text = _(
            "Si lo deja vacío, se ponen %(days)s días después de recibirla."
        ) % {"days": RESPONSE_DAYS}

    def clean_received_on(self) -> datetime.date:
        received_on = self.cleaned_data["received_on"]
        not_in_future(received_on, _("La queja no puede recibirse después de hoy."))
        return received_on

    def clean(self) -> dict:
        data = super().clean()
        received_on, respond_by = data.get("received_on"), data.get("respond_by")
        if received_on and respond_by and respond_by < received_on:
            self.add_error(
                "respond_by", _("La fecha para responder no puede ser antes de recibirla.")
            )
        since = data.get("since")
        if received_on and since and since > received_on:
            self.add_error("since", _("«Desde cuándo» no puede ser después del día de la queja."))
        return data


class ComplaintReviewForm(forms.Form):
    """The committee's words for the public page: nothing a user wrote is shown unreviewed."""

    public_summary = forms.CharField(
        label=gettext_lazy("Texto para la página pública"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Escriba la queja en pocas palabras, sin nombres ni datos de nadie. Déjelo vacío "
            "para que no se muestre."
        ),
    )


class ComplaintMoveForm(forms.Form):
    """The next step of one complaint: answered, resolved, or not resolved with the reason."""

    status = forms.ChoiceField(label=gettext_lazy("Pasa a"), widget=forms.RadioSelect)
    answered_on = forms.DateField(
        label=gettext_lazy("Respondida el"), required=False, widget=date_widget()
    )
    answer = forms.CharField(
        label=gettext_lazy("Qué se le respondió"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    closed_on = forms.DateField(
        label=gettext_lazy("Cerrada el"),
        required=False,
        widget=date_widget(),
        help_text=gettext_lazy("Solo si queda resuelta o no resuelta."),
    )
    not_resolved_reason = forms.CharField(
        label=gettext_lazy("Por qué no se resolvió"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Solo si no se resolvió."),
    )

    def __init__(self, *args, complaint: Complaint, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.complaint = complaint
        self.fields["status"].choices = [
            (status, Complaint.Status(status).label)
            for status in NEXT_STATUSES[Complaint.Status(complaint.status)]
        ]
        if complaint.status != Complaint.Status.RECEIVED:
            del self.fields["answered_on"]
            del self.fields["answer"]

    def clean(self) -> dict:
        data = super().clean()
        for name in ("answered_on", "closed_on"):
            try:
                not_in_future(data.get(name), _("La fecha no puede ser después de hoy."))
            except ValidationError as error:
                self.add_error(name, error)
        return data


class ComplaintFilter(forms.Form):
    """The register's filters: which committee, and which complaints."""

    OVERDUE = "overdue"

    provider = forms.ModelChoiceField(
        label=gettext_lazy("Comité"),
        queryset=Provider.objects,
        required=False,
        empty_label=gettext_lazy("Todos los que puede ver"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Estado"),
        required=False,
        choices=[
            ("", gettext_lazy("Todas")),
            (OVERDUE, gettext_lazy("vencidas (sin respuesta después de la fecha)")),
            *Complaint.Status.choices,
        ],
    )

    def __init__(self, *args, providers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
