"""The charges' kept figures (``books.kept``): what was charged per charge month and what is
left of each charge, kept by the posting code, read by collection and arrears, and held to the
records they sum by ``ledger verify`` (and the public page)."""

import datetime
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ojodeagua.books import kept, ledger, selectors
from ojodeagua.books.charges import charge_fine, credit_charge, generate_charges
from ojodeagua.books.desk import largest_debts
from ojodeagua.books.models import (
    Charge,
    ChargeMonthTotal,
    OwedCharge,
    Payment,
    PaymentAllocation,
)
from ojodeagua.books.payments import void_payment
from ojodeagua.books.tests.factories import (
    D,
    M,
    add_tariff,
    charged_tomas,
    make_committee,
    pay,
)

TOTALS = ChargeMonthTotal._meta.db_table
OWED = OwedCharge._meta.db_table
CENT = Decimal("0.01")


@pytest.fixture
def committee(db):
    """Three tomas at $100 a month from January: receipts in full, in part and ahead of time,
    one voided after a later month began, a charge credited in full and one in part, a fine."""
    provider = make_committee("Comité de Agua Los Pinos")
    first, second, third = charged_tomas(provider, ["T-01", "T-02", "T-03"])
    pay(provider, "r1", "150", D(2026, 2, 5), first)  # January, half of February
    pay(provider, "r2", "100", D(2026, 1, 20), second)  # January
    pay(provider, "r3", "250", D(2026, 3, 10), first)  # the rest, and $100 ahead
    void_payment(Payment.objects.get(record_id="r2"), "Se anotó dos veces", on=D(2026, 4, 2))
    pay(provider, "r4", "300", D(2026, 4, 15), second)  # January to March again
    february = Charge.objects.get(connection=third, period=D(2026, 2, 1))
    credit_charge(february, "La toma estuvo cerrada", on=D(2026, 2, 20))
    march = Charge.objects.get(connection=third, period=D(2026, 3, 1), kind="monthly_fee")
    credit_charge(march, "Se cobró de más", on=D(2026, 3, 25), amount="30")
    add_tariff(provider, "80.00", D(2026, 1, 1), kind="fine")
    charge_fine(third, on=D(2026, 3, 3), description="Faltó a la faena")
    # April's fees: the first toma's money paid ahead settles its April at once.
    generate_charges(provider, D(2026, 4, 1))
    return provider


def charge_months_long_way(provider) -> dict[datetime.date, tuple[Decimal, Decimal]]:
    """Month → (charged, collected), from the charges and allocations one by one."""
    found: dict = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for charge in Charge.objects.filter(provider=provider):
        found[charge.period][0] += charge.amount
    for allocation in PaymentAllocation.objects.filter(
        charge__provider=provider, payment__void__isnull=True
    ).select_related("charge"):
        found[allocation.charge.period][1] += allocation.amount
    return {month: (c.quantize(CENT), k.quantize(CENT)) for month, (c, k) in found.items()}


def owed_long_way(provider, on: datetime.date | None = None) -> dict[int, Decimal]:
    """Charge id → what is left of it on ``on`` (today's books when None), charges with
    something left only: payments count from their day until their void's, credits always."""
    found = {}
    for charge in Charge.objects.filter(provider=provider).exclude(kind="credit"):
        if on is not None and charge.period >= on.replace(day=1):
            continue
        left = charge.amount
        for allocation in charge.allocations.select_related("payment__void"):
            payment = allocation.payment
            void = getattr(payment, "void", None)
            counted = (
                void is None
                if on is None
                else payment.paid_on <= on and (void is None or void.voided_on > on)
            )
            if counted:
                left -= allocation.amount
        correction = Charge.objects.filter(corrects=charge).first()
        if correction is not None:
            left += correction.amount
        if left:
            found[charge.pk] = left.quantize(CENT)
    return {charge_id: left for charge_id, left in found.items() if on is None or left > 0}


def kept_months(provider) -> dict[datetime.date, Decimal]:
    return {
        row.month: row.charged.quantize(CENT)
        for row in ChargeMonthTotal.objects.filter(provider=provider)
    }


