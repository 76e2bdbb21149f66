"""One run of the engine over a selection: each layer loads its inputs, hands them to the
families, and stores what they give back.

The layers run in order, each reading the stored values of the layer before it:
systems (from observations) → localities and providers → municipalities → the state.
A full run keeps in memory what the next layers read instead of reading it back.
"""

import bisect
import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.books import score as books_score
from ojodeagua.places.models import Municipality
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import WaterSystem

from ..catalogue import BOOKS_CODES, Code
from ..models import Entity, IndicatorValue
from ..months import add_months, month_end, month_range, month_start, year_window
from . import loading, storing
from .aggregates import (
    aggregate_system_values,
    institution_value,
    municipal_sum_value,
    state_value,
)
from .families import continuity, functionality, gaps, ladders, quality, scores
from .families.finance import business_values, finance_values
from .loading import Selection
from .values import AreaSum, Value, locality_value, source, system_value

SYSTEM_CODES_READ_LATER = (
    Code.FUNCTIONALITY,
    Code.CONTINUITY_HOURS,
    Code.DAYS_PER_WEEK,
    Code.MICROBIAL,
    Code.SCORE,
    Code.DOWNTIME,
    *quality.RESTRICTED_CODES,
)
LOCALITY_CODES_SUMMED = (
    Code.GAP_RECORD,
    Code.GAP_WORKING,
    Code.GAP_RELIABLE,
    Code.GAP_SAFE,
    Code.PERCEPTION_GAP,
    "jmp_water",
    "jmp_sanitation",
    "jmp_hygiene",
)
# The layers whose changes a refresh follows upwards, and the codes of theirs the layer above
# adds up (None: all).
WATCHED: dict[str, tuple[str, ...] | None] = {
    Entity.LOCALITY: LOCALITY_CODES_SUMMED,
    Entity.MUNICIPALITY: None,
}
# A run's layers, in the order ``run`` stores them: a job's progress bar counts them.
LAYERS = {
    Entity.SYSTEM: gettext_lazy("Sistemas"),
    Entity.LOCALITY: gettext_lazy("Localidades"),
    Entity.PROVIDER: gettext_lazy("Prestadores"),
    Entity.MUNICIPALITY: gettext_lazy("Municipios"),
    Entity.STATE: gettext_lazy("Estado"),
}

# (layers done, layers in all, what was done): a job's or a command's progress bar.
Progress = Callable[[int, int, str], object]

# Providers whose books are read at once in a full recompute: bounded memory at state scale.
BOOKS_CHUNK = 500


