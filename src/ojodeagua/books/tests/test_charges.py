"""Monthly charges with exemptions, made once per month; fines, new-connection fees, credits."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books import charges
from ojodeagua.books.ledger import balances, verify_chain
from ojodeagua.books.models import Account, Charge, Connection, JournalEntry, Tariff
from ojodeagua.books.payments import open_charges, record_payment
from ojodeagua.books.selectors import arrears
from ojodeagua.books.tests.factories import D, M, add_connection, add_rule, add_tariff
from ojodeagua.books.tests.factories import make_committee as build_committee


@pytest.fixture
def committee(db):
    return build_committee()


@pytest.fixture
def padron(committee):
    """A pays in full; B has half off; C is exempt; D is suspended; E's rule is 100 %."""
    half, full = add_rule(committee, 50, "Viudas"), add_rule(committee, 100, "Hidrante público")
    return {
        "A": add_connection(committee, "A"),
        "B": add_connection(committee, "B", exemption=half),
        "C": add_connection(
            committee,
            "C",
            status=Connection.Status.EXEMPT,
            exemption=full,
            exemption_reason="Toma de la escuela",
        ),
        "D": add_connection(committee, "D", status=Connection.Status.SUSPENDED),
        "E": add_connection(committee, "E", exemption=full),
    }


def charged(committee, period):
    return {
        charge.connection.code: charge.amount
        for charge in Charge.objects.filter(provider=committee, period=period)
    }


def test_each_month_charges_the_tariff_in_force_less_exemptions_and_only_once(committee, padron):
    add_tariff(committee, "80.00", D(2026, 1, 1))
    add_tariff(committee, "100.00", D(2026, 3, 1))
    user = User.objects.get(username="tesorera")

    february = charges.generate_charges(committee, D(2026, 2, 14), user)
    assert {c.connection.code: c.amount for c in february} == {"A": M("80.00"), "B": M("40.00")}
    assert all(c.period == D(2026, 2, 1) for c in february)
    assert charges.generate_charges(committee, D(2026, 2, 1), user) == []
    assert charged(committee, D(2026, 2, 1)) == {"A": M("80.00"), "B": M("40.00")}

    march = charges.generate_charges(committee, D(2026, 3, 1))
    assert {c.connection.code: c.amount for c in march} == {"A": M("100.00"), "B": M("50.00")}

    # Hand count: receivable 80 + 40 + 100 + 50 = 270, all of it fee income.
    assert balances(committee.pk) == {
        Account.RECEIVABLE: M("270.00"),
        Account.INCOME_FEES: M("-270.00"),
    }
    for charge in [*february, *march]:
        entry = JournalEntry.objects.get(source=f"books.charge:{charge.pk}")
        assert entry.entry_date == charge.period
        assert {(line.account, line.connection_id) for line in entry.lines.all()} == {
            (Account.RECEIVABLE, charge.connection_id),
            (Account.INCOME_FEES, None),
        }
    assert verify_chain(committee.pk).ok
    events = AuditEvent.objects.filter(provider_id=committee.pk, content_type__model="charge")
    assert events.count() == 4
    assert set(events.values_list("actor_label", flat=True)) == {"tesorera", "sistema"}


def test_a_school_charges_its_monthly_contribution_per_family(committee):
    add_tariff(committee, "25.00", D(2026, 1, 1), kind=Tariff.Kind.SCHOOL_FAMILY)
    add_connection(committee, "F1")
    made = charges.generate_charges(committee, D(2026, 1, 1))
    assert [(c.kind, c.amount) for c in made] == [(Charge.Kind.MONTHLY_FEE, M("25.00"))]


def test_without_a_tariff_nothing_is_charged_and_it_says_what_to_do(committee, padron):
    add_tariff(committee, "80.00", D(2026, 5, 1))
    with pytest.raises(ValidationError, match="No hay una cuota mensual aprobada que valga para"):
        charges.generate_charges(committee, D(2026, 4, 1))
    assert not Charge.objects.filter(provider=committee).exists()


def test_a_connection_made_after_the_month_is_not_charged_for_it(committee):
    add_tariff(committee, "80.00", D(2026, 1, 1))
    add_connection(committee, "NEW", connected_on=D(2026, 2, 10))
    assert charges.generate_charges(committee, D(2026, 1, 1)) == []
    assert len(charges.generate_charges(committee, D(2026, 2, 1))) == 1


def test_the_database_keeps_one_fee_per_connection_and_month(committee):
    add_tariff(committee, "80.00", D(2026, 1, 1))
    toma = add_connection(committee, "A")
    charges.generate_charges(committee, D(2026, 1, 1))
    with pytest.raises(DatabaseError), transaction.atomic():
        Charge.objects.create(
            provider=committee, connection=toma, period=D(2026, 1, 1), kind="monthly_fee", amount=1
        )


