"""The books API: payments recorded once per key, gapless receipts, voids with reasons, scope,
the padrón's names, the ledger with its hashes and a summary that notices tampering."""

from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books import ledger
from ojodeagua.books.models import (
    Account,
    CashCount,
    Charge,
    Connection,
    Deposit,
    Expense,
    Household,
    JournalEntry,
    JournalLine,
    MoneyAccount,
    Payment,
    PaymentVoid,
    Sale,
)
from ojodeagua.books.payments import record_payment
from ojodeagua.books.tests.factories import (
    D,
    add_connection,
    add_rule,
    charged_tomas,
    committee_reached_by,
    make_committee,
)
from ojodeagua.books.tests.tampering import database_administrator
from ojodeagua.books.verification import verify_books
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.tests.factories import device_key, municipal_viewer
from ojodeagua.providers.models import Provider

PAYMENTS = "/api/v1/payments/"


def api(username: str) -> APIClient:
    """A client that sends the user's API token, as a phone does."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {device_key(username)}")
    return client


@pytest.fixture
def committee(db):
    """A committee of our own that the treasurer keeps (besides the demo's first one)."""
    return committee_reached_by("Comité de Agua de la API", "tesorera")


@pytest.fixture
def toma(committee):
    """A toma charged $100 for January and February 2026."""
    (connection,) = charged_tomas(committee, ["T-01"], months=[1, 2])
    return connection


@pytest.fixture
def other(db):
    """Another committee of Berriozábal: the agency sees it, the treasurer does not."""
    provider = make_committee("Comité de Agua Ajeno")
    add_connection(provider, "A-01")
    record_payment(provider, record_id="ajeno-1", amount="50", paid_on=D(2026, 1, 10))
    return provider


def payment(committee, toma, record_id: str, amount: str = "150.00", **extra) -> dict:
    return {
        "provider": committee.pk,
        "record_id": record_id,
        "amount": amount,
        "paid_on": "2026-02-10",
        "connection": toma.pk if toma else None,
        "method": "cash",
        "concept": "Cuotas de enero y febrero",
        **extra,
    }


def entry_of(record) -> JournalEntry:
    name = record._meta.model_name
    return JournalEntry.objects.get(source=f"books.{name}:{record.pk}", reverses__isnull=True)


# --- Payments --------------------------------------------------------------------------------


def test_the_same_payment_sent_twice_is_recorded_once_with_the_same_receipt(committee, toma):
    client = api("tesorera")
    sent = payment(committee, toma, "tel-3:pago-17")

    first = client.post(PAYMENTS, sent, format="json")
    again = client.post(PAYMENTS, sent, format="json")

    assert first.status_code == 201, first.json()
    assert again.status_code == 200, again.json()
    assert again.json() == first.json()
    assert first.json()["receipt_number"] == 1
    assert first.json()["amount"] == "150.00"
    stored = Payment.objects.get(provider=committee)
    assert stored.record_id == "tel-3:pago-17"
    assert stored.received_by.username == "tesorera"
    assert JournalEntry.objects.filter(source=f"books.payment:{stored.pk}").count() == 1
    assert first.json()["entry_sequence"] == entry_of(stored).sequence
    # The oldest month is settled first, then part of the next one.
    assert [(row["period"], row["amount"]) for row in first.json()["allocations"]] == [
        ("2026-01-01", "100.00"),
        ("2026-02-01", "50.00"),
    ]
    created = AuditEvent.objects.filter(
        content_type__model="payment", object_id=str(stored.pk), action="create"
    )
    assert [event.actor_label for event in created] == ["tesorera"]


def test_the_same_key_with_other_content_is_refused_with_409(committee, toma):
    client = api("tesorera")
    client.post(PAYMENTS, payment(committee, toma, "tel-3:pago-18"), format="json")
    entries = JournalEntry.objects.filter(provider=committee).count()

    changed = client.post(
        PAYMENTS, payment(committee, toma, "tel-3:pago-18", amount="200.00"), format="json"
    )

    assert changed.status_code == 409
    assert "recibo 1" in changed.json()["detail"]
    assert "No se anotó de nuevo" in changed.json()["detail"]
    assert changed.json()["fields"] == ["amount"]
    assert Payment.objects.filter(provider=committee).count() == 1
    assert JournalEntry.objects.filter(provider=committee).count() == entries


def test_a_payment_needs_its_record_id(committee, toma):
    sent = payment(committee, toma, "")
    del sent["record_id"]

    response = api("tesorera").post(PAYMENTS, sent, format="json")

    assert response.status_code == 400
    assert "record_id" in response.json()["record_id"][0]
    assert not Payment.objects.filter(provider=committee).exists()


def test_twenty_payments_get_receipts_one_to_twenty(committee, toma):
    client = api("tesorera")
    numbers = []
    for n in range(20):
        response = client.post(
            PAYMENTS, payment(committee, toma, f"tel-1:pago-{n}", amount="10.00"), format="json"
        )
        assert response.status_code == 201, response.json()
        numbers.append(response.json()["receipt_number"])

    assert numbers == list(range(1, 21))
    listed = client.get(PAYMENTS, {"provider": committee.pk}).json()
    assert [row["receipt_number"] for row in listed["results"]] == list(range(1, 21))
    assert verify_books(committee.pk).ok
    assert ledger.balances(committee.pk)[Account.CASH] == Decimal("200.00")


def test_a_domain_rule_answers_400_in_spanish(committee, toma):
    other_toma = add_connection(make_committee("Otro"), "X-1")
    Membership.objects.get(user__username="tesorera").providers.add(other_toma.provider)

    zero = api("tesorera").post(
        PAYMENTS, payment(committee, toma, "tel-1:cero", amount="0.00"), format="json"
    )
    foreign_toma = api("tesorera").post(
        PAYMENTS, payment(committee, other_toma, "tel-1:toma-ajena"), format="json"
    )

    assert zero.status_code == 400
    assert "El monto del pago debe ser mayor que cero." in str(zero.json())
    assert foreign_toma.status_code == 400
    assert "Esa toma es del padrón de otro comité" in str(foreign_toma.json())
    assert not Payment.objects.filter(provider=committee).exists()


def test_money_dated_after_today_or_absurdly_long_ago_is_refused_in_spanish(committee, toma):
    # The suite's today is 6 December 2026 (conftest).
    client = api("tesorera")
    account = MoneyAccount.objects.create(
        provider=committee, institution="Caja Solidaria", kind="cooperative"
    )
    future = client.post(
        PAYMENTS, payment(committee, toma, "tel-9:2099", paid_on="2099-02-10"), format="json"
    )
    ancient = client.post(
        PAYMENTS, payment(committee, toma, "tel-9:1900", paid_on="1900-02-10"), format="json"
    )
    tomorrow = client.post(
        PAYMENTS, payment(committee, toma, "tel-9:manana", paid_on="2026-12-07"), format="json"
    )
    batch = client.post(
        f"{PAYMENTS}batch/",
        {
            "provider": committee.pk,
            "payments": [
                {"record_id": "tel-9:lote-1", "amount": "50.00", "paid_on": "2026-12-06"},
                {"record_id": "tel-9:lote-2", "amount": "50.00", "paid_on": "2099-01-01"},
            ],
        },
        format="json",
    )
    expense = client.post(
        "/api/v1/expenses/",
        {
            "provider": committee.pk,
            "record_id": "tel-9:gasto",
            "spent_on": "2099-03-01",
            "category": "chlorine",
            "amount": "80.00",
            "supplier": "Farmacia",
            "description": "Cloro",
        },
        format="json",
    )
    deposit = client.post(
        "/api/v1/deposits/",
        {
            "provider": committee.pk,
            "record_id": "tel-9:deposito",
            "account": account.pk,
            "deposited_on": "2099-03-01",
            "amount": "10.00",
        },
        format="json",
    )

    for answer in (future, tomorrow, batch, expense, deposit):
        assert answer.status_code == 400, answer.json()
        assert "no puede ser posterior a hoy; anote el día en que ocurrió" in str(answer.json())
    assert "La fecha del pago no puede ser posterior a hoy" in str(future.json())
    assert list(batch.json()["payments"]) == ["1"]
    assert "La fecha del gasto no puede ser posterior a hoy" in str(expense.json())
    assert "La fecha del depósito no puede ser posterior a hoy" in str(deposit.json())
    assert ancient.status_code == 400
    assert (
        "La fecha del pago (10/02/1900) es demasiado antigua: las cuentas empiezan en 2000. "
        "Revise el año."
    ) in str(ancient.json())
    assert not Payment.objects.filter(provider=committee).exists()
    assert not Expense.objects.filter(provider=committee).exists()
    assert not Deposit.objects.filter(provider=committee).exists()

    today = client.post(
        PAYMENTS, payment(committee, toma, "tel-9:hoy", paid_on="2026-12-06"), format="json"
    )
    assert today.status_code == 201, today.json()
    late_void = client.post(
        f"{PAYMENTS}{today.json()['id']}/void/",
        {"reason": "Se capturó dos veces", "voided_on": "2099-01-01"},
        format="json",
    )
    assert late_void.status_code == 400
    assert "La fecha de la cancelación no puede ser posterior a hoy" in str(late_void.json())


def test_a_void_needs_a_reason_and_reverses_the_entry(committee, toma):
    client = api("tesorera")
    created = client.post(PAYMENTS, payment(committee, toma, "tel-2:pago-1"), format="json")
    url = f"{PAYMENTS}{created.json()['id']}/void/"

    without = client.post(url, {}, format="json")
    blank = client.post(url, {"reason": "   "}, format="json")

    assert without.status_code == blank.status_code == 400
    assert "Escriba por qué se cancela el recibo" in str(without.json())
    assert "Escriba por qué se cancela el recibo" in str(blank.json())
    assert not PaymentVoid.objects.filter(payment__provider=committee).exists()

    voided = client.post(url, {"reason": "Se capturó dos veces"}, format="json")
    resent = client.post(url, {"reason": "Se capturó dos veces"}, format="json")
    other_reason = client.post(url, {"reason": "Otra cosa"}, format="json")

    assert voided.status_code == 200, voided.json()
    assert voided.json()["void"]["reason"] == "Se capturó dos veces"
    assert voided.json()["void"]["voided_by"] == "tesorera"
    assert voided.json()["receipt_number"] == 1
    assert resent.status_code == 200
    assert other_reason.status_code == 409
    assert "ya estaba cancelado" in other_reason.json()["detail"]
    assert PaymentVoid.objects.filter(payment__provider=committee).count() == 1
    stored = Payment.objects.get(record_id="tel-2:pago-1")
    assert JournalEntry.objects.filter(reverses=entry_of(stored)).count() == 1
    assert ledger.balances(committee.pk).get(Account.CASH) == Decimal("0.00")
    assert client.get(PAYMENTS, {"provider": committee.pk, "voided": True}).json()["count"] == 1


def test_money_is_never_edited_or_deleted_through_the_api(committee, toma):
    client = api("tesorera")
    created = client.post(PAYMENTS, payment(committee, toma, "tel-2:pago-9"), format="json")
    url = f"{PAYMENTS}{created.json()['id']}/"

    assert client.patch(url, {"amount": "1.00"}, format="json").status_code == 405
    assert client.put(url, payment(committee, toma, "x"), format="json").status_code == 405
    assert client.delete(url).status_code == 405
    assert Payment.objects.get(record_id="tel-2:pago-9").amount == Decimal("150.00")


# --- Scope -----------------------------------------------------------------------------------


def test_the_treasurer_neither_reads_nor_writes_another_committees_books(committee, other):
    client = api("tesorera")
    foreign_payment = Payment.objects.get(provider=other)
    foreign_household = Household.objects.get(provider=other)
    foreign_connection = Connection.objects.get(provider=other)
    before = Payment.objects.filter(provider=other).count()

    assert client.get(f"{PAYMENTS}{foreign_payment.pk}/").status_code == 404
    assert client.post(f"{PAYMENTS}{foreign_payment.pk}/void/", {"reason": "x"}).status_code == 404
    assert client.get(f"/api/v1/households/{foreign_household.pk}/").status_code == 404
    assert client.get(f"/api/v1/connections/{foreign_connection.pk}/").status_code == 404
    assert client.get(f"/api/v1/books-summary/{other.pk}/").status_code == 404
    entry = JournalEntry.objects.filter(provider=other).first()
    assert client.get(f"/api/v1/ledger-entries/{entry.pk}/").status_code == 404
    assert client.get("/api/v1/ledger-entries/", {"provider": other.pk}).status_code == 400
    listed = client.get(PAYMENTS, {"page_size": 1000}).json()["results"]
    assert foreign_payment.pk not in [row["id"] for row in listed]

    posted = client.post(PAYMENTS, payment(other, None, "tel-9:ajeno"), format="json")
    generated = client.post(
        "/api/v1/charges/generate/", {"provider": other.pk, "period": "2026-03"}, format="json"
    )
    household = client.post(
        "/api/v1/households/",
        {"provider": other.pk, "number": "99", "name": "X", "locality": other.locality_id},
        format="json",
    )

    assert posted.status_code == 400 and "provider" in posted.json()
    assert generated.status_code == 400 and "provider" in generated.json()
    assert household.status_code == 400 and "provider" in household.json()
    assert Payment.objects.filter(provider=other).count() == before
    assert not Household.objects.filter(provider=other, number="99").exists()


def test_a_reused_key_of_another_committee_says_nothing_about_it(committee, toma, other):
    response = api("tesorera").post(
        PAYMENTS, payment(committee, toma, "ajeno-1", amount="50.00"), format="json"
    )

    # Refused as a wrong record_id, in words that say nothing of the other committee's receipt.
    assert response.status_code == 400
    (message,) = response.json()["record_id"]
    assert "no se puede usar" in message and "recibo" not in message
    assert not Payment.objects.filter(provider=committee).exists()


def test_a_viewer_reads_the_books_but_cannot_record_money(committee, toma):
    client = api(municipal_viewer())

    listed = client.get(PAYMENTS, {"provider": committee.pk})
    posted = client.post(PAYMENTS, payment(committee, toma, "tel-5:pago-1"), format="json")

    assert listed.status_code == 200
    assert posted.status_code == 403
    assert "no anotar" in posted.json()["detail"]
    assert not Payment.objects.filter(provider=committee).exists()


# --- The padrón and its names ----------------------------------------------------------------


def test_the_agency_reads_households_and_tomas_without_names(committee):
    rule = add_rule(committee, 100, "Viudas")
    household = Household.objects.create(
        provider=committee,
        number="7",
        name="Rosa Pérez Gómez",
        locality=committee.locality,
        reference="Junto a la iglesia",
        notes="Vive sola",
    )
    Connection.objects.create(
        provider=committee,
        household=household,
        code="T-07",
        status=Connection.Status.EXEMPT,
        exemption=rule,
        exemption_reason="Viuda de Juan Pérez",
    )

    agency_households = api("agencia").get("/api/v1/households/", {"provider": committee.pk})
    agency_tomas = api("agencia").get("/api/v1/connections/", {"provider": committee.pk})
    own_households = api("tesorera").get("/api/v1/households/", {"provider": committee.pk})
    own_tomas = api("tesorera").get("/api/v1/connections/", {"provider": committee.pk})

    [row] = agency_households.json()["results"]
    assert row["number"] == "7" and row["locality"] == committee.locality_id
    assert not {"name", "reference", "notes"} & set(row)
    [toma] = agency_tomas.json()["results"]
    assert toma["code"] == "T-07" and toma["status"] == "exempt"
    assert "exemption_reason" not in toma
    for response in (agency_households, agency_tomas):
        text = response.content.decode()
        for private in ("Rosa", "iglesia", "Vive sola", "Juan"):
            assert private not in text
    [own] = own_households.json()["results"]
    assert own["name"] == "Rosa Pérez Gómez" and own["reference"] == "Junto a la iglesia"
    assert own_tomas.json()["results"][0]["exemption_reason"] == "Viuda de Juan Pérez"


def test_writing_the_padron_needs_its_names(committee):
    household = Household.objects.create(
        provider=committee, number="8", name="Ana Ruiz", locality=committee.locality
    )
    client = api("agencia")

    created = client.post(
        "/api/v1/households/",
        {"provider": committee.pk, "number": "9", "name": "X", "locality": committee.locality_id},
        format="json",
    )
    patched = client.patch(f"/api/v1/households/{household.pk}/", {"people": 4}, format="json")
    toma = client.post(
        "/api/v1/connections/",
        {"provider": committee.pk, "household": household.pk, "code": "T-08"},
        format="json",
    )

    assert created.status_code == patched.status_code == toma.status_code == 403
    assert "sin nombres" in created.json()["detail"]
    assert not Household.objects.filter(provider=committee, number="9").exists()
    household.refresh_from_db()
    assert household.people is None
    assert not Connection.objects.filter(provider=committee).exists()


def test_the_treasurer_adds_a_household_once_per_key_and_it_is_audited(committee):
    client = api("tesorera")
    sent = {
        "record_id": "tel-4:hogar-1",
        "provider": committee.pk,
        "number": "12",
        "name": "Martha López",
        "locality": committee.locality_id,
        "people": 5,
    }

    created = client.post("/api/v1/households/", sent, format="json")
    resent = client.post("/api/v1/households/", sent, format="json")
    changed = client.post("/api/v1/households/", {**sent, "people": 6}, format="json")
    taken = client.post(
        "/api/v1/households/", {**sent, "record_id": "tel-4:hogar-2"}, format="json"
    )

    assert created.status_code == 201, created.json()
    assert resent.status_code == 200 and resent.json()["id"] == created.json()["id"]
    assert changed.status_code == 409 and changed.json()["fields"] == ["people"]
    assert taken.status_code == 400
    assert "El número 12 ya es de otro hogar de este padrón" in str(taken.json())
    household = Household.objects.get(provider=committee, number="12")
    assert household.name == "Martha López"
    events = AuditEvent.objects.filter(content_type__model="household", object_id=str(household.pk))
    assert [(event.action, event.actor_label) for event in events] == [("create", "tesorera")]

    toma = client.post(
        "/api/v1/connections/",
        {"provider": committee.pk, "household": household.pk, "code": "T-12"},
        format="json",
    )
    suspended = client.patch(
        f"/api/v1/connections/{toma.json()['id']}/", {"status": "suspended"}, format="json"
    )
    exempt_without_reason = client.patch(
        f"/api/v1/connections/{toma.json()['id']}/", {"status": "exempt"}, format="json"
    )

    assert toma.status_code == 201, toma.json()
    assert suspended.status_code == 200
    assert Connection.objects.get(code="T-12", provider=committee).status == "suspended"
    assert exempt_without_reason.status_code == 400
    assert "Una toma exenta necesita la regla" in str(exempt_without_reason.json())
    assert client.delete(f"/api/v1/households/{household.pk}/").status_code == 405


def test_a_household_is_in_a_locality_the_committee_serves(committee):
    from ojodeagua.places.models import Locality

    elsewhere = Locality.objects.exclude(municipality=committee.municipality).first()

    response = api("tesorera").post(
        "/api/v1/households/",
        {"provider": committee.pk, "number": "1", "name": "X", "locality": elsewhere.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "Esa localidad no es del municipio del comité" in str(response.json())
    assert not Household.objects.filter(provider=committee).exists()


# --- Charges, cash, deposits, expenses, sales -------------------------------------------------


def test_charges_are_generated_once_per_month_through_the_api(committee, toma):
    client = api("tesorera")
    body = {"provider": committee.pk, "period": "2026-03"}

    first = client.post("/api/v1/charges/generate/", body, format="json")
    again = client.post("/api/v1/charges/generate/", body, format="json")
    early = client.post(
        "/api/v1/charges/generate/", {"provider": committee.pk, "period": "2025-12"}, format="json"
    )

    assert first.status_code == 201, first.json()
    assert first.json()["created"] == 1
    [charge] = first.json()["charges"]
    assert (charge["connection_code"], charge["period"], charge["amount"]) == (
        "T-01",
        "2026-03-01",
        "100.00",
    )
    assert charge["entry_sequence"] == entry_of(Charge.objects.get(pk=charge["id"])).sequence
    assert again.status_code == 200 and again.json()["created"] == 0
    assert early.status_code == 400
    assert "No hay una cuota mensual aprobada que valga para 12/2025" in str(early.json())
    listed = client.get("/api/v1/charges/", {"provider": committee.pk}).json()["results"]
    assert [row["period"] for row in listed] == ["2026-01-01", "2026-02-01", "2026-03-01"]


def test_cash_counts_deposits_expenses_and_sales_go_through_the_books(committee, toma):
    client = api("tesorera")
    client.post(PAYMENTS, payment(committee, toma, "tel-6:pago-1"), format="json")
    account = MoneyAccount.objects.create(
        provider=committee, institution="Caja Solidaria", kind="cooperative", last_digits="1234"
    )

    count = {
        "provider": committee.pk,
        "record_id": "tel-6:corte-1",
        "counted_on": "2026-02-11",
        "counted": "140.00",
        "signers": ["treasurer", "vigilance"],
    }
    counted = client.post("/api/v1/cash-counts/", count, format="json")
    recounted = client.post("/api/v1/cash-counts/", count, format="json")
    one_signer = client.post(
        "/api/v1/cash-counts/",
        {**count, "record_id": "tel-6:corte-2", "signers": ["treasurer", "treasurer"]},
        format="json",
    )
    assert counted.status_code == 201, counted.json()
    assert (counted.json()["expected"], counted.json()["difference"]) == ("150.00", "-10.00")
    assert counted.json()["signers"] == ["treasurer", "vigilance"]
    assert counted.json()["entry_sequence"] is not None
    assert recounted.status_code == 200
    assert one_signer.status_code == 400
    assert "dos personas con cargos distintos" in str(one_signer.json())
    assert CashCount.objects.filter(provider=committee).count() == 1

    deposit = {
        "provider": committee.pk,
        "record_id": "tel-6:deposito-1",
        "account": account.pk,
        "deposited_on": "2026-02-12",
        "amount": "100.00",
        "slip_reference": "F-881",
    }
    deposited = client.post("/api/v1/deposits/", deposit, format="json")
    redeposited = client.post("/api/v1/deposits/", deposit, format="json")
    too_much = client.post(
        "/api/v1/deposits/",
        {**deposit, "record_id": "tel-6:deposito-2", "amount": "500.00"},
        format="json",
    )
    assert deposited.status_code == 201, deposited.json()
    assert redeposited.status_code == 200
    assert too_much.status_code == 400
    assert "Las cuentas dicen que en caja hay $40.00" in str(too_much.json())
    assert Deposit.objects.filter(provider=committee).count() == 1

    expense = {
        "provider": committee.pk,
        "record_id": "tel-6:gasto-1",
        "spent_on": "2026-02-15",
        "category": "repairs",
        "amount": "2500.00",
        "paid_from": "bank",
        "supplier": "Ferretería El Tucán",
        "description": "Tubo de 2 pulgadas",
    }
    without_quotes = client.post("/api/v1/expenses/", expense, format="json")
    quotes = [
        {"supplier": "Ferretería El Tucán", "amount": "2500.00", "chosen": True},
        {"supplier": "Materiales Berriozábal", "amount": "2700.00"},
        {"supplier": "Tubos del Sur", "amount": "2900.00"},
    ]
    spent = client.post("/api/v1/expenses/", {**expense, "quotes": quotes}, format="json")
    respent = client.post("/api/v1/expenses/", {**expense, "quotes": quotes}, format="json")
    assert without_quotes.status_code == 400
    assert "necesita tres cotizaciones" in str(without_quotes.json())
    assert spent.status_code == 201, spent.json()
    assert [quote["chosen"] for quote in spent.json()["quotes"]] == [True, False, False]
    assert respent.status_code == 200
    assert Expense.objects.filter(provider=committee).count() == 1

    sale = {
        "provider": committee.pk,
        "record_id": "tel-6:venta-1",
        "sold_on": "2026-02-16",
        "product": "jug_20l",
        "quantity": "10",
        "unit_price": "12.00",
    }
    sold = client.post("/api/v1/sales/", sale, format="json")
    resold = client.post("/api/v1/sales/", sale, format="json")
    other_quantity = client.post("/api/v1/sales/", {**sale, "quantity": "11"}, format="json")
    wrong_total = client.post(
        "/api/v1/sales/", {**sale, "record_id": "tel-6:venta-2", "amount": "100.00"}, format="json"
    )
    assert sold.status_code == 201, sold.json()
    assert sold.json()["amount"] == "120.00"
    assert resold.status_code == 200
    assert other_quantity.status_code == 409 and other_quantity.json()["fields"] == ["quantity"]
    assert wrong_total.status_code == 400
    assert "El total debe ser la cantidad por el precio unitario" in str(wrong_total.json())
    assert Sale.objects.filter(provider=committee).count() == 1

    held = ledger.balances(committee.pk)
    # 150 received, 10 short at the count, 100 deposited, 120 sold; the expense left the bank.
    assert held[Account.CASH] == Decimal("160.00")
    assert held[Account.BANK] == Decimal("-2400.00")
    assert verify_books(committee.pk).ok


def test_tariffs_rules_and_accounts_are_readable_within_scope(committee, toma, other):
    add_rule(committee, 50, "Personas mayores")
    MoneyAccount.objects.create(provider=committee, institution="Bancomer", kind="bank")
    MoneyAccount.objects.create(provider=other, institution="Banco ajeno", kind="bank")
    client = api("tesorera")

    tariffs = client.get("/api/v1/tariffs/", {"provider": committee.pk}).json()["results"]
    rules = client.get("/api/v1/exemption-rules/", {"provider": committee.pk}).json()["results"]
    accounts = client.get("/api/v1/money-accounts/", {"page_size": 1000}).json()["results"]

    assert [(row["kind"], row["amount"]) for row in tariffs] == [("monthly_fee", "100.00")]
    assert [(row["name"], row["discount_percent"]) for row in rules] == [("Personas mayores", 50)]
    assert "Bancomer" in [row["institution"] for row in accounts]
    assert "Banco ajeno" not in [row["institution"] for row in accounts]


# --- The ledger and the summary --------------------------------------------------------------


def test_ledger_entries_are_readable_with_their_lines_and_hashes(committee, toma):
    client = api("tesorera")
    client.post(PAYMENTS, payment(committee, toma, "tel-7:pago-1"), format="json")

    rows = client.get("/api/v1/ledger-entries/", {"provider": committee.pk}).json()["results"]

    assert [row["sequence"] for row in rows] == [1, 2, 3]
    previous = ledger.GENESIS
    for row in rows:
        assert row["previous_hash"] == previous
        assert len(row["entry_hash"]) == 64
        debits = sum(Decimal(line["debit"]) for line in row["lines"])
        credits = sum(Decimal(line["credit"]) for line in row["lines"])
        assert debits == credits > 0
        previous = row["entry_hash"]
    assert previous == ledger.head_hash(committee.pk)
    paid = rows[-1]
    assert paid["source"] == f"books.payment:{Payment.objects.get(provider=committee).pk}"
    assert {
        (line["account"], line["debit"], line["credit"], line["connection_code"])
        for line in paid["lines"]
    } == {
        ("cash", "150.00", "0.00", None),
        ("receivable", "0.00", "150.00", "T-01"),
    }


def test_the_summary_shows_balances_indicators_and_a_tampered_chain(committee, toma):
    client = api("tesorera")
    client.post(PAYMENTS, payment(committee, toma, "tel-8:pago-1"), format="json")
    url = f"/api/v1/books-summary/{committee.pk}/"
    period = {"from": "2026-01-01", "to": "2026-02-28"}

    honest = client.get(url, period)

    assert honest.status_code == 200, honest.json()
    summary = honest.json()
    assert summary["chain"]["ok"] is True and summary["books_ok"] is True
    assert summary["chain"]["entries"] == 3
    assert summary["chain"]["checked_at"] is None  # a short chain is read whole each time
    assert summary["head_hash"] == summary["chain"]["head"] == ledger.head_hash(committee.pk)
    balances = {row["account"]: row["balance"] for row in summary["balances"]}
    assert balances["cash"] == "150.00" and balances["receivable"] == "50.00"
    figures = summary["indicators"]
    assert (figures["period_start"], figures["period_end"]) == ("2026-01-01", "2026-02-28")
    assert figures["collection_efficiency"] == {
        "numerator": "150.00",
        "denominator": "200.00",
        "value": "0.750",
    }
    assert summary["kiosk"] is None
    assert figures["not_applicable"] == []
    assert client.get(url, {"from": "2026-01-01"}).status_code == 400

    entry = entry_of(Payment.objects.get(provider=committee))
    with database_administrator(), connection.cursor() as cursor:
        for side in ("debit", "credit"):
            cursor.execute(
                f"UPDATE {JournalLine._meta.db_table} SET {side} = 15 "
                f"WHERE entry_id = %s AND {side} > 0",
                [entry.pk],
            )

    tampered = client.get(url).json()

    assert tampered["chain"]["ok"] is False and tampered["books_ok"] is False
    assert tampered["chain"]["first_bad_sequence"] == entry.sequence
    assert "cambió después de registrarse" in tampered["chain"]["problem"]
    assert tampered["problems"][0] == tampered["chain"]["problem"]


def test_the_summary_names_a_receipt_changed_behind_the_books(committee, toma):
    client = api("tesorera")
    client.post(PAYMENTS, payment(committee, toma, "tel-8:pago-7"), format="json")
    stored = Payment.objects.get(record_id="tel-8:pago-7")
    url = f"/api/v1/books-summary/{committee.pk}/"
    assert client.get(url).json()["books_ok"] is True

    with database_administrator(), connection.cursor() as cursor:
        cursor.execute("UPDATE books_payment SET amount = 650 WHERE id = %s", [stored.pk])
    tampered = client.get(url).json()

    assert tampered["chain"]["ok"] is True and tampered["books_ok"] is False
    assert tampered["problems"] == [
        f"el recibo 1 no coincide con su asiento {entry_of(stored).sequence} (monto)"
    ]


@pytest.mark.django_db
def test_the_schema_lists_the_books_endpoints():
    response = api("agencia").get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    for path in (
        "/api/v1/payments/",
        "/api/v1/payments/{id}/void/",
        "/api/v1/charges/",
        "/api/v1/charges/generate/",
        "/api/v1/cash-counts/",
        "/api/v1/deposits/",
        "/api/v1/expenses/",
        "/api/v1/sales/",
        "/api/v1/ledger-entries/",
        "/api/v1/books-summary/{provider}/",
        "/api/v1/tariffs/",
        "/api/v1/exemption-rules/",
        "/api/v1/money-accounts/",
        "/api/v1/households/",
        "/api/v1/connections/{id}/",
    ):
        assert path in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/payments/"]
    assert set(schema["paths"]["/api/v1/payments/"]["post"]["responses"]) >= {"200", "201", "409"}
    assert "post" not in schema["paths"]["/api/v1/ledger-entries/"]
    assert "delete" not in schema["paths"]["/api/v1/payments/{id}/"]


@pytest.mark.django_db
def test_every_books_list_answers_a_full_page_for_the_whole_municipality():
    client = api("agencia")
    for endpoint in (
        "households",
        "connections",
        "tariffs",
        "exemption-rules",
        "money-accounts",
        "charges",
        "payments",
        "cash-counts",
        "deposits",
        "expenses",
        "sales",
        "ledger-entries",
    ):
        response = client.get(f"/api/v1/{endpoint}/", {"page_size": 1000})
        assert response.status_code == 200, endpoint
        for row in response.json()["results"]:
            assert "name" not in row or endpoint == "exemption-rules", endpoint


def test_a_kiosks_summary_says_the_fee_figures_do_not_apply(committee):
    committee.kind = Provider.Kind.KIOSK
    committee.save()
    summary = api("tesorera").get(f"/api/v1/books-summary/{committee.pk}/").json()
    figures = summary["indicators"]
    assert figures["not_applicable"] == [
        "collection_efficiency",
        "arrears_amount",
        "connections_in_arrears",
        "households_paying",
    ]
    assert figures["collection_efficiency"] is None and figures["arrears_amount"] is None
    assert figures["cost_coverage"] is not None
