"""The public pages of the users' voice, open to anyone without an account: find a locality,
read how its water is, print its poster, file a complaint and follow it with its code.

Views only translate: figures come from ``voice.selectors``, complaints go into the committee's
register through ``integrity.register.file_complaint``, the one way in.
"""

import segno
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from ojodeagua.integrity import register
from ojodeagua.integrity.models import Complaint
from ojodeagua.lib.clients import rate_limit_key
from ojodeagua.lib.forms import add_errors
from ojodeagua.lib.pdf import render_pdf
from ojodeagua.lib.records import RecordConflict, RecordIdUnavailable
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

from . import selectors
from .forms import FollowForm, PublicComplaintForm

# What one address may send. A person files one complaint, maybe two; a community hall's shared
# connection may file a few in a morning. More than this is a script or a stuck button, and the
# committee's register must not drown in it. Our choice, written here to be changed knowingly.
COMPLAINT_RATES = ("5/m", "30/d")
# Looking a code up is cheap, but guessing codes must be hopeless: 20 tries a minute per address.
FOLLOW_RATE = "20/m"
LOCALITIES_FOUND = 30


def limited(request: HttpRequest, group: str, rates, method: str) -> bool:
    """Count this request against each rate of its group; True once any is spent."""
    spent = False
    for rate in rates:
        spent |= is_ratelimited(
            request,
            group=f"{group}:{rate}",
            key=rate_limit_key,
            rate=rate,
            method=method,
            increment=True,
        )
    return spent


def find_locality(request: HttpRequest) -> HttpResponse:
    """Search a locality by name or INEGI key: the way in for whoever has no poster at hand."""
    query = request.GET.get("q", "").strip()[:100]
    found = []
    if query:
        localities = Locality.objects.select_related("municipality")
        if query.isdigit() and len(query) == 9:
            return redirect("voice:locality", key=query)
        found = list(
            localities.filter(
                Q(name__icontains=query) | Q(municipality__name__icontains=query)
            ).order_by("name", "key")[:LOCALITIES_FOUND]
        )
    return render(
        request,
        "voice/find.html",
        {"query": query, "found": found, "limit": LOCALITIES_FOUND},
    )


def locality_page(request: HttpRequest, key: str) -> HttpResponse:
    locality = get_object_or_404(Locality.objects.select_related("municipality"), key=key)
    water = selectors.locality_water(locality, timezone.localdate())
    return render(request, "voice/locality.html", {"water": water, "locality": locality})


def complain(request: HttpRequest, key: str) -> HttpResponse:
    locality = get_object_or_404(Locality, key=key)
    providers = selectors.serving_providers(locality)
    context = {"locality": locality, "providers": providers}
    if not providers:
        return render(request, "voice/complain.html", context)
    form = PublicComplaintForm(request.POST or None, providers=providers)
    status = 200
    if request.method == "POST":
        if limited(request, "voice:complain", COMPLAINT_RATES, "POST"):
            form.is_valid()
            context.update(form=form, too_many=True)
            return render(request, "voice/complain.html", context, status=429)
        if form.is_valid():
            complaint = _file(form, locality)
            if complaint is not None:
                url = reverse("voice:follow") + f"?codigo={complaint.tracking_code}&nueva=1"
                return redirect(url)
        status = 400
    context["form"] = form
    return render(request, "voice/complain.html", context, status=status)


def _file(form: PublicComplaintForm, locality: Locality) -> Complaint | None:
    """File through the register; a refusal lands on the form in the register's words."""
    data = form.cleaned_data
    provider = Provider.objects.get(pk=data["provider"])
    try:
        complaint, _created = register.file_complaint(
            provider,
            received_on=timezone.localdate(),
            what=data["what"],
            channel=Complaint.Channel.PUBLIC_FORM,
            where=data["where"],
            since=data["since"],
            reported_by=data["reported_by"],
            reporter_phone=data["reporter_phone"],
            reporter_sex=data["reporter_sex"],
            record_id=data["record_id"] or None,
        )
    except (RecordConflict, RecordIdUnavailable):
        form.add_error(
            None,
            _("Este formulario ya se usó para otra queja. Vuelva a abrirlo para escribir otra."),
        )
        return None
    except ValidationError as error:
        add_errors(form, error)
        return None
    return complaint


def follow(request: HttpRequest) -> HttpResponse:
    context: dict = {"new": request.GET.get("nueva") == "1"}
    if "codigo" in request.GET:
        if limited(request, "voice:follow", (FOLLOW_RATE,), "GET"):
            context.update(form=FollowForm(), too_many=True)
            return render(request, "voice/follow.html", context, status=429)
        form = FollowForm(request.GET)
        if form.is_valid():
            tracked = selectors.tracked_complaint(form.cleaned_data["codigo"], timezone.localdate())
            if tracked is None:
                form.add_error(
                    "codigo",
                    _("No encontramos una queja con ese código. Revise cada letra y número."),
                )
            context["tracked"] = tracked
    else:
        form = FollowForm()
    context["form"] = form
    status = 404 if form.is_bound and not context.get("tracked") else 200
    return render(request, "voice/follow.html", context, status=status)


def _poster_context(request: HttpRequest, key: str) -> dict:
    """The locality's poster, or one kiosk's or school's (``?sistema=`` / ``?escuela=``): the
    same facts, and a QR code to the page, at that kiosk's or school's place on it."""
    locality = get_object_or_404(Locality.objects.select_related("municipality"), key=key)
    water = selectors.locality_water(locality, timezone.localdate())
    page = reverse("voice:locality", args=[key])
    place = None
    if system_id := request.GET.get("sistema"):
        place = _one_of(water.services, system_id)
    elif school_id := request.GET.get("escuela"):
        place = _one_of(water.schools, school_id)
    if place is not None:
        page += f"#{place.anchor}"
    named = place.name if place is not None else locality.name
    address = request.build_absolute_uri(page)
    qr = segno.make(address, error="m")
    return {
        "water": water,
        "locality": locality,
        # A kiosk's or school system's card (a Service) or a school's (a SchoolWater).
        "place": place,
        "is_school": isinstance(place, selectors.SchoolWater),
        "title": _("¿Cómo está el agua de %(place)s?") % {"place": named},
        "address": address,
        "qr_svg": qr.svg_inline(scale=8, border=2, dark="#000", light="#fff"),
        "today": timezone.localdate(),
        "pdf_url": reverse("voice:locality_poster_pdf", args=[key])
        + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }


def _one_of(places: list, pk: str):
    """The kiosk, school system or school of the locality that ``pk`` names, else 404."""
    chosen = next((place for place in places if str(place.pk) == pk), None)
    if chosen is None:
        raise Http404
    return chosen


def locality_poster(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "voice/poster.html", _poster_context(request, key))


def locality_poster_pdf(request: HttpRequest, key: str) -> HttpResponse:
    context = _poster_context(request, key)
    return render_pdf(
        request,
        "voice/poster.html",
        context,
        f"cartel-agua-{key}",
        one_page_tries=({"smaller": True},),
    )