class Computation:
    def __init__(
        self,
        selection: Selection,
        municipality_ids: set[int] | None = None,
        table: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.selection = selection
        self.progress = progress
        self.layers_done = 0
        self.table = table or IndicatorValue._meta.db_table
        self.settings = loading.settings_values()
        self.contamination_norm = loading.contamination_norm()
        self.now = timezone.now()
        self.full = selection.system_ids is None
        self.municipality_ids = municipality_ids
        self.written = 0
        # A refresh's localities' and municipalities' (month, indicator) pairs whose values
        # it changed: the layer above adds up only those again (see ``moved_sums``).
        self.moved: dict[str, set[tuple[datetime.date, str]]] = {}
        # Provider id → its books month by month, when the caller read them already.
        self.books: dict[int, books_score.MonthlyBooks] | None = None

    @property
    def reads_books(self) -> bool:
        """Whether this run computes the financial figures (or reuses the stored ones)."""
        return self.full or self.books is not None

    @property
    def all_localities(self) -> bool:
        """Whether every locality (and so every municipality) is computed, as in a full run
        or when a refresh reaches months after the last one stored."""
        return self.selection.locality_ids is None

    def run(self) -> int:
        systems = list(
            self.selection.systems().values(
                "id", "municipality_id", "provider_id", "design_yield_lps", "kind"
            )
        )
        self.systems = {s["id"]: s for s in systems}
        self.memory_systems: dict[tuple, tuple] = {}
        self.locality_sums: dict[tuple, AreaSum] = defaultdict(AreaSum)
        self.municipal_sums: dict[tuple, AreaSum] = defaultdict(AreaSum)
        self.store(self.capture_systems(self.system_values()), Entity.SYSTEM, set(self.systems))
        localities = loading.localities(self.selection.locality_ids)
        self.store(
            self.capture_localities(self.locality_values(localities)),
            Entity.LOCALITY,
            None if self.all_localities else set(localities),
        )
        providers = {s["provider_id"] for s in systems if s["provider_id"]}
        if self.full:
            # Kiosks and school committees may keep books without a system on record.
            providers |= books_score.providers_with_books()
        # An observation changes no book: a refresh keeps the providers' financial figures
        # (``refresh_books`` keeps those up to date) and only reads them for the score.
        self.store(
            self.provider_values(providers),
            Entity.PROVIDER,
            providers,
            keep=() if self.reads_books else BOOKS_CODES,
        )
        municipalities = self.affected_municipalities(localities)
        municipal_state = dict(
            Municipality.objects.filter(pk__in=municipalities).values_list("id", "state_id")
        )
        self.store(
            self.capture_municipalities(self.area_values(municipalities), municipal_state),
            Entity.MUNICIPALITY,
            None if self.all_localities else municipalities,
            partial=self.moved_sums(Entity.LOCALITY),
        )
        states = set(municipal_state.values())
        self.store(
            self.state_values(states),
            Entity.STATE,
            states,
            partial=self.moved_sums(Entity.MUNICIPALITY),
        )
        return self.written

    def capture_systems(self, values: Iterable[Value]) -> Iterable[Value]:
        for value in values:
            if self.full and value.indicator in SYSTEM_CODES_READ_LATER:
                self.memory_systems[(value.entity_id, value.period, value.indicator)] = (
                    None,
                    value.entity_id,
                    value.period,
                    value.indicator,
                    value.value,
                    value.numerator,
                    value.denominator,
                    value.breakdown,
                )
            yield value

    def capture_localities(self, values: Iterable[Value]) -> Iterable[Value]:
        for value in values:
            if self.full and value.indicator in LOCALITY_CODES_SUMMED:
                self.locality_sums[(value.municipality_id, value.period, value.indicator)].add(
                    value.numerator, value.denominator, value.breakdown, value.label
                )
            yield value

    def capture_municipalities(self, values: Iterable[Value], municipal_state) -> Iterable[Value]:
        for value in values:
            if self.full:
                state_id = municipal_state[value.entity_id]
                self.municipal_sums[(state_id, value.period, value.indicator)].add(
                    value.numerator,
                    value.denominator,
                    value.breakdown,
                    value.label,
                    member=value.entity_id,
                )
            yield value

    def store(
        self,
        values: Iterable[Value],
        entity: str,
        entity_ids: set[int] | None,
        keep: Iterable[str] = (),
        partial: storing.Partial | None = None,
    ) -> None:
        """Replace the entities' values of the selection's months (all but ``keep``, and of
        ``partial``'s codes only its pairs); None for every entity of the kind."""
        if not self.full:
            if entity in WATCHED and entity_ids is not None:
                values = list(values)
                self.moved[entity] = moved_pairs(
                    loading.stored_area_parts(
                        entity,
                        entity_ids,
                        self.selection.first_month,
                        self.selection.last_month,
                        WATCHED[entity],
                    ),
                    values,
                    WATCHED[entity],
                    partial,
                )
            storing.delete_values(
                entity,
                entity_ids,
                self.selection.first_month,
                self.selection.last_month,
                keep,
                partial,
            )
        self.written += storing.insert_values(values, self.now, self.table)
        if self.progress is not None:
            self.layers_done += 1
            self.progress(
                self.layers_done,
                len(LAYERS),
                _("%(layer)s: listo; %(count)s valores calculados en total")
                % {"layer": LAYERS[entity], "count": f"{self.written:,}"},
            )

    def moved_sums(self, parts: str) -> storing.Partial | None:
        """Which sums of ``parts`` the layer above must add up again: the months and codes
        whose parts' values this refresh changed (None: all of them, as in a full run or a
        refresh that recomputed every part). An area figure is a function of its parts'
        values alone, so the others stand as stored, and a back-dated record that moves no
        locality's figure adds up no locality again."""
        moved = self.moved.get(parts)
        if self.full or moved is None:
            return None
        codes = WATCHED[parts]
        return storing.Partial(
            codes=None if codes is None else frozenset(codes),
            months={month for month, _code in moved},
            indicators={code for _month, code in moved},
        )

    def system_values_for(
        self, indicators: Iterable[str], system_ids: set[int] | None, months_before: int = 0
    ) -> dict[tuple[int, datetime.date, str], tuple]:
        """Stored system values for the selection's months, by (system, month, indicator)."""
        if self.full:
            return self.memory_systems
        return loading.stored_system_values(
            indicators,
            system_ids,
            add_months(self.selection.first_month, -months_before),
            self.selection.last_month,
        )

    # Systems ------------------------------------------------------------------------------
    def system_values(self) -> Iterable[Value]:
        selection = self.selection
        end = month_end(selection.last_month)
        ids = selection.system_ids
        inputs = loading.load_system_inputs(selection)
        treatment = selection.systems().treatment_facts()
        reliable_limit = self.settings["reliable_max_downtime_days"]
        weights = loading.weights_for("system")
        # A refresh sees only its window: systems with data after it carry their "last 12
        # months" figures to the window's end, as a full rebuild does.
        observed_later = set() if ids is None else loading.systems_observed_after(ids, end)
        for system_id, system in self.systems.items():
            supply_months = inputs.monthly.get(system_id, {})
            visits = inputs.visits.get(system_id, [])
            verdicts = inputs.verdicts.get(system_id, {})
            seen = set(supply_months) | {month_start(v["observed_on"]) for v in visits}
            seen |= set(verdicts)
            if not seen:
                continue
            first_seen, last_seen = min(seen), max(seen)
            if system_id in observed_later:
                last_seen = selection.last_month
            make = functools.partial(
                system_value,
                system_id=system_id,
                municipality_id=system["municipality_id"],
                provider_id=system["provider_id"],
            )
            rule = functionality.flow_rule(
                system["kind"], system["design_yield_lps"], self.settings
            )
            down_days = inputs.down_days.get(system_id, {})
            latest = inputs.latest.get(system_id, {})
            for month in selection.months:
                yield from continuity.supply_values(
                    make, month, supply_months.get(month), system_id
                )
                # "Last 12 months" figures run from the system's first month of data to its
                # last one.
                if not first_seen <= month <= last_seen:
                    continue
                window = year_window(month)
                downtime = continuity.downtime(
                    make,
                    month,
                    window,
                    system_id,
                    supply_months,
                    down_days,
                    visits,
                    reliable_limit,
                )
                if downtime:
                    yield downtime
                tier = functionality.tier_value(
                    make,
                    month,
                    window,
                    system_id,
                    visits,
                    rule,
                    downtime,
                    reliable_limit,
                    latest,
                )
                if tier:
                    yield tier
                yield from quality.compliance_values(
                    make,
                    month,
                    system_id,
                    verdicts.get(month, {}),
                    quality.with_visits(treatment.get(system_id, {}), visits, window),
                )
                year_months = month_range(window[0], month)
                components = scores.system_components(
                    tier.numerator if tier else None,
                    [supply_months[m] for m in year_months if m in supply_months],
                    quality.microbial_counts(verdicts.get(m, {}) for m in year_months),
                )
                score = scores.system_score(make, month, system_id, components, weights)
                if score is not None:
                    yield score

    # Localities ---------------------------------------------------------------------------
    def locality_values(self, localities: dict[int, dict]) -> Iterable[Value]:
        if not localities:
            return
        selection = self.selection
        start = add_months(selection.first_month, -11)
        end = month_end(selection.last_month)
        everywhere = self.full or self.all_localities
        inputs = loading.load_locality_inputs(None if everywhere else localities, start, end)
        system_scope = None if everywhere else inputs.serving
        stored = self.system_values_for(
            [
                Code.FUNCTIONALITY,
                Code.DAYS_PER_WEEK,
                Code.CONTINUITY_HOURS,
                Code.MICROBIAL,
                Code.SCORE,
            ],
            system_scope,
            months_before=11,
        )
        histories = loading.contamination_history(
            system_scope,
            start,
            end,
            self.settings["perception_ecoli_window_days"],
            {"nom127", self.contamination_norm},
        )
        contamination = histories[self.contamination_norm]
        nom_tests = histories["nom127"]
        weights = loading.weights_for("locality")
        min_days = self.settings["perception_min_days_per_week"]
        ecoli_reach = datetime.timedelta(days=self.settings["perception_ecoli_window_days"])
        people_per_household = self.settings["people_per_household"]
        classified = {
            survey["id"]: ladders.classify_household(
                survey,
                contamination.get(survey["system_id"], []),
                stored,
                min_days,
                ecoli_reach,
                nom_tests.get(survey["system_id"], []),
            )
            for rows in inputs.surveys.values()
            for survey in rows
        }
        for locality_id, locality in localities.items():
            population = locality["population"] or 0
            dwellings = locality["inhabited_dwellings"] or locality["dwellings"]
            per_household = (
                (population / dwellings) if population and dwellings else people_per_household
            )
            surveys = inputs.surveys.get(locality_id, [])
            links = inputs.links.get(locality_id, [])
            if not surveys and not links:
                continue
            dates = [s["observed_on"] for s in surveys]
            make = functools.partial(
                locality_value,
                locality_id=locality_id,
                municipality_id=locality["municipality_id"],
            )
            for month in selection.months:
                window = year_window(month)
                in_window = surveys[
                    bisect.bisect_left(dates, window[0]) : bisect.bisect_right(dates, window[1])
                ]
                survey_source = source(
                    "monitoring.householdsurvey",
                    locality_id=locality_id,
                    observed_on__gte=window[0],
                    observed_on__lte=window[1],
                )
                household = ladders.household_ladders(
                    make, month, in_window, classified, survey_source, self.contamination_norm
                )
                yield from household.values
                if in_window:
                    perception = gaps.perception_gap(
                        make, month, locality_id, in_window, classified, min_days
                    )
                    if perception is not None:
                        yield perception
                if not links or not population:
                    continue
                # Official vs real: people on record, working, reliable, safely managed.
                service = gaps.service_gaps(
                    make,
                    month,
                    locality_id,
                    population,
                    per_household,
                    links,
                    stored,
                    household.safe_share,
                    bool(in_window),
                    survey_source,
                    self.contamination_norm,
                )
                if service is None:
                    continue
                yield from service.values
                # No survey, no accessibility: the score goes on without it (not on record).
                surveyed = household.basic_share is not None
                score = scores.locality_score(
                    make,
                    month,
                    locality_id,
                    household.basic_share,
                    scores.served_components(stored, links, month),
                    weights,
                    service.system_ids,
                    survey_source if surveyed else None,
                )
                if score is not None:
                    yield score

    # Providers ------------------------------------------------------------------------------
    def provider_values(self, provider_ids: set[int]) -> Iterable[Value]:
        """Each provider's systems' figures added up, its books' financial figures, and its
        score, which weighs the service of its systems and, when it keeps books, its finances.

        Design: the score of a system (functionality, continuity, seasonality, quality; this
        project's own, not SIASAR's) says nothing about who runs it, so the financial
        component joins at the provider, the one level that keeps books: provider score =
        weighted mean of "service" (the mean of its systems' scores, as before) and "finance"
        (itself the weighted mean of collection efficiency and O&M cost coverage, each capped
        at 1). The weights are the ``ScoreWeight`` rows of the scores "provider" and
        "finance". A provider without books has no finance component, so its score is its
        systems' mean as it always was; one without any system score gets no score (its
        financial figures stand on their own). Municipal and state scores still average
        systems, so the books do not reach them.
        """
        systems = WaterSystem.objects.filter(provider_id__isnull=False)
        if not self.full:
            systems = systems.filter(provider_id__in=provider_ids)
        members = defaultdict(list)
        # The provider's own municipality (its systems may sit in several), as its pages use.
        municipality = {}
        for system_id, provider_id, municipality_id in systems.values_list(
            "id", "provider_id", "provider__municipality_id"
        ):
            members[provider_id].append(system_id)
            municipality[provider_id] = municipality_id
        provider_ids = set(provider_ids) | set(members)
        if missing := provider_ids - set(municipality):
            municipality.update(
                Provider.objects.filter(pk__in=missing).values_list("id", "municipality_id")
            )
        stored = self.system_values_for(
            [
                Code.FUNCTIONALITY,
                Code.CONTINUITY_HOURS,
                Code.MICROBIAL,
                Code.SCORE,
                Code.DOWNTIME,
                *quality.RESTRICTED_CODES,
            ],
            None if self.full else {s for ids in members.values() for s in ids},
        )
        weights = loading.weights_for("provider")
        finance_weights = loading.weights_for("finance")
        ordered = sorted(p for p in provider_ids if p in municipality)
        for first in range(0, len(ordered), BOOKS_CHUNK):
            chunk = ordered[first : first + BOOKS_CHUNK]
            if self.books is not None:
                books, stored_finance = self.books, {}
            elif self.full:
                books, stored_finance = books_score.monthly_books(chunk), {}
            else:
                books = {}
                stored_finance = loading.stored_finance(
                    chunk, self.selection.first_month, self.selection.last_month
                )
            for provider_id in chunk:
                yield from self.one_provider_values(
                    provider_id,
                    members.get(provider_id, []),
                    municipality[provider_id],
                    books.get(provider_id),
                    stored,
                    stored_finance,
                    weights,
                    finance_weights,
                )

    def one_provider_values(
        self,
        provider_id: int,
        system_ids: list[int],
        municipality_id: int | None,
        books: "books_score.MonthlyBooks | None",
        stored: dict,
        stored_finance: dict,
        weights: dict[str, float],
        finance_weights: dict[str, float],
    ) -> Iterable[Value]:
        months = self.selection.months
        if books is not None:
            months = sorted(set(months) | set(month_range(books.first_month, books.last_month)))
        for month in months:
            service = None
            for value in aggregate_system_values(
                stored,
                system_ids,
                month,
                Entity.PROVIDER,
                provider_id,
                municipality_id,
                provider_id,
            ):
                if value.indicator == Code.SCORE:
                    service = value
                else:
                    yield value
            finance = stored_finance.get((provider_id, month), {})
            if books is not None and books.covers(month):
                for value in finance_values(books, month, provider_id, municipality_id):
                    finance[value.indicator] = value.value
                    yield value
                yield from business_values(books, month, provider_id, municipality_id)
            if service is not None:
                yield scores.provider_score(service, finance, weights, finance_weights)

    # Municipalities and the state ---------------------------------------------------------------
    def affected_municipalities(self, localities: dict[int, dict]) -> set[int]:
        if self.full or self.all_localities:
            return set(Municipality.objects.values_list("id", flat=True))
        found = {row["municipality_id"] for row in localities.values()}
        found |= {s["municipality_id"] for s in self.systems.values()}
        return found | (self.municipality_ids or set())

    def area_values(self, area_ids: set[int]) -> Iterable[Value]:
        """Municipal figures: their systems' values and their localities' values added up."""
        if not area_ids:
            return
        selection = self.selection
        system_area = dict(
            WaterSystem.objects.filter(municipality_id__in=area_ids).values_list(
                "id", "municipality_id"
            )
        )
        stored_systems = self.system_values_for(SYSTEM_CODES_READ_LATER, set(system_area))
        if self.full:
            sums = self.locality_sums
        else:
            moved = self.moved_sums(Entity.LOCALITY)
            parts = IndicatorValue.objects.filter(
                entity=Entity.LOCALITY,
                municipality_id__in=area_ids,
                period__range=(selection.first_month, selection.last_month),
                indicator__in=LOCALITY_CODES_SUMMED,
            )
            if moved is None:
                sums = loading.summed(parts, "municipality_id")
            elif moved.months:
                sums = loading.summed(moved.narrow(parts), "municipality_id")
            else:
                sums = {}
        populations = loading.municipal_populations(area_ids)
        members = defaultdict(list)
        for system_id, area_id in system_area.items():
            members[area_id].append(system_id)
        institutions = loading.institution_rungs(
            Entity.MUNICIPALITY, area_ids, selection.first_month, selection.last_month
        )
        min_days = self.settings["perception_min_days_per_week"]
        for area_id in area_ids:
            for month in selection.months:
                yield from aggregate_system_values(
                    stored_systems,
                    members.get(area_id, []),
                    month,
                    Entity.MUNICIPALITY,
                    area_id,
                    area_id,
                    None,
                )
                for code in LOCALITY_CODES_SUMMED:
                    found = sums.get((area_id, month, code))
                    if found is None or not found.count:
                        continue
                    yield municipal_sum_value(
                        code, area_id, month, found, populations[area_id], min_days
                    )
                for code, counts in institutions.get((area_id, month), {}).items():
                    yield institution_value(code, area_id, month, counts)

    def state_values(self, state_ids: set[int]) -> Iterable[Value]:
        """State figures: the sum of its municipalities' numerators and denominators."""
        if not state_ids:
            return
        members: dict[int, list[int]] = defaultdict(list)
        for municipality_id, state_id in Municipality.objects.filter(
            state_id__in=state_ids
        ).values_list("id", "state_id"):
            members[state_id].append(municipality_id)
        sums = self.municipal_sums
        if not self.full:
            sums = {}
            moved = self.moved_sums(Entity.MUNICIPALITY)
            # No municipal figure moved: every state figure stands as stored.
            for state_id in state_ids if moved is None or moved.months else ():
                rows = IndicatorValue.objects.filter(
                    entity=Entity.MUNICIPALITY,
                    entity_id__in=members[state_id],
                    period__range=(self.selection.first_month, self.selection.last_month),
                )
                if moved is not None:
                    rows = moved.narrow(rows)
                for (_nothing, month, code), found in loading.summed(rows, None).items():
                    sums[(state_id, month, code)] = found
        populations = loading.state_populations(state_ids)
        min_days = self.settings["perception_min_days_per_week"]
        for (state_id, month, code), found in sums.items():
            if state_id not in state_ids:
                continue
            yield state_value(
                code, state_id, month, found, populations.get(state_id), min_days, members[state_id]
            )


def moved_pairs(
    stored: dict[tuple, tuple],
    values: list[Value],
    codes: tuple[str, ...] | None,
    partial: "storing.Partial | None",
) -> set[tuple[datetime.date, str]]:
    """The (month, indicator) pairs whose values differ between what was stored and what was
    just computed, a value that came or went included. Values ``partial`` leaves standing are
    not compared: they are not replaced."""
    new = {
        (v.entity_id, v.period, v.indicator): (
            v.value,
            v.numerator,
            v.denominator,
            v.label,
            v.breakdown or {},
        )
        for v in values
        if codes is None or v.indicator in codes
    }
    moved = set()
    for key in stored.keys() | new.keys():
        if partial is not None and not partial.replaces(key[1], key[2]):
            continue
        if stored.get(key) != new.get(key):
            moved.add((key[1], key[2]))
    return moved