def collected_by_month(provider) -> dict[datetime.date, tuple[Decimal, Decimal]]:
    """Month → (charged, collected) as ``selectors.collections`` reads them off the kept figures."""
    found = selectors.collections([provider.pk], by_month=True)[provider.pk]
    return {
        month: (charged, found.collected.get(month, Decimal(0)).quantize(CENT))
        for month, charged in found.charged.items()
    }


def kept_owed(provider) -> dict[int, Decimal]:
    return {
        row.charge_id: row.unpaid.quantize(CENT)
        for row in OwedCharge.objects.filter(provider=provider).exclude(unpaid=0)
    }


def test_posting_keeps_the_charge_figures_the_records_add_up_to(committee):
    months = collected_by_month(committee)
    assert months == charge_months_long_way(committee)
    # January: three fees; collected: the first toma's and the second's second receipt (the
    # voided one collects nothing). February: the third toma's fee credited away.
    assert months[D(2026, 1, 1)] == (M("300.00"), M("200.00"))
    assert months[D(2026, 2, 1)] == (M("200.00"), M("200.00"))
    # March: three fees and the fine, less the $30 credit; the third toma paid nothing.
    assert months[D(2026, 3, 1)] == (M("350.00"), M("200.00"))
    # April: the first toma's $100 paid ahead settled its fee as the fee was made.
    assert months[D(2026, 4, 1)] == (M("300.00"), M("100.00"))
    owed = kept_owed(committee)
    assert owed == owed_long_way(committee)
    third = Charge.objects.filter(connection__code="T-03")
    # The second toma's April; the third's January, March less the credit, fine and April.
    assert sorted(owed.values()) == [M("70.00"), M("80.00"), M("100.00"), M("100.00"), M("100.00")]
    owing = third.exclude(period=D(2026, 2, 1)).exclude(kind="credit")
    assert set(owed) >= set(owing.values_list("pk", flat=True))
    # The migration's way (``rebuild``) finds the same figures.
    totals = kept_months(committee)
    kept.rebuild([committee.pk])
    assert kept_months(committee) == totals and kept_owed(committee) == owed
    assert collected_by_month(committee) == months


ARREARS_DAYS = [
    D(2026, 1, 31),
    D(2026, 2, 1),
    D(2026, 2, 5),
    D(2026, 3, 1),
    D(2026, 3, 12),
    D(2026, 4, 1),
    D(2026, 4, 2),  # the day the second toma's January receipt was voided
    D(2026, 4, 14),
    D(2026, 5, 1),
    D(2026, 12, 1),
]


@pytest.mark.parametrize("on", ARREARS_DAYS)
def test_arrears_on_any_day_are_what_the_records_say_that_day(committee, on):
    """Today's kept figures moved back to the day by the receipts made or voided since."""
    by_toma: dict[int, Decimal] = {}
    for charge_id, left in owed_long_way(committee, on).items():
        toma = Charge.objects.get(pk=charge_id).connection_id
        by_toma[toma] = by_toma.get(toma, Decimal(0)) + left
    assert selectors.provider_arrears(committee, on) == by_toma
    for toma, owed in by_toma.items():
        assert selectors.arrears(Charge.objects.filter(connection_id=toma)[0].connection, on) == (
            owed
        )
    _rows, debtors, total = largest_debts([committee.pk], on)[committee.pk]
    assert (debtors, total) == (len(by_toma), sum(by_toma.values(), Decimal(0)))


def test_the_second_tomas_voided_receipt_counted_until_its_void(committee):
    second = Charge.objects.filter(connection__code="T-02")[0].connection
    # On 1 April its January receipt still stood: February and March owed. Voided on 2 April,
    # January is owed again until the receipt of the 15th.
    assert selectors.arrears(second, D(2026, 4, 1)) == M("200.00")
    assert selectors.arrears(second, D(2026, 4, 2)) == M("300.00")
    assert selectors.arrears(second, D(2026, 4, 15)) == M("0.00")


