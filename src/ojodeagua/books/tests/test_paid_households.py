"""Who paid when, kept by the posting code (``kept.add_receipts``, ``kept.moving_tomas``): the
households that paid in whole months are read from the kept steps and must be what the receipts
say, whatever receipts, voids, moved tomas and exempt tomas came before; ``ledger verify``
holds both kept tables to the receipts."""

import datetime
import random
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ojodeagua.books import indicators, kept, padron, record_checks
from ojodeagua.books.models import NO_MONTH, Connection, PaidMonth, PaidStep, Payment
from ojodeagua.books.padron import import_padron
from ojodeagua.books.payments import PaymentIn, record_payments, void_payment
from ojodeagua.books.public_views import last_twelve_months
from ojodeagua.books.tests.factories import D, add_household, add_rule, treasurers_new_committee
from ojodeagua.books.tests.test_padron_import import good_file

PAID = PaidMonth._meta.db_table
STEPS = PaidStep._meta.db_table

# Whole months (read from the steps) and a few days (asked of the receipts).
WINDOWS = [
    (D(2025, 11, 1), D(2026, 4, 30)),
    (D(2026, 1, 1), D(2026, 1, 31)),
    (D(2026, 2, 1), D(2026, 3, 31)),
    (D(2025, 12, 1), D(2026, 2, 28)),
    (D(2026, 3, 1), D(2026, 4, 30)),
    (D(2026, 2, 10), D(2026, 3, 20)),
]
DAYS = [D(2025, 11, 3) + datetime.timedelta(days=7 * week) for week in range(25)]


def tesorera() -> User:
    return User.objects.get(username="tesorera")


def payers_long_way(provider, start: datetime.date, end: datetime.date) -> int:
    """The served households that paid in [start, end], counted from the receipts one by one."""
    served = {
        toma.household_id
        for toma in Connection.objects.filter(provider=provider, household__isnull=False)
        if toma.status != Connection.Status.EXEMPT
    }
    paid = {
        payment.connection.household_id
        for payment in Payment.objects.filter(
            provider=provider, void__isnull=True, connection__isnull=False
        ).select_related("connection")
        if start <= payment.paid_on <= end
    }
    return len(served & paid)


def kept_rows(provider) -> tuple[set, set]:
    """The kept rows that count something (a row at zero says what no row says)."""
    months = set(
        PaidMonth.objects.filter(provider=provider)
        .exclude(receipts=0)
        .values_list("connection_id", "month", "receipts")
    )
    steps = set(
        PaidStep.objects.filter(provider=provider)
        .exclude(households=0)
        .values_list("month", "previous", "households")
    )
    return months, steps


def assert_kept_holds(provider) -> None:
    for start, end in WINDOWS:
        served, paying = indicators.households_paying(provider, start, end)
        assert paying == indicators.receipt_payers(provider, start, end), (start, end)
        assert paying == payers_long_way(provider, start, end), (start, end)
        assert served == indicators.served_households(provider).count()
    assert record_checks.paid_figures(provider.pk) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kept_payers_are_the_receipts_payers_after_any_sequence(db, seed):
    rng = random.Random(seed)
    provider = treasurers_new_committee()
    rule = add_rule(provider)
    exempt = {"status": "exempt", "exemption": rule, "exemption_reason": "Tiene 80 años"}
    homes = [add_household(provider, str(number)) for number in range(1, 7)]
    tomas = [
        Connection.objects.create(provider=provider, household=homes[0], code="T-1"),
        Connection.objects.create(provider=provider, household=homes[0], code="T-2"),
        Connection.objects.create(provider=provider, household=homes[1], code="T-3"),
        Connection.objects.create(provider=provider, household=homes[2], code="T-4", **exempt),
        Connection.objects.create(provider=provider, household=homes[3], code="T-5", **exempt),
        Connection.objects.create(provider=provider, household=homes[3], code="T-6"),
        Connection.objects.create(provider=provider, household=homes[4], code="T-7"),
        # A public tap: its receipts are nobody's household's.
        Connection.objects.create(provider=provider, code="H-1", kind="public_tap"),
    ]
    for step in range(30):
        action = rng.choice(["pay", "pay", "pay", "void", "move", "status"])
        if action == "pay":
            items = [
                PaymentIn(f"{seed}-{step}-{n}", "50", rng.choice(DAYS), rng.choice(tomas))
                for n in range(rng.randint(1, 3))
            ]
            record_payments(provider, items)
        elif action == "void":
            live = list(Payment.objects.filter(provider=provider, void__isnull=True))
            if live:
                payment = rng.choice(live)
                void_payment(payment, "Se anotó mal", on=payment.paid_on)
        elif action == "move":
            toma = Connection.objects.get(pk=rng.choice(tomas).pk)
            toma.household = rng.choice([*homes, None])
            padron.save_connection(tesorera(), toma)
        else:
            toma = Connection.objects.get(pk=rng.choice(tomas).pk)
            if toma.status == Connection.Status.EXEMPT:
                toma.status, toma.exemption, toma.exemption_reason = "active", None, ""
            else:
                for name, value in exempt.items():
                    setattr(toma, name, value)
            padron.save_connection(tesorera(), toma)
        if step % 5 == 4:
            assert_kept_holds(provider)
    assert_kept_holds(provider)
    # Filled again from the receipts (as the migration and the benchmark do): the same rows.
    before = kept_rows(provider)
    assert before[1], "the sequence paid nothing: the test would prove nothing"
    kept.rebuild([provider.pk])
    assert kept_rows(provider) == before
    kept.rebuild()  # every provider's, the migration's statements
    assert kept_rows(provider) == before


