"""Red flags: named data checks that a catalogue risk can point to (``Signal.check_code``).

Checks live here, in code; which risk shows which check is data, so a new check is attached
to a risk without touching the catalogue code. A check answers for one provider on one day:
a ``Finding`` when it can tell, or ``None`` when the data it needs does not exist (the books'
checks, for a committee that does not keep its books in Ojo de Agua).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ojodeagua.books.models import lives_on_sales
from ojodeagua.books.selectors import (
    MoneyIn,
    ReceiptNumbers,
    keeping_books,
    last_deposits,
    money_in,
    receipt_numbers_of,
)
from ojodeagua.lib.money import mxn
from ojodeagua.providers.models import Provider

CHECKS: dict[str, object] = {
    "no_chlorine_reading_30_days": gettext_lazy(
        "Sin lectura de cloro en 30 días en un sistema que clora"
    ),
    "complaints_overdue": gettext_lazy("Quejas abiertas después de su fecha para responder"),
    "no_deposit_60_days": gettext_lazy("Sin depósito registrado en 60 días"),
    "expenses_under_threshold": gettext_lazy(
        "Muchos gastos apenas debajo del monto que pide cotizaciones"
    ),
    "receipt_sequence_gaps": gettext_lazy("Huecos en la numeración de los recibos"),
}
CHLORINE_WINDOW_DAYS = 30
# What a check waits for when it cannot tell yet, said so on the page instead of staying quiet.
BOOKS_PENDING = gettext_lazy("Se podrá revisar cuando el comité lleve sus cuentas en Ojo de Agua.")
WAITING_FOR: dict[str, object] = {
    "no_deposit_60_days": BOOKS_PENDING,
    "expenses_under_threshold": BOOKS_PENDING,
    "receipt_sequence_gaps": BOOKS_PENDING,
}


def waiting_for(code: str) -> str:
    """Why a check cannot answer yet, in words for the page."""
    return str(
        WAITING_FOR.get(
            code, gettext_lazy("Ojo de Agua todavía no tiene los datos para revisarlo.")
        )
    )


def url_or_blank(name: str, *args) -> str:
    """The record's page, or "" while that page is not built yet (the label still shows)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@dataclass
class Finding:
    fired: bool
    detail: str
    # (label, url) of the records that show it, so the committee can look for itself.
    evidence: list[tuple[str, str]] = field(default_factory=list)


def complaints_findings(providers, on: datetime.date) -> dict[int, Finding]:
    """Provider id → ``complaints_overdue`` for each, in one query whatever their number."""
    from .models import Complaint

    providers = list(providers)
    overdue: dict[int, list] = {p.pk: [] for p in providers}
    for complaint in (
        Complaint.objects.filter(provider_id__in=list(overdue)).overdue(on).order_by("respond_by")
    ):
        overdue[complaint.provider_id].append(complaint)
    return {p.pk: overdue_finding(overdue[p.pk]) for p in providers}


def complaints_overdue(provider: Provider, on: datetime.date) -> Finding:
    return overdue_finding(list(provider.complaints.overdue(on).order_by("respond_by")))


def overdue_finding(overdue: list) -> Finding:
    if not overdue:
        return Finding(False, _("Ninguna queja espera respuesta después de su fecha."))
    return Finding(
        True,
        ngettext(
            "%(count)s queja sigue sin respuesta después de su fecha; debía responderse el "
            "%(date)s.",
            "%(count)s quejas siguen sin respuesta después de su fecha; la más atrasada "
            "debía responderse el %(date)s.",
            len(overdue),
        )
        % {"count": len(overdue), "date": overdue[0].respond_by.strftime("%d/%m/%Y")},
        [(str(c), url_or_blank("integrity:complaint_detail", c.pk)) for c in overdue],
    )


