"""Fines, new-connection fees, credits and bank accounts are recorded once by their record id.

A form sent twice, or a phone that lost the answer and sends again, gets the stored record back:
one row, one ledger entry, one audit event. The same id with other content is refused, in
Spanish, and nothing is written.
"""

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books import cash, charges
from ojodeagua.books.ledger import balances, verify_chain
from ojodeagua.books.models import Account, Charge, Connection, JournalEntry, MoneyAccount, Tariff
from ojodeagua.books.postings import RecordConflict, source_of
from ojodeagua.books.tests.factories import (
    D,
    M,
    add_connection,
    add_tariff,
    committee_reached_by,
    make_committee,
)
from ojodeagua.books.tests.test_concurrency import database, in_database, run_threads  # noqa: F401
from ojodeagua.books.tests.test_entry_pages import record_id_of, text

CONFLICT = "Ya se anotó otro registro con el mismo identificador y datos distintos"


@pytest.fixture
def committee(db):
    return make_committee("Comité de Agua de los Identificadores")


@pytest.fixture
def toma(committee):
    return add_connection(committee, "ID-1")


@pytest.fixture
def treasurer(db):
    return User.objects.get(username="tesorera")


def entries_of(record) -> int:
    return JournalEntry.objects.filter(source=source_of(record)).count()


def created_events(record) -> int:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
    ).count()


# Fines and new-connection fees -------------------------------------------------------------------
def test_the_same_fine_sent_twice_is_recorded_once(committee, toma, treasurer):
    def send():
        return charges.charge_fine(
            toma,
            on=D(2026, 3, 7),
            amount="150",
            description="Faltó a la faena",
            record_id="phone-fine-1",
            user=treasurer,
        )

    first, again = send(), send()

    assert again.pk == first.pk
    assert Charge.objects.filter(record_id="phone-fine-1").count() == 1
    assert Charge.objects.filter(connection=toma).count() == 1
    assert first.amount == M("150.00") and first.kind == Charge.Kind.FINE
    assert entries_of(first) == 1
    assert created_events(first) == 1
    assert balances(committee.pk)[Account.INCOME_FINES] == M("-150.00")
    assert verify_chain(committee.pk).ok


def test_a_fine_from_the_tariff_sent_twice_is_recorded_once(committee, toma):
    add_tariff(committee, "200.00", D(2026, 1, 1), kind=Tariff.Kind.FINE)
    first = charges.charge_fine(toma, on=D(2026, 3, 7), record_id="fine-by-tariff")
    again = charges.charge_fine(toma, on=D(2026, 3, 7), record_id="fine-by-tariff")
    assert again.pk == first.pk and first.amount == M("200.00")
    assert Charge.objects.filter(connection=toma).count() == 1
    assert entries_of(first) == 1


@pytest.mark.parametrize(
    "other",
    [
        {"amount": "151"},
        {"description": "Conexión sin permiso"},
        {"on": D(2026, 3, 8)},  # same month, another day
        {"on": D(2026, 4, 7)},
    ],
    ids=["amount", "description", "day", "month"],
)
def test_the_same_fine_id_with_other_content_is_refused_in_spanish(committee, toma, other):
    sent = {"on": D(2026, 3, 7), "amount": "150", "description": "Faltó a la faena"}
    first = charges.charge_fine(toma, record_id="fine-2", **sent)
    with pytest.raises(RecordConflict) as refused:
        charges.charge_fine(toma, record_id="fine-2", **{**sent, **other})
    assert CONFLICT in refused.value.messages[0]
    assert "vuelva a capturarlo desde el principio" in refused.value.messages[0]
    assert list(Charge.objects.filter(connection=toma)) == [first]
    assert JournalEntry.objects.filter(provider=committee).count() == 1


