"""Red flags on the provider page and the committee's home, as each persona sees them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ojodeagua.books.cash import record_deposit, record_sale
from ojodeagua.books.models import MoneyAccount, Sale
from ojodeagua.integrity.models import Complaint
from ojodeagua.integrity.tests.factories import (
    make_committee,
    make_complaint,
    make_place,
    make_provider,
)
from ojodeagua.organisations.models import Membership
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider

BOOKS_SENTENCE = "Se podrá revisar cuando el comité lleve sus cuentas en Ojo de Agua"
OVERDUE_LABEL = "Quejas abiertas después de su fecha para responder"


@pytest.fixture
def committee(db) -> Provider:
    locality = Locality.objects.filter(municipality__key="07012").last()
    return make_committee("Comité de las señales", locality=locality)


def overdue_complaint(provider) -> Complaint:
    today = timezone.localdate()
    return make_complaint(
        provider,
        received_on=today - datetime.timedelta(days=20),
        respond_by=today - datetime.timedelta(days=13),
        what="Nadie vino a ver la fuga del tanque",
    )


def flags_section(html: str) -> str:
    start = html.index('class="red-flags"')
    return html[start : html.index("</section>", start)]


def test_the_agency_sees_a_fired_flag_for_an_overdue_complaint(agencia, committee):
    complaint = overdue_complaint(committee)
    response = agencia.get(committee.get_absolute_url())
    assert response.status_code == 200
    section = flags_section(response.content.decode())
    fired = section[: section.index('<ul class="plain">')]
    assert "Alerta" in fired and OVERDUE_LABEL in fired
    assert "R11" in fired and "Quejas que no se atienden" in fired
    assert complaint.respond_by.strftime("%d/%m/%Y") in fired
    assert complaint.what in fired
    # The books' checks are not shown as quiet: they say when they can be checked.
    quiet_and_waiting = section[section.index('<ul class="plain">') :]
    assert quiet_and_waiting.count(BOOKS_SENTENCE) == 3
    assert "Todavía no se puede revisar" in quiet_and_waiting
    assert OVERDUE_LABEL not in quiet_and_waiting


def test_without_overdue_complaints_the_check_stays_quiet(agencia, committee):
    section = flags_section(agencia.get(committee.get_absolute_url()).content.decode())
    assert "verdict fail" not in section
    assert "Sin alertas" in section
    quiet = section[section.index('<ul class="plain">') :]
    assert f"Sin alerta</span> {OVERDUE_LABEL}" in quiet
    assert "Ninguna queja espera respuesta después de su fecha" in quiet


def test_the_page_lists_the_providers_cycles_and_register(ong):
    treasurer_committee = Provider.objects.get(members__name="Rosa Gómez Sántiz")
    response = ong.get(treasurer_committee.get_absolute_url())
    html = response.content.decode()
    assert 'id="integridad"' in html
    assert "Ciclo 1" in html and "Ciclo 2" in html
    figures = treasurer_committee.complaints.count()
    assert f"{figures} quejas registradas" in html


def test_a_committee_member_cannot_see_another_committees_flags(tesorera, committee):
    overdue_complaint(committee)
    other_demo = Provider.objects.filter(kind="committee", integrity_cycles__isnull=False).exclude(
        members__name="Rosa Gómez Sántiz"
    )
    assert tesorera.get(committee.get_absolute_url()).status_code == 404
    assert tesorera.get(other_demo.first().get_absolute_url()).status_code == 404


def test_the_committee_home_shows_its_flags_briefly(tesorera):
    own = Provider.objects.get(members__name="Rosa Gómez Sántiz")
    overdue_complaint(own)
    html = tesorera.get("/").content.decode()
    brief = html[html.index("integrity-brief") :]
    assert "Ciclo de integridad 2" in brief
    assert "Alerta" in brief and OVERDUE_LABEL in brief
    assert "esperan respuesta después de su fecha" in brief
    assert f'href="{own.get_absolute_url()}#integridad"' in brief


# A kiosk's money is its sales ---------------------------------------------------------------------
DEPOSIT_LABEL = "Sin depósito registrado en 60 días"
COMMITTEE_WORDS = ("No hubo cobros en efectivo", "Se cobró en efectivo", "Todavía no hay recibos")


def test_a_kiosk_that_sells_and_does_not_deposit_is_flagged_in_words_of_sales(agencia):
    today = timezone.localdate()
    kiosk = make_provider("Kiosco de las señales", Provider.Kind.KIOSK, locality=make_place())
    account = MoneyAccount.objects.create(provider=kiosk, institution="Caja Popular", kind="bank")
    jugs = {"product": Sale.Product.JUG_20L, "unit_price": Decimal("14")}
    record_sale(kiosk, sold_on=today - datetime.timedelta(days=101), quantity=100, **jugs)
    deposited = today - datetime.timedelta(days=100)
    record_deposit(kiosk, account=account, deposited_on=deposited, amount=Decimal("1000"))
    record_sale(kiosk, sold_on=today - datetime.timedelta(days=20), quantity=250, **jugs)
    section = flags_section(agencia.get(kiosk.get_absolute_url()).content.decode())
    fired = section[: section.index('<ul class="plain">')]
    assert "Alerta" in fired and DEPOSIT_LABEL in fired
    assert (
        "Se anotaron ventas por $3,500.00 en los últimos 60 días, pero no hay depósitos en el "
        f"banco o la cooperativa desde el {deposited:%d/%m/%Y} (100 días)." in fired
    )
    quiet = section[section.index('<ul class="plain">') :]
    # No risk asked of a kiosk points at the receipts' numbering: the check is not listed.
    assert "Huecos en la numeración de los recibos" not in section
    assert "Muchos gastos apenas debajo del monto que pide" in quiet
    for wrong in COMMITTEE_WORDS:
        assert wrong not in section, wrong


def test_the_demo_kiosks_sales_reached_the_bank(ong):
    """The demo's kiosks sell every week and deposit every month: no alert, and the sentence
    counts their sales instead of saying that no cash came in."""
    kiosk = Membership.objects.get(user__username="ong").providers.filter(kind="kiosk").first()
    section = flags_section(ong.get(kiosk.get_absolute_url()).content.decode())
    assert "Sin alertas" in section and "verdict fail" not in section
    quiet = section[section.index('<ul class="plain">') :]
    assert f"Sin alerta</span> {DEPOSIT_LABEL}. <span" in quiet
    assert "Se anotaron ventas por $" in quiet and "último depósito:" in quiet
    for wrong in COMMITTEE_WORDS:
        assert wrong not in section, wrong