def chlorine_findings(providers, on: datetime.date) -> dict[int, Finding]:
    """Provider id → whether a system it runs that chlorinates (its last validated visit says
    so, or with no visit, it has a chlorinator) had no validated free-chlorine reading in the
    last 30 days. One query for any number of providers."""
    from django.db.models import Exists, OuterRef, Subquery

    from ojodeagua.monitoring.models import SystemVisit
    from ojodeagua.waterquality.models import Result
    from ojodeagua.watersystems.models import Component, WaterSystem

    providers = list(providers)
    since = on - datetime.timedelta(days=CHLORINE_WINDOW_DAYS)
    last_visit = (
        SystemVisit.objects.validated()
        .filter(system=OuterRef("pk"), observed_on__lte=on)
        .order_by("-observed_on", "-pk")
    )
    systems = WaterSystem.objects.filter(provider_id__in=[p.pk for p in providers]).annotate(
        last_chlorination=Subquery(last_visit.values("chlorination")[:1]),
        has_chlorinator=Exists(
            Component.objects.filter(system=OuterRef("pk"), kind=Component.Kind.CHLORINATOR)
        ),
        read=Exists(
            Result.objects.filter(
                sample__system=OuterRef("pk"),
                sample__state="validated",
                sample__observed_on__range=(since, on),
                parameter__code="free_chlorine",
            )
        ),
    )
    chlorinating: dict[int, int] = {}
    silent: dict[int, list] = {}
    for system in systems:
        chlorinates = (
            system.last_chlorination != "none"
            if system.last_chlorination is not None
            else system.has_chlorinator
        )
        if not chlorinates:
            continue
        chlorinating[system.provider_id] = chlorinating.get(system.provider_id, 0) + 1
        if not system.read:
            silent.setdefault(system.provider_id, []).append(system)
    return {
        p.pk: chlorine_finding(chlorinating.get(p.pk, 0), silent.get(p.pk, [])) for p in providers
    }


def chlorine_finding(chlorinating: int, silent: list) -> Finding:
    if not chlorinating:
        return Finding(
            False, _("Ningún sistema del comité clora, según su última visita o sus componentes.")
        )
    if not silent:
        return Finding(False, _("Los sistemas que cloran tienen lectura de cloro del último mes."))
    return Finding(
        True,
        _("Sin lectura de cloro en los últimos 30 días: %(systems)s.")
        % {"systems": ", ".join(s.name for s in silent)},
        [(s.name, s.get_absolute_url()) for s in silent],
    )


def no_chlorine_reading_30_days(provider: Provider, on: datetime.date) -> Finding:
    """A system that chlorinates with no validated free-chlorine reading in the last 30 days
    (``chlorine_findings`` for one provider)."""
    return chlorine_findings([provider], on)[provider.pk]


DEPOSIT_WINDOW_DAYS = 60
# "Just under" the amount that asks for three quotes: within 15 % below it.
UNDER_THRESHOLD_SHARE = Decimal("0.85")
UNDER_THRESHOLD_COUNT = 3
UNDER_THRESHOLD_WINDOW_DAYS = 365


def keeps_books(provider: Provider) -> bool:
    return provider.pk in keeping_books([provider.pk])


def sales_in_words(came_in: MoneyIn) -> str:
    """The sales (and cash receipts, if any) that came in, to open a sentence."""
    if came_in.received_in_cash:
        return _("Se anotaron ventas por %(sold)s y cobros en efectivo por %(received)s") % {
            "sold": mxn(came_in.sold),
            "received": mxn(came_in.received_in_cash),
        }
    return _("Se anotaron ventas por %(sold)s") % {"sold": mxn(came_in.sold)}


def no_deposit_findings(providers, on: datetime.date) -> dict[int, Finding | None]:
    """Provider id → ``no_deposit_60_days`` for each, in five queries whatever their number."""
    from ojodeagua.books.models import MoneyAccount

    providers = list(providers)
    keeping = keeping_books([p.pk for p in providers])
    since = on - datetime.timedelta(days=DEPOSIT_WINDOW_DAYS)
    came_in = money_in(keeping, since, on)
    with_account = set(
        MoneyAccount.objects.filter(provider_id__in=keeping)
        .values_list("provider_id", flat=True)
        .order_by()
    )
    last = last_deposits(keeping, on)
    return {
        p.pk: deposit_finding(
            p, came_in.get(p.pk, MoneyIn()), p.pk in with_account, last.get(p.pk), on
        )
        if p.pk in keeping
        else None
        for p in providers
    }


def no_deposit_60_days(provider: Provider, on: datetime.date) -> Finding | None:
    """``no_deposit_findings`` for one provider."""
    return no_deposit_findings([provider], on)[provider.pk]