def test_a_fine_id_is_not_taken_for_another_toma_or_kind_or_committee(committee, toma):
    charges.charge_fine(toma, on=D(2026, 3, 7), amount="150", record_id="fine-3")
    neighbour = add_connection(committee, "ID-2")
    elsewhere = add_connection(make_committee("Otro comité"), "ID-1")
    for attempt in (
        lambda: charges.charge_fine(neighbour, on=D(2026, 3, 7), amount="150", record_id="fine-3"),
        lambda: charges.charge_connection_fee(
            toma, on=D(2026, 3, 7), amount="150", record_id="fine-3"
        ),
        lambda: charges.charge_fine(elsewhere, on=D(2026, 3, 7), amount="150", record_id="fine-3"),
    ):
        with pytest.raises(RecordConflict, match=CONFLICT):
            attempt()
    assert Charge.objects.filter(record_id="fine-3").count() == 1
    assert not Charge.objects.filter(connection__in=[neighbour, elsewhere]).exists()
    assert Charge.objects.filter(connection=toma).count() == 1


def test_the_same_connection_fee_sent_twice_is_recorded_once(committee, toma):
    first = charges.charge_connection_fee(toma, on=D(2026, 2, 5), amount="1200", record_id="fee-1")
    again = charges.charge_connection_fee(toma, on=D(2026, 2, 5), amount="1200", record_id="fee-1")
    assert again.pk == first.pk and first.kind == Charge.Kind.CONNECTION_FEE
    assert Charge.objects.filter(connection=toma).count() == 1
    assert entries_of(first) == 1 and created_events(first) == 1
    with pytest.raises(RecordConflict, match=CONFLICT):
        charges.charge_connection_fee(toma, on=D(2026, 2, 5), amount="1000", record_id="fee-1")


def test_a_charge_without_a_record_id_gets_one_of_its_own(toma):
    one = charges.charge_fine(toma, on=D(2026, 3, 7), amount="10")
    two = charges.charge_fine(toma, on=D(2026, 3, 7), amount="10")
    assert one.pk != two.pk and one.record_id and two.record_id and one.record_id != two.record_id


# Credits -----------------------------------------------------------------------------------------
def test_the_same_credit_sent_twice_is_recorded_once(committee, toma, treasurer):
    fine = charges.charge_fine(toma, on=D(2026, 3, 7), amount="150", record_id="fine-4")

    def send():
        return charges.credit_charge(
            fine, "No le tocaba faena", on=D(2026, 3, 9), record_id="credit-1", user=treasurer
        )

    first, again = send(), send()

    assert again.pk == first.pk
    assert list(Charge.objects.filter(corrects=fine)) == [first]
    assert first.amount == M("-150.00") and first.record_id == "credit-1"
    assert entries_of(first) == 1 and created_events(first) == 1
    assert balances(committee.pk)[Account.RECEIVABLE] == M("0.00")
    assert verify_chain(committee.pk).ok


def test_a_partial_credit_resent_the_next_day_is_the_same_credit(committee, toma):
    fine = charges.charge_fine(toma, on=D(2026, 3, 7), amount="150")
    first = charges.credit_charge(fine, "Descuento acordado", amount="50", record_id="credit-2")
    # Without a date the credit is dated today; a resend is recognised on any later day.
    again = charges.credit_charge(fine, "Descuento acordado", amount="50", record_id="credit-2")
    assert again.pk == first.pk and first.amount == M("-50.00")
    assert Charge.objects.filter(corrects=fine).count() == 1 and entries_of(first) == 1


def test_the_same_credit_id_with_other_content_is_refused_in_spanish(committee, toma):
    fine = charges.charge_fine(toma, on=D(2026, 3, 7), amount="150")
    other_fine = charges.charge_fine(toma, on=D(2026, 3, 8), amount="90")
    first = charges.credit_charge(fine, "Descuento acordado", amount="50", record_id="credit-3")
    for attempt in (
        lambda: charges.credit_charge(fine, "Otra razón", amount="50", record_id="credit-3"),
        lambda: charges.credit_charge(
            fine, "Descuento acordado", amount="60", record_id="credit-3"
        ),
        lambda: charges.credit_charge(
            other_fine, "Descuento acordado", amount="50", record_id="credit-3"
        ),
    ):
        with pytest.raises(RecordConflict, match=CONFLICT):
            attempt()
    assert list(Charge.objects.filter(provider=committee, kind=Charge.Kind.CREDIT)) == [first]
    # A charge is still corrected only once, whatever id the second correction carries.
    with pytest.raises(ValidationError, match="ya tiene su corrección"):
        charges.credit_charge(fine, "Descuento acordado", amount="50", record_id="credit-4")


