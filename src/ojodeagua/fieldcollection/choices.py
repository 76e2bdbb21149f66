"""The lists a phone chooses from, as the CSV media files of its forms, cut to its own area.

A collector sees only the systems, localities, schools and health centres where she may record
observations (``Scope.editable``), so a phone cannot even offer a place the server would refuse.
Each file's hash is the MD5 of its bytes: when the registry changes, the hash changes and
Collect downloads the file again.
"""

import csv
import hashlib
import io
from collections.abc import Callable

from django.db.models import Prefetch

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.monitoring.models import InspectionForm
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider
from ojodeagua.waterquality.models import Parameter
from ojodeagua.watersystems.models import Component, ServedLocality, WaterSystem


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def systems(user) -> bytes:
    queryset = (
        scope_for(user)
        .editable(WaterSystem.objects.all())
        .select_related("municipality")
        .prefetch_related(Prefetch("components", queryset=Component.objects.only("system", "kind")))
        .order_by("name", "pk")
    )
    rows = []
    for system in queryset:
        kinds = sorted({component.kind for component in system.components.all()})
        # Padded with spaces so that the form can ask contains(kinds, ' pump ').
        rows.append(
            (
                system.pk,
                f"{system.name} ({system.municipality.name})",
                system.kind,
                f" {' '.join(kinds)} ",
            )
        )
    return _csv(["name", "label", "kind", "kinds"], rows)


def localities(user) -> bytes:
    """The localities of the collector's area, and those her systems serve: a committee
    records the samples and surveys of the places its system reaches."""
    scope = scope_for(user)
    served = ServedLocality.objects.filter(
        system__in=scope.editable(WaterSystem.objects.all())
    ).values("locality")
    queryset = (
        (scope.editable(Locality.objects.all()) | Locality.objects.filter(pk__in=served))
        .distinct()
        .select_related("municipality")
        .order_by("name", "key")
    )
    return _csv(
        ["name", "label"],
        ((loc.key, f"{loc.name} ({loc.municipality.name}, {loc.key})") for loc in queryset),
    )


def _facilities(model) -> Callable[[object], bytes]:
    def listed(user) -> bytes:
        queryset = (
            scope_for(user)
            .editable(model.objects.all())
            .select_related("locality")
            .order_by("name", "pk")
        )
        return _csv(["name", "label"], ((f.pk, f"{f.name} ({f.locality.name})") for f in queryset))

    return listed


def inspection_forms(user) -> bytes:
    rows = (
        (form.code, form.name, f" {' '.join(form.system_kinds)} ")
        for form in InspectionForm.objects.order_by("code")
    )
    return _csv(["name", "label", "kinds"], rows)


def parameters(user) -> bytes:
    return _csv(["name", "label"], ((p.code, p.name) for p in Parameter.objects.order_by("name")))


def providers(user) -> bytes:
    """The committees whose register the collector keeps (their complaints)."""
    queryset = (
        scope_for(user)
        .editable(Provider.objects.all())
        .select_related("municipality")
        .order_by("name", "pk")
    )
    return _csv(["name", "label"], ((p.pk, f"{p.name} ({p.municipality.name})") for p in queryset))


MEDIA: dict[str, Callable[[object], bytes]] = {
    "providers.csv": providers,
    "systems.csv": systems,
    "localities.csv": localities,
    "schools.csv": _facilities(School),
    "health_centres.csv": _facilities(HealthCentre),
    "inspection_forms.csv": inspection_forms,
    "parameters.csv": parameters,
}


def media_file(name: str, user) -> bytes | None:
    make = MEDIA.get(name)
    return make(user) if make else None


def md5(content: bytes) -> str:
    return "md5:" + hashlib.md5(content).hexdigest()