def deposit_finding(
    provider: Provider,
    came_in: MoneyIn,
    has_account: bool,
    last: datetime.date | None,
    on: datetime.date,
) -> Finding:
    """Cash came in during the last 60 days and none of it reached the bank or cooperative.

    The cash is what the provider's money is: receipts paid in cash for a committee, sales for a
    kiosk or a school (a sale is always cash), both when there are both. The sentences speak of
    sales whenever there were sales."""
    since = on - datetime.timedelta(days=DEPOSIT_WINDOW_DAYS)
    if not came_in.cash:
        if lives_on_sales(provider):
            return Finding(False, _("No se anotaron ventas en los últimos 60 días."))
        return Finding(False, _("No hubo cobros en efectivo en los últimos 60 días."))
    sold = sales_in_words(came_in) if came_in.sold else None

    def said(about_sales: str, about_receipts: str, **values) -> str:
        """The sentence that names the sales when there were any; the committee's otherwise."""
        return about_sales % {"sold": sold, **values} if sold else about_receipts % values

    if not has_account:
        return Finding(
            True,
            said(
                _(
                    "%(sold)s en los últimos 60 días, pero no hay cuenta de banco o cooperativa "
                    "anotada."
                ),
                _(
                    "El comité cobra en efectivo pero no tiene cuenta de banco o cooperativa "
                    "anotada."
                ),
            ),
        )
    if last is None:
        return Finding(
            True,
            said(
                _(
                    "%(sold)s en los últimos 60 días, pero nunca se ha anotado un depósito en el "
                    "banco o la cooperativa."
                ),
                _("Se cobró en efectivo y nunca se ha anotado un depósito."),
            ),
        )
    date = last.strftime("%d/%m/%Y")
    if last >= since:
        return Finding(
            False,
            said(
                _("%(sold)s en los últimos 60 días; último depósito: %(date)s."),
                _("Último depósito: %(date)s."),
                date=date,
            ),
        )
    return Finding(
        True,
        said(
            _(
                "%(sold)s en los últimos 60 días, pero no hay depósitos en el banco o la "
                "cooperativa desde el %(date)s (%(days)s días)."
            ),
            _("Se cobró en efectivo y no hay depósito desde el %(date)s (%(days)s días)."),
            date=date,
            days=(on - last).days,
        ),
    )


def expenses_findings(providers, on: datetime.date) -> dict[int, Finding | None]:
    """Provider id → ``expenses_under_threshold`` for each, in three queries whatever their
    number."""
    from ojodeagua.books.models import BooksSettings, Expense

    providers = list(providers)
    keeping = keeping_books([p.pk for p in providers])
    default = BooksSettings().quotes_threshold
    thresholds = {provider_id: default for provider_id in keeping}
    thresholds.update(
        BooksSettings.objects.filter(provider_id__in=keeping).values_list(
            "provider_id", "quotes_threshold"
        )
    )
    since = on - datetime.timedelta(days=UNDER_THRESHOLD_WINDOW_DAYS)
    near: dict[int, list] = {}
    if thresholds:
        candidates = Expense.objects.filter(
            provider_id__in=keeping,
            spent_on__range=(since, on),
            amount__gte=just_under(min(thresholds.values())),
            amount__lt=max(thresholds.values()),
        ).order_by("spent_on", "pk")
        for expense in candidates:
            threshold = thresholds[expense.provider_id]
            if just_under(threshold) <= expense.amount < threshold:
                near.setdefault(expense.provider_id, []).append(expense)
    return {
        p.pk: under_threshold_finding(thresholds[p.pk], near.get(p.pk, []))
        if p.pk in keeping
        else None
        for p in providers
    }


def just_under(threshold: Decimal) -> Decimal:
    """The least amount that counts as "just under" the threshold."""
    return (threshold * UNDER_THRESHOLD_SHARE).quantize(Decimal("0.01"))


def expenses_under_threshold(provider: Provider, on: datetime.date) -> Finding | None:
    """Several expenses in a year just below the amount that asks for three quotes: a purchase
    split to avoid quoting looks like this (``expenses_findings`` for one provider)."""
    return expenses_findings([provider], on)[provider.pk]