# Bank and cooperative accounts -------------------------------------------------------------------
ACCOUNT = {"institution": "Caja Popular Berriozábal", "kind": "cooperative", "last_digits": "4321"}


def test_the_same_account_sent_twice_is_added_once(committee, treasurer):
    first = cash.add_money_account(committee, record_id="account-1", user=treasurer, **ACCOUNT)
    again = cash.add_money_account(committee, record_id="account-1", user=treasurer, **ACCOUNT)
    assert again.pk == first.pk and first.record_id == "account-1"
    assert MoneyAccount.objects.filter(provider=committee).count() == 1
    assert created_events(first) == 1


def test_the_same_account_id_with_other_content_is_refused_in_spanish(committee):
    first = cash.add_money_account(committee, record_id="account-2", **ACCOUNT)
    for other in (
        {"last_digits": "9999"},
        {"institution": "BBVA"},
        {"kind": "bank"},
        {"is_reserve": True},
    ):
        with pytest.raises(RecordConflict, match=CONFLICT):
            cash.add_money_account(committee, record_id="account-2", **{**ACCOUNT, **other})
    with pytest.raises(RecordConflict, match=CONFLICT):
        cash.add_money_account(make_committee("Otro comité"), record_id="account-2", **ACCOUNT)
    assert list(MoneyAccount.objects.filter(record_id="account-2")) == [first]
    assert MoneyAccount.objects.filter(provider=committee).count() == 1


def test_an_account_needs_its_institution_kind_and_four_digits(committee):
    for wrong, message in (
        ({"institution": "  "}, "Anote el nombre del banco"),
        ({"kind": "piggy"}, "Elija si la cuenta es de un banco"),
        ({"last_digits": "12a4"}, "Escriba los últimos 4 dígitos"),
    ):
        with pytest.raises(ValidationError, match=message):
            cash.add_money_account(committee, **{**ACCOUNT, **wrong})
    assert not MoneyAccount.objects.filter(provider=committee).exists()


# At the same moment ------------------------------------------------------------------------------
@pytest.fixture
def busy_committee(transactional_db):
    provider = make_committee("Comité de la prueba de reenvíos")
    add_connection(provider, "R-1")
    return provider


def test_the_same_fine_sent_five_times_at_once_is_recorded_once(busy_committee, database):  # noqa: F811
    toma = Connection.objects.get(provider=busy_committee)

    def resend(_n):
        return charges.charge_fine(toma, on=D(2026, 3, 7), amount="150", record_id="at-once").pk

    results, errors = run_threads(database, resend, list(range(5)))
    assert not errors, errors
    assert len(set(results)) == 1

    def outcome():
        return (
            Charge.objects.filter(provider=busy_committee).count(),
            JournalEntry.objects.filter(provider=busy_committee).count(),
            verify_chain(busy_committee.pk).ok,
        )

    assert in_database(database, outcome) == (1, 1, True)


# Through the pages -------------------------------------------------------------------------------
@pytest.fixture
def own_committee(db):
    """The treasurer's committee of our own, so the figures are only these tests'."""
    return committee_reached_by("Comité de Agua Las Pruebas de Reenvío", "tesorera")


@pytest.fixture
def page_toma(own_committee):
    return add_connection(own_committee, "PR-1")


