"""Cash: what the box should hold, cash counts with two signers, deposits, expenses, sales.

Each function writes one record, audits it and posts its entry in one transaction:

* money account: a bank or cooperative account where deposits go; it posts nothing;
* cash count: only its difference — short, Dr other expenses / Cr cash ("faltante de caja");
  over, Dr cash / Cr other income ("sobrante de caja");
* deposit: Dr bank (or reserve, for the reserve-fund account) / Cr cash;
* expense: Dr the category's expense account / Cr cash or bank;
* sale: Dr cash / Cr sales income;
* opening balance: Dr cash, bank, reserve / Cr opening balance, once per provider.
"""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from ojodeagua.audit.models import AuditEvent
from ojodeagua.audit.trail import record
from ojodeagua.lib.money import mxn

from . import ledger
from .models import (
    ZERO,
    Account,
    BooksSettings,
    CashCount,
    Deposit,
    Expense,
    JournalEntry,
    JournalLine,
    MoneyAccount,
    Quote,
    Sale,
    Signer,
)
from .postings import (
    CENT,
    EXPENSE_ACCOUNTS,
    create_audited,
    lock,
    past_day,
    person,
    positive,
    post,
    record_id_or_new,
    replayed,
    to_money,
)


def plain_number(value: Decimal) -> str:
    """12.00 → "12", 2.50 → "2.5": a quantity as people say it."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def expected_cash(provider, on: datetime.date) -> Decimal:
    """What the cash box should hold at the end of ``on``, from the ledger."""
    return ledger.balances(provider.pk, until=on).get(Account.CASH, ZERO)


def cash_available(provider, on: datetime.date) -> Decimal:
    """The most cash that can leave the box on ``on`` without the books ever showing it below
    zero afterwards (later entries already on file count too)."""
    lowest = balance = expected_cash(provider, on)
    later = (
        JournalLine.objects.filter(
            entry__provider_id=provider.pk, account=Account.CASH, entry__entry_date__gt=on
        )
        .values("entry__entry_date")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by("entry__entry_date")
    )
    for row in later:
        balance += (row["d"] or ZERO) - (row["c"] or ZERO)
        lowest = min(lowest, balance)
    return lowest


# Cash counts -------------------------------------------------------------------------------------
def record_cash_count(
    provider,
    *,
    counted_on: datetime.date,
    counted,
    first_signer: str,
    second_signer: str,
    notes: str = "",
    record_id: str | None = None,
    user=None,
) -> CashCount:
    """A corte de caja: the cash counted by two people against what the books say.

    A difference is posted so the books hold what was really counted, and stays visible as a
    shortfall (an expense) or a surplus (other income) for the assembly.
    """
    counted_on = past_day(counted_on, _("la fecha del corte"))
    counted = to_money(counted, _("Lo que se contó"))
    if counted < ZERO:
        raise ValidationError(_("Lo que se contó no puede ser menos de cero."))
    signers = {first_signer, second_signer}
    if not signers <= set(Signer.values):
        raise ValidationError(_("Elija el cargo de cada una de las dos personas que firman."))
    if first_signer == second_signer:
        raise ValidationError(
            _("El corte lo firman dos personas con cargos distintos; elija otra segunda firma.")
        )
    wanted = {
        "counted_on": counted_on,
        "counted": counted,
        "first_signer": first_signer,
        "second_signer": second_signer,
    }
    if stored := replayed(CashCount, record_id, provider, wanted):
        return stored
    with transaction.atomic():
        lock(provider.pk)
        if stored := replayed(CashCount, record_id, provider, wanted):
            return stored
        expected = expected_cash(provider, counted_on)
        count = CashCount(
            provider=provider,
            record_id=record_id_or_new(record_id),
            counted_on=counted_on,
            expected=expected,
            counted=counted,
            first_signer=first_signer,
            second_signer=second_signer,
            notes=notes,
            recorded_by=person(user),
        )
        create_audited(user, count)
        difference = counted - expected
        if difference < ZERO:
            post(
                count,
                counted_on,
                _("Corte de caja: faltante de caja de %(amount)s") % {"amount": mxn(-difference)},
                [
                    ledger.debit(Account.EXPENSE_OTHER, -difference),
                    ledger.credit(Account.CASH, -difference),
                ],
                user=user,
            )
        elif difference > ZERO:
            post(
                count,
                counted_on,
                _("Corte de caja: sobrante de caja de %(amount)s") % {"amount": mxn(difference)},
                [
                    ledger.debit(Account.CASH, difference),
                    ledger.credit(Account.INCOME_OTHER, difference),
                ],
                user=user,
            )
    return count


# Accounts ----------------------------------------------------------------------------------------
def add_money_account(
    provider,
    *,
    institution: str,
    kind: str,
    last_digits: str = "",
    is_reserve: bool = False,
    record_id: str | None = None,
    user=None,
) -> MoneyAccount:
    """A bank or cooperative account where the committee deposits; the same ``record_id`` sent
    again returns the stored account instead of adding it twice."""
    institution = (institution or "").strip()[:200]
    if not institution:
        raise ValidationError(_("Anote el nombre del banco o de la cooperativa."))
    if kind not in MoneyAccount.Kind.values:
        raise ValidationError(_("Elija si la cuenta es de un banco o de una cooperativa."))
    last_digits = (last_digits or "").strip()
    if last_digits and not re.fullmatch(r"\d{4}", last_digits):
        raise ValidationError(_("Escriba los últimos 4 dígitos, solo números."))
    wanted = {
        "institution": institution,
        "kind": kind,
        "last_digits": last_digits,
        "is_reserve": bool(is_reserve),
    }
    if stored := replayed(MoneyAccount, record_id, provider, wanted):
        return stored
    with transaction.atomic():
        lock(provider.pk)
        if stored := replayed(MoneyAccount, record_id, provider, wanted):
            return stored
        account = MoneyAccount(provider=provider, record_id=record_id_or_new(record_id), **wanted)
        create_audited(user, account)
    return account


# Deposits ----------------------------------------------------------------------------------------
def record_deposit(
    provider,
    *,
    account: MoneyAccount,
    deposited_on: datetime.date,
    amount,
    slip_reference: str = "",
    slip_photo=None,
    record_id: str | None = None,
    user=None,
) -> Deposit:
    """Cash taken to the bank or cooperative; never more than the cash the books hold."""
    deposited_on = past_day(deposited_on, _("la fecha del depósito"))
    amount = positive(amount, _("El monto del depósito"))
    if account.provider_id != provider.pk:
        raise ValidationError(_("Esa cuenta es de otro comité; elija una cuenta de este comité."))
    wanted = {"account_id": account.pk, "deposited_on": deposited_on, "amount": amount}
    if stored := replayed(Deposit, record_id, provider, wanted):
        return stored
    with transaction.atomic():
        lock(provider.pk)
        if stored := replayed(Deposit, record_id, provider, wanted):
            return stored
        available = cash_available(provider, deposited_on)
        if amount > available:
            raise ValidationError(
                _(
                    "Las cuentas dicen que en caja hay %(cash)s para el %(date)s y el depósito es "
                    "de %(amount)s. Revise el monto, o anote primero los cobros que faltan."
                )
                % {
                    "cash": mxn(max(available, ZERO)),
                    "date": deposited_on.strftime("%d/%m/%Y"),
                    "amount": mxn(amount),
                }
            )
        deposit = Deposit(
            provider=provider,
            record_id=record_id_or_new(record_id),
            account=account,
            deposited_on=deposited_on,
            amount=amount,
            slip_reference=slip_reference,
            recorded_by=person(user),
        )
        if slip_photo:
            deposit.slip_photo = slip_photo
        create_audited(user, deposit)
        into = Account.RESERVE if account.is_reserve else Account.BANK
        post(
            deposit,
            deposited_on,
            _("Depósito en %(account)s") % {"account": account},
            [ledger.debit(into, amount), ledger.credit(Account.CASH, amount)],
            user=user,
        )
    return deposit


# Expenses ----------------------------------------------------------------------------------------
def quotes_threshold(provider) -> Decimal:
    """The amount from which the assembly asks for three quotes (its setting, or the default)."""
    settings_row, _created = BooksSettings.objects.get_or_create(provider=provider)
    return settings_row.quotes_threshold


def _checked_quotes(quotes: list, amount: Decimal, threshold: Decimal) -> list[Quote]:
    """The quotes as rows, after the assembly's rule: from the threshold up, three or more
    quotes, exactly one chosen, and the expense is what the chosen quote says."""
    rows = []
    for quote in quotes or []:
        values = quote if isinstance(quote, dict) else vars(quote)
        supplier = (values.get("supplier") or "").strip()
        if not supplier:
            raise ValidationError(_("Cada cotización lleva el nombre de quien la dio."))
        rows.append(
            Quote(
                supplier=supplier[:200],
                amount=positive(values.get("amount"), _("El monto de cada cotización")),
                chosen=bool(values.get("chosen")),
            )
        )
    needed = amount >= threshold
    if needed and len(rows) < 3:
        raise ValidationError(
            _(
                "Un gasto de %(threshold)s o más necesita tres cotizaciones, como acordó la "
                "asamblea; aquí hay %(count)s. Anote las tres (quién cotizó y cuánto)."
            )
            % {"threshold": mxn(threshold), "count": len(rows)}
        )
    if rows:
        chosen = [row for row in rows if row.chosen]
        if len(chosen) != 1:
            raise ValidationError(
                _("Marque cuál cotización se eligió: una y sólo una (hay %(count)s marcadas).")
                % {"count": len(chosen)}
            )
        if chosen[0].amount != amount:
            raise ValidationError(
                _(
                    "El gasto es de %(amount)s pero la cotización elegida (%(supplier)s) es de "
                    "%(quote)s; deben ser iguales. Corrija el monto o la cotización elegida."
                )
                % {
                    "amount": mxn(amount),
                    "supplier": chosen[0].supplier,
                    "quote": mxn(chosen[0].amount),
                }
            )
    return rows


def record_expense(
    provider,
    *,
    spent_on: datetime.date,
    category: str,
    amount,
    supplier: str,
    description: str,
    paid_from: str = Expense.PaidFrom.CASH,
    approved_by: str = "",
    receipt_photo=None,
    quotes: list | None = None,
    record_id: str | None = None,
    user=None,
) -> Expense:
    """Money spent on the service, by category; at or above the assembly's threshold it needs
    three quotes (``quotes``: dicts with ``supplier``, ``amount``, ``chosen``)."""
    spent_on = past_day(spent_on, _("la fecha del gasto"))
    amount = positive(amount, _("El monto del gasto"))
    if category not in EXPENSE_ACCOUNTS:
        raise ValidationError(_("Elija la categoría del gasto."))
    if paid_from not in Expense.PaidFrom.values:
        raise ValidationError(_("Diga de dónde salió el dinero: de la caja o de la cuenta."))
    supplier, description = (supplier or "").strip(), (description or "").strip()
    if not supplier or not description:
        raise ValidationError(_("Anote a quién se pagó y qué se compró o pagó."))
    wanted = {
        "spent_on": spent_on,
        "category": category,
        "amount": amount,
        "paid_from": paid_from,
        "supplier": supplier[:200],
    }
    if stored := replayed(Expense, record_id, provider, wanted):
        return stored
    with transaction.atomic():
        lock(provider.pk)
        if stored := replayed(Expense, record_id, provider, wanted):
            return stored
        quote_rows = _checked_quotes(quotes or [], amount, quotes_threshold(provider))
        expense = Expense(
            provider=provider,
            record_id=record_id_or_new(record_id),
            spent_on=spent_on,
            category=category,
            amount=amount,
            paid_from=paid_from,
            supplier=supplier[:200],
            description=description[:300],
            approved_by=approved_by[:200],
            recorded_by=person(user),
        )
        if receipt_photo:
            expense.receipt_photo = receipt_photo
        create_audited(user, expense)
        for quote in quote_rows:
            quote.expense = expense
            create_audited(user, quote)
        paid_with = Account.CASH if paid_from == Expense.PaidFrom.CASH else Account.BANK
        post(
            expense,
            spent_on,
            _("%(category)s: %(description)s")
            % {"category": expense.get_category_display(), "description": expense.description},
            [
                ledger.debit(EXPENSE_ACCOUNTS[category], amount),
                ledger.credit(paid_with, amount),
            ],
            user=user,
        )
    return expense


# Sales -------------------------------------------------------------------------------------------
def record_sale(
    provider,
    *,
    sold_on: datetime.date,
    product: str,
    quantity,
    unit_price,
    amount=None,
    litres=None,
    record_id: str | None = None,
    user=None,
) -> Sale:
    """Water sold by a kiosk or a school system, paid in cash."""
    sold_on = past_day(sold_on, _("la fecha de la venta"))
    if product not in Sale.Product.values:
        raise ValidationError(_("Elija qué se vendió."))
    quantity = to_money(quantity, _("La cantidad"))
    if quantity <= ZERO:
        raise ValidationError(_("La cantidad vendida debe ser mayor que cero."))
    unit_price = positive(unit_price, _("El precio unitario"))
    total = (quantity * unit_price).quantize(CENT)
    amount = total if amount is None else positive(amount, _("El total"))
    if amount != total:
        raise ValidationError(
            _("El total debe ser la cantidad por el precio unitario: %(total)s.")
            % {"total": mxn(total)}
        )
    wanted = {"sold_on": sold_on, "product": product, "quantity": quantity, "amount": amount}
    if stored := replayed(Sale, record_id, provider, wanted):
        return stored
    with transaction.atomic():
        lock(provider.pk)
        if stored := replayed(Sale, record_id, provider, wanted):
            return stored
        sale = Sale(
            provider=provider,
            record_id=record_id_or_new(record_id),
            sold_on=sold_on,
            product=product,
            quantity=quantity,
            unit_price=unit_price,
            amount=amount,
            litres=litres,
            recorded_by=person(user),
        )
        create_audited(user, sale)
        post(
            sale,
            sold_on,
            _("Venta: %(quantity)s × %(product)s")
            % {"quantity": plain_number(quantity), "product": sale.get_product_display()},
            [ledger.debit(Account.CASH, amount), ledger.credit(Account.INCOME_SALES, amount)],
            user=user,
        )
    return sale


# Opening balance ---------------------------------------------------------------------------------
def opening_source(provider) -> str:
    return f"books.opening:{provider.pk}"


def opening_balance(
    provider, cash=ZERO, bank=ZERO, reserve=ZERO, on: datetime.date | None = None, user=None
) -> JournalEntry:
    """The money a committee already had when it started keeping its books here; once only."""
    on = past_day(on, _("la fecha del saldo inicial"))
    amounts = {
        Account.CASH: to_money(cash, _("La caja")),
        Account.BANK: to_money(bank, _("El banco")),
        Account.RESERVE: to_money(reserve, _("El fondo de reserva")),
    }
    if any(amount < ZERO for amount in amounts.values()):
        raise ValidationError(_("Los saldos iniciales no pueden ser negativos."))
    total = sum(amounts.values(), ZERO)
    if total <= ZERO:
        raise ValidationError(
            _("Anote con cuánto dinero empieza el comité (caja, banco o reserva).")
        )
    with transaction.atomic():
        lock(provider.pk)
        # Once: a second opening is refused unless the first was reversed as a mistake.
        standing = JournalLine.objects.filter(
            entry__provider_id=provider.pk,
            account=Account.OPENING,
            entry__reverses__isnull=True,
            entry__reversal__isnull=True,
        )
        if standing.exists():
            raise ValidationError(
                _(
                    "Este comité ya tiene su saldo inicial. Si estaba mal, revierta ese asiento "
                    "y anote después el saldo correcto."
                )
            )
        lines = [ledger.debit(account, amount) for account, amount in amounts.items() if amount]
        lines.append(ledger.credit(Account.OPENING, total))
        entry = ledger.post_entry(
            provider.pk,
            on,
            _("Saldo inicial"),
            lines,
            source=opening_source(provider),
            user=person(user),
            locked=True,
        )
        record(
            user,
            AuditEvent.Action.CREATE,
            entry,
            {account: str(amount) for account, amount in amounts.items()},
            scope=(provider.municipality_id, provider.pk),
        )
    return entry