def verify(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def change(sql: str, params: list) -> None:
    """Kept figures carry no trigger (posting updates them): anyone who writes SQL can."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_ledger_verify_names_a_charge_month_total_changed_in_the_database(committee, client):
    output, code = verify("--provider", str(committee.pk))
    assert code == 0, output
    change(
        f"UPDATE {TOTALS} SET charged = charged + 10 WHERE provider_id = %s AND month = %s",
        [committee.pk, D(2026, 2, 1)],
    )
    # The page reads the changed total: that is why verify holds it to its records.
    february = selectors.collection(committee.pk, D(2026, 2, 1), D(2026, 2, 28))
    assert february.charged == {None: M("210.00")}
    output, code = verify("--provider", str(committee.pk))
    assert code == 1
    assert output.strip() == (
        "Comité de Agua Los Pinos: el total de los cargos de 02/2026 no coincide con los cargos "
        "del mes"
    )
    page = client.get(f"/transparencia/{committee.pk}/").content.decode()
    assert "El total de los cargos de 02/2026 no coincide con los cargos del mes" in page


def test_a_charge_month_total_removed_is_named_too(committee):
    change(
        f"DELETE FROM {TOTALS} WHERE provider_id = %s AND month = %s",
        [committee.pk, D(2026, 3, 1)],
    )
    change(
        f"INSERT INTO {TOTALS} (provider_id, month, charged) VALUES (%s, %s, 5)",
        [committee.pk, D(2025, 12, 1)],
    )
    output, code = verify("--provider", str(committee.pk))
    assert code == 1
    assert output.strip() == (
        "Comité de Agua Los Pinos: el total de los cargos de 12/2025 no coincide con los cargos "
        "del mes (y 1 cifra más así)"
    )


def test_ledger_verify_names_what_is_left_of_a_charge_changed_in_the_database(committee, client):
    charge = Charge.objects.get(connection__code="T-03", period=D(2026, 1, 1))
    change(f"UPDATE {OWED} SET unpaid = unpaid - 60 WHERE charge_id = %s", [charge.pk])
    output, code = verify("--provider", str(committee.pk))
    assert code == 1
    sentence = f"lo que queda por pagar del cargo {charge.pk} (01/2026) no coincide con el cargo"
    assert output.strip() == f"Comité de Agua Los Pinos: {sentence} y sus pagos"
    page = client.get(f"/transparencia/{committee.pk}/").content.decode()
    assert sentence[1:] in page


@pytest.mark.parametrize(
    "sql",
    [
        f"DELETE FROM {OWED} WHERE charge_id = %s",
        f"UPDATE {OWED} SET period = '2026-02-01' WHERE charge_id = %s",
        f"UPDATE {OWED} SET connection_id = (SELECT MIN(connection_id) FROM {OWED}) "
        f"WHERE charge_id = %s",
    ],
)
def test_a_charges_row_removed_or_moved_is_named(committee, sql):
    charge = Charge.objects.get(connection__code="T-03", period=D(2026, 3, 1), kind="monthly_fee")
    change(sql, [charge.pk])
    output, code = verify("--provider", str(committee.pk))
    assert code == 1
    assert f"lo que queda por pagar del cargo {charge.pk} (" in output


def test_a_charge_paid_up_made_owed_again_is_named(committee):
    paid = Charge.objects.get(connection__code="T-01", period=D(2026, 1, 1))
    # Its row stays at zero once paid; the migration makes none for a charge paid up.
    assert OwedCharge.objects.get(charge=paid).unpaid == 0
    change(f"UPDATE {OWED} SET unpaid = 100 WHERE charge_id = %s", [paid.pk])
    assert selectors.arrears(paid.connection, D(2026, 5, 1)) == M("100.00")
    output, code = verify("--provider", str(committee.pk))
    assert code == 1
    assert output.strip() == (
        f"Comité de Agua Los Pinos: lo que queda por pagar del cargo {paid.pk} (01/2026) no "
        f"coincide con el cargo y sus pagos"
    )


def test_a_changed_kept_figure_stands_with_the_records_on_a_long_chains_page(
    committee, client, monkeypatch
):
    """A long chain's page reads what the last full check found (``books_status``)."""
    monkeypatch.setattr(ledger, "LIVE_LIMIT", 5)
    change(
        f"UPDATE {TOTALS} SET charged = charged + 1 WHERE provider_id = %s AND month = %s",
        [committee.pk, D(2026, 1, 1)],
    )
    verify("--provider", str(committee.pk))
    page = client.get(f"/transparencia/{committee.pk}/").content.decode()
    assert "El total de los cargos de 01/2026 no coincide con los cargos del mes" in page
