"""Rights and criteria in plain words: short public pages, each naming its source.

Four pages and their index under /agua/derechos/, open to anyone. The texts live in the
templates (voice/rights/), marked for translation. The one page with figures, what NOM-127 asks
of drinking water, reads them from the norm's Limit rows, the same rows the verdicts are judged
by, so that the page and the verdicts cannot disagree.

``?localidad=<9-digit key>`` carries the way back to a locality's public page from every page.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from ojodeagua.integrity.register import RESPONSE_DAYS
from ojodeagua.places.models import Locality
from ojodeagua.waterquality.models import Limit, NormVersion

# The pages, in the order the index lists them; each is voice/rights/<slug>.html, which holds
# its own words (voice/rights/_links.html names them for the links).
PAGES = ("agua-y-saneamiento", "calidad-del-agua", "lo-que-el-comite-debe", "a-donde-acudir")

# The norm the quality page explains, by its code in the norms' table.
NORM_CODE = "nom127"
# The parameters that matter most for a community system in Chiapas, in the order shown.
# Which ones to explain is a choice of this page; their limits are the norm's rows.
QUALITY_CODES = ("e_coli", "free_chlorine", "turbidity", "arsenic", "fluoride", "nitrate")
# Rural is under 2,500 inhabitants (INEGI): the limits shown when no locality is named are those
# for a locality of this size, the class every rural community in Chiapas falls in.
RURAL_POPULATION = 2_499

LOCALITY_KEY = re.compile(r"^\d{9}$")


def _number(value: Decimal | None) -> str:
    # ":f" so that 1000 reads "1000", not Decimal's "1E+3"; no trailing zeros ("1.5", "0.025").
    return f"{value.normalize():f}" if value is not None else ""


@dataclass
class Later:
    """A stricter value of the same limit that starts on a later day."""

    starts_on: datetime.date
    maximum: str


@dataclass
class ShownLimit:
    """One parameter's limit as the quality page says it, in force on the day shown."""

    code: str
    rule: str
    minimum: str
    maximum: str
    unit: str
    # For "not detectable": the volume it is counted in ("100 mL" of "/100 mL").
    volume: str
    later: list[Later] = field(default_factory=list)

    @property
    def not_detectable(self) -> bool:
        return self.rule == Limit.Rule.NOT_DETECTABLE

    @property
    def is_range(self) -> bool:
        return self.rule == Limit.Rule.RANGE


@dataclass
class NormLimits:
    version: NormVersion | None
    limits: dict[str, ShownLimit]
    # The population class the staged limits shown are for ("menos de 50,000"), when they have one.
    class_below: int | None = None


def norm_limits(day: datetime.date, population: int) -> NormLimits:
    """NOM-127's limits in force on ``day`` for a locality of ``population``, and the stricter
    values already written in the norm that start later (the staged arsenic and fluoride)."""
    version = (
        NormVersion.objects.filter(norm__code=NORM_CODE, in_force_from__lte=day)
        .filter(Q(in_force_until__isnull=True) | Q(in_force_until__gte=day))
        .order_by("-in_force_from")
        .first()
    )
    if version is None:
        return NormLimits(None, {})
    rows = [
        limit
        for limit in Limit.objects.filter(version=version, parameter__code__in=QUALITY_CODES)
        .select_related("parameter")
        .order_by("applies_from", "pk")
        if limit.holds_population(population)
    ]
    shown: dict[str, ShownLimit] = {}
    class_below = None
    for limit in rows:
        if not limit.applies_on(day):
            continue
        parameter = limit.parameter
        shown[parameter.code] = ShownLimit(
            code=parameter.code,
            rule=limit.rule,
            minimum=_number(limit.minimum),
            maximum=_number(limit.maximum),
            unit=limit.unit,
            volume=limit.unit.removeprefix("/").strip(),
        )
        if limit.population_max is not None:
            class_below = limit.population_max + 1
    for limit in rows:
        current = shown.get(limit.parameter.code)
        if current and limit.applies_from and limit.applies_from > day and limit.maximum:
            current.later.append(Later(limit.applies_from, _number(limit.maximum)))
    return NormLimits(version, shown, class_below)


def _locality(request: HttpRequest) -> Locality | None:
    """The locality of ``?localidad=``, when the key is well formed and on file."""
    key = request.GET.get("localidad", "")
    if not LOCALITY_KEY.match(key):
        return None
    return Locality.objects.filter(key=key).only("key", "name", "population").first()


def _context(request: HttpRequest) -> dict:
    locality = _locality(request)
    return {
        "locality": locality,
        # What the links between these pages carry, so the way back is never lost.
        "locality_key": locality.key if locality else "",
        "locality_url": reverse("voice:locality", args=[locality.key]) if locality else "",
        # What a printed sheet says it came from.
        "address": request.build_absolute_uri(request.path),
    }


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "voice/rights/index.html", _context(request))


def page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in PAGES:
        raise Http404
    context = _context(request) | {"slug": slug}
    if slug == "calidad-del-agua":
        locality = context["locality"]
        known = locality is not None and locality.population is not None
        population = locality.population if known else RURAL_POPULATION
        today = timezone.localdate()
        norm = norm_limits(today, population)
        context |= {
            "norm": norm,
            "population_known": known,
            "population": f"{population:,}",
            "class_below": f"{norm.class_below:,}" if norm.class_below else "",
        }
    if slug == "lo-que-el-comite-debe":
        context["response_days"] = RESPONSE_DAYS
    return render(request, f"voice/rights/{slug}.html", context)


urlpatterns = [
    path("", index, name="rights"),
    path("<slug:slug>/", page, name="rights_page"),
]