def under_threshold_finding(threshold: Decimal, near: list) -> Finding:
    if len(near) < UNDER_THRESHOLD_COUNT:
        return Finding(
            False,
            _("Pocos gastos quedan justo debajo de %(threshold)s en el último año.")
            % {"threshold": mxn(threshold)},
        )
    return Finding(
        True,
        _(
            "%(count)s gastos del último año quedaron justo debajo de %(threshold)s, el monto "
            "desde el que se piden tres cotizaciones."
        )
        % {"count": len(near), "threshold": mxn(threshold)},
        [(str(expense), "") for expense in near],
    )


def receipt_findings(providers, on: datetime.date) -> dict[int, Finding | None]:
    """Provider id → ``receipt_sequence_gaps`` for each, in four queries whatever their
    number."""
    providers = list(providers)
    keeping = keeping_books([p.pk for p in providers])
    numbers = receipt_numbers_of(keeping)
    return {p.pk: gaps_finding(p, numbers[p.pk]) if p.pk in keeping else None for p in providers}


def receipt_sequence_gaps(provider: Provider, on: datetime.date) -> Finding | None:
    """Receipt numbers missing between 1 and the last one given: the application never skips
    one, so a gap means a receipt was removed behind its back. The same numbers ``ledger
    verify`` reports (``books.selectors.receipt_numbers``)."""
    return receipt_findings([provider], on)[provider.pk]


def gaps_finding(provider: Provider, numbers: ReceiptNumbers) -> Finding:
    if not numbers.last:
        if lives_on_sales(provider):
            # A kiosk's or a school's money is its sales, which carry no receipt number.
            return Finding(
                False, _("Las ventas no llevan número de recibo: no hay folios que revisar.")
            )
        return Finding(False, _("Todavía no hay recibos."))
    missing = numbers.missing
    if not missing:
        return Finding(
            False,
            _("Los recibos del 1 al %(last)s están todos, sin huecos.") % {"last": numbers.last},
        )
    shown = ", ".join(str(n) for n in missing[:10]) + ("…" if len(missing) > 10 else "")
    return Finding(
        True,
        ngettext(
            "Falta %(count)s número de recibo: %(numbers)s.",
            "Faltan %(count)s números de recibo: %(numbers)s.",
            len(missing),
        )
        % {"count": len(missing), "numbers": shown},
    )


RUNNERS: dict[str, Callable[[Provider, datetime.date], Finding | None]] = {
    "complaints_overdue": complaints_overdue,
    "no_chlorine_reading_30_days": no_chlorine_reading_30_days,
    "no_deposit_60_days": no_deposit_60_days,
    "expenses_under_threshold": expenses_under_threshold,
    "receipt_sequence_gaps": receipt_sequence_gaps,
}


# The same checks for many providers at once, each in a fixed number of queries.
BATCH_RUNNERS: dict[str, Callable[[list[Provider], datetime.date], dict]] = {
    "complaints_overdue": complaints_findings,
    "no_chlorine_reading_30_days": chlorine_findings,
    "no_deposit_60_days": no_deposit_findings,
    "expenses_under_threshold": expenses_findings,
    "receipt_sequence_gaps": receipt_findings,
}
BOOKS_CHECKS = ("no_deposit_60_days", "expenses_under_threshold", "receipt_sequence_gaps")


def run_check(code: str, provider: Provider, on: datetime.date) -> Finding | None:
    """None when the check needs data the project does not keep for this provider."""
    runner = RUNNERS.get(code)
    return runner(provider, on) if runner else None


@dataclass
class RiskFlag:
    """One data check's answer, shown next to the risk that points to it."""

    check_code: str
    label: str
    finding: Finding


def flags_for(provider: Provider, risks, on: datetime.date) -> dict[int, list[RiskFlag]]:
    """Risk pk → the answers of the checks its signals name (checks without data are left out).

    Each check runs once per provider even when several risks point to it.
    """
    from .models import Signal

    answers: dict[str, Finding | None] = {}
    flags: dict[int, list[RiskFlag]] = {}
    for signal in Signal.objects.filter(risk__in=risks).order_by("risk__code", "check_code"):
        if signal.check_code not in answers:
            answers[signal.check_code] = run_check(signal.check_code, provider, on)
        finding = answers[signal.check_code]
        if finding is not None:
            flags.setdefault(signal.risk_id, []).append(
                RiskFlag(signal.check_code, str(CHECKS.get(signal.check_code, "")), finding)
            )
    return flags


