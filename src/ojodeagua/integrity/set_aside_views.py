"""The page where a facilitator sets aside, with a reason, a checklist item or catalogue risk that
does not apply to the group, and brings it back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from . import applicable
from .workshop_forms import SetAsideForm
from .workshop_views import cycle_for, posted_int, workshop_context

# Where the page sends the facilitator back to (``volver``), so the checklist stays in view.
BACK_TO = {
    "cumplimiento": "integrity:compliance",
    "resumen": "integrity:cycle_detail",
    "valoracion": "integrity:ratings",
}


def back_url(request: HttpRequest, cycle) -> str:
    back = request.POST.get("volver") or request.GET.get("volver") or ""
    if back == "cumplimiento":
        return reverse(BACK_TO[back], args=[cycle.pk]) + "#no-aplica"
    if back in BACK_TO:
        return reverse(BACK_TO[back], args=[cycle.pk])
    return reverse("integrity:set_aside", args=[cycle.pk])


@login_required
def set_aside_page(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, can_edit = cycle_for(request, pk)
    asked = applicable.workshop_entries(cycle)
    form = None
    if request.method == "POST":
        if request.POST.get("action") == "bring_back":
            row = get_object_or_404(cycle.set_aside, pk=posted_int(request, "set_aside"))
            applicable.bring_back(request.user, row)
            messages.success(
                request,
                _("%(code)s vuelve a la lista del taller.") % {"code": row.code},
            )
            return redirect(back_url(request, cycle))
        form = SetAsideForm(request.POST, checklist=asked.checklist, risks=asked.risks)
        if form.is_valid():
            entry = applicable.find_entry(cycle, form.cleaned_data["entry"])
            try:
                row, _created = applicable.set_aside(
                    request.user, cycle, entry, form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Se dejó de lado %(code)s: no se pregunta ni cuenta como faltante.")
                    % {"code": row.code},
                )
                return redirect(back_url(request, cycle))
    if form is None:
        form = SetAsideForm(
            initial={"entry": request.GET.get("punto", "")},
            checklist=asked.checklist,
            risks=asked.risks,
        )
    context = workshop_context(
        cycle,
        can_edit,
        "set_aside",
        form=form,
        set_aside=asked.set_aside,
        back=request.POST.get("volver") or request.GET.get("volver") or "",
        kind=cycle.provider.get_kind_display(),
    )
    return render(request, "integrity/workshop/set_aside.html", context)


urlpatterns = [
    path("ciclos/<int:pk>/no-aplica/", set_aside_page, name="set_aside"),
]
