"""Each role's menu: a few links for what that person came to do, the rest under "Más".

One place builds it from the user's scope (``context_processors.site`` hands it to every page),
so the header stays short on a phone and every page a role needs is one tap from it.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.scope import Scope, scope_for
from ojodeagua.places.models import Municipality

Role = Membership.Role

# The header shows at most this many links; the rest go under "Más".
MAIN_ITEMS = 6


@dataclass(frozen=True)
class Item:
    label: str
    url: str
    current: bool = False


@dataclass
class Menu:
    """The links of one person's menu: ``main`` in the header, ``more`` behind "Más"."""

    role: str
    main: list[Item] = field(default_factory=list)
    more: list[Item] = field(default_factory=list)


def kind_of_user(user, scope: Scope) -> str:
    """Which menu fits: anonymous, agency, ngo, committee (treasurer and members), committee
    viewer, or area viewer."""
    if not user.is_authenticated:
        return "anonymous"
    if scope.is_coordinator:
        return "agency"
    if Role.FACILITATOR in scope.roles:
        return "ngo"
    if scope.view.municipality_ids:
        return "viewer"
    if Role.COMMITTEE_MEMBER in scope.roles:
        return "committee"
    return "committee_viewer"


def _registry() -> dict[str, tuple[str, str]]:
    """The pages every signed-in person may open, by key: (label, address)."""
    return {
        "localities": (_("Localidades"), reverse("places:locality_list")),
        "systems": (_("Sistemas"), reverse("watersystems:system_list")),
        "providers": (_("Comités y prestadores"), reverse("providers:provider_list")),
        "schools": (_("Escuelas"), reverse("facilities:school_list")),
        "health_centres": (_("Centros de salud"), reverse("facilities:healthcentre_list")),
        "visits": (_("Visitas"), reverse("monitoring:visit_list")),
        "supply": (_("Suministro"), reverse("monitoring:supplyday_list")),
        "samples": (_("Pruebas de agua"), reverse("waterquality:sample_list")),
        "surveys": (_("Encuestas"), reverse("monitoring:householdsurvey_list")),
        "summary": (_("Cómo va el servicio"), reverse("indicators:summary_home")),
        "desk": (_("Mapa y prioridades"), reverse("desk:home")),
        "business": (_("Kioscos y escuelas como negocio"), reverse("desk:business")),
        "cycles": (_("Ciclos de integridad"), reverse("integrity:cycle_list")),
        "complaints": (_("Quejas"), reverse("integrity:complaint_list")),
        "catalogue": (_("Catálogo de integridad"), reverse("integrity:catalogue_list")),
        "devices": (_("Mis dispositivos"), reverse("my_devices")),
        "purifiers": (_("Purificadores de hogares y escuelas"), reverse("purifiers:unit_list")),
    }


def _committee_pages(scope: Scope, may_write: bool) -> list[tuple[str, str]]:
    """Her committee's page and books, when she keeps one committee's records."""
    if len(scope.view.provider_ids) != 1:
        return [(_("Mi comité"), reverse("providers:provider_list"))]
    (provider_id,) = scope.view.provider_ids
    pages = []
    if may_write:
        pages.append((_("Anotar un pago"), reverse("books:payment_create", args=[provider_id])))
    pages += [
        (_("Cuentas"), reverse("books:provider_books", args=[provider_id])),
        (_("Padrón"), reverse("books:padron", args=[provider_id])),
        (_("Mi comité"), reverse("providers:provider_detail", args=[provider_id])),
    ]
    return pages


def _agency_pages(scope: Scope) -> list[tuple[str, str]]:
    """The agency's tools across committees; the state summary and the download need one of
    its municipalities (one query)."""
    first = scope.visible(Municipality.objects.order_by("key")).values("pk", "state_id").first()
    pages = [
        (_("Integridad en los comités"), reverse("integrity:overview")),
    ]
    if first is not None:
        pages += [
            (
                _("Resumen del estado"),
                reverse("indicators:state_summary", args=[first["state_id"]]),
            ),
            (
                _("Descargar indicadores (CSV)"),
                f"{reverse('indicator_exports:csv')}?municipality={first['pk']}",
            ),
        ]
    return pages


def build_menu(user, path: str) -> Menu:
    scope = scope_for(user)
    role = kind_of_user(user, scope)
    if role == "anonymous":
        menu = Menu(role, [Item(str(_("Entrar")), reverse("login"))])
        return _mark_current(menu, path)
    pages = _registry()
    home = (_("Inicio"), reverse("home"))
    if role == "agency":
        agency = _agency_pages(scope)
        main = [home, pages["desk"], pages["summary"], agency[0], pages["complaints"]]
        main.append(pages["providers"])
        more = [
            *agency[1:],
            pages["business"],
            pages["systems"],
            pages["cycles"],
            pages["catalogue"],
            pages["localities"],
            pages["schools"],
            pages["health_centres"],
            pages["visits"],
            pages["supply"],
            pages["samples"],
            pages["surveys"],
        ]
    elif role == "ngo":
        main = [
            home,
            pages["providers"],
            pages["visits"],
            pages["samples"],
            pages["cycles"],
            pages["complaints"],
        ]
        more = [
            pages["business"],
            pages["summary"],
            pages["localities"],
            pages["systems"],
            pages["schools"],
            pages["health_centres"],
            pages["supply"],
            pages["surveys"],
            pages["catalogue"],
        ]
    elif role == "viewer":
        main = [
            home,
            pages["summary"],
            pages["providers"],
            pages["systems"],
            pages["localities"],
            pages["complaints"],
        ]
        more = [
            pages["desk"],
            pages["schools"],
            pages["health_centres"],
            pages["visits"],
            pages["supply"],
            pages["samples"],
            pages["surveys"],
            pages["cycles"],
        ]
    else:
        committee = _committee_pages(scope, may_write=role == "committee")
        main = [home, *committee]
        more = [
            pages["systems"],
            pages["visits"],
            pages["supply"],
            pages["samples"],
            pages["cycles"],
            pages["complaints"],
        ]
        if len(main) < MAIN_ITEMS:
            main.append(more.pop(0))
    more.append(pages["purifiers"])
    if scope.can_create:
        more.append((_("Importar"), reverse("imports:upload")))
    if scope.sees_audit_trail:
        more.append((_("Bitácora"), reverse("audit:trail")))
    if scope.is_coordinator:
        more.append((_("Equipo"), reverse("organisations:team")))
        more.append((_("Normas de calidad"), reverse("norms:norm_list")))
        # The task queue's jobs: recomputes, big imports, the nightly ledger check.
        more.append((_("Trabajos largos"), reverse("jobs:list")))
    if role in {"agency", "ngo", "committee"}:
        # Forms for ODK Collect, a phone set up in one scan, and the submissions to fix.
        more.append((_("Captura con teléfono"), reverse("fieldcollection:home")))
    more.append(pages["devices"])
    if user.is_superuser:
        more.append((_("Administración"), reverse("admin:index")))
    menu = Menu(
        role,
        [Item(str(label), url) for label, url in main[:MAIN_ITEMS]],
        [Item(str(label), url) for label, url in [*main[MAIN_ITEMS:], *more]],
    )
    return _mark_current(menu, path)


def _mark_current(menu: Menu, path: str) -> Menu:
    def mark(items: list[Item]) -> list[Item]:
        return [Item(i.label, i.url, current=i.url == path) for i in items]

    return Menu(menu.role, mark(menu.main), mark(menu.more))