def flags_for_many(
    risks_of: dict[Provider, list], on: datetime.date
) -> dict[int, dict[int, list[RiskFlag]]]:
    """Provider id → ``flags_for`` of that provider and its risks, for many providers at once.

    Each check the providers' risks point to runs once for all of them (``BATCH_RUNNERS``), so
    the queries do not grow with the providers: the agency's table of committees asks here.
    """
    from .models import Signal

    wanted = {risk for risks in risks_of.values() for risk in risks}
    signals: dict[int, list[str]] = {}
    for risk_id, code in (
        Signal.objects.filter(risk__in=wanted)
        .order_by("risk__code", "check_code")
        .values_list("risk_id", "check_code")
    ):
        signals.setdefault(risk_id, []).append(code)
    needing: dict[str, list[Provider]] = {}
    for provider, risks in risks_of.items():
        codes = {code for risk in risks for code in signals.get(risk, [])}
        for code in codes:
            needing.setdefault(code, []).append(provider)
    answers: dict[str, dict[int, Finding | None]] = {}
    for code, providers in needing.items():
        if code in BATCH_RUNNERS:
            answers[code] = BATCH_RUNNERS[code](providers, on)
        else:
            answers[code] = {p.pk: run_check(code, p, on) for p in providers}
    result: dict[int, dict[int, list[RiskFlag]]] = {}
    for provider, risks in risks_of.items():
        flags: dict[int, list[RiskFlag]] = {}
        # In the order flags_for gives: by risk code, then check code.
        mine = set(risks)
        for risk_id, codes in signals.items():
            if risk_id not in mine:
                continue
            for code in codes:
                finding = answers[code][provider.pk]
                if finding is not None:
                    flags.setdefault(risk_id, []).append(
                        RiskFlag(code, str(CHECKS.get(code, "")), finding)
                    )
        result[provider.pk] = flags
    return result


class ProviderFlag(NamedTuple):
    """One check's answer for a provider, with the catalogue risks that point to it."""

    check_code: str
    label: str
    finding: Finding | None
    risks: list

    @property
    def state(self) -> str:
        """fired, quiet, or unavailable (the check cannot tell yet)."""
        if self.finding is None:
            return "unavailable"
        return "fired" if self.finding.fired else "quiet"

    @property
    def waiting_for(self) -> str:
        return waiting_for(self.check_code)


STATE_ORDER = {"fired": 0, "quiet": 1, "unavailable": 2}


def flags_catalogue(provider: Provider):
    """The catalogue version of the provider's latest cycle, or the current one without cycles."""
    from .models import CatalogueVersion

    latest = provider.integrity_cycles.select_related("catalogue").order_by("-number").first()
    return latest.catalogue if latest else CatalogueVersion.current()


def provider_flags(provider: Provider, on: datetime.date) -> list[ProviderFlag]:
    """Every check the provider's catalogue names, each run once: fired first, then quiet,
    then those that cannot tell yet (their finding is None)."""
    from .models import WORKSHOP_PROVIDER_KINDS, Signal

    version = flags_catalogue(provider)
    if version is None:
        return []
    risks_by_check: dict[str, list] = {}
    signals = (
        Signal.objects.filter(risk__version=version)
        .select_related("risk")
        .order_by("risk__code", "check_code")
    )
    for signal in signals:
        # A check is shown for the risks asked of this kind of provider: a kiosk's page does not
        # point at the committee's risk about tomas.
        # (A provider that runs no workshop, a municipal office, still sees every check.)
        if provider.kind not in WORKSHOP_PROVIDER_KINDS or signal.risk.applies_to(provider.kind):
            risks_by_check.setdefault(signal.check_code, []).append(signal.risk)
    flags = [
        ProviderFlag(code, str(CHECKS.get(code, code)), run_check(code, provider, on), risks)
        for code, risks in risks_by_check.items()
    ]
    return sorted(flags, key=lambda flag: (STATE_ORDER[flag.state], flag.risks[0].code))
