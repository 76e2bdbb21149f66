"""Tariffs, exemption rules and the assembly's settings for the books, through their pages."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books.models import BooksSettings, Connection, ExemptionRule, Household, Tariff
from ojodeagua.books.padron import add_tariff, tariff_in_force, tariff_lines
from ojodeagua.books.tests.factories import make_provider, treasurers_new_committee
from ojodeagua.conftest import login_client
from ojodeagua.organisations.models import Organisation
from ojodeagua.organisations.tests.factories import make_viewer
from ojodeagua.providers.models import Provider
from ojodeagua.providers.tests.factories import reached_by

D = datetime.date


@pytest.fixture
def committee(db) -> Provider:
    return treasurers_new_committee()


def tariff(provider, amount, valid_from, kind="monthly_fee", approved_on=None) -> Tariff:
    return Tariff.objects.create(
        provider=provider,
        kind=kind,
        amount=Decimal(amount),
        valid_from=valid_from,
        approved_on=approved_on or valid_from - datetime.timedelta(days=10),
        minutes_reference=f"Acta {valid_from:%m/%Y}",
    )


def events(model, pk):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=str(pk)
    )


def test_the_list_shows_current_upcoming_and_past_tariffs_with_their_assembly(tesorera, committee):
    today = timezone.localdate()
    tariff(committee, "30.00", D(2023, 1, 1), approved_on=D(2022, 12, 4))
    tariff(committee, "40.00", D(2024, 1, 1))
    tariff(committee, "55.00", today + datetime.timedelta(days=40), approved_on=today)
    tariff(committee, "1500.00", D(2024, 6, 1), kind="connection_fee")
    response = tesorera.get(reverse("books:tariffs", args=[committee.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cuota mensual fija por toma" in page and "Cuota por toma nueva" in page
    assert "$40.00" in page and "$55.00" in page and "$30.00" in page and "$1,500.00" in page
    assert "Vale desde el 01/01/2024" in page
    assert "Aprobada por la asamblea el 04/12/2022 (Acta 01/2023)" in page
    assert "Próxima" in page and "1 tarifa anterior" in page
    lines = {line.kind: line for line in tariff_lines(committee)}
    assert lines["monthly_fee"].current.amount == Decimal("40.00")
    assert [t.amount for t in lines["monthly_fee"].past] == [Decimal("30.00")]
    assert [t.amount for t in lines["monthly_fee"].upcoming] == [Decimal("55.00")]
    assert tariff_in_force(committee, "monthly_fee", D(2023, 12, 31)).amount == Decimal("30.00")
    assert tariff_in_force(committee, "monthly_fee", D(2022, 12, 31)) is None


def tariff_post(**overrides) -> dict[str, str]:
    data = {
        "kind": "monthly_fee",
        "amount": "45.50",
        "description": "",
        "valid_from": "2026-01-01",
        "approved_on": "2025-11-30",
        "minutes_reference": "Acta de la asamblea del 30 de noviembre",
    }
    data.update(overrides)
    return data


def test_a_new_tariff_replaces_the_old_one_which_is_never_edited(tesorera, committee):
    old = tariff(committee, "40.00", D(2024, 1, 1))
    url = reverse("books:tariff_create", args=[committee.pk])
    assert tesorera.get(url, {"tipo": "monthly_fee"}).status_code == 200
    response = tesorera.post(url, tariff_post(), follow=True)
    assert response.status_code == 200
    assert "Se agregó la tarifa" in response.content.decode()
    new = Tariff.objects.get(provider=committee, kind="monthly_fee", valid_from=D(2026, 1, 1))
    assert new.amount == Decimal("45.50")
    old.refresh_from_db()
    assert (old.amount, old.valid_from) == (Decimal("40.00"), D(2024, 1, 1))
    assert tariff_in_force(committee, "monthly_fee", D(2025, 12, 31)) == old
    assert tariff_in_force(committee, "monthly_fee", D(2026, 1, 1)) == new
    event = events(Tariff, new.pk).get()
    assert event.action == "create" and event.actor.username == "tesorera"


def test_a_tariff_cannot_start_on_or_before_the_latest_of_its_kind(tesorera, committee):
    tariff(committee, "40.00", D(2024, 1, 1))
    url = reverse("books:tariff_create", args=[committee.pk])
    for day in ("2024-01-01", "2023-06-01"):
        response = tesorera.post(url, tariff_post(valid_from=day))
        assert response.status_code == 400
        assert "Ya hay una tarifa de este tipo que vale desde el 01/01/2024" in (
            response.content.decode()
        )
    assert Tariff.objects.filter(provider=committee, kind="monthly_fee").count() == 1
    # Another kind has its own history.
    response = tesorera.post(url, tariff_post(kind="fine", valid_from="2023-06-01"))
    assert response.status_code == 302


def test_the_assembly_cannot_have_approved_a_tariff_in_the_future(tesorera, committee):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    url = reverse("books:tariff_create", args=[committee.pk])
    response = tesorera.post(url, tariff_post(approved_on=tomorrow.isoformat()))
    assert response.status_code == 400
    assert "no puede ser posterior a hoy" in response.content.decode()


def test_add_tariff_refuses_to_edit(committee):
    stored = tariff(committee, "40.00", D(2024, 1, 1))
    stored.amount = Decimal("1.00")
    with pytest.raises(ValueError):
        add_tariff(None, stored)


def test_exemption_rules_are_added_with_their_assembly_and_show_their_use(tesorera, committee):
    url = reverse("books:exemption_create", args=[committee.pk])
    data = {
        "name": "Personas adultas mayores",
        "discount_percent": "100",
        "approved_on": "2025-03-02",
        "minutes_reference": "Acta 3/2025",
    }
    response = tesorera.post(url, data)
    assert response.status_code == 302
    rule = ExemptionRule.objects.get(provider=committee)
    assert events(ExemptionRule, rule.pk).get().action == "create"
    for number in ("1", "2"):
        household = Household.objects.create(
            provider=committee, number=number, name="X", locality=committee.locality
        )
        Connection.objects.create(
            provider=committee,
            household=household,
            code=f"T-{number}",
            status="exempt",
            exemption=rule,
            exemption_reason="Más de 70 años",
        )
    page = tesorera.get(reverse("books:tariffs", args=[committee.pk])).content.decode()
    assert "Personas adultas mayores" in page and "no paga la cuota" in page
    assert "La usan 2 tomas." in page
    # The same name twice would make the padrón ambiguous.
    again = tesorera.post(url, {**data, "name": "personas adultas MAYORES"})
    assert again.status_code == 400
    assert "Ya hay una regla con ese nombre" in again.content.decode()
    over = tesorera.post(url, {**data, "name": "Viudas", "discount_percent": "150"})
    assert over.status_code == 400
    assert ExemptionRule.objects.filter(provider=committee).count() == 1


def test_the_assembly_settings_are_saved_with_their_date_and_audited(tesorera, committee):
    url = reverse("books:settings", args=[committee.pk])
    page = tesorera.get(url).content.decode()
    assert "bottled_jug_price" not in page  # only kiosks and schools compare with the shop
    response = tesorera.post(url, {"quotes_threshold": "3000.00", "threshold_approved_on": ""})
    assert response.status_code == 400
    assert not BooksSettings.objects.filter(provider=committee).exists()
    response = tesorera.post(
        url, {"quotes_threshold": "3000.00", "threshold_approved_on": "2025-05-04"}
    )
    assert response.status_code == 302
    settings = BooksSettings.objects.get(provider=committee)
    assert settings.quotes_threshold == Decimal("3000.00")
    response = tesorera.post(
        url, {"quotes_threshold": "3500.00", "threshold_approved_on": "2025-09-07"}
    )
    assert response.status_code == 302
    update = events(BooksSettings, settings.pk).get(action="update")
    assert update.changes["quotes_threshold"] == ["3000.00", "3500.00"]
    page = tesorera.get(reverse("books:tariffs", args=[committee.pk])).content.decode()
    assert "$3,500.00" in page and "07/09/2025" in page


def test_a_kiosk_records_the_price_of_a_jug_in_the_shop(ong):
    kiosk = reached_by(make_provider("Kiosco de prueba", Provider.Kind.KIOSK), "ong")
    url = reverse("books:settings", args=[kiosk.pk])
    response = ong.post(
        url,
        {
            "quotes_threshold": "2000.00",
            "threshold_approved_on": "2025-01-12",
            "bottled_jug_price": "38.00",
        },
    )
    assert response.status_code == 302
    assert BooksSettings.objects.get(provider=kiosk).bottled_jug_price == Decimal("38.00")
    page = ong.get(reverse("books:tariffs", args=[kiosk.pk])).content.decode()
    assert "Garrafón de 20 litros en la tienda" in page and "$38.00" in page


def test_the_agency_may_add_tariffs_in_her_municipality_but_not_elsewhere(agencia, committee):
    url = reverse("books:tariff_create", args=[committee.pk])
    assert agencia.post(url, tariff_post()).status_code == 302
    outside = Provider.objects.exclude(municipality__key="07012").first()
    outside_url = reverse("books:tariff_create", args=[outside.pk])
    assert agencia.post(outside_url, tariff_post()).status_code == 404
    assert not Tariff.objects.filter(provider=outside).exists()


def test_someone_who_only_reads_sees_tariffs_but_cannot_add_them(committee):
    organisation = Organisation.objects.create(name="Contraloría social", kind="ngo")
    make_viewer("lectora", organisation=organisation, providers=[committee], password="x")
    client = login_client("lectora")
    page = client.get(reverse("books:tariffs", args=[committee.pk])).content.decode()
    assert "Agregar tarifa" not in page
    for name in ("tariff_create", "exemption_create", "settings", "household_create"):
        assert client.get(reverse(f"books:{name}", args=[committee.pk])).status_code == 403
    assert (
        client.post(reverse("books:tariff_create", args=[committee.pk]), tariff_post()).status_code
        == 403
    )
    assert not Tariff.objects.filter(provider=committee).exists()
    # Named on the committee one by one but only to read, she keeps none of its records: she
    # reads the padrón's numbers, not its names (Scope.sees_names_of, the one rule for names).
    Household.objects.create(
        provider=committee, number="1", name="Rosalba Pérez", locality=committee.locality
    )
    padron = client.get(reverse("books:padron", args=[committee.pk])).content.decode()
    assert "Núm. 1" in padron
    assert "Rosalba Pérez" not in padron and "Agregar hogar" not in padron


def test_the_provider_page_links_to_the_padron_and_tariffs(agencia, committee):
    page = agencia.get(committee.get_absolute_url()).content.decode()
    assert "Padrón y tarifas" in page
    assert reverse("books:padron", args=[committee.pk]) in page
