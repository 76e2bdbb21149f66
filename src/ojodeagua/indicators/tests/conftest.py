"""A small place whose indicator values were worked out by hand, shared by the tests."""

import datetime
from decimal import Decimal

import pytest

from ojodeagua.monitoring.models import HouseholdSurvey
from ojodeagua.monitoring.tests.factories import make_supply_day, make_visit
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.providers.tests.factories import make_committee, make_system
from ojodeagua.waterquality.models import Norm, NormVersion, Verdict
from ojodeagua.waterquality.tests.factories import judged_sample
from ojodeagua.watersystems.models import ServedLocality

D = datetime.date
MARCH, APRIL = D(2026, 3, 1), D(2026, 4, 1)
VALIDATED = "validated"


def day_range(first: datetime.date, count: int):
    return [first + datetime.timedelta(days=n) for n in range(count)]


def judged_by_both(locality, system, day, outcomes, who_outcomes=None, **fields):
    """A sample judged by the NOM-127 (``outcomes``) and by WHO's guideline values
    (``who_outcomes``, the same by default), as the quality app judges every sample."""
    sample = judged_sample(locality, system, day, outcomes, **fields)
    who = Norm.objects.get(code="who")
    version = NormVersion.objects.filter(norm=who).first()
    by_code = dict(who_outcomes if who_outcomes is not None else outcomes)
    for verdict in Verdict.objects.filter(result__sample=sample):
        if verdict.parameter_code in by_code:
            Verdict.objects.create(
                result=verdict.result,
                norm=who,
                version=version,
                outcome=by_code[verdict.parameter_code],
                parameter_code=verdict.parameter_code,
                sampled_on=verdict.sampled_on,
            )
    return sample


@pytest.fixture
def town(db):
    """A locality of 400 people in 100 dwellings; its system serves 80 of them."""
    municipality = Municipality.objects.get(key="07012")
    locality = Locality.objects.create(
        municipality=municipality,
        key="070129901",
        name="Prueba",
        population=400,
        inhabited_dwellings=100,
    )
    provider = make_committee("Comité de prueba", locality=locality)
    system = make_system(
        provider, locality=locality, design_yield_lps=Decimal("2.0"), chlorinates="yes"
    )
    ServedLocality.objects.create(system=system, locality=locality, households=80)
    observations = []

    def supply(day, hours, state=VALIDATED, sector=""):
        observations.append(
            make_supply_day(
                system,
                day,
                hours,
                state,
                sector=sector,
                no_water_reason="" if hours else "source_dried",
            )
        )

    # February: 25 days with 10 h, 3 without water. March: 20 days with 12 h, 11 without.
    for n, day in enumerate(day_range(D(2026, 2, 1), 28)):
        supply(day, 10 if n < 25 else 0)
    for n, day in enumerate(day_range(MARCH, 31)):
        supply(day, 12 if n < 20 else 0)
    # Pending: must not count anywhere.
    supply(D(2026, 3, 5), 24, state="submitted", sector="alto")

    for day, working, flow in ((D(2026, 3, 10), True, "2.5"), (D(2026, 4, 15), False, None)):
        observations.append(
            make_visit(
                system,
                day,
                VALIDATED,
                working=working,
                flow_lps=Decimal(flow) if flow else None,
                downtime_days=0 if working else 5,
                downtime_cause="" if working else "pump",
            )
        )

    def sample(day, results):
        observations.append(judged_by_both(locality, system, day, results))

    sample(D(2026, 3, 12), [("e_coli", "pass"), ("arsenic", "pass"), ("free_chlorine", "fail")])
    sample(D(2026, 3, 25), [("free_chlorine", "pass")])

    def survey(size, **answers):
        defaults = dict(
            locality=locality,
            system=system,
            observed_on=D(2026, 3, 20),
            source="visit",
            state=VALIDATED,
            respondent_sex="F",
            household_size=size,
            water_on_premises=False,
            sufficient_last_month="yes",
            toilet_shared=False,
            excreta_disposal="unknown",
            handwashing_water=False,
            handwashing_soap=False,
            satisfied="yes",
        )
        defaults.update(answers)
        observations.append(HouseholdSurvey.objects.create(**defaults))

    survey(
        5,
        water_source="piped_dwelling",
        water_on_premises=True,
        toilet="flush_septic",
        excreta_disposal="contained",
        handwashing="fixed",
        handwashing_water=True,
        handwashing_soap=True,
        water_has_problem="no",
        days_with_water_last_week=7,
    )
    survey(
        3,
        water_source="public_tap",
        collection_minutes=40,
        toilet="pit_no_slab",
        handwashing="none",
        water_has_problem="no",
        days_with_water_last_week=2,
    )
    survey(
        2,
        water_source="unprotected_spring",
        collection_minutes=10,
        toilet="none",
        handwashing="mobile",
        handwashing_water=True,
        water_has_problem="yes",
    )
    return {
        "system": system,
        "locality": locality,
        "provider": provider,
        "observations": observations,
    }
