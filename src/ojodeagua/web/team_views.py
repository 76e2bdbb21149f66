"""Team pages: coordinators give people access, with a role and a scope inside their own area.

An entry point, so it lives in web: its forms offer municipalities and providers, which sit
above ``organisations``.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.audit import trail
from ojodeagua.audit.models import AuditEvent
from ojodeagua.organisations.coordination import managed_memberships, managed_organisations
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.scope import Scope, scope_for
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider


class MembershipForm(forms.ModelForm):
    username = forms.CharField(label=gettext_lazy("Usuario"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("Nombre"), max_length=150, required=False)
    password = forms.CharField(
        label=gettext_lazy("Contraseña"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=gettext_lazy("Déjela vacía para no cambiarla."),
    )

    class Meta:
        model = Membership
        fields = ["organisation", "role", "municipalities", "providers", "active"]
        widgets = {
            "municipalities": forms.CheckboxSelectMultiple,
            "providers": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, user, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = managed_organisations(user, scope)
        if scope.everything:
            municipalities = Municipality.objects.all()
        else:
            municipalities = Municipality.objects.filter(pk__in=scope.audit.municipality_ids)
        providers = (
            Provider.objects.all() if scope.everything else Provider.objects.in_area(scope.audit)
        )
        self.fields["municipalities"].queryset = municipalities
        self.fields["providers"].queryset = providers
        self.actor = user
        if self.instance.pk:
            self.fields["username"].disabled = True
            self.fields["username"].initial = self.instance.user.username
            self.fields["first_name"].initial = self.instance.user.first_name
            if not self.may_reset_password(scope):
                del self.fields["password"]
        else:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def may_reset_password(self, scope: Scope) -> bool:
        """Only for accounts whose every access this coordinator manages.

        Otherwise a coordinator could take over an account that reaches further than they do.
        """
        target = self.instance.user
        if scope.everything:
            return True
        if target.is_superuser or target.is_staff:
            return False
        managed = managed_organisations(self.actor, scope)
        return not target.memberships.filter(active=True).exclude(organisation__in=managed).exists()

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        users = get_user_model().objects.filter(username=username)
        if not self.instance.pk and users.exists():
            raise forms.ValidationError(
                _("Ya existe el usuario «%(name)s»; elija otro nombre de usuario.")
                % {"name": username}
            )
        return username

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if password:
            # Compared with the person's own username and name, so neither serves as a password.
            person = (
                self.instance.user
                if self.instance.pk
                else get_user_model()(
                    username=self.cleaned_data.get("username", ""),
                    first_name=self.cleaned_data.get("first_name", ""),
                )
            )
            validate_password(password, user=person)
        return password

    def clean(self):
        data = super().clean()
        organisation = data.get("organisation")
        username = data.get("username") or (self.instance.user.username if self.instance.pk else "")
        duplicate = Membership.objects.filter(
            user__username=username, organisation=organisation, role=data.get("role")
        ).exclude(pk=self.instance.pk)
        if organisation is not None and duplicate.exists():
            raise forms.ValidationError(
                _("Esta persona ya tiene ese papel en esa organización; edite ese acceso.")
            )
        if not data.get("municipalities") and not data.get("providers"):
            if organisation is not None and organisation.provider is not None:
                data["providers"] = Provider.objects.filter(pk=organisation.provider_id)
            else:
                raise forms.ValidationError(
                    _("Elija al menos un municipio o un prestador: sin eso no vería nada.")
                )
        return data

    @transaction.atomic
    def save_for(self, actor) -> Membership:
        user = (
            self.instance.user
            if self.instance.pk
            else get_user_model()(username=self.cleaned_data["username"])
        )
        membership = self.instance
        creating = membership.pk is None
        # The bound form already changed the instance; read what is stored.
        stored = None if creating else Membership.objects.get(pk=membership.pk)
        before = _describe(stored) if stored else {}
        # Areas outside this coordinator's reach were not offered; keep them as they were.
        hidden_municipalities = list(
            stored.municipalities.exclude(
                pk__in=self.fields["municipalities"].queryset.values("pk")
            )
            if stored
            else []
        )
        hidden_providers = list(
            stored.providers.exclude(pk__in=self.fields["providers"].queryset.values("pk"))
            if stored
            else []
        )
        user.first_name = self.cleaned_data["first_name"]
        password_changed = bool(self.cleaned_data.get("password"))
        if password_changed:
            user.set_password(self.cleaned_data["password"])
        user.save()
        membership.user = user
        membership = super().save()
        if hidden_municipalities or hidden_providers:
            membership.municipalities.add(*hidden_municipalities)
            membership.providers.add(*hidden_providers)
        after = _describe(membership)
        if password_changed and not creating:
            after["contraseña"] = "cambiada"
        action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE
        changes = after if creating else trail.diff(before, after)
        if changes:
            trail.record(actor, action, membership, changes)
        return membership


def _describe(membership: Membership) -> dict:
    return {
        "usuario": membership.user.username if membership.user_id else "",
        "nombre": membership.user.first_name if membership.user_id else "",
        "organización": str(membership.organisation) if membership.organisation_id else "",
        "papel": membership.role,
        "municipios": sorted(m.key for m in membership.municipalities.all()),
        "prestadores": sorted(p.name for p in membership.providers.all()),
        "activa": membership.active,
    }


def _require_coordinator(request) -> Scope:
    scope = scope_for(request.user)
    if not scope.is_coordinator:
        raise PermissionDenied
    return scope


@login_required
def team(request):
    scope = _require_coordinator(request)
    memberships = managed_memberships(request.user, scope).prefetch_related(
        "municipalities", "providers"
    )
    return render(request, "organisations/team.html", {"memberships": memberships})


@login_required
def membership_edit(request, pk: int | None = None):
    scope = _require_coordinator(request)
    membership = (
        get_object_or_404(managed_memberships(request.user, scope), pk=pk)
        if pk is not None
        else Membership()
    )
    form = MembershipForm(request.POST or None, instance=membership, user=request.user, scope=scope)
    if request.method == "POST" and form.is_valid():
        form.save_for(request.user)
        messages.success(request, _("Se guardó el acceso."))
        return redirect("organisations:team")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "organisations/membership_form.html",
        {"form": form, "object": membership},
        status=status,
    )
