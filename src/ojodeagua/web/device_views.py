"""Device keys on the site: «Mis dispositivos», where a person makes and withdraws the keys her
phones and programs use for the API and changes her password, and the team's keys, which a
coordinator sees and withdraws. The keys' service (``organisations/tokens.py``) decides."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ojodeagua.organisations import tokens
from ojodeagua.organisations.models import ApiToken
from ojodeagua.organisations.scope import scope_for

# How many ended keys a person's page still lists, newest first, so she sees what happened to a
# phone that stopped sending.
ENDED_SHOWN = 10


class DeviceKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nombre del dispositivo o programa"),
        max_length=100,
        help_text=gettext_lazy("Para reconocerla después, por ejemplo «Teléfono de la tesorera»."),
    )
    lifetime_days = forms.TypedChoiceField(
        label=gettext_lazy("Cuánto dura"),
        coerce=int,
        choices=[
            (30, gettext_lazy("un mes (30 días)")),
            (90, gettext_lazy("tres meses (90 días)")),
            (180, gettext_lazy("seis meses (180 días)")),
            (365, gettext_lazy("un año (365 días)")),
        ],
        initial=tokens.DEFAULT_LIFETIME_DAYS,
    )


@never_cache
@login_required
def my_devices(request):
    form = DeviceKeyForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = tokens.issue(
                request.user,
                form.cleaned_data["name"],
                lifetime_days=form.cleaned_data["lifetime_days"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = DeviceKeyForm()
    own = ApiToken.objects.filter(user=request.user)
    context = {
        "form": form,
        "issued": issued,
        "live": own.live(),
        "ended": own.exclude(pk__in=own.live().values("pk"))[:ENDED_SHOWN],
        "is_coordinator": scope_for(request.user).is_coordinator,
    }
    status = 400 if request.method == "POST" and issued is None else 200
    return render(request, "web/devices.html", context, status=status)


@login_required
def team_devices(request):
    if not scope_for(request.user).is_coordinator:
        raise PermissionDenied
    keys = tokens.tokens_managed_by(request.user).live().order_by("user__username", "-created_at")
    return render(request, "organisations/team_devices.html", {"keys": keys})


@require_POST
@login_required
def revoke_device(request, pk: int):
    reachable = ApiToken.objects.filter(
        Q(user=request.user) | Q(pk__in=tokens.tokens_managed_by(request.user).values("pk"))
    )
    token = get_object_or_404(reachable, pk=pk)
    if tokens.revoke(token, request.user):
        messages.success(
            request,
            _("Se retiró la clave «%(name)s»; ese dispositivo ya no puede usar la API.")
            % {"name": token.name},
        )
    if token.user_id == request.user.pk:
        return redirect("my_devices")
    return redirect("organisations:devices")


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """A person changes her own password; the change withdraws all her device keys."""

    template_name = "web/password_change.html"
    success_url = reverse_lazy("my_devices")
    success_message = gettext_lazy(
        "Se cambió su contraseña. Sus claves de dispositivos se retiraron: cree nuevas para los "
        "dispositivos que las necesiten."
    )
