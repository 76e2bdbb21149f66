"""What the public page of a locality says of its water: the one reader of every figure shown
there, the poster and the tracking page. Only validated observations and the engine's stored
figures, each with its date; no person's name, phone or debt ever leaves this module.

``locality_water`` reads a locality in a fixed number of queries, however many systems,
samples or complaints it has.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.books.models import AssemblyReport, JournalEntry
from ojodeagua.facilities.models import School
from ojodeagua.indicators.catalogue import MICROBIAL, Code
from ojodeagua.indicators.models import Entity, IndicatorValue
from ojodeagua.indicators.presentation import day_name
from ojodeagua.integrity.models import Complaint, overdue_condition
from ojodeagua.monitoring.models import SupplyDay, SystemVisit
from ojodeagua.places.models import Locality
from ojodeagua.providers.models import Provider
from ojodeagua.purifiers.selectors import PublicUnitCounts, locality_units
from ojodeagua.waterquality.models import Sample, Verdict
from ojodeagua.watersystems.models import WaterSystem

# Older than this, a fact is not "recent": the page says when the last one was, plainly.
RECENT_DAYS = 180
# How far back the page looks for outages and tests.
LOOK_BACK_DAYS = 365
OUTAGES_SHOWN = 5
COMPLAINTS_SHOWN = 10

# Where a sample was taken, as the sentence says it: "el agua de la red tuvo E. coli" (with
# its preposition: Spanish says "del kiosco", not "de el kiosco").
POINT_WORDS = {
    Sample.Point.SOURCE: gettext_lazy("de la fuente"),
    Sample.Point.TANK: gettext_lazy("del tanque"),
    Sample.Point.TAP: gettext_lazy("de la red"),
    Sample.Point.HOUSEHOLD: gettext_lazy("de una casa"),
    Sample.Point.KIOSK: gettext_lazy("del kiosco"),
    Sample.Point.SCHOOL: gettext_lazy("de la escuela"),
    Sample.Point.HEALTH_CENTRE: gettext_lazy("del centro de salud"),
}
PURIFIED_KINDS = (WaterSystem.Kind.KIOSK, WaterSystem.Kind.SCHOOL)


@dataclass
class Test:
    """The latest verdict of one parameter at one place: what the sentence says."""

    day: datetime.date
    parameter_code: str
    parameter_name: str
    point: str
    system_id: int | None
    failed: bool

    @property
    def microbial(self) -> bool:
        return self.parameter_code in MICROBIAL

    @property
    def sentence(self) -> str:
        place = POINT_WORDS.get(self.point, self.point)
        words = {"place": place, "day": day_name(self.day), "parameter": self.parameter_name}
        if self.microbial and self.failed:
            return (
                _("El agua %(place)s tuvo E. coli el %(day)s: hiérvala o clórela antes de beberla.")
                % words
            )
        if self.microbial:
            return _("El agua %(place)s no tuvo E. coli el %(day)s.") % words
        if self.failed:
            # Arsenic, fluoride, nitrates: boiling does not take them out, and says so.
            return (
                _(
                    "El agua %(place)s tuvo más %(parameter)s del que permite la norma el "
                    "%(day)s. Hervirla no lo quita: pregunte al comité o a la agencia municipal "
                    "por agua de otra fuente para beber."
                )
                % words
            )
        return _("El agua %(place)s cumplió la norma de %(parameter)s el %(day)s.") % words


@dataclass
class Outage:
    day: datetime.date
    system_name: str
    why: str

    @property
    def sentence(self) -> str:
        words = {"day": day_name(self.day), "system": self.system_name, "why": self.why}
        if self.why:
            return _("El %(day)s no hubo agua de %(system)s: %(why)s.") % words
        return _("El %(day)s no hubo agua de %(system)s.") % words


@dataclass
class Service:
    """One system that gives the locality water, and the group that runs it."""

    pk: int
    name: str
    kind: str
    kind_label: str
    provider_id: int | None
    provider_name: str
    provider_kind_label: str
    contact: str
    days_per_week: float | None = None
    days_month: datetime.date | None = None
    days_down: float | None = None
    last_visit_on: datetime.date | None = None
    working: bool | None = None
    tests: list[Test] = field(default_factory=list)

    @property
    def purified(self) -> bool:
        return self.kind in PURIFIED_KINDS

    @property
    def anchor(self) -> str:
        return f"sistema-{self.pk}"


@dataclass
class Accounts:
    provider_id: int
    provider_name: str
    keeps_books: bool
    last_report_on: datetime.date | None


@dataclass
class SchoolWater:
    pk: int
    name: str
    system_name: str
    tests: list[Test]

    @property
    def anchor(self) -> str:
        return f"escuela-{self.pk}"


@dataclass
class PublicComplaint:
    received_on: datetime.date
    summary: str
    status_label: str
    answered_on: datetime.date | None


@dataclass
class ComplaintCounts:
    received: int = 0
    answered: int = 0
    waiting: int = 0
    overdue: int = 0
    escalated: int = 0


@dataclass
class LocalityWater:
    locality: Locality
    on: datetime.date
    services: list[Service]
    days_per_week: float | None
    days_month: datetime.date | None
    outages: list[Outage]
    tests: list[Test]
    schools: list[SchoolWater]
    accounts: list[Accounts]
    complaints: list[PublicComplaint]
    complaint_counts: ComplaintCounts
    units: PublicUnitCounts
    last_data_on: datetime.date | None

    @property
    def recent(self) -> bool:
        """Something validated happened here in the last ``RECENT_DAYS`` days."""
        return self.last_data_on is not None and (self.on - self.last_data_on).days <= RECENT_DAYS

    @property
    def ecoli_failed(self) -> list[Test]:
        return [t for t in self.tests if t.microbial and t.failed]

    @property
    def providers(self) -> list[tuple[int, str]]:
        seen = {}
        for service in self.services:
            if service.provider_id is not None:
                seen.setdefault(service.provider_id, service.provider_name)
        return list(seen.items())


def locality_water(locality: Locality, on: datetime.date) -> LocalityWater:
    since = on - datetime.timedelta(days=LOOK_BACK_DAYS)
    services = _services(locality)
    ids = list(services)
    days_per_week, days_month = _figures(locality, services, on)
    outages = _outages(services, since, on)
    _visits(services, since, on)
    tests = _tests(locality, services, since, on)
    schools = _schools(locality, tests)
    for test in tests:
        if test.system_id in services and test.point not in (Sample.Point.SCHOOL,):
            services[test.system_id].tests.append(test)
    complaints, counts = _complaints(services, since, on)
    dates = [t.day for t in tests] + [o.day for o in outages]
    dates += [s.last_visit_on for s in services.values() if s.last_visit_on]
    dates += [s.days_month for s in services.values() if s.days_month]
    if days_month:
        dates.append(days_month)
    return LocalityWater(
        locality=locality,
        on=on,
        services=sorted(services.values(), key=lambda s: (s.purified, s.name)),
        days_per_week=days_per_week,
        days_month=days_month,
        outages=outages,
        tests=[t for t in tests if t.point != Sample.Point.SCHOOL],
        schools=schools,
        accounts=_accounts(services) if ids else [],
        complaints=complaints,
        complaint_counts=counts,
        units=locality_units(locality, on),
        last_data_on=max(dates, default=None),
    )


def serving_systems(locality: Locality):
    """The systems that give the locality water: sited there or serving it (household units
    are the purifiers' register, not a service)."""
    return (
        WaterSystem.objects.filter(Q(locality=locality) | Q(served_localities__locality=locality))
        .exclude(kind=WaterSystem.Kind.HOUSEHOLD)
        .distinct()
    )


def serving_providers(locality: Locality) -> list[tuple[int, str]]:
    """Who runs those systems, by name: where a complaint about the locality's water can go.
    One query, for the complaint form, which needs nothing else of the page."""
    return list(
        Provider.objects.filter(systems__in=serving_systems(locality))
        .distinct()
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def _services(locality: Locality) -> dict[int, Service]:
    systems = serving_systems(locality).select_related("provider").order_by("name")
    return {
        system.pk: Service(
            pk=system.pk,
            name=system.name,
            kind=system.kind,
            kind_label=system.get_kind_display(),
            provider_id=system.provider_id,
            provider_name=system.provider.name if system.provider else "",
            provider_kind_label=system.provider.get_kind_display() if system.provider else "",
            contact=system.provider.public_contact if system.provider else "",
        )
        for system in systems
    }


def _figures(
    locality: Locality, services: dict[int, Service], on: datetime.date
) -> tuple[float | None, datetime.date | None]:
    """The engine's latest days with water a week (the locality's, and each system's) and
    each system's days without service in 12 months, no later than ``on``'s month."""
    values = (
        IndicatorValue.objects.filter(
            Q(entity=Entity.LOCALITY, entity_id=locality.pk)
            | Q(entity=Entity.SYSTEM, entity_id__in=list(services)),
            indicator__in=[Code.DAYS_PER_WEEK, Code.DOWNTIME],
            period__lte=on,
            period__gte=on - datetime.timedelta(days=LOOK_BACK_DAYS),
            value__isnull=False,
        )
        .order_by("period")
        .values_list("indicator", "entity", "entity_id", "period", "value")
    )
    days, month = None, None
    for code, entity, entity_id, period, value in values:
        if entity == Entity.LOCALITY:
            if code == Code.DAYS_PER_WEEK:
                days, month = value, period
            continue
        service = services[entity_id]
        if code == Code.DAYS_PER_WEEK:
            service.days_per_week, service.days_month = value, period
        else:
            service.days_down = value
    return days, month


def _outages(services: dict[int, Service], since, on) -> list[Outage]:
    """The latest days without water: the supply log's, then the visits' stoppages."""
    names = {pk: s.name for pk, s in services.items()}
    causes = dict(SupplyDay._meta.get_field("no_water_reason").choices)
    days = (
        SupplyDay.objects.validated()
        .filter(system_id__in=list(services), hours=0, observed_on__range=(since, on))
        .order_by("-observed_on", "system_id")
        .values_list("observed_on", "system_id", "no_water_reason")[:OUTAGES_SHOWN]
    )
    outages = [Outage(day, names[pk], str(causes.get(why, ""))) for day, pk, why in days]
    stopped = (
        SystemVisit.objects.validated()
        .filter(system_id__in=list(services), working=False, observed_on__range=(since, on))
        .order_by("-observed_on", "system_id")
        .values_list("observed_on", "system_id", "downtime_cause")[:OUTAGES_SHOWN]
    )
    logged = {(o.day, o.system_name) for o in outages}
    for day, pk, why in stopped:
        if (day, names[pk]) not in logged:
            outages.append(Outage(day, names[pk], str(causes.get(why, ""))))
    outages.sort(key=lambda o: o.day, reverse=True)
    return outages[:OUTAGES_SHOWN]


def _visits(services: dict[int, Service], since, on) -> None:
    """Each system's latest validated visit in the year: when, and whether it worked."""
    visits = (
        SystemVisit.objects.validated()
        .filter(system_id__in=list(services), observed_on__range=(since, on))
        .order_by("observed_on", "pk")
        .values_list("system_id", "observed_on", "working")
    )
    for pk, day, working in visits:
        services[pk].last_visit_on, services[pk].working = day, working


def _tests(locality: Locality, services: dict[int, Service], since, on) -> list[Test]:
    """The latest NOM-127 verdict of each parameter at each place (system and sampling point),
    from validated samples of the locality or of the systems that serve it. E. coli always;
    other parameters only where they failed, since that is what someone must act on."""
    verdicts = (
        Verdict.objects.filter(
            Q(result__sample__locality=locality) | Q(result__sample__system_id__in=list(services)),
            norm__code="nom127",
            outcome__in=[Verdict.Outcome.PASS, Verdict.Outcome.FAIL],
            sampled_on__range=(since, on),
            result__sample__state=Sample.State.VALIDATED,
        )
        .exclude(parameter_code="")
        .order_by("-sampled_on", "-pk")
        .values_list(
            "sampled_on",
            "parameter_code",
            "result__parameter__name",
            "result__sample__sampling_point",
            "result__sample__system_id",
            "outcome",
        )
    )
    latest: dict[tuple, Test] = {}
    for day, code, name, point, system_id, outcome in verdicts:
        key = ("microbial" if code in MICROBIAL else code, point, system_id)
        if key not in latest:
            latest[key] = Test(
                day, code, name or code, point, system_id, outcome == Verdict.Outcome.FAIL
            )
    tests = [t for t in latest.values() if t.microbial or t.failed]
    tests.sort(key=lambda t: (not t.failed, -t.day.toordinal(), t.point))
    return tests


def _schools(locality: Locality, tests: list[Test]) -> list[SchoolWater]:
    by_system: dict[int | None, list[Test]] = defaultdict(list)
    for test in tests:
        if test.point == Sample.Point.SCHOOL:
            by_system[test.system_id].append(test)
    schools = School.objects.filter(locality=locality).select_related("water_system")
    return [
        SchoolWater(
            pk=school.pk,
            name=school.name,
            system_name=school.water_system.name if school.water_system else "",
            tests=by_system.get(school.water_system_id, []) if school.water_system_id else [],
        )
        for school in schools.order_by("name")
    ]


def _accounts(services: dict[int, Service]) -> list[Accounts]:
    providers = {s.provider_id: s.provider_name for s in services.values() if s.provider_id}
    with_books = set(
        JournalEntry.objects.filter(provider_id__in=list(providers))
        .values_list("provider_id", flat=True)
        .distinct()
    )
    reports = dict(
        AssemblyReport.objects.filter(provider_id__in=list(providers))
        .values("provider_id")
        .annotate(last=Max("presented_on"))
        .values_list("provider_id", "last")
    )
    return [
        Accounts(pk, name, pk in with_books, reports.get(pk))
        for pk, name in sorted(providers.items(), key=lambda item: item[1])
    ]


def _complaints(
    services: dict[int, Service], since, on
) -> tuple[list[PublicComplaint], ComplaintCounts]:
    """The year's complaints to the groups that serve the locality: how many, how answered,
    and those a committee member reviewed for showing, in the reviewed words only."""
    providers = {s.provider_id for s in services.values() if s.provider_id}
    if not providers:
        return [], ComplaintCounts()
    year = Complaint.objects.filter(provider_id__in=providers, received_on__range=(since, on))
    waiting = Q(status=Complaint.Status.RECEIVED)
    counts = year.aggregate(
        received=Count("pk"),
        answered=Count("pk", filter=~waiting),
        waiting=Count("pk", filter=waiting),
        overdue=Count("pk", filter=overdue_condition(on)),
        escalated=Count("pk", filter=Q(escalated_on__isnull=False)),
    )
    shown = (
        year.exclude(public_summary="")
        .order_by("-received_on", "-pk")
        .only("received_on", "public_summary", "status", "answered_on")[:COMPLAINTS_SHOWN]
    )
    return [
        PublicComplaint(c.received_on, c.public_summary, c.get_status_display(), c.answered_on)
        for c in shown
    ], ComplaintCounts(**counts)


@dataclass
class Tracked:
    """What the tracking page shows of one complaint: dates, status, the committee's answer.
    Never who filed it, nor what they wrote."""

    code: str
    provider_name: str
    locality_key: str | None
    received_on: datetime.date
    respond_by: datetime.date
    status_label: str
    answered_on: datetime.date | None
    answer: str
    closed_on: datetime.date | None
    escalated_on: datetime.date | None
    # Past its date with no answer on the day read (``Complaint.is_overdue``).
    overdue: bool


def tracked_complaint(code: str, on: datetime.date) -> Tracked | None:
    complaint = (
        Complaint.objects.filter(tracking_code=code).select_related("provider__locality").first()
    )
    if complaint is None:
        return None
    provider = complaint.provider
    return Tracked(
        code=code,
        provider_name=provider.name,
        locality_key=provider.locality.key if provider.locality else None,
        received_on=complaint.received_on,
        respond_by=complaint.respond_by,
        status_label=complaint.get_status_display(),
        answered_on=complaint.answered_on,
        answer=complaint.answer,
        closed_on=complaint.closed_on,
        escalated_on=complaint.escalated_on,
        overdue=complaint.is_overdue(on),
    )
