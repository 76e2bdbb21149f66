"""A small place whose indicator values were worked out by hand, shared by the tests."""

import datetime
from decimal import Decimal

import pytest

from ojodeagua.monitoring.models import HouseholdSurvey, SupplyDay, SystemVisit
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.providers.models import Provider
from ojodeagua.waterquality.models import Norm, NormVersion, Result, Sample, Verdict
from ojodeagua.watersystems.models import ServedLocality, WaterSystem

D = datetime.date
MARCH, APRIL = D(2026, 3, 1), D(2026, 4, 1)
VALIDATED = "validated"


def day_range(first: datetime.date, count: int):
    return [first + datetime.timedelta(days=n) for n in range(count)]


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
    provider = Provider.objects.create(
        name="Comité de prueba", kind="committee", municipality=municipality, locality=locality
    )
    system = WaterSystem.objects.create(
        name="Sistema de prueba",
        kind="gravity",
        provider=provider,
        locality=locality,
        design_yield_lps=Decimal("2.0"),
    )
    ServedLocality.objects.create(system=system, locality=locality, households=80)
    observations = []

    def supply(day, hours, state=VALIDATED, sector=""):
        observations.append(
            SupplyDay.objects.create(
                system=system,
                observed_on=day,
                hours=Decimal(hours),
                source="self_report",
                state=state,
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
            SystemVisit.objects.create(
                system=system,
                observed_on=day,
                source="visit",
                state=VALIDATED,
                working=working,
                flow_lps=Decimal(flow) if flow else None,
                downtime_days=0 if working else 5,
                downtime_cause="" if working else "pump",
            )
        )

    nom, _ = Norm.objects.get_or_create(code="nom127", defaults={"name": "NOM-127"})
    version = NormVersion.objects.filter(norm=nom).first() or NormVersion.objects.create(
        norm=nom, name="NOM-127-SSA1-2021", in_force_from=D(2023, 4, 27)
    )

    def sample(day, results):
        taken = Sample.objects.create(
            locality=locality,
            system=system,
            observed_on=day,
            source="laboratory",
            state=VALIDATED,
            sampling_point="tap",
            analysis="laboratory",
        )
        for code, outcome in results:
            result = Result.objects.create(sample=taken, parameter_text=code, value=Decimal(1))
            Verdict.objects.create(
                result=result,
                norm=nom,
                version=version,
                outcome=outcome,
                parameter_code=code,
                sampled_on=day,
            )
        observations.append(taken)

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
