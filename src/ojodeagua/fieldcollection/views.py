"""Field collection's pages: the forms, setting up a phone in one scan, and submissions to fix.

They translate HTTP to the services (``services.py``, ``organisations.tokens``) and back.
"""

import base64
import json
import zlib

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from ojodeagua.organisations import tokens
from ojodeagua.organisations.coordination import managed_people
from ojodeagua.organisations.models import ApiToken
from ojodeagua.organisations.scope import scope_for

from . import ownforms, services, xlsforms
from .models import OwnForm, Submission

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def home(request):
    visible = services.visible_submissions(request.user)
    own_forms = ownforms.listed_for(request.user)
    context = {
        "forms": xlsforms.FORMS,
        "phones": ApiToken.objects.live().filter(user=request.user),
        "to_fix": visible.to_fix().count(),
        "may_set_up_others": scope_for(request.user).is_coordinator,
        "own_forms": own_forms,
        "managed_forms": {o.pk for o in own_forms if ownforms.may_manage(request.user, o)},
        "may_upload": ownforms.may_upload(request.user),
    }
    return render(request, "fieldcollection/home.html", context)


@login_required
def form_xlsx(request, form_id: str):
    built = xlsforms.built(form_id)
    if built is None:
        raise Http404
    response = HttpResponse(built.xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{form_id}.xlsx"'
    return response


@login_required
def own_form_xlsx(request, pk: int):
    """An own form's XLSForm as it was uploaded, for whoever's phone gets it."""
    listed = {own.pk for own in ownforms.listed_for(request.user)}
    own = get_object_or_404(OwnForm, pk=pk)
    if own.pk not in listed and not ownforms.may_manage(request.user, own):
        raise Http404
    response = HttpResponse(bytes(own.xlsx), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{own.form_id}.xlsx"'
    return response


class OwnFormUpload(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Qué registra"), choices=())
    xlsform = forms.FileField(
        label=gettext_lazy("Hoja XLSForm (.xlsx)"),
        help_text=gettext_lazy(
            "Cada pregunta lleva el nombre de una columna del registro; baje el XLSForm del "
            "proyecto para ver los nombres y cámbielo a su gusto."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ownforms.kind_choices()


@never_cache
@login_required
def own_form_upload(request):
    if not ownforms.may_upload(request.user):
        raise PermissionDenied
    form = OwnFormUpload(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["xlsform"]
        try:
            own = ownforms.upload(
                request.user, form.cleaned_data["kind"], upload.read(), upload.name
            )
        except ValidationError as error:
            for problem in error.messages:
                form.add_error("xlsform", problem)
        else:
            messages.success(
                request,
                _("Formulario «%(title)s» listo: los teléfonos lo bajan en su próxima revisión.")
                % {"title": own.title},
            )
            return redirect("fieldcollection:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "fieldcollection/own_form_upload.html", {"form": form}, status=status)


@login_required
def own_form_withdraw(request, pk: int):
    own = get_object_or_404(OwnForm.objects.live(), pk=pk)
    if not ownforms.may_manage(request.user, own):
        raise PermissionDenied
    if request.method == "POST":
        ownforms.withdraw(request.user, own)
        messages.success(
            request, _("Formulario «%(title)s» retirado de los teléfonos.") % {"title": own.title}
        )
    return redirect("fieldcollection:home")


class PhoneSetupForm(forms.Form):
    person = forms.ModelChoiceField(
        label=gettext_lazy("Quién captura con este teléfono"), queryset=None, empty_label=None
    )
    name = forms.CharField(
        label=gettext_lazy("Nombre del teléfono"),
        max_length=100,
        help_text=gettext_lazy(
            "Para reconocerlo después, por ejemplo «Teléfono de Rosa (técnica)»."
        ),
    )
    lifetime_days = forms.TypedChoiceField(
        label=gettext_lazy("Cuánto dura"),
        coerce=int,
        choices=[
            (90, gettext_lazy("tres meses (90 días)")),
            (180, gettext_lazy("seis meses (180 días)")),
            (365, gettext_lazy("un año (365 días)")),
        ],
        initial=365,
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


def people_for(user):
    """Who the user may set a phone up for: herself, and the people she manages."""
    User = get_user_model()
    scope = scope_for(user)
    people = User.objects.filter(pk=user.pk)
    if scope.is_coordinator:
        people = people | User.objects.filter(pk__in=managed_people(user, scope).values("pk"))
    return people.filter(is_active=True).order_by("username")


def server_url(request, key: str) -> str:
    return (
        request.build_absolute_uri(reverse("odk:form_list", args=[key]))
        .removesuffix("formList")
        .rstrip("/")
    )


def collect_settings(url: str, label: str) -> str:
    """What ODK Collect reads from a QR code: its settings as JSON, zlib-compressed, in base64."""
    settings = {
        "general": {
            "server_url": url,
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "admin": {},
        "project": {"name": f"Ojo de Agua · {label}"[:60], "icon": "A", "color": "#1d4e89"},
    }
    return base64.b64encode(zlib.compress(json.dumps(settings).encode())).decode()


@never_cache
@login_required
def phone_new(request):
    people = people_for(request.user)
    form = PhoneSetupForm(request.POST or None, people=people, initial={"person": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            issued = tokens.issue(
                form.cleaned_data["person"],
                form.cleaned_data["name"],
                lifetime_days=form.cleaned_data["lifetime_days"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            form.add_error("person", _("Usted no coordina a esa persona."))
        else:
            url = server_url(request, issued.key)
            qr = segno.make(collect_settings(url, issued.token.name), error="l")
            context = {
                "issued": issued,
                "server_url": url,
                "qr_svg": qr.svg_inline(scale=4, dark="#000", light="#fff"),
            }
            return render(request, "fieldcollection/phone_ready.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "fieldcollection/phone_new.html", {"form": form}, status=status)


@login_required
def submission_list(request):
    state = request.GET.get("estado", Submission.State.TO_FIX)
    submissions = services.visible_submissions(request.user).select_related("collector", "phone")
    if state in Submission.State.values:
        submissions = submissions.filter(state=state)
    page = Paginator(submissions.defer("xml"), PAGE_SIZE).get_page(request.GET.get("pagina"))
    context = {"page": page, "state": state, "states": Submission.State.choices}
    return render(request, "fieldcollection/submission_list.html", context)


def visible_submission(user, pk: int) -> Submission:
    return get_object_or_404(services.visible_submissions(user), pk=pk)


@login_required
def submission_for_record(request, record_id: str):
    """From a record made on a phone to the submission that made it (its latest version)."""
    root = record_id.split("#", 1)[0]
    found = (
        services.visible_submissions(request.user)
        .filter(root_instance_id=root)
        .order_by("-received_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise Http404
    return redirect("fieldcollection:submission_detail", pk=found)


@never_cache
@login_required
def submission_detail(request, pk: int):
    submission = visible_submission(request.user, pk)
    fields = services.answers_of(submission)
    may_correct = submission.state == Submission.State.TO_FIX and services.may_correct(
        request.user, submission
    )
    if request.method == "POST":
        if not may_correct:
            raise PermissionDenied
        values = {name: request.POST.get(f"field-{name}", text) for name, text in fields}
        submission = services.correct(submission, values, request.user)
        return redirect("fieldcollection:submission_detail", pk=submission.pk)
    context = {
        "submission": submission,
        "fields": fields,
        "may_correct": may_correct,
        "attachments": submission.attachments.all(),
    }
    return render(request, "fieldcollection/submission_detail.html", context)


@login_required
def attachment(request, pk: int, attachment_pk: int):
    submission = visible_submission(request.user, pk)
    found = get_object_or_404(submission.attachments, pk=attachment_pk)
    return FileResponse(
        found.file.open("rb"),
        as_attachment=not found.content_type.startswith("image/"),
        filename=found.name,
        content_type=found.content_type or "application/octet-stream",
    )