def test_a_toma_moved_by_the_padron_import_takes_its_receipts_along(db):
    provider = treasurers_new_committee()
    add_rule(
        provider,
        name="Personas adultas mayores",
        approved_on=D(2025, 3, 2),
        minutes_reference="Acta 3/2025",
    )
    import_padron(provider, good_file(provider), user=tesorera())
    toma = Connection.objects.get(provider=provider, code="T-2B")
    other = Connection.objects.get(provider=provider, code="T-2")
    record_payments(
        provider,
        [
            PaymentIn("r1", "80", D(2026, 1, 3), other),
            PaymentIn("r2", "80", D(2026, 2, 3), toma),
        ],
    )
    year = (D(2026, 1, 1), D(2026, 12, 31))
    # Household 2 paid in January and February; household 4 has no toma yet.
    assert indicators.households_paying(provider, *year)[1] == 1
    import_padron(provider, good_file(provider, owner_2b="4"), user=tesorera())
    assert Connection.objects.get(pk=toma.pk).household.number == "4"
    _served, paying = indicators.households_paying(provider, *year)
    assert paying == indicators.receipt_payers(provider, *year) == 2
    # February is household 4's first paid month now, no longer household 2's second.
    assert kept_rows(provider)[1] == {(D(2026, 1, 1), NO_MONTH, 1), (D(2026, 2, 1), NO_MONTH, 1)}
    assert record_checks.paid_figures(provider.pk) == []


def verify(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


@pytest.fixture
def paid(db):
    """Two households: the first paid in January and March, the second in February."""
    provider = treasurers_new_committee("Comité de Agua El Ojo")
    first = add_household(provider, "1", code="T-01")
    second = add_household(provider, "2", code="T-02")
    tomas = {home.number: home.connections.get() for home in (first, second)}
    record_payments(
        provider,
        [
            PaymentIn("a", "50", D(2026, 1, 10), tomas["1"]),
            PaymentIn("b", "50", D(2026, 3, 10), tomas["1"]),
            PaymentIn("c", "50", D(2026, 2, 10), tomas["2"]),
        ],
    )
    return provider


def change(sql: str, params: list) -> None:
    """Kept figures carry no trigger (posting updates them): anyone who writes SQL can."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_ledger_verify_names_a_tomas_paid_month_changed_in_the_database(paid):
    output, code = verify("--provider", str(paid.pk))
    assert code == 0, output
    change(
        f"UPDATE {PAID} SET receipts = receipts + 1 WHERE provider_id = %s AND month = %s",
        [paid.pk, D(2026, 3, 1)],
    )
    output, code = verify("--provider", str(paid.pk))
    assert code == 1
    assert output.strip() == (
        "Comité de Agua El Ojo: los recibos de la toma T-01 en 03/2026 no coinciden con sus pagos"
    )


@pytest.mark.parametrize(
    ("sql", "sentence"),
    [
        (
            f"UPDATE {STEPS} SET households = households + 1 WHERE provider_id = %s "
            f"AND month = '2026-02-01'",
            "los hogares que pagaron por primera vez en 02/2026 no coinciden con sus pagos",
        ),
        (
            f"UPDATE {STEPS} SET previous = '2025-12-01' WHERE provider_id = %s "
            f"AND month = '2026-03-01'",
            "los hogares que pagaron en 03/2026, la vez anterior en 12/2025, no coinciden con "
            "sus pagos (y 1 cifra más así)",
        ),
    ],
)
def test_ledger_verify_names_a_households_step_changed_in_the_database(paid, sql, sentence):
    year = (D(2026, 1, 1), D(2026, 12, 31))
    assert indicators.households_paying(paid, *year) == (2, 2)
    change(sql, [paid.pk])
    output, code = verify("--provider", str(paid.pk))
    assert code == 1
    assert output.strip() == f"Comité de Agua El Ojo: {sentence}"


@pytest.mark.parametrize("today", [D(2026, 1, 1), D(2026, 3, 15), D(2024, 3, 31), D(2026, 12, 31)])
def test_the_books_pages_year_is_whole_months_so_it_reads_the_steps(today):
    start, end = last_twelve_months(today)
    assert indicators.whole_months(start, end)
    assert not indicators.whole_months(start, end - datetime.timedelta(days=1))
    assert not indicators.whole_months(start + datetime.timedelta(days=1), end)


def test_whole_months_read_no_receipt_and_other_days_read_them(paid):
    payments = f'"{Payment._meta.db_table}"'
    with CaptureQueriesContext(connection) as whole:
        assert indicators.households_paying(paid, D(2026, 2, 1), D(2026, 3, 31)) == (2, 2)
    assert len(whole.captured_queries) == 3
    assert not any(payments in query["sql"] for query in whole.captured_queries)
    with CaptureQueriesContext(connection) as days:
        assert indicators.households_paying(paid, D(2026, 2, 1), D(2026, 3, 9)) == (2, 1)
    assert any(payments in query["sql"] for query in days.captured_queries)
