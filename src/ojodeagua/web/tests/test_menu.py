"""Each role's menu: a few links for what that person came to do, every one of them opens."""

import html
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ojodeagua.organisations.models import Membership, Organisation

pytestmark = pytest.mark.django_db


LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


def links(fragment: str) -> list[tuple[str, str]]:
    return [
        (html.unescape(text).strip(), html.unescape(href)) for href, text in LINK.findall(fragment)
    ]


def menu_of(client: Client, url: str = "/") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The menu's links in the header and behind "Más", as (label, address)."""
    page = client.get(url).content.decode()
    found = re.search(r'<nav class="main".*?</nav>', page, re.S)
    assert found, "no menu on the page"
    main, _, more = found.group(0).partition('<li class="menu-more">')
    return links(main), links(more)


def labels(items) -> list[str]:
    return [label for label, _ in items]


def every_link_opens(client: Client, items) -> None:
    for label, href in items:
        response = client.get(href, follow=True)
        assert response.status_code == 200, (label, href, response.status_code)


def test_the_treasurer_has_her_books_and_the_payment_page_in_a_short_menu(tesorera):
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    main, more = menu_of(tesorera)
    assert len(main) <= 6
    assert labels(main)[:5] == ["Inicio", "Anotar un pago", "Cuentas", "Padrón", "Mi comité"]
    hrefs = dict(main)
    assert hrefs["Cuentas"] == f"/cuentas/{committee.pk}/"
    assert hrefs["Anotar un pago"] == f"/cuentas/{committee.pk}/pagos/nuevo/"
    assert hrefs["Mi comité"] == committee.get_absolute_url()
    # Tools she may not use are not offered.
    assert not {"Bitácora", "Equipo", "Importar", "Normas de calidad"} & set(labels(more))
    assert "Mis dispositivos" in labels(more)
    every_link_opens(tesorera, main + more)


def test_the_agency_reaches_its_tools_without_typing_addresses(agencia):
    main, more = menu_of(agencia)
    assert len(main) <= 6
    everything = dict(main + more)
    assert everything["Integridad en los comités"] == "/integridad/"
    assert everything["Quejas"] == "/integridad/quejas/"
    assert everything["Catálogo de integridad"] == "/integridad/catalogo/"
    assert everything["Resumen del estado"].startswith("/resumen/estado/")
    assert everything["Descargar indicadores (CSV)"].startswith("/indicadores/exportar/valores.csv")
    assert {"Bitácora", "Equipo", "Normas de calidad", "Importar"} <= set(everything)
    assert everything["Trabajos largos"] == "/trabajos/"
    every_link_opens(agencia, main + more)


def test_the_facilitator_has_her_committees_visits_and_integrity_first(ong):
    main, more = menu_of(ong)
    assert len(main) <= 6
    assert labels(main) == [
        "Inicio",
        "Comités y prestadores",
        "Visitas",
        "Pruebas de agua",
        "Ciclos de integridad",
        "Quejas",
    ]
    assert "Equipo" not in labels(more) and "Importar" in labels(more)
    every_link_opens(ong, main + more)


def viewer_client(**area) -> Client:
    user = User.objects.create_user("consulta", password="x")
    membership = Membership.objects.create(
        user=user,
        organisation=Organisation.objects.create(name="Consulta", kind=Organisation.Kind.NGO),
        role=Membership.Role.VIEWER,
    )
    if "municipality" in area:
        membership.municipalities.add(area["municipality"])
    if "provider" in area:
        membership.providers.add(area["provider"])
    client = Client()
    client.force_login(user)
    return client


def test_an_area_viewer_reads_the_summary_and_registries():
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    client = viewer_client(municipality=committee.municipality)
    main, more = menu_of(client)
    assert len(main) <= 6
    assert labels(main)[:2] == ["Inicio", "Cómo va el servicio"]
    assert "Anotar un pago" not in labels(main + more)
    every_link_opens(client, main + more)


def test_a_committee_viewer_reads_the_books_but_is_not_offered_the_payment_page():
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    client = viewer_client(provider=committee)
    main, more = menu_of(client)
    assert labels(main)[:4] == ["Inicio", "Cuentas", "Padrón", "Mi comité"]
    assert "Anotar un pago" not in labels(main + more)
    every_link_opens(client, main + more)


def test_someone_not_signed_in_is_offered_to_sign_in(client):
    committee = Membership.objects.get(user__username="tesorera").providers.get()
    main, more = menu_of(client, f"/transparencia/{committee.pk}/")
    assert main == [("Entrar", "/entrar/")] and more == []


def test_the_page_open_is_marked_in_the_menu(tesorera):
    page = tesorera.get("/").content.decode()
    assert re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', page) == ["Inicio"]


def test_every_page_starts_with_a_link_to_skip_to_the_content(tesorera):
    page = tesorera.get("/").content.decode()
    body = page.partition("<body>")[2].lstrip()
    assert body.startswith('<a class="skip-link" href="#main">Ir al contenido</a>')
    assert '<main id="main"' in page