def fine_form(client, provider, path="multa") -> tuple[str, dict]:
    url = f"/cuentas/{provider.pk}/cargos/{path}/"
    page = text(client.get(url))
    return url, {
        "record_id": record_id_of(page),
        "toma": "pr-1",
        "on": "2026-03-07",
        "amount": "150",
        "description": "Faltó a la faena",
    }


@pytest.mark.parametrize(
    "path,kind", [("multa", Charge.Kind.FINE), ("toma-nueva", Charge.Kind.CONNECTION_FEE)]
)
def test_a_charge_form_posted_twice_records_once_and_says_so(
    tesorera, own_committee, page_toma, path, kind
):
    url, data = fine_form(tesorera, own_committee, path)

    first = tesorera.post(url, data, follow=True)
    second = tesorera.post(url, data, follow=True)  # a double tap, or a resend

    toma_page = f"/cuentas/{own_committee.pk}/pagos/nuevo/?toma={page_toma.pk}"
    assert first.redirect_chain == second.redirect_chain == [(toma_page, 302)]
    assert "Se anotó" in text(first)
    assert "Ese cargo ya se había anotado; no se anotó dos veces." in text(second)
    charge = Charge.objects.get(record_id=data["record_id"])
    assert (charge.kind, charge.amount, charge.connection) == (kind, M("150.00"), page_toma)
    assert Charge.objects.filter(connection=page_toma).count() == 1
    assert entries_of(charge) == 1 and created_events(charge) == 1
    assert charge.created_by.username == "tesorera"


def test_a_charge_form_resent_with_other_content_is_refused_on_the_page(
    tesorera, own_committee, page_toma
):
    url, data = fine_form(tesorera, own_committee)
    assert tesorera.post(url, data).status_code == 302
    # Back in the browser, another amount, the same form: not a resend, and not recorded.
    refused = tesorera.post(url, {**data, "amount": "200"})
    assert refused.status_code == 400
    assert CONFLICT in text(refused)
    assert list(Charge.objects.filter(connection=page_toma).values_list("amount", flat=True)) == [
        M("150.00")
    ]


def test_a_credit_form_posted_twice_records_once(tesorera, own_committee, page_toma):
    fine = charges.charge_fine(page_toma, on=D(2026, 3, 7), amount="150")
    url = f"/cuentas/{own_committee.pk}/cargos/{fine.pk}/corregir/"
    page = text(tesorera.get(url))
    data = {"record_id": record_id_of(page), "reason": "No le tocaba faena", "amount": ""}

    first = tesorera.post(url, data, follow=True)
    second = tesorera.post(url, data, follow=True)

    assert first.redirect_chain == second.redirect_chain
    assert "Se corrigió el cargo" in text(first)
    assert "no se corrigió dos veces" in text(second)
    credit = Charge.objects.get(corrects=fine)
    assert credit.record_id == data["record_id"] and credit.amount == M("-150.00")
    assert entries_of(credit) == 1 and created_events(credit) == 1


def test_an_account_form_posted_twice_adds_one_account(tesorera, own_committee):
    url = f"/cuentas/{own_committee.pk}/cuentas-de-banco/nueva/"
    page = text(tesorera.get(url))
    data = {"record_id": record_id_of(page), **ACCOUNT}

    first = tesorera.post(url, data, follow=True)
    second = tesorera.post(url, data, follow=True)

    deposit_page = f"/cuentas/{own_committee.pk}/depositos/nuevo/"
    assert first.redirect_chain == second.redirect_chain == [(deposit_page, 302)]
    assert "Se agregó la cuenta Caja Popular Berriozábal ··4321." in text(first)
    assert "ya estaba agregada; no se agregó dos veces" in text(second)
    account = MoneyAccount.objects.get(provider=own_committee)
    assert account.record_id == data["record_id"] and account.last_digits == "4321"
    assert created_events(account) == 1

    refused = tesorera.post(url, {**data, "last_digits": "1111"})
    assert refused.status_code == 400 and CONFLICT in text(refused)
    assert MoneyAccount.objects.filter(provider=own_committee).count() == 1