def test_charges_cannot_be_changed_in_the_database(committee):
    add_tariff(committee, "80.00", D(2026, 1, 1))
    add_connection(committee, "A")
    [charge] = charges.generate_charges(committee, D(2026, 1, 1))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE books_charge SET amount = 1 WHERE id = %s", [charge.pk])
    charge.refresh_from_db()
    assert charge.amount == M("80.00")


def test_fines_and_new_connection_fees_use_their_tariffs_or_a_given_amount(committee):
    toma = add_connection(committee, "A")
    add_tariff(committee, "150.00", D(2026, 1, 1), kind=Tariff.Kind.FINE)
    fine = charges.charge_fine(toma, on=D(2026, 2, 3), description="Faltó a la faena")
    fee = charges.charge_connection_fee(toma, on=D(2026, 2, 5), amount="1200")
    assert (fine.kind, fine.amount, fine.period) == (Charge.Kind.FINE, M("150.00"), D(2026, 2, 1))
    assert (fee.kind, fee.amount) == (Charge.Kind.CONNECTION_FEE, M("1200.00"))
    assert balances(committee.pk) == {
        Account.RECEIVABLE: M("1350.00"),
        Account.INCOME_FINES: M("-150.00"),
        Account.INCOME_CONNECTIONS: M("-1200.00"),
    }
    with pytest.raises(ValidationError, match="No hay una tarifa aprobada"):
        charges.charge_connection_fee(toma, on=D(2026, 2, 5))


def test_a_wrong_charge_is_credited_in_full_with_a_reversing_entry(committee):
    add_tariff(committee, "80.00", D(2026, 1, 1))
    toma = add_connection(committee, "A")
    [wrong] = charges.generate_charges(committee, D(2026, 1, 1))
    credit = charges.credit_charge(wrong, "La toma estaba cerrada en enero", on=D(2026, 1, 20))
    assert (credit.kind, credit.amount, credit.corrects) == (
        Charge.Kind.CREDIT,
        M("-80.00"),
        wrong,
    )
    wrong.refresh_from_db()
    assert wrong.amount == M("80.00")  # the charge itself is untouched
    original = JournalEntry.objects.get(source=f"books.charge:{wrong.pk}")
    reversal = JournalEntry.objects.get(source=f"books.charge:{credit.pk}")
    assert reversal.reverses == original and reversal.entry_date == D(2026, 1, 20)
    assert balances(committee.pk) == {Account.RECEIVABLE: M("0.00"), Account.INCOME_FEES: M("0")}
    assert open_charges(toma) == []
    assert arrears(toma, D(2026, 3, 1)) == M("0")
    with pytest.raises(ValidationError, match="ya tiene su corrección"):
        charges.credit_charge(wrong, "otra vez")
    with pytest.raises(ValidationError, match="Una corrección no se corrige"):
        charges.credit_charge(credit, "otra vez")


def test_only_the_unpaid_part_of_a_charge_can_be_credited(committee):
    add_tariff(committee, "80.00", D(2026, 1, 1))
    toma = add_connection(committee, "A")
    [charge] = charges.generate_charges(committee, D(2026, 1, 1))
    record_payment(committee, record_id="p-1", amount="50", paid_on=D(2026, 1, 10), connection=toma)
    with pytest.raises(ValidationError, match=r"quedan \$30.00 sin pagar"):
        charges.credit_charge(charge, "Descuento acordado", amount="40")
    with pytest.raises(ValidationError, match="Escriba por qué"):
        charges.credit_charge(charge, "  ")
    credit = charges.credit_charge(charge, "Descuento acordado", on=D(2026, 1, 31))
    assert credit.amount == M("-30.00")
    entry = JournalEntry.objects.get(source=f"books.charge:{credit.pk}")
    assert entry.reverses is None  # a part: a new entry, not the reversal of the whole charge
    assert balances(committee.pk)[Account.RECEIVABLE] == M("0.00")
    assert balances(committee.pk)[Account.INCOME_FEES] == M("-50.00")
    assert open_charges(toma) == []
    assert verify_chain(committee.pk).ok


def test_money_paid_ahead_settles_the_next_charges(committee):
    add_tariff(committee, "80.00", D(2026, 1, 1))
    toma = add_connection(committee, "A")
    payment, _ = record_payment(
        committee, record_id="ahead", amount="200", paid_on=D(2025, 12, 20), connection=toma
    )
    assert balances(committee.pk)[Account.RECEIVABLE] == M("-200.00")  # the toma's credit
    for month in (1, 2, 3):
        charges.generate_charges(committee, D(2026, month, 1))
    # 200 pays January and February in full and 40 of March.
    settled = {
        a.charge.period.month: a.amount for a in payment.allocations.select_related("charge")
    }
    assert settled == {1: M("80.00"), 2: M("80.00"), 3: M("40.00")}
    assert [(o.charge.period.month, o.open) for o in open_charges(toma)] == [(3, M("40.00"))]
    assert arrears(toma, D(2026, 4, 2)) == M("40.00")
    assert balances(committee.pk)[Account.RECEIVABLE] == M("40.00")
